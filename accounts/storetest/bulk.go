package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

func testBulk(t *testing.T, open func(*testing.T) accounts.Store) {
	t.Run("CreateTerritories", func(t *testing.T) {
		w := newWorld(t, open)
		in := []accounts.Territory{territoryFixture(t, &w.rep.ID, 1), territoryFixture(t, nil, 2), territoryFixture(t, &w.manager.ID, 3)}
		after := lastSeq(t, w)
		got, err := w.s.CreateTerritories(w.asActor, in)
		noErr(t, "CreateTerritories", err)
		if len(got) != len(in) {
			t.Fatalf("CreateTerritories: got %d territories, want %d", len(got), len(in))
		}
		var want []change
		for i, tr := range got {
			checkNewMeta(t, "CreateTerritories["+itoa(int64(i))+"]", tr.Meta)
			stored, err := w.s.GetTerritory(w.ctx, tr.ID)
			noErr(t, "GetTerritory", err)
			checkSame(t, "created territory", stored, tr)
			want = append(want, change{accounts.EntityTerritory, tr.ID, accounts.OpCreate, &w.manager.ID})
		}
		checkChanges(t, w, after, want)

		// One bad territory (an assignee that does not exist) and none is written.
		bad := []accounts.Territory{territoryFixture(t, &w.rep.ID, 4), territoryFixture(t, ptr(missingID), 5)}
		after = lastSeq(t, w)
		_, err = w.s.CreateTerritories(w.ctx, bad)
		wantErr(t, "CreateTerritories with a missing assignee", err, accounts.ErrInvalid)
		all, err := w.s.ListTerritories(w.ctx, accounts.TerritoryFilter{})
		noErr(t, "ListTerritories", err)
		if len(all) != len(in) {
			t.Errorf("after a failed bulk create: %d territories, want %d", len(all), len(in))
		}
		if seq := lastSeq(t, w); seq != after {
			t.Errorf("a failed bulk create moved the feed from %d to %d", after, seq)
		}
		empty, err := w.s.CreateTerritories(w.ctx, nil)
		if err != nil || len(empty) != 0 {
			t.Errorf("CreateTerritories(nil) = %v, %v; want nothing", empty, err)
		}
	})
	t.Run("CreateAccounts", func(t *testing.T) {
		for _, n := range []int{1, 5, 60} {
			t.Run(itoa(int64(n)), func(t *testing.T) {
				w := newWorld(t, open)
				var in []accounts.Account
				for i := range n {
					owner := &w.rep.ID
					if i%3 == 1 {
						owner = nil
					}
					in = append(in, accountFixture(t, i, owner))
				}
				after := lastSeq(t, w)
				got, err := w.s.CreateAccounts(w.asActor, in)
				noErr(t, "CreateAccounts", err)
				if len(got) != n {
					t.Fatalf("CreateAccounts: got %d accounts, want %d", len(got), n)
				}
				seen := map[int64]bool{}
				var want []change
				for i, a := range got {
					checkNewMeta(t, "CreateAccounts["+itoa(int64(i))+"]", a.Meta)
					if seen[a.ID] {
						t.Errorf("CreateAccounts: got id %d twice, want distinct ids", a.ID)
					}
					seen[a.ID] = true
					checkSame(t, "CreateAccounts["+itoa(int64(i))+"] (in input order)", a, accountOps.withMeta(in[i], a.Meta))
					want = append(want, change{accounts.EntityAccount, a.ID, accounts.OpCreate, &w.manager.ID})
				}
				listed := listAll(t, "ListAccounts", 0, accountID, func(p accounts.Page) ([]accounts.Account, error) {
					return w.s.ListAccounts(w.ctx, accounts.AccountFilter{Page: p})
				})
				checkList(t, "ListAccounts", listed, byID(append([]accounts.Account{w.account}, got...), accountID), accountID)
				checkChanges(t, w, after, want)
			})
		}
	})

	t.Run("CreateAccountsKeepsCreatedAt", func(t *testing.T) {
		w := newWorld(t, open)
		registered := time.Date(2019, time.March, 1, 10, 20, 30, 123456789, paris)
		in := []accounts.Account{accountFixture(t, 1, nil), accountFixture(t, 2, nil), accountFixture(t, 3, nil)}
		in[0].CreatedAt = registered
		// The rest of Meta is still the store's.
		in[0].ID, in[0].Version, in[0].UpdatedAt = missingID, 7, registered
		in[2].CreatedAt = base
		wantCreated := []time.Time{registered.UTC().Truncate(time.Microsecond), {}, base}
		after := lastSeq(t, w)
		start := time.Now().Add(-time.Minute) // leeway for a store whose clock is another machine's
		got, err := w.s.CreateAccounts(w.asActor, in)
		noErr(t, "CreateAccounts", err)
		if len(got) != len(in) {
			t.Fatalf("CreateAccounts: got %d accounts, want %d", len(got), len(in))
		}
		var want []change
		for i, a := range got {
			what := "CreateAccounts[" + itoa(int64(i)) + "]"
			if a.ID <= 0 || a.ID == missingID || a.Version != 1 {
				t.Errorf("%s: got ID %d, version %d; want a new id and version 1", what, a.ID, a.Version)
			}
			checkStoredTime(t, what+": CreatedAt", a.CreatedAt)
			checkStoredTime(t, what+": UpdatedAt", a.UpdatedAt)
			if wantCreated[i].IsZero() {
				if a.CreatedAt != a.UpdatedAt {
					t.Errorf("%s without CreatedAt: got CreatedAt %v, want UpdatedAt %v", what, a.CreatedAt, a.UpdatedAt)
				}
			} else if a.CreatedAt != wantCreated[i] {
				t.Errorf("%s: got CreatedAt %v, want %v", what, a.CreatedAt, wantCreated[i])
			}
			if a.UpdatedAt.Before(start) {
				t.Errorf("%s: got UpdatedAt %v, want now (after %v)", what, a.UpdatedAt, start)
			}
			checkSame(t, what, a, accountOps.withMeta(in[i], a.Meta))
			checkStoredAccount(t, w, a)
			want = append(want, change{accounts.EntityAccount, a.ID, accounts.OpCreate, &w.manager.ID})
		}
		checkChanges(t, w, after, want)

		// An update keeps the date given at the import.
		u, err := w.s.UpdateAccount(w.ctx, got[0], got[0].Version)
		noErr(t, "UpdateAccount", err)
		accountOps.checkUpdated(t, got[0], u)
		checkStoredAccount(t, w, u)
	})

	t.Run("CreateAccountIgnoresCreatedAt", func(t *testing.T) {
		w := newWorld(t, open)
		in := accountFixture(t, 1, nil)
		in.CreatedAt = time.Date(2019, time.March, 1, 10, 20, 30, 0, time.UTC)
		got, err := w.s.CreateAccount(w.ctx, in)
		noErr(t, "CreateAccount", err)
		checkNewMeta(t, "CreateAccount", got.Meta)
		if got.CreatedAt.Equal(in.CreatedAt) {
			t.Errorf("CreateAccount: got the CreatedAt given, %v, want now", got.CreatedAt)
		}
		checkStoredAccount(t, w, got)
	})

	t.Run("CreateAccountsEmpty", func(t *testing.T) {
		w := newWorld(t, open)
		after := lastSeq(t, w)
		got, err := w.s.CreateAccounts(w.asActor, nil)
		noErr(t, "CreateAccounts of no account", err)
		if len(got) != 0 {
			t.Errorf("CreateAccounts of no account: got %d accounts, want 0", len(got))
		}
		checkChanges(t, w, after, nil)
	})

	t.Run("CreateAccountsAllOrNone", func(t *testing.T) {
		for _, bad := range []int{0, 2, 4} {
			t.Run("bad at "+itoa(int64(bad)), func(t *testing.T) {
				w := newWorld(t, open)
				var in []accounts.Account
				for i := range 5 {
					in = append(in, accountFixture(t, i, &w.rep.ID))
				}
				in[bad].OwnerID = ptr(missingID)
				snap := snapshot(t, w)
				_, err := w.s.CreateAccounts(w.asActor, in)
				wantErr(t, "CreateAccounts with a missing owner", err, accounts.ErrInvalid)
				snap.check(t, w)
				checkChanges(t, w, snap.seq, nil)
			})
		}
	})

	t.Run("CreateContacts", func(t *testing.T) {
		w := newWorld(t, open)
		other := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 1, nil))
		var in []accounts.Contact
		for i := range 4 {
			acc := w.account.ID
			if i%2 == 1 {
				acc = other.ID
			}
			in = append(in, contactFixture(t, acc, i))
		}
		in[3].Dates = nil
		after := lastSeq(t, w)
		got, err := w.s.CreateContacts(w.asActor, in)
		noErr(t, "CreateContacts", err)
		if len(got) != len(in) {
			t.Fatalf("CreateContacts: got %d contacts, want %d", len(got), len(in))
		}
		in[3].Dates = []accounts.KeyDate{}
		seen := map[int64]bool{}
		var want []change
		for i, c := range got {
			checkNewMeta(t, "CreateContacts["+itoa(int64(i))+"]", c.Meta)
			if seen[c.ID] {
				t.Errorf("CreateContacts: got id %d twice, want distinct ids", c.ID)
			}
			seen[c.ID] = true
			checkSame(t, "CreateContacts["+itoa(int64(i))+"] (in input order)", c, contactOps.withMeta(in[i], c.Meta))
			stored, err := w.s.GetContact(w.ctx, c.ID)
			noErr(t, "GetContact", err)
			checkSame(t, "stored contact", stored, c)
			want = append(want, change{accounts.EntityContact, c.ID, accounts.OpCreate, &w.manager.ID})
		}
		checkChanges(t, w, after, want)
	})

	t.Run("CreateContactsAllOrNone", func(t *testing.T) {
		w := newWorld(t, open)
		in := []accounts.Contact{contactFixture(t, w.account.ID, 1), contactFixture(t, w.account.ID, 2), contactFixture(t, missingID, 3)}
		snap := snapshot(t, w)
		_, err := w.s.CreateContacts(w.asActor, in)
		wantErr(t, "CreateContacts with a missing account", err, accounts.ErrInvalid)
		snap.check(t, w)
		checkChanges(t, w, snap.seq, nil)
	})
}

func testRevenue(t *testing.T, open func(*testing.T) accounts.Store) {
	// setup returns a world with a second account.
	setup := func(t *testing.T) (*world, accounts.Account, accounts.Account) {
		w := newWorld(t, open)
		return w, w.account, mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 1, nil))
	}
	listRevenue := func(t *testing.T, w *world, id int64) []accounts.Revenue {
		t.Helper()
		rs, err := w.s.ListRevenue(w.ctx, id)
		noErr(t, "ListRevenue", err)
		return rs
	}
	rev := func(a accounts.Account, month accounts.Month, cents int64) accounts.Revenue {
		return accounts.Revenue{AccountID: a.ID, Month: month, AmountCents: cents}
	}
	// revenueChanges checks one revenue change per account, by the actor,
	// with Op create or update: the contract names the entity, not the Op.
	revenueChanges := func(t *testing.T, w *world, after int64, by *int64, ids ...int64) {
		t.Helper()
		got := project(checkFeed(t, w.s, after))
		sortChanges(got)
		slices.Sort(ids)
		ok := len(got) == len(ids)
		for i := 0; ok && i < len(got); i++ {
			g := got[i]
			ok = g.Entity == accounts.EntityRevenue && g.EntityID == ids[i] &&
				(g.Op == accounts.OpCreate || g.Op == accounts.OpUpdate) &&
				change{By: g.By}.String() == change{By: by}.String()
		}
		if !ok {
			want := make([]change, len(ids))
			for i, id := range ids {
				want[i] = change{accounts.EntityRevenue, id, "create|update", by}
			}
			t.Errorf("change rows:\ngot  %v\nwant %v", got, want)
		}
	}

	t.Run("Empty", func(t *testing.T) {
		w, a, _ := setup(t)
		if rs := listRevenue(t, w, a.ID); len(rs) != 0 {
			t.Errorf("ListRevenue of an account without revenue: got %v, want none", rs)
		}
		after := lastSeq(t, w)
		noErr(t, "PutRevenue of nothing", w.s.PutRevenue(w.asActor, nil))
		checkChanges(t, w, after, nil)
	})

	t.Run("PutAndList", func(t *testing.T) {
		w, a, b := setup(t)
		after := lastSeq(t, w)
		noErr(t, "PutRevenue", w.s.PutRevenue(w.asActor, []accounts.Revenue{
			rev(a, "2024-03", 100_00),
			rev(b, "2024-02", 70_00),
			rev(a, "2024-01", 50_00),
			rev(a, "2023-12", 10_00),
			rev(b, "2023-11", 0),
			rev(a, "2024-10", -25_00), // a credit note
		}))
		checkSame(t, "ListRevenue in month order", listRevenue(t, w, a.ID), []accounts.Revenue{
			rev(a, "2023-12", 10_00), rev(a, "2024-01", 50_00), rev(a, "2024-03", 100_00), rev(a, "2024-10", -25_00),
		})
		checkSame(t, "ListRevenue of the other account", listRevenue(t, w, b.ID), []accounts.Revenue{
			rev(b, "2023-11", 0), rev(b, "2024-02", 70_00),
		})
		revenueChanges(t, w, after, &w.manager.ID, a.ID, b.ID)
	})

	t.Run("Upsert", func(t *testing.T) {
		w, a, b := setup(t)
		noErr(t, "PutRevenue", w.s.PutRevenue(w.ctx, []accounts.Revenue{
			rev(a, "2024-01", 50_00), rev(a, "2024-02", 60_00), rev(b, "2024-01", 1_00),
		}))
		after := lastSeq(t, w)
		noErr(t, "PutRevenue again", w.s.PutRevenue(w.ctx, []accounts.Revenue{
			rev(a, "2024-01", 55_00), rev(a, "2024-03", 70_00),
		}))
		checkSame(t, "ListRevenue after a second put", listRevenue(t, w, a.ID), []accounts.Revenue{
			rev(a, "2024-01", 55_00), rev(a, "2024-02", 60_00), rev(a, "2024-03", 70_00),
		})
		checkSame(t, "ListRevenue of the account not in the second put", listRevenue(t, w, b.ID), []accounts.Revenue{
			rev(b, "2024-01", 1_00),
		})
		revenueChanges(t, w, after, nil, a.ID)
	})

	t.Run("SameMonthTwiceInOneBatch", func(t *testing.T) {
		// Entries are applied in order: the last amount of a month wins.
		w, a, _ := setup(t)
		after := lastSeq(t, w)
		noErr(t, "PutRevenue", w.s.PutRevenue(w.ctx, []accounts.Revenue{
			rev(a, "2024-05", 1_00), rev(a, "2024-06", 6_00), rev(a, "2024-05", 5_00),
		}))
		checkSame(t, "ListRevenue", listRevenue(t, w, a.ID), []accounts.Revenue{rev(a, "2024-05", 5_00), rev(a, "2024-06", 6_00)})
		revenueChanges(t, w, after, nil, a.ID)
	})

	t.Run("AllOrNone", func(t *testing.T) {
		w, a, b := setup(t)
		noErr(t, "PutRevenue", w.s.PutRevenue(w.ctx, []accounts.Revenue{rev(a, "2024-01", 50_00)}))
		snap := snapshot(t, w)
		err := w.s.PutRevenue(w.asActor, []accounts.Revenue{
			rev(a, "2024-01", 99_00),
			rev(b, "2024-01", 1_00),
			{AccountID: missingID, Month: "2024-01", AmountCents: 2_00},
			rev(a, "2024-02", 3_00),
		})
		wantErr(t, "PutRevenue with a missing account", err, accounts.ErrInvalid)
		snap.check(t, w)
		checkChanges(t, w, snap.seq, nil)
	})
}
