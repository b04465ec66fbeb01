package counter

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestInc(t *testing.T) {
	c := New()
	c.Inc("a")
	c.Inc("a")
	c.Add("b", 5)
	if got := c.Get("a"); got != 2 {
		t.Errorf("Get(a) = %d, want 2", got)
	}
	if got := c.Get("b"); got != 5 {
		t.Errorf("Get(b) = %d, want 5", got)
	}
	if got := c.Get("missing"); got != 0 {
		t.Errorf("Get(missing) = %d, want 0", got)
	}
	if got := c.Hits(); got != 3 {
		t.Errorf("Hits = %d, want 3", got)
	}
}

func TestKeys(t *testing.T) {
	c := New()
	for _, k := range []string{"c", "a", "b", "a"} {
		c.Inc(k)
	}
	if got, want := c.Keys(), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("Keys = %q, want %q", got, want)
	}
}

func TestConcurrentInc(t *testing.T) {
	c := New()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				c.Inc("k")
			}
		}()
	}
	wg.Wait()
	if got := c.Get("k"); got != 400 {
		t.Errorf("Get(k) = %d, want 400", got)
	}
}

// TestConcurrentGet reads from many goroutines at once, as a request
// handler would.
func TestConcurrentGet(t *testing.T) {
	c := New()
	c.Add("k", 7)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < 1000; i++ {
				if got := c.Get("k"); got != 7 {
					t.Errorf("Get(k) = %d, want 7", got)
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
}

var keys = func() []string {
	out := make([]string, 64)
	for i := range out {
		out[i] = fmt.Sprintf("key%02d", i)
	}
	return out
}()

func BenchmarkInc(b *testing.B) {
	c := New()
	for i := 0; i < b.N; i++ {
		c.Inc(keys[i%len(keys)])
	}
}

func BenchmarkKeys(b *testing.B) {
	c := New()
	for _, k := range keys {
		c.Inc(k)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Keys()
	}
}
