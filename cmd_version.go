package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// stamped is the release's version, set when a release is built:
// go build -ldflags "-X main.stamped=v1.2.3" (see the Dockerfile).
var stamped string

func versionCmd(ctx context.Context, c *cli, args []string) int {
	fs := newFlagSet("version", "optimizer version", "Version prints the optimizer's version, its commit and the Go toolchain it was built with.", c)
	if st := fs.parse(args); st >= 0 {
		return st
	}
	version, commit := "(devel)", ""
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		if stamped != "" {
			version = stamped
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				commit = " " + s.Value
			}
		}
	}
	fmt.Fprintf(c.stdout, "optimizer %s%s %s\n", version, commit, runtime.Version())
	return exitOK
}
