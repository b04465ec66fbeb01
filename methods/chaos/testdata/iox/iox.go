// Package iox reads and writes lines.
package iox

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// CountLines counts the lines of r; it swallows read errors.
func CountLines(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
	}
	return n, nil
}

// FirstWord returns the first word of r, reading one Read's worth.
func FirstWord(r io.Reader) (string, error) {
	buf := make([]byte, 64)
	n, err := r.Read(buf)
	if err != nil && err != io.EOF {
		return "", err
	}
	w, _, _ := strings.Cut(string(buf[:n]), " ")
	return w, nil
}

// Copy copies r to w upper-cased, and checks its errors.
func Copy(w io.Writer, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, strings.ToUpper(string(b)))
	return err
}

// Report writes a title to w and ignores the error.
func Report(w io.Writer, title string) error {
	fmt.Fprintf(w, "# %s\n\nall good, nothing to see here\n", title)
	return nil
}

// Header reads the first line and panics on a short read.
func Header(rc io.ReadCloser) string {
	defer rc.Close()
	buf := make([]byte, 8)
	n, _ := rc.Read(buf)
	return string(buf[:n])[:5]
}

// Drain reads until EOF, retrying forever on other errors.
func Drain(r io.Reader, limit int) int {
	total := 0
	buf := make([]byte, 16)
	for {
		n, err := r.Read(buf)
		total += n
		if err == io.EOF {
			return total
		}
	}
}

// Clamp limits v.
func Clamp(v, lo, hi int8) int8 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// Initials returns the first letter of each word of name: "Ada Lovelace"
// gives "AL".
func Initials(name string) string {
	var b []byte
	for _, w := range strings.Split(name, " ") {
		b = append(b, w[0])
	}
	return string(b)
}
