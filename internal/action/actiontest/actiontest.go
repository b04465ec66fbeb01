// Package actiontest reads the files a GitHub Actions step writes the way
// the runner reads them, for tests of the runner contract.
package actiontest

import (
	"fmt"
	"os"
	"strings"
)

// ParseOutputs parses a GITHUB_OUTPUT (or GITHUB_ENV, GITHUB_STATE) file as
// the runner does on Linux: lines NAME=VALUE, or NAME<<DELIMITER followed by
// the value's lines and a line equal to DELIMITER; blank lines are skipped;
// a later value replaces an earlier one. It returns every name in the order
// first set, so a test can see an output that should not exist.
func ParseOutputs(path string) (values map[string]string, names []string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return Parse(string(data))
}

// Parse is ParseOutputs on the file's text.
func Parse(text string) (values map[string]string, names []string, err error) {
	values = map[string]string{}
	set := func(name, value string) {
		if _, ok := values[name]; !ok {
			names = append(names, name)
		}
		values[name] = value
	}
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, heredoc := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (heredoc < 0 || eq < heredoc):
			if eq == 0 {
				return nil, nil, fmt.Errorf("line %d: empty name: %q", i+1, line)
			}
			set(line[:eq], line[eq+1:])
		case heredoc >= 0:
			name, delim := line[:heredoc], line[heredoc+2:]
			if name == "" || delim == "" {
				return nil, nil, fmt.Errorf("line %d: empty name or delimiter: %q", i+1, line)
			}
			var value []string
			for i++; ; i++ {
				if i == len(lines) {
					return nil, nil, fmt.Errorf("output %s: matching delimiter %q not found", name, delim)
				}
				if lines[i] == delim {
					break
				}
				value = append(value, lines[i])
			}
			set(name, strings.Join(value, "\n"))
		default:
			return nil, nil, fmt.Errorf("line %d: not NAME=VALUE nor NAME<<DELIMITER: %q", i+1, line)
		}
	}
	return values, names, nil
}
