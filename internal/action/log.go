package action

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"unicode"
)

// Log is the step's log as the runner reads it. The runner takes any line
// that starts with "::" (after blanks) for a workflow command, and any line
// holding "##[" for a command of the older syntax; text the optimizer logs
// may come from a model, a pull request or the code under test, so Write
// neutralizes such lines before they reach the runner. The optimizer's own
// commands go through Commands, unfiltered.
//
// Log is safe for concurrent use. Write passes complete lines on; call
// Flush at the end for a last line without a newline.
type Log struct {
	mu      sync.Mutex
	w       io.Writer
	pending []byte
}

// NewLog returns a Log that writes to w.
func NewLog(w io.Writer) *Log { return &Log{w: w} }

// Write logs p, neutralizing every line that the runner would run as a
// command.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = append(l.pending, p...)
	i := bytes.LastIndexByte(l.pending, '\n')
	if i < 0 {
		return len(p), nil
	}
	lines := l.pending[:i+1]
	_, err := io.WriteString(l.w, Neutralize(string(lines)))
	l.pending = append(l.pending[:0], l.pending[i+1:]...)
	return len(p), err
}

// Flush writes a pending partial line.
func (l *Log) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.flushLocked()
}

func (l *Log) flushLocked() error {
	if len(l.pending) == 0 {
		return nil
	}
	_, err := io.WriteString(l.w, Neutralize(string(l.pending))+"\n")
	l.pending = l.pending[:0]
	return err
}

// Commands returns a writer for workflow commands: what is written to it
// reaches the runner unchanged, after any pending partial line.
func (l *Log) Commands() io.Writer { return commandWriter{l} }

type commandWriter struct{ l *Log }

func (c commandWriter) Write(p []byte) (int, error) {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	if err := c.l.flushLocked(); err != nil {
		return 0, err
	}
	return c.l.w.Write(p)
}

// Neutralize returns text with every line that the runner would take for a
// workflow command made inert: a backslash before a leading "::", and
// "##[" written "##\[". Lines end at "\n" or "\r", as the runner splits them.
func Neutralize(text string) string {
	if !strings.Contains(text, "::") && !strings.Contains(text, "##[") {
		return text
	}
	var b strings.Builder
	start := 0
	for i := 0; i <= len(text); i++ {
		if i < len(text) && text[i] != '\n' && text[i] != '\r' {
			continue
		}
		line := text[start:i]
		body := strings.TrimLeftFunc(line, unicode.IsSpace)
		if strings.HasPrefix(body, "::") {
			line = line[:len(line)-len(body)] + `\` + body
		}
		b.WriteString(strings.ReplaceAll(line, "##[", `##\[`))
		if i < len(text) {
			b.WriteByte(text[i])
		}
		start = i + 1
	}
	return b.String()
}

// NeutralizeJSON makes JSON text safe to print in the log: "##[" can only
// stand in a JSON string, where "[" may be written \u005b without changing
// the value; no line of indented JSON starts with "::".
func NeutralizeJSON(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte("##["), []byte(`##\u005b`))
}
