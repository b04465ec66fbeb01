package prompt

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
)

// Redacted replaces every secret in a context.
const Redacted = "[REDACTED]"

// credentials are the shapes of common credentials, found wherever they
// appear: string literals, comments, identifiers.
var credentials = []*regexp.Regexp{
	regexp.MustCompile(`\bgh[oprsu]_[A-Za-z0-9]{20,}`),                                                   // GitHub tokens
	regexp.MustCompile(`\bgithub_pat_[A-Za-z0-9_]{20,}`),                                                 // GitHub fine-grained tokens
	regexp.MustCompile(`\bsk-[A-Za-z0-9_-]{20,}`),                                                        // OpenAI, Anthropic keys
	regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`),                                                  // AWS access key ids
	regexp.MustCompile(`\bxox[abprs]-[A-Za-z0-9-]{10,}`),                                                 // Slack tokens
	regexp.MustCompile(`-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----(?s:.*?)-----END[A-Z0-9 ]*PRIVATE KEY-----`), // PEM keys
	regexp.MustCompile(`-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----(?:[A-Za-z0-9+/=:,\s-]|\\n)*`),               // a key block cut short
}

// Redact replaces in s the given secret values (longest first) and every
// string shaped like a common credential — GitHub, OpenAI/Anthropic, AWS and
// Slack tokens, PEM private keys — with [REDACTED]. Empty secrets are
// ignored; every other one is honoured, however short.
func Redact(s string, secrets []string) string {
	secrets = slices.Clone(secrets)
	slices.SortFunc(secrets, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	var pairs []string
	for _, v := range secrets {
		if v != "" {
			pairs = append(pairs, v, Redacted)
		}
	}
	// One pass, so that a secret is never found again inside a [REDACTED]
	// that replaced another one.
	s = strings.NewReplacer(pairs...).Replace(s)
	for _, re := range credentials {
		s = re.ReplaceAllLiteralString(s, Redacted)
	}
	return s
}
