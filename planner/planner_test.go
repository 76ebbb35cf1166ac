package planner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// simulate is an independent feasibility check of one route, written from
// the problem statement rather than from the solver's bookkeeping. Every
// stop starts as early as it can, except stop force, which starts at at.
func simulate(p Problem, route []int, force int, at time.Duration) error {
	t, prev, err := walk(p, route, force, at)
	if err != nil {
		return err
	}
	if back := t + p.Travel[prev][p.End]; back > p.Return {
		return fmt.Errorf("back at %v, after %v", back, p.Return)
	}
	return nil
}

// walk times route up to its last visit and returns when and where it ends.
func walk(p Problem, route []int, force int, at time.Duration) (end time.Duration, last int, err error) {
	t, prev := p.Depart, p.Start
	for _, j := range route {
		arr := t + p.Travel[prev][j]
		start := time.Duration(math.MaxInt64)
		if j == force {
			if at < arr {
				return 0, 0, fmt.Errorf("stop %d: start %v before arrival %v", j, at, arr)
			}
			start = at
		} else {
			for _, w := range p.Stops[j].Windows {
				if arr <= w.Close {
					start = min(start, max(arr, w.Open))
				}
			}
		}
		open := false
		for _, w := range p.Stops[j].Windows {
			open = open || w.Open <= start && start <= w.Close
		}
		if !open {
			return 0, 0, fmt.Errorf("stop %d: no window at %v", j, start)
		}
		t, prev = start+p.Stops[j].Service, j
	}
	return t, prev, nil
}

func stops(rt Route) []int {
	ids := []int{}
	for _, v := range rt.Visits {
		ids = append(ids, v.Stop)
	}
	return ids
}

// checkPlan verifies what every plan must satisfy.
func checkPlan(t *testing.T, p Problem, plan Plan) {
	t.Helper()
	seen := map[int]bool{}
	var value float64
	for r, rt := range plan.Routes {
		if err := simulate(p, stops(rt), -1, 0); err != nil {
			t.Errorf("route %d %v infeasible: %v", r, stops(rt), err)
		}
		for _, v := range rt.Visits {
			if seen[v.Stop] {
				t.Errorf("stop %d visited twice", v.Stop)
			}
			seen[v.Stop] = true
			value += p.Stops[v.Stop].Value
			s := p.Stops[v.Stop]
			if len(s.Windows) == 0 {
				t.Errorf("closed stop %d visited", v.Stop)
			}
			if s.Fixed && len(s.Windows) == 1 && s.Windows[0].Open == s.Windows[0].Close &&
				(v.Start != s.Windows[0].Open || v.Earliest != v.Start || v.Latest != v.Start) {
				t.Errorf("appointment %d moved: start %v slot [%v, %v], want %v", v.Stop, v.Start, v.Earliest, v.Latest, s.Windows[0].Open)
			}
		}
	}
	if math.Abs(value-plan.Value) > 1e-9 {
		t.Errorf("plan value %v, visits add up to %v", plan.Value, value)
	}
	for _, u := range plan.Unvisited {
		if seen[u.Stop] {
			t.Errorf("stop %d both visited and unvisited", u.Stop)
		}
		seen[u.Stop] = true
		if p.Stops[u.Stop].Fixed {
			t.Errorf("fixed stop %d left out", u.Stop)
		}
		if closed := len(p.Stops[u.Stop].Windows) == 0; closed != (u.Reason == ReasonClosed) {
			t.Errorf("stop %d: reason %v, closed %v", u.Stop, u.Reason, closed)
		}
	}
	for i := range p.Stops {
		if i != p.Start && i != p.End && !seen[i] {
			t.Errorf("stop %d neither visited nor listed as unvisited", i)
		}
	}
}

// randomProblem builds a day from 8:00 to 18:00 with stops scattered over
// 60 km × 60 km at 1 km a minute, some closed, some open twice a day, and
// the given number of fixed appointments (at most three).
func randomProblem(rng *rand.Rand, optional, fixed int) Problem {
	n := 1 + optional + fixed
	type xy struct{ x, y float64 }
	pts := make([]xy, n)
	for i := range pts {
		pts[i] = xy{rng.Float64() * 60, rng.Float64() * 60}
	}
	p := Problem{Stops: make([]Stop, n), Depart: 8 * time.Hour, Return: 18 * time.Hour}
	p.Travel = make([][]time.Duration, n)
	for i := range n {
		p.Travel[i] = make([]time.Duration, n)
		for j := range n {
			d := math.Hypot(pts[i].x-pts[j].x, pts[i].y-pts[j].y)
			p.Travel[i][j] = time.Duration(math.Round(d)) * time.Minute
		}
	}
	at := func(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }
	for i := 1; i < n; i++ {
		s := Stop{Value: float64(1 + rng.IntN(100)), Service: time.Duration(15+rng.IntN(46)) * time.Minute}
		if k := i - optional - 1; k >= 0 {
			// Appointments three hours apart, so that they never clash.
			start := at(9+3*k, rng.IntN(60))
			s = Stop{Fixed: true, Service: time.Hour, Value: 50, Windows: []Window{{start, start}}}
		} else {
			switch rng.IntN(10) {
			case 0: // closed that day
			case 1, 2, 3:
				s.Windows = []Window{{at(8, 30+rng.IntN(60)), at(11, 30+rng.IntN(30))}, {at(14, rng.IntN(30)), at(17, rng.IntN(60))}}
			default:
				open := at(8, 0) + time.Duration(rng.IntN(8*60))*time.Minute
				s.Windows = []Window{{open, open + time.Duration(30+rng.IntN(180))*time.Minute}}
			}
		}
		p.Stops[i] = s
	}
	return p
}

func TestSlotsAreExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 30 {
		p := randomProblem(rng, 40, trial%3)
		plan, err := Solve(context.Background(), p, Options{Iterations: 300, Seed: uint64(trial)})
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, p, plan)
		for _, v := range plan.Routes[0].Visits {
			route := stops(plan.Routes[0])
			for _, c := range []struct {
				at       time.Duration
				feasible bool
			}{
				{v.Earliest, true},
				{v.Latest, true},
				{v.Earliest - time.Minute, false},
				{v.Latest + time.Minute, false},
			} {
				if err := simulate(p, route, v.Stop, c.at); (err == nil) != c.feasible {
					t.Errorf("trial %d: stop %d slot [%v, %v]: start at %v: feasible %v, want %v (%v)",
						trial, v.Stop, v.Earliest, v.Latest, c.at, err == nil, c.feasible, err)
				}
			}
		}
	}
}

// TestSlotWithWindowGap: a stop open 9:00–10:00 and 11:00–11:30 before a
// noon appointment, 30 minutes from everything, may start from 9:00 to
// 11:00, but not during its closed hour.
func TestSlotWithWindowGap(t *testing.T) {
	h := time.Hour
	half := 30 * time.Minute
	p := Problem{
		Stops: []Stop{
			{},
			{Fixed: true, Service: h, Windows: []Window{{12 * h, 12 * h}}},
			{Value: 10, Service: half, Windows: []Window{{9 * h, 10 * h}, {11 * h, 11*h + half}}},
		},
		Depart: 8 * h, Return: 18 * h,
		Travel: [][]time.Duration{{0, half, half}, {half, 0, half}, {half, half, 0}},
	}
	plan, err := Solve(context.Background(), p, Options{Iterations: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := plan.Routes[0].Visits
	want := []Visit{
		{Stop: 2, Arrival: 8*h + half, Wait: half, Start: 9 * h, End: 9*h + half, Earliest: 9 * h, Latest: 11 * h, Leg: half, Detour: half},
		{Stop: 1, Arrival: 10 * h, Wait: 2 * h, Start: 12 * h, End: 13 * h, Earliest: 12 * h, Latest: 12 * h, Leg: half, Detour: half},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("visits\n got %+v\nwant %+v", got, want)
	}
	if err := simulate(p, []int{2, 1}, 2, 10*h+half); err == nil {
		t.Error("starting stop 2 in its closed hour is feasible, want infeasible")
	}
	if plan.Routes[0].Return != 13*h+half || plan.Routes[0].Travel != 3*half {
		t.Errorf("return %v travel %v, want 13h30m and 1h30m", plan.Routes[0].Return, plan.Routes[0].Travel)
	}
}

func TestFixedAndClosedStops(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 20 {
		p := randomProblem(rng, 60, 1+trial%3)
		plan, err := Solve(context.Background(), p, Options{Iterations: 200, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, p, plan) // fixed stops kept and unmoved, closed stops left out
	}
}

func TestReasons(t *testing.T) {
	h := time.Hour
	p := Problem{
		Stops: []Stop{
			{},
			{Value: 10, Service: h}, // closed
			{Value: 10, Service: h, Windows: []Window{{7 * h, 7*h + 30*time.Minute}}}, // before the day starts
			{Value: 0, Service: h, Windows: []Window{{9 * h, 17 * h}}},                // worthless
			{Value: 10, Service: 4 * h, Windows: []Window{{9 * h, 17 * h}}},
			{Value: 5, Service: 4 * h, Windows: []Window{{9 * h, 17 * h}}}, // no room after the other
		},
		Depart: 8 * h, Return: 16 * h,
	}
	p.Travel = make([][]time.Duration, len(p.Stops))
	for i := range p.Travel {
		p.Travel[i] = make([]time.Duration, len(p.Stops))
	}
	plan, err := Solve(context.Background(), p, Options{Iterations: 50})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]Reason{}
	for _, u := range plan.Unvisited {
		got[u.Stop] = u.Reason
	}
	want := map[int]Reason{1: ReasonClosed, 2: ReasonUnreachable, 3: ReasonNoValue, 5: ReasonNoTime}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reasons = %v, want %v", got, want)
	}
	if plan.Value != 10 {
		t.Errorf("value = %v, want 10", plan.Value)
	}
}

func TestMaxVisits(t *testing.T) {
	p := randomProblem(rand.New(rand.NewPCG(9, 10)), 60, 2)
	free, err := Solve(context.Background(), p, Options{Iterations: 300})
	if err != nil {
		t.Fatal(err)
	}
	optional := func(pl Plan) (n int) {
		for _, v := range pl.Routes[0].Visits {
			if !p.Stops[v.Stop].Fixed {
				n++
			}
		}
		return n
	}
	if optional(free) < 4 {
		t.Fatalf("unbounded plan has %d optional visits; the test needs more than 3", optional(free))
	}
	p.MaxVisits = 3
	bounded, err := Solve(context.Background(), p, Options{Iterations: 300})
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, p, bounded)
	if got := optional(bounded); got != 3 {
		t.Errorf("optional visits = %d, want 3", got)
	}
	limited := 0
	for _, u := range bounded.Unvisited {
		if u.Reason == ReasonLimit {
			limited++
		}
	}
	if limited == 0 {
		t.Errorf("no stop left out for the limit: %+v", bounded.Unvisited)
	}
}

func TestDeterministic(t *testing.T) {
	p := randomProblem(rand.New(rand.NewPCG(5, 6)), 80, 2)
	opt := Options{Iterations: 500, Seed: 42}
	a, err := Solve(context.Background(), p, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Solve(context.Background(), p, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two runs with seed %d differ:\n%+v\n%+v", opt.Seed, a, b)
	}
}

func TestCancellation(t *testing.T) {
	p := randomProblem(rand.New(rand.NewPCG(7, 8)), 300, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	began := time.Now()
	plan, err := Solve(ctx, p, Options{Budget: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// Generous: the machine may be busy; the point is not to run a minute.
	if took := time.Since(began); took > time.Second {
		t.Errorf("Solve took %v after a 50ms cancellation", took)
	}
	checkPlan(t, p, plan)
	if len(plan.Routes[0].Visits) < 3 {
		t.Errorf("cancelled plan has %d visits, want the best found so far", len(plan.Routes[0].Visits))
	}
}

// bruteForce returns the best value over every feasible order of every
// subset of the stops, fixed stops included, by depth-first search.
func bruteForce(p Problem) float64 {
	var fixed int
	for i, s := range p.Stops {
		if s.Fixed && i != p.Start {
			fixed++
		}
	}
	best := -1.0
	var route []int
	var dfs func(value float64, nfixed int)
	dfs = func(value float64, nfixed int) {
		if _, _, err := walk(p, route, -1, 0); err != nil {
			return // a prefix that breaks a window cannot be extended
		}
		if nfixed == fixed && value > best && simulate(p, route, -1, 0) == nil {
			best = value
		}
		for j := range p.Stops {
			if j == p.Start || slices.Contains(route, j) {
				continue
			}
			route = append(route, j)
			f := 0
			if p.Stops[j].Fixed {
				f = 1
			}
			dfs(value+p.Stops[j].Value, nfixed+f)
			route = route[:len(route)-1]
		}
	}
	dfs(0, 0)
	return best
}

func TestOptimalOnSmallInstances(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial := range 200 {
		optional := 3 + trial%6 // 3 to 8
		p := randomProblem(rng, optional, trial%2)
		want := bruteForce(p)
		plan, err := Solve(context.Background(), p, Options{Iterations: 2000, Seed: uint64(trial)})
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, p, plan)
		if plan.Value < want {
			t.Errorf("trial %d (%d optional stops): value %v, optimum %v", trial, optional, plan.Value, want)
		}
	}
}

func TestMultipleRoutes(t *testing.T) {
	p := randomProblem(rand.New(rand.NewPCG(11, 12)), 100, 1)
	one, err := Solve(context.Background(), p, Options{Iterations: 500})
	if err != nil {
		t.Fatal(err)
	}
	p.Routes = 3
	three, err := Solve(context.Background(), p, Options{Iterations: 500})
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, p, three)
	if len(three.Routes) != 3 || three.Value <= one.Value {
		t.Errorf("3 routes: %d routes worth %v, one route worth %v", len(three.Routes), three.Value, one.Value)
	}
}

func TestSchedule(t *testing.T) {
	p := randomProblem(rand.New(rand.NewPCG(13, 14)), 50, 2)
	plan, err := Solve(context.Background(), p, Options{Iterations: 300})
	if err != nil {
		t.Fatal(err)
	}
	route := stops(plan.Routes[0])
	again, err := Schedule(p, [][]int{route})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Routes, plan.Routes) {
		t.Errorf("Schedule of the solved route differs:\n%+v\n%+v", again.Routes, plan.Routes)
	}
	optional, fixed, appointments := -1, -1, 0
	for _, v := range plan.Routes[0].Visits {
		if p.Stops[v.Stop].Fixed {
			fixed = v.Stop
			appointments++
		} else {
			optional = v.Stop
		}
	}
	if optional < 0 || appointments != 2 {
		t.Fatalf("the test needs two appointments and an optional visit, the plan has %v", route)
	}
	reversed := slices.Clone(route)
	slices.Reverse(reversed)
	without := func(x int) []int {
		return slices.DeleteFunc(slices.Clone(route), func(j int) bool { return j == x })
	}
	tests := []struct {
		name   string
		routes [][]int
		want   error
	}{
		{"without an optional stop", [][]int{without(optional)}, nil},
		{"without a fixed stop", [][]int{without(fixed)}, ErrInfeasible},
		{"twice", [][]int{append(slices.Clone(route), route[0])}, ErrInfeasible},
		{"appointments swapped", [][]int{reversed}, ErrInfeasible},
		{"unknown stop", [][]int{{len(p.Stops)}}, ErrInvalid},
		{"too many routes", [][]int{route, {}}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Schedule(p, tt.routes); !errors.Is(err, tt.want) {
				t.Errorf("Schedule = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	valid := func() Problem {
		return Problem{
			Stops:  []Stop{{}, {Value: 1, Windows: []Window{{0, time.Hour}}}},
			Return: time.Hour,
			Travel: [][]time.Duration{{0, 1}, {1, 0}},
		}
	}
	tests := []struct {
		name   string
		change func(*Problem)
		want   error
	}{
		{"valid", func(*Problem) {}, nil},
		{"no stops", func(p *Problem) { p.Stops = nil }, ErrInvalid},
		{"start out of range", func(p *Problem) { p.Start = 2 }, ErrInvalid},
		{"return before departure", func(p *Problem) { p.Depart = 2 * time.Hour }, ErrInvalid},
		{"short matrix", func(p *Problem) { p.Travel = p.Travel[:1] }, ErrInvalid},
		{"ragged matrix", func(p *Problem) { p.Travel[1] = p.Travel[1][:1] }, ErrInvalid},
		{"negative travel", func(p *Problem) { p.Travel[0][1] = -1 }, ErrInvalid},
		{"window backwards", func(p *Problem) { p.Stops[1].Windows[0].Close = -1 }, ErrInvalid},
		{"negative value", func(p *Problem) { p.Stops[1].Value = -1 }, ErrInvalid},
		{"NaN value", func(p *Problem) { p.Stops[1].Value = math.NaN() }, ErrInvalid},
		{"fixed without window", func(p *Problem) { p.Stops[1].Fixed, p.Stops[1].Windows = true, nil }, ErrInvalid},
		{"fixed out of the day", func(p *Problem) {
			p.Stops[1].Fixed, p.Stops[1].Windows = true, []Window{{2 * time.Hour, 2 * time.Hour}}
		}, ErrInfeasible},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.change(&p)
			if _, err := Solve(context.Background(), p, Options{Iterations: 1}); !errors.Is(err, tt.want) {
				t.Errorf("Solve = %v, want %v", err, tt.want)
			}
		})
	}
}

// BenchmarkSolve300 plans a day among 300 candidates around two
// appointments, 1000 iterations a run.
func BenchmarkSolve300(b *testing.B) {
	p := randomProblem(rand.New(rand.NewPCG(15, 16)), 300, 2)
	for b.Loop() {
		if _, err := Solve(context.Background(), p, Options{Iterations: 1000}); err != nil {
			b.Fatal(err)
		}
	}
}
