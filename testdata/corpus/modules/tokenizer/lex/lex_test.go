package lex

import (
	"reflect"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	got, err := Tokenize("x = 42*(y1 + _z)")
	if err != nil {
		t.Fatal(err)
	}
	want := []Token{
		{Ident, "x", 0}, {Punct, "=", 2}, {Number, "42", 4}, {Punct, "*", 6}, {Punct, "(", 7},
		{Ident, "y1", 8}, {Punct, "+", 11}, {Ident, "_z", 13}, {Punct, ")", 15},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Tokenize = %v\nwant %v", got, want)
	}
}

func TestTokenizeNumberAtEnd(t *testing.T) {
	got, err := Tokenize("n = 1234")
	if err != nil {
		t.Fatal(err)
	}
	if last := got[len(got)-1]; last.Kind != Number || last.Text != "1234" {
		t.Errorf("last token = %v, want Number 1234", last)
	}
}

func TestTokenizeTabs(t *testing.T) {
	got, err := Tokenize("a\t=\tb;\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Errorf("Tokenize = %v, want 4 tokens", got)
	}
}

func TestTokenizeError(t *testing.T) {
	_, err := Tokenize("a = $b")
	if err == nil || !strings.Contains(err.Error(), "offset 4") {
		t.Errorf("err = %v, want one at offset 4", err)
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Ident: "Ident", Number: "Number", Punct: "Punct"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}

var program = "total = price_1 * qty + tax(rate, 12) - discount;\n"

func BenchmarkTokenize(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Tokenize(program); err != nil {
			b.Fatal(err)
		}
	}
}
