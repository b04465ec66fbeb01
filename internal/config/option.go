package config

import (
	"strings"
	"time"
)

// An Option is a key that a method defines for itself, as an analyzer of
// golang.org/x/tools/go/analysis defines its flags: it is named after the
// method ("adversarial.candidates"), and Load reads it from every layer as
// it reads the built-in keys — the flag and action input
// adversarial-candidates, OPTIMIZER_ADVERSARIAL_CANDIDATES, and in the file
// either adversarial.candidates or candidates in an adversarial mapping.
// Its text lands in Config.Options once Parse accepts it.
type Option struct {
	Name    string // "<method>.<name>": the method's name, a dot, lower-case words joined by _
	Default string // as typed, parsed like any other value
	Help    string // one line
	Want    string // the accepted values, for errors: "an integer 1..16"
	Example string // a good value
	// Parse checks the text and returns the value the method uses (an int,
	// a time.Duration); its error says what is wrong with the text.
	Parse func(string) (any, error)
}

func (o Option) spec() *keySpec {
	return &keySpec{
		name: o.Name, def: o.Default, help: o.Help, want: o.Want, example: o.Example,
		set: func(c *Config, s string) error {
			if _, err := o.Parse(s); err != nil {
				return err
			}
			if c.Options == nil {
				c.Options = map[string]string{}
			}
			c.Options[o.Name] = s
			return nil
		},
	}
}

// Value returns the value of o in cfg: its setting, or its default when
// cfg holds none (a Config made by hand rather than by Load).
func (o Option) Value(cfg *Config) (any, error) {
	s, ok := cfg.Options[o.Name]
	if !ok {
		s = o.Default
	}
	return o.Parse(strings.TrimSpace(s))
}

// Int parses an integer in lo..hi.
func Int(lo, hi int) func(string) (any, error) {
	return func(s string) (any, error) {
		var n int
		if err := setInt(&n, s, lo, hi); err != nil {
			return nil, err
		}
		return n, nil
	}
}

// Duration parses a positive Go duration with a unit.
func Duration() func(string) (any, error) {
	return func(s string) (any, error) {
		var d time.Duration
		if err := setTimeout(&d, s); err != nil {
			return nil, err
		}
		return d, nil
	}
}
