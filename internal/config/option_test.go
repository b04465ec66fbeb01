package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testOptions are two options of a method "demo", as a method package
// declares them.
var testOptions = []Option{
	{Name: "demo.rounds", Default: "3", Help: "rounds of the demo", Want: "an integer 1..10", Example: "5", Parse: Int(1, 10)},
	{Name: "demo.fuzz_time", Default: "10s", Help: "how long the demo fuzzes", Want: "a duration > 0", Example: "30s", Parse: Duration()},
}

// TestOptionsInEveryLayer sets a method's option in each layer: the flag,
// the input and the environment by their derived names, the file flat and
// as a mapping under the method's name.
func TestOptionsInEveryLayer(t *testing.T) {
	cases := []struct {
		name   string
		file   string
		env    map[string]string
		flags  Flags
		want   string
		source string
	}{
		{"default", "", nil, nil, "3", "default"},
		{"file flat", "demo.rounds: 4\n", nil, nil, "4", ".github/optimizer.yml:1"},
		{"file mapping", "methods: [modernize]\ndemo:\n  rounds: 5\n  fuzz_time: 1m\n", nil, nil, "5", ".github/optimizer.yml:3"},
		{"env", "demo.rounds: 4\n", map[string]string{"OPTIMIZER_DEMO_ROUNDS": "6"}, nil, "6", "env OPTIMIZER_DEMO_ROUNDS"},
		{"input", "", map[string]string{"OPTIMIZER_DEMO_ROUNDS": "6", "INPUT_DEMO-ROUNDS": "7"}, nil, "7", "input demo-rounds"},
		{"flag", "", map[string]string{"INPUT_DEMO_ROUNDS": "7"}, Flags{"demo.rounds": "8"}, "8", "flag"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repo := t.TempDir()
			if tc.file != "" {
				writeFile(t, filepath.Join(repo, ".github", "optimizer.yml"), tc.file)
			}
			c, err := Load(repo, tc.flags, envOf(tc.env), "", testOptions...)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Options["demo.rounds"]; got != tc.want {
				t.Errorf("demo.rounds = %q, want %q", got, tc.want)
			}
			if got := c.Sources["demo.rounds"]; got != tc.source {
				t.Errorf("source %q, want %q", got, tc.source)
			}
			v, err := testOptions[0].Value(c)
			if err != nil || v != mustAtoi(t, tc.want) {
				t.Errorf("Value = %v, %v; want %s", v, err, tc.want)
			}
		})
	}
	c, err := Load(t.TempDir(), nil, nil, "", testOptions...)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := testOptions[1].Value(c); err != nil || d != 10*time.Second {
		t.Errorf("fuzz_time = %v, %v; want 10s", d, err)
	}
	// A Config made by hand holds no options: Value gives the default.
	if v, err := testOptions[0].Value(&Config{}); err != nil || v != 3 {
		t.Errorf("Value of an empty Config = %v, %v; want the default 3", v, err)
	}
}

func mustAtoi(t *testing.T, s string) int {
	v, err := Int(0, 100)(s)
	if err != nil {
		t.Fatal(err)
	}
	return v.(int)
}

// TestOptionErrors: a bad value names the option and where it was set; an
// option's bare name, the spelling of the keys before methods owned them,
// points to its full name; options that clash are refused.
func TestOptionErrors(t *testing.T) {
	cases := []struct {
		name  string
		file  string
		env   map[string]string
		flags Flags
		want  []string
	}{
		{"bad value in the mapping", "demo:\n  rounds: 11\n", nil, nil,
			[]string{".github/optimizer.yml:2", "demo.rounds: 11 is out of range (want an integer 1..10, e.g. demo.rounds: 5)"}},
		{"bad env", "", map[string]string{"OPTIMIZER_DEMO_FUZZ_TIME": "30"}, nil,
			[]string{"env OPTIMIZER_DEMO_FUZZ_TIME", `"30" has no unit`, "OPTIMIZER_DEMO_FUZZ_TIME=30s"}},
		{"bare name in the file", "rounds: 4\n", nil, nil,
			[]string{".github/optimizer.yml:1", `unknown key "rounds" (did you mean "demo.rounds"?`}},
		{"bare name as a flag", "", nil, Flags{"fuzz_time": "1s"},
			[]string{`unknown key "fuzz_time" (did you mean "demo.fuzz_time"?`}},
		{"unknown option in the mapping", "demo:\n  roundz: 4\n", nil, nil,
			[]string{".github/optimizer.yml:2", `unknown key "demo.roundz" (did you mean "demo.rounds"?)`}},
		{"a mapping under a key that is no method", "max_agents:\n  rounds: 4\n", nil, nil,
			[]string{"max_agents: a mapping was given where a value belongs"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repo := t.TempDir()
			if tc.file != "" {
				writeFile(t, filepath.Join(repo, ".github", "optimizer.yml"), tc.file)
			}
			_, err := Load(repo, tc.flags, envOf(tc.env), "", testOptions...)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *config.Error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	for _, bad := range [][]Option{
		{{Name: "rounds", Parse: Int(1, 2)}},      // no method
		{{Name: "demo.Rounds", Parse: Int(1, 2)}}, // not lower case
		{{Name: "demo.rounds"}},                   // no Parse
		{testOptions[0], testOptions[0]},          // twice
		{{Name: "max.agents", Parse: Int(1, 2)}},  // the env name of a built-in key
		{{Name: "demo.x", Parse: Int(1, 2)}, {Name: "demo.x", Parse: Duration()}},
	} {
		if _, err := Load(t.TempDir(), nil, nil, "", bad...); err == nil {
			t.Errorf("Load with options %+v: no error", bad)
		}
	}
}

// TestOptionDocs: the generated docs and action.yml's inputs list the options.
func TestOptionDocs(t *testing.T) {
	doc, err := ConfigurationDoc(testOptions...)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"| `demo.rounds` | `OPTIMIZER_DEMO_ROUNDS` | `demo-rounds` | `3` | rounds of the demo |", "`demo.fuzz_time`"} {
		if !strings.Contains(string(doc), w) {
			t.Errorf("configuration.md lacks %q", w)
		}
	}
	yml, err := ActionYAML([]byte("x\n"+ActionInputsBegin+"\n"+ActionInputsEnd+"\n"), testOptions...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(yml), "  demo-fuzz-time:\n    description: \"How long the demo fuzzes. Default: 10s.\"") {
		t.Errorf("action.yml lacks the demo-fuzz-time input:\n%s", yml)
	}
	keys := Keys(testOptions...)
	if last := keys[len(keys)-1]; last.Name != "demo.fuzz_time" || last.Env != "OPTIMIZER_DEMO_FUZZ_TIME" || last.Input != "demo-fuzz-time" {
		t.Errorf("last key = %+v", last)
	}
}
