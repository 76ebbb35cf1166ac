package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
	"github.com/tournee/tournee/web"
)

// The planning day of these tests: a Thursday, in the organisation's zone.
const planDate = "2026-11-26"

var paris = mustZone("Europe/Paris")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// clock is planDate at hh:mm in Paris.
func clock(hh, mm int) time.Time { return time.Date(2026, 11, 26, hh, mm, 0, 0, paris) }

type planStop struct {
	Type       string    `json:"type"`
	AccountID  *int64    `json:"account_id"`
	ActivityID *int64    `json:"activity_id"`
	Name       string    `json:"name"`
	Lat        float64   `json:"lat"`
	Lng        float64   `json:"lng"`
	Arrival    time.Time `json:"arrival"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Slot       *struct {
		Earliest time.Time `json:"earliest"`
		Latest   time.Time `json:"latest"`
	} `json:"slot"`
	DetourS *int64 `json:"detour_s"`
	Why     *struct {
		Score float64 `json:"score"`
		Parts []struct {
			Source string  `json:"source"`
			Value  float64 `json:"value"`
		} `json:"parts"`
	} `json:"why"`
}

type dayPlan struct {
	Stops  []planStop `json:"stops"`
	Totals struct {
		DistanceM   float64 `json:"distance_m"`
		CostCents   int64   `json:"cost_cents"`
		Value       float64 `json:"value"`
		Suggestions int     `json:"suggestions"`
	} `json:"totals"`
	Alternates []struct {
		AccountID int64  `json:"account_id"`
		Reason    string `json:"reason"`
	} `json:"alternates"`
}

// planWorld is a rep living at 45° N 4.80° E, working 08:00-18:00 at
// 60 km/h, and accounts east of home on the 45th parallel, one every 0.03°
// of longitude (about 2.4 km): the route to an appointment at the far end
// runs through them. Accounts are open 08:30-12:00 and 14:00-17:30 on
// weekdays, except every fourth, closed on Thursdays; potentials grow
// eastwards so that scores differ.
type planWorld struct {
	h        http.Handler
	rep      int64
	accounts []int64
	at       map[int64]geo.Point
	closed   map[int64]bool // closed on Thursdays
	appoint  int64          // the appointment's account
}

var openHours = [][2]int{{8*60 + 30, 12 * 60}, {14 * 60, 17*60 + 30}}

func newPlanWorld(t *testing.T, n int) *planWorld {
	t.Helper()
	s, _ := newServer(t)
	w := &planWorld{h: s, at: map[int64]geo.Point{}, closed: map[int64]bool{}}
	r := do(t, s, "POST", "/api/v1/users", `{"email":"rep@example.test","name":"Rep","role":"rep",
		"home":{"lat":45,"lng":4.8},"work_start":"08:00","work_end":"18:00","speed_kmh":60,"cost_per_km_cents":40}`)
	wantStatus(t, r, http.StatusCreated)
	w.rep = decode[struct{ ID int64 }](t, r).ID
	for i := range n {
		p := geo.Point{Lat: 45 + 0.004*float64(i%3-1), Lng: 4.83 + 0.03*float64(i)}
		days := `"monday":[["08:30","12:00"],["14:00","17:30"]],"tuesday":[["08:30","12:00"],["14:00","17:30"]],` +
			`"wednesday":[["08:30","12:00"],["14:00","17:30"]],"friday":[["08:30","12:00"],["14:00","17:30"]]`
		closed := i%4 == 3
		if !closed {
			days += `,"thursday":[["08:30","12:00"],["14:00","17:30"]]`
		}
		body := fmt.Sprintf(`{"kind":"client","name":"Compte %02d","lat":%f,"lng":%f,"potential_cents":%d,
			"owner_id":%d,"visit_duration_s":2700,"opening_hours":{%s}}`, i, p.Lat, p.Lng, 500_000*(i+1), w.rep, days)
		r := do(t, s, "POST", "/api/v1/accounts", body)
		wantStatus(t, r, http.StatusCreated)
		id := decode[struct{ ID int64 }](t, r).ID
		w.accounts = append(w.accounts, id)
		w.at[id] = p
		w.closed[id] = closed
	}
	w.appoint = w.accounts[n-2] // open on Thursdays
	return w
}

func (w *planWorld) plan(t *testing.T, body string) dayPlan {
	t.Helper()
	r := do(t, w.h, "POST", "/api/v1/plans/day", body)
	wantStatus(t, r, http.StatusOK)
	return decode[dayPlan](t, r)
}

func (w *planWorld) dayBody(seed int, extra string) string {
	return fmt.Sprintf(`{"rep_id":%d,"date":%q,"appointments":[{"account_id":%d,"start":"11:00","duration_s":3600}],
		"max_detour_s":1800,"budget_ms":100,"seed":%d%s}`, w.rep, planDate, w.appoint, seed, extra)
}

// feasible walks the plan's stops in order with service of the suggestion
// at index k starting at t, every later stop as early as it can, and
// reports why the day breaks, or "". Windows come from the fixture, legs
// from the straight-line model at the rep's speed, independently of the
// planner.
func (w *planWorld) feasible(stops []planStop, k int, t time.Time) string {
	travel := geo.StraightLine{SpeedKmh: 60}
	leg := func(a, b planStop) time.Duration {
		r, err := travel.Route(context.Background(), []geo.Point{{Lat: a.Lat, Lng: a.Lng}, {Lat: b.Lat, Lng: b.Lng}})
		if err != nil {
			panic(err)
		}
		return r.Duration
	}
	free := stops[k-1].End
	for j := k; j < len(stops); j++ {
		s := stops[j]
		arrival := free.Add(leg(stops[j-1], s))
		switch s.Type {
		case "end":
			if arrival.After(clock(18, 0)) {
				return fmt.Sprintf("back at %s, after 18:00", arrival.Format("15:04:05"))
			}
			return ""
		case "appointment":
			if arrival.After(s.Start) {
				return fmt.Sprintf("appointment reached at %s, after its %s start", arrival.Format("15:04:05"), s.Start.Format("15:04"))
			}
			free = s.End
			continue
		}
		start := arrival
		if j == k {
			if t.Before(arrival) {
				return fmt.Sprintf("stop %d starts at %s before arriving at %s", j, t.Format("15:04:05"), arrival.Format("15:04:05"))
			}
			start = t
		}
		service := 45 * time.Minute
		ok := false
		for _, o := range openHours {
			open, closeAt := clock(o[0]/60, o[0]%60), clock(o[1]/60, o[1]%60)
			if j != k && start.Before(open) {
				start = open
			}
			if !start.Before(open) && !start.Add(service).After(closeAt) {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Sprintf("stop %d (%s) cannot start at %s", j, s.Name, start.Format("15:04:05"))
		}
		free = start.Add(service)
	}
	return "no end"
}

func TestPlanDaySlotsAreExact(t *testing.T) {
	w := newPlanWorld(t, 24)
	plan := w.plan(t, w.dayBody(3, ""))
	if plan.Totals.Suggestions < 3 {
		t.Fatalf("%d suggestions; the test needs a few", plan.Totals.Suggestions)
	}
	for k, s := range plan.Stops {
		if s.Type != "suggestion" {
			continue
		}
		if s.Slot == nil || s.Slot.Latest.Before(s.Slot.Earliest) {
			t.Fatalf("stop %d: slot %+v", k, s.Slot)
		}
		for _, c := range []struct {
			name string
			at   time.Time
			ok   bool
		}{
			{"earliest", s.Slot.Earliest, true},
			{"latest", s.Slot.Latest, true},
			{"a minute before the earliest", s.Slot.Earliest.Add(-time.Minute), false},
			{"a minute after the latest", s.Slot.Latest.Add(time.Minute), false},
		} {
			why := w.feasible(plan.Stops, k, c.at)
			if (why == "") != c.ok {
				t.Errorf("stop %d (%s), start at the %s (%s): feasible = %v (%s), want %v", k, s.Name, c.name,
					c.at.Format("15:04:05"), why == "", why, c.ok)
			}
		}
	}
}

func TestPlanDayKeepsFixedAndSkipsClosed(t *testing.T) {
	w := newPlanWorld(t, 24)
	for seed := range 5 {
		plan := w.plan(t, w.dayBody(seed, `,"max_suggestions":12,"lunch":["14:00","15:00"]`))
		appointments := 0
		for _, s := range plan.Stops {
			switch s.Type {
			case "appointment":
				appointments++
				if *s.AccountID != w.appoint || !s.Start.Equal(clock(11, 0)) || !s.End.Equal(clock(12, 0)) {
					t.Errorf("appointment %+v, want account %d from 11:00 to 12:00", s, w.appoint)
				}
			case "suggestion":
				if w.closed[*s.AccountID] {
					t.Errorf("account %d, closed on Thursdays, is suggested", *s.AccountID)
				}
				if s.Start.Before(clock(15, 0)) && s.End.After(clock(14, 0)) {
					t.Errorf("visit of %d from %s to %s overlaps the lunch break", *s.AccountID, s.Start.Format("15:04"), s.End.Format("15:04"))
				}
			}
		}
		if appointments != 1 {
			t.Errorf("%d appointments in the plan, want 1", appointments)
		}
		closedSeen := 0
		for _, a := range plan.Alternates {
			if w.closed[a.AccountID] {
				closedSeen++
				if a.Reason != "closed" {
					t.Errorf("alternate %d: reason %q, want closed", a.AccountID, a.Reason)
				}
			}
		}
		if closedSeen == 0 {
			t.Errorf("no closed account among the alternates: %+v", plan.Alternates)
		}
	}
}

func TestBookPlan(t *testing.T) {
	w := newPlanWorld(t, 24)
	plan := w.plan(t, w.dayBody(3, ""))
	// Suggestions start on the second, bookings on the minute: each visit
	// is booked at the first whole minute it can start after the one
	// before, which its slot must allow.
	var visits []string
	var booked []int64
	travel := geo.StraightLine{SpeedKmh: 60}
	prev, free := plan.Stops[0], plan.Stops[0].End
	for _, s := range plan.Stops {
		if s.Type == "appointment" {
			prev, free = s, s.End
		}
		if s.Type != "suggestion" {
			continue
		}
		r, err := travel.Route(context.Background(), []geo.Point{{Lat: prev.Lat, Lng: prev.Lng}, {Lat: s.Lat, Lng: s.Lng}})
		if err != nil {
			t.Fatal(err)
		}
		at := free.Add(r.Duration)
		if s.Start.After(at) {
			at = s.Start
		}
		at = at.Add(time.Minute - time.Nanosecond).Truncate(time.Minute)
		if at.After(s.Slot.Latest) {
			t.Fatalf("%s: the first whole minute %s is past its slot %+v", s.Name, at.Format("15:04:05"), s.Slot)
		}
		visits = append(visits, fmt.Sprintf(`{"account_id":%d,"start":%q}`, *s.AccountID, at.In(paris).Format("15:04")))
		booked = append(booked, *s.AccountID)
		prev, free = s, at.Add(45*time.Minute)
	}
	body := func(vs ...string) string {
		return fmt.Sprintf(`{"rep_id":%d,"date":%q,"visits":[%s]}`, w.rep, planDate, strings.Join(vs, ","))
	}
	// The appointment is not booked yet: book it first, as a rep would.
	r := do(t, w.h, "POST", "/api/v1/plans/book", body(fmt.Sprintf(`{"account_id":%d,"start":"11:00","duration_s":3600}`, w.appoint)))
	wantStatus(t, r, http.StatusCreated)
	before := lastSeq(t, w.h)
	r = do(t, w.h, "POST", "/api/v1/plans/book", body(visits...))
	wantStatus(t, r, http.StatusCreated)
	if got := decode[struct{ Items []accounts.Activity }](t, r).Items; len(got) != len(visits) {
		t.Fatalf("booked %d activities, want %d", len(got), len(visits))
	}

	// A later plan keeps them as fixed stops and suggests nothing new in
	// their place.
	again := w.plan(t, fmt.Sprintf(`{"rep_id":%d,"date":%q,"budget_ms":100}`, w.rep, planDate))
	fixed := map[int64]bool{}
	for _, s := range again.Stops {
		if s.Type == "appointment" {
			if s.ActivityID == nil {
				t.Errorf("fixed stop %+v has no activity id", s)
			}
			fixed[*s.AccountID] = true
		}
	}
	for _, id := range append(booked, w.appoint) {
		if !fixed[id] {
			t.Errorf("booked account %d is not a fixed stop of the next plan", id)
		}
	}

	tests := []struct {
		name   string
		visits []string
		status int
	}{
		{"the same visit again", visits[:1], http.StatusConflict},
		{"overlapping a booked visit", []string{fmt.Sprintf(`{"account_id":%d,"start":"11:30"}`, w.accounts[0])}, http.StatusConflict},
		{"closed that day", []string{fmt.Sprintf(`{"account_id":%d,"start":"08:30"}`, w.accounts[3])}, http.StatusConflict},
		{"out of opening hours", []string{fmt.Sprintf(`{"account_id":%d,"start":"12:30"}`, w.accounts[0])}, http.StatusConflict},
		{"no time to drive there", []string{fmt.Sprintf(`{"account_id":%d,"start":"10:20","duration_s":600}`, w.accounts[0])}, http.StatusConflict},
		{"unknown account", []string{`{"account_id":999999,"start":"09:00"}`}, http.StatusBadRequest},
		{"no visit", nil, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seq := lastSeq(t, w.h)
			r := do(t, w.h, "POST", "/api/v1/plans/book", body(tc.visits...))
			wantStatus(t, r, tc.status)
			if got := lastSeq(t, w.h); got != seq {
				t.Errorf("a refused booking wrote: feed moved from %d to %d", seq, got)
			}
		})
	}
	if lastSeq(t, w.h) <= before {
		t.Error("the booking wrote nothing to the feed")
	}
}

func TestPlanBadInput(t *testing.T) {
	w := newPlanWorld(t, 4)
	ok := func(s string) string {
		return fmt.Sprintf(`{"rep_id":%d,"date":%q,"appointments":[{"account_id":%d,"start":"11:00"}]%s}`, w.rep, planDate, w.appoint, s)
	}
	tests := []struct {
		name, path, body, field string
	}{
		{"no rep", "/api/v1/plans/day", `{"date":"2026-11-26"}`, "rep_id"},
		{"unknown rep", "/api/v1/plans/day", `{"rep_id":999,"date":"2026-11-26"}`, "rep_id"},
		{"bad date", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":"26/11/2026"}`, w.rep), "date"},
		{"account and location", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":%q,"appointments":[{"account_id":%d,"location":{"lat":45,"lng":5},"start":"10:00"}]}`, w.rep, planDate, w.appoint), "appointments[0].account_id"},
		{"unknown account", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":%q,"appointments":[{"account_id":424242,"start":"10:00"}]}`, w.rep, planDate), "appointments[0].account_id"},
		{"location out of range", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":%q,"appointments":[{"location":{"lat":95,"lng":5},"start":"10:00"}]}`, w.rep, planDate), "appointments[0].location.lat"},
		{"bad start", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":%q,"appointments":[{"account_id":%d,"start":"25:00"}]}`, w.rep, planDate, w.appoint), ""}, // the message names the value
		{"start out of range", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":%q,"start":{"lat":45,"lng":190}}`, w.rep, planDate), "start.lng"},
		{"work hours reversed", "/api/v1/plans/day", ok(`,"work_start":"18:00","work_end":"08:00"`), "work_end"},
		{"lunch reversed", "/api/v1/plans/day", ok(`,"lunch":["14:00","12:00"]`), "lunch"},
		{"detour too long", "/api/v1/plans/day", ok(`,"max_detour_s":99999`), "max_detour_s"},
		{"too many suggestions", "/api/v1/plans/day", ok(`,"max_suggestions":1000`), "max_suggestions"},
		{"budget too long", "/api/v1/plans/day", ok(`,"budget_ms":60000`), "budget_ms"},
		{"negative minimum score", "/api/v1/plans/day", ok(`,"min_score":-1`), "min_score"},
		{"bad filter kind", "/api/v1/plans/day", ok(`,"filter":{"kinds":["alien"]}`), "kind"},
		{"unknown field", "/api/v1/plans/day", ok(`,"colour":"red"`), "colour"},
		{"trip without appointment", "/api/v1/plans/trip", fmt.Sprintf(`{"rep_id":%d,"date":%q}`, w.rep, planDate), "appointments"},
		{"trip too long", "/api/v1/plans/trip", ok(`,"max_days":4`), "max_days"},
		{"negative hotel", "/api/v1/plans/trip", ok(`,"hotel_cents":-5`), "hotel_cents"},
		{"bad month", "/api/v1/users/1/travel?month=2026-13", "", "month"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := "POST"
			if tc.body == "" {
				method = "GET"
			}
			r := do(t, w.h, method, tc.path, tc.body)
			wantStatus(t, r, http.StatusBadRequest)
			e := decode[struct {
				Error struct{ Code, Message, Field string }
			}](t, r).Error
			if e.Field != tc.field {
				t.Errorf("field = %q, want %q (message %q)", e.Field, tc.field, e.Message)
			}
		})
	}
	t.Run("unknown user's ledger", func(t *testing.T) {
		wantStatus(t, do(t, w.h, "GET", "/api/v1/users/9999/travel?month=2026-11", ""), http.StatusNotFound)
	})
	t.Run("appointment out of reach", func(t *testing.T) {
		r := do(t, w.h, "POST", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":%q,"appointments":[{"location":{"lat":43.3,"lng":5.4},"start":"08:30"}]}`, w.rep, planDate))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.Body.String(), "cannot be reached") {
			t.Errorf("body %s does not say why", r.Body.String())
		}
	})
}

// fakeOSRM answers the route and table services as OSRM does, from
// straight-line distances at 60 km/h, or fails as mode says: down (503),
// slow (never answers before the client gives up), partial (a table row
// missing) or noroute.
func fakeOSRM(t *testing.T, mode string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var pts []geo.Point
		coords := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		for _, c := range strings.Split(coords, ";") {
			var p geo.Point
			if _, err := fmt.Sscanf(c, "%g,%g", &p.Lng, &p.Lat); err != nil {
				http.Error(w, `{"code":"InvalidUrl"}`, http.StatusBadRequest)
				return
			}
			pts = append(pts, p)
		}
		secs := func(i, j int) float64 { return geo.DistanceM(pts[i], pts[j]) / (60 / 3.6) }
		switch {
		case mode == "down":
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		case mode == "slow":
			<-r.Context().Done()
		case mode == "noroute":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"code":"NoRoute","message":"Impossible route between points"}`)
		case strings.Contains(r.URL.Path, "/route/"):
			var legs, line []string
			for i := range pts {
				line = append(line, fmt.Sprintf("[%g,%g]", pts[i].Lng, pts[i].Lat))
				if i > 0 {
					legs = append(legs, fmt.Sprintf(`{"duration":%.1f,"distance":%.1f}`, secs(i-1, i), geo.DistanceM(pts[i-1], pts[i])))
				}
			}
			fmt.Fprintf(w, `{"code":"Ok","routes":[{"geometry":{"type":"LineString","coordinates":[%s]},"legs":[%s]}]}`,
				strings.Join(line, ","), strings.Join(legs, ","))
		default: // table
			rows := len(pts)
			if mode == "partial" {
				rows--
			}
			var durs, dists []string
			for i := range rows {
				var d, m []string
				for j := range pts {
					d = append(d, fmt.Sprintf("%.1f", secs(i, j)))
					m = append(m, fmt.Sprintf("%.1f", geo.DistanceM(pts[i], pts[j])))
				}
				durs = append(durs, "["+strings.Join(d, ",")+"]")
				dists = append(dists, "["+strings.Join(m, ",")+"]")
			}
			fmt.Fprintf(w, `{"code":"Ok","durations":[%s],"distances":[%s]}`, strings.Join(durs, ","), strings.Join(dists, ","))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPlanWithRoutingEngine(t *testing.T) {
	tests := []struct {
		mode   string
		status int
		code   string
	}{
		{"ok", http.StatusOK, ""},
		{"down", http.StatusBadGateway, "travel_unavailable"},
		{"slow", http.StatusGatewayTimeout, "travel_timeout"},
		{"partial", http.StatusBadGateway, "travel_unavailable"},
		{"noroute", http.StatusUnprocessableEntity, "no_route"},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			srv := fakeOSRM(t, tc.mode)
			osrm := &geo.OSRM{BaseURL: srv.URL, Client: &http.Client{Timeout: 300 * time.Millisecond}}
			h, _ := newServerWith(t, web.Config{Planning: web.Planning{Travel: osrm}})
			w := &planWorld{h: h}
			r := do(t, h, "POST", "/api/v1/users", `{"email":"rep@example.test","name":"Rep","role":"rep","home":{"lat":45,"lng":4.8}}`)
			wantStatus(t, r, http.StatusCreated)
			w.rep = decode[struct{ ID int64 }](t, r).ID
			r = do(t, h, "POST", "/api/v1/accounts", fmt.Sprintf(`{"kind":"client","name":"Proche","lat":45.01,"lng":4.9,"potential_cents":900000,"owner_id":%d}`, w.rep))
			wantStatus(t, r, http.StatusCreated)
			body := fmt.Sprintf(`{"rep_id":%d,"date":%q,"appointments":[{"location":{"lat":45.02,"lng":5.1},"start":"14:00"}],"budget_ms":20}`, w.rep, planDate)
			r = do(t, h, "POST", "/api/v1/plans/day", body)
			wantStatus(t, r, tc.status)
			if tc.status != http.StatusOK {
				if got := decode[struct{ Error struct{ Code string } }](t, r).Error.Code; got != tc.code {
					t.Errorf("code = %q, want %q", got, tc.code)
				}
				return
			}
			plan := decode[dayPlan](t, r)
			if plan.Totals.Suggestions != 1 {
				t.Errorf("%d suggestions, want the one account on the way", plan.Totals.Suggestions)
			}
		})
	}
}

func TestTravelLedger(t *testing.T) {
	w := newPlanWorld(t, 6)
	home := geo.Point{Lat: 45, Lng: 4.8}
	book := func(date string, visits ...string) []accounts.Activity {
		r := do(t, w.h, "POST", "/api/v1/plans/book", fmt.Sprintf(`{"rep_id":%d,"date":%q,"visits":[%s]}`, w.rep, date, strings.Join(visits, ",")))
		wantStatus(t, r, http.StatusCreated)
		return decode[struct{ Items []accounts.Activity }](t, r).Items
	}
	a, b := w.accounts[0], w.accounts[1]
	day1 := book("2026-11-25", fmt.Sprintf(`{"account_id":%d,"start":"09:00"}`, a), fmt.Sprintf(`{"account_id":%d,"start":"10:30"}`, b))
	book("2026-11-27", fmt.Sprintf(`{"account_id":%d,"start":"14:00"}`, b))
	book("2026-12-01", fmt.Sprintf(`{"account_id":%d,"start":"14:00"}`, a)) // next month

	// The first visit of the 25th is done and recorded 12.5 km.
	done := day1[0]
	done.Done, done.TravelledM = true, 12_500
	r := do(t, w.h, "PATCH", fmt.Sprintf("/api/v1/activities/%d", done.ID), `{"done":true,"travelled_m":12500}`)
	wantStatus(t, r, http.StatusOK)

	r = do(t, w.h, "GET", fmt.Sprintf("/api/v1/users/%d/travel?month=2026-11", w.rep), "")
	wantStatus(t, r, http.StatusOK)
	got := decode[struct {
		Days []struct {
			Date      string  `json:"date"`
			Visits    int     `json:"visits"`
			Done      int     `json:"done"`
			Status    string  `json:"status"`
			DistanceM float64 `json:"distance_m"`
			RecordedM float64 `json:"recorded_m"`
			CostCents int64   `json:"cost_cents"`
		} `json:"days"`
		DistanceM        float64 `json:"distance_m"`
		PlannedDistanceM float64 `json:"planned_distance_m"`
		DoneDistanceM    float64 `json:"done_distance_m"`
		CostCents        int64   `json:"cost_cents"`
	}](t, r)
	estimate := func(ps ...geo.Point) []float64 {
		route, err := geo.StraightLine{SpeedKmh: 60}.Route(context.Background(), ps)
		if err != nil {
			t.Fatal(err)
		}
		var legs []float64
		for _, l := range route.Legs {
			legs = append(legs, l.DistanceM)
		}
		return legs
	}
	legs1 := estimate(home, w.at[a], w.at[b], home)
	legs2 := estimate(home, w.at[b], home)
	want1 := 12_500 + legs1[1] + legs1[2]
	want2 := legs2[0] + legs2[1]
	if len(got.Days) != 2 {
		t.Fatalf("%d days, want 2 (the December visit is another month): %+v", len(got.Days), got.Days)
	}
	d1, d2 := got.Days[0], got.Days[1]
	near := func(x, y float64) bool { return x-y < 1 && y-x < 1 }
	if d1.Date != "2026-11-25" || d1.Visits != 2 || d1.Done != 1 || d1.Status != "mixed" || d1.RecordedM != 12_500 || !near(d1.DistanceM, want1) {
		t.Errorf("day 1 = %+v, want 2 visits, 1 done, mixed, 12500 m recorded, %.0f m", d1, want1)
	}
	if d2.Date != "2026-11-27" || d2.Status != "planned" || !near(d2.DistanceM, want2) {
		t.Errorf("day 2 = %+v, want planned, %.0f m", d2, want2)
	}
	if d1.CostCents != int64(d1.DistanceM/1000*40+0.5) {
		t.Errorf("day 1 costs %d cents for %.0f m at 40 cents/km", d1.CostCents, d1.DistanceM)
	}
	if !near(got.DistanceM, d1.DistanceM+d2.DistanceM) || !near(got.PlannedDistanceM, d2.DistanceM) || !near(got.DoneDistanceM, d1.DistanceM) ||
		got.CostCents != d1.CostCents+d2.CostCents {
		t.Errorf("totals %+v do not add up the days", got)
	}
}
