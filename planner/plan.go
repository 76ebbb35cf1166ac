package planner

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Plan is the answer to a Problem.
type Plan struct {
	// Routes holds one route per Problem.Routes, possibly empty.
	Routes []Route
	// Value is the total value of the stops visited.
	Value float64
	// Unvisited lists every stop left out (depots excepted), the most
	// valuable first, with the reason.
	Unvisited []Unvisited
	// Iterations is how many perturbations the search ran.
	Iterations int
}

// Route is one day's ordered visits. Every visit starts as early as it can;
// the slots say how far each may be pushed.
type Route struct {
	Visits []Visit
	// Depart is when the route leaves the start; Return when it reaches the end.
	Depart, Return time.Duration
	// Travel is the total driving time, including the last leg to the end.
	Travel time.Duration
	// DistanceM is the total driving distance (zero without a distance matrix).
	DistanceM float64
	// Value is the total value of the visits.
	Value float64
}

// Visit is one stop of a route.
type Visit struct {
	// Stop indexes Problem.Stops.
	Stop int
	// Arrival, Start and End of service; Wait = Start - Arrival.
	Arrival, Wait, Start, End time.Duration
	// Earliest and Latest bound the bookable slot: service may start at any
	// time in [Earliest, Latest] that lies in one of the stop's windows
	// (they may have a gap, such as lunch, inside the slot), and every other
	// stop of the route stays feasible, later ones being started later if
	// needed. Fixed appointments have Earliest == Latest == Start.
	Earliest, Latest time.Duration
	// Leg is the driving time from the previous stop; LegM its distance.
	Leg  time.Duration
	LegM float64
	// Detour is the driving time this visit adds to the route compared with
	// going straight from the previous stop to the next one.
	Detour time.Duration
}

// Unvisited is a stop left out of a plan.
type Unvisited struct {
	Stop   int
	Value  float64
	Reason Reason
}

// plan turns a solution into its public form.
func (m *model) plan(s *solution, dist [][]float64) Plan {
	p := Plan{Routes: make([]Route, len(s.tours)), Value: s.value}
	for r := range s.tours {
		p.Routes[r] = m.route(&s.tours[r], dist)
	}
	full := m.maxVisits > 0
	for r := range s.tours {
		full = full && m.full(r, &s.tours[r])
	}
	for i := range m.n {
		if i == m.start || i == m.end || s.in[i] >= 0 {
			continue
		}
		reason := m.reason[i]
		if reason == 0 {
			reason = ReasonNoTime
			if full {
				reason = ReasonLimit
			}
		}
		p.Unvisited = append(p.Unvisited, Unvisited{Stop: i, Value: m.value[i], Reason: reason})
	}
	slices.SortStableFunc(p.Unvisited, func(a, b Unvisited) int {
		return cmp.Or(cmp.Compare(b.Value, a.Value), cmp.Compare(a.Reason, b.Reason))
	})
	return p
}

func (m *model) route(t *tour, dist [][]float64) Route {
	n := len(t.seq)
	rt := Route{Depart: t.a[0], Return: t.a[n-1], Travel: t.travel, Value: t.value}
	leg := func(i, j int) float64 {
		if dist == nil {
			return 0
		}
		return dist[i][j]
	}
	for k := 1; k < n; k++ {
		rt.DistanceM += leg(t.seq[k-1], t.seq[k])
	}
	for k := 1; k < n-1; k++ {
		prev, j, next := t.seq[k-1], t.seq[k], t.seq[k+1]
		arr := t.a[k-1] + m.service[prev] + m.t(prev, j)
		rt.Visits = append(rt.Visits, Visit{
			Stop:     j,
			Arrival:  arr,
			Wait:     t.a[k] - arr,
			Start:    t.a[k],
			End:      t.a[k] + m.service[j],
			Earliest: t.a[k],
			Latest:   t.z[k],
			Leg:      m.t(prev, j),
			LegM:     leg(prev, j),
			Detour:   m.t(prev, j) + m.t(j, next) - m.t(prev, next),
		})
	}
	return rt
}

// Schedule times the given routes (stop indices in visit order, depots
// left out) as Solve would, slots included. It fails with ErrInfeasible if a
// route breaks a window or the day, a fixed stop is missing, or a stop is
// visited twice: the check a booking needs when the calendar has changed.
func Schedule(p Problem, routes [][]int) (Plan, error) {
	m, err := newModel(&p)
	if err != nil {
		return Plan{}, err
	}
	if len(routes) > m.routes {
		return Plan{}, fmt.Errorf("%w: %d routes, problem allows %d", ErrInvalid, len(routes), m.routes)
	}
	s := m.newSolution()
	for r, seq := range routes {
		t := &s.tours[r]
		t.seq = t.seq[:1]
		for _, j := range seq {
			switch {
			case j < 0 || j >= m.n || j == m.start || j == m.end:
				return Plan{}, fmt.Errorf("%w: route %d: %d is not a visitable stop", ErrInvalid, r, j)
			case s.in[j] >= 0:
				return Plan{}, fmt.Errorf("%w: stop %d is visited twice", ErrInfeasible, j)
			case len(m.wins[j]) == 0:
				return Plan{}, fmt.Errorf("%w: stop %d is closed", ErrInfeasible, j)
			}
			s.in[j] = r
			t.seq = append(t.seq, j)
		}
		t.seq = append(t.seq, m.end)
		if !m.update(t) {
			return Plan{}, fmt.Errorf("%w: route %d breaks a time window or the day", ErrInfeasible, r)
		}
	}
	for i, f := range m.fixed {
		if f && i != m.start && i != m.end && s.in[i] < 0 {
			return Plan{}, fmt.Errorf("%w: fixed stop %d is not visited", ErrInfeasible, i)
		}
	}
	s.refresh()
	return m.plan(s, p.DistanceM), nil
}
