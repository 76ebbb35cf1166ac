package planner

import "time"

// tour is one route with its schedule bookkeeping. seq[0] is the start
// depot and seq[len-1] the end depot. a[k] is the earliest service start at
// seq[k] (departure time for the start depot, arrival for the end depot) and
// z[k] the latest start at seq[k] that keeps every later stop feasible.
//
// z replaces the wait/maxShift pair of the published iterated local search: arriving at
// seq[k] at any time up to z[k] is feasible, because z[k] lies inside one of
// the stop's windows and starting earlier never hurts what follows (waiting
// is allowed). So an insertion is checked in O(1) per window of the new stop.
type tour struct {
	seq    []int
	a, z   []time.Duration
	travel time.Duration
	value  float64
}

// solution is a set of tours and, per stop, the tour visiting it (-1: none).
type solution struct {
	tours  []tour
	in     []int
	value  float64
	travel time.Duration
}

func (m *model) newSolution() *solution {
	s := &solution{tours: make([]tour, m.routes), in: make([]int, m.n)}
	for i := range s.in {
		s.in[i] = -1
	}
	for r := range s.tours {
		s.tours[r].seq = append(make([]int, 0, 16), m.start, m.end)
		m.update(&s.tours[r])
	}
	return s
}

// copyFrom makes s a copy of o, reusing s's memory.
func (s *solution) copyFrom(o *solution) {
	for r := range o.tours {
		d, t := &s.tours[r], &o.tours[r]
		d.seq = append(d.seq[:0], t.seq...)
		d.a = append(d.a[:0], t.a...)
		d.z = append(d.z[:0], t.z...)
		d.travel, d.value = t.travel, t.value
	}
	copy(s.in, o.in)
	s.value, s.travel = o.value, o.travel
}

// better reports whether s beats o: more value, or as much for less driving.
func (s *solution) better(o *solution) bool {
	return s.value > o.value || (s.value == o.value && s.travel < o.travel)
}

// update recomputes the schedule of t in O(len) and reports whether it is feasible.
func (m *model) update(t *tour) bool {
	n := len(t.seq)
	t.a = grow(t.a, n)
	t.z = grow(t.z, n)
	t.a[0] = m.depart
	t.travel, t.value = 0, 0
	for k := 1; k < n; k++ {
		i, j := t.seq[k-1], t.seq[k]
		d := m.t(i, j)
		t.travel += d
		t.value += m.value[j]
		st, ok := m.earliest(j, t.a[k-1]+m.service[i]+d)
		if !ok {
			return false
		}
		t.a[k] = st
	}
	t.z[n-1] = m.ret
	if t.a[n-1] > m.ret {
		return false
	}
	for k := n - 2; k >= 0; k-- {
		i := t.seq[k]
		lt, ok := m.latest(i, t.z[k+1]-m.t(i, t.seq[k+1])-m.service[i])
		if !ok || lt < t.a[k] {
			return false
		}
		t.z[k] = lt
	}
	return true
}

func grow(s []time.Duration, n int) []time.Duration {
	if cap(s) < n {
		return make([]time.Duration, n, 2*n)
	}
	return s[:n]
}

// insertion is a feasible place for a stop: before position pos of tour r.
// shift is how much later the route reaches the stop after it.
type insertion struct {
	r, pos int
	shift  time.Duration
}

// bestInsertion finds the feasible insertion of stop j with the least shift.
func (m *model) bestInsertion(s *solution, j int) (insertion, bool) {
	best := insertion{shift: -1}
	ws := m.wins[j]
	lastClose, firstOpen := ws[len(ws)-1].Close, ws[0].Open
	svc := m.service[j]
	row := m.travel[j*m.n : (j+1)*m.n]
	for r := range s.tours {
		t := &s.tours[r]
		if m.full(r, t) {
			continue
		}
		for p := 0; p < len(t.seq)-1; p++ {
			i, k := t.seq[p], t.seq[p+1]
			dep := t.a[p] + m.service[i]
			if dep > lastClose {
				break // departures only get later along the route
			}
			if t.z[p+1] < firstOpen+svc {
				continue
			}
			st, ok := m.earliest(j, dep+m.travel[i*m.n+j])
			if !ok {
				continue
			}
			arr := st + svc + row[k]
			if arr > t.z[p+1] {
				continue
			}
			shift := arr - dep - m.travel[i*m.n+k]
			if best.shift < 0 || shift < best.shift {
				best = insertion{r, p + 1, shift}
			}
		}
	}
	return best, best.shift >= 0
}

// insert puts stop j where ins says; the insertion must be feasible.
func (m *model) insert(s *solution, j int, ins insertion) {
	t := &s.tours[ins.r]
	t.seq = append(t.seq, 0)
	copy(t.seq[ins.pos+1:], t.seq[ins.pos:])
	t.seq[ins.pos] = j
	m.update(t)
	s.in[j] = ins.r
	s.refresh()
}

// remove drops the visit at position pos of tour r unless it is fixed or
// its removal would make the tour infeasible, which happens when travel
// times break the triangle inequality (rounded or road-network times do).
func (m *model) remove(s *solution, r, pos int) bool {
	t := &s.tours[r]
	j := t.seq[pos]
	if m.fixed[j] {
		return false
	}
	t.seq = append(t.seq[:pos], t.seq[pos+1:]...)
	if !m.update(t) {
		t.seq = append(t.seq, 0)
		copy(t.seq[pos+1:], t.seq[pos:])
		t.seq[pos] = j
		m.update(t)
		return false
	}
	s.in[j] = -1
	s.refresh()
	return true
}

// visits counts the stops visited.
// full reports whether route r already holds the most optional visits a
// route may have. Fixed stops all sit on the first route.
func (m *model) full(r int, t *tour) bool {
	if m.maxVisits == 0 {
		return false
	}
	optional := len(t.seq) - 2
	if r == 0 {
		optional -= m.nfixed
	}
	return optional >= m.maxVisits
}

func (s *solution) visits() int {
	n := 0
	for _, t := range s.tours {
		n += len(t.seq) - 2
	}
	return n
}

// refresh recomputes the totals of s from its tours.
func (s *solution) refresh() {
	s.value, s.travel = 0, 0
	for r := range s.tours {
		s.value += s.tours[r].value
		s.travel += s.tours[r].travel
	}
}
