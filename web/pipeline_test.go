package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/tournee/tournee/accounts"
)

// TestPipelineVisibility checks that the pipeline board lists, for each
// user, the opportunities of the accounts that user may read, and no
// other: a rep's own and those of the prospects nobody owns, a manager's
// team's, everything for an admin; and that its pages join up.
func TestPipelineVisibility(t *testing.T) {
	s, db := newServer(t)
	post := func(path, body string) int64 {
		t.Helper()
		r := do(t, s, "POST", path, body)
		wantStatus(t, r, http.StatusCreated)
		return decode[struct{ ID int64 }](t, r).ID
	}
	boss := post("/api/v1/users", `{"email":"boss@example.test","name":"Boss","role":"manager"}`)
	rep1 := post("/api/v1/users", fmt.Sprintf(`{"email":"rep1@example.test","name":"Rep 1","role":"rep","manager_id":%d}`, boss))
	rep2 := post("/api/v1/users", `{"email":"rep2@example.test","name":"Rep 2","role":"rep"}`)
	account := func(name, kind string, owner int64) int64 {
		owned := ""
		if owner != 0 {
			owned = fmt.Sprintf(`,"owner_id":%d`, owner)
		}
		return post("/api/v1/accounts", fmt.Sprintf(`{"kind":%q,"name":%q,"lat":45.7,"lng":4.8%s}`, kind, name, owned))
	}
	mine, theirs, free := account("Chez Rep 1", "client", rep1), account("Chez Rep 2", "client", rep2), account("Libre", "prospect", 0)
	stage := post("/api/v1/stages", `{"name":"Lead","position":1}`)
	opp := func(acc int64, status string) int64 {
		return post("/api/v1/opportunities", fmt.Sprintf(`{"account_id":%d,"name":"Affaire","stage_id":%d,"amount_cents":100000,"status":%q}`,
			acc, stage, status))
	}
	o1, o1won, o2, o3 := opp(mine, "open"), opp(mine, "won"), opp(theirs, "open"), opp(free, "open")

	_, tokRep1 := credentialFor(t, db, accounts.RoleRep, "rep1@example.test", accounts.CredentialAPI)
	_, tokRep2 := credentialFor(t, db, accounts.RoleRep, "rep2@example.test", accounts.CredentialAPI)
	_, tokBoss := credentialFor(t, db, accounts.RoleManager, "boss@example.test", accounts.CredentialAPI)

	type item struct {
		ID          int64  `json:"id"`
		AccountID   int64  `json:"account_id"`
		AccountName string `json:"account_name"`
	}
	names := map[int64]string{mine: "Chez Rep 1", theirs: "Chez Rep 2", free: "Libre"}
	// board reads every page of path as token's user, limit at a time.
	board := func(token, query string, limit int) []int64 {
		t.Helper()
		var got []int64
		cursor := ""
		for range 20 {
			r := do(t, s, "GET", fmt.Sprintf("/api/v1/pipeline?limit=%d%s%s", limit, query, cursor), "", "Authorization", "Bearer "+token)
			wantStatus(t, r, http.StatusOK)
			page := decode[struct {
				Items      []item `json:"items"`
				NextCursor string `json:"next_cursor"`
			}](t, r)
			for _, it := range page.Items {
				if it.AccountName != names[it.AccountID] {
					t.Errorf("opportunity %d: account_name %q, want %q", it.ID, it.AccountName, names[it.AccountID])
				}
				got = append(got, it.ID)
			}
			if page.NextCursor == "" {
				return got
			}
			cursor = "&cursor=" + page.NextCursor
		}
		t.Fatal("the pages do not end")
		return nil
	}
	tests := []struct {
		name, token, query string
		want               []int64
	}{
		{"rep: own and free prospects", tokRep1, "", []int64{o1, o1won, o3}},
		{"rep: open only", tokRep1, "&status=open", []int64{o1, o3}},
		{"other rep", tokRep2, "", []int64{o2, o3}},
		{"manager: the team", tokBoss, "", []int64{o1, o1won, o3}},
		{"admin: all", s.token, "", []int64{o1, o1won, o2, o3}},
		{"admin: by stage and status", s.token, fmt.Sprintf("&status=open&stage_id=%d", stage), []int64{o1, o2, o3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, limit := range []int{1, 2, 50} {
				if got := board(tc.token, tc.query, limit); !slices.Equal(got, tc.want) {
					t.Errorf("limit %d: got %v, want %v", limit, got, tc.want)
				}
			}
		})
	}

	// The board's move is the ordinary PATCH; a rep may not move another
	// rep's deal, which the board never showed.
	won := post("/api/v1/stages", `{"name":"Signature","position":2}`)
	r := do(t, s, "PATCH", fmt.Sprintf("/api/v1/opportunities/%d", o2), fmt.Sprintf(`{"stage_id":%d}`, won), "Authorization", "Bearer "+tokRep1)
	wantStatus(t, r, http.StatusNotFound)
	r = do(t, s, "PATCH", fmt.Sprintf("/api/v1/opportunities/%d", o1), fmt.Sprintf(`{"stage_id":%d}`, won),
		"Authorization", "Bearer "+tokRep1, "If-Match", `"1"`)
	wantStatus(t, r, http.StatusOK)

	r = do(t, s, "GET", "/api/v1/pipeline?status=maybe", "")
	wantStatus(t, r, http.StatusBadRequest)
	if got := decode[struct{ Error struct{ Field string } }](t, r).Error.Field; got != "status" {
		t.Errorf("bad status: field %q, want status", got)
	}
}

// TestAccountScore checks the parts of an account's score: its potential,
// what an overdue visit adds, then a rule's addition, adding up to the
// score nearby queries use; and that a rep cannot read another's.
func TestAccountScore(t *testing.T) {
	s, db := newServer(t)
	r := do(t, s, "POST", "/api/v1/accounts", `{"kind":"client","name":"LAMBDA SARL","lat":45.7,"lng":4.8,"potential_cents":4000000}`)
	wantStatus(t, r, http.StatusCreated)
	id := decode[struct{ ID int64 }](t, r).ID
	r = do(t, s, "POST", "/api/v1/rules", `{"name":"Gros potentiel","expression":"potential_monthly > 30000",
		"actions":[{"type":"score","value":50}],"enabled":true}`)
	wantStatus(t, r, http.StatusCreated)
	wantStatus(t, do(t, s, "POST", "/api/v1/rules/evaluate", ""), http.StatusOK)

	type part struct {
		Source string  `json:"source"`
		Rule   string  `json:"rule"`
		Value  float64 `json:"value"`
	}
	r = do(t, s, "GET", fmt.Sprintf("/api/v1/accounts/%d/score", id), "")
	wantStatus(t, r, http.StatusOK)
	got := decode[struct {
		Score float64 `json:"score"`
		Parts []part  `json:"parts"`
	}](t, r)
	// Never visited: the full raise, twice the potential of 40 k€.
	want := []part{{"potential", "", 40}, {"overdue", "", 80}, {"rule", "Gros potentiel", 50}}
	if !slices.Equal(got.Parts, want) || got.Score != 170 {
		t.Errorf("score %v with parts %+v, want 170 with %+v", got.Score, got.Parts, want)
	}
	near := items(t, s, "GET", "/api/v1/accounts/nearby?lat=45.7&lng=4.8&limit=1&fields=id,score", "")
	if len(near) != 1 || *near[0].Score != 170 {
		t.Errorf("nearby score %+v, want the same 170", near)
	}

	_, token := credentialFor(t, db, accounts.RoleRep, "rep@example.test", accounts.CredentialAPI)
	r = do(t, s, "GET", fmt.Sprintf("/api/v1/accounts/%d/score", id), "", "Authorization", "Bearer "+token)
	wantStatus(t, r, http.StatusNotFound)
}
