package web_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
	"github.com/tournee/tournee/web"
)

// textItem is an item of the POST search with q.
type textItem struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	DistanceM  *float64 `json:"distance_m"`
	AlongM     *float64 `json:"along_m"`
	Rank       *float64 `json:"rank"`
	Matches    int      `json:"matches"`
	ActivityID int64    `json:"activity_id"`
	Snippet    *string  `json:"snippet"`
}

// TestSearchPlaceWithText is the competitor example with the place drawn
// on the map: "every account whose reports mention Rexalor, inside this
// polygon (or box, or along this route)" in one POST, best match first.
func TestSearchPlaceWithText(t *testing.T) {
	s, _ := newServer(t)
	account := func(name string, lat, lng float64, kind string) int64 {
		t.Helper()
		w := do(t, s, "POST", "/api/v1/accounts", fmt.Sprintf(`{"kind":%q,"name":%q,"lat":%g,"lng":%g}`, kind, name, lat, lng))
		wantStatus(t, w, http.StatusCreated)
		return decode[struct{ ID int64 }](t, w).ID
	}
	report := func(acc int64, text string) int64 {
		t.Helper()
		w := do(t, s, "POST", "/api/v1/activities", fmt.Sprintf(`{"type":"visit","done":true,"account_id":%d,
			"start":"2026-03-02T09:00:00Z","end":"2026-03-02T10:00:00Z","subject":"Visite","report":%q}`, acc, text))
		wantStatus(t, w, http.StatusCreated)
		return decode[struct{ ID int64 }](t, w).ID
	}
	often := account("Boulangerie de Villeurbanne", 45.7719, 4.8902, "client")
	once := account("LAMBDA SARL", 45.764, 4.8357, "client")
	named := account("Rexalor Distribution", 45.70, 4.85, "prospect")
	quiet := account("Épicerie de Vaise", 45.7790, 4.8040, "client")
	far := account("Pâtisserie du Vieux-Port", 43.2951, 5.3744, "client")
	v := report(often, "Rexalor, Rexalor et encore Rexalor : rupture de farine chez Rexalor.")
	report(once, "Le gérant compare avec Rexalor.")
	report(quiet, "Commande habituelle, rien à signaler.")
	report(far, "Rexalor ne peut pas livrer ce mois-ci.")

	search := func(body string) []textItem {
		t.Helper()
		w := do(t, s, "POST", "/api/v1/accounts/search", body)
		wantStatus(t, w, http.StatusOK)
		return decode[struct{ Items []textItem }](t, w).Items
	}
	ids := func(items []textItem) []int64 {
		out := []int64{}
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	lyon := `"polygon":{"type":"Polygon","coordinates":[[[4.7,45.6],[5.0,45.6],[5.0,45.9],[4.7,45.9],[4.7,45.6]]]}`

	got := search(`{"q":"rexalor",` + lyon + `}`)
	if set := slices.Sorted(slices.Values(ids(got))); !slices.Equal(set, []int64{often, once, named}) {
		t.Fatalf("in the polygon: got %v, want the three Lyon accounts that mention Rexalor (or bear its name)", ids(got))
	}
	best := got[0].ID
	for i, it := range got {
		if it.Rank == nil || it.Snippet == nil || !strings.Contains(*it.Snippet, "<mark>Rexalor</mark>") || it.Name == "" {
			t.Errorf("item %+v: want the account with its rank and a marked snippet", it)
		}
		if i > 0 && *it.Rank > *got[i-1].Rank {
			t.Errorf("item %d ranks %g above item %d's %g: not best first", it.ID, *it.Rank, got[i-1].ID, *got[i-1].Rank)
		}
		switch it.ID {
		case often:
			if it.ActivityID != v || it.Matches != 1 {
				t.Errorf("often: %+v, want visit %d", it, v)
			}
			if oi := slices.Index(ids(got), once); i > oi {
				t.Errorf("the report that says Rexalor four times ranks after the one that says it once")
			}
		case named:
			if it.ActivityID != 0 || *it.Snippet != "<mark>Rexalor</mark> Distribution" {
				t.Errorf("named: %+v, want its name as the match", it)
			}
		}
	}

	// The filter applies to the text search too.
	if got := search(`{"q":"rexalor",` + lyon + `,"filter":{"kinds":["prospect"]}}`); !slices.Equal(ids(got), []int64{named}) {
		t.Errorf("prospects in the polygon: got %v, want [%d]", ids(got), named)
	}
	// A box, and a limit that keeps the best.
	if got := search(`{"q":"rexalor","box":{"min":{"lat":45.6,"lng":4.7},"max":{"lat":45.9,"lng":5.0}},"limit":1}`); !slices.Equal(ids(got), []int64{best}) {
		t.Errorf("limit 1: got %v, want the best match [%d]", ids(got), best)
	}
	// Along a route: the corridor's measures stay with each item.
	got = search(`{"q":"rexalor","route":{"type":"LineString","coordinates":[[4.80,45.765],[4.95,45.765]]},"width_m":2000}`)
	if !slices.Equal(ids(got), []int64{often, once}) {
		t.Fatalf("along the route: got %v, want [%d %d], best first", ids(got), often, once)
	}
	for _, it := range got {
		if it.AlongM == nil || it.DistanceM == nil || *it.AlongM <= 0 || it.Snippet == nil {
			t.Errorf("route item %+v: want along_m, distance_m and a snippet", it)
		}
	}
	// Fields answered from the index still carry the match.
	got = search(`{"q":"rexalor",` + lyon + `,"fields":["id"]}`)
	if len(got) != 3 || got[0].Snippet == nil || got[0].Name != "" {
		t.Errorf("fields id: %+v, want ids with snippets only", got)
	}
	// q alone: the whole map, Marseille included.
	got = search(`{"q":"rexalor"}`)
	if all := ids(got); len(all) != 4 || !slices.Contains(all, far) || slices.Contains(all, quiet) {
		t.Errorf("q alone: got %v, want every account that mentions Rexalor", all)
	}

	for _, tt := range []struct{ name, body, field, msg string }{
		{"nothing", `{}`, "box", "give exactly one of box, polygon or route"},
		{"two places", `{"q":"x","box":{"min":{"lat":45,"lng":4},"max":{"lat":46,"lng":5}},` + lyon + `}`, "box", "exactly one"},
		{"only stop words", `{"q":"le de",` + lyon + `}`, "q", "no word to search for"},
		{"route without width", `{"q":"rexalor","route":{"type":"LineString","coordinates":[[4,45],[5,45]]}}`, "width_m", "width_m must be between"},
		{"a field of the wrong type", `{"q":"rexalor","width_m":"wide"}`, "width_m", "width_m must be a number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, s, "POST", "/api/v1/accounts/search", tt.body)
			wantStatus(t, w, http.StatusBadRequest)
			e := decode[struct {
				Error struct{ Field, Message string }
			}](t, w).Error
			if e.Field != tt.field || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("got %+v, want field %s and %q", e, tt.field, tt.msg)
			}
		})
	}
}

// TestMailingScopeAndLimits checks that a manager's mailing reaches only
// the accounts the team follows, that it needs e-mail configured, and that
// too long a list is refused as a whole.
func TestMailingScopeAndLimits(t *testing.T) {
	s, db := newServerWith(t, web.Config{MaxBodyBytes: 64 << 10, Rules: &accounts.Rules{Email: true}})
	ctx := context.Background()
	post := func(path, body string) int64 {
		t.Helper()
		w := do(t, s, "POST", path, body)
		wantStatus(t, w, http.StatusCreated)
		return decode[struct{ ID int64 }](t, w).ID
	}
	manager, managerToken := credentialFor(t, db, accounts.RoleManager, "m@example.test", accounts.CredentialAPI)
	mine := post("/api/v1/users", fmt.Sprintf(`{"email":"r1@example.test","name":"R1","role":"rep","manager_id":%d}`, manager.ID))
	other := post("/api/v1/users", `{"email":"r2@example.test","name":"R2","role":"rep"}`)
	var contacts []int64
	for i, owner := range []int64{mine, other} {
		acc := post("/api/v1/accounts", fmt.Sprintf(`{"kind":"client","name":"Compte %d","lat":45,"lng":4.8,"owner_id":%d}`, i, owner))
		contacts = append(contacts, post("/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"Acheteur %d","email":"a%d@example.fr"}`, acc, i, i)))
	}
	body := `{"filter":{"kinds":["client"]},"subject":"Offre","body":"Bonjour {{.Contact.Name}}"}`
	w := anon(t, s, "POST", "/api/v1/mailings", body, "Authorization", "Bearer "+managerToken)
	wantStatus(t, w, http.StatusAccepted)
	out := decode[struct {
		ID                 string
		Accounts, Enqueued int
	}](t, w)
	if out.Accounts != 1 || out.Enqueued != 1 {
		t.Fatalf("manager's mailing: %+v, want the team's one account and one message", out)
	}
	ds, err := db.ClaimDeliveries(ctx, time.Now().Add(time.Hour), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Key != fmt.Sprintf("mailing:%s:%d", out.ID, contacts[0]) || ds[0].Recipient != "a0@example.fr" {
		t.Errorf("outbox: %+v, want one message to the team's buyer, keyed by mailing and contact", ds)
	}

	// The prospects nobody owns are readable by every manager, but a
	// mailing speaks for an account's owner: it reaches none of them.
	prospect := post("/api/v1/accounts", `{"kind":"prospect","name":"Sans propriétaire","lat":45,"lng":4.8}`)
	post("/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"Acheteur","email":"p@example.fr"}`, prospect))
	w = anon(t, s, "POST", "/api/v1/mailings", `{"filter":{"kinds":["prospect"]},"subject":"Offre","body":"Bonjour","dry_run":true}`,
		"Authorization", "Bearer "+managerToken)
	wantStatus(t, w, http.StatusOK)
	if got := decode[struct{ Accounts int }](t, w).Accounts; got != 0 {
		t.Errorf("manager's mailing to unowned prospects reaches %d accounts, want none", got)
	}
	w = anon(t, s, "POST", "/api/v1/accounts/search", `{"q":"Sans propriétaire","filter":{"kinds":["prospect"]}}`,
		"Authorization", "Bearer "+managerToken)
	wantStatus(t, w, http.StatusOK)
	if got := len(decode[struct{ Items []any }](t, w).Items); got != 1 {
		t.Errorf("manager's search finds %d unowned prospects, want the one they may read", got)
	}

	// More accounts than a mailing reaches: refused whole.
	many := make([]accounts.Account, accounts.MaxMailingAccounts+1)
	for i := range many {
		many[i] = accounts.Account{Kind: accounts.KindProspect, Name: fmt.Sprintf("Prospect %d", i), Point: geo.Point{Lat: 44, Lng: 3}}
	}
	if _, err := db.CreateAccounts(ctx, many); err != nil {
		t.Fatal(err)
	}
	if err := s.Places().Load(ctx); err != nil {
		t.Fatal(err)
	}
	w = do(t, s, "POST", "/api/v1/mailings", `{"filter":{"kinds":["prospect"]},"subject":"Offre","body":"Bonjour"}`)
	wantStatus(t, w, http.StatusUnprocessableEntity)
	if e := decode[struct {
		Error struct{ Code, Message string }
	}](t, w).Error; e.Code != "too_many" || !strings.Contains(e.Message, "2000") {
		t.Errorf("got %+v, want too_many naming the limit", e)
	}
}
