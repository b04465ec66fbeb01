package validate

import "fmt"

// WithLevelOrder returns a copy of v that runs the named levels in the
// order given, for the tests of package validate_test that reorder them.
func (v *Validator) WithLevelOrder(names ...string) (*Validator, error) {
	var list []*level
	for _, name := range names {
		i := -1
		for j, l := range levels {
			if l.name == name {
				i = j
			}
		}
		if i < 0 {
			return nil, fmt.Errorf("no level %q", name)
		}
		list = append(list, levels[i])
	}
	w := *v
	w.levels = list
	return &w, nil
}
