package prompt

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		secrets        []string
	}{
		{"github classic", `tok := "ghp_0123456789abcdefghijABCDEFGHIJ012345"`, `tok := "[REDACTED]"`, nil},
		{"github oauth", "gho_16C7e42F292c6912E7710c838347Ae178B4a", Redacted, nil},
		{"github server", "x ghs_16C7e42F292c6912E7710c838347Ae178B4a y", "x [REDACTED] y", nil},
		{"github fine-grained", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", Redacted, nil},
		{"openai", `key = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx"`, `key = "[REDACTED]"`, nil},
		{"anthropic", "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx-yz", Redacted, nil},
		{"aws", `id := "AKIAIOSFODNN7EXAMPLE"`, `id := "[REDACTED]"`, nil},
		{"slack", "xoxb-1234567890-abcdefghij", Redacted, nil},
		{"pem", "k := `-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----`", "k := `[REDACTED]`", nil},
		{"pem cut short", `k := "-----BEGIN PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vc"`, `k := "[REDACTED]"`, nil},
		{"secret values, longest first", "a=s3cr3t-long b=s3cr3t", "a=[REDACTED] b=[REDACTED]", []string{"s3cr3t", "s3cr3t-long", ""}},
		{"a secret inside the marker", "RED and TED", "[REDACTED] and [REDACTED]", []string{"RED", "TED"}},
		// Not credentials: too short, or ordinary words.
		{"look-alikes", `"sk-learn" ghp_short AKIA "xoxb-" risky-task`, `"sk-learn" ghp_short AKIA "xoxb-" risky-task`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Redact(tc.in, tc.secrets); got != tc.want {
				t.Errorf("Redact(%q) =\n%q\nwant\n%q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRedactKeepsSourceAroundSecrets(t *testing.T) {
	in := "func F() string {\n\treturn \"ghp_0123456789abcdefghijABCDEFGHIJ012345\"\n}\n"
	got := Redact(in, nil)
	if strings.Contains(got, "ghp_") || !strings.HasPrefix(got, "func F() string {\n\treturn \"") || !strings.HasSuffix(got, "\"\n}\n") {
		t.Errorf("Redact = %q", got)
	}
}
