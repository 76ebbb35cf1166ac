package web

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
	"github.com/tournee/tournee/planner"
)

// The day planner's adapter: it turns accounts, the rep's calendar and the
// spatial index into a planner.Problem, solves it, and turns the plan back
// into accounts and clock times. planner knows nothing of accounts; this is
// the one place that knows both.

// Limits of a day plan: the matrix of one day stays within what a routing
// engine answers (geo.MaxTravelPoints) and a plan within what a rep reads.
const (
	maxCandidates     = 300
	maxAppointments   = 10
	maxSuggestions    = 30
	defaultSuggested  = 8
	defaultMaxDetour  = time.Hour
	maxDetourLimit    = 4 * time.Hour
	maxBudget         = 5 * time.Second
	corridorHits      = 5000 // accounts read from the index before ranking
	maxAlternates     = 30
	defaultAppointDur = time.Hour
)

// span is a part of the day as offsets from local midnight.
type span struct{ from, to time.Duration }

// fixedStop is a mandatory stop: an appointment of the request or a visit
// already in the rep's calendar.
type fixedStop struct {
	accountID  int64 // 0 for a place that is not an account
	activityID int64 // the stored planned visit, 0 for a requested appointment
	label      string
	at         geo.Point
	start, dur time.Duration
}

// dayQuery is one day to plan, validated and with every default applied.
type dayQuery struct {
	rep        accounts.User
	date       accounts.Date
	loc        *time.Location
	midnight   time.Time
	start, end geo.Point
	depart     time.Duration
	ret        time.Duration
	fixed      []fixedStop
	busy       []span // lunch and activities without a place: no visit may overlap them
	maxDetour  time.Duration
	maxVisits  int
	minScore   float64
	filters    []geo.Filter // an account is a candidate if any filter matches
	exclude    map[int64]bool
	opt        planner.Options
	travel     geo.Travel
}

// at is the offset from midnight of a wall-clock time of the day, right on
// days when the clock changes.
func (q *dayQuery) at(c accounts.Clock) time.Duration {
	y, m, d := q.midnight.Date()
	return time.Date(y, m, d, int(c)/60, int(c)%60, 0, 0, q.loc).Sub(q.midnight)
}

// clock is the time of an offset, in the organisation's zone.
func (q *dayQuery) clock(d time.Duration) time.Time { return q.midnight.Add(d) }

// windows are the start times at which a visits of duration service fits
// account a's opening hours, the working day and the free time.
func (q *dayQuery) windows(a accounts.Account, service time.Duration) []planner.Window {
	open := []span{{q.depart, q.ret}}
	if a.OpeningHours.Known() {
		open = open[:0]
		for _, iv := range a.OpeningHours[q.midnight.Weekday()] {
			open = append(open, span{max(q.at(iv.From), q.depart), min(q.at(iv.To), q.ret)})
		}
	}
	for _, b := range q.busy {
		open = minus(open, b)
	}
	var ws []planner.Window
	for _, o := range open {
		if o.to-service >= o.from {
			ws = append(ws, planner.Window{Open: o.from, Close: o.to - service})
		}
	}
	return ws
}

// minus removes cut from each span.
func minus(spans []span, cut span) []span {
	var out []span
	for _, s := range spans {
		if cut.to <= s.from || cut.from >= s.to {
			out = append(out, s)
			continue
		}
		if cut.from > s.from {
			out = append(out, span{s.from, cut.from})
		}
		if cut.to < s.to {
			out = append(out, span{cut.to, s.to})
		}
	}
	return out
}

// candidate is an account the plan may suggest.
type candidate struct {
	hit     geo.Hit
	score   float64
	account accounts.Account
	reason  string // why it is not in the problem, "" if it is
}

// dayResult is a solved day.
type dayResult struct {
	out     dayPlanOut
	visited []int64 // the accounts suggested
	summary planner.Day
}

// Reasons an account is left out, beyond the planner's own.
const (
	reasonOutsideCorridor = "outside_corridor"
	reasonBelowMinScore   = "below_min_score"
	reasonRankedOut       = "ranked_out"
	reasonDeleted         = "deleted" // since the index answered; never shown
)

// planDay plans q: corridor candidates from the index, their accounts and
// windows, a travel matrix, the solve, and the plan in clock times.
func (s *Server) planDay(ctx context.Context, q *dayQuery) (*dayResult, error) {
	travel := q.travel
	baseRoute, err := s.baseRoute(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := q.checkDrives(baseRoute, planner.ErrInfeasible); err != nil {
		return nil, err
	}
	width := s.corridorWidth(q)
	cands, err := s.candidates(q, baseRoute.Geometry, width)
	if err != nil {
		return nil, err
	}
	var considered []*candidate
	for i := range cands {
		if cands[i].reason == "" {
			considered = append(considered, &cands[i])
		}
	}
	if err := s.loadAccounts(ctx, considered); err != nil {
		return nil, err
	}

	// Points: start, end, the fixed stops in time order, the candidates.
	points := []geo.Point{q.start, q.end}
	for _, f := range q.fixed {
		points = append(points, f.at)
	}
	nf := len(q.fixed)
	for _, c := range considered {
		points = append(points, c.account.Point)
	}
	m, err := travel.Matrix(ctx, points)
	if err != nil {
		return nil, err
	}
	// The detour of a candidate is what it adds to the cheapest leg of the
	// base route it can sit on; past the budget it is outside the corridor.
	baseSeq := []int{0}
	for i := range nf {
		baseSeq = append(baseSeq, 2+i)
	}
	baseSeq = append(baseSeq, 1)
	keep := []int{0, 1}
	for i := range nf {
		keep = append(keep, 2+i)
	}
	byStop := map[int]*candidate{}
	for k, c := range considered {
		pi := 2 + nf + k
		detour := time.Duration(math.MaxInt64)
		for j := 1; j < len(baseSeq); j++ {
			a, b := baseSeq[j-1], baseSeq[j]
			detour = min(detour, m.Durations[a][pi]+m.Durations[pi][b]-m.Durations[a][b])
		}
		if detour > q.maxDetour {
			c.reason = reasonOutsideCorridor
			continue
		}
		byStop[len(keep)] = c
		keep = append(keep, pi)
	}

	p := planner.Problem{Start: 0, End: 1, Depart: q.depart, Return: q.ret, MaxVisits: q.maxVisits}
	p.Travel = make([][]time.Duration, len(keep))
	p.DistanceM = make([][]float64, len(keep))
	for i, pi := range keep {
		p.Travel[i] = make([]time.Duration, len(keep))
		p.DistanceM[i] = make([]float64, len(keep))
		for j, pj := range keep {
			p.Travel[i][j], p.DistanceM[i][j] = m.Durations[pi][pj], m.DistancesM[pi][pj]
		}
		switch {
		case i < 2:
			p.Stops = append(p.Stops, planner.Stop{})
		case i < 2+nf:
			f := q.fixed[i-2]
			p.Stops = append(p.Stops, planner.Stop{Service: f.dur, Windows: []planner.Window{{Open: f.start, Close: f.start}}, Fixed: true})
		default:
			c := byStop[i]
			p.Stops = append(p.Stops, planner.Stop{Value: c.score, Service: c.account.VisitDuration,
				Windows: q.windows(c.account, c.account.VisitDuration)})
		}
	}
	plan, err := planner.Solve(ctx, p, q.opt)
	if err != nil {
		return nil, err
	}
	for _, u := range plan.Unvisited {
		if c := byStop[u.Stop]; c != nil {
			c.reason = u.Reason.String()
		}
	}

	res := &dayResult{}
	rt := plan.Routes[0]
	route := []geo.Point{q.start}
	stopAt := func(i int) geo.Point { return points[keep[i]] }
	out := dayPlanOut{
		RepID: q.rep.ID, Date: q.date, TimeZone: q.loc.String(),
		Stops: []stopOut{{Type: "start", Lat: q.start.Lat, Lng: q.start.Lng,
			Arrival: q.clock(rt.Depart), Start: q.clock(rt.Depart), End: q.clock(rt.Depart)}},
		Corridor: corridorOut{WidthM: math.Round(width), Found: len(cands), Considered: len(keep) - 2 - nf},
	}
	seq := append(append([]int{0}, stops(rt)...), 1)
	for k, v := range rt.Visits {
		at := stopAt(v.Stop)
		route = append(route, at)
		so := stopOut{Lat: at.Lat, Lng: at.Lng,
			Arrival: q.clock(v.Arrival), WaitS: seconds(v.Wait), Start: q.clock(v.Start), End: q.clock(v.End),
			LegS: seconds(v.Leg), LegM: math.Round(v.LegM)}
		if v.Stop < 2+nf {
			f := q.fixed[v.Stop-2]
			so.Type, so.Name = "appointment", f.label
			so.AccountID, so.ActivityID = optID(f.accountID), optID(f.activityID)
		} else {
			c := byStop[v.Stop]
			prev, next := seq[k], seq[k+2]
			so.Type, so.Name, so.AccountID = "suggestion", c.account.Name, &c.account.ID
			so.Slot = &slotOut{Earliest: q.clock(v.Earliest), Latest: q.clock(v.Latest)}
			detourM := p.DistanceM[prev][v.Stop] + p.DistanceM[v.Stop][next] - p.DistanceM[prev][next]
			so.DetourS, so.DetourM = ptr(seconds(v.Detour)), ptr(math.Round(detourM))
			so.Why = s.why(c)
			res.visited = append(res.visited, c.account.ID)
		}
		out.Stops = append(out.Stops, so)
	}
	route = append(route, q.end)
	last := seq[len(seq)-2]
	out.Stops = append(out.Stops, stopOut{Type: "end", Lat: q.end.Lat, Lng: q.end.Lng,
		Arrival: q.clock(rt.Return), Start: q.clock(rt.Return), End: q.clock(rt.Return),
		LegS: seconds(p.Travel[last][1]), LegM: math.Round(p.DistanceM[last][1])})
	full, err := travel.Route(ctx, route)
	if err != nil {
		return nil, err
	}
	out.Geometry = full.Geometry
	out.Totals = totalsOut{
		DistanceM: math.Round(rt.DistanceM), DrivingS: seconds(rt.Travel), WorkingS: seconds(rt.Return - rt.Depart),
		CostCents: int64(math.Round(rt.DistanceM / 1000 * float64(q.rep.CostPerKmCents))),
		Value:     math.Round(rt.Value*10) / 10, Suggestions: len(res.visited),
		BaseDistanceM: math.Round(baseRoute.DistanceM), BaseDrivingS: seconds(baseRoute.Duration),
	}
	out.Totals.ExtraDistanceM = out.Totals.DistanceM - out.Totals.BaseDistanceM
	out.Totals.ExtraDrivingS = out.Totals.DrivingS - out.Totals.BaseDrivingS
	if out.Alternates, err = s.alternates(ctx, cands); err != nil {
		return nil, err
	}
	res.out = out
	res.summary = planner.Day{DistanceM: rt.DistanceM, Driving: rt.Travel, Working: rt.Return - rt.Depart,
		Value: rt.Value, Visits: len(res.visited)}
	return res, nil
}

// corridorWidth is how far from the base route an account can lie and
// still be reached within the detour budget, by the straight-line model:
// there and back at the rep's speed, the detour factor applied, plus one
// stop overhead. The travel matrix then checks each account exactly.
func (s *Server) corridorWidth(q *dayQuery) float64 {
	speed := q.rep.SpeedKmh
	if speed <= 0 {
		speed = geo.DefaultSpeedKmh
	}
	drive := max(q.maxDetour-geo.DefaultStopOverhead, 0)
	w := drive.Hours() * speed * 1000 / (2 * geo.DefaultDetour)
	return min(max(w, 1000), geo.MaxWidthM)
}

// candidates reads the accounts in the corridor that match a filter,
// ranked by score, and marks those below the minimum score or past the
// candidate limit.
func (s *Server) candidates(q *dayQuery, route geo.Polyline, width float64) ([]candidate, error) {
	ix := s.svc.Places.Index()
	seen := map[int64]bool{}
	for id := range q.exclude {
		seen[id] = true
	}
	for _, f := range q.fixed {
		seen[f.accountID] = true
	}
	var out []candidate
	for _, f := range q.filters {
		hits, err := ix.AlongRoute(route, width, f, corridorHits)
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			e, ok := ix.Get(h.ID)
			if seen[h.ID] || !ok {
				continue
			}
			seen[h.ID] = true
			out = append(out, candidate{hit: h, score: float64(e.Score)})
		}
	}
	slices.SortFunc(out, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.hit.ID, b.hit.ID))
	})
	kept := 0
	for i := range out {
		switch {
		case out[i].score < q.minScore:
			out[i].reason = reasonBelowMinScore
		case kept == maxCandidates:
			out[i].reason = reasonRankedOut
		default:
			kept++
		}
	}
	return out, nil
}

// loadAccounts reads the account of each candidate, in chunks the store
// takes at once.
func (s *Server) loadAccounts(ctx context.Context, cs []*candidate) error {
	for from := 0; from < len(cs); from += accounts.MaxAccountsByID {
		chunk := cs[from:min(from+accounts.MaxAccountsByID, len(cs))]
		ids := make([]int64, len(chunk))
		for i, c := range chunk {
			ids[i] = c.hit.ID
		}
		as, err := s.svc.AccountsByID(ctx, ids)
		if err != nil {
			return err
		}
		byID := make(map[int64]accounts.Account, len(as))
		for _, a := range as {
			byID[a.ID] = a
		}
		for i := range chunk {
			// An account deleted since the index answered is simply not
			// planned; the index is about to drop it too.
			a, ok := byID[chunk[i].hit.ID]
			if !ok {
				chunk[i].reason = reasonDeleted
			}
			chunk[i].account = a
		}
	}
	return nil
}

// alternates are the best accounts left out, with the reason.
func (s *Server) alternates(ctx context.Context, cs []candidate) ([]alternateOut, error) {
	var left, unread []*candidate
	for i := range cs {
		c := &cs[i]
		if c.reason == "" || c.reason == reasonDeleted {
			continue
		}
		if len(left) == maxAlternates {
			break
		}
		left = append(left, c)
		if c.account.ID == 0 {
			unread = append(unread, c)
		}
	}
	if err := s.loadAccounts(ctx, unread); err != nil {
		return nil, err
	}
	out := []alternateOut{}
	for _, c := range left {
		out = append(out, alternateOut{AccountID: c.hit.ID, Name: c.account.Name, Score: round1(c.score), Reason: c.reason,
			DistanceM: math.Round(c.hit.DistanceM)})
	}
	return out, nil
}

// why explains a suggestion by the parts of its score: the potential in
// k€ a month, what the overdue visit adds, and what each matching rule adds.
func (s *Server) why(c *candidate) *whyOut {
	_, parts := s.scoreParts(c.account)
	return &whyOut{Score: round1(c.score), Kind: c.account.Kind, PotentialCents: c.account.PotentialCents,
		Parts: parts, LastVisitAt: c.account.LastVisitAt, DistanceToRouteM: math.Round(c.hit.DistanceM)}
}

func stops(rt planner.Route) []int {
	out := make([]int, len(rt.Visits))
	for i, v := range rt.Visits {
		out[i] = v.Stop
	}
	return out
}

func seconds(d time.Duration) int64 { return int64(math.Round(d.Seconds())) }

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func ptr[T any](v T) *T { return &v }

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
