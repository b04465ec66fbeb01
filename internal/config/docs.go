package config

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/agentic-optimizer/optimizer/internal/markdown"
)

// The key table is the one source of the keys' reference text: ./gendocs
// renders it into action.yml's inputs and docs/configuration.md, and
// TestGeneratedDocsAreFresh (in the module's root) fails when either file
// differs from what it would write.
//
//go:generate go run ./gendocs -root ../..

// The lines between which action.yml holds the generated inputs; the rest of
// the file (name, branding, the working-directory input, outputs, runs) is
// written by hand.
const (
	ActionInputsBegin = "  # Generated from internal/config/keys.go by go generate: edit the key table, not these lines."
	ActionInputsEnd   = "  # End of the generated inputs."
)

// keyRef matches a reference to another key in a help text: {llm_prices}.
var keyRef = regexp.MustCompile(`\{([a-z_]+)\}`)

// helpText is k's help with each {key} reference written by name.
func (k *keySpec) helpText(name func(*keySpec) string) string {
	return expandRefs(k.help, name)
}

func expandRefs(s string, name func(*keySpec) string) string {
	return keyRef.ReplaceAllStringFunc(s, func(m string) string {
		if ref := lookupKey(m[1 : len(m)-1]); ref != nil {
			return name(ref)
		}
		return m // an unknown reference stays visible; TestKeyReferences fails on it
	})
}

func keyName(k *keySpec) string   { return k.name }
func inputName(k *keySpec) string { return k.inputName() }
func codeName(k *keySpec) string  { return "`" + k.name + "`" }

// defaultPhrase says what happens when k is unset, with references written by name.
func (k *keySpec) defaultPhrase(name func(*keySpec) string) string {
	if k.defaultDoc != "" {
		return expandRefs(k.defaultDoc, name)
	}
	if k.def == "" {
		return "empty"
	}
	return k.def
}

// ActionYAML returns action.yml with the inputs between ActionInputsBegin
// and ActionInputsEnd generated from the key table: one input per key, its
// description the key's help and default.
func ActionYAML(current []byte, options ...Option) ([]byte, error) {
	keys, err := keysWith(options)
	if err != nil {
		return nil, err
	}
	begin := []byte(ActionInputsBegin + "\n")
	end := []byte(ActionInputsEnd + "\n")
	i := bytes.Index(current, begin)
	j := bytes.Index(current, end)
	if i < 0 || j < i {
		return nil, fmt.Errorf("config: action.yml has no %q line followed by a %q line", ActionInputsBegin, ActionInputsEnd)
	}
	var b bytes.Buffer
	b.Write(current[:i+len(begin)])
	for _, k := range keys {
		desc := upperFirst(strings.TrimSuffix(k.helpText(inputName), ".")) + ". Default: " + k.defaultPhrase(inputName) + "."
		fmt.Fprintf(&b, "  %s:\n    description: %s\n    required: false\n", k.inputName(), yamlQuote(desc))
		if k.inputDefault != "" {
			fmt.Fprintf(&b, "    default: %s\n", k.inputDefault)
		}
	}
	b.Write(current[j:])
	return b.Bytes(), nil
}

// ConfigurationDoc returns docs/configuration.md.
func ConfigurationDoc(options ...Option) ([]byte, error) {
	keys, err := keysWith(options)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(configurationIntro)
	b.WriteString("| key (yml) | environment | action input | default | meaning | accepted values | example |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, k := range keys {
		def := "`" + k.def + "`"
		if k.defaultDoc != "" || k.def == "" {
			def = markdown.Cell(k.defaultPhrase(codeName))
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | `%s` | %s | %s | %s | `%s` |\n",
			k.name, k.env(), k.inputName(), def, markdown.Cell(k.helpText(codeName)), markdown.Cell(k.want), strings.ReplaceAll(k.example, "|", `\|`))
	}
	b.WriteString(configurationOutro)
	return b.Bytes(), nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// yamlQuote writes s as a double-quoted YAML scalar.
func yamlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

const configurationIntro = `<!-- Generated from internal/config/keys.go and the methods' options by go generate; edit those, not this file. -->

# Configuration

Every setting is a key, which can be set in five places. Precedence, highest first:

1. command-line flags (` + "`--max-agents 2`" + `);
2. action inputs, the key hyphenated (` + "`max-agents`" + `, read from ` + "`INPUT_MAX-AGENTS`" + ` or the
   underscore form ` + "`INPUT_MAX_AGENTS`" + ` that a shell can set; the token's input is ` + "`token`" + ` and the
   methods' is ` + "`method`" + `, as the flag);
3. the ` + "`OPTIMIZER_*`" + ` environment (` + "`OPTIMIZER_MAX_AGENTS=2`" + `);
4. the repository's ` + "`.github/optimizer.yml`" + ` (or ` + "`.yaml`" + `, or the file ` + "`config_file`" + ` names);
5. the defaults below.

Unknown keys and bad values are errors that name the source (` + "`file:line`" + `, the variable or the
flag) and the fix; every layer is checked, even where a higher one overrides it. An action input
or variable set to ` + "`\"\"`" + ` counts as unset. ` + "`github_token`" + `, ` + "`allow_pull_request_target`" + ` and
` + "`config_file`" + ` are refused in the file: pass the token from a secret, and decide the others in the
workflow, which a pull request cannot change.

A method's own settings are named after it (` + "`adversarial.candidates`" + `, the last rows below): the flag
and the action input hyphenate the whole name (` + "`--adversarial-candidates`" + `, ` + "`adversarial-candidates`" + `),
the variable upper-cases it (` + "`OPTIMIZER_ADVERSARIAL_CANDIDATES`" + `), and the file takes either the dotted
key or the method's name holding its settings:

` + "```yaml\nmethods: [modernize, chaos]\nchaos:\n  fuzz_time: 30s\n  max_mutants: 200\n```" + `

`

const configurationOutro = `
Example ` + "`.github/optimizer.yml`" + `:

` + "```yaml\n" + ConfigExample + "```" + `

The action's inputs in ` + "`action.yml`" + ` are generated from the same table; see [the action](action.md#inputs).
`

// ConfigExample is the example file of docs/configuration.md; a test loads it.
const ConfigExample = `methods: [modernize]
paths: [./internal/...]
max_agents: 2
timeout: 20m
`
