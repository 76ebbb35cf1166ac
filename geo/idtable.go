package geo

// idTable maps account ids to slots of Index.entries in 4 bytes a cell: open
// addressing with linear probing, each cell holding slot+1 (0 is empty) and
// the key read back from the entry. At most 70 % full, it takes 6 to 11
// bytes per account where a map[int64]uint32 takes about 38.
type idTable struct {
	cells []uint32
	n     int
}

func (t *idTable) home(id int64) int {
	h := uint64(id) * 0x9E3779B97F4A7C15
	return int((h ^ h>>29) & uint64(len(t.cells)-1))
}

// find returns the cell of id, or the empty cell where it would go.
func (t *idTable) find(entries []entry, id int64) (cell int, ok bool) {
	if len(t.cells) == 0 {
		return -1, false
	}
	mask := len(t.cells) - 1
	for i := t.home(id); ; i = (i + 1) & mask {
		c := t.cells[i]
		if c == 0 {
			return i, false
		}
		if entries[c-1].id == id {
			return i, true
		}
	}
}

// get returns the slot of id.
func (t *idTable) get(entries []entry, id int64) (uint32, bool) {
	i, ok := t.find(entries, id)
	if !ok {
		return 0, false
	}
	return t.cells[i] - 1, true
}

// add records the slot of entries[slot].id, unless that id is there already.
func (t *idTable) add(entries []entry, slot uint32) bool {
	if (t.n+1)*10 > len(t.cells)*7 {
		t.grow(entries, max(16, 2*len(t.cells)))
	}
	i, dup := t.find(entries, entries[slot].id)
	if dup {
		return false
	}
	t.cells[i] = slot + 1
	t.n++
	return true
}

func (t *idTable) grow(entries []entry, size int) {
	old := t.cells
	t.cells = make([]uint32, size)
	mask := size - 1
	for _, c := range old {
		if c == 0 {
			continue
		}
		i := t.home(entries[c-1].id)
		for t.cells[i] != 0 {
			i = (i + 1) & mask
		}
		t.cells[i] = c
	}
}

// remove empties the cell of id, shifting back the cells that probed past it.
func (t *idTable) remove(entries []entry, id int64) {
	i, ok := t.find(entries, id)
	if !ok {
		return
	}
	t.n--
	mask := len(t.cells) - 1
	for j := i; ; {
		j = (j + 1) & mask
		c := t.cells[j]
		if c == 0 {
			t.cells[i] = 0
			return
		}
		k := t.home(entries[c-1].id)
		// Leave c where it is if its home lies cyclically in (i, j].
		if i <= j && i < k && k <= j || i > j && (i < k || k <= j) {
			continue
		}
		t.cells[i] = c
		i = j
	}
}
