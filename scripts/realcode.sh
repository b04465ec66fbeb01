#!/bin/bash
# Runs the optimizer's deterministic method (modernize, objective quality) on real
# modules from the module proxy, each copied into a temporary git repository,
# and checks every accepted patch on a fresh copy: go build, go vet and go test,
# and go vet under GOOS=js/wasm, windows and darwin where the base passes it.
# Needs the module proxy and jq. Writes OUTDIR/table.tsv (one row per module)
# and OUTDIR/false.txt (the false accepts, if any).
#
#   go build -o /tmp/optimizer . && scripts/realcode.sh /tmp/optimizer /tmp/realcode github.com/google/btree@v1.1.3 ...
set -u
bin=$1; out=$2; shift 2
mkdir -p "$out"
printf "module\tpackages\tcandidates\taccepted\trejected_by\tfalse_accepts\tseconds\n" > "$out/table.tsv"
for mv in "$@"; do
  name=$(echo "$mv" | tr '/@' '__')
  dir=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "$mv" | jq -r .Dir)
  [ -d "$dir" ] || { echo "$mv: download failed"; continue; }
  repo="$out/$name/repo"; rm -rf "$out/$name"; mkdir -p "$repo"
  cp -r "$dir"/. "$repo"; chmod -R u+w "$repo"
  # A module from before modules has no go.mod; the go command gives it one
  # with no go directive (language go 1.16), and so does this.
  [ -f "$repo/go.mod" ] || printf 'module %s\n' "${mv%@*}" > "$repo/go.mod"
  (cd "$repo" && git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm base)
  start=$(date +%s)
  "$bin" run --repo "$repo" --method modernize --objective quality --json --out "$out/$name/out" \
    --worktree-base "$out/$name/wt" --timeout 30m > "$out/$name/report.json" 2> "$out/$name/stderr.log"
  secs=$(( $(date +%s) - start ))
  rep="$out/$name/report.json"
  pkgs=$(jq '[.tasks[]] | length' "$rep" 2>/dev/null || echo ?)
  cands=$(jq '[.tasks[].candidates[]] | length' "$rep" 2>/dev/null || echo ?)
  acc=$(jq '[.tasks[].candidates[] | select(.validation.accepted == true and (.superseded_by // "") == "")] | length' "$rep" 2>/dev/null || echo ?)
  rej=$(jq -r '[.tasks[].candidates[] | select(.validation.accepted != true) | (.validation.rejected_by // "error")] | group_by(.) | map("\(.[0])=\(length)") | join(",")' "$rep" 2>/dev/null || echo ?)
  # Check each accepted patch on a fresh copy.
  false=0
  for p in $(jq -r '.tasks[].candidates[] | select(.validation.accepted == true) | .patch.path // empty' "$rep" 2>/dev/null); do
    chk="$out/$name/check"; rm -rf "$chk"; cp -r "$repo" "$chk"
    if ! (cd "$chk" && git apply "$out/$name/out/$p" && go build ./... && go vet ./... && go test -count=1 ./... >/dev/null 2>&1); then
      echo "$mv: FALSE ACCEPT (host) $p" | tee -a "$out/false.txt"; false=$((false+1)); continue
    fi
    for goos in js windows darwin; do
      arch=amd64; [ $goos = js ] && arch=wasm
      base_ok=$(cd "$repo" && GOOS=$goos GOARCH=$arch CGO_ENABLED=0 go vet ./... >/dev/null 2>&1 && echo y || echo n)
      cand_ok=$(cd "$chk" && GOOS=$goos GOARCH=$arch CGO_ENABLED=0 go vet ./... >/dev/null 2>&1 && echo y || echo n)
      if [ $base_ok = y ] && [ $cand_ok = n ]; then
        echo "$mv: FALSE ACCEPT (GOOS=$goos) $p" | tee -a "$out/false.txt"; false=$((false+1)); break
      fi
    done
  done
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$mv" "$pkgs" "$cands" "$acc" "$rej" "$false" "$secs" | tee -a "$out/table.tsv"
done
