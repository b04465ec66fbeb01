// Package bench decides, with statistics, whether a candidate's benchmarks
// are faster, leaner or no worse than the base's.
//
// The design follows from how noisy benchmarks are on shared CI machines.
// On a 2-core runner an A/A comparison — the same binary against itself —
// has produced "−37.8 %, p = 0.026", and 12 of 217 rows of unchanged code
// came out "significant" at p < 0.05. A single benchmark run per side, or
// one test per row at α = 0.05, accepts noise as speedups. So:
//
//   - Both sides are compiled once ([Build], `go test -c`) and executed
//     interleaved, A B A B …, one execution at a time, so that drift on the
//     machine (thermal state, neighbours, page cache) falls on both sides
//     alike instead of on whichever ran second.
//   - An execution runs each benchmark [Options.Count] (10) times for a
//     short [Options.BenchTime] (2ms) and keeps the fastest time as its
//     sample. Neighbours only ever add time, and a run that fits in one
//     scheduler time slice often escapes them: on a 2-core machine at load
//     average 5–13, one 20ms run per execution spread a benchmark's
//     samples by ~50 % (standard deviation of the log), the fastest of ten
//     2ms runs by ~3–10 %.
//   - Each execution's output is parsed with golang.org/x/perf/benchfmt;
//     every (benchmark, unit) pair collects one sample per execution for
//     sec/op (the fastest run), B/op and allocs/op (the median run).
//   - Rows are compared with golang.org/x/perf/benchmath under
//     AssumeNothing: medians and the Mann-Whitney U test, which makes no
//     normality assumption (benchmark timings are skewed and multi-modal).
//   - At least [Options.MinSamples] (6) samples per side; more, up to
//     [Options.MaxSamples], while a row shows a practically relevant change
//     that is not yet significant, and only while [Options.Budget] allows.
//   - The p-values of one unit's rows form a family and are Holm-adjusted,
//     so the chance that any of k unchanged benchmarks looks significant
//     stays at α rather than growing to 1−(1−α)^k.
//   - "Significantly worse" means p < α and worse by more than the
//     max-regression threshold: noise alone must not reject a good candidate.
//   - A claimed win is only accepted once a second, independent interleaved
//     batch, started with the other side, confirms it on the same row
//     ([Decide]). Every row, of the objective's unit or not, is
//     [Row.Replicated] only when both batches show it significant in the
//     same direction; a significant row that is not (one batch was run, or
//     the second did not confirm it) is reported "unreplicated".
//   - [Calibrate] measures the machine's own A/A noise per row (the base
//     against itself); passed in [Criteria.Noise] it raises each row's
//     thresholds to that noise.
//   - allocs/op and B/op are nearly deterministic; the allocs objective
//     accepts a lower median when every sample agrees (complete separation)
//     or the difference is significant.
//
// Choosing the benchmarks is the caller's job: only those whose measured
// loop executes the changed lines (by coverage counts; not those that run
// them only at init or in their setup) should be passed, since every extra
// row is another chance for noise and costs Holm power.
//
// Execution goes through a [Runner], a plain function, so the caller passes
// its sandbox and the tests pass a fake that prints synthetic results.
package bench
