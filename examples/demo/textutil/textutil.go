// Package textutil joins and searches words.
package textutil

// Join concatenates words with sep between them.
func Join(words []string, sep string) string {
	out := ""
	for i, w := range words {
		if i > 0 {
			out += sep
		}
		out += w
	}
	return out
}

// Repeat returns s repeated n times, each copy followed by a newline.
func Repeat(s string, n int) string {
	var out string
	for i := 0; i < n; i++ {
		out += s + "\n"
	}
	return out
}

// Contains reports whether words holds w.
func Contains(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

// Unescape removes the backslashes that escape the next byte of s:
// `a\,b` becomes "a,b" and `\\` a single backslash.
func Unescape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
		}
		b = append(b, s[i])
	}
	return string(b)
}
