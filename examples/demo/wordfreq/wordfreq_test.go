package wordfreq

import (
	"slices"
	"testing"
)

func TestTop(t *testing.T) {
	got := Top("the cat and the hat and the bat", 2)
	if want := []string{"the", "and"}; !slices.Equal(got, want) {
		t.Errorf("Top = %q, want %q", got, want)
	}
}
