package iox

import (
	"strings"
	"testing"
)

func TestCopy(t *testing.T) {
	var b strings.Builder
	if err := Copy(&b, strings.NewReader("go")); err != nil || b.String() != "GO" {
		t.Errorf("Copy = %q, %v; want GO, nil", b.String(), err)
	}
}

func TestClamp(t *testing.T) {
	if got := Clamp(5, 0, 10); got != 5 {
		t.Errorf("Clamp(5, 0, 10) = %d", got)
	}
	if got := Clamp(-1, 0, 10); got != 0 {
		t.Errorf("Clamp(-1, 0, 10) = %d", got)
	}
}

func TestInitials(t *testing.T) {
	if got := Initials("Ada Lovelace"); got != "AL" {
		t.Errorf("Initials = %q, want AL", got)
	}
}
