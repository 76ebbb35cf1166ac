package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/tournee/tournee/accounts"
)

// testNameSearch holds both stores to the same answers when report search
// meets account names: a name is one more record of its account, searched
// like a report (accents, case, stems, phrases, prefixes, the account
// filter), its hit naming neither an activity nor a contact, and the index
// follows renames and deletes.
func testNameSearch(t *testing.T, open func(t *testing.T) accounts.Store) {
	w := newWorld(t, open)
	s, ctx := w.s, w.ctx
	account := func(i int, name string) accounts.Account {
		t.Helper()
		a := accountFixture(t, i, &w.rep.ID)
		a.Name = name
		return mustCreate(t, "CreateAccount", ctx, s.CreateAccount, a)
	}
	rexalor := account(1, "Rexalor Distribution")
	epicerie := account(2, "Épicerie des Halles")
	both := account(3, "Brivex Matériaux")
	other := account(4, "Quincaillerie Moreau")
	a := activityFixture(t, &both.ID, &w.rep.ID, 1)
	a.Subject, a.Report = "Visite", "Brivex livre en retard ; le gérant cherche un autre fournisseur."
	visit := mustCreate(t, "CreateActivity", ctx, s.CreateActivity, a)
	a = activityFixture(t, &other.ID, &w.rep.ID, 2)
	a.Subject, a.Report = "Appel", "Le concurrent Rexalor est passé la semaine dernière."
	mustCreate(t, "CreateActivity", ctx, s.CreateActivity, a)

	names := map[int64]string{rexalor.ID: "rexalor", epicerie.ID: "epicerie", both.ID: "both", other.ID: "other", w.account.ID: "world"}
	search, found := reportSearch(ctx, s, names)
	for _, tt := range []struct {
		name, q string
		ids     []int64 // nil: every account
		want    []string
	}{
		{"name", "distribution", nil, []string{"rexalor"}},
		{"name or a report", "rexalor", nil, []string{"other", "rexalor"}},
		{"accents, case and plural", "EPICERIES", nil, []string{"epicerie"}},
		{"phrase", `"épicerie des halles"`, nil, []string{"epicerie"}},
		{"phrase out of order", `"halles épicerie"`, nil, []string{}},
		{"prefix", "quinc*", nil, []string{"other"}},
		{"every word in one record", "rexalor distribution", nil, []string{"rexalor"}},
		{"words split between name and report", "quincaillerie rexalor", nil, []string{}},
		{"account filter", "rexalor", []int64{rexalor.ID, epicerie.ID}, []string{"rexalor"}},
		{"fixture names", "boulangerie dupré", nil, []string{"world"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := found(search(t, accounts.ReportQuery{Text: tt.q, AccountIDs: tt.ids})); !slices.Equal(got, tt.want) {
				t.Errorf("SearchReports(%q) found %v, want %v", tt.q, got, tt.want)
			}
		})
	}

	t.Run("Hits", func(t *testing.T) {
		hits := search(t, accounts.ReportQuery{Text: "distribution"})
		if len(hits) != 1 {
			t.Fatalf("got %d hits, want 1", len(hits))
		}
		h := hits[0]
		if h.ActivityID != 0 || h.ContactID != 0 || h.Matches != 1 {
			t.Errorf("a name hit: got activity %d, contact %d, %d matches; want neither record and 1 match", h.ActivityID, h.ContactID, h.Matches)
		}
		if want := "Rexalor <mark>Distribution</mark>"; h.Snippet != want {
			t.Errorf("snippet %q, want %q", h.Snippet, want)
		}
		// The name and a report both match: two matches, and the snippet
		// comes from whichever record the hit names.
		hits = search(t, accounts.ReportQuery{Text: "brivex"})
		if len(hits) != 1 || hits[0].Matches != 2 {
			t.Fatalf("brivex: got %+v, want one hit with 2 matches", hits)
		}
		if h := hits[0]; h.ActivityID != 0 && h.ActivityID != visit.ID || h.ContactID != 0 ||
			!strings.Contains(h.Snippet, "<mark>Brivex</mark>") {
			t.Errorf("brivex: got %+v, want its name or visit %d, with Brivex marked", h, visit.ID)
		}
	})

	t.Run("FollowsWrites", func(t *testing.T) {
		r := rexalor
		r.Name = "Distribution Sud-Est"
		_, err := s.UpdateAccount(ctx, r, r.Version)
		noErr(t, "UpdateAccount", err)
		if got := found(search(t, accounts.ReportQuery{Text: "rexalor"})); !slices.Equal(got, []string{"other"}) {
			t.Errorf("after a rename, rexalor found %v, want [other]", got)
		}
		if got := found(search(t, accounts.ReportQuery{Text: "sud-est"})); !slices.Equal(got, []string{"rexalor"}) {
			t.Errorf("after a rename, the new name found %v, want [rexalor]", got)
		}
		noErr(t, "DeleteAccount", s.DeleteAccount(ctx, epicerie.ID, 0))
		if got := search(t, accounts.ReportQuery{Text: "halles"}); len(got) != 0 {
			t.Errorf("after the account's delete, its name found %v", found(got))
		}
		// Accounts created in bulk are searchable too.
		bulk := accountFixture(t, 5, nil)
		bulk.Name = "Zorglub Import"
		_, err = s.CreateAccounts(ctx, []accounts.Account{bulk})
		noErr(t, "CreateAccounts", err)
		if got := search(t, accounts.ReportQuery{Text: "zorglub"}); len(got) != 1 {
			t.Errorf("an account created in bulk: found %d, want 1", len(got))
		}
	})
}
