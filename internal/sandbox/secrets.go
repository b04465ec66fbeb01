package sandbox

import "strings"

// minSecretLen is the shortest value Secrets reports: shorter values of
// credential-named variables ("1", "true") are flags, not credentials, and
// redacting them would mangle ordinary text.
const minSecretLen = 8

// Secrets returns the values of the variables of environ (KEY=value
// items, as os.Environ gives them) whose names suggest a credential, for
// redaction from prompts, logs and reports.
func Secrets(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || len(value) < minSecretLen {
			continue
		}
		if secretName(name) {
			out = append(out, value)
		}
	}
	return out
}
