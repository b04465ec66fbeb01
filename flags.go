package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

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
}

func newFlagSet(name, usageLine, summary string, w io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), usage: usageLine, summary: summary, keys: map[string]string{}, lists: map[string]*listFlag{}}
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "%s\n\nUsage:\n  %s\n\nFlags:\n", fs.summary, fs.usage)
		fs.PrintDefaults()
	}
	return fs
}

// configString defines a string flag that sets a configuration key.
func (fs *flagSet) configString(name, key, help string) {
	fs.String(name, "", help)
	fs.keys[name] = key
}

// configBool defines a boolean flag that sets a configuration key.
func (fs *flagSet) configBool(name, key, help string) {
	fs.Bool(name, false, help)
	fs.keys[name] = key
}

// configList defines a repeatable, comma-separated flag that sets a list key.
func (fs *flagSet) configList(name, key, help string) {
	l := &listFlag{}
	fs.Var(l, name, help)
	fs.keys[name] = key
	fs.lists[name] = l
}

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
// must stop (help asked, or a bad flag), or -1 to go on.
func (fs *flagSet) parse(args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	return -1
}

type listFlag struct{ items []string }

func (l *listFlag) String() string { return strings.Join(l.items, ",") }

func (l *listFlag) Set(s string) error {
	l.items = append(l.items, s)
	return nil
}
