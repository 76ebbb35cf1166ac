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
	"github.com/tournee/tournee/web"
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
	r := do(t, s, "POST", "/api/v1/plans/trip", body, "Accept-Language", "en")
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

// TestDemoRules runs the demo organisation's rules on the brief's dates:
// on 24 April LAMBDA SARL's falling revenue alerts its rep and the rep's
// manager and lifts its score, and the prospect registered on 15 February
// and still unqualified alerts its owner; on 2 May the rep gets the task of
// meeting the buyer who retires at the end of July, and not before.
func TestDemoRules(t *testing.T) {
	now := time.Date(2026, 4, 24, 7, 0, 0, 0, time.UTC)
	s, db := newServerWith(t, web.Config{Rules: &accounts.Rules{Now: func() time.Time { return now }}})
	ctx := context.Background()
	sum, err := demo.Seed(ctx, accounts.NewService(db), demo.Options{Seed: 1, Now: now, Accounts: 1000, Reps: 5})
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
	prospect, err := db.GetAccount(ctx, sum.Prospect)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := db.GetUser(ctx, *lambda.OwnerID)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := s.Places().Index().Get(lambda.ID)
	evaluate := func() {
		t.Helper()
		wantStatus(t, do(t, s, "POST", "/api/v1/rules/evaluate", ""), http.StatusOK)
	}
	alertsOn := func(user, account int64) []accounts.Alert {
		t.Helper()
		r := do(t, s, "GET", fmt.Sprintf("/api/v1/alerts?user_id=%d", user), "")
		wantStatus(t, r, http.StatusOK)
		var out []accounts.Alert
		for _, a := range decode[struct{ Items []accounts.Alert }](t, r).Items {
			if a.AccountID != nil && *a.AccountID == account {
				out = append(out, a)
			}
		}
		return out
	}
	tasksOn := func(account int64) []accounts.Task {
		t.Helper()
		ts, err := db.ListTasks(ctx, accounts.TaskFilter{AccountID: account, AssigneeID: rep.ID})
		if err != nil {
			t.Fatal(err)
		}
		var out []accounts.Task
		for _, tk := range ts {
			if strings.Contains(tk.Title, "successeur") {
				out = append(out, tk)
			}
		}
		return out
	}

	evaluate()
	if got := alertsOn(rep.ID, lambda.ID); len(got) != 1 || !strings.Contains(got[0].Message, "90 %") {
		t.Errorf("rep's alerts on LAMBDA SARL = %+v, want the falling-revenue alert", got)
	}
	if got := alertsOn(*rep.ManagerID, lambda.ID); len(got) != 1 {
		t.Errorf("manager's alerts on LAMBDA SARL = %+v, want one in copy", got)
	}
	if after, _ := s.Places().Index().Get(lambda.ID); after.Score < before.Score+99 {
		t.Errorf("LAMBDA SARL's score went from %.1f to %.1f, want the rule's 100 added", before.Score, after.Score)
	}
	if got := alertsOn(*prospect.OwnerID, prospect.ID); len(got) != 1 || !strings.Contains(got[0].Message, "qualifié") {
		t.Errorf("alerts on the unqualified prospect = %+v, want one", got)
	}
	if got := tasksOn(lambda.ID); len(got) != 0 {
		t.Errorf("on 24 April, %d successor tasks; the buyer leaves at the end of July", len(got))
	}

	now = time.Date(2026, 5, 2, 7, 0, 0, 0, time.UTC)
	evaluate()
	if got := tasksOn(lambda.ID); len(got) != 1 {
		t.Errorf("on 2 May, %d successor tasks for LAMBDA SARL's rep, want 1", len(got))
	}
}
