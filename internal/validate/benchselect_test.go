package validate

import (
	"go/parser"
	"go/token"
	"testing"
)

// counts is what a coverage profile of one benchmark run at -benchtime=nx
// shows for a block that runs init times at start-up, setup times per call
// of the benchmark function and loop times per iteration of its measured
// loop, following testing/benchmark.go: a b.N benchmark is called with
// b.N = 1 and then, for n > 1, with b.N = n; a b.Loop benchmark is called
// once and loops n times. (A sub-benchmark of b.Run is called like
// either, under a parent called once: the parent's setup counts like
// init.)
func counts(n int, style string, init, setup, loop int) int {
	calls, iterations := 1, n
	if style == "b.N" && n > 1 {
		calls, iterations = 2, 1+n
	}
	return init + calls*setup + iterations*loop
}

func TestPerIteration(t *testing.T) {
	blocks := []struct {
		name              string
		init, setup, loop int
	}{
		{"init only", 1, 0, 0},
		{"setup only", 0, 3, 0},
		{"loop only", 0, 0, 2},
		{"a helper both setup and loop call", 1, 1, 5},
		{"run by nothing", 0, 0, 0},
	}
	for _, style := range []string{"b.N", "b.Loop"} {
		lo, hi := blockCounts{}, blockCounts{}
		for i, b := range blocks {
			s := blockSpan{file: "a.go", startLine: i}
			lo[s] = counts(loopRuns[0], style, b.init, b.setup, b.loop)
			hi[s] = counts(loopRuns[1], style, b.init, b.setup, b.loop)
		}
		per := perIteration(lo, hi, loopRuns[0], loopRuns[1])
		for i, b := range blocks {
			if got := per[blockSpan{file: "a.go", startLine: i}]; got != float64(b.loop) {
				t.Errorf("%s, %s: %v per iteration, want %d", style, b.name, got, b.loop)
			}
		}
	}

	// Why not 1x: a b.N benchmark is called once at 1x and twice at 3x,
	// so its setup would look like loop.
	setup := blockSpan{file: "a.go"}
	at1, at3 := blockCounts{setup: counts(1, "b.N", 0, 3, 0)}, blockCounts{setup: counts(3, "b.N", 0, 3, 0)}
	if per := perIteration(at1, at3, 1, 3); !inLoop(per) {
		t.Errorf("from 1x: setup %v per iteration; the test no longer shows why the runs start at 2x", per[setup])
	}

	// A count that fell between the runs (code that runs a varying number
	// of times, a goroutine) is not loop.
	if per := perIteration(blockCounts{setup: 5}, blockCounts{setup: 3}, 2, 4); inLoop(per) || per[setup] != 0 {
		t.Errorf("a count that fell: %v per iteration, want 0", per[setup])
	}
	if loopRuns[0] < 2 || loopRuns[1] <= loopRuns[0] {
		t.Errorf("loopRuns %v: the first must be at least 2 (see loopRuns), the second larger", loopRuns)
	}
}

func TestExceeds(t *testing.T) {
	a, b := blockSpan{file: "a.go", startLine: 1}, blockSpan{file: "a.go", startLine: 2}
	start := blockCounts{a: 1, b: 0}
	if exceeds(blockCounts{a: 1, b: 0}, start) {
		t.Error("counts equal to start-up's exceed them")
	}
	if !exceeds(blockCounts{a: 1, b: 2}, start) {
		t.Error("a block setup ran does not exceed start-up")
	}
	if exceeds(blockCounts{a: 0}, nil) || !exceeds(blockCounts{a: 1}, nil) {
		t.Error("exceeds against nothing is not whether anything ran")
	}
}

func TestVarInitLine(t *testing.T) {
	const src = `package p

var limit = 8

var (
	a = 1
	table = func() []int {
		return []int{limit}
	}()
)

var f = func(x int) int { return x + 1 }

func g() int {
	var local = 3
	return local
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	for line, want := range map[int]bool{
		3:  true,  // var limit = 8
		6:  true,  // a = 1, in a var block
		7:  false, // a function literal's opening line: its coverage block spans it
		8:  false, // in the literal's body: the counts tell when it runs
		12: false, // a one-line function literal
		15: false, // a var inside a function
		1:  false,
	} {
		if got := varInitLine(fset, f, line); got != want {
			t.Errorf("line %d: %v, want %v", line, got, want)
		}
	}
}
