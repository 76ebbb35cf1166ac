package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// BenchmarkPlanDayHTTP plans a realistic day over real HTTP on loopback: a
// rep from Paris with two fixed appointments towards Orléans, 1,000 of the
// rep's accounts within 20 km of the way, so that the planner gets its 300
// best candidates, the default straight-line provider and solver budget.
// It reports the median and 95th percentile of the request time.
func BenchmarkPlanDayHTTP(b *testing.B) {
	s, db := newServer(b)
	ctx := context.Background()
	rep, err := db.CreateUser(ctx, accounts.User{Email: "rep@example.test", Name: "Rep", Role: accounts.RoleRep,
		Home: geo.Point{Lat: 48.85, Lng: 2.35}, WorkDays: accounts.Weekdays{time.Thursday}, WorkStart: 8 * 60, WorkEnd: 18 * 60,
		SpeedKmh: 70, CostPerKmCents: 40})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var as []accounts.Account
	for i := range 1000 {
		f := rng.Float64()
		a := accounts.Account{Kind: accounts.KindClient, Name: fmt.Sprintf("Compte %d", i), OwnerID: &rep.ID,
			Point:          geo.Point{Lat: 48.85 + (47.90-48.85)*f + (rng.Float64()-0.5)*0.3, Lng: 2.35 + (1.90-2.35)*f + (rng.Float64()-0.5)*0.4},
			PotentialCents: int64(rng.IntN(5_000_000)), VisitDuration: 45 * time.Minute}
		if i%3 > 0 {
			a.OpeningHours[time.Thursday] = []accounts.Interval{{From: 8*60 + 30, To: 12 * 60}, {From: 14 * 60, To: 18 * 60}}
		}
		as = append(as, a)
	}
	if _, err := db.CreateAccounts(ctx, as); err != nil {
		b.Fatal(err)
	}
	if err := s.Places().Load(ctx); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	body := fmt.Sprintf(`{"rep_id":%d,"date":"2026-11-26","appointments":[
		{"location":{"lat":48.40,"lng":2.10},"start":"10:30","duration_s":3600},
		{"location":{"lat":47.90,"lng":1.90},"start":"14:30","duration_s":3600}]}`, rep.ID)
	var took []time.Duration
	considered := 0
	for b.Loop() {
		start := time.Now()
		resp, err := http.Post(srv.URL+"/api/v1/plans/day", "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		var plan struct{ Corridor struct{ Considered int } }
		if err := decodeBody(resp, &plan); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
		considered = plan.Corridor.Considered
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(considered), "candidates")
}

// decodeBody reads a 200 response's JSON body into v.
func decodeBody(resp *http.Response, v any) error {
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
