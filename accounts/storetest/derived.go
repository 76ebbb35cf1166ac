package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

// day is the fixtures' reference instant moved by n days.
func day(n int) time.Time { return base.Add(time.Duration(n) * 24 * time.Hour) }

// activityAt is an activity of type typ on account (nil: none) starting at
// start, done or planned.
func activityAt(t *testing.T, account *int64, typ accounts.ActivityType, done bool, start time.Time) accounts.Activity {
	t.Helper()
	a := activityFixture(t, account, nil, 0)
	a.Type, a.Done, a.Start, a.End = typ, done, start, start.Add(time.Hour)
	if typ != accounts.ActivityVisit {
		a.CheckIn = nil
	}
	mustValid(t, "activity", a.Validate())
	return a
}

// lastVisitOf is what Account.LastVisitAt of account id must be, given
// every activity of the store.
func lastVisitOf(acts map[int64]accounts.Activity, id int64) *time.Time {
	var last *time.Time
	for _, a := range acts {
		if a.Type == accounts.ActivityVisit && a.Done && sameID(a.AccountID, id) && (last == nil || a.Start.After(*last)) {
			last = &a.Start
		}
	}
	if last == nil {
		return nil
	}
	v := *last
	return &v
}

func testLastVisit(t *testing.T, open func(*testing.T) accounts.Store) {
	t.Run("FollowsActivities", func(t *testing.T) { testLastVisitFollowsActivities(t, open) })
	t.Run("AccountWritesIgnoreIt", func(t *testing.T) { testLastVisitIgnored(t, open) })
}

// testLastVisitFollowsActivities creates, updates and deletes activities of
// two accounts, one step after the other, and checks after each step that
// both accounts read back (by Get, List and AccountsByID) with the
// LastVisitAt their done visits give, and otherwise exactly as created:
// same version, same updated_at. Each step writes the change row of its
// activity and an account update for each account whose last visit it moved
// (so that replicas learn of it even when the visit is deleted).
func testLastVisitFollowsActivities(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	a := w.account
	b := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 1, nil))
	created := []accounts.Account{a, b}
	acts := map[int64]accounts.Activity{}

	check := func(t *testing.T) {
		t.Helper()
		var want []accounts.Account
		for _, acc := range created {
			acc.LastVisitAt = lastVisitOf(acts, acc.ID)
			if acc.LastVisitAt != nil {
				checkStoredTime(t, "LastVisitAt", *acc.LastVisitAt)
			}
			want = append(want, acc)
			checkStoredAccount(t, w, acc)
		}
		listed := listAll(t, "ListAccounts", 0, accountID, func(p accounts.Page) ([]accounts.Account, error) {
			return w.s.ListAccounts(w.ctx, accounts.AccountFilter{Page: p})
		})
		checkList(t, "ListAccounts", listed, want, accountID)
		got, err := w.s.AccountsByID(w.ctx, []int64{a.ID, b.ID})
		noErr(t, "AccountsByID", err)
		checkList(t, "AccountsByID", got, want, accountID)
	}
	// write runs one activity write and checks that it fed its own change
	// row and an update of each account whose last visit it moved.
	write := func(t *testing.T, op accounts.Op, do func() (accounts.Activity, error)) accounts.Activity {
		t.Helper()
		before := map[int64]*time.Time{}
		for _, acc := range created {
			before[acc.ID] = lastVisitOf(acts, acc.ID)
		}
		after := lastSeq(t, w)
		v, err := do()
		noErr(t, string(op)+" activity", err)
		if op == accounts.OpDelete {
			delete(acts, v.ID)
		} else {
			acts[v.ID] = v
		}
		want := []change{{accounts.EntityActivity, v.ID, op, nil}}
		for _, acc := range created {
			was, now := before[acc.ID], lastVisitOf(acts, acc.ID)
			if (was == nil) != (now == nil) || was != nil && !was.Equal(*now) {
				want = append(want, change{accounts.EntityAccount, acc.ID, accounts.OpUpdate, nil})
			}
		}
		checkChanges(t, w, after, want)
		return v
	}
	create := func(t *testing.T, in accounts.Activity) accounts.Activity {
		t.Helper()
		return write(t, accounts.OpCreate, func() (accounts.Activity, error) { return w.s.CreateActivity(w.ctx, in) })
	}
	update := func(t *testing.T, in accounts.Activity, change func(*accounts.Activity)) accounts.Activity {
		t.Helper()
		change(&in)
		mustValid(t, "activity", in.Validate())
		return write(t, accounts.OpUpdate, func() (accounts.Activity, error) { return w.s.UpdateActivity(w.ctx, in, in.Version) })
	}
	remove := func(t *testing.T, v accounts.Activity) {
		t.Helper()
		write(t, accounts.OpDelete, func() (accounts.Activity, error) { return v, w.s.DeleteActivity(w.ctx, v.ID, v.Version) })
	}

	var planned, call, v0, v1, v2, loose, zoned accounts.Activity
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"no activity", func(t *testing.T) {}},
		{"planned visit", func(t *testing.T) {
			planned = create(t, activityAt(t, &a.ID, accounts.ActivityVisit, false, day(10)))
		}},
		{"done call", func(t *testing.T) {
			call = create(t, activityAt(t, &a.ID, accounts.ActivityCall, true, day(11)))
		}},
		{"done visit", func(t *testing.T) {
			v1 = create(t, activityAt(t, &a.ID, accounts.ActivityVisit, true, day(1)))
		}},
		{"later done visit", func(t *testing.T) {
			v2 = create(t, activityAt(t, &a.ID, accounts.ActivityVisit, true, day(2)))
		}},
		{"earlier done visit keeps the latest", func(t *testing.T) {
			v0 = create(t, activityAt(t, &a.ID, accounts.ActivityVisit, true, day(-5)))
		}},
		{"done visit of no account", func(t *testing.T) {
			loose = create(t, activityAt(t, nil, accounts.ActivityVisit, true, day(20)))
		}},
		{"planned visit done", func(t *testing.T) {
			planned = update(t, planned, func(v *accounts.Activity) { v.Done = true })
		}},
		{"latest visit moved earlier", func(t *testing.T) {
			planned = update(t, planned, func(v *accounts.Activity) { v.Start, v.End = day(0), day(0).Add(time.Hour) })
		}},
		{"visit moved to the other account", func(t *testing.T) {
			v2 = update(t, v2, func(v *accounts.Activity) { v.AccountID = &b.ID })
		}},
		{"visit marked not done", func(t *testing.T) {
			v2 = update(t, v2, func(v *accounts.Activity) { v.Done = false })
		}},
		{"latest visit becomes a call", func(t *testing.T) {
			v1 = update(t, v1, func(v *accounts.Activity) { v.Type, v.CheckIn = accounts.ActivityCall, nil })
		}},
		{"call becomes a visit", func(t *testing.T) {
			call = update(t, call, func(v *accounts.Activity) { v.Type = accounts.ActivityVisit })
		}},
		{"visit of no account given one", func(t *testing.T) {
			loose = update(t, loose, func(v *accounts.Activity) { v.AccountID = &b.ID })
		}},
		{"planned visit moved and done at once", func(t *testing.T) {
			v2 = update(t, v2, func(v *accounts.Activity) {
				v.AccountID, v.Done, v.Start, v.End = &a.ID, true, day(30), day(30).Add(time.Hour)
			})
		}},
		{"visit taken from its account", func(t *testing.T) {
			loose = update(t, loose, func(v *accounts.Activity) { v.AccountID = nil })
		}},
		{"failed updates change nothing", func(t *testing.T) {
			after := lastSeq(t, w)
			in := v0
			in.AccountID, in.Start, in.End = &b.ID, day(40), day(40).Add(time.Hour)
			_, err := w.s.UpdateActivity(w.ctx, in, v0.Version+1)
			wantErr(t, "UpdateActivity at a stale version", err, accounts.ErrStale)
			in.ID = missingID
			_, err = w.s.UpdateActivity(w.ctx, in, 0)
			wantErr(t, "UpdateActivity of an unknown activity", err, accounts.ErrNotFound)
			err = w.s.DeleteActivity(w.ctx, v2.ID, v2.Version+1)
			wantErr(t, "DeleteActivity at a stale version", err, accounts.ErrStale)
			checkChanges(t, w, after, nil)
		}},
		{"latest visit deleted", func(t *testing.T) { remove(t, v2) }},
		{"visit in another zone, with nanoseconds", func(t *testing.T) {
			zoned = create(t, activityAt(t, &b.ID, accounts.ActivityVisit, true, day(3).In(paris).Add(789*time.Nanosecond)))
			if want := day(3); !zoned.Start.Equal(want) || zoned.Start.Location() != time.UTC {
				t.Fatalf("test data: activity start %v, want %v", zoned.Start, want)
			}
		}},
		{"every visit deleted", func(t *testing.T) {
			for _, v := range []accounts.Activity{call, planned, v0, zoned} {
				remove(t, v)
			}
			for _, acc := range created {
				if lv := lastVisitOf(acts, acc.ID); lv != nil {
					t.Fatalf("test data: account %d still has a visit at %v", acc.ID, lv)
				}
			}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.run(t)
			check(t)
		})
	}
}

// testLastVisitIgnored checks that account writes neither set nor clear
// LastVisitAt.
func testLastVisitIgnored(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	visit := mustCreate(t, "CreateActivity", w.ctx, w.s.CreateActivity,
		activityAt(t, &w.account.ID, accounts.ActivityVisit, true, day(3)))
	stored, err := w.s.GetAccount(w.ctx, w.account.ID)
	noErr(t, "GetAccount", err)
	if stored.LastVisitAt == nil || !stored.LastVisitAt.Equal(visit.Start) {
		t.Fatalf("LastVisitAt after a done visit: got %v, want %v", stored.LastVisitAt, visit.Start)
	}
	bogus := time.Date(2001, time.January, 2, 3, 4, 5, 0, time.UTC)

	for _, tc := range []struct {
		name    string
		given   *time.Time
		version func(accounts.Account) int64
	}{
		{"nil", nil, func(a accounts.Account) int64 { return a.Version }},
		{"another time", &bogus, func(a accounts.Account) int64 { return a.Version }},
		{"nil at version 0", nil, func(accounts.Account) int64 { return 0 }},
	} {
		t.Run("UpdateAccount given "+tc.name, func(t *testing.T) {
			prev, err := w.s.GetAccount(w.ctx, w.account.ID)
			noErr(t, "GetAccount", err)
			in := prev
			accountOps.mutate(t, w, &in)
			in.LastVisitAt = tc.given
			u, err := w.s.UpdateAccount(w.ctx, in, tc.version(prev))
			noErr(t, "UpdateAccount", err)
			accountOps.checkUpdated(t, prev, u)
			in.LastVisitAt = stored.LastVisitAt
			checkSame(t, "updated account", u, accountOps.withMeta(in, u.Meta))
			checkStoredAccount(t, w, u)
		})
	}

	t.Run("CreateAccount", func(t *testing.T) {
		in := accountFixture(t, 2, nil)
		in.LastVisitAt = &bogus
		got, err := w.s.CreateAccount(w.ctx, in)
		noErr(t, "CreateAccount", err)
		in.LastVisitAt = nil
		checkSame(t, "created account", got, accountOps.withMeta(in, got.Meta))
		checkStoredAccount(t, w, got)
	})

	t.Run("CreateAccounts", func(t *testing.T) {
		in := []accounts.Account{accountFixture(t, 3, nil), accountFixture(t, 4, nil)}
		in[1].LastVisitAt = &bogus
		got, err := w.s.CreateAccounts(w.ctx, in)
		noErr(t, "CreateAccounts", err)
		in[1].LastVisitAt = nil
		for i := range got {
			checkSame(t, "created account", got[i], accountOps.withMeta(in[i], got[i].Meta))
			checkStoredAccount(t, w, got[i])
		}
	})
}

func testAccountsByID(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	all := []accounts.Account{w.account}
	for i := range 4 {
		all = append(all, mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, i, &w.rep.ID)))
	}
	gone := all[3]
	noErr(t, "DeleteAccount", w.s.DeleteAccount(w.ctx, gone.ID, 0))
	// A visit, so that the records carry a LastVisitAt too.
	mustCreate(t, "CreateActivity", w.ctx, w.s.CreateActivity, activityAt(t, &all[2].ID, accounts.ActivityVisit, true, day(1)))
	stored := map[int64]accounts.Account{}
	for _, a := range all {
		if a.ID == gone.ID {
			continue
		}
		got, err := w.s.GetAccount(w.ctx, a.ID)
		noErr(t, "GetAccount", err)
		stored[a.ID] = got
	}
	// want is what AccountsByID(ids) must return: the stored accounts of
	// ids, in order, once per occurrence.
	want := func(ids []int64) []accounts.Account {
		out := []accounts.Account{}
		for _, id := range ids {
			if a, ok := stored[id]; ok {
				out = append(out, a)
			}
		}
		return out
	}
	id := func(i int) int64 { return all[i].ID }

	var many []int64
	for i := range accounts.MaxAccountsByID {
		many = append(many, id(i%len(all)))
		if i%7 == 0 {
			many[i] = missingID + int64(i)
		}
	}
	tests := []struct {
		name string
		ids  []int64
	}{
		{"one", []int64{id(1)}},
		{"in the order given", []int64{id(4), id(0), id(2), id(1)}},
		{"unknown ids skipped", []int64{missingID, id(2), gone.ID, 0, -1, id(1), missingID + 1}},
		{"duplicates once per occurrence", []int64{id(1), id(2), id(1), id(1), id(4), id(2)}},
		{"only unknown ids", []int64{missingID, gone.ID}},
		{"empty", []int64{}},
		{"nil", nil},
		{"the most ids at once", many},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.s.AccountsByID(w.ctx, tc.ids)
			noErr(t, "AccountsByID", err)
			if got == nil {
				t.Errorf("AccountsByID: got nil, want a non-nil slice")
			}
			checkList(t, "AccountsByID", got, want(tc.ids), accountID)
		})
	}
	t.Run("too many ids", func(t *testing.T) {
		_, err := w.s.AccountsByID(w.ctx, append(slices.Clone(many), id(0)))
		wantErr(t, "AccountsByID of more than MaxAccountsByID ids", err, accounts.ErrInvalid)
	})
}
