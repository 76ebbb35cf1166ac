package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/demo"
)

type tripPlan struct {
	Options []struct {
		Days       int       `json:"days"`
		Infeasible string    `json:"infeasible"`
		Plans      []dayPlan `json:"plans"`
		Costing    struct {
			CostCents int64   `json:"cost_cents"`
			Value     float64 `json:"value"`
			Visits    int     `json:"visits"`
		} `json:"costing"`
	} `json:"options"`
	Recommended int    `json:"recommended"`
	Why         string `json:"why"`
}

// TestLambdaTrip plans the brief's example on the demo organisation: rep1
// lives in Paris and has an appointment at LAMBDA SARL, near Nantes, on a
// Tuesday afternoon. Driving back the same day does not fit the working
// day; staying the night does, with visits on the way and on the way back.
func TestLambdaTrip(t *testing.T) {
	s, db := newServer(t)
	ctx := context.Background()
	// Seeded three weeks before the trip, so that the demo's planned
	// visits (the next two working weeks) leave the rep's Tuesday and
	// Wednesday free.
	seeded := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	sum, err := demo.Seed(ctx, accounts.NewService(db), demo.Options{Seed: 1, Now: seeded, Accounts: 3000, Reps: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Places().Load(ctx); err != nil {
		t.Fatal(err)
	}
	lambda, err := db.GetAccount(ctx, sum.Lambda)
	if err != nil {
		t.Fatal(err)
	}
	rep := *lambda.OwnerID
	body := fmt.Sprintf(`{"rep_id":%d,"date":"2026-11-24","appointments":[{"account_id":%d,"start":"15:00"}],"max_days":2}`, rep, lambda.ID)
	r := do(t, s, "POST", "/api/v1/plans/trip", body)
	wantStatus(t, r, http.StatusOK)
	trip := decode[tripPlan](t, r)
	if len(trip.Options) != 2 {
		t.Fatalf("%d options, want 2", len(trip.Options))
	}
	same, night := trip.Options[0], trip.Options[1]
	if same.Infeasible == "" || !strings.Contains(same.Infeasible, "LAMBDA SARL") {
		t.Errorf("driving back the same day: infeasible = %q, want a reason naming LAMBDA SARL", same.Infeasible)
	}
	if night.Infeasible != "" || len(night.Plans) != 2 {
		t.Fatalf("staying one night: infeasible %q, %d day plans", night.Infeasible, len(night.Plans))
	}
	if trip.Recommended != 1 || !strings.HasPrefix(trip.Why, "staying one night") {
		t.Errorf("recommended %d (%s), want staying one night", trip.Recommended, trip.Why)
	}
	seen := map[int64]bool{}
	found := false
	for d, p := range night.Plans {
		for _, st := range p.Stops {
			switch st.Type {
			case "appointment":
				if *st.AccountID == lambda.ID {
					found = true
					if d != 0 || st.Start.In(paris).Format("15:04") != "15:00" {
						t.Errorf("LAMBDA SARL on day %d at %s, want day 1 at 15:00", d+1, st.Start.In(paris).Format("15:04"))
					}
				}
			case "suggestion":
				if seen[*st.AccountID] {
					t.Errorf("account %d suggested twice in one trip", *st.AccountID)
				}
				seen[*st.AccountID] = true
				if st.Why == nil || st.Why.Score <= 0 {
					t.Errorf("suggestion %d without a positive score: %+v", *st.AccountID, st.Why)
				}
			}
		}
	}
	if !found {
		t.Error("LAMBDA SARL is not in the overnight plan")
	}
	if night.Costing.Visits != len(seen) || len(seen) == 0 {
		t.Errorf("costing counts %d visits, plans suggest %d (want some)", night.Costing.Visits, len(seen))
	}
}
