package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

type reportItem struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	Lat        float64  `json:"lat"`
	Lng        float64  `json:"lng"`
	DistanceM  *float64 `json:"distance_m"`
	Rank       float64  `json:"rank"`
	Matches    int      `json:"matches"`
	ActivityID int64    `json:"activity_id"`
	ContactID  int64    `json:"contact_id"`
	Snippet    string   `json:"snippet"`
}

func searchReports(t *testing.T, s http.Handler, params url.Values) []reportItem {
	t.Helper()
	w := do(t, s, "GET", "/api/v1/accounts/search?"+params.Encode(), "")
	wantStatus(t, w, http.StatusOK)
	return decode[struct{ Items []reportItem }](t, w).Items
}

// TestSearchReportsNearLyon is the example of the design: a visit report
// says that a competitor cannot deliver, and the rep finds every account
// within 30 km of Lyon whose reports mention that competitor, on the map.
func TestSearchReportsNearLyon(t *testing.T) {
	s, _ := newServer(t)
	account := func(name string, lat, lng float64) int64 {
		t.Helper()
		w := do(t, s, "POST", "/api/v1/accounts", fmt.Sprintf(`{"kind":"client","name":%q,"lat":%g,"lng":%g}`, name, lat, lng))
		wantStatus(t, w, http.StatusCreated)
		return decode[struct{ ID int64 }](t, w).ID
	}
	report := func(accountID int64, subject, report string) int64 {
		t.Helper()
		w := do(t, s, "POST", "/api/v1/activities", fmt.Sprintf(`{"type":"visit","done":true,"account_id":%d,
			"start":"2026-03-02T09:00:00Z","end":"2026-03-02T10:00:00Z","subject":%q,"report":%q}`, accountID, subject, report))
		wantStatus(t, w, http.StatusCreated)
		return decode[struct{ ID int64 }](t, w).ID
	}
	near := account("Boulangerie de Villeurbanne", 45.7719, 4.8902) // 5 km from Lyon
	far := account("Pâtisserie du Vieux-Port", 43.2951, 5.3744)     // Marseille, 275 km
	quiet := account("Épicerie de Vaise", 45.7790, 4.8040)          // Lyon, nothing said
	visit := report(near, "Visite mensuelle", "Rexalor ne peut pas livrer avant trois semaines : rupture de farine.")
	report(far, "Visite", "Le gérant confirme : Rexalor ne peut pas livrer ce mois-ci.")
	report(quiet, "Visite", "Commande habituelle, rien à signaler.")

	lyon := url.Values{"q": {"Rexalor"}, "lat": {"45.7640"}, "lng": {"4.8357"}, "radius_m": {"30000"}}
	got := searchReports(t, s, lyon)
	if len(got) != 1 || got[0].ID != near {
		t.Fatalf("within 30 km of Lyon: got %+v, want only account %d", got, near)
	}
	it := got[0]
	if it.Name != "Boulangerie de Villeurbanne" || it.Lat != 45.7719 || it.Lng != 4.8902 || it.ActivityID != visit ||
		it.Matches != 1 || it.DistanceM == nil || *it.DistanceM < 4000 || *it.DistanceM > 6000 {
		t.Errorf("item = %+v, want the account's name, place, visit %d and a distance of about 5 km", it, visit)
	}
	if !strings.Contains(it.Snippet, "<mark>Rexalor</mark> ne peut pas livrer") {
		t.Errorf("snippet %q does not mark the competitor", it.Snippet)
	}

	// The same words with accents, in another order, as a phrase: the same account.
	for _, q := range []string{"rexalor LIVRÉ", `"ne peut pas livrer" rexalor`, "rupture farines"} {
		lyon.Set("q", q)
		if got := searchReports(t, s, lyon); len(got) != 1 || got[0].ID != near {
			t.Errorf("q=%s within 30 km: got %+v, want account %d", q, got, near)
		}
	}

	// Without a radius: both accounts that mention it, wherever they are.
	got = searchReports(t, s, url.Values{"q": {"Rexalor livrer"}})
	var ids []int64
	for _, it := range got {
		ids = append(ids, it.ID)
		if it.DistanceM != nil {
			t.Errorf("item %d has a distance_m with no point given", it.ID)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{near, far}) {
		t.Errorf("everywhere: got accounts %v, want %v", ids, []int64{near, far})
	}
	if got := searchReports(t, s, url.Values{"q": {"Rexalor"}, "limit": {"1"}}); len(got) != 1 {
		t.Errorf("limit 1: got %d items", len(got))
	}
	if got := searchReports(t, s, url.Values{"q": {"Rexalor"}, "kind": {"prospect"}}); len(got) != 0 {
		t.Errorf("prospects only: got %+v, want none", got)
	}
	if got := searchReports(t, s, url.Values{"q": {"'; DROP TABLE activities; --"}}); len(got) != 0 {
		t.Errorf("an injection attempt found %+v", got)
	}
}

func TestSearchReportsBadInput(t *testing.T) {
	s, _ := newServer(t)
	for _, tt := range []struct{ query, field string }{
		{"", "q"},
		{"q=", "q"},
		{"q=le+de+pas", "q"},
		{"q=" + strings.Repeat("a", 201), "q"},
		{"q=rexalor&limit=0", "limit"},
		{"q=rexalor&limit=5001", "limit"},
		{"q=rexalor&radius_m=1000", "radius_m"},
		{"q=rexalor&lat=45.76&lng=4.83&radius_m=0", "radius_m"},
		{"q=rexalor&lat=45.76", "lng"},
		{"q=rexalor&lat=91&lng=4.83", "lat"},
		{"q=rexalor&kind=shop", "kind"},
		{"q=rexalor&text=x", "text"},
	} {
		w := do(t, s, "GET", "/api/v1/accounts/search?"+tt.query, "")
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), tt.field) {
			t.Errorf("?%s: got %d %s, want 400 naming %s", tt.query, w.Code, w.Body.String(), tt.field)
		}
	}
}
