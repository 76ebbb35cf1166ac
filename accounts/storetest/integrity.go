package storetest

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tournee/tournee/accounts"
)

func stageID(s accounts.Stage) int64 { return s.ID }

// sortStages orders stages as ListStages must: by position, then id.
func sortStages(ss []accounts.Stage) []accounts.Stage {
	out := slices.Clone(ss)
	slices.SortFunc(out, func(a, b accounts.Stage) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func testStages(t *testing.T, open func(*testing.T) accounts.Store) {
	// stages creates stages at positions 3, 1, 2, 1 (a tie broken by id).
	stages := func(t *testing.T, s accounts.Store) []accounts.Stage {
		t.Helper()
		var out []accounts.Stage
		for i, pos := range []int{3, 1, 2, 1} {
			in := stageFixture(t, i, pos)
			st, err := s.CreateStage(context.Background(), in)
			noErr(t, "CreateStage", err)
			if st.ID <= 0 {
				t.Errorf("CreateStage: got ID %d, want > 0", st.ID)
			}
			in.ID = st.ID
			checkSame(t, "created stage", st, in)
			out = append(out, st)
		}
		return out
	}
	listStages := func(t *testing.T, s accounts.Store) []accounts.Stage {
		t.Helper()
		got, err := s.ListStages(context.Background())
		noErr(t, "ListStages", err)
		return got
	}

	t.Run("CreateAndList", func(t *testing.T) {
		s := open(t)
		if got := listStages(t, s); len(got) != 0 {
			t.Errorf("ListStages on an empty store: got %d stages, want 0", len(got))
		}
		after := lastSeqOf(t, s)
		created := stages(t, s)
		checkList(t, "ListStages", listStages(t, s), sortStages(created), stageID)
		var want []change
		for _, st := range created {
			want = append(want, change{accounts.EntityStage, st.ID, accounts.OpCreate, nil})
		}
		checkChangesOf(t, s, after, want)
	})

	t.Run("Update", func(t *testing.T) {
		s := open(t)
		created := stages(t, s)
		ctx := context.Background()
		in := accounts.Stage{ID: created[0].ID, Name: "Négociation", Position: 0, Probability: 75}
		after := lastSeqOf(t, s)
		got, err := s.UpdateStage(ctx, in)
		noErr(t, "UpdateStage", err)
		checkSame(t, "updated stage", got, in)
		created[0] = in
		checkList(t, "ListStages", listStages(t, s), sortStages(created), stageID)
		checkChangesOf(t, s, after, []change{{accounts.EntityStage, in.ID, accounts.OpUpdate, nil}})

		after = lastSeqOf(t, s)
		_, err = s.UpdateStage(ctx, accounts.Stage{ID: missingID, Name: "Perdue", Position: 9})
		wantErr(t, "UpdateStage unknown", err, accounts.ErrNotFound)
		checkChangesOf(t, s, after, nil)
	})

	t.Run("Delete", func(t *testing.T) {
		w := newWorld(t, open)
		created := append(stages(t, w.s), w.stage)
		used := created[1]
		mustCreate(t, "CreateOpportunity", w.ctx, w.s.CreateOpportunity, opportunityFixture(t, w.account.ID, used.ID, nil, 1))

		after := lastSeq(t, w)
		noErr(t, "DeleteStage unused", w.s.DeleteStage(w.asActor, created[0].ID))
		checkChanges(t, w, after, []change{{accounts.EntityStage, created[0].ID, accounts.OpDelete, &w.manager.ID}})
		created = created[1:]
		checkList(t, "ListStages after delete", listStages(t, w.s), sortStages(created), stageID)

		after = lastSeq(t, w)
		wantErr(t, "DeleteStage used by an opportunity", w.s.DeleteStage(w.ctx, used.ID), accounts.ErrConflict)
		wantErr(t, "DeleteStage deleted", w.s.DeleteStage(w.ctx, missingID), accounts.ErrNotFound)
		checkChanges(t, w, after, nil)
		checkList(t, "ListStages after failed deletes", listStages(t, w.s), sortStages(created), stageID)
	})
}

func testIntegrity(t *testing.T, open func(*testing.T) accounts.Store) {
	t.Run("DeleteAccountCascades", func(t *testing.T) { testDeleteAccountCascades(t, open) })
	t.Run("DeleteReferred", func(t *testing.T) { testDeleteReferred(t, open) })
	t.Run("UniqueEmail", func(t *testing.T) { testUniqueEmail(t, open) })
	t.Run("MissingReference", func(t *testing.T) { testMissingReference(t, open) })
}

func testDeleteAccountCascades(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	ctx := w.ctx
	doomed := mustCreate(t, "CreateAccount", ctx, w.s.CreateAccount, accountFixture(t, 1, &w.rep.ID))
	kept := w.account
	var doomedContacts, keptContacts []accounts.Contact
	var doomedOpps, keptOpps []accounts.Opportunity
	for i := range 2 {
		doomedContacts = append(doomedContacts, mustCreate(t, "CreateContact", ctx, w.s.CreateContact, contactFixture(t, doomed.ID, i)))
		keptContacts = append(keptContacts, mustCreate(t, "CreateContact", ctx, w.s.CreateContact, contactFixture(t, kept.ID, 10+i)))
		doomedOpps = append(doomedOpps, mustCreate(t, "CreateOpportunity", ctx, w.s.CreateOpportunity, opportunityFixture(t, doomed.ID, w.stage.ID, &w.rep.ID, i)))
		keptOpps = append(keptOpps, mustCreate(t, "CreateOpportunity", ctx, w.s.CreateOpportunity, opportunityFixture(t, kept.ID, w.stage.ID, nil, 10+i)))
	}
	keptRevenue := []accounts.Revenue{{AccountID: kept.ID, Month: "2024-12", AmountCents: 70_000}, {AccountID: kept.ID, Month: "2025-01", AmountCents: 80_000}}
	noErr(t, "PutRevenue", w.s.PutRevenue(ctx, append([]accounts.Revenue{
		{AccountID: doomed.ID, Month: "2024-12", AmountCents: 10_000},
		{AccountID: doomed.ID, Month: "2025-01", AmountCents: 20_000},
	}, keptRevenue...)))

	after := lastSeq(t, w)
	noErr(t, "DeleteAccount", w.s.DeleteAccount(w.asActor, doomed.ID, doomed.Version))

	_, err := w.s.GetAccount(ctx, doomed.ID)
	wantErr(t, "GetAccount deleted", err, accounts.ErrNotFound)
	for _, c := range doomedContacts {
		_, err := w.s.GetContact(ctx, c.ID)
		wantErr(t, "GetContact of the deleted account", err, accounts.ErrNotFound)
	}
	for _, o := range doomedOpps {
		_, err := w.s.GetOpportunity(ctx, o.ID)
		wantErr(t, "GetOpportunity of the deleted account", err, accounts.ErrNotFound)
	}
	rs, err := w.s.ListRevenue(ctx, doomed.ID)
	if err != nil && !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("ListRevenue of the deleted account: got error %v, want none or %v", err, accounts.ErrNotFound)
	}
	if len(rs) != 0 {
		t.Errorf("ListRevenue of the deleted account: got %v, want none", rs)
	}
	cs, err := w.s.ListContacts(ctx, accounts.ContactFilter{AccountID: doomed.ID})
	noErr(t, "ListContacts", err)
	if len(cs) != 0 {
		t.Errorf("ListContacts of the deleted account: got %d, want 0", len(cs))
	}
	os, err := w.s.ListOpportunities(ctx, accounts.OpportunityFilter{AccountID: doomed.ID})
	noErr(t, "ListOpportunities", err)
	if len(os) != 0 {
		t.Errorf("ListOpportunities of the deleted account: got %d, want 0", len(os))
	}

	// The other account keeps everything.
	checkStoredAccount(t, w, kept)
	for _, c := range keptContacts {
		got, err := w.s.GetContact(ctx, c.ID)
		noErr(t, "GetContact of the other account", err)
		checkSame(t, "contact of the other account", got, c)
	}
	for _, o := range keptOpps {
		got, err := w.s.GetOpportunity(ctx, o.ID)
		noErr(t, "GetOpportunity of the other account", err)
		checkSame(t, "opportunity of the other account", got, o)
	}
	rs, err = w.s.ListRevenue(ctx, kept.ID)
	noErr(t, "ListRevenue of the other account", err)
	checkSame(t, "revenue of the other account", rs, keptRevenue)

	// The feed records everything the deletion took, so that offline clients
	// drop it too: each contact and opportunity, the revenue (one row keyed
	// by the account) and the account itself, all by the actor. The order
	// within the transaction is the store's.
	got := project(checkFeed(t, w.s, after))
	by := &w.manager.ID
	want := []change{{accounts.EntityRevenue, doomed.ID, accounts.OpDelete, by}}
	for _, c := range doomedContacts {
		want = append(want, change{accounts.EntityContact, c.ID, accounts.OpDelete, by})
	}
	for _, o := range doomedOpps {
		want = append(want, change{accounts.EntityOpportunity, o.ID, accounts.OpDelete, by})
	}
	want = append(want, change{accounts.EntityAccount, doomed.ID, accounts.OpDelete, by})
	sorted := func(cs []change) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.String()
		}
		slices.Sort(out)
		return out
	}
	if g, w := sorted(got), sorted(want); !slices.Equal(g, w) {
		t.Errorf("change rows of the account deletion: got %v, want %v", g, w)
	}
}

// testDeleteReferred deletes records still referred to: each delete must
// fail with ErrConflict, delete nothing and feed nothing.
func testDeleteReferred(t *testing.T, open func(*testing.T) accounts.Store) {
	type refs struct {
		del      func() error // the delete that must fail
		target   func() error // gets the record that must survive
		referrer func() error // gets the record that refers to it
	}
	getUser := func(w *world, id int64) func() error {
		return func() error { _, err := w.s.GetUser(w.ctx, id); return err }
	}
	getAccount := func(w *world, id int64) func() error {
		return func() error { _, err := w.s.GetAccount(w.ctx, id); return err }
	}
	// user creates a user to be referred to, unrelated to the actor.
	user := func(t *testing.T, w *world) accounts.User {
		return mustCreate(t, "CreateUser", w.ctx, w.s.CreateUser, userFixture(t, 1, accounts.RoleRep, nil))
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, w *world) refs
	}{
		{"user owning an account", func(t *testing.T, w *world) refs {
			u := user(t, w)
			a := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 1, &u.ID))
			return refs{func() error { return w.s.DeleteUser(w.asActor, u.ID, u.Version) }, getUser(w, u.ID), getAccount(w, a.ID)}
		}},
		{"user managing a user", func(t *testing.T, w *world) refs {
			u := user(t, w)
			r := mustCreate(t, "CreateUser", w.ctx, w.s.CreateUser, userFixture(t, 2, accounts.RoleRep, &u.ID))
			return refs{func() error { return w.s.DeleteUser(w.asActor, u.ID, 0) }, getUser(w, u.ID), getUser(w, r.ID)}
		}},
		{"user owning an opportunity", func(t *testing.T, w *world) refs {
			u := user(t, w)
			o := mustCreate(t, "CreateOpportunity", w.ctx, w.s.CreateOpportunity, opportunityFixture(t, w.account.ID, w.stage.ID, &u.ID, 1))
			return refs{func() error { return w.s.DeleteUser(w.asActor, u.ID, 0) }, getUser(w, u.ID),
				func() error { _, err := w.s.GetOpportunity(w.ctx, o.ID); return err }}
		}},
		{"user owning an activity", func(t *testing.T, w *world) refs {
			u := user(t, w)
			a := mustCreate(t, "CreateActivity", w.ctx, w.s.CreateActivity, activityFixture(t, nil, &u.ID, 1))
			return refs{func() error { return w.s.DeleteUser(w.asActor, u.ID, 0) }, getUser(w, u.ID),
				func() error { _, err := w.s.GetActivity(w.ctx, a.ID); return err }}
		}},
		{"user assigned a task", func(t *testing.T, w *world) refs {
			u := user(t, w)
			tk := mustCreate(t, "CreateTask", w.ctx, w.s.CreateTask, taskFixture(t, nil, u.ID, nil, 1))
			return refs{func() error { return w.s.DeleteUser(w.asActor, u.ID, 0) }, getUser(w, u.ID),
				func() error { _, err := w.s.GetTask(w.ctx, tk.ID); return err }}
		}},
		{"user who created a task", func(t *testing.T, w *world) refs {
			u := user(t, w)
			tk := mustCreate(t, "CreateTask", w.ctx, w.s.CreateTask, taskFixture(t, nil, w.rep.ID, &u.ID, 1))
			return refs{func() error { return w.s.DeleteUser(w.asActor, u.ID, 0) }, getUser(w, u.ID),
				func() error { _, err := w.s.GetTask(w.ctx, tk.ID); return err }}
		}},
		{"user assigned a territory", func(t *testing.T, w *world) refs {
			u := user(t, w)
			tr := mustCreate(t, "CreateTerritory", w.ctx, w.s.CreateTerritory, territoryFixture(t, &u.ID, 1))
			return refs{func() error { return w.s.DeleteUser(w.asActor, u.ID, 0) }, getUser(w, u.ID),
				func() error { _, err := w.s.GetTerritory(w.ctx, tr.ID); return err }}
		}},
		{"account of an activity", func(t *testing.T, w *world) refs {
			a := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 1, nil))
			c := mustCreate(t, "CreateContact", w.ctx, w.s.CreateContact, contactFixture(t, a.ID, 1))
			ac := mustCreate(t, "CreateActivity", w.ctx, w.s.CreateActivity, activityFixture(t, &a.ID, nil, 1))
			return refs{func() error { return w.s.DeleteAccount(w.asActor, a.ID, 0) }, getAccount(w, a.ID),
				func() error {
					if _, err := w.s.GetContact(w.ctx, c.ID); err != nil {
						return err
					}
					_, err := w.s.GetActivity(w.ctx, ac.ID)
					return err
				}}
		}},
		{"account of a task", func(t *testing.T, w *world) refs {
			a := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 1, nil))
			o := mustCreate(t, "CreateOpportunity", w.ctx, w.s.CreateOpportunity, opportunityFixture(t, a.ID, w.stage.ID, nil, 1))
			tk := mustCreate(t, "CreateTask", w.ctx, w.s.CreateTask, taskFixture(t, &a.ID, w.rep.ID, nil, 1))
			return refs{func() error { return w.s.DeleteAccount(w.asActor, a.ID, 0) }, getAccount(w, a.ID),
				func() error {
					if _, err := w.s.GetOpportunity(w.ctx, o.ID); err != nil {
						return err
					}
					_, err := w.s.GetTask(w.ctx, tk.ID)
					return err
				}}
		}},
		{"stage of an opportunity", func(t *testing.T, w *world) refs {
			o := mustCreate(t, "CreateOpportunity", w.ctx, w.s.CreateOpportunity, opportunityFixture(t, w.account.ID, w.stage.ID, nil, 1))
			return refs{func() error { return w.s.DeleteStage(w.asActor, w.stage.ID) },
				func() error {
					ss, err := w.s.ListStages(w.ctx)
					if err == nil && !slices.ContainsFunc(ss, func(s accounts.Stage) bool { return s.ID == w.stage.ID }) {
						err = accounts.NotFound("stage", w.stage.ID)
					}
					return err
				},
				func() error { _, err := w.s.GetOpportunity(w.ctx, o.ID); return err }}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, open)
			r := tc.setup(t, w)
			after := lastSeq(t, w)
			wantErr(t, "delete", r.del(), accounts.ErrConflict)
			if err := r.target(); err != nil {
				t.Errorf("record whose delete failed: got error %v, want it kept", err)
			}
			if err := r.referrer(); err != nil {
				t.Errorf("records referring to it: got error %v, want them kept", err)
			}
			checkChanges(t, w, after, nil)
		})
	}
}

func testUniqueEmail(t *testing.T, open func(*testing.T) accounts.Store) {
	tests := []struct {
		name, first, second string
	}{
		{"same", "claire.martin@example.fr", "claire.martin@example.fr"},
		{"different case", "Claire.Martin@example.fr", "claire.martin@EXAMPLE.FR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, open)
			u := userFixture(t, 1, accounts.RoleRep, nil)
			u.Email = tc.first
			first := mustCreate(t, "CreateUser", w.ctx, w.s.CreateUser, u)
			before := listAll(t, "ListUsers", 0, userID, func(p accounts.Page) ([]accounts.User, error) {
				return w.s.ListUsers(w.ctx, accounts.UserFilter{Page: p})
			})
			after := lastSeq(t, w)

			dup := userFixture(t, 2, accounts.RoleManager, nil)
			dup.Email = tc.second
			_, err := w.s.CreateUser(w.asActor, dup)
			wantErr(t, "CreateUser with a taken e-mail", err, accounts.ErrConflict)

			other := w.rep
			other.Email = tc.second
			_, err = w.s.UpdateUser(w.asActor, other, other.Version)
			wantErr(t, "UpdateUser to a taken e-mail", err, accounts.ErrConflict)

			checkChanges(t, w, after, nil)
			got := listAll(t, "ListUsers", 0, userID, func(p accounts.Page) ([]accounts.User, error) {
				return w.s.ListUsers(w.ctx, accounts.UserFilter{Page: p})
			})
			checkList(t, "ListUsers", got, before, userID)
			stored, err := w.s.GetUser(w.ctx, w.rep.ID)
			noErr(t, "GetUser", err)
			checkSame(t, "user whose update failed", stored, w.rep)

			// The owner of an address may change its case.
			first.Email = tc.second
			_, err = w.s.UpdateUser(w.ctx, first, first.Version)
			noErr(t, "UpdateUser changing the case of its own e-mail", err)
		})
	}
}

// testMissingReference writes records that refer to missing records
// directly to the store: the store must answer ErrInvalid and write nothing.
func testMissingReference(t *testing.T, open func(*testing.T) accounts.Store) {
	missing := ptr(missingID)
	tests := []struct {
		name  string
		write func(t *testing.T, w *world) error
	}{
		{"user with missing manager", func(t *testing.T, w *world) error {
			_, err := w.s.CreateUser(w.asActor, userFixture(t, 1, accounts.RoleRep, missing))
			return err
		}},
		{"account with missing owner", func(t *testing.T, w *world) error {
			_, err := w.s.CreateAccount(w.asActor, accountFixture(t, 1, missing))
			return err
		}},
		{"contact with missing account", func(t *testing.T, w *world) error {
			_, err := w.s.CreateContact(w.asActor, contactFixture(t, missingID, 1))
			return err
		}},
		{"contacts with one missing account", func(t *testing.T, w *world) error {
			_, err := w.s.CreateContacts(w.asActor, []accounts.Contact{contactFixture(t, w.account.ID, 1), contactFixture(t, missingID, 2)})
			return err
		}},
		{"opportunity with missing account", func(t *testing.T, w *world) error {
			_, err := w.s.CreateOpportunity(w.asActor, opportunityFixture(t, missingID, w.stage.ID, nil, 1))
			return err
		}},
		{"opportunity with missing stage", func(t *testing.T, w *world) error {
			_, err := w.s.CreateOpportunity(w.asActor, opportunityFixture(t, w.account.ID, missingID, nil, 1))
			return err
		}},
		{"opportunity with missing owner", func(t *testing.T, w *world) error {
			_, err := w.s.CreateOpportunity(w.asActor, opportunityFixture(t, w.account.ID, w.stage.ID, missing, 1))
			return err
		}},
		{"activity with missing account", func(t *testing.T, w *world) error {
			_, err := w.s.CreateActivity(w.asActor, activityFixture(t, missing, nil, 1))
			return err
		}},
		{"activity with missing owner", func(t *testing.T, w *world) error {
			_, err := w.s.CreateActivity(w.asActor, activityFixture(t, nil, missing, 1))
			return err
		}},
		{"task with missing assignee", func(t *testing.T, w *world) error {
			_, err := w.s.CreateTask(w.asActor, taskFixture(t, nil, missingID, nil, 1))
			return err
		}},
		{"task with missing account", func(t *testing.T, w *world) error {
			_, err := w.s.CreateTask(w.asActor, taskFixture(t, missing, w.rep.ID, nil, 1))
			return err
		}},
		{"task with missing author", func(t *testing.T, w *world) error {
			_, err := w.s.CreateTask(w.asActor, taskFixture(t, nil, w.rep.ID, missing, 1))
			return err
		}},
		{"territory with missing assignee", func(t *testing.T, w *world) error {
			_, err := w.s.CreateTerritory(w.asActor, territoryFixture(t, missing, 1))
			return err
		}},
		{"update user to missing manager", func(t *testing.T, w *world) error {
			u := w.rep
			u.ManagerID = missing
			_, err := w.s.UpdateUser(w.asActor, u, u.Version)
			return err
		}},
		{"update account to missing owner", func(t *testing.T, w *world) error {
			a := w.account
			a.OwnerID = missing
			_, err := w.s.UpdateAccount(w.asActor, a, a.Version)
			return err
		}},
		{"update contact to missing account", func(t *testing.T, w *world) error {
			c := mustCreate(t, "CreateContact", w.ctx, w.s.CreateContact, contactFixture(t, w.account.ID, 1))
			c.AccountID = missingID
			_, err := w.s.UpdateContact(w.asActor, c, 0)
			return err
		}},
		{"update opportunity to missing stage", func(t *testing.T, w *world) error {
			o := mustCreate(t, "CreateOpportunity", w.ctx, w.s.CreateOpportunity, opportunityFixture(t, w.account.ID, w.stage.ID, nil, 1))
			o.StageID = missingID
			_, err := w.s.UpdateOpportunity(w.asActor, o, 0)
			return err
		}},
		{"update task to missing assignee", func(t *testing.T, w *world) error {
			tk := mustCreate(t, "CreateTask", w.ctx, w.s.CreateTask, taskFixture(t, nil, w.rep.ID, nil, 1))
			tk.AssigneeID = missingID
			_, err := w.s.UpdateTask(w.asActor, tk, 0)
			return err
		}},
		{"update territory to missing assignee", func(t *testing.T, w *world) error {
			tr := mustCreate(t, "CreateTerritory", w.ctx, w.s.CreateTerritory, territoryFixture(t, nil, 1))
			tr.AssigneeID = missing
			_, err := w.s.UpdateTerritory(w.asActor, tr, 0)
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, open)
			snap := snapshot(t, w)
			err := tc.write(t, w)
			wantErr(t, tc.name, err, accounts.ErrInvalid)
			snap.check(t, w)
		})
	}
}

// state is what a store holds, read through its lists, to check that a
// failed write changed nothing.
type state struct {
	seq          int64
	users        []accounts.User
	accounts     []accounts.Account
	contacts     []accounts.Contact
	opps         []accounts.Opportunity
	activities   []accounts.Activity
	tasks        []accounts.Task
	territories  []accounts.Territory
	stages       []accounts.Stage
	revenueOfAll map[int64][]accounts.Revenue
}

// snapshot reads the whole state of w's store.
func snapshot(t *testing.T, w *world) *state {
	t.Helper()
	ctx := w.ctx
	st := &state{seq: lastSeq(t, w), revenueOfAll: map[int64][]accounts.Revenue{}}
	st.users = listAll(t, "ListUsers", 0, userID, func(p accounts.Page) ([]accounts.User, error) {
		return w.s.ListUsers(ctx, accounts.UserFilter{Page: p})
	})
	st.accounts = listAll(t, "ListAccounts", 0, accountID, func(p accounts.Page) ([]accounts.Account, error) {
		return w.s.ListAccounts(ctx, accounts.AccountFilter{Page: p})
	})
	st.contacts = listAll(t, "ListContacts", 0, contactID, func(p accounts.Page) ([]accounts.Contact, error) {
		return w.s.ListContacts(ctx, accounts.ContactFilter{Page: p})
	})
	st.opps = listAll(t, "ListOpportunities", 0, opportunityID, func(p accounts.Page) ([]accounts.Opportunity, error) {
		return w.s.ListOpportunities(ctx, accounts.OpportunityFilter{Page: p})
	})
	st.activities = listAll(t, "ListActivities", 0, activityID, func(p accounts.Page) ([]accounts.Activity, error) {
		return w.s.ListActivities(ctx, accounts.ActivityFilter{Page: p})
	})
	st.tasks = listAll(t, "ListTasks", 0, taskID, func(p accounts.Page) ([]accounts.Task, error) {
		return w.s.ListTasks(ctx, accounts.TaskFilter{Page: p})
	})
	st.territories = listAll(t, "ListTerritories", 0, territoryID, func(p accounts.Page) ([]accounts.Territory, error) {
		return w.s.ListTerritories(ctx, accounts.TerritoryFilter{Page: p})
	})
	var err error
	st.stages, err = w.s.ListStages(ctx)
	noErr(t, "ListStages", err)
	for _, a := range st.accounts {
		rs, err := w.s.ListRevenue(ctx, a.ID)
		noErr(t, "ListRevenue", err)
		st.revenueOfAll[a.ID] = rs
	}
	return st
}

// check compares the store with the snapshot st. A test case may write
// records of its own (without actor) between the snapshot and the failing
// write (which acts as the manager): those records are named by the change
// feed and left out of the comparison. Any change row by the manager, that
// is of the failing write, is an error.
func (st *state) check(t *testing.T, w *world) {
	t.Helper()
	changed := map[string]bool{}
	for _, c := range feed(t, w.s, st.seq) {
		if c.By != nil && *c.By == w.manager.ID {
			t.Errorf("change %v of a failed write (all failing writes act as the manager)", change{c.Entity, c.EntityID, c.Op, c.By})
		}
		changed[c.Entity+" "+itoa(c.EntityID)] = true
	}
	now := snapshot(t, w)
	keep := func(entity string) func(id int64) bool {
		return func(id int64) bool { return !changed[entity+" "+itoa(id)] }
	}
	compare(t, "users", st.users, now.users, userID, keep(accounts.EntityUser))
	compare(t, "accounts", st.accounts, now.accounts, accountID, keep(accounts.EntityAccount))
	compare(t, "contacts", st.contacts, now.contacts, contactID, keep(accounts.EntityContact))
	compare(t, "opportunities", st.opps, now.opps, opportunityID, keep(accounts.EntityOpportunity))
	compare(t, "activities", st.activities, now.activities, activityID, keep(accounts.EntityActivity))
	compare(t, "tasks", st.tasks, now.tasks, taskID, keep(accounts.EntityTask))
	compare(t, "territories", st.territories, now.territories, territoryID, keep(accounts.EntityTerritory))
	compare(t, "stages", st.stages, now.stages, stageID, keep(accounts.EntityStage))
	for id, rs := range st.revenueOfAll {
		if got := now.revenueOfAll[id]; keep(accounts.EntityRevenue)(id) && (len(got) > 0 || len(rs) > 0) {
			checkSame(t, "revenue of account "+itoa(id), got, rs)
		}
	}
}

func compare[T any](t *testing.T, what string, before, after []T, id func(T) int64, keep func(int64) bool) {
	t.Helper()
	sel := func(v T) bool { return keep(id(v)) }
	checkList(t, what+" after a failed write", filter(after, sel), filter(before, sel), id)
}
