package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tournee/tournee/accounts"
)

// testSearch holds both stores to the same answers for report search:
// accents and case ignored, words compared by stem, every word required,
// phrases and prefixes, the account filter, ranking, the limit, and an
// index that follows updates and deletes. Rank values differ by store;
// only the order they give is compared.
func testSearch(t *testing.T, open func(t *testing.T) accounts.Store) {
	w := newWorld(t, open)
	s, ctx := w.s, w.ctx
	acc := map[string]int64{"A": w.account.ID}
	for i, name := range []string{"B", "C", "D", "X", "Y"} {
		acc[name] = mustCreate(t, "CreateAccount", ctx, s.CreateAccount, accountFixture(t, 92+i, &w.rep.ID)).ID
	}
	activity := func(account, subject, report string) accounts.Activity {
		t.Helper()
		a := activityFixture(t, ptr(acc[account]), &w.rep.ID, len(subject)+len(report))
		a.Subject, a.Report = subject, report
		return mustCreate(t, "CreateActivity", ctx, s.CreateActivity, a)
	}
	a1 := activity("A", "Visite trimestrielle",
		"Livraisons retardées : Rexalor ne peut pas livrer avant mars. Ruptures de stock sur deux références.")
	activity("A", "Appel", "Relance sur le devis Rexalor.")
	b1 := activity("B", "Visite", "Le gérant signale une rupture chez son fournisseur actuel, Rexalor.")
	c := contactFixture(t, acc["C"], 1)
	c.Notes = "Ancien acheteur chez Rexalor, très intéressé par nos éléments de présentoir."
	c = mustCreate(t, "CreateContact", ctx, s.CreateContact, c)
	activity("D", "Commande", "Commande passée <script>, rien à signaler.")
	activity("X", "Prospection", "Rexalor rexalor REXALOR propose des tarifs bas")
	activity("Y", "Prospection", "Rexalor propose des tarifs bas sur les gâteaux")

	names := map[int64]string{}
	for name, id := range acc {
		names[id] = name
	}
	search, found := reportSearch(ctx, s, names)

	for _, tt := range []struct {
		name, q string
		ids     []string // nil: every account
		want    []string
	}{
		{"accents and plural", "livraison", nil, []string{"A"}},
		{"accented query", "RETARDÉES", nil, []string{"A"}},
		{"plural", "rupture", nil, []string{"A", "B"}},
		{"accents in the text", "elements", nil, []string{"C"}},
		{"every word required", "rexalor livraison", nil, []string{"A"}},
		{"a word missing", "livraison gâteaux", nil, []string{}},
		{"stop words ignored", "la rupture de", nil, []string{"A", "B"}},
		{"phrase", `"ne peut pas livrer"`, nil, []string{"A"}},
		{"phrase out of order", `"livrer peut"`, nil, []string{}},
		{"prefix", "rexa*", nil, []string{"A", "B", "C", "X", "Y"}},
		{"account filter", "rexalor", []string{"B", "C", "D"}, []string{"B", "C"}},
		{"empty account filter", "rexalor", []string{}, []string{}},
		{"injection is text", "'; DROP TABLE activities; --", nil, []string{}},
		{"operators are text", `rexalor OR "gâteaux" NOT -tarifs`, nil, []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := accounts.ReportQuery{Text: tt.q}
			if tt.ids != nil {
				q.AccountIDs = []int64{}
				for _, n := range tt.ids {
					q.AccountIDs = append(q.AccountIDs, acc[n])
				}
			}
			if got := found(search(t, q)); !slices.Equal(got, tt.want) {
				t.Errorf("SearchReports(%q) found %v, want %v", tt.q, got, tt.want)
			}
		})
	}

	t.Run("Hits", func(t *testing.T) {
		hits := search(t, accounts.ReportQuery{Text: "rexalor"})
		if got, want := found(hits), []string{"A", "B", "C", "X", "Y"}; !slices.Equal(got, want) {
			t.Fatalf("found %v, want %v", got, want)
		}
		for i, h := range hits {
			if i > 0 && (h.Rank > hits[i-1].Rank || h.Rank == hits[i-1].Rank && h.AccountID < hits[i-1].AccountID) {
				t.Errorf("hit %d (%s, rank %g) after %s (rank %g): not best first, ties by id",
					i, names[h.AccountID], h.Rank, names[hits[i-1].AccountID], hits[i-1].Rank)
			}
			if (h.ActivityID == 0) == (h.ContactID == 0) {
				t.Errorf("hit %s: activity %d, contact %d; want exactly one", names[h.AccountID], h.ActivityID, h.ContactID)
			}
			switch names[h.AccountID] {
			case "A":
				if h.Matches != 2 {
					t.Errorf("A: got %d matches, want 2 (two activities)", h.Matches)
				}
			case "C":
				if h.ContactID != c.ID {
					t.Errorf("C: got contact %d, want %d (its notes)", h.ContactID, c.ID)
				}
			}
		}
		rank := func(name string) int {
			return slices.IndexFunc(hits, func(h accounts.ReportHit) bool { return h.AccountID == acc[name] })
		}
		if rank("X") > rank("Y") {
			t.Errorf("X, whose report says rexalor three times, ranks after Y, which says it once")
		}
		limited := search(t, accounts.ReportQuery{Text: "rexalor", Limit: 2})
		if len(limited) != 2 || limited[0].AccountID != hits[0].AccountID || limited[1].AccountID != hits[1].AccountID {
			t.Errorf("limit 2 gave %v, want the first two of %v", found(limited), found(hits))
		}
	})

	t.Run("Snippets", func(t *testing.T) {
		hits := search(t, accounts.ReportQuery{Text: "livraison"})
		if len(hits) != 1 || hits[0].ActivityID != a1.ID {
			t.Fatalf("got %+v, want activity %d", hits, a1.ID)
		}
		if want := "<mark>Livraisons</mark> retardées"; !strings.Contains(hits[0].Snippet, want) {
			t.Errorf("snippet %q does not hold %q", hits[0].Snippet, want)
		}
		hits = search(t, accounts.ReportQuery{Text: "commande"})
		if len(hits) != 1 || !strings.Contains(hits[0].Snippet, "passée &lt;script&gt;") {
			t.Errorf("got %+v, want D's report escaped", hits)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		for _, q := range []accounts.ReportQuery{
			{Text: "  "},
			{Text: "le de pas"},
			{Text: strings.Repeat("a", accounts.MaxSearchRunes+1)},
			{Text: "rexalor", Limit: accounts.MaxReportHits + 1},
			{Text: "r*"},
		} {
			if _, err := s.SearchReports(ctx, q); !errors.Is(err, accounts.ErrInvalid) {
				t.Errorf("SearchReports(%q, limit %d): got %v, want ErrInvalid", q.Text, q.Limit, err)
			}
		}
		// The injection attempt above left the tables alone.
		if as, err := s.ListActivities(ctx, accounts.ActivityFilter{}); err != nil || len(as) != 6 {
			t.Errorf("ListActivities: %d activities, %v; want 6", len(as), err)
		}
	})

	t.Run("FollowsWrites", func(t *testing.T) {
		a := a1
		a.Report = "Le concurrent Brivex livre plus vite."
		a, err := s.UpdateActivity(ctx, a, a.Version)
		noErr(t, "UpdateActivity", err)
		if got := found(search(t, accounts.ReportQuery{Text: "brivex"})); !slices.Equal(got, []string{"A"}) {
			t.Errorf("after update, brivex found %v, want [A]", got)
		}
		if got := found(search(t, accounts.ReportQuery{Text: "livraison"})); len(got) != 0 {
			t.Errorf("after update, livraison still found %v", got)
		}
		// The subject alone still matches.
		if got := found(search(t, accounts.ReportQuery{Text: "trimestrielle"})); !slices.Equal(got, []string{"A"}) {
			t.Errorf("after update, the subject found %v, want [A]", got)
		}

		noErr(t, "DeleteActivity", s.DeleteActivity(ctx, b1.ID, b1.Version))
		if got := found(search(t, accounts.ReportQuery{Text: "rupture"})); len(got) != 0 {
			t.Errorf("after delete, rupture found %v", got)
		}

		c2 := c
		c2.Notes = "Acheteur parti chez Brivex."
		_, err = s.UpdateContact(ctx, c2, c.Version)
		noErr(t, "UpdateContact", err)
		if got := found(search(t, accounts.ReportQuery{Text: "brivex"})); !slices.Equal(got, []string{"A", "C"}) {
			t.Errorf("after contact update, brivex found %v, want [A C]", got)
		}

		// Deleting an account takes its contacts, and their notes, with it.
		e := mustCreate(t, "CreateAccount", ctx, s.CreateAccount, accountFixture(t, 99, &w.rep.ID))
		ec := contactFixture(t, e.ID, 2)
		ec.Notes = "Zorglub"
		mustCreate(t, "CreateContact", ctx, s.CreateContact, ec)
		if got := search(t, accounts.ReportQuery{Text: "zorglub"}); len(got) != 1 {
			t.Fatalf("zorglub found %d accounts, want 1", len(got))
		}
		noErr(t, "DeleteAccount", s.DeleteAccount(ctx, e.ID, e.Version))
		if got := search(t, accounts.ReportQuery{Text: "zorglub"}); len(got) != 0 {
			t.Errorf("after the account's delete, zorglub found %d accounts", len(got))
		}
	})
}

// reportSearch gives the tests of one world search (the hits of a query,
// failing t on an error) and found (the names of their accounts, sorted).
func reportSearch(ctx context.Context, s accounts.Store, names map[int64]string) (
	search func(*testing.T, accounts.ReportQuery) []accounts.ReportHit, found func([]accounts.ReportHit) []string) {
	search = func(t *testing.T, q accounts.ReportQuery) []accounts.ReportHit {
		t.Helper()
		hits, err := s.SearchReports(ctx, q)
		if err != nil {
			t.Fatalf("SearchReports(%q): %v", q.Text, err)
		}
		return hits
	}
	found = func(hits []accounts.ReportHit) []string {
		out := []string{}
		for _, h := range hits {
			out = append(out, names[h.AccountID])
		}
		slices.Sort(out)
		return out
	}
	return search, found
}
