package planner

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

var (
	// ErrInvalid is wrapped by every error about a malformed Problem.
	ErrInvalid = errors.New("invalid problem")
	// ErrInfeasible means the mandatory stops cannot all be kept in one day.
	ErrInfeasible = errors.New("infeasible")
)

// Window is an interval of allowed service start times, both ends included.
// Times are offsets from an origin chosen by the caller (midnight of the
// planned day, for instance); the planner never looks at wall clocks.
type Window struct {
	Open  time.Duration
	Close time.Duration
}

// Stop is a place the route may (or, when Fixed, must) visit.
type Stop struct {
	// Value is what visiting the stop is worth (an account's priority score).
	Value float64
	// Service is the time spent on site.
	Service time.Duration
	// Windows are the allowed service start times: opening hours intersected
	// with the rep's free time, several a day if needed. A stop without any
	// window is closed that day and never visited.
	Windows []Window
	// Fixed marks a mandatory stop that no plan leaves out. An appointment has
	// a single window with Open == Close, so that it never moves; a wider
	// window gives a mandatory stop whose time may float (a lunch break).
	Fixed bool
}

// Problem is one planning question: which stops to visit, in which order, in
// a working day. It holds no geography: the caller provides travel times
// between every pair of stops, however it computed them.
type Problem struct {
	// Stops are the candidates, the fixed appointments and the two depots.
	Stops []Stop
	// Start and End index the stops where every route begins and ends; they
	// may be equal. Their Value, Service, Windows and Fixed are ignored.
	Start, End int
	// Depart is the earliest departure from Start; Return the latest arrival at End.
	Depart, Return time.Duration
	// Travel[i][j] is the driving time from stop i to stop j.
	Travel [][]time.Duration
	// DistanceM[i][j], optional, is the driving distance in metres; it is
	// only used to report distances.
	DistanceM [][]float64
	// Routes is the number of routes (reps, or days with the same bounds);
	// zero means one. Fixed stops all go to the first route.
	Routes int
	// MaxVisits, when positive, bounds the optional stops of each route
	// (the suggestions a rep wants to see), fixed stops not counted.
	MaxVisits int
}

// model is a validated Problem flattened for the hot loops. Times stay
// integer (time.Duration nanoseconds) so that feasibility is exact: a plan
// that is feasible here is feasible for any checker using the same inputs,
// with no floating-point slack at window boundaries.
type model struct {
	n          int
	travel     []time.Duration // n*n, row-major
	service    []time.Duration // zero for the depots
	value      []float64
	wins       [][]Window // sorted, disjoint; depots get [Depart, Return]
	fixed      []bool
	start, end int
	depart     time.Duration
	ret        time.Duration
	routes     int
	maxVisits  int      // optional stops per route, 0 for no limit
	nfixed     int      // fixed stops, all on the first route
	cands      []int    // optional stops worth trying: open, reachable alone, positive value
	reason     []Reason // why a stop is not a candidate (0 for candidates, depots and fixed stops)
	open       []int    // scratch list of fill; a model serves one search at a time
}

func (m *model) t(i, j int) time.Duration { return m.travel[i*m.n+j] }

// newModel validates p and prepares it for solving.
func newModel(p *Problem) (*model, error) {
	n := len(p.Stops)
	switch {
	case n == 0:
		return nil, fmt.Errorf("%w: no stops", ErrInvalid)
	case p.Start < 0 || p.Start >= n:
		return nil, fmt.Errorf("%w: start %d is not a stop index", ErrInvalid, p.Start)
	case p.End < 0 || p.End >= n:
		return nil, fmt.Errorf("%w: end %d is not a stop index", ErrInvalid, p.End)
	case p.Return < p.Depart:
		return nil, fmt.Errorf("%w: return %v is before departure %v", ErrInvalid, p.Return, p.Depart)
	case p.Routes < 0:
		return nil, fmt.Errorf("%w: routes must not be negative", ErrInvalid)
	case p.MaxVisits < 0:
		return nil, fmt.Errorf("%w: max visits must not be negative", ErrInvalid)
	case len(p.Travel) != n:
		return nil, fmt.Errorf("%w: travel matrix has %d rows, want %d", ErrInvalid, len(p.Travel), n)
	case p.DistanceM != nil && len(p.DistanceM) != n:
		return nil, fmt.Errorf("%w: distance matrix has %d rows, want %d", ErrInvalid, len(p.DistanceM), n)
	}
	m := &model{
		n:         n,
		travel:    make([]time.Duration, n*n),
		service:   make([]time.Duration, n),
		value:     make([]float64, n),
		wins:      make([][]Window, n),
		fixed:     make([]bool, n),
		reason:    make([]Reason, n),
		start:     p.Start,
		end:       p.End,
		depart:    p.Depart,
		ret:       p.Return,
		routes:    max(p.Routes, 1),
		maxVisits: p.MaxVisits,
	}
	for i, row := range p.Travel {
		if len(row) != n {
			return nil, fmt.Errorf("%w: travel row %d has %d columns, want %d", ErrInvalid, i, len(row), n)
		}
		for j, d := range row {
			if d < 0 {
				return nil, fmt.Errorf("%w: travel[%d][%d] is negative", ErrInvalid, i, j)
			}
		}
		copy(m.travel[i*n:], row)
	}
	for i, row := range p.DistanceM {
		if len(row) != n {
			return nil, fmt.Errorf("%w: distance row %d has %d columns, want %d", ErrInvalid, i, len(row), n)
		}
	}
	depot := []Window{{p.Depart, p.Return}}
	for i, s := range p.Stops {
		if i == p.Start || i == p.End {
			m.wins[i] = depot
			continue
		}
		switch {
		case math.IsNaN(s.Value) || math.IsInf(s.Value, 0) || s.Value < 0:
			return nil, fmt.Errorf("%w: stop %d: value must be a finite number >= 0", ErrInvalid, i)
		case s.Service < 0:
			return nil, fmt.Errorf("%w: stop %d: service time must not be negative", ErrInvalid, i)
		case s.Fixed && len(s.Windows) == 0:
			return nil, fmt.Errorf("%w: stop %d: a fixed stop needs a window", ErrInvalid, i)
		}
		w, err := normalise(s.Windows)
		if err != nil {
			return nil, fmt.Errorf("%w: stop %d: %v", ErrInvalid, i, err)
		}
		m.wins[i], m.service[i], m.value[i], m.fixed[i] = w, s.Service, s.Value, s.Fixed
		if s.Fixed {
			m.nfixed++
		}
	}
	for i := range n {
		if i == m.start || i == m.end || m.fixed[i] {
			continue
		}
		switch {
		case len(m.wins[i]) == 0:
			m.reason[i] = ReasonClosed
		case !m.fitsAlone(i):
			m.reason[i] = ReasonUnreachable
		case m.value[i] <= 0:
			m.reason[i] = ReasonNoValue
		default:
			m.cands = append(m.cands, i)
		}
	}
	return m, nil
}

// normalise sorts windows and merges overlapping ones, so that the earliest
// and latest feasible starts are found by one scan.
func normalise(ws []Window) ([]Window, error) {
	out := slices.Clone(ws)
	for _, w := range out {
		if w.Close < w.Open {
			return nil, fmt.Errorf("window closes (%v) before it opens (%v)", w.Close, w.Open)
		}
	}
	slices.SortFunc(out, func(a, b Window) int { return cmp.Compare(a.Open, b.Open) })
	merged := out[:0]
	for _, w := range out {
		if k := len(merged) - 1; k >= 0 && w.Open <= merged[k].Close {
			merged[k].Close = max(merged[k].Close, w.Close)
			continue
		}
		merged = append(merged, w)
	}
	return merged, nil
}

// earliest returns the first allowed service start of stop j at or after t.
func (m *model) earliest(j int, t time.Duration) (time.Duration, bool) {
	for _, w := range m.wins[j] {
		if t <= w.Close {
			return max(t, w.Open), true
		}
	}
	return 0, false
}

// latest returns the last allowed service start of stop j at or before t.
func (m *model) latest(j int, t time.Duration) (time.Duration, bool) {
	ws := m.wins[j]
	for k := len(ws) - 1; k >= 0; k-- {
		if ws[k].Open <= t {
			return min(t, ws[k].Close), true
		}
	}
	return 0, false
}

// fitsAlone reports whether stop i can be visited on a route holding nothing else.
func (m *model) fitsAlone(i int) bool {
	st, ok := m.earliest(i, m.depart+m.t(m.start, i))
	return ok && st+m.service[i]+m.t(i, m.end) <= m.ret
}

// Reason says why a stop was left out of a plan.
type Reason int

// The reasons, from the most to the least definitive.
const (
	_ Reason = iota
	// ReasonClosed: the stop has no time window that day.
	ReasonClosed
	// ReasonUnreachable: even alone, the stop cannot fit between departure and return.
	ReasonUnreachable
	// ReasonNoValue: the stop is worth nothing.
	ReasonNoValue
	// ReasonNoTime: the stop fits alone but not next to the stops chosen,
	// which are worth more for the time they take.
	ReasonNoTime
	// ReasonLimit: every route already holds Problem.MaxVisits optional stops.
	ReasonLimit
)

var reasonNames = [...]string{"", "closed", "unreachable", "no_value", "no_time", "limit"}

// String returns the reason as a stable snake_case code, fit for JSON.
func (r Reason) String() string {
	if r < 0 || int(r) >= len(reasonNames) {
		return fmt.Sprintf("Reason(%d)", int(r))
	}
	return reasonNames[r]
}

// MarshalText encodes the reason as its code.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }
