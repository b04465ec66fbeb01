package pipeline

import "sync"

// taskQueue hands a run's tasks to its agents, highest priority first (the
// order given), and gives a task that failed one more chance on another
// agent. It is safe for concurrent use.
type taskQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending []entry
	running int
	alive   int
	closed  bool
	tries   []int
}

type entry struct {
	task  int
	avoid int // the agent it failed on; 0 for none
}

// newTaskQueue makes a queue of tasks 0..n-1, in that order, for agents
// agents (numbered from 1).
func newTaskQueue(n, agents int) *taskQueue {
	q := &taskQueue{alive: agents, tries: make([]int, n)}
	q.cond = sync.NewCond(&q.mu)
	for i := range n {
		q.pending = append(q.pending, entry{task: i})
	}
	return q
}

// Take returns the next task for agent and its attempt (1, or 2 for a
// retry), waiting while every pending task is one this agent failed and
// another agent may still take it, or while running tasks may yet fail
// and come back. ok is false when there is nothing left, or after Close.
func (q *taskQueue) Take(agent int) (task, attempt int, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.closed {
			return 0, 0, false
		}
		for i, e := range q.pending {
			// A retry goes to another agent, unless this is the only
			// one left.
			if e.avoid != agent || q.alive == 1 {
				q.pending = append(q.pending[:i], q.pending[i+1:]...)
				q.running++
				q.tries[e.task]++
				return e.task, q.tries[e.task], true
			}
		}
		if len(q.pending) == 0 && q.running == 0 {
			return 0, 0, false
		}
		q.cond.Wait()
	}
}

// Done reports that agent finished task; failed puts it back, once, for
// another agent. It returns whether the task will be tried again.
func (q *taskQueue) Done(agent, task int, failed bool) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.running--
	retry := failed && !q.closed && q.tries[task] < 2
	if retry {
		q.pending = append([]entry{{task: task, avoid: agent}}, q.pending...)
	}
	q.cond.Broadcast()
	return retry
}

// Leave reports that an agent stops taking tasks (it could not start).
func (q *taskQueue) Leave() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.alive--
	q.cond.Broadcast()
}

// Close stops the queue: Take returns false from now on, and nothing
// failed is retried.
func (q *taskQueue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}

// Pending returns the tasks never handed out, for the report of a run
// that stopped early.
func (q *taskQueue) Pending() []int {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []int
	for _, e := range q.pending {
		out = append(out, e.task)
	}
	return out
}
