package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
	"github.com/tournee/tournee/planner"
)

// Planning holds the organisation's planning settings.
type Planning struct {
	// TimeZone of opening hours, working hours and plan times; nil means
	// Europe/Paris.
	TimeZone *time.Location
	// Travel gives driving times; nil means geo.StraightLine{}.
	Travel geo.Travel
	// Tariff prices trips; its PerKmCents is ignored (each rep has a rate).
	Tariff planner.Tariff
	// Budget is the solver's time per planned day when a request sets none.
	Budget time.Duration
}

// Defaults of Planning.
const (
	DefaultHotelCents         = 9_000
	DefaultPerDiemCents       = 2_500
	DefaultValuePerPointCents = 2_000
	DefaultMaxDriving         = 9 * time.Hour
	DefaultPlanBudget         = 150 * time.Millisecond
)

func (p *Planning) defaults() {
	if p.TimeZone == nil {
		// accounts embeds the zone database (time/tzdata), so this cannot fail.
		loc, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			panic(err)
		}
		p.TimeZone = loc
	}
	if p.Travel == nil {
		p.Travel = geo.StraightLine{}
	}
	t := &p.Tariff
	if t.HotelCents == 0 && t.PerDiemCents == 0 && t.ValuePerPointCents == 0 {
		t.HotelCents, t.PerDiemCents, t.ValuePerPointCents = DefaultHotelCents, DefaultPerDiemCents, DefaultValuePerPointCents
	}
	if t.MaxDriving == 0 {
		t.MaxDriving = DefaultMaxDriving
	}
	if p.Budget <= 0 {
		p.Budget = DefaultPlanBudget
	}
}

// travelFor is the travel provider for user: the straight-line model
// drives at the user's own speed; a road engine knows better.
func (s *Server) travelFor(u accounts.User) geo.Travel {
	if sl, ok := s.cfg.Planning.Travel.(geo.StraightLine); ok && u.SpeedKmh > 0 {
		sl.SpeedKmh = u.SpeedKmh
		return sl
	}
	return s.cfg.Planning.Travel
}

// dayContext is what every planning request says of the day.
type dayContext struct {
	RepID     int64           `json:"rep_id"`
	Date      accounts.Date   `json:"date"`
	Start     *geo.Point      `json:"start,omitempty"`
	End       *geo.Point      `json:"end,omitempty"`
	WorkStart *accounts.Clock `json:"work_start,omitempty"`
	WorkEnd   *accounts.Clock `json:"work_end,omitempty"`
	// Lunch is a span in which no visit takes place (driving may).
	Lunch *accounts.Interval `json:"lunch,omitempty"`
}

// appointment is a fixed stop of a request: an account or a place.
type appointment struct {
	AccountID *int64         `json:"account_id,omitempty"`
	Location  *geo.Point     `json:"location,omitempty"`
	Label     string         `json:"label,omitempty"`
	Start     accounts.Clock `json:"start"`
	DurationS int64          `json:"duration_s,omitempty"`
}

// dayRequest is the body of POST /api/v1/plans/day.
type dayRequest struct {
	dayContext
	Appointments   []appointment         `json:"appointments"`
	MaxDetourS     int64                 `json:"max_detour_s,omitempty"`
	MaxSuggestions int                   `json:"max_suggestions,omitempty"`
	MinScore       float64               `json:"min_score,omitempty"`
	Filter         *accounts.PlaceFilter `json:"filter,omitempty"`
	BudgetMS       int                   `json:"budget_ms,omitempty"`
	Seed           uint64                `json:"seed,omitempty"`
}

// tripRequest is the body of POST /api/v1/plans/trip.
type tripRequest struct {
	dayRequest
	MaxDays            int    `json:"max_days,omitempty"`
	MaxDrivingS        int64  `json:"max_driving_s,omitempty"`
	HotelCents         *int64 `json:"hotel_cents,omitempty"`
	PerDiemCents       *int64 `json:"per_diem_cents,omitempty"`
	ValuePerPointCents *int64 `json:"value_per_point_cents,omitempty"`
}

// bookRequest is the body of POST /api/v1/plans/book.
type bookRequest struct {
	dayContext
	Visits []bookVisit `json:"visits"`
}

type bookVisit struct {
	AccountID int64          `json:"account_id"`
	Start     accounts.Clock `json:"start"`
	DurationS int64          `json:"duration_s,omitempty"`
}

// Responses.
type (
	dayPlanOut struct {
		RepID      int64          `json:"rep_id"`
		Date       accounts.Date  `json:"date"`
		TimeZone   string         `json:"time_zone"`
		Stops      []stopOut      `json:"stops"`
		Geometry   geo.Polyline   `json:"geometry"`
		Totals     totalsOut      `json:"totals"`
		Alternates []alternateOut `json:"alternates"`
		Corridor   corridorOut    `json:"corridor"`
	}
	stopOut struct {
		// Type is start, appointment, suggestion or end.
		Type       string    `json:"type"`
		AccountID  *int64    `json:"account_id,omitempty"`
		ActivityID *int64    `json:"activity_id,omitempty"`
		Name       string    `json:"name,omitempty"`
		Lat        float64   `json:"lat"`
		Lng        float64   `json:"lng"`
		Arrival    time.Time `json:"arrival"`
		WaitS      int64     `json:"wait_s"`
		Start      time.Time `json:"start"`
		End        time.Time `json:"end"`
		LegS       int64     `json:"leg_s"`
		LegM       float64   `json:"leg_m"`
		Slot       *slotOut  `json:"slot,omitempty"`
		DetourS    *int64    `json:"detour_s,omitempty"`
		DetourM    *float64  `json:"detour_m,omitempty"`
		Why        *whyOut   `json:"why,omitempty"`
	}
	// slotOut is the bookable slot: any start from Earliest to Latest that
	// lies in the account's opening hours keeps the rest of the plan.
	slotOut struct {
		Earliest time.Time `json:"earliest"`
		Latest   time.Time `json:"latest"`
	}
	whyOut struct {
		Score            float64       `json:"score"`
		Parts            []scorePart   `json:"parts"`
		Kind             accounts.Kind `json:"kind"`
		PotentialCents   int64         `json:"potential_cents"`
		LastVisitAt      *time.Time    `json:"last_visit_at"`
		DistanceToRouteM float64       `json:"distance_to_route_m"`
	}
	// scorePart is one part of a score: potential, overdue, or rule (with
	// the rule's id, name and whether it adds or sets).
	scorePart struct {
		Source string  `json:"source"`
		RuleID int64   `json:"rule_id,omitempty"`
		Rule   string  `json:"rule,omitempty"`
		Mode   string  `json:"mode,omitempty"`
		Value  float64 `json:"value"`
	}
	totalsOut struct {
		DistanceM      float64 `json:"distance_m"`
		DrivingS       int64   `json:"driving_s"`
		WorkingS       int64   `json:"working_s"`
		CostCents      int64   `json:"cost_cents"`
		Value          float64 `json:"value"`
		Suggestions    int     `json:"suggestions"`
		BaseDistanceM  float64 `json:"base_distance_m"`
		BaseDrivingS   int64   `json:"base_driving_s"`
		ExtraDistanceM float64 `json:"extra_distance_m"`
		ExtraDrivingS  int64   `json:"extra_driving_s"`
	}
	alternateOut struct {
		AccountID int64   `json:"account_id"`
		Name      string  `json:"name"`
		Score     float64 `json:"score"`
		// Reason is closed, unreachable, no_value, no_time, limit,
		// outside_corridor, below_min_score or ranked_out.
		Reason    string  `json:"reason"`
		DistanceM float64 `json:"distance_m"`
	}
	corridorOut struct {
		WidthM     float64 `json:"width_m"`
		Found      int     `json:"found"`
		Considered int     `json:"considered"`
	}
)

// planDayHandler answers POST /api/v1/plans/day.
func (s *Server) planDayHandler(c *gin.Context) error {
	var r dayRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	ctx := c.Request.Context()
	vis, err := s.planScope(c, &r)
	if err != nil {
		return err
	}
	q, err := s.dayQuery(ctx, &r, vis)
	if err != nil {
		return err
	}
	res, err := s.planDay(ctx, q)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, res.out)
	return nil
}

// dayQuery validates r and applies the defaults: the rep's home and
// working hours, the rep's own accounts and unassigned prospects.
// planScope checks that the signed-in user may plan for the rep and with
// the appointments' accounts, and returns what the candidates may be.
func (s *Server) planScope(c *gin.Context, r *dayRequest) (*geo.Visibility, error) {
	if r.RepID > 0 {
		if err := s.seeUser(c, r.RepID); err != nil {
			return nil, err
		}
	}
	for i, a := range r.Appointments {
		if a.AccountID == nil {
			continue
		}
		if err := s.seeAccountID(c, *a.AccountID, false); err != nil {
			if errors.Is(err, accounts.ErrNotFound) {
				field := fmt.Sprintf("appointments[%d].account_id", i)
				return nil, &accounts.FieldError{Field: field, Message: fmt.Sprintf("%s %d does not exist", field, *a.AccountID)}
			}
			return nil, err
		}
	}
	return s.visibleGeo(c)
}

// dayQuery validates r and applies the defaults; vis bounds the candidates
// to what the signed-in user may see.
func (s *Server) dayQuery(ctx context.Context, r *dayRequest, vis *geo.Visibility) (*dayQuery, error) {
	q, err := s.contextQuery(ctx, &r.dayContext)
	if err != nil {
		return nil, err
	}
	if len(r.Appointments) > maxAppointments {
		return nil, &accounts.FieldError{Field: "appointments", Message: fmt.Sprintf("at most %d appointments", maxAppointments)}
	}
	for i, a := range r.Appointments {
		f, err := s.appointment(ctx, q, fmt.Sprintf("appointments[%d].", i), a)
		if err != nil {
			return nil, err
		}
		q.fixed = append(q.fixed, f)
	}
	slices.SortStableFunc(q.fixed, func(a, b fixedStop) int { return int(a.start - b.start) })
	q.maxDetour = defaultMaxDetour
	if r.MaxDetourS != 0 {
		q.maxDetour = time.Duration(r.MaxDetourS) * time.Second
	}
	q.maxVisits = defaultSuggested
	if r.MaxSuggestions != 0 {
		q.maxVisits = r.MaxSuggestions
	}
	q.minScore = r.MinScore
	q.opt = planner.Options{Budget: s.cfg.Planning.Budget, Seed: r.Seed}
	if r.BudgetMS != 0 {
		q.opt.Budget = time.Duration(r.BudgetMS) * time.Millisecond
	}
	switch {
	case q.maxDetour < 0 || q.maxDetour > maxDetourLimit:
		return nil, &accounts.FieldError{Field: "max_detour_s", Message: fmt.Sprintf("max_detour_s must be between 0 and %d", int(maxDetourLimit.Seconds()))}
	case q.maxVisits < 0 || q.maxVisits > maxSuggestions:
		return nil, &accounts.FieldError{Field: "max_suggestions", Message: fmt.Sprintf("max_suggestions must be between 0 and %d", maxSuggestions)}
	case r.MinScore < 0:
		return nil, &accounts.FieldError{Field: "min_score", Message: "min_score must not be negative"}
	case q.opt.Budget <= 0 || q.opt.Budget > maxBudget:
		return nil, &accounts.FieldError{Field: "budget_ms", Message: fmt.Sprintf("budget_ms must be between 1 and %d", maxBudget.Milliseconds())}
	}
	if r.Filter != nil {
		f, err := s.svc.Places.GeoFilter(*r.Filter)
		if err != nil {
			return nil, err
		}
		q.filters = []geo.Filter{f}
	} else {
		q.filters = []geo.Filter{
			{Layer: accounts.OwnerLayer, AssigneeIDs: []int64{q.rep.ID}},
			{Layer: accounts.OwnerLayer, Unassigned: true, Kinds: []geo.Kind{accounts.KindCode(accounts.KindProspect)}},
		}
	}
	for i := range q.filters {
		q.filters[i].Visible = vis
	}
	return q, nil
}

// contextQuery reads the rep, the day and its bounds, and the rep's
// calendar of that day: planned visits become fixed stops, other timed
// activities busy spans.
func (s *Server) contextQuery(ctx context.Context, r *dayContext) (*dayQuery, error) {
	loc := s.cfg.Planning.TimeZone
	if r.RepID <= 0 {
		return nil, &accounts.FieldError{Field: "rep_id", Message: "rep_id is required"}
	}
	rep, err := s.svc.GetUser(ctx, r.RepID)
	if errors.Is(err, accounts.ErrNotFound) {
		return nil, &accounts.FieldError{Field: "rep_id", Message: fmt.Sprintf("rep_id %d does not exist", r.RepID)}
	}
	if err != nil {
		return nil, err
	}
	day, err := r.Date.Time()
	if r.Date == "" || err != nil {
		return nil, &accounts.FieldError{Field: "date", Message: "date must be a date YYYY-MM-DD"}
	}
	q := &dayQuery{rep: rep, date: r.Date, loc: loc, start: rep.Home, end: rep.Home, travel: s.travelFor(rep),
		midnight: time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc), exclude: map[int64]bool{}}
	for _, p := range []struct {
		field string
		v     *geo.Point
		dst   *geo.Point
	}{{"start.", r.Start, &q.start}, {"end.", r.End, &q.end}} {
		if p.v == nil {
			continue
		}
		if err := accounts.CheckLocation(p.field, *p.v); err != nil {
			return nil, err
		}
		*p.dst = *p.v
	}
	ws, we := rep.WorkStart, rep.WorkEnd
	if r.WorkStart != nil {
		ws = *r.WorkStart
	}
	if r.WorkEnd != nil {
		we = *r.WorkEnd
	}
	if ws >= we {
		return nil, &accounts.FieldError{Field: "work_end", Message: "work_end must be after work_start"}
	}
	q.depart, q.ret = q.at(ws), q.at(we)
	if r.Lunch != nil {
		if r.Lunch.From >= r.Lunch.To {
			return nil, &accounts.FieldError{Field: "lunch", Message: "lunch must end after it starts"}
		}
		q.busy = append(q.busy, span{q.at(r.Lunch.From), q.at(r.Lunch.To)})
	}
	if err := s.readCalendar(ctx, q); err != nil {
		return nil, err
	}
	return q, nil
}

// readCalendar adds the rep's activities of the day to q.
func (s *Server) readCalendar(ctx context.Context, q *dayQuery) error {
	f := accounts.ActivityFilter{OwnerID: q.rep.ID, StartFrom: q.midnight, StartBefore: q.midnight.AddDate(0, 0, 1),
		Page: accounts.Page{Limit: 1000}}
	acts, err := s.svc.ListActivities(ctx, f)
	if err != nil {
		return err
	}
	var visits []accounts.Activity
	var ids []int64
	for _, a := range acts {
		switch {
		case !a.End.After(a.Start):
			// takes no time
		case a.Type == accounts.ActivityVisit && a.AccountID != nil:
			visits = append(visits, a)
			ids = append(ids, *a.AccountID)
		default:
			q.busy = append(q.busy, span{a.Start.Sub(q.midnight), a.End.Sub(q.midnight)})
		}
	}
	if len(ids) == 0 {
		return nil
	}
	as, err := s.svc.AccountsByID(ctx, ids)
	if err != nil {
		return err
	}
	for i, a := range visits {
		acc := as[i]
		q.fixed = append(q.fixed, fixedStop{accountID: acc.ID, activityID: a.ID, label: acc.Name, at: acc.Point,
			start: a.Start.Sub(q.midnight), dur: a.End.Sub(a.Start)})
	}
	return nil
}

// appointment reads one requested appointment; one that repeats a visit
// already in the calendar (same account, same start) is that visit.
func (s *Server) appointment(ctx context.Context, q *dayQuery, field string, a appointment) (fixedStop, error) {
	f := fixedStop{label: a.Label, start: q.at(a.Start), dur: time.Duration(a.DurationS) * time.Second}
	switch {
	case (a.AccountID == nil) == (a.Location == nil):
		return f, &accounts.FieldError{Field: field + "account_id", Message: field + "account_id: give exactly one of account_id or location"}
	case a.DurationS < 0 || a.DurationS > 12*3600:
		return f, &accounts.FieldError{Field: field + "duration_s", Message: field + "duration_s must be between 0 and 43200"}
	case a.Start >= 24*60:
		return f, &accounts.FieldError{Field: field + "start", Message: field + "start must be before 24:00"}
	}
	if a.Location != nil {
		if err := accounts.CheckLocation(field+"location.", *a.Location); err != nil {
			return f, err
		}
		f.at = *a.Location
		if f.dur == 0 {
			f.dur = defaultAppointDur
		}
		return f, nil
	}
	acc, err := s.svc.GetAccount(ctx, *a.AccountID)
	if errors.Is(err, accounts.ErrNotFound) {
		return f, &accounts.FieldError{Field: field + "account_id", Message: fmt.Sprintf("%saccount_id %d does not exist", field, *a.AccountID)}
	}
	if err != nil {
		return f, err
	}
	f.accountID, f.at = acc.ID, acc.Point
	if f.label == "" {
		f.label = acc.Name
	}
	if f.dur == 0 {
		f.dur = acc.VisitDuration
	}
	for i, g := range q.fixed {
		if g.accountID == f.accountID && g.start == f.start {
			q.fixed = slices.Delete(q.fixed, i, i+1)
			f.activityID = g.activityID
			break
		}
	}
	return f, nil
}
