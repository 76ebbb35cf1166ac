package storetest

import (
	"cmp"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

// RuleInputsByID, the rules engine's batch read: what it gives for each
// account must be what the per-account reads (ListRevenue, ListOpportunities,
// ListContacts) and the recorded firings say.

func testRuleInputs(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newRuleWorld(t, open)
	r2 := mustCreate(t, "CreateRule", w.ctx, w.s.CreateRule, ruleFixture(t, 2, true))
	newAccount := func(i int) accounts.Account {
		return mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, i, &w.rep.ID))
	}
	// full has every kind of input; dated has key dates only; outside has
	// revenue outside the ranges, a lost deal and a contact without dates
	// (no inputs at all); none has no record; other has inputs but is not
	// asked for.
	full, dated, outside, none, other := w.account, newAccount(1), newAccount(2), newAccount(3), newAccount(4)

	var revenue []accounts.Revenue
	for m := range 30 {
		month := accounts.MonthOf(time.Date(2023, time.November+time.Month(m), 1, 0, 0, 0, 0, time.UTC))
		revenue = append(revenue, accounts.Revenue{AccountID: full.ID, Month: month, AmountCents: int64(100_000 + 1_337*m)},
			accounts.Revenue{AccountID: other.ID, Month: month, AmountCents: 1})
	}
	revenue = append(revenue, accounts.Revenue{AccountID: outside.ID, Month: "2021-06", AmountCents: 5_000})
	noErr(t, "PutRevenue", w.s.PutRevenue(w.ctx, revenue))

	deal := func(a accounts.Account, i int, status accounts.OpportunityStatus, cents int64) {
		o := opportunityFixture(t, a.ID, w.stage.ID, &w.rep.ID, i)
		o.Status, o.AmountCents = status, cents
		mustCreate(t, "CreateOpportunity", w.ctx, w.s.CreateOpportunity, o)
	}
	deal(full, 1, accounts.StatusOpen, 450_000)
	deal(full, 2, accounts.StatusOpen, 12_345)
	deal(full, 3, accounts.StatusWon, 900_000)
	deal(full, 4, accounts.StatusLost, 70_000)
	deal(outside, 5, accounts.StatusLost, 70_000)
	deal(other, 6, accounts.StatusOpen, 1)

	contact := func(a accounts.Account, i int, dates ...accounts.KeyDate) {
		c := contactFixture(t, a.ID, i)
		c.Dates = dates
		mustValid(t, "contact", c.Validate())
		mustCreate(t, "CreateContact", w.ctx, w.s.CreateContact, c)
	}
	contact(full, 1, accounts.KeyDate{Label: "Départ en retraite", Date: "2027-06-30"},
		accounts.KeyDate{Label: "Anniversaire", Date: "1968-02-29"})
	contact(full, 2)
	contact(dated, 3, accounts.KeyDate{Label: "Fin de contrat", Date: "2026-09-01"})
	contact(full, 4, accounts.KeyDate{Label: "Anniversaire", Date: "1975-11-03"})
	contact(dated, 5, accounts.KeyDate{Label: "Salon", Date: "2026-03-12"}, accounts.KeyDate{Label: "Inventaire", Date: "2026-01-05"})
	contact(outside, 6)
	contact(other, 7, accounts.KeyDate{Label: "Salon", Date: "2026-03-12"})

	fired := map[int64][]accounts.FiredAt{}
	fire := func(rule int64, a accounts.Account, at time.Time) {
		record(t, w.ctx, w.s, accounts.Firing{RuleID: rule, AccountID: a.ID, At: at}, true)
		fired[a.ID] = append(fired[a.ID], accounts.FiredAt{RuleID: rule, At: at.UTC().Truncate(time.Microsecond)})
	}
	fire(r2.ID, full, day(2).Add(123456789*time.Nanosecond))
	fire(w.rule.ID, full, day(1))
	fire(w.rule.ID, other, day(1))
	fire(r2.ID, dated, day(3))
	for _, f := range fired {
		slices.SortFunc(f, func(a, b accounts.FiredAt) int { return cmp.Compare(a.RuleID, b.RuleID) })
	}

	// read reads an account's inputs one record list at a time.
	read := func(t *testing.T, id int64, ranges []accounts.MonthRange) accounts.RuleInputs {
		t.Helper()
		var in accounts.RuleInputs
		rs, err := w.s.ListRevenue(w.ctx, id)
		noErr(t, "ListRevenue", err)
		sums := make([]int64, len(ranges))
		for _, r := range rs {
			for i, rg := range ranges {
				if rg.Holds(r.Month) {
					sums[i] += r.AmountCents
				}
			}
		}
		if slices.ContainsFunc(sums, func(v int64) bool { return v != 0 }) {
			in.Revenue = sums
		}
		os, err := w.s.ListOpportunities(w.ctx, accounts.OpportunityFilter{AccountID: id, Page: accounts.Page{Limit: 1000}})
		noErr(t, "ListOpportunities", err)
		for _, o := range os {
			if o.Status == accounts.StatusOpen {
				in.OpenPipelineCents += o.AmountCents
			}
		}
		cs, err := w.s.ListContacts(w.ctx, accounts.ContactFilter{AccountID: id, Page: accounts.Page{Limit: 1000}})
		noErr(t, "ListContacts", err)
		for _, c := range cs {
			for _, d := range c.Dates {
				in.KeyDates = append(in.KeyDates, accounts.ContactDate{Contact: c.Name, KeyDate: d})
			}
		}
		in.Firings = fired[id]
		return in
	}
	facts := []accounts.MonthRange{{From: "2026-03", To: "2026-03"}, {From: "2025-03", To: "2025-03"}, {From: "2026-01", To: "2026-03"}, {From: "2025-01", To: "2025-03"}}
	asked := []int64{none.ID, full.ID, missingID, outside.ID, dated.ID, full.ID}
	tests := []struct {
		name   string
		ids    []int64
		ranges []accounts.MonthRange
	}{
		{"the facts' ranges", asked, facts},
		{"no ranges", asked, nil},
		{"one range over every month", asked, []accounts.MonthRange{{From: "2000-01", To: "2099-12"}}},
		{"an empty range", asked, []accounts.MonthRange{{From: "2026-03", To: "2026-01"}, {From: "2024-12", To: "2024-12"}}},
		{"no ids", nil, facts},
		{"more ids than a page", append(slices.Repeat([]int64{missingID}, 3000), full.ID), facts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.s.RuleInputsByID(w.ctx, tc.ids, tc.ranges)
			noErr(t, "RuleInputsByID", err)
			if got == nil {
				t.Fatalf("RuleInputsByID: got a nil map, want one")
			}
			for id := range got {
				if !slices.Contains(tc.ids, id) {
					t.Errorf("RuleInputsByID: got account %d, which was not asked for", id)
				}
			}
			for _, id := range tc.ids {
				if id == missingID {
					continue
				}
				if want := read(t, id, tc.ranges); !reflect.DeepEqual(got[id], want) {
					t.Errorf("account %d:\ngot  %+v\nwant %+v", id, got[id], want)
				}
			}
		})
	}
	t.Run("test data", func(t *testing.T) {
		// The accounts above must differ where the cases need them to.
		if in := read(t, full.ID, facts); in.Revenue == nil || in.OpenPipelineCents != 462_345 || len(in.KeyDates) != 3 || len(in.Firings) != 2 {
			t.Errorf("account with every input has %+v", in)
		}
		if in := read(t, dated.ID, facts); len(in.KeyDates) != 3 || in.Revenue != nil {
			t.Errorf("account with key dates has %+v", in)
		}
		if in := read(t, outside.ID, facts); !reflect.DeepEqual(in, accounts.RuleInputs{}) {
			t.Errorf("account without inputs has %+v", in)
		}
	})
}
