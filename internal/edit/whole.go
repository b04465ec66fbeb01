package edit

import (
	"fmt"
	"regexp"
	"strings"
)

// elided matches a comment line by which a model leaves out part of a file
// it claims to give whole: "// ...", "// … rest unchanged",
// "// (existing code)".
var elided = regexp.MustCompile(`(?i)^\s*//\s*(\.\.\.|…|\(?\s*(the )?(rest of|remaining|existing|other|unchanged) (the )?(code|file|functions|methods|implementation))`)

// notCode lists the languages of code blocks that show commands or output,
// not a file, even after a line that names one ("Run the tests of x.go:").
var notCode = map[string]bool{
	"sh": true, "bash": true, "shell": true, "console": true, "zsh": true,
	"text": true, "txt": true, "plaintext": true, "output": true,
}

// wholeFiles reads an answer without blocks or diffs: each code block that
// names its file, in its info string or on the line before it, is that
// file's complete new content.
func (p *parser) wholeFiles() {
	unnamed := 0
	seen := make(map[string]bool)
	for _, f := range p.fences {
		path := infoPath(f.info)
		if path == "" && !notCode[strings.ToLower(firstWord(f.info))] {
			path = p.lineBefore(f.start)
		}
		if path == "" {
			unnamed++
			continue
		}
		subject := "the code block for " + path
		clean, why := cleanPath(path)
		switch lang := strings.ToLower(firstWord(f.info)); {
		case why != "":
			p.fail(path, subject+": "+why+".", ErrForbidden)
			continue
		case lang == "diff" || lang == "patch":
			p.fail(clean, subject+" is marked as a diff, but has no '--- a/path', '+++ b/path' and '@@' lines: write a complete unified diff, or SEARCH/REPLACE blocks.", ErrMalformed)
			continue
		case f.end < 0:
			p.fail(clean, subject+" is not closed: the answer was cut off. Send the complete file again, or only the changes as SEARCH/REPLACE blocks.", ErrMalformed)
			continue
		case seen[clean]:
			p.fail(clean, fmt.Sprintf("two code blocks give the whole content of %s: send it once.", clean), ErrMalformed)
			continue
		}
		seen[clean] = true
		body := p.lines[f.start+1 : f.end]
		if strings.TrimSpace(strings.Join(body, "")) == "" {
			p.fail(clean, subject+" is empty: send the file's complete new content.", ErrMalformed)
			continue
		}
		if line, ok := elision(body); ok {
			p.fail(clean, fmt.Sprintf("%s leaves part of the file out (%q): send the complete file, or only the changes as SEARCH/REPLACE blocks.", subject, strings.TrimSpace(line)), ErrMalformed)
			continue
		}
		p.add(Edit{Path: clean, Replace: joinLines(body), Format: FormatWhole, Source: subject})
	}
	if unnamed > 0 && len(p.edits) == 0 && len(p.errs) == 0 {
		p.fail("", "the answer has a code block but does not say which file it is: write the file's path alone on the line before the code block (or use SEARCH/REPLACE blocks).", ErrMalformed)
	}
}

// lineBefore returns the file named by the last non-blank line before line i.
func (p *parser) lineBefore(i int) string {
	for j := i - 1; j >= 0; j-- {
		if strings.TrimSpace(p.lines[j]) == "" {
			continue
		}
		if isFence(p.lines[j]) {
			return ""
		}
		return linePath(p.lines[j])
	}
	return ""
}

func elision(lines []string) (string, bool) {
	for _, l := range lines {
		if elided.MatchString(l) {
			return l, true
		}
	}
	return "", false
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}
