package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/agentic-optimizer/optimizer/internal/config"
)

// flagSet wraps flag.FlagSet with the usage text every subcommand shares
// and with the mapping from flags to configuration keys.
type flagSet struct {
	*flag.FlagSet
	usage   string // "optimizer run [flags]"
	summary string
	keys    map[string]string // flag name -> config key
	lists   map[string]*listFlag
	stdout  io.Writer // where help goes, when asked for
	stderr  io.Writer // where errors go
}

func newFlagSet(name, usageLine, summary string, c *cli) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), usage: usageLine, summary: summary,
		keys: map[string]string{}, lists: map[string]*listFlag{}, stdout: c.stdout, stderr: c.stderr}
	// The flag package prints a bad flag's error and the whole help; parse
	// prints the error and where the help is instead.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// help prints the command's help: what it does, its usage and its flags.
func (fs *flagSet) help(w io.Writer) {
	fmt.Fprintf(w, "%s\n\nUsage:\n  %s\n\nFlags:\n", fs.summary, fs.usage)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// configString defines a string flag that sets a configuration key; its
// help is the key's, from the one table (internal/config's keys).
func (fs *flagSet) configString(name, key string) {
	fs.String(name, "", keyHelp(key))
	fs.keys[name] = key
}

// configBool defines a boolean flag that sets a configuration key.
func (fs *flagSet) configBool(name, key string) {
	fs.Bool(name, false, keyHelp(key))
	fs.keys[name] = key
}

// configList defines a repeatable, comma-separated flag that sets a list key.
func (fs *flagSet) configList(name, key string) {
	l := &listFlag{}
	fs.Var(l, name, keyHelp(key))
	fs.keys[name] = key
	fs.lists[name] = l
}

// keyHelp is the help of a configuration key, with what leaving it unset
// means.
func keyHelp(key string) string {
	h, ok := keyHelps()[key]
	if !ok {
		panic("flags: no configuration key " + key) // a programming error, caught by every test that parses flags
	}
	return h
}

// keyHelps is every key's flag help, made once from the key table.
var keyHelps = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, k := range config.Keys(methodOptions()...) {
		m[k.Name] = k.Help
		if k.Unset != "empty" && k.Unset != "false" {
			m[k.Name] += " (default " + k.Unset + ")"
		}
	}
	return m
})

// configFlags returns the configuration keys the user set on the command line.
func (fs *flagSet) configFlags() config.Flags {
	out := config.Flags{}
	fs.Visit(func(f *flag.Flag) {
		key, ok := fs.keys[f.Name]
		if !ok {
			return
		}
		if l, ok := fs.lists[f.Name]; ok {
			out[key] = strings.Join(l.items, ",")
			return
		}
		out[key] = f.Value.String()
	})
	return out
}

// parse parses args; it returns the exit status to use when the command
// must stop, or -1 to go on. Help asked for (-h, --help) goes to stdout,
// exit 0; a bad flag is one line of error and one saying where the help
// is, on stderr, exit 2.
func (fs *flagSet) parse(args []string) int {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return -1
	case errors.Is(err, flag.ErrHelp):
		fs.help(fs.stdout)
		return exitOK
	}
	fmt.Fprintf(fs.stderr, "optimizer %s: %v\nRun `optimizer %s --help` for its flags.\n", fs.Name(), err, fs.Name())
	return exitUsage
}

type listFlag struct{ items []string }

func (l *listFlag) String() string { return strings.Join(l.items, ",") }

func (l *listFlag) Set(s string) error {
	l.items = append(l.items, s)
	return nil
}

// outDir defines --repo and --out as every command that reads a run's
// output directory takes them: --out, or else <repo>/.optimizer. It
// returns the function that gives both once the flags are parsed.
func (fs *flagSet) outDir(what string) func() (repo, out string) {
	repo := fs.String("repo", ".", "directory inside the git work tree (its ipfs_api and the default --out)")
	out := fs.String("out", "", "output directory that holds "+what+" (default <repo>/.optimizer)")
	return func() (string, string) {
		if *out == "" {
			return *repo, filepath.Join(*repo, ".optimizer")
		}
		return *repo, *out
	}
}

// needDir says that the output directory dir does not exist, and returns
// exit status 2, or -1 when it is a directory.
func needDir(c *cli, name, dir string) int {
	st, err := os.Stat(dir)
	switch {
	case err == nil && st.IsDir():
		return -1
	case err == nil:
		fmt.Fprintf(c.stderr, "optimizer %s: %s is not a directory (pass --out DIR of a run)\n", name, dir)
	default:
		fmt.Fprintf(c.stderr, "optimizer %s: no output directory %s: a run writes it (pass --out DIR, or --repo DIR of the repository that has .optimizer)\n", name, dir)
	}
	return exitUsage
}
