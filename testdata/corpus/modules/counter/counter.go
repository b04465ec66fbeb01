// Package counter counts events by key, safely from many goroutines.
package counter

import (
	"sort"
	"sync"
)

// Counter counts events by key. The zero value is not usable: call New.
type Counter struct {
	mu   sync.RWMutex
	m    map[string]int
	hits int // lookups through Get, for statistics
}

// New returns an empty Counter.
func New() *Counter {
	return &Counter{m: make(map[string]int)}
}

// Inc adds one to key's count.
func (c *Counter) Inc(key string) {
	c.Add(key, 1)
}

// Add adds n to key's count.
func (c *Counter) Add(key string, n int) {
	c.mu.Lock()
	c.m[key] += n
	c.mu.Unlock()
}

// Get returns key's count. It counts the lookup, so it takes the write lock.
func (c *Counter) Get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hits++
	return c.m[key]
}

// Hits returns how many lookups Get has served.
func (c *Counter) Hits() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.hits
}

// Keys returns the keys with a count, sorted.
func (c *Counter) Keys() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	keys := make([]string, 0, len(c.m))
	for k := range c.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Reset forgets every count.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.hits = 0
}
