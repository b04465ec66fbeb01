package sandbox

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The children's build cache has two layers. The shared layer holds what
// the base's commands compiled and is written by them alone; every other
// command reads it and writes a private layer that is removed with its
// tree. So a candidate gets the base's compiled packages for free but can
// never put an entry that another command (the base's benchmarks, another
// candidate, a later run) would take for its own: the go command trusts
// its cache completely, and one forged entry could swap a compiled
// package or a cached test result.
//
// The layering is a GOCACHEPROG (the go command's protocol for external
// caches), served by this binary started by the go command in the
// sandbox, as the child's own identity: the file permissions (as root)
// and Landlock (always, where the kernel has it) are what keep the shared
// layer read-only to it.

// cacheProgArg is os.Args[1] of this binary started as a GOCACHEPROG.
const cacheProgArg = "__optimizer-cacheprog"

type cacheRequest struct {
	ID       int64
	Command  string
	ActionID []byte `json:",omitempty"`
	OutputID []byte `json:",omitempty"`
	BodySize int64  `json:",omitempty"`
}

type cacheResponse struct {
	ID            int64
	Err           string     `json:",omitempty"`
	KnownCommands []string   `json:",omitempty"`
	Miss          bool       `json:",omitempty"`
	OutputID      []byte     `json:",omitempty"`
	Size          int64      `json:",omitempty"`
	Time          *time.Time `json:",omitempty"`
	DiskPath      string     `json:",omitempty"`
}

// cacheLayer is one directory of entries: <action>-a files hold the output
// id, size and time; <output>-d files hold the bodies.
type cacheLayer string

func (l cacheLayer) path(id []byte, suffix string) string {
	h := hex.EncodeToString(id)
	if len(h) < 2 {
		h = "00" + h
	}
	return filepath.Join(string(l), h[:2], h+suffix)
}

// get looks an action up; ok is false on a miss or a damaged entry.
func (l cacheLayer) get(action []byte) (r cacheResponse, ok bool) {
	b, err := readRegular(l.path(action, "-a"), 1024)
	if err != nil {
		return r, false
	}
	f := strings.Fields(string(b))
	if len(f) != 3 {
		return r, false
	}
	out, err1 := hex.DecodeString(f[0])
	size, err2 := strconv.ParseInt(f[1], 10, 64)
	nanos, err3 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return r, false
	}
	disk := l.path(out, "-d")
	if fi, err := os.Lstat(disk); err != nil || !fi.Mode().IsRegular() || fi.Size() != size {
		return r, false
	}
	t := time.Unix(0, nanos)
	return cacheResponse{OutputID: out, Size: size, Time: &t, DiskPath: disk}, true
}

// put stores body (base64 in a JSON string, as the protocol sends it) for
// action, each file written under a temporary name and renamed.
func (l cacheLayer) put(action, output []byte, body io.Reader) (cacheResponse, error) {
	disk := l.path(output, "-d")
	if err := os.MkdirAll(filepath.Dir(disk), 0o755); err != nil {
		return cacheResponse{}, err
	}
	size, err := writeRenamed(disk, body)
	if err != nil {
		return cacheResponse{}, err
	}
	now := time.Now()
	entry := fmt.Sprintf("%x %d %d\n", output, size, now.UnixNano())
	if err := os.MkdirAll(filepath.Dir(l.path(action, "-a")), 0o755); err != nil {
		return cacheResponse{}, err
	}
	if _, err := writeRenamed(l.path(action, "-a"), strings.NewReader(entry)); err != nil {
		return cacheResponse{}, err
	}
	return cacheResponse{OutputID: output, Size: size, Time: &now, DiskPath: disk}, nil
}

func writeRenamed(path string, r io.Reader) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-")
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return 0, err
	}
	return n, nil
}

// cacheProgMain serves the go command on stdin and stdout: gets look in the
// private layer, then the shared one; puts go to the private layer (which
// is the shared one for the base's commands).
func cacheProgMain(shared, private string) int {
	layers := []cacheLayer{cacheLayer(private)}
	if shared != private {
		layers = append(layers, cacheLayer(shared))
	}
	bw := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(bw)
	send := func(r cacheResponse) bool { return enc.Encode(r) == nil && bw.Flush() == nil }
	if !send(cacheResponse{KnownCommands: []string{"get", "put", "close"}}) {
		return 1
	}
	dec := json.NewDecoder(bufio.NewReaderSize(os.Stdin, 1<<20))
	for {
		var req cacheRequest
		if err := dec.Decode(&req); err != nil {
			return 0 // the go command closed its end
		}
		var resp cacheResponse
		switch req.Command {
		case "get":
			resp.Miss = true
			for _, l := range layers {
				if r, ok := l.get(req.ActionID); ok {
					resp = r
					break
				}
			}
		case "put":
			var body io.Reader = strings.NewReader("")
			if req.BodySize > 0 {
				var b64 string
				if err := dec.Decode(&b64); err != nil {
					resp.Err = "reading body: " + err.Error()
					break
				}
				raw, err := base64.StdEncoding.DecodeString(b64)
				if err != nil || int64(len(raw)) != req.BodySize {
					resp.Err = "bad body"
					break
				}
				body = strings.NewReader(string(raw))
			}
			r, err := layers[0].put(req.ActionID, req.OutputID, body)
			if err != nil {
				resp.Err = err.Error()
			} else {
				resp = r
			}
		case "close":
			resp.ID = req.ID
			send(resp)
			return 0
		default:
			resp.Err = "unknown command " + req.Command
		}
		resp.ID = req.ID
		if !send(resp) {
			return 1
		}
	}
}

// readRegular reads a regular file that a child may have written: it
// follows no symbolic link, refuses anything but a regular file (a FIFO
// would block, a device or /proc file could say anything), and reads at
// most max bytes. Child-written files are read through it and nothing
// else.
func readRegular(path string, max int64) ([]byte, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return b, nil
}

// ErrNotRegular is wrapped by ReadFile for a path that is a symbolic link,
// a FIFO, a device or a directory.
var ErrNotRegular = errors.New("not a regular file")
