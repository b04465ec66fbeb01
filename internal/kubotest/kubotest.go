// Package kubotest gives tests a real kubo daemon: the one .ci/kubo.sh started, or else one
// started for the test from an `ipfs` binary on PATH.
package kubotest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Daemon is a running kubo daemon.
type Daemon struct {
	API     string // RPC API multiaddr, e.g. /ip4/127.0.0.1/tcp/40123
	Gateway string // gateway URL, e.g. http://127.0.0.1:40124
	Bin     string // the ipfs binary
}

// Start returns the daemon of .ci/kubo.sh (OPTIMIZER_TEST_IPFS_API, _GATEWAY, _BIN), or starts
// `ipfs daemon --offline` on a fresh test-profile repository for t and stops it at cleanup.
// Without either the test is skipped, except in CI (CI=true), which always has a daemon.
func Start(t testing.TB) *Daemon {
	t.Helper()
	d := Find(t)
	if d == nil {
		t.Skip(Missing)
	}
	return d
}

// Missing says why a test that needs a daemon was skipped.
const Missing = "no kubo daemon: run the tests as `.ci/kubo.sh go test ./...`, or put kubo's ipfs on PATH"

// Find is Start without the skip: nil when there is no daemon and no ipfs binary.
func Find(t testing.TB) *Daemon {
	t.Helper()
	if api := os.Getenv("OPTIMIZER_TEST_IPFS_API"); api != "" {
		return &Daemon{API: api, Gateway: os.Getenv("OPTIMIZER_TEST_IPFS_GATEWAY"), Bin: os.Getenv("OPTIMIZER_TEST_IPFS_BIN")}
	}
	bin, err := exec.LookPath("ipfs")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(Missing + " (CI must have one)")
		}
		return nil
	}
	d, stop, err := Launch(bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return d
}

// Launch starts `ipfs daemon --offline` from bin on a fresh test-profile repository in the
// empty directory repo, and returns it with a function that stops it: a node that has nothing
// yet, as after a failure.
func Launch(bin, repo string) (*Daemon, func(), error) {
	env := append(os.Environ(), "IPFS_PATH="+repo)
	init := exec.Command(bin, "init", "--profile=test")
	init.Env = env
	if out, err := init.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("ipfs init: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "daemon", "--offline")
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("ipfs daemon: %w", err)
	}
	stop := func() {
		cancel()
		cmd.Wait()
	}
	d := &Daemon{Bin: bin}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "Gateway server listening on "); ok {
			d.Gateway = "http://" + hostPort(rest)
		}
		if line == "Daemon is ready" {
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	api, err := os.ReadFile(filepath.Join(repo, "api"))
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("ipfs daemon did not start: %w", err)
	}
	d.API = strings.TrimSpace(string(api))
	return d, stop, nil
}

// hostPort turns /ip4/127.0.0.1/tcp/8080 into 127.0.0.1:8080.
func hostPort(maddr string) string {
	parts := strings.Split(strings.TrimSpace(maddr), "/")
	if len(parts) >= 5 {
		return net.JoinHostPort(parts[2], parts[4])
	}
	return maddr
}

// URL is the API as an http URL.
func (d *Daemon) URL() string { return "http://" + hostPort(d.API) }

// IPFS runs `ipfs --api API args…` and returns its standard output; a failure fails t.
func (d *Daemon) IPFS(t testing.TB, stdin []byte, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.Bin, append([]string{"--api", d.API}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ipfs %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

// Dying is a proxy in front of a daemon that forwards the first n requests and then behaves as a
// daemon that went away mid-run: it accepts each connection and closes it at once. It returns
// the proxy's API multiaddr and a function that stops it.
func Dying(d *Daemon, n int) (api string, stop func(), err error) {
	target, err := url.Parse(d.URL())
	if err != nil {
		return "", nil, err
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var count atomic.Int64
	return serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if count.Add(1) > int64(n) {
			hangUp(w)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
}

// Closed returns the API multiaddr of a listener that accepts every connection and closes it at
// once — a daemon that is down, as the client sees it — and a function that stops it.
func Closed() (api string, stop func(), err error) {
	return serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hangUp(w) }))
}

func hangUp(w http.ResponseWriter) {
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		conn.Close()
	}
}

func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", ln.Addr().(*net.TCPAddr).Port), func() { srv.Close() }, nil
}
