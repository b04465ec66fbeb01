package mutate

import (
	"cmp"
	"encoding/binary"
	"hash/fnv"
	"slices"
	"strings"
)

// prioritize orders the candidates for keeping under a cap: round-robin
// over the functions of the package (a function in a file, or a file's
// package-level code), and within a function round-robin over the
// operators. The order of the functions and of each operator's mutants
// within one is by a hash of the seed and their names, so it depends on
// nothing else: not on the platform, not on the Go release.
func prioritize(cands []*candidate, seed int64) []*candidate {
	type entry struct {
		c          *candidate
		id         string
		group      string
		groupHash  uint64
		hash       uint64
		rank, turn int // rank among its operator's in its function; turn in the function
	}
	es := make([]*entry, len(cands))
	for i, c := range cands {
		id := c.id()
		group := c.file.rel + "\x00" + c.fn
		es[i] = &entry{c: c, id: id, group: group, groupHash: seeded(seed, group), hash: seeded(seed, id)}
	}
	byHash := func(a, b *entry) int {
		if a.hash != b.hash {
			return cmp.Compare(a.hash, b.hash)
		}
		return strings.Compare(a.id, b.id)
	}
	// Rank each mutant among those of its function and operator.
	slices.SortFunc(es, func(a, b *entry) int {
		if c := strings.Compare(a.group, b.group); c != 0 {
			return c
		}
		if c := strings.Compare(a.c.op, b.c.op); c != 0 {
			return c
		}
		return byHash(a, b)
	})
	for i, e := range es {
		if i > 0 && es[i-1].group == e.group && es[i-1].c.op == e.c.op {
			e.rank = es[i-1].rank + 1
		}
	}
	// Turn within the function: first of each operator, then second, ...
	slices.SortFunc(es, func(a, b *entry) int {
		if c := strings.Compare(a.group, b.group); c != 0 {
			return c
		}
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return byHash(a, b)
	})
	for i, e := range es {
		if i > 0 && es[i-1].group == e.group {
			e.turn = es[i-1].turn + 1
		}
	}
	// Round-robin over the functions.
	slices.SortFunc(es, func(a, b *entry) int {
		if a.turn != b.turn {
			return a.turn - b.turn
		}
		if a.groupHash != b.groupHash {
			return cmp.Compare(a.groupHash, b.groupHash)
		}
		if c := strings.Compare(a.group, b.group); c != 0 {
			return c
		}
		return byHash(a, b)
	})
	out := make([]*candidate, len(es))
	for i, e := range es {
		out[i] = e.c
	}
	return out
}

func seeded(seed int64, s string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(s))
	return h.Sum64()
}
