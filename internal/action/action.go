// Package action is the optimizer's side of the GitHub Actions runner
// contract: it masks secrets, groups the log, neutralizes log lines the
// runner would take for workflow commands, reads the event that started the
// workflow, and writes step outputs, annotations and the job summary.
//
// The commands and environment files are written with
// github.com/sethvargo/go-githubactions; this package adds what the library
// leaves to its caller: errors instead of panics, outputs that cannot forge
// other outputs, and annotations capped at what GitHub shows.
package action

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/agentic-optimizer/optimizer/internal/clip"
)

// Enabled reports whether the process runs as a step of a GitHub Actions
// job.
func Enabled(getenv func(string) string) bool { return getenv("GITHUB_ACTIONS") == "true" }

// Delimiter is the heredoc delimiter go-githubactions v1.4.0 writes every
// output and environment value with (NAME<<Delimiter, the value, Delimiter).
// It is fixed, so a value holding a line equal to it would end the value
// early and let the lines after it define other outputs.
const Delimiter = "_GitHubActionsFileCommandDelimeter_"

// ErrUnsafeValue is wrapped by SetOutput when it refuses a value.
var ErrUnsafeValue = errors.New("unsafe output value")

// ErrNoFile is wrapped when the runner did not provide the environment file
// (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) a call needs.
var ErrNoFile = errors.New("environment file not set")

// Runtime issues the workflow commands and writes the environment files of
// one step.
type Runtime struct {
	gha    *githubactions.Action
	getenv func(string) string
	masked map[string]bool
}

// New returns a Runtime that writes workflow commands to commands (which
// the runner reads: the process's stdout or stderr, unfiltered) and finds
// the environment files with getenv.
func New(commands io.Writer, getenv func(string) string) *Runtime {
	return &Runtime{
		gha:    githubactions.New(githubactions.WithWriter(commands), githubactions.WithGetenv(githubactions.GetenvFunc(getenv))),
		getenv: getenv,
		masked: map[string]bool{},
	}
}

// Mask tells the runner to replace every value in secrets with *** in the
// log from now on. A value of several lines is masked line by line, as the
// log shows it; blank values and values already masked are skipped.
func (r *Runtime) Mask(secrets ...string) {
	for _, s := range secrets {
		for _, line := range strings.Split(s, "\n") {
			if line = strings.TrimSpace(line); line != "" && !r.masked[line] {
				r.masked[line] = true
				r.gha.AddMask(line)
			}
		}
	}
}

// Group starts a collapsed section of the log; EndGroup ends it. Groups
// do not nest.
func (r *Runtime) Group(title string) { r.gha.Group(oneLine(title, 200)) }

// EndGroup ends the section Group started.
func (r *Runtime) EndGroup() { r.gha.EndGroup() }

var outputName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// SetOutput sets the step output name to value. It refuses, with an error
// wrapping ErrUnsafeValue, a value that contains Delimiter: written as it
// is, such a value could end itself early and define other outputs.
func (r *Runtime) SetOutput(name, value string) error {
	if !outputName.MatchString(name) {
		return fmt.Errorf("action: output %q: %w: a name is letters, digits, '-' and '_'", name, ErrUnsafeValue)
	}
	if strings.Contains(value, Delimiter) {
		return fmt.Errorf("action: output %s: %w: the value contains the delimiter %s, which would end it early; not written", name, ErrUnsafeValue, Delimiter)
	}
	return r.fileCommand("GITHUB_OUTPUT", func() { r.gha.SetOutput(name, value) })
}

// AppendSummary appends markdown to the job summary. GitHub refuses a
// step's summary above 1 MiB, so a longer text is refused here.
func (r *Runtime) AppendSummary(markdown string) error {
	if len(markdown) >= 1<<20 {
		return fmt.Errorf("action: job summary of %d bytes is above GitHub's 1 MiB limit", len(markdown))
	}
	return r.fileCommand("GITHUB_STEP_SUMMARY", func() { r.gha.AddStepSummary(markdown) })
}

// fileCommand runs write, which appends to the environment file named by
// env; the library panics when it cannot, this returns an error.
func (r *Runtime) fileCommand(env string, write func()) (err error) {
	if r.getenv(env) == "" {
		return fmt.Errorf("action: %w: %s is empty", ErrNoFile, env)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("action: write %s: %v", env, p)
		}
	}()
	write()
	return nil
}

// Annotation levels.
const (
	Notice  = "notice"
	Warning = "warning"
	Error   = "error"
)

// Annotation is a message GitHub shows on a line of a file in the pull
// request and the run, or on the run when File is empty.
type Annotation struct {
	Level   string // Notice, Warning or Error
	File    string // relative to the repository root (the workspace)
	Line    int    // 1-based; 0 for the whole file
	EndLine int    // 0 for one line
	Title   string
	Message string
}

// MaxAnnotations is how many annotations of one level GitHub shows for a
// step; the rest are dropped by GitHub, so Annotate drops them first and
// says so.
const MaxAnnotations = 10

// Annotate issues the annotations, at most MaxAnnotations of each level in
// the order given, and returns how many it left out. Titles and messages
// are made single-line and escaped (by the library) so that no text can end
// the command early or start another one.
func (r *Runtime) Annotate(as []Annotation) (dropped int) {
	count := map[string]int{}
	for _, a := range as {
		if count[a.Level] == MaxAnnotations {
			dropped++
			continue
		}
		count[a.Level]++
		props := githubactions.CommandProperties{}
		if a.File != "" {
			props["file"] = a.File
			if a.Line > 0 {
				props["line"] = strconv.Itoa(a.Line)
				if a.EndLine > a.Line {
					props["endLine"] = strconv.Itoa(a.EndLine)
				}
			}
		}
		if a.Title != "" {
			props["title"] = oneLine(a.Title, 200)
		}
		msg := oneLine(a.Message, 4000)
		cmd := &githubactions.Command{Name: a.Level, Message: msg, Properties: props}
		switch a.Level {
		case Notice, Warning, Error:
		default:
			cmd.Name = Notice
		}
		r.gha.IssueCommand(cmd)
	}
	return dropped
}

// oneLine is s on one line, cut to at most max bytes.
func oneLine(s string, max int) string {
	return clip.Bytes(clip.OneLine(s), max, "…")
}
