package geo

// Keep returns, in the order given, the ids of ids whose accounts the index
// holds and f matches; an id given twice is kept twice. It applies a filter
// to accounts that another source selected (a text search), with the same
// rules as the spatial queries.
func (ix *Index) Keep(ids []int64, f Filter) ([]int64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	flt, err := ix.compile(&f)
	if err != nil {
		return nil, err
	}
	out := []int64{}
	if flt.none {
		return out, nil
	}
	for _, id := range ids {
		slot, ok := ix.slots.get(ix.entries, id)
		if ok && ix.match(&flt, &ix.entries[slot]) {
			out = append(out, id)
		}
	}
	return out, nil
}
