package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestKeyDocs checks the text the docs are generated from: every {key}
// reference names a key, a default's explanation starts with the default
// itself, and a key without a default says what being unset means.
func TestKeyDocs(t *testing.T) {
	for i := range keyTable {
		k := &keyTable[i]
		for _, text := range []string{k.help, k.defaultDoc} {
			for _, m := range keyRef.FindAllStringSubmatch(text, -1) {
				if lookupKey(m[1]) == nil {
					t.Errorf("%s: %q refers to no key", k.name, m[0])
				}
			}
			if strings.ContainsAny(text, "\n`") {
				t.Errorf("%s: %q: the text must be one line with no markdown (it is written into YAML and markdown)", k.name, text)
			}
		}
		if k.def == "" && k.defaultDoc == "" {
			t.Errorf("%s has no default and no defaultDoc: the docs cannot say what leaving it unset does", k.name)
		}
		if k.def != "" && k.defaultDoc != "" && !strings.HasPrefix(k.defaultDoc, k.def) {
			t.Errorf("%s: defaultDoc %q does not start with the default %q", k.name, k.defaultDoc, k.def)
		}
		if strings.HasSuffix(k.help, ".") {
			t.Errorf("%s: help %q ends with a period; the renderings add their own", k.name, k.help)
		}
	}
}

func TestActionYAML(t *testing.T) {
	in := "name: x\ninputs:\n" + ActionInputsBegin + "\n  stale:\n    description: old\n" + ActionInputsEnd + "\n  working-directory:\n    description: kept\noutputs: {}\n"
	out, err := ActionYAML([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Contains(s, "stale") {
		t.Error("the old generated inputs were kept")
	}
	for _, want := range []string{
		"name: x\ninputs:\n" + ActionInputsBegin + "\n  method:\n",
		"\n  max-agents:\n    description: \"How many agents validate candidates in parallel, each in its own git worktree, 1..64. Default: 5.\"\n    required: false\n",
		"\n  token:\n", "    default: ${{ github.token }}\n",
		"need one (see llm-provider)", // {llm_provider} as the input's name
		ActionInputsEnd + "\n  working-directory:\n    description: kept\noutputs: {}\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("ActionYAML's result lacks %q:\n%s", want, s)
		}
	}
	if strings.Count(s, "    default:") != 1 {
		t.Errorf("only the token's input may have a default:\n%s", s)
	}
	if _, err := ActionYAML([]byte("inputs:\n  method:\n")); err == nil {
		t.Error("ActionYAML accepted a file without the generated-inputs lines")
	}
}

func TestConfigurationDoc(t *testing.T) {
	b, err := ConfigurationDoc()
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for i := range keyTable {
		k := &keyTable[i]
		if !strings.Contains(doc, "| `"+k.name+"` | `"+k.env()+"` | `"+k.inputName()+"` |") {
			t.Errorf("docs/configuration.md has no row for %s", k.name)
		}
	}
	for _, want := range []string{
		"| `methods` | `OPTIMIZER_METHODS` | `method` | `modernize` |",
		"need one (see `llm_provider`)", // {llm_provider} as the key's name
		"bare gpt-\\*/claude-\\* name",  // not emphasis
		"| `worktree_base` | `OPTIMIZER_WORKTREE_BASE` | `worktree-base` | $TMPDIR/optimizer-worktrees |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/configuration.md lacks %q", want)
		}
	}
}

// TestConfigExample loads the example file that docs/configuration.md shows.
func TestConfigExample(t *testing.T) {
	repo := t.TempDir()
	if err := os.MkdirAll(filepath.Join(repo, ".github"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, ".github", "optimizer.yml"), []byte(ConfigExample), 0o644); err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, repo, nil, nil)
	got := []any{c.Methods, c.Paths, c.MaxAgents, c.Timeout}
	want := []any{[]string{"modernize"}, []string{"./internal/..."}, 2, 20 * time.Minute}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the example file loads as %v, want %v", got, want)
	}
}
