package httpapi

import "sync"

// cache keeps up to max immutable values (plans, release headers) by key. When
// full, an arbitrary entry makes room: cheap, and good enough for a working set
// that is mostly the promotions under review.
type cache[K comparable, V any] struct {
	mu     sync.RWMutex
	max    int
	values map[K]V
}

func newCache[K comparable, V any](max int) *cache[K, V] {
	return &cache[K, V]{max: max, values: make(map[K]V, max)}
}

func (c *cache[K, V]) get(k K) (V, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.values[k]
	return v, ok
}

func (c *cache[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.values) >= c.max {
		for old := range c.values {
			delete(c.values, old)
			break
		}
	}
	c.values[k] = v
}
