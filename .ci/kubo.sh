#!/usr/bin/env bash
# Runs a command beside a private kubo daemon, for the tests that need a real IPFS node:
#
#   .ci/kubo.sh go test ./...
#
# It builds kubo's `ipfs` command once (cached under $XDG_CACHE_HOME/optimizer-ci), starts
# `ipfs daemon --offline` on a fresh `--profile=test` repository in a temporary IPFS_PATH (the
# profile binds the API and gateway to random loopback ports), exports
#   OPTIMIZER_TEST_IPFS_API      the daemon's RPC API multiaddr (read from $IPFS_PATH/api)
#   OPTIMIZER_TEST_IPFS_GATEWAY  its gateway URL
#   OPTIMIZER_TEST_IPFS_BIN      the ipfs binary (tests run `ipfs --api …` with it)
# runs the command, and stops the daemon and removes the repository whatever happens.
#
# `go install github.com/ipfs/kubo/cmd/ipfs@v0.43.1` is refused (kubo's go.mod has replace and
# exclude directives, and the replacement fork of go-libp2p is not served by the module proxy), so
# the module is copied out of the module cache, the replace is dropped, quic-go and
# webtransport-go are pinned to the releases go-libp2p v0.49.0 builds with, and ./cmd/ipfs built.
set -euo pipefail

KUBO_VERSION=v0.43.1
cache="${XDG_CACHE_HOME:-$HOME/.cache}/optimizer-ci"
bin="${OPTIMIZER_IPFS_BIN:-$cache/ipfs-$KUBO_VERSION}"

build_kubo() {
	local src start
	start=$(date +%s)
	echo "kubo: building ipfs $KUBO_VERSION into $bin (once; later runs reuse it)" >&2
	src=$(mktemp -d)
	local dir
	dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/ipfs/kubo@$KUBO_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -d "$dir" ] || { echo "kubo: go mod download github.com/ipfs/kubo@$KUBO_VERSION failed" >&2; return 1; }
	cp -R "$dir/." "$src/"
	chmod -R u+w "$src"
	(
		cd "$src"
		go mod edit -dropreplace=github.com/libp2p/go-libp2p \
			-require=github.com/quic-go/quic-go@v0.60.0 \
			-require=github.com/quic-go/webtransport-go@v0.11.1
		mkdir -p "$cache"
		GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" ./cmd/ipfs
	)
	mv "$bin.tmp" "$bin"
	rm -rf "$src"
	echo "kubo: built in $(($(date +%s) - start))s" >&2
}

if [ ! -x "$bin" ] || ! "$bin" version 2>/dev/null | grep -q "${KUBO_VERSION#v}"; then
	build_kubo
fi

IPFS_PATH=$(mktemp -d)
export IPFS_PATH
daemon=""
stop() {
	if [ -n "$daemon" ]; then
		kill "$daemon" 2>/dev/null || true
		wait "$daemon" 2>/dev/null || true
	fi
	rm -rf "$IPFS_PATH"
}
trap stop EXIT
trap 'exit 130' INT TERM

"$bin" init --profile=test >/dev/null
"$bin" daemon --offline >"$IPFS_PATH/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 300); do
	grep -q "Daemon is ready" "$IPFS_PATH/daemon.log" && break
	kill -0 "$daemon" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "Daemon is ready" "$IPFS_PATH/daemon.log"; then
	echo "kubo: the daemon did not start:" >&2
	cat "$IPFS_PATH/daemon.log" >&2
	exit 1
fi
OPTIMIZER_TEST_IPFS_API=$(cat "$IPFS_PATH/api")
OPTIMIZER_TEST_IPFS_GATEWAY=http://$(sed -n 's#^Gateway server listening on /ip4/\([^/]*\)/tcp/\([0-9]*\).*#\1:\2#p' "$IPFS_PATH/daemon.log")
OPTIMIZER_TEST_IPFS_BIN=$bin
export OPTIMIZER_TEST_IPFS_API OPTIMIZER_TEST_IPFS_GATEWAY OPTIMIZER_TEST_IPFS_BIN
echo "kubo: ipfs $KUBO_VERSION daemon (offline) at $OPTIMIZER_TEST_IPFS_API, gateway $OPTIMIZER_TEST_IPFS_GATEWAY" >&2

"$@"
