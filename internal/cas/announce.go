package cas

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/ipfs/kubo/client/rpc"
)

// Announcements are names in the node's MFS (`ipfs files`): a directory per kind, one entry per
// item, each entry the pinned item itself (copied in by CID, so nothing is stored twice). Every
// agent or shard that uses the node writes entries of its own name, so concurrent writers never
// overwrite each other, and a reader lists the directory. The directory's own CID
// (`ipfs files stat --hash /optimizer`) names everything announced so far.

// Entry is one announced item: its name in the directory and its CID.
type Entry struct {
	Name string
	CID  string
}

// Announce names c as dir/name in the node's MFS, creating dir as needed. An entry that already
// names c is left alone; one that names other content is replaced.
func (n *Node) Announce(ctx context.Context, dir, name, c string) error {
	p := path.Join(dir, name)
	if err := n.call(ctx, n.api.Request("files/mkdir", dir).Option("parents", true), nil); err != nil {
		return fmt.Errorf("store: announce %s as %s: %w", c, p, err)
	}
	if cur, err := n.stat(ctx, p); err == nil && cur == c {
		return nil
	} else if err == nil {
		if err := n.call(ctx, n.api.Request("files/rm", p), nil); err != nil {
			return fmt.Errorf("store: announce %s as %s: %w", c, p, err)
		}
	}
	err := n.call(ctx, n.api.Request("files/cp", "/ipfs/"+c, p), nil)
	if err != nil {
		// Another writer may have announced the same name in between; that is the same item.
		if cur, serr := n.stat(ctx, p); serr == nil && cur != "" {
			return nil
		}
		return fmt.Errorf("store: announce %s as %s: %w", c, p, err)
	}
	return nil
}

// stat returns the CID of the MFS entry p.
func (n *Node) stat(ctx context.Context, p string) (string, error) {
	var out struct{ Hash string }
	err := n.call(ctx, n.api.Request("files/stat", p), &out)
	return out.Hash, err
}

// Announced lists the entries of dir in the node's MFS, sorted by name; a directory that does
// not exist yet has none.
func (n *Node) Announced(ctx context.Context, dir string) ([]Entry, error) {
	var out struct {
		Entries []struct {
			Name string
			Type int
			Hash string
		}
	}
	err := n.call(ctx, n.api.Request("files/ls", dir).Option("long", true), &out)
	var rerr *rpc.Error
	// kubo has no error code for a missing MFS path; its message is the only sign.
	if errors.As(err, &rerr) && strings.Contains(rerr.Message, "does not exist") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", dir, err)
	}
	var entries []Entry
	for _, e := range out.Entries {
		if e.Type == 0 { // a file; directories are not announcements
			entries = append(entries, Entry{Name: e.Name, CID: e.Hash})
		}
	}
	return entries, nil
}

// Root returns the CID of the MFS directory dir: one CID for everything announced under it.
func (n *Node) Root(ctx context.Context, dir string) (string, error) {
	c, err := n.stat(ctx, dir)
	if err != nil {
		return "", fmt.Errorf("store: stat %s: %w", dir, err)
	}
	return c, nil
}
