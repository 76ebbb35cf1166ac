package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/tournee/tournee/accounts"
)

// TestRepIsolation checks, endpoint by endpoint, that a rep sees and
// changes only the accounts they follow (owner, or assignee in a territory
// layer), reads the prospects nobody owns, and cannot reach another team's
// accounts by id, by list, on the map, by text search, by planning or by
// booking; and that a manager sees the team's accounts only.
func TestRepIsolation(t *testing.T) {
	s, db := newServer(t)
	post := func(path, body string) int64 {
		t.Helper()
		r := do(t, s, "POST", path, body)
		wantStatus(t, r, http.StatusCreated)
		return decode[struct{ ID int64 }](t, r).ID
	}
	m1 := post("/api/v1/users", `{"email":"m1@example.test","name":"M1","role":"manager"}`)
	m2 := post("/api/v1/users", `{"email":"m2@example.test","name":"M2","role":"manager"}`)
	user := func(email string, manager int64) int64 {
		return post("/api/v1/users", fmt.Sprintf(`{"email":%q,"name":%q,"role":"rep","manager_id":%d,"home":{"lat":45,"lng":4.8}}`, email, email, manager))
	}
	r1, r2, r3 := user("r1@example.test", m1), user("r2@example.test", m1), user("r3@example.test", m2)
	account := func(kind string, lng float64, owner int64) int64 {
		ownerJSON := "null"
		if owner != 0 {
			ownerJSON = fmt.Sprint(owner)
		}
		return post("/api/v1/accounts", fmt.Sprintf(`{"kind":%q,"name":"Compte %.2f","lat":45,"lng":%f,"potential_cents":900000,"owner_id":%s}`,
			kind, lng, lng, ownerJSON))
	}
	a1, a2, a3 := account("client", 4.85, r1), account("client", 4.86, r2), account("client", 4.87, r3)
	prospect, client := account("prospect", 4.88, 0), account("client", 4.89, 0)
	// r1 also follows a2, through a maintenance territory around it.
	post("/api/v1/territories", fmt.Sprintf(`{"layer":"maintenance","name":"Autour de a2","assignee_id":%d,
		"geometry":{"type":"Polygon","coordinates":[[[4.855,44.99],[4.865,44.99],[4.865,45.01],[4.855,45.01],[4.855,44.99]]]}}`, r1))
	visit := func(acc, owner int64) int64 {
		return post("/api/v1/activities", fmt.Sprintf(`{"type":"visit","done":true,"account_id":%d,"owner_id":%d,
			"start":"2026-11-02T09:00:00Z","end":"2026-11-02T10:00:00Z","report":"Rexalor ne livre plus ce client."}`, acc, owner))
	}
	visit(a1, r1)
	v3 := visit(a3, r3)
	post("/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"Acheteur"}`, a3))

	as := func(email string, role accounts.Role) func(method, path, body string) (int, []byte) {
		_, token := credentialFor(t, db, role, email, accounts.CredentialAPI)
		return func(method, path, body string) (int, []byte) {
			r := anon(t, s, method, path, body, "Authorization", "Bearer "+token)
			return r.Code, r.Body.Bytes()
		}
	}
	ids := func(body []byte) []int64 {
		var v struct{ Items []struct{ ID int64 } }
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		var out []int64
		for _, it := range v.Items {
			out = append(out, it.ID)
		}
		slices.Sort(out)
		return out
	}
	rep := as("r1@example.test", accounts.RoleRep)
	tests := []struct {
		name, method, path, body string
		status                   int
		ids                      []int64 // the accounts a 200 list must hold exactly
	}{
		{"list", "GET", "/api/v1/accounts", "", 200, []int64{a1, a2, prospect}},
		{"nearby", "GET", "/api/v1/accounts/nearby?lat=45&lng=4.87&limit=10&fields=id", "", 200, []int64{a1, a2, prospect}},
		{"box", "POST", "/api/v1/accounts/search", `{"box":{"min":{"lat":44,"lng":4},"max":{"lat":46,"lng":5}},"fields":["id"]}`, 200, []int64{a1, a2, prospect}},
		{"corridor", "POST", "/api/v1/accounts/search", `{"route":{"type":"LineString","coordinates":[[4.8,45],[4.95,45]]},"width_m":2000,"fields":["id"]}`, 200, []int64{a1, a2, prospect}},
		{"text search", "GET", "/api/v1/accounts/search?q=Rexalor", "", 200, []int64{a1}},
		{"text search near", "GET", "/api/v1/accounts/search?q=Rexalor&lat=45&lng=4.87&radius_m=20000", "", 200, []int64{a1}},
		{"another team's account", "GET", fmt.Sprintf("/api/v1/accounts/%d", a3), "", 404, nil},
		{"an unowned client", "GET", fmt.Sprintf("/api/v1/accounts/%d", client), "", 404, nil},
		{"an unowned prospect, read", "GET", fmt.Sprintf("/api/v1/accounts/%d", prospect), "", 200, nil},
		{"an unowned prospect, changed", "PATCH", fmt.Sprintf("/api/v1/accounts/%d", prospect), `{"name":"x"}`, 403, nil},
		{"its revenue", "GET", fmt.Sprintf("/api/v1/accounts/%d/revenue", a3), "", 404, nil},
		{"change it", "PATCH", fmt.Sprintf("/api/v1/accounts/%d", a3), `{"name":"x"}`, 404, nil},
		{"change one's own", "PATCH", fmt.Sprintf("/api/v1/accounts/%d", a1), `{"name":"Mon compte"}`, 200, nil},
		{"hand one's own to another team", "PATCH", fmt.Sprintf("/api/v1/accounts/%d", a1), fmt.Sprintf(`{"owner_id":%d}`, r3), 404, nil},
		{"its contacts", "GET", fmt.Sprintf("/api/v1/contacts?account_id=%d", a3), "", 404, nil},
		{"every contact", "GET", "/api/v1/contacts", "", 400, nil},
		{"its visit", "GET", fmt.Sprintf("/api/v1/activities/%d", v3), "", 404, nil},
		{"another rep's visits", "GET", fmt.Sprintf("/api/v1/activities?owner_id=%d", r3), "", 403, nil},
		{"plan for another rep", "POST", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":"2026-11-26"}`, r3), 403, nil},
		{"plan around its account", "POST", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":"2026-11-26","appointments":[{"account_id":%d,"start":"10:00"}]}`, r1, a3), 400, nil},
		{"book it", "POST", "/api/v1/plans/book", fmt.Sprintf(`{"rep_id":%d,"date":"2026-11-26","visits":[{"account_id":%d,"start":"10:00"}]}`, r1, a3), 400, nil},
		{"another rep's alerts", "GET", fmt.Sprintf("/api/v1/alerts?user_id=%d", r3), "", 403, nil},

		{"a ledger", "GET", fmt.Sprintf("/api/v1/users/%d/travel", r1), "", 403, nil},
	}
	for _, tc := range tests {
		t.Run("rep: "+tc.name, func(t *testing.T) {
			status, body := rep(tc.method, tc.path, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if tc.ids != nil {
				want := slices.Clone(tc.ids)
				slices.Sort(want)
				if got := ids(body); !slices.Equal(got, want) {
					t.Errorf("accounts %v, want %v", got, want)
				}
			}
		})
	}
	// The change feed, for the rep's offline copy, holds only what the rep
	// may see: not a3, its contact or its visit.
	status, body := rep("GET", "/api/v1/changes?limit=1000", "")
	if status != 200 {
		t.Fatalf("changes: %d %s", status, body)
	}
	var feed struct{ Items []accounts.Change }
	if err := json.Unmarshal(body, &feed); err != nil {
		t.Fatal(err)
	}
	sawOwn := false
	for _, ch := range feed.Items {
		switch {
		case ch.Entity == accounts.EntityAccount && (ch.EntityID == a3 || ch.EntityID == client):
			t.Errorf("the rep's feed holds account %d", ch.EntityID)
		case ch.Entity == accounts.EntityActivity && ch.EntityID == v3:
			t.Errorf("the rep's feed holds another rep's visit %d", v3)
		case ch.Entity == accounts.EntityContact:
			t.Errorf("the rep's feed holds the contact of another team's account")
		case ch.Entity == accounts.EntityAccount && ch.EntityID == a1:
			sawOwn = true
		}
	}
	if !sawOwn {
		t.Errorf("the rep's feed lacks the rep's own account: %+v", feed.Items)
	}

	// A plan over every account the rep may see never suggests the others.
	status, body = rep("POST", "/api/v1/plans/day", fmt.Sprintf(`{"rep_id":%d,"date":"2026-11-26","filter":{},"budget_ms":20,
		"appointments":[{"location":{"lat":45,"lng":4.9},"start":"14:00"}]}`, r1))
	if status != 200 {
		t.Fatalf("plan: %d %s", status, body)
	}
	var plan dayPlan
	if err := json.Unmarshal(body, &plan); err != nil {
		t.Fatal(err)
	}
	for _, st := range plan.Stops {
		if st.AccountID != nil && (*st.AccountID == a3 || *st.AccountID == client) {
			t.Errorf("the plan suggests account %d, which the rep may not see", *st.AccountID)
		}
	}
	for _, a := range plan.Alternates {
		if a.AccountID == a3 || a.AccountID == client {
			t.Errorf("the plan lists account %d among its alternates", a.AccountID)
		}
	}

	manager := as("m1@example.test", accounts.RoleManager)
	if status, body := manager("GET", "/api/v1/accounts", ""); status != 200 || !slices.Equal(ids(body), sortedIDs(a1, a2, prospect)) {
		t.Errorf("manager of r1 and r2 lists %d %v, want %v", status, ids(body), sortedIDs(a1, a2, prospect))
	}
	if status, _ := manager("GET", fmt.Sprintf("/api/v1/users/%d/travel", r2), ""); status != 200 {
		t.Errorf("a manager reads a team member's ledger: %d", status)
	}
	if status, _ := manager("GET", fmt.Sprintf("/api/v1/users/%d/travel", r3), ""); status != 403 {
		t.Errorf("a manager reads another team's ledger: %d, want 403", status)
	}
	if status, body := do(t, s, "GET", "/api/v1/accounts", "").Code, do(t, s, "GET", "/api/v1/accounts", "").Body.Bytes(); status != 200 ||
		!slices.Equal(ids(body), sortedIDs(a1, a2, a3, prospect, client)) {
		t.Errorf("an admin lists %v, want every account", ids(body))
	}
}

func sortedIDs(ids ...int64) []int64 {
	slices.Sort(ids)
	return ids
}
