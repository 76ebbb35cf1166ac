package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
	"github.com/tournee/tournee/planner"
)

// maxTripDays bounds a trip: three days of planning stay within a second or two.
const maxTripDays = 3

type (
	tripOut struct {
		Options []tripOptionOut `json:"options"`
		// Recommended indexes Options, -1 when no option is possible.
		Recommended int    `json:"recommended"`
		Why         string `json:"why"`
	}
	tripOptionOut struct {
		Days   int `json:"days"`
		Nights int `json:"nights"`
		// Infeasible says why the option cannot be done; Plans then holds
		// the days planned before the one that failed.
		Infeasible     string       `json:"infeasible,omitempty"`
		Plans          []dayPlanOut `json:"plans"`
		Costing        costingOut   `json:"costing"`
		TooMuchDriving bool         `json:"too_much_driving"`
	}
	costingOut struct {
		planner.Costing
		DrivingS int64 `json:"driving_s"`
		WorkingS int64 `json:"working_s"`
	}
)

// planTripHandler answers POST /api/v1/plans/trip: each way of making the
// trip, from driving back the same day to max_days days, planned and
// priced, and the one to take.
func (s *Server) planTripHandler(c *gin.Context) error {
	var r tripRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	ctx := c.Request.Context()
	vis, err := s.planScope(c, &r.dayRequest)
	if err != nil {
		return err
	}
	q, err := s.dayQuery(ctx, &r.dayRequest, vis)
	if err != nil {
		return err
	}
	if len(r.Appointments) == 0 {
		return &accounts.FieldError{Field: "appointments", Message: "appointments: a trip is planned around at least one appointment"}
	}
	days := r.MaxDays
	if days == 0 {
		days = 2
	}
	if days < 1 || days > maxTripDays {
		return &accounts.FieldError{Field: "max_days", Message: fmt.Sprintf("max_days must be between 1 and %d", maxTripDays)}
	}
	tariff, err := s.tariff(&r, q.rep)
	if err != nil {
		return err
	}
	// The night is spent where the last appointment is; on a longer trip
	// the next nights step back towards the end along the straight way.
	far := r.Appointments[len(r.Appointments)-1]
	farAt := q.fixed[len(q.fixed)-1].at
	for _, f := range q.fixed {
		if f.start == q.at(far.Start) {
			farAt = f.at
		}
	}
	lang := languageOf(c)
	out := tripOut{}
	var opts []planner.Option
	for k := 1; k <= days; k++ {
		opt, o, err := s.tripOption(ctx, r.dayRequest, q, k, farAt, tariff, vis, lang)
		if err != nil {
			return err
		}
		opts = append(opts, opt)
		out.Options = append(out.Options, o)
	}
	out.Recommended, out.Why = tariff.Recommend(lang.planner(), opts)
	c.JSON(http.StatusOK, out)
	return nil
}

// tariff is the organisation's tariff with the request's overrides and the
// rep's rate per km.
func (s *Server) tariff(r *tripRequest, rep accounts.User) (planner.Tariff, error) {
	t := s.cfg.Planning.Tariff
	t.PerKmCents = rep.CostPerKmCents
	for _, o := range []struct {
		field string
		v     *int64
		dst   *int64
	}{{"hotel_cents", r.HotelCents, &t.HotelCents}, {"per_diem_cents", r.PerDiemCents, &t.PerDiemCents},
		{"value_per_point_cents", r.ValuePerPointCents, &t.ValuePerPointCents}} {
		if o.v == nil {
			continue
		}
		if *o.v < 0 {
			return t, &accounts.FieldError{Field: o.field, Message: o.field + " must not be negative"}
		}
		*o.dst = *o.v
	}
	if r.MaxDrivingS != 0 {
		if r.MaxDrivingS < 0 || r.MaxDrivingS > 24*3600 {
			return t, &accounts.FieldError{Field: "max_driving_s", Message: "max_driving_s must be between 1 and 86400"}
		}
		t.MaxDriving = time.Duration(r.MaxDrivingS) * time.Second
	}
	return t, nil
}

// tripOption plans the trip over k days: the appointments on the first,
// each later day starting where the previous one ended, no account
// suggested twice; why an option is infeasible is said in lang.
func (s *Server) tripOption(ctx context.Context, r dayRequest, first *dayQuery, k int, far geo.Point, t planner.Tariff, vis *geo.Visibility, lang language) (planner.Option, tripOptionOut, error) {
	home := first.end
	stays := make([]geo.Point, k-1)
	for d := range stays {
		stays[d] = between(far, home, float64(d)/float64(k-1))
	}
	var opt planner.Option
	out := tripOptionOut{Days: k, Nights: k - 1, Plans: []dayPlanOut{}}
	visited := map[int64]bool{}
	for d := range k {
		dr := r
		dr.Date = accounts.DateOf(first.midnight.AddDate(0, 0, d))
		if d > 0 {
			dr.Appointments, dr.Start = nil, &stays[d-1]
		}
		if d < k-1 {
			dr.End = &stays[d]
		}
		q, err := s.dayQuery(ctx, &dr, vis)
		if err != nil {
			return opt, out, err
		}
		if d > 0 && len(q.rep.WorkDays) > 0 && !slices.Contains(q.rep.WorkDays, q.midnight.Weekday()) {
			opt.Infeasible = lang.notWorkingDay(q.midnight.Weekday())
			break
		}
		maps(q.exclude, visited)
		res, err := s.planDay(ctx, q)
		if errors.Is(err, planner.ErrInfeasible) {
			opt.Infeasible = lang.dayFailed(d+1, string(dr.Date), userMessage(err))
			break
		}
		if err != nil {
			return opt, out, err
		}
		for _, id := range res.visited {
			visited[id] = true
		}
		opt.Days = append(opt.Days, res.summary)
		out.Plans = append(out.Plans, res.out)
	}
	if opt.Infeasible != "" {
		// Priced as if it were done, for comparison; it is never recommended.
		opt.Days = append(opt.Days, make([]planner.Day, k-len(opt.Days))...)
	}
	out.Infeasible = opt.Infeasible
	c := t.Cost(opt)
	out.Costing = costingOut{Costing: c, DrivingS: seconds(c.Driving), WorkingS: seconds(c.Working)}
	out.Costing.DistanceM, out.Costing.Value = math.Round(c.DistanceM), round1(c.Value)
	out.TooMuchDriving = c.TooMuchDriving > 0
	return opt, out, nil
}

// maps copies src's keys into dst.
func maps(dst, src map[int64]bool) {
	for k := range src {
		dst[k] = true
	}
}

// between is the point at fraction f of the straight way from p to q, in
// degrees: the places where a trip may stop for the night are rough anyway.
func between(p, q geo.Point, f float64) geo.Point {
	return geo.Point{Lat: p.Lat + (q.Lat-p.Lat)*f, Lng: p.Lng + (q.Lng-p.Lng)*f}
}

// bookHandler answers POST /api/v1/plans/book: it creates planned visits at
// the chosen times, all or none, after checking that they still fit the
// rep's day (409 if an activity appeared meanwhile or the drive between two
// stops no longer fits).
func (s *Server) bookHandler(c *gin.Context) error {
	var r bookRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	ctx := c.Request.Context()
	if r.RepID > 0 {
		if err := s.seeUser(c, r.RepID); err != nil {
			return err
		}
	}
	q, err := s.contextQuery(ctx, &r.dayContext)
	if err != nil {
		return err
	}
	if len(r.Visits) == 0 || len(r.Visits) > accounts.MaxBooking {
		return &accounts.FieldError{Field: "visits", Message: fmt.Sprintf("visits must hold between 1 and %d visits", accounts.MaxBooking)}
	}
	lang := languageOf(c)
	acts := make([]accounts.Activity, len(r.Visits))
	for i, v := range r.Visits {
		field := fmt.Sprintf("visits[%d].", i)
		if err := s.seeAccountID(c, v.AccountID, false); err != nil && !errors.Is(err, accounts.ErrNotFound) {
			return err
		} else if err != nil {
			return &accounts.FieldError{Field: field + "account_id", Message: fmt.Sprintf("%saccount_id %d does not exist", field, v.AccountID)}
		}
		f, err := s.appointment(ctx, q, field, appointment{AccountID: &v.AccountID, Start: v.Start, DurationS: v.DurationS})
		if err != nil {
			return err
		}
		if f.activityID != 0 {
			return fmt.Errorf("%w: %s%s is already booked at %s", accounts.ErrConflict, field, f.label, v.Start)
		}
		acc, err := s.svc.GetAccount(ctx, f.accountID)
		if err != nil {
			return err
		}
		if !fits(q.windows(acc, f.dur), f.start) {
			return fmt.Errorf("%w: %s%s cannot be visited at %s for %d min (opening hours, working hours or another activity)",
				accounts.ErrConflict, field, acc.Name, v.Start, int(f.dur.Minutes()))
		}
		q.fixed = append(q.fixed, f)
		acts[i] = accounts.Activity{Type: accounts.ActivityVisit, AccountID: &acc.ID, OwnerID: &q.rep.ID,
			Start: q.clock(f.start), End: q.clock(f.start + f.dur), Subject: lang.visitSubject(acc.Name)}
	}
	route, err := s.baseRoute(ctx, q)
	if err != nil {
		return err
	}
	if err := q.checkDrives(route, accounts.ErrConflict); err != nil {
		return err
	}
	booked, err := s.svc.BookActivities(ctx, acts)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, list[accounts.Activity]{Items: booked})
	return nil
}

// fits reports whether a visit may start at t.
func fits(ws []planner.Window, t time.Duration) bool {
	for _, w := range ws {
		if t >= w.Open && t <= w.Close {
			return true
		}
	}
	return false
}

// checkDrives checks that the fixed stops of q, in time order, leave the
// time to drive from each to the next, from the start and to the end; route
// is the road through them. The error wraps sentinel and names the stop
// that cannot be reached.
func (q *dayQuery) checkDrives(route geo.Route, sentinel error) error {
	free, from := q.depart, "leaving at "+q.clock(q.depart).Format("15:04")
	for i, f := range q.fixed {
		leg := route.Legs[i].Duration
		if free+leg > f.start {
			return fmt.Errorf("%w: %s at %s cannot be reached %s (%s of driving)", sentinel,
				f.label, q.clock(f.start).Format("15:04"), from, planner.Hours(leg))
		}
		free, from = f.start+f.dur, "after "+f.label
	}
	if last := route.Legs[len(route.Legs)-1].Duration; free+last > q.ret {
		return fmt.Errorf("%w: %s the day cannot end by %s (%s of driving)", sentinel,
			from, q.clock(q.ret).Format("15:04"), planner.Hours(last))
	}
	return nil
}

// baseRoute is the road from the start through the fixed stops, in time
// order, to the end.
func (s *Server) baseRoute(ctx context.Context, q *dayQuery) (geo.Route, error) {
	slices.SortStableFunc(q.fixed, func(a, b fixedStop) int { return int(a.start - b.start) })
	points := []geo.Point{q.start}
	for _, f := range q.fixed {
		points = append(points, f.at)
	}
	return q.travel.Route(ctx, append(points, q.end))
}

type (
	ledgerOut struct {
		UserID           int64          `json:"user_id"`
		Month            accounts.Month `json:"month"`
		CostPerKmCents   int64          `json:"cost_per_km_cents"`
		Days             []ledgerDayOut `json:"days"`
		Visits           int            `json:"visits"`
		DoneVisits       int            `json:"done_visits"`
		DistanceM        float64        `json:"distance_m"`
		PlannedDistanceM float64        `json:"planned_distance_m"`
		DoneDistanceM    float64        `json:"done_distance_m"`
		CostCents        int64          `json:"cost_cents"`
	}
	ledgerDayOut struct {
		Date   accounts.Date `json:"date"`
		Visits int           `json:"visits"`
		Done   int           `json:"done"`
		// Status is planned (no visit done yet), done or mixed.
		Status    string  `json:"status"`
		DistanceM float64 `json:"distance_m"`
		// RecordedM is the part of DistanceM that done visits recorded
		// (travelled_m); the rest is estimated by the travel provider.
		RecordedM float64 `json:"recorded_m"`
		CostCents int64   `json:"cost_cents"`
	}
)

// travelLedger answers GET /api/v1/users/{id}/travel?month=: the km and
// cost of each day of the month on which the user has visits, from home
// through the visits in time order and back.
func (s *Server) travelLedger(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q := newQuery(c)
	month := accounts.Month(q.raw("month"))
	if err := q.err(); err != nil {
		return err
	}
	ctx := c.Request.Context()
	loc := s.cfg.Planning.TimeZone
	if month == "" {
		month = accounts.MonthOf(time.Now().In(loc))
	}
	m, err := month.Time()
	if err != nil {
		return &accounts.FieldError{Field: "month", Message: "month must be a month YYYY-MM"}
	}
	if err := s.seeUser(c, id); err != nil {
		return err
	}
	user, err := s.svc.GetUser(ctx, id)
	if err != nil {
		return err
	}
	from := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc)
	visits, err := s.visitsBetween(ctx, id, from, from.AddDate(0, 1, 0))
	if err != nil {
		return err
	}
	out := ledgerOut{UserID: id, Month: month, CostPerKmCents: user.CostPerKmCents, Days: []ledgerDayOut{}}
	for len(visits) > 0 {
		date := accounts.DateOf(visits[0].act.Start.In(loc))
		n := 1
		for n < len(visits) && accounts.DateOf(visits[n].act.Start.In(loc)) == date {
			n++
		}
		day, err := s.ledgerDay(ctx, user, date, visits[:n])
		if err != nil {
			return err
		}
		visits = visits[n:]
		out.Days = append(out.Days, day)
		out.Visits += day.Visits
		out.DoneVisits += day.Done
		out.DistanceM += day.DistanceM
		out.CostCents += day.CostCents
		if day.Status == "planned" {
			out.PlannedDistanceM += day.DistanceM
		} else {
			out.DoneDistanceM += day.DistanceM
		}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

type visitAt struct {
	act accounts.Activity
	at  geo.Point
}

// visitsBetween returns the user's visits of accounts starting in
// [from, to), in time order, with the place of each.
func (s *Server) visitsBetween(ctx context.Context, userID int64, from, to time.Time) ([]visitAt, error) {
	f := accounts.ActivityFilter{OwnerID: userID, Type: accounts.ActivityVisit, StartFrom: from, StartBefore: to,
		Page: accounts.Page{Limit: 1000}}
	var out []visitAt
	for {
		page, err := s.svc.ListActivities(ctx, f)
		if err != nil {
			return nil, err
		}
		var ids []int64
		var acts []accounts.Activity
		for _, a := range page {
			if a.AccountID != nil {
				ids = append(ids, *a.AccountID)
				acts = append(acts, a)
			}
		}
		if len(ids) > 0 {
			as, err := s.svc.AccountsByID(ctx, ids)
			if err != nil {
				return nil, err
			}
			for i, a := range as {
				out = append(out, visitAt{acts[i], a.Point})
			}
		}
		if len(page) < f.Limit {
			break
		}
		f.After = page[len(page)-1].ID
	}
	slices.SortFunc(out, func(a, b visitAt) int { return a.act.Start.Compare(b.act.Start) })
	return out, nil
}

// ledgerDay costs one day: each leg to a done visit that recorded its
// travelled metres counts those, every other leg (and the way home) is
// estimated.
func (s *Server) ledgerDay(ctx context.Context, user accounts.User, date accounts.Date, vs []visitAt) (ledgerDayOut, error) {
	points := []geo.Point{user.Home}
	for _, v := range vs {
		points = append(points, v.at)
	}
	points = append(points, user.Home)
	route, err := s.travelFor(user).Route(ctx, points)
	if err != nil {
		return ledgerDayOut{}, err
	}
	d := ledgerDayOut{Date: date, Visits: len(vs)}
	for i, leg := range route.Legs {
		if i < len(vs) && vs[i].act.Done && vs[i].act.TravelledM > 0 {
			d.RecordedM += float64(vs[i].act.TravelledM)
			d.DistanceM += float64(vs[i].act.TravelledM)
			continue
		}
		d.DistanceM += leg.DistanceM
	}
	for _, v := range vs {
		if v.act.Done {
			d.Done++
		}
	}
	switch d.Done {
	case 0:
		d.Status = "planned"
	case d.Visits:
		d.Status = "done"
	default:
		d.Status = "mixed"
	}
	d.DistanceM = math.Round(d.DistanceM)
	d.CostCents = int64(math.Round(d.DistanceM / 1000 * float64(user.CostPerKmCents)))
	return d, nil
}
