package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

// crud describes one versioned record type to the tests that every such type
// passes: update, stale versions, delete, unknown ids, pagination and the
// change rows of each.
type crud[T any] struct {
	entity string
	meta   func(*T) *accounts.Meta
	// fresh returns a new valid record whose references exist in w.
	fresh func(t *testing.T, w *world, i int) T
	// mutate changes every field it can while keeping the record valid,
	// including clearing optional references.
	mutate func(t *testing.T, w *world, v *T)
	create func(accounts.Store, context.Context, T) (T, error)
	get    func(accounts.Store, context.Context, int64) (T, error)
	update func(accounts.Store, context.Context, T, int64) (T, error)
	del    func(accounts.Store, context.Context, int64, int64) error
	list   func(accounts.Store, context.Context, accounts.Page) ([]T, error)
}

func (c crud[T]) id(v T) int64 { return c.meta(&v).ID }

// withMeta returns v carrying m, which is how a store should return v.
func (c crud[T]) withMeta(v T, m accounts.Meta) T {
	*c.meta(&v) = m
	return v
}

// kind is a crud of any record type, so that they can share one table.
type kind interface {
	name() string
	tests() []subtest
}

type subtest struct {
	name string
	run  func(t *testing.T, open func(*testing.T) accounts.Store)
}

func (c crud[T]) name() string { return c.entity }

func (c crud[T]) tests() []subtest {
	return []subtest{
		{"Update", c.testUpdate},
		{"UpdateIgnoresMeta", c.testUpdateIgnoresMeta},
		{"UpdateStale", c.testUpdateStale},
		{"UpdateUnconditional", c.testUpdateUnconditional},
		{"UpdateUnknown", c.testUpdateUnknown},
		{"Delete", c.testDelete},
		{"DeleteStale", c.testDeleteStale},
		{"DeleteUnconditional", c.testDeleteUnconditional},
		{"DeleteUnknown", c.testDeleteUnknown},
		{"GetUnknown", c.testGetUnknown},
		{"Pagination", c.testPagination},
	}
}

// The versioned record types of the Store.
var (
	userOps = crud[accounts.User]{
		entity: accounts.EntityUser,
		meta:   func(u *accounts.User) *accounts.Meta { return &u.Meta },
		fresh: func(t *testing.T, w *world, i int) accounts.User {
			return userFixture(t, i, accounts.RoleRep, &w.manager.ID)
		},
		mutate: func(t *testing.T, w *world, u *accounts.User) {
			u.Name = "Élodie Fournier-Lambert"
			u.Role = accounts.RoleManager
			u.ManagerID = nil
			u.Home.Lat, u.Home.Lng = 44.8378, -0.5792
			u.HomeAddress = "Place de la Bourse, 33000 Bordeaux"
			u.WorkDays = accounts.Weekdays{time.Sunday, time.Wednesday, time.Saturday}
			u.WorkStart, u.WorkEnd = clock(6, 15), clock(14, 0)
			u.CostPerKmCents = 41
			u.SpeedKmh = 88.25
		},
		create: accounts.Store.CreateUser,
		get:    accounts.Store.GetUser,
		update: accounts.Store.UpdateUser,
		del:    accounts.Store.DeleteUser,
		list: func(s accounts.Store, ctx context.Context, p accounts.Page) ([]accounts.User, error) {
			return s.ListUsers(ctx, accounts.UserFilter{Page: p})
		},
	}
	accountOps = crud[accounts.Account]{
		entity: accounts.EntityAccount,
		meta:   func(a *accounts.Account) *accounts.Meta { return &a.Meta },
		fresh: func(t *testing.T, w *world, i int) accounts.Account {
			return accountFixture(t, i, &w.rep.ID)
		},
		mutate: func(t *testing.T, w *world, a *accounts.Account) {
			a.Kind = accounts.KindFormer
			a.Name = "Boulangerie Dupré & Fils"
			a.LegalID = "FR99999999999"
			a.Address = accounts.Address{Street: "1 quai Saint-Antoine", PostalCode: "69002", City: "Lyon", Country: "FR"}
			a.Lat, a.Lng = 45.7640, 4.8357
			a.PotentialCents = 0
			a.Segment = "traiteur"
			a.Tags = []string{"export"}
			a.OpeningHours = accounts.OpeningHours{time.Friday: {{From: clock(9, 0), To: clock(17, 0)}}}
			a.VisitDuration = 75 * time.Minute
			a.Qualification = accounts.Qualification{Size: "ETI", Sector: "Traiteur"}
			a.Custom = map[string]any{"score": 2.0, "note": "à relancer"}
			a.OwnerID = &w.manager.ID
		},
		create: accounts.Store.CreateAccount,
		get:    accounts.Store.GetAccount,
		update: accounts.Store.UpdateAccount,
		del:    accounts.Store.DeleteAccount,
		list: func(s accounts.Store, ctx context.Context, p accounts.Page) ([]accounts.Account, error) {
			return s.ListAccounts(ctx, accounts.AccountFilter{Page: p})
		},
	}
	contactOps = crud[accounts.Contact]{
		entity: accounts.EntityContact,
		meta:   func(c *accounts.Contact) *accounts.Meta { return &c.Meta },
		fresh: func(t *testing.T, w *world, i int) accounts.Contact {
			return contactFixture(t, w.account.ID, i)
		},
		mutate: func(t *testing.T, w *world, c *accounts.Contact) {
			other := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 80, nil))
			c.AccountID = other.ID
			c.Name = "Jérôme Lefèvre"
			c.Title = "Chef boulanger"
			c.Email = ""
			c.Phone = "06 12 34 56 78"
			c.Notes = ""
			c.Dates = []accounts.KeyDate{{Label: "Fin de contrat", Date: "2026-01-31"}}
		},
		create: accounts.Store.CreateContact,
		get:    accounts.Store.GetContact,
		update: accounts.Store.UpdateContact,
		del:    accounts.Store.DeleteContact,
		list: func(s accounts.Store, ctx context.Context, p accounts.Page) ([]accounts.Contact, error) {
			return s.ListContacts(ctx, accounts.ContactFilter{Page: p})
		},
	}
	opportunityOps = crud[accounts.Opportunity]{
		entity: accounts.EntityOpportunity,
		meta:   func(o *accounts.Opportunity) *accounts.Meta { return &o.Meta },
		fresh: func(t *testing.T, w *world, i int) accounts.Opportunity {
			return opportunityFixture(t, w.account.ID, w.stage.ID, &w.rep.ID, i)
		},
		mutate: func(t *testing.T, w *world, o *accounts.Opportunity) {
			st, err := w.s.CreateStage(w.ctx, stageFixture(t, 81, 2))
			noErr(t, "CreateStage", err)
			o.StageID = st.ID
			o.Name = "Gamme été — signée"
			o.AmountCents = 512_300
			o.ExpectedClose = "2025-08-15"
			o.OwnerID = nil
			o.Status = accounts.StatusWon
		},
		create: accounts.Store.CreateOpportunity,
		get:    accounts.Store.GetOpportunity,
		update: accounts.Store.UpdateOpportunity,
		del:    accounts.Store.DeleteOpportunity,
		list: func(s accounts.Store, ctx context.Context, p accounts.Page) ([]accounts.Opportunity, error) {
			return s.ListOpportunities(ctx, accounts.OpportunityFilter{Page: p})
		},
	}
	activityOps = crud[accounts.Activity]{
		entity: accounts.EntityActivity,
		meta:   func(a *accounts.Activity) *accounts.Meta { return &a.Meta },
		fresh: func(t *testing.T, w *world, i int) accounts.Activity {
			return activityFixture(t, &w.account.ID, &w.rep.ID, i)
		},
		mutate: func(t *testing.T, w *world, a *accounts.Activity) {
			a.Type = accounts.ActivityCall
			a.Done = false
			a.AccountID = nil
			a.OwnerID = &w.manager.ID
			a.Start = base.Add(-36*time.Hour + 7*time.Microsecond)
			a.End = a.Start.Add(12 * time.Minute)
			a.Subject = "Appel de suivi"
			a.Report = "Pas joignable ; message laissé à l'accueil."
			a.CheckIn = nil
			a.TravelledM = 0
		},
		create: accounts.Store.CreateActivity,
		get:    accounts.Store.GetActivity,
		update: accounts.Store.UpdateActivity,
		del:    accounts.Store.DeleteActivity,
		list: func(s accounts.Store, ctx context.Context, p accounts.Page) ([]accounts.Activity, error) {
			return s.ListActivities(ctx, accounts.ActivityFilter{Page: p})
		},
	}
	taskOps = crud[accounts.Task]{
		entity: accounts.EntityTask,
		meta:   func(t *accounts.Task) *accounts.Meta { return &t.Meta },
		fresh: func(t *testing.T, w *world, i int) accounts.Task {
			return taskFixture(t, &w.account.ID, w.rep.ID, &w.manager.ID, i)
		},
		mutate: func(t *testing.T, w *world, tk *accounts.Task) {
			tk.Title = "Rappeler Mme Lefèvre — fait"
			tk.Notes = ""
			tk.AccountID = nil
			tk.AssigneeID = w.manager.ID
			tk.CreatedBy = nil
			tk.Due = ""
			tk.RemindAt = nil
			tk.Status = accounts.TaskDone
		},
		create: accounts.Store.CreateTask,
		get:    accounts.Store.GetTask,
		update: accounts.Store.UpdateTask,
		del:    accounts.Store.DeleteTask,
		list: func(s accounts.Store, ctx context.Context, p accounts.Page) ([]accounts.Task, error) {
			return s.ListTasks(ctx, accounts.TaskFilter{Page: p})
		},
	}
	territoryOps = crud[accounts.Territory]{
		entity: accounts.EntityTerritory,
		meta:   func(t *accounts.Territory) *accounts.Meta { return &t.Meta },
		fresh: func(t *testing.T, w *world, i int) accounts.Territory {
			return territoryFixture(t, &w.rep.ID, i)
		},
		mutate: func(t *testing.T, w *world, tr *accounts.Territory) {
			tr.Layer = "boucherie"
			tr.Name = "Lyon et Grenoble"
			tr.Geometry = area(t, multiPolygon)
			tr.Priority = -1
			tr.AssigneeID = nil
		},
		create: accounts.Store.CreateTerritory,
		get:    accounts.Store.GetTerritory,
		update: accounts.Store.UpdateTerritory,
		del:    accounts.Store.DeleteTerritory,
		list: func(s accounts.Store, ctx context.Context, p accounts.Page) ([]accounts.Territory, error) {
			return s.ListTerritories(ctx, accounts.TerritoryFilter{Page: p})
		},
	}
)

// kinds lists every versioned record type of the Store.
func kinds() []kind {
	return []kind{userOps, accountOps, contactOps, opportunityOps, activityOps, taskOps, territoryOps}
}

func testLifecycle(t *testing.T, open func(*testing.T) accounts.Store) {
	for _, k := range kinds() {
		t.Run(k.name(), func(t *testing.T) {
			for _, st := range k.tests() {
				t.Run(st.name, func(t *testing.T) { st.run(t, open) })
			}
		})
	}
}

// setup opens a store with a world and one record of c created in it.
func (c crud[T]) setup(t *testing.T, open func(*testing.T) accounts.Store) (*world, T) {
	t.Helper()
	w := newWorld(t, open)
	v := mustCreate(t, "create "+c.entity, w.ctx, func(ctx context.Context, v T) (T, error) {
		return c.create(w.s, ctx, v)
	}, c.fresh(t, w, 1))
	checkNewMeta(t, "create "+c.entity, *c.meta(&v))
	return w, v
}

// checkStored checks that the store holds want.
func (c crud[T]) checkStored(t *testing.T, w *world, want T) {
	t.Helper()
	got, err := c.get(w.s, w.ctx, c.id(want))
	if err != nil {
		t.Fatalf("get %s %d: %v", c.entity, c.id(want), err)
	}
	checkSame(t, "stored "+c.entity, got, want)
}

// checkGone checks that the store no longer holds the record id.
func (c crud[T]) checkGone(t *testing.T, w *world, id int64) {
	t.Helper()
	_, err := c.get(w.s, w.ctx, id)
	wantErr(t, "get deleted "+c.entity, err, accounts.ErrNotFound)
}

// checkUpdated checks the Meta of u, the result of updating prev.
func (c crud[T]) checkUpdated(t *testing.T, prev, u T) {
	t.Helper()
	pm, um := c.meta(&prev), c.meta(&u)
	if um.ID != pm.ID {
		t.Errorf("update: got ID %d, want %d", um.ID, pm.ID)
	}
	if um.Version != pm.Version+1 {
		t.Errorf("update: got Version %d, want %d", um.Version, pm.Version+1)
	}
	if um.CreatedAt != pm.CreatedAt {
		t.Errorf("update: got CreatedAt %v, want it kept at %v", um.CreatedAt, pm.CreatedAt)
	}
	if um.UpdatedAt.Before(pm.UpdatedAt) {
		t.Errorf("update: got UpdatedAt %v, want not before the previous %v", um.UpdatedAt, pm.UpdatedAt)
	}
	checkStoredTime(t, "update: UpdatedAt", um.UpdatedAt)
}

func (c crud[T]) testUpdate(t *testing.T, open func(*testing.T) accounts.Store) {
	w, v := c.setup(t, open)
	in := v
	c.mutate(t, w, &in)
	after := lastSeq(t, w)
	u, err := c.update(w.s, w.ctx, in, c.meta(&v).Version)
	noErr(t, "update "+c.entity, err)
	c.checkUpdated(t, v, u)
	checkSame(t, "updated "+c.entity, u, c.withMeta(in, *c.meta(&u)))
	c.checkStored(t, w, u)
	checkChanges(t, w, after, []change{{c.entity, c.id(v), accounts.OpUpdate, nil}})

	// A second update from the new version works the same way.
	in2 := c.fresh(t, w, 2)
	*c.meta(&in2) = accounts.Meta{ID: c.id(v)}
	after = lastSeq(t, w)
	u2, err := c.update(w.s, w.asActor, in2, c.meta(&u).Version)
	noErr(t, "second update "+c.entity, err)
	c.checkUpdated(t, u, u2)
	checkSame(t, "updated twice "+c.entity, u2, c.withMeta(in2, *c.meta(&u2)))
	c.checkStored(t, w, u2)
	checkChanges(t, w, after, []change{{c.entity, c.id(v), accounts.OpUpdate, &w.manager.ID}})
}

func (c crud[T]) testUpdateIgnoresMeta(t *testing.T, open func(*testing.T) accounts.Store) {
	w, v := c.setup(t, open)
	in := v
	c.mutate(t, w, &in)
	*c.meta(&in) = accounts.Meta{
		ID:        c.id(v),
		Version:   41,
		CreatedAt: time.Date(2001, time.January, 2, 3, 4, 5, 0, time.UTC),
		UpdatedAt: time.Date(2002, time.January, 2, 3, 4, 5, 0, time.UTC),
	}
	u, err := c.update(w.s, w.ctx, in, c.meta(&v).Version)
	noErr(t, "update "+c.entity, err)
	c.checkUpdated(t, v, u)
	c.checkStored(t, w, u)
}

func (c crud[T]) testUpdateStale(t *testing.T, open func(*testing.T) accounts.Store) {
	w, v := c.setup(t, open)
	in := v
	c.mutate(t, w, &in)
	u, err := c.update(w.s, w.ctx, in, c.meta(&v).Version)
	noErr(t, "update "+c.entity, err)
	for _, tc := range []struct {
		name    string
		version int64
	}{
		{"older", c.meta(&v).Version},
		{"newer", c.meta(&u).Version + 1},
		{"negative", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := c.fresh(t, w, 3)
			*c.meta(&in) = accounts.Meta{ID: c.id(v)}
			after := lastSeq(t, w)
			_, err := c.update(w.s, w.asActor, in, tc.version)
			wantErr(t, "update with version "+itoa(tc.version), err, accounts.ErrStale)
			c.checkStored(t, w, u)
			checkChanges(t, w, after, nil)
		})
	}
}

func (c crud[T]) testUpdateUnconditional(t *testing.T, open func(*testing.T) accounts.Store) {
	w, v := c.setup(t, open)
	prev := v
	for i := range 2 {
		in := prev
		if i == 0 {
			c.mutate(t, w, &in)
		} else {
			in = c.fresh(t, w, 4)
			*c.meta(&in) = accounts.Meta{ID: c.id(v)}
		}
		after := lastSeq(t, w)
		u, err := c.update(w.s, w.ctx, in, 0)
		noErr(t, "update with version 0", err)
		c.checkUpdated(t, prev, u)
		checkSame(t, "updated "+c.entity, u, c.withMeta(in, *c.meta(&u)))
		c.checkStored(t, w, u)
		checkChanges(t, w, after, []change{{c.entity, c.id(v), accounts.OpUpdate, nil}})
		prev = u
	}
}

func (c crud[T]) testUpdateUnknown(t *testing.T, open func(*testing.T) accounts.Store) {
	w, _ := c.setup(t, open)
	for _, version := range []int64{0, 1} {
		t.Run("version "+itoa(version), func(t *testing.T) {
			in := c.fresh(t, w, 5)
			*c.meta(&in) = accounts.Meta{ID: missingID}
			after := lastSeq(t, w)
			_, err := c.update(w.s, w.asActor, in, version)
			wantErr(t, "update unknown "+c.entity, err, accounts.ErrNotFound)
			checkChanges(t, w, after, nil)
		})
	}
}

func (c crud[T]) testDelete(t *testing.T, open func(*testing.T) accounts.Store) {
	w, v := c.setup(t, open)
	keep := mustCreate(t, "create "+c.entity, w.ctx, func(ctx context.Context, v T) (T, error) {
		return c.create(w.s, ctx, v)
	}, c.fresh(t, w, 2))
	before := listAll(t, "list", 0, c.id, func(p accounts.Page) ([]T, error) { return c.list(w.s, w.ctx, p) })
	after := lastSeq(t, w)
	noErr(t, "delete "+c.entity, c.del(w.s, w.asActor, c.id(v), c.meta(&v).Version))
	checkChanges(t, w, after, []change{{c.entity, c.id(v), accounts.OpDelete, &w.manager.ID}})
	c.checkGone(t, w, c.id(v))
	c.checkStored(t, w, keep)
	got := listAll(t, "list", 0, c.id, func(p accounts.Page) ([]T, error) { return c.list(w.s, w.ctx, p) })
	checkList(t, "list after delete", got, filter(before, func(x T) bool { return c.id(x) != c.id(v) }), c.id)

	after = lastSeq(t, w)
	err := c.del(w.s, w.ctx, c.id(v), c.meta(&v).Version)
	wantErr(t, "delete again", err, accounts.ErrNotFound)
	err = c.del(w.s, w.ctx, c.id(v), 0)
	wantErr(t, "delete again with version 0", err, accounts.ErrNotFound)
	checkChanges(t, w, after, nil)
}

func (c crud[T]) testDeleteStale(t *testing.T, open func(*testing.T) accounts.Store) {
	w, v := c.setup(t, open)
	in := v
	c.mutate(t, w, &in)
	u, err := c.update(w.s, w.ctx, in, 0)
	noErr(t, "update "+c.entity, err)
	for _, version := range []int64{c.meta(&v).Version, c.meta(&u).Version + 1} {
		t.Run("version "+itoa(version), func(t *testing.T) {
			after := lastSeq(t, w)
			err := c.del(w.s, w.asActor, c.id(v), version)
			wantErr(t, "delete with a stale version", err, accounts.ErrStale)
			c.checkStored(t, w, u)
			checkChanges(t, w, after, nil)
		})
	}
}

func (c crud[T]) testDeleteUnconditional(t *testing.T, open func(*testing.T) accounts.Store) {
	w, v := c.setup(t, open)
	_, err := c.update(w.s, w.ctx, v, 0)
	noErr(t, "update "+c.entity, err)
	after := lastSeq(t, w)
	noErr(t, "delete with version 0", c.del(w.s, w.ctx, c.id(v), 0))
	checkChanges(t, w, after, []change{{c.entity, c.id(v), accounts.OpDelete, nil}})
	c.checkGone(t, w, c.id(v))
}

func (c crud[T]) testDeleteUnknown(t *testing.T, open func(*testing.T) accounts.Store) {
	w, _ := c.setup(t, open)
	for _, version := range []int64{0, 1} {
		t.Run("version "+itoa(version), func(t *testing.T) {
			after := lastSeq(t, w)
			err := c.del(w.s, w.asActor, missingID, version)
			wantErr(t, "delete unknown "+c.entity, err, accounts.ErrNotFound)
			checkChanges(t, w, after, nil)
		})
	}
}

func (c crud[T]) testGetUnknown(t *testing.T, open func(*testing.T) accounts.Store) {
	w, _ := c.setup(t, open)
	for _, id := range []int64{missingID, 0, -1} {
		t.Run("id "+itoa(id), func(t *testing.T) {
			_, err := c.get(w.s, w.ctx, id)
			wantErr(t, "get unknown "+c.entity, err, accounts.ErrNotFound)
		})
	}
}

// testPagination checks that paging with every limit reads each record
// exactly once, in id order, including after a deletion leaves a gap.
func (c crud[T]) testPagination(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	list := func(p accounts.Page) ([]T, error) { return c.list(w.s, w.ctx, p) }
	existing := listAll(t, "list", 1000, c.id, list)
	var created []T
	for i := range 8 {
		created = append(created, mustCreate(t, "create "+c.entity, w.ctx, func(ctx context.Context, v T) (T, error) {
			return c.create(w.s, ctx, v)
		}, c.fresh(t, w, 10+i)))
	}
	gap := created[3]
	noErr(t, "delete "+c.entity, c.del(w.s, w.ctx, c.id(gap), 0))
	want := byID(append(existing, filter(created, func(v T) bool { return c.id(v) != c.id(gap) })...), c.id)
	for _, limit := range []int{1, 2, 3, len(want) - 1, len(want), len(want) + 1, 0} {
		t.Run("limit "+itoa(int64(limit)), func(t *testing.T) {
			got := listAll(t, "list", limit, c.id, list)
			checkList(t, "all pages", got, want, c.id)
		})
	}
	t.Run("after the last", func(t *testing.T) {
		got, err := c.list(w.s, w.ctx, accounts.Page{After: c.id(want[len(want)-1])})
		noErr(t, "list", err)
		if len(got) != 0 {
			t.Errorf("list after the last id: got %d records, want 0", len(got))
		}
	})
	t.Run("after a gap", func(t *testing.T) {
		got, err := c.list(w.s, w.ctx, accounts.Page{After: c.id(gap), Limit: 2})
		noErr(t, "list", err)
		checkList(t, "page after the deleted id", got, filter(want, func(v T) bool { return c.id(v) > c.id(gap) })[:2], c.id)
	})
}
