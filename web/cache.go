package web

import (
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
)

// recordCache keeps the JSON of recently served accounts so that nearby
// answers with full records need not read the store each time. The read
// model tells it which accounts changed (invalidate), and a record read
// from the store while a change was being applied is not kept: put only
// stores what was read in a generation that saw no invalidation.
type recordCache struct {
	mu      sync.Mutex
	gen     uint64
	records *lru.Cache[int64, []byte]
}

func newRecordCache(size int) *recordCache {
	records, err := lru.New[int64, []byte](size)
	if err != nil { // only for a size below 1
		panic(err)
	}
	return &recordCache{records: records}
}

// generation is to be read before reading records from the store.
func (c *recordCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *recordCache) get(id int64) ([]byte, bool) { return c.records.Get(id) }

// put keeps b for id unless something changed since generation gen.
func (c *recordCache) put(gen uint64, id int64, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.records.Add(id, b)
	}
}

// invalidate drops ids, or everything when ids is nil.
func (c *recordCache) invalidate(ids []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if ids == nil {
		c.records.Purge()
		return
	}
	for _, id := range ids {
		c.records.Remove(id)
	}
}
