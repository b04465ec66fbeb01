package pipeline

import (
	"sync"
	"testing"
)

func TestQueueOrderAndRetryOnAnotherAgent(t *testing.T) {
	q := newTaskQueue(3, 2)
	task, attempt, ok := q.Take(1)
	if !ok || task != 0 || attempt != 1 {
		t.Fatalf("first take: %d %d %v", task, attempt, ok)
	}
	if !q.Done(1, 0, true) {
		t.Fatal("a first failure is not retried")
	}
	// Agent 1 failed task 0: it gets task 1 instead.
	if task, _, _ := q.Take(1); task != 1 {
		t.Errorf("agent 1 took %d, want 1 (0 waits for another agent)", task)
	}
	if task, attempt, _ := q.Take(2); task != 0 || attempt != 2 {
		t.Errorf("agent 2 took %d (attempt %d), want the retry of 0", task, attempt)
	}
	if q.Done(2, 0, true) {
		t.Error("a second failure is retried")
	}
	q.Done(1, 1, false)
	if task, _, _ := q.Take(2); task != 2 {
		t.Errorf("agent 2 took %d, want 2", task)
	}
	q.Done(2, 2, false)
	if _, _, ok := q.Take(1); ok {
		t.Error("a task is left after all are done")
	}
}

// TestQueueLastAgentTakesItsOwnRetry: with the other agent gone, the
// retry goes back to the agent that failed it rather than never running.
func TestQueueLastAgentTakesItsOwnRetry(t *testing.T) {
	q := newTaskQueue(1, 2)
	q.Leave()
	task, _, _ := q.Take(1)
	q.Done(1, task, true)
	if task, attempt, ok := q.Take(1); !ok || task != 0 || attempt != 2 {
		t.Errorf("take %d %d %v, want the retry", task, attempt, ok)
	}
}

// TestQueueWaitsForRunningTasks: an idle agent waits while a running task
// may still fail and need it.
func TestQueueWaitsForRunningTasks(t *testing.T) {
	q := newTaskQueue(1, 2)
	q.Take(1)
	got := make(chan int, 1)
	go func() {
		task, _, ok := q.Take(2)
		if !ok {
			task = -1
		}
		got <- task
	}()
	q.Done(1, 0, true)
	if task := <-got; task != 0 {
		t.Errorf("agent 2 got %d, want the retry of 0", task)
	}
}

func TestQueueConcurrentAndClose(t *testing.T) {
	q := newTaskQueue(100, 4)
	var mu sync.Mutex
	seen := map[int]int{}
	var wg sync.WaitGroup
	for a := 1; a <= 4; a++ {
		wg.Go(func() {
			for {
				task, _, ok := q.Take(a)
				if !ok {
					return
				}
				mu.Lock()
				seen[task]++
				mu.Unlock()
				q.Done(a, task, task%10 == 0) // every tenth fails once… and again
			}
		})
	}
	wg.Wait()
	for i := range 100 {
		want := 1
		if i%10 == 0 {
			want = 2
		}
		if seen[i] != want {
			t.Errorf("task %d ran %d times, want %d", i, seen[i], want)
		}
	}
	q2 := newTaskQueue(5, 1)
	q2.Close()
	if _, _, ok := q2.Take(1); ok {
		t.Error("Take after Close")
	}
	if p := q2.Pending(); len(p) != 5 {
		t.Errorf("pending %v", p)
	}
}
