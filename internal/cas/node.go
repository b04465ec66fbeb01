package cas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/ipfs/go-cid"
	datastore "github.com/ipfs/go-datastore"
	"github.com/ipfs/kubo/client/rpc"
	ma "github.com/multiformats/go-multiaddr"
)

// ErrNodeMismatch is wrapped when the node gives content a different CID than the one computed
// locally: the node's import settings differ from kubo's defaults, or one side is wrong.
var ErrNodeMismatch = errors.New("the node computed a different CID than the local one")

// ErrUnreachable is wrapped when the node could not be talked to at all (connection refused or
// reset, timeout, not a kubo RPC API), as opposed to a node that answered with an error.
var ErrUnreachable = errors.New("IPFS node unreachable")

// maxFetch bounds what Cat reads: patches are at most 1 MiB by policy, reports a few MiB.
const maxFetch = 64 << 20

// requestTimeout bounds each request to the node, so a hung daemon costs a run at most this much
// per request; Cat of content the node has to look for on the network may need all of it.
const requestTimeout = time.Minute

// Node is a kubo node reached through its RPC API (github.com/ipfs/kubo/client/rpc).
type Node struct {
	api  *rpc.HttpApi
	addr string
}

// Dial returns a client of the kubo RPC API at addr: a multiaddr such as /ip4/127.0.0.1/tcp/5001
// (or /unix/PATH) or an http(s) URL such as http://127.0.0.1:5001. It does not connect yet.
func Dial(addr string) (*Node, error) {
	addr = strings.TrimSpace(addr)
	var (
		api *rpc.HttpApi
		err error
	)
	if strings.HasPrefix(addr, "/") {
		var a ma.Multiaddr
		if a, err = ma.NewMultiaddr(addr); err == nil {
			api, err = rpc.NewApi(a)
		}
	} else {
		// Keep-alives off, as rpc.NewApi has them: a daemon restarted between two requests
		// must not leave a dead pooled connection behind.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DisableKeepAlives = true
		api, err = rpc.NewURLApiWithClient(strings.TrimRight(addr, "/"), &http.Client{Transport: tr})
	}
	if err != nil {
		return nil, fmt.Errorf("store: node %s: %w (set OPTIMIZER_IPFS_API to a multiaddr such as /ip4/127.0.0.1/tcp/5001 or a URL)", addr, err)
	}
	return &Node{api: api, addr: addr}, nil
}

// String is the address the node was dialled at.
func (n *Node) String() string { return n.addr }

// request sends one RPC request and returns its body, or the node's error. The caller closes
// the body.
func (n *Node) request(ctx context.Context, rb rpc.RequestBuilder) (io.ReadCloser, error) {
	resp, err := rb.Send(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", n.addr, ErrUnreachable, err)
	}
	if resp.Error != nil {
		resp.Close()
		return nil, fmt.Errorf("%s: %w", n.addr, resp.Error)
	}
	return resp.Output, nil
}

// call sends one request and decodes its JSON answer into out (unless out is nil).
func (n *Node) call(ctx context.Context, rb rpc.RequestBuilder, out any) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	body, err := n.request(ctx, rb)
	if err != nil {
		return err
	}
	defer body.Close()
	if out != nil {
		err = json.NewDecoder(body).Decode(out)
	}
	// Read to the end: the command is done only then (`add` pins after it has printed the
	// CID), and hanging up early cancels it on the daemon.
	if _, derr := io.Copy(io.Discard, body); err == nil {
		err = derr
	}
	if err != nil {
		return fmt.Errorf("%s: read answer: %w: %w", n.addr, ErrUnreachable, err)
	}
	return nil
}

// Add adds data to the node as one file and pins it (named pinName in `ipfs pin ls --names`),
// with every import option that decides the CID set explicitly to the values CID uses — the
// node's Import.* configuration then does not matter. The kubo client's Unixfs().Add sends
// neither max-file-links nor, unless asked, raw-leaves, so the request is built here. It returns
// the CID the node computed; when that differs from the local one the error wraps
// ErrNodeMismatch and names both.
func (n *Node) Add(ctx context.Context, data []byte, version int, pinName string) (string, error) {
	local, err := CID(bytes.NewReader(data), version)
	if err != nil {
		return "", err
	}
	rb := n.api.Request("add").
		Option("cid-version", version).
		Option("raw-leaves", version == 1).
		Option("chunker", fmt.Sprintf("size-%d", chunkSize)).
		Option("max-file-links", maxLinks).
		Option("hash", "sha2-256").
		Option("trickle", false).
		Option("inline", false).
		Option("wrap-with-directory", false).
		Option("pin", true).
		Option("quieter", true).
		Option("progress", false).
		FileBody(bytes.NewReader(data))
	if pinName != "" {
		rb = rb.Option("pin-name", pinName)
	}
	var out struct{ Hash string }
	if err := n.call(ctx, rb, &out); err != nil {
		return "", fmt.Errorf("store: add %s: %w", local, err)
	}
	got, err := cid.Decode(out.Hash)
	if err != nil {
		return "", fmt.Errorf("store: add %s: %s answered CID %q: %w: %w", local, n.addr, out.Hash, ErrUnreachable, err)
	}
	if got.String() != local {
		return got.String(), fmt.Errorf("store: add: %s gave CID %s to content whose local CID is %s: %w", n.addr, got, local, ErrNodeMismatch)
	}
	return local, nil
}

// Pinned reports whether c is pinned on the node, directly or recursively.
func (n *Node) Pinned(ctx context.Context, c string) (bool, error) {
	var out struct {
		Keys map[string]struct{ Type string }
	}
	err := n.call(ctx, n.api.Request("pin/ls", c).Option("type", "all"), &out)
	var rerr *rpc.Error
	if errors.As(err, &rerr) {
		return false, nil // kubo answers "path … is not pinned" as an error
	}
	if err != nil {
		return false, fmt.Errorf("store: pin ls %s: %w", c, err)
	}
	return len(out.Keys) > 0, nil
}

// Cat fetches the file c from the node (which fetches it from the network if it must) and checks
// it against c, recomputed locally: content that does not hash to c is an error wrapping
// ErrMismatch, never returned.
func (n *Node) Cat(ctx context.Context, c string) ([]byte, error) {
	return n.cat(ctx, c, false)
}

// CatLocal is Cat of what the node holds itself: it does not look on the network, and content
// the node does not have is an error wrapping fs.ErrNotExist.
func (n *Node) CatLocal(ctx context.Context, c string) ([]byte, error) {
	return n.cat(ctx, c, true)
}

func (n *Node) cat(ctx context.Context, c string, local bool) ([]byte, error) {
	want, err := cid.Decode(c)
	if err != nil {
		return nil, fmt.Errorf("store: cat %q: %w", c, err)
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	rb := n.api.Request("cat", want.String())
	if local {
		rb = rb.Option("offline", true)
	}
	body, err := n.request(ctx, rb)
	var rerr *rpc.Error
	if local && errors.As(err, &rerr) {
		return nil, fmt.Errorf("store: cat %s: %s does not hold it: %w: %w", c, n.addr, fs.ErrNotExist, err)
	}
	if err != nil {
		return nil, fmt.Errorf("store: cat %s: %w", c, err)
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, maxFetch+1))
	if err != nil {
		return nil, fmt.Errorf("store: cat %s: %s: %w: %w", c, n.addr, ErrUnreachable, err)
	}
	if len(data) > maxFetch {
		return nil, fmt.Errorf("store: cat %s: more than %d MiB; not a patch or report", c, maxFetch>>20)
	}
	got, err := importFile(newDAG(datastore.NewNullDatastore()), bytes.NewReader(data), int(want.Version()))
	if err != nil {
		return nil, fmt.Errorf("store: cat %s: %w", c, err)
	}
	if !got.Equals(want) {
		return nil, fmt.Errorf("store: cat %s: the node returned content whose CID is %s: %w", c, got, ErrMismatch)
	}
	return data, nil
}

// ImportCAR imports a CAR file into the node as `ipfs dag import` does, pinning its roots, and
// returns the roots the node reports.
func (n *Node) ImportCAR(ctx context.Context, car io.Reader) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	rb := n.api.Request("dag/import").Option("pin-roots", true).FileBody(car)
	body, err := n.request(ctx, rb)
	if err != nil {
		return nil, fmt.Errorf("store: dag import: %w", err)
	}
	defer body.Close()
	var roots []string
	dec := json.NewDecoder(body)
	for {
		var ev struct {
			Root *struct {
				Cid struct {
					Root string `json:"/"`
				}
				PinErrorMsg string
			}
		}
		if err := dec.Decode(&ev); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("store: dag import: %s: %w: %w", n.addr, ErrUnreachable, err)
		}
		if ev.Root == nil {
			continue // the statistics
		}
		if ev.Root.PinErrorMsg != "" {
			return roots, fmt.Errorf("store: dag import: pin %s: %s", ev.Root.Cid.Root, ev.Root.PinErrorMsg)
		}
		roots = append(roots, ev.Root.Cid.Root)
	}
	return roots, nil
}
