package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/tournee/tournee/accounts"
)

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// change is what a test expects of a Change row; Seq and At are checked
// separately.
type change struct {
	Entity   string
	EntityID int64
	Op       accounts.Op
	By       *int64
}

func (c change) String() string {
	by := "nil"
	if c.By != nil {
		by = itoa(*c.By)
	}
	return fmt.Sprintf("{%s %d %s by %s}", c.Entity, c.EntityID, c.Op, by)
}

// feed reads every change with Seq > after.
func feed(t *testing.T, s accounts.Store, after int64) []accounts.Change {
	t.Helper()
	const limit = 500
	var all []accounts.Change
	for range 10_000 {
		page, err := s.Changes(context.Background(), after, limit)
		if err != nil {
			t.Fatalf("Changes(%d, %d): %v", after, limit, err)
		}
		all = append(all, page...)
		if len(page) < limit {
			return all
		}
		after = page[len(page)-1].Seq
	}
	t.Fatalf("Changes never ends")
	return nil
}

// lastSeq returns the Seq of the last change of w's store, 0 if none.
func lastSeq(t *testing.T, w *world) int64 {
	t.Helper()
	return lastSeqOf(t, w.s)
}

// lastSeqOf returns the newest seq of the feed, and checks that
// LastChangeSeq tells the same.
func lastSeqOf(t *testing.T, s accounts.Store) int64 {
	t.Helper()
	var last int64
	if all := feed(t, s, 0); len(all) > 0 {
		last = all[len(all)-1].Seq
	}
	got, err := s.LastChangeSeq(context.Background())
	noErr(t, "LastChangeSeq", err)
	if got != last {
		t.Errorf("LastChangeSeq: got %d, want %d (the newest seq of the feed)", got, last)
	}
	return last
}

// checkChanges checks that the changes after Seq after are exactly want, in
// any order, and that they are well formed.
func checkChanges(t *testing.T, w *world, after int64, want []change) {
	t.Helper()
	checkChangesOf(t, w.s, after, want)
}

func checkChangesOf(t *testing.T, s accounts.Store, after int64, want []change) {
	t.Helper()
	got := project(checkFeed(t, s, after))
	want = slices.Clone(want)
	sortChanges(got)
	sortChanges(want)
	if !slices.EqualFunc(got, want, func(a, b change) bool { return a.String() == b.String() }) {
		t.Errorf("change rows:\ngot  %v\nwant %v", got, want)
	}
}

// checkFeed reads the changes after Seq after and checks that their Seq
// strictly increases past after and that each has a UTC time.
func checkFeed(t *testing.T, s accounts.Store, after int64) []accounts.Change {
	t.Helper()
	all := feed(t, s, after)
	prev := after
	for _, c := range all {
		if c.Seq <= prev {
			t.Errorf("change %v: got Seq %d, want > %d (strictly increasing)", c, c.Seq, prev)
		}
		prev = c.Seq
		if c.At.IsZero() {
			t.Errorf("change %d: got zero At, want the time of the write", c.Seq)
		} else {
			checkStoredTime(t, "change "+itoa(c.Seq)+": At", c.At)
		}
	}
	return all
}

func project(cs []accounts.Change) []change {
	out := make([]change, len(cs))
	for i, c := range cs {
		out[i] = change{c.Entity, c.EntityID, c.Op, c.By}
	}
	return out
}

func sortChanges(cs []change) {
	slices.SortFunc(cs, func(a, b change) int {
		return cmp.Or(cmp.Compare(a.Entity, b.Entity), cmp.Compare(a.EntityID, b.EntityID), cmp.Compare(a.Op, b.Op))
	})
}

func testChanges(t *testing.T, open func(*testing.T) accounts.Store) {
	t.Run("Actor", func(t *testing.T) {
		w := newWorld(t, open)
		tests := []struct {
			name string
			ctx  context.Context
			want *int64
		}{
			{"without actor", w.ctx, nil},
			{"manager", w.asActor, &w.manager.ID},
			{"rep", accounts.WithActor(w.ctx, w.rep.ID), &w.rep.ID},
		}
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				after := lastSeq(t, w)
				a, err := w.s.CreateAccount(tc.ctx, accountFixture(t, i, nil))
				noErr(t, "CreateAccount", err)
				a, err = w.s.UpdateAccount(tc.ctx, a, a.Version)
				noErr(t, "UpdateAccount", err)
				noErr(t, "DeleteAccount", w.s.DeleteAccount(tc.ctx, a.ID, a.Version))
				st, err := w.s.CreateStage(tc.ctx, stageFixture(t, i, 5))
				noErr(t, "CreateStage", err)
				checkChanges(t, w, after, []change{
					{accounts.EntityAccount, a.ID, accounts.OpCreate, tc.want},
					{accounts.EntityAccount, a.ID, accounts.OpUpdate, tc.want},
					{accounts.EntityAccount, a.ID, accounts.OpDelete, tc.want},
					{accounts.EntityStage, st.ID, accounts.OpCreate, tc.want},
				})
			})
		}
	})

	t.Run("Creates", func(t *testing.T) {
		// One create row per record type, attributed to the actor.
		w := newWorld(t, open)
		after := lastSeq(t, w)
		ctx := w.asActor
		by := &w.manager.ID
		u := mustCreate(t, "CreateUser", ctx, w.s.CreateUser, userFixture(t, 1, accounts.RoleRep, nil))
		a := mustCreate(t, "CreateAccount", ctx, w.s.CreateAccount, accountFixture(t, 1, nil))
		c := mustCreate(t, "CreateContact", ctx, w.s.CreateContact, contactFixture(t, a.ID, 1))
		st := mustCreate(t, "CreateStage", ctx, w.s.CreateStage, stageFixture(t, 1, 3))
		o := mustCreate(t, "CreateOpportunity", ctx, w.s.CreateOpportunity, opportunityFixture(t, a.ID, st.ID, nil, 1))
		ac := mustCreate(t, "CreateActivity", ctx, w.s.CreateActivity, activityFixture(t, &a.ID, nil, 1))
		tk := mustCreate(t, "CreateTask", ctx, w.s.CreateTask, taskFixture(t, nil, u.ID, nil, 1))
		tr := mustCreate(t, "CreateTerritory", ctx, w.s.CreateTerritory, territoryFixture(t, nil, 1))
		checkChanges(t, w, after, []change{
			{accounts.EntityUser, u.ID, accounts.OpCreate, by},
			{accounts.EntityAccount, a.ID, accounts.OpCreate, by},
			{accounts.EntityContact, c.ID, accounts.OpCreate, by},
			{accounts.EntityStage, st.ID, accounts.OpCreate, by},
			{accounts.EntityOpportunity, o.ID, accounts.OpCreate, by},
			{accounts.EntityActivity, ac.ID, accounts.OpCreate, by},
			{accounts.EntityTask, tk.ID, accounts.OpCreate, by},
			{accounts.EntityTerritory, tr.ID, accounts.OpCreate, by},
		})
	})

	t.Run("FailedWritesAppendNothing", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := w.asActor
		a := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 1, &w.rep.ID))
		mustCreate(t, "CreateOpportunity", w.ctx, w.s.CreateOpportunity, opportunityFixture(t, a.ID, w.stage.ID, nil, 1))
		tests := []struct {
			name   string
			target error
			write  func() error
		}{
			{"stale update", accounts.ErrStale, func() error {
				_, err := w.s.UpdateAccount(ctx, a, a.Version+1)
				return err
			}},
			{"stale delete", accounts.ErrStale, func() error { return w.s.DeleteAccount(ctx, a.ID, a.Version+1) }},
			{"update unknown", accounts.ErrNotFound, func() error {
				b := a
				b.ID = missingID
				_, err := w.s.UpdateAccount(ctx, b, 0)
				return err
			}},
			{"delete unknown", accounts.ErrNotFound, func() error { return w.s.DeleteContact(ctx, missingID, 0) }},
			{"missing reference", accounts.ErrInvalid, func() error {
				_, err := w.s.CreateContact(ctx, contactFixture(t, missingID, 1))
				return err
			}},
			{"duplicate email", accounts.ErrConflict, func() error {
				_, err := w.s.CreateUser(ctx, userFixture(t, 91, accounts.RoleRep, nil))
				return err
			}},
			{"delete referred to", accounts.ErrConflict, func() error { return w.s.DeleteUser(ctx, w.rep.ID, 0) }},
			{"stage in use", accounts.ErrConflict, func() error { return w.s.DeleteStage(ctx, w.stage.ID) }},
			{"update unknown stage", accounts.ErrNotFound, func() error {
				_, err := w.s.UpdateStage(ctx, accounts.Stage{ID: missingID, Name: "Inconnue"})
				return err
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				after := lastSeq(t, w)
				err := tc.write()
				wantErr(t, tc.name, err, tc.target)
				checkChanges(t, w, after, nil)
			})
		}
		checkStoredAccount(t, w, a)
	})

	t.Run("Paging", func(t *testing.T) {
		w := newWorld(t, open)
		for i := range 6 {
			a := mustCreate(t, "CreateAccount", w.asActor, w.s.CreateAccount, accountFixture(t, i, nil))
			_, err := w.s.UpdateAccount(w.ctx, a, a.Version)
			noErr(t, "UpdateAccount", err)
		}
		all := checkFeed(t, w.s, 0)
		if len(all) < 16 {
			t.Fatalf("Changes: got %d rows, want at least 16", len(all))
		}
		for _, limit := range []int{1, 2, 3, 7, len(all), len(all) + 10} {
			t.Run("limit "+itoa(int64(limit)), func(t *testing.T) {
				var got []accounts.Change
				after := int64(0)
				for range len(all) + 1 {
					page, err := w.s.Changes(w.ctx, after, limit)
					noErr(t, "Changes", err)
					if len(page) > limit {
						t.Fatalf("Changes(%d, %d): got %d rows, want at most %d", after, limit, len(page), limit)
					}
					if len(page) == 0 {
						break
					}
					got = append(got, page...)
					after = page[len(page)-1].Seq
				}
				if !slices.Equal(seqs(got), seqs(all)) {
					t.Errorf("paged Seqs: got %v, want %v", seqs(got), seqs(all))
				}
				checkSame(t, "paged changes", got, all)
			})
		}
		t.Run("after a middle seq", func(t *testing.T) {
			mid := all[len(all)/2].Seq
			got, err := w.s.Changes(w.ctx, mid, 1000)
			noErr(t, "Changes", err)
			want := filter(all, func(c accounts.Change) bool { return c.Seq > mid })
			if !slices.Equal(seqs(got), seqs(want)) {
				t.Errorf("Changes(%d): got Seqs %v, want %v", mid, seqs(got), seqs(want))
			}
		})
		t.Run("after the last", func(t *testing.T) {
			got, err := w.s.Changes(w.ctx, all[len(all)-1].Seq, 10)
			noErr(t, "Changes", err)
			if len(got) != 0 {
				t.Errorf("Changes after the last Seq: got %d rows, want 0", len(got))
			}
		})
	})
}

func seqs(cs []accounts.Change) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.Seq
	}
	return out
}

func checkStoredAccount(t *testing.T, w *world, want accounts.Account) {
	t.Helper()
	got, err := w.s.GetAccount(w.ctx, want.ID)
	if err != nil {
		t.Fatalf("GetAccount %d: %v", want.ID, err)
	}
	checkSame(t, "stored account", got, want)
}
