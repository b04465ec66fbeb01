// Package lex splits the source of a small expression language into
// tokens: identifiers, numbers and punctuation.
package lex

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the kind of a token.
type Kind int

// The kinds of tokens.
const (
	Ident Kind = iota
	Number
	Punct
)

func (k Kind) String() string {
	switch k {
	case Ident:
		return "Ident"
	case Number:
		return "Number"
	}
	return "Punct"
}

// Token is one token of the source: its kind, its text and the byte
// offset where it starts.
type Token struct {
	Kind Kind
	Text string
	Pos  int
}

const punctuation = "+-*/%()=,;<>"

// Tokenize splits src into tokens, skipping spaces, tabs and newlines.
func Tokenize(src string) ([]Token, error) {
	var toks []Token
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		switch {
		case r == ' ' || r == '\t' || r == '\n':
			i += size
		case isDigit(r):
			start := i
			for i < len(src) && isDigit(rune(src[i])) {
				i++
			}
			toks = append(toks, Token{Kind: Number, Text: src[start:i], Pos: start})
		case unicode.IsLetter(r) || r == '_':
			start := i
			for i < len(src) {
				r, size := utf8.DecodeRuneInString(src[i:])
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
					break
				}
				i += size
			}
			word := src[start:i]
			if !validIdent(word) {
				return nil, fmt.Errorf("lex: bad identifier %q at offset %d", word, start)
			}
			toks = append(toks, Token{Kind: Ident, Text: word, Pos: start})
		case strings.ContainsRune(punctuation, r):
			toks = append(toks, Token{Kind: Punct, Text: src[i : i+size], Pos: i})
			i += size
		default:
			return nil, fmt.Errorf("lex: unexpected %q at offset %d", r, i)
		}
	}
	return toks, nil
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// validIdent reports whether word is an identifier: a letter or underscore,
// then letters, digits and underscores.
func validIdent(word string) bool {
	re := regexp.MustCompile(`^[\p{L}_][\p{L}\p{Nd}_]*$`)
	return re.MatchString(word)
}
