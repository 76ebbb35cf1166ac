package geo

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeepMatchesBruteForce checks Keep against the brute-force model with
// random filters, ids the index does not hold and ids given twice.
func TestKeepMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 99))
	es := dataset(rng, 2_000, false)
	ix, err := NewIndex(es)
	if err != nil {
		t.Fatal(err)
	}
	m := model{}
	for _, e := range es {
		m[e.ID] = e
	}
	for q := range 100 {
		f := randomFilter(rng, es)
		var ids []int64
		for range 1 + rng.IntN(300) {
			switch rng.IntN(10) {
			case 0:
				ids = append(ids, -1-rng.Int64N(1000)) // not in the index
			case 1:
				if len(ids) > 0 {
					ids = append(ids, ids[rng.IntN(len(ids))])
					continue
				}
				fallthrough
			default:
				ids = append(ids, es[rng.IntN(len(es))].ID)
			}
		}
		got, err := ix.Keep(ids, f)
		if err != nil {
			t.Fatalf("query %d: Keep: %v", q, err)
		}
		want := []int64{}
		for _, id := range ids {
			if e, ok := m[id]; ok && m.match(e, f) {
				want = append(want, id)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("query %d filter %+v: got %v, want %v", q, f, got, want)
		}
	}
	if got, err := ix.Keep(nil, Filter{}); err != nil || got == nil || len(got) != 0 {
		t.Errorf("Keep(nil) = %v, %v; want an empty, non-nil slice", got, err)
	}
	if _, err := ix.Keep([]int64{es[0].ID}, Filter{Kinds: []Kind{MaxKind + 1}}); err == nil {
		t.Error("Keep with a bad kind: got no error, want ErrInvalid")
	}
}
