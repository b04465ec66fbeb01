package sandbox

import (
	"slices"
	"testing"
)

func TestSecrets(t *testing.T) {
	got := Secrets([]string{
		"GITHUB_TOKEN=ghs_0123456789abcdef",
		"OPENAI_API_KEY=sk-abcdefghijkl",
		"MY_SECRET=short",      // too short to be a credential
		"CI_AUTH_ENABLED=true", // a flag
		"HOME=/home/runner/work-directory",
		"MALFORMED",
	})
	want := []string{"ghs_0123456789abcdef", "sk-abcdefghijkl"}
	if !slices.Equal(got, want) {
		t.Errorf("Secrets = %q, want %q", got, want)
	}
}
