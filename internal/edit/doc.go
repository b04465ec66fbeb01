// Package edit is the protocol by which a language model changes code: Parse
// reads the edits out of a model's answer, Apply makes them in a work tree,
// and a malformed answer or an edit that does not fit the files becomes an
// *Error whose Reason, rendered by Feedback, is the model's next prompt.
//
// Parse accepts three formats, found anywhere among prose and markdown.
//
// SEARCH/REPLACE blocks, one per change, each after a line with the file's
// path (or in the same file as the block before); an empty SEARCH section
// creates a file:
//
//	stats.go
//	```go
//	<<<<<<< SEARCH
//		for i := 0; i < len(xs); i++ {
//			sum += xs[i]
//		}
//	=======
//		for _, x := range xs {
//			sum += x
//		}
//	>>>>>>> REPLACE
//	```
//
// Unified diffs, read leniently: the a/ and b/ prefixes may be missing and
// the counts of the "@@" lines are ignored; each hunk is found in the file by
// its context and '-' lines, like a SEARCH section:
//
//	--- a/stats.go
//	+++ b/stats.go
//	@@ -5,2 +5,2 @@ func Sum(xs []int) int {
//	 	sum := 0
//	-	for i := 0; i < len(xs); i++ {
//	+	for i := range xs {
//
// Whole files, only when the answer has neither blocks nor diffs: a code
// block whose info string or preceding line names the file is its complete
// new content:
//
//	stats.go:
//	```go
//	package stats
//	…
//	```
//
// Apply matches each SEARCH section by whole lines, exactly first; failing
// that, ignoring indentation, trailing spaces and blank lines, in which case
// the replacement is re-indented to the file's own indentation. A SEARCH that
// matches nowhere is rejected with the most similar lines of the file quoted;
// one that matches several places, with their line numbers. Apply changes
// only the files the task allows, never through a symbolic link, .git or
// .github, and either all of the edits or none.
package edit
