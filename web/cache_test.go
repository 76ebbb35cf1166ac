package web

import "testing"

// TestRecordCacheRefusesRacingReads checks the guard that keeps a record
// read while a change was applied out of the cache.
func TestRecordCacheRefusesRacingReads(t *testing.T) {
	c := newRecordCache(10)
	gen := c.generation()
	c.put(gen, 1, []byte(`{"v":1}`))
	if b, ok := c.get(1); !ok || string(b) != `{"v":1}` {
		t.Fatalf("get(1) = %s, %v; want the record put", b, ok)
	}

	gen = c.generation()        // a request starts reading account 2...
	c.invalidate([]int64{1})    // ...a change is applied meanwhile...
	c.put(gen, 2, []byte(`{}`)) // ...and what it read may be stale.
	if _, ok := c.get(2); ok {
		t.Error("a record read across an invalidation was kept")
	}
	if _, ok := c.get(1); ok {
		t.Error("an invalidated record is still served")
	}

	c.put(c.generation(), 3, []byte(`{}`))
	c.invalidate(nil)
	if _, ok := c.get(3); ok {
		t.Error("invalidate(nil) kept a record")
	}
}
