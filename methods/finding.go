package methods

// Finding is something a method found that is not a change to propose —
// mutants the tests let through, a crash with its reproducer — for a
// person to act on. The method renders it; change control publishes the
// findings of every method alike, as one issue each, and knows no method's
// own details.
type Finding struct {
	// Key finds the finding again in a later run, whose finding with the
	// same key updates the same issue instead of opening another: stable
	// across runs and unique across methods (a task's ID is both).
	Key string `json:"key"`
	// Title is one line.
	Title string `json:"title"`
	// Body is markdown in which everything that came from the code, a
	// model or a person is escaped or fenced.
	Body string `json:"body"`
}
