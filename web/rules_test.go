package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/web"
)

// TestLambdaRule is the brief's first example end to end: LAMBDA SARL's
// March revenue is 11.5 % below March last year, it has not been visited
// since 25 September and its potential is 40 k€ a month. The rule fires:
// its rep and the rep's manager get an alert, its priority rises, and the
// planner proposes it first with the rule in its reasons. Evaluated again,
// the rule stays quiet within its cooldown.
func TestLambdaRule(t *testing.T) {
	now := time.Date(2027, 4, 24, 7, 0, 0, 0, time.UTC)
	s, db := newServerWith(t, web.Config{Rules: &accounts.Rules{Now: func() time.Time { return now }}})
	ctx := context.Background()
	post := func(path, body string) map[string]any {
		t.Helper()
		r := do(t, s, "POST", path, body)
		if r.Code != http.StatusCreated && r.Code != http.StatusOK {
			t.Fatalf("POST %s: %d %s", path, r.Code, r.Body)
		}
		return decode[map[string]any](t, r)
	}
	id := func(m map[string]any) int64 { return int64(m["id"].(float64)) }
	director := id(post("/api/v1/users", `{"email":"direction@example.test","name":"Direction","role":"manager"}`))
	rep := id(post("/api/v1/users", fmt.Sprintf(`{"email":"rep@example.test","name":"Rep","role":"rep","manager_id":%d,
		"home":{"lat":47.22,"lng":-1.55}}`, director)))
	lambda := id(post("/api/v1/accounts", fmt.Sprintf(`{"kind":"client","name":"LAMBDA SARL","lat":47.2035,"lng":-1.6424,
		"potential_cents":4000000,"owner_id":%d}`, rep)))
	other := id(post("/api/v1/accounts", fmt.Sprintf(`{"kind":"client","name":"Voisin","lat":47.21,"lng":-1.60,
		"potential_cents":5000000,"owner_id":%d}`, rep)))
	visit := time.Date(2026, 9, 25, 8, 0, 0, 0, time.UTC)
	for _, acc := range []int64{lambda, other} {
		if _, err := db.CreateActivity(ctx, accounts.Activity{Type: accounts.ActivityVisit, Done: true, AccountID: &acc,
			OwnerID: &rep, Start: visit, End: visit.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	r := do(t, s, "PUT", "/api/v1/revenue", fmt.Sprintf(`{"items":[
		{"account_id":%d,"month":"2026-03","amount_cents":2000000},{"account_id":%d,"month":"2027-03","amount_cents":1770000},
		{"account_id":%d,"month":"2026-03","amount_cents":2000000},{"account_id":%d,"month":"2027-03","amount_cents":2000000}]}`,
		lambda, lambda, other, other))
	wantStatus(t, r, http.StatusOK)

	rule := `{"name":"Client en baisse","expression":"revenue_month < 0.9 * revenue_month_last_year && potential_monthly > 30000 && days_since_visit > 180",
		"actions":[{"type":"score","value":200},{"type":"alert","cc":["manager"],"message":"CA en baisse de plus de 10 %"}],
		"enabled":true,"cooldown_days":30}`
	// A typo is refused with its place.
	r = do(t, s, "POST", "/api/v1/rules", strings.Replace(rule, "revenue_month <", "revenu_month <", 1))
	wantStatus(t, r, http.StatusBadRequest)
	if msg := r.Body.String(); !strings.Contains(msg, "line 1, column") || !strings.Contains(msg, `"field":"expression"`) {
		t.Errorf("typo: %s, want the line and column of the error on field expression", msg)
	}
	// The dry run finds LAMBDA SARL alone and writes nothing.
	dry := decode[struct {
		Matches []struct {
			AccountID int64   `json:"account_id"`
			Alerts    []int64 `json:"alerts"`
		}
		Total int
	}](t, do(t, s, "POST", "/api/v1/rules/dry-run", rule))
	if dry.Total != 1 || dry.Matches[0].AccountID != lambda || len(dry.Matches[0].Alerts) != 2 {
		t.Errorf("dry run = %+v, want LAMBDA SARL alerting the rep and the director", dry)
	}
	alerts := func(user int64) []accounts.Alert {
		t.Helper()
		r := do(t, s, "GET", fmt.Sprintf("/api/v1/alerts?user_id=%d", user), "")
		wantStatus(t, r, http.StatusOK)
		return decode[struct{ Items []accounts.Alert }](t, r).Items
	}
	if got := alerts(rep); len(got) != 0 {
		t.Fatalf("the dry run alerted: %+v", got)
	}

	post("/api/v1/rules", rule)
	run := decode[accounts.RuleRun](t, do(t, s, "POST", "/api/v1/rules/evaluate", ""))
	if run.Matches != 1 || run.Fired != 1 {
		t.Errorf("evaluation = %+v, want one match that fired", run)
	}
	for _, u := range []int64{rep, director} {
		got := alerts(u)
		if len(got) != 1 || got[0].AccountID == nil || *got[0].AccountID != lambda || !strings.Contains(got[0].Message, "LAMBDA SARL") {
			t.Errorf("alerts of user %d = %+v, want one about LAMBDA SARL", u, got)
		}
	}
	// Within the cooldown, nothing more.
	now = now.Add(24 * time.Hour)
	run = decode[accounts.RuleRun](t, do(t, s, "POST", "/api/v1/rules/evaluate", ""))
	if run.Fired != 0 || len(alerts(rep)) != 1 {
		t.Errorf("second evaluation a day later: %+v and %d alerts, want nothing new", run, len(alerts(rep)))
	}

	// The index and the planner see the raised score: LAMBDA SARL, of
	// lower potential than its neighbour, now comes first.
	near := items(t, s, "GET", "/api/v1/accounts/nearby?lat=47.2&lng=-1.62&limit=2&fields=id,score", "")
	score := map[int64]float64{}
	for _, it := range near {
		score[it.ID] = *it.Score
	}
	if score[lambda] <= score[other] {
		t.Errorf("index scores %v: LAMBDA SARL (%d) should now outrank its neighbour (%d)", score, lambda, other)
	}
	plan := decode[dayPlan](t, do(t, s, "POST", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":"2027-04-27",
		"max_suggestions":1,"budget_ms":50}`, rep)))
	var first *planStop
	for i := range plan.Stops {
		if plan.Stops[i].Type == "suggestion" {
			first = &plan.Stops[i]
			break
		}
	}
	if first == nil || *first.AccountID != lambda {
		t.Fatalf("the planner's one suggestion is %+v, want LAMBDA SARL", first)
	}
	if parts := first.Why.Parts; len(parts) == 0 || parts[len(parts)-1].Source != "rule" {
		t.Errorf("why = %+v, want the rule's part", first.Why)
	}
}

// TestReassignToPool gives reassign actions their pools: "territory:<layer>"
// hands an account to the assignee of the territory of that layer that
// holds it (and leaves an account no territory holds with its owner),
// "open" removes the owner, so that an unowned prospect is there for every
// rep to see. The dry run says which each would do.
func TestReassignToPool(t *testing.T) {
	now := time.Date(2027, 4, 24, 7, 0, 0, 0, time.UTC)
	s, db := newServerWith(t, web.Config{Rules: &accounts.Rules{Now: func() time.Time { return now }}})
	send := func(method, path, body string, status int) map[string]any {
		t.Helper()
		r := do(t, s, method, path, body)
		wantStatus(t, r, status)
		return decode[map[string]any](t, r)
	}
	id := func(m map[string]any) int64 { return int64(m["id"].(float64)) }
	owner := func(account int64) any {
		t.Helper()
		return send("GET", fmt.Sprintf("/api/v1/accounts/%d", account), "", http.StatusOK)["owner_id"]
	}
	rep1, _ := credentialFor(t, db, accounts.RoleRep, "rep1@example.test", accounts.CredentialAPI)
	rep2, _ := credentialFor(t, db, accounts.RoleRep, "rep2@example.test", accounts.CredentialAPI)
	_, outsider := credentialFor(t, db, accounts.RoleRep, "rep3@example.test", accounts.CredentialAPI)
	send("POST", "/api/v1/territories", fmt.Sprintf(`{"layer":"Sales","name":"Nantes","priority":1,"assignee_id":%d,
		"geometry":{"type":"Polygon","coordinates":[[[-1.7,47.1],[-1.5,47.1],[-1.5,47.3],[-1.7,47.3],[-1.7,47.1]]]}}`, rep2.ID),
		http.StatusCreated)
	nantes := id(send("POST", "/api/v1/accounts", fmt.Sprintf(`{"kind":"prospect","name":"Prospect Nantes","lat":47.2035,
		"lng":-1.6424,"owner_id":%d}`, rep1.ID), http.StatusCreated))
	lyon := id(send("POST", "/api/v1/accounts", fmt.Sprintf(`{"kind":"prospect","name":"Prospect Lyon","segment":"lyon",
		"lat":45.75,"lng":4.85,"owner_id":%d}`, rep1.ID), http.StatusCreated))
	send("POST", "/api/v1/accounts", fmt.Sprintf(`{"kind":"client","name":"Client Nantes","lat":47.21,"lng":-1.60,
		"owner_id":%d}`, rep1.ID), http.StatusCreated)

	t.Run("invalid pools", func(t *testing.T) {
		for _, pool := range []string{"prospects", "territory:", "territory:owner", "open:sales"} {
			r := do(t, s, "POST", "/api/v1/rules", fmt.Sprintf(`{"name":"r","expression":"true","enabled":true,
				"actions":[{"type":"reassign","pool":%q}]}`, pool))
			wantStatus(t, r, http.StatusBadRequest)
			if msg := r.Body.String(); !strings.Contains(msg, `"field":"actions[0].pool"`) {
				t.Errorf("pool %q: %s, want an error on field actions[0].pool", pool, msg)
			}
		}
	})

	type match struct {
		AccountID  int64  `json:"account_id"`
		Reassign   *int64 `json:"reassign"`
		ClearOwner bool   `json:"clear_owner"`
	}
	dryRun := func(rule string) map[int64]match {
		t.Helper()
		r := do(t, s, "POST", "/api/v1/rules/dry-run", rule)
		wantStatus(t, r, http.StatusOK)
		out := map[int64]match{}
		for _, m := range decode[struct{ Matches []match }](t, r).Matches {
			out[m.AccountID] = m
		}
		return out
	}

	t.Run("territory", func(t *testing.T) {
		rule := `{"name":"Prospects au secteur","expression":"kind == \"prospect\" && !qualified","enabled":true,
			"actions":[{"type":"reassign","pool":" territory:Sales"}]}`
		dry := dryRun(rule)
		if m := dry[nantes]; m.Reassign == nil || *m.Reassign != rep2.ID || m.ClearOwner {
			t.Errorf("dry run on the prospect in the territory: %+v, want a reassignment to %d", m, rep2.ID)
		}
		if m, ok := dry[lyon]; !ok || m.Reassign != nil || m.ClearOwner {
			t.Errorf("dry run on the prospect outside it: %+v (listed %v), want a match that keeps its owner", m, ok)
		}
		created := send("POST", "/api/v1/rules", rule, http.StatusCreated)
		if pool := created["actions"].([]any)[0].(map[string]any)["pool"]; pool != "territory:sales" {
			t.Errorf("stored pool %q, want %q", pool, "territory:sales")
		}
		run := decode[accounts.RuleRun](t, do(t, s, "POST", "/api/v1/rules/evaluate", ""))
		if run.Matches != 2 || run.Fired != 1 {
			t.Errorf("evaluation = %+v, want two matches and one firing", run)
		}
		if got := owner(nantes); got != float64(rep2.ID) {
			t.Errorf("owner of the prospect in the territory = %v, want %d", got, rep2.ID)
		}
		if got := owner(lyon); got != float64(rep1.ID) {
			t.Errorf("owner of the prospect outside it = %v, want %d still", got, rep1.ID)
		}
		send("PATCH", fmt.Sprintf("/api/v1/rules/%d", id(created)), `{"enabled":false}`, http.StatusOK)
	})

	t.Run("open", func(t *testing.T) {
		path := fmt.Sprintf("/api/v1/accounts/%d", lyon)
		wantStatus(t, do(t, s, "GET", path, "", "Authorization", "Bearer "+outsider), http.StatusNotFound)
		rule := `{"name":"Lyon au pot commun","expression":"segment == \"lyon\"","enabled":true,
			"actions":[{"type":"reassign","pool":"open"}]}`
		if m := dryRun(rule)[lyon]; m.Reassign != nil || !m.ClearOwner {
			t.Errorf("dry run: %+v, want the owner cleared", m)
		}
		send("POST", "/api/v1/rules", rule, http.StatusCreated)
		run := decode[accounts.RuleRun](t, do(t, s, "POST", "/api/v1/rules/evaluate", ""))
		if run.Matches != 1 || run.Fired != 1 {
			t.Errorf("evaluation = %+v, want one match that fired", run)
		}
		if got := owner(lyon); got != nil {
			t.Errorf("owner after a reassignment to the open pool = %v, want none", got)
		}
		// Every rep now sees the prospect, to take it.
		wantStatus(t, do(t, s, "GET", path, "", "Authorization", "Bearer "+outsider), http.StatusOK)
		// With no owner left to remove, the rule has nothing to do.
		if m := dryRun(rule)[lyon]; m.ClearOwner {
			t.Errorf("dry run on an unowned account: %+v, want nothing to clear", m)
		}
		run = decode[accounts.RuleRun](t, do(t, s, "POST", "/api/v1/rules/evaluate", ""))
		if run.Matches != 1 || run.Fired != 0 {
			t.Errorf("evaluation again = %+v, want one match and no firing", run)
		}
	})
}
