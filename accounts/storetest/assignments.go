package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// box is a territory drawn as a lng/lat rectangle, counter-clockwise.
func box(t *testing.T, minLng, minLat, maxLng, maxLat float64) geo.Area {
	t.Helper()
	return area(t, fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
		minLng, minLat, maxLng, minLat, maxLng, maxLat, minLng, maxLat, minLng, minLat))
}

// placedAccount is a minimal account at p.
func placedAccount(t *testing.T, i int, p geo.Point) accounts.Account {
	t.Helper()
	a := minimalAccount(t, i, accounts.KindClient, fmt.Sprintf("Compte %02d", i))
	a.Point = p
	mustValid(t, "account", a.Validate())
	return a
}

// assignWorld is a store with four reps to assign.
type assignWorld struct {
	s     accounts.Store
	ctx   context.Context
	users []int64 // users[0] is a manager, who acts; 1..4 are reps
}

func newAssignWorld(t *testing.T, open func(t *testing.T) accounts.Store) *assignWorld {
	t.Helper()
	w := &assignWorld{s: open(t), ctx: context.Background()}
	for i := range 5 {
		role := accounts.RoleRep
		if i == 0 {
			role = accounts.RoleManager
		}
		u := mustCreate(t, "CreateUser", w.ctx, w.s.CreateUser, userFixture(t, 100+i, role, nil))
		w.users = append(w.users, u.ID)
	}
	w.ctx = accounts.WithActor(w.ctx, w.users[0])
	return w
}

// territory creates a territory of layer over g assigned to rep user (0: nobody).
func (w *assignWorld) territory(t *testing.T, layer string, g geo.Area, priority, user int) accounts.Territory {
	t.Helper()
	tr := accounts.Territory{Layer: layer, Name: fmt.Sprintf("%s %d", layer, priority), Geometry: g, Priority: priority}
	if user != 0 {
		tr.AssigneeID = &w.users[user]
	}
	mustValid(t, "territory", tr.Validate())
	return mustCreate(t, "CreateTerritory", w.ctx, w.s.CreateTerritory, tr)
}

// assignees returns the stored Assignees of account id, by rep number.
func (w *assignWorld) assignees(t *testing.T, id int64) map[string]int {
	t.Helper()
	a, err := w.s.GetAccount(w.ctx, id)
	noErr(t, "GetAccount", err)
	return w.reps(a.Assignees)
}

// reps turns user ids into rep numbers, so that failures read "sales:1".
func (w *assignWorld) reps(m map[string]int64) map[string]int {
	if m == nil {
		return nil
	}
	out := map[string]int{}
	for layer, id := range m {
		out[layer] = slices.Index(w.users, id)
	}
	return out
}

// accountUpdates returns the accounts given an update change after seq.
func (w *assignWorld) accountUpdates(t *testing.T, after int64) []int64 {
	t.Helper()
	cs, err := w.s.Changes(w.ctx, after, 10_000)
	noErr(t, "Changes", err)
	var ids []int64
	for _, c := range cs {
		if c.Entity == accounts.EntityAccount && c.Op == accounts.OpUpdate {
			ids = append(ids, c.EntityID)
		}
	}
	slices.Sort(ids)
	return ids
}

func (w *assignWorld) seq(t *testing.T) int64 {
	t.Helper()
	n, err := w.s.LastChangeSeq(w.ctx)
	noErr(t, "LastChangeSeq", err)
	return n
}

func checkAssignees(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	if len(want) == 0 {
		want = nil
	}
	if !maps.Equal(got, want) || (got == nil) != (want == nil) {
		t.Errorf("%s: got assignees %v, want %v", what, got, want)
	}
}

// testAssignmentRule checks the winning order between territories of one
// layer, reached both ways: the account created among the territories, and
// the territories created around the account.
func testAssignmentRule(t *testing.T, open func(t *testing.T) accounts.Store) {
	type terr struct {
		g              [4]float64 // min lng, min lat, max lng, max lat
		priority, user int
	}
	a := terr{g: [4]float64{5, 45, 6, 46}, user: 1}
	a2 := terr{g: a.g, user: 2}                             // a again: the same area
	b := terr{g: [4]float64{6, 45, 6.5, 46}, user: 2}       // shares a's east border, smaller
	c := terr{g: [4]float64{5.6, 45.4, 5.8, 45.6}, user: 3} // inside a, smaller
	d := terr{g: [4]float64{4, 44, 8, 47}, priority: 1, user: 4}
	tests := []struct {
		name  string
		terrs []terr
		at    geo.Point
		want  int // rep number, 0 for nobody
	}{
		{"inside", []terr{a}, geo.Point{Lat: 45.5, Lng: 5.2}, 1},
		{"outside", []terr{a}, geo.Point{Lat: 45.5, Lng: 7.5}, 0},
		{"on an edge", []terr{a}, geo.Point{Lat: 45.5, Lng: 6}, 1},
		{"on a vertex", []terr{a}, geo.Point{Lat: 45, Lng: 5}, 1},
		{"shared border: smaller area", []terr{a, b}, geo.Point{Lat: 45.5, Lng: 6}, 2},
		{"shared border, other order: smaller area", []terr{b, a}, geo.Point{Lat: 45.5, Lng: 6}, 2},
		{"shared border, higher priority", []terr{{g: a.g, priority: 1, user: 1}, b}, geo.Point{Lat: 45.5, Lng: 6}, 1},
		{"equal areas: lower id", []terr{a, a2}, geo.Point{Lat: 45.5, Lng: 5.2}, 1},
		{"equal areas, other order: lower id", []terr{a2, a}, geo.Point{Lat: 45.5, Lng: 5.2}, 2},
		{"smaller area", []terr{a, c}, geo.Point{Lat: 45.5, Lng: 5.7}, 3},
		{"higher priority over smaller area", []terr{a, c, d}, geo.Point{Lat: 45.5, Lng: 5.7}, 4},
		{"territory without assignee", []terr{{g: a.g}}, geo.Point{Lat: 45.5, Lng: 5.2}, 0},
	}
	for _, tc := range tests {
		for _, accountFirst := range []bool{false, true} {
			name := tc.name + "/territories first"
			if accountFirst {
				name = tc.name + "/account first"
			}
			t.Run(name, func(t *testing.T) {
				w := newAssignWorld(t, open)
				var acc accounts.Account
				if accountFirst {
					acc = mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, placedAccount(t, 1, tc.at))
				}
				for _, tr := range tc.terrs {
					w.territory(t, "sales", box(t, tr.g[0], tr.g[1], tr.g[2], tr.g[3]), tr.priority, tr.user)
				}
				var want map[string]int
				if tc.want != 0 {
					want = map[string]int{"sales": tc.want}
				}
				if !accountFirst {
					acc = mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, placedAccount(t, 1, tc.at))
					checkAssignees(t, "CreateAccount", w.reps(acc.Assignees), want)
				}
				checkAssignees(t, "GetAccount", w.assignees(t, acc.ID), want)
			})
		}
	}
}

// testAssignmentLifecycle follows accounts through territory and account
// writes, checking their assignees and the change feed at each step.
func testAssignmentLifecycle(t *testing.T, open func(t *testing.T) accounts.Store) {
	w := newAssignWorld(t, open)
	x := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, placedAccount(t, 1, geo.Point{Lat: 45.5, Lng: 5.2}))
	y := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, placedAccount(t, 2, geo.Point{Lat: 45.5, Lng: 7.5}))
	checkAssignees(t, "x before any territory", w.assignees(t, x.ID), nil)

	step := func(name string, write func() error, wantX, wantY map[string]int, wantLogged []int64) {
		t.Helper()
		before := w.seq(t)
		noErr(t, name, write())
		checkAssignees(t, name+": x", w.assignees(t, x.ID), wantX)
		checkAssignees(t, name+": y", w.assignees(t, y.ID), wantY)
		if got := w.accountUpdates(t, before); !slices.Equal(got, wantLogged) {
			t.Errorf("%s: got account update changes for %v, want %v", name, got, wantLogged)
		}
	}
	var sales accounts.Territory
	step("create sales territory", func() error {
		sales = w.territory(t, "sales", box(t, 5, 45, 6, 46), 0, 1)
		return nil
	}, map[string]int{"sales": 1}, nil, []int64{x.ID})
	step("create maintenance territory over both", func() error {
		w.territory(t, "Maintenance", box(t, 4, 44, 8, 47), 0, 2)
		return nil
	}, map[string]int{"sales": 1, "maintenance": 2}, map[string]int{"maintenance": 2}, []int64{x.ID, y.ID})
	step("reassign the sales territory", func() error {
		sales.AssigneeID = &w.users[3]
		var err error
		sales, err = w.s.UpdateTerritory(w.ctx, sales, sales.Version)
		return err
	}, map[string]int{"sales": 3, "maintenance": 2}, map[string]int{"maintenance": 2}, []int64{x.ID})
	step("rename the sales territory", func() error {
		sales.Name = "Alpes"
		var err error
		sales, err = w.s.UpdateTerritory(w.ctx, sales, sales.Version)
		return err
	}, map[string]int{"sales": 3, "maintenance": 2}, map[string]int{"maintenance": 2}, nil)
	step("redraw the sales territory around y", func() error {
		sales.Geometry = box(t, 7, 45, 8, 46)
		var err error
		sales, err = w.s.UpdateTerritory(w.ctx, sales, sales.Version)
		return err
	}, map[string]int{"maintenance": 2}, map[string]int{"sales": 3, "maintenance": 2}, []int64{x.ID, y.ID})
	step("move x into the sales territory", func() error {
		x.Point = geo.Point{Lat: 45.2, Lng: 7.2}
		got, err := w.s.UpdateAccount(w.ctx, x, x.Version)
		if err == nil {
			checkAssignees(t, "UpdateAccount result", w.reps(got.Assignees), map[string]int{"sales": 3, "maintenance": 2})
			x = got
		}
		return err
	}, map[string]int{"sales": 3, "maintenance": 2}, map[string]int{"sales": 3, "maintenance": 2}, []int64{x.ID})
	step("move x out of every territory", func() error {
		x.Point = geo.Point{Lat: 40, Lng: 0}
		var err error
		x, err = w.s.UpdateAccount(w.ctx, x, x.Version)
		return err
	}, nil, map[string]int{"sales": 3, "maintenance": 2}, []int64{x.ID})
	step("delete the sales territory", func() error {
		return w.s.DeleteTerritory(w.ctx, sales.ID, sales.Version)
	}, nil, map[string]int{"maintenance": 2}, []int64{y.ID})
	noErr(t, "DeleteAccount", w.s.DeleteAccount(w.ctx, x.ID, x.Version))
	left, err := w.s.AssignmentsIn(w.ctx, "", accounts.World)
	noErr(t, "AssignmentsIn", err)
	for _, a := range left {
		if a.AccountID == x.ID {
			t.Errorf("after DeleteAccount: got assignment %+v of the deleted account, want none", a)
		}
	}
}

// testPins checks that a pin overrides territories until removed.
func testPins(t *testing.T, open func(t *testing.T) accounts.Store) {
	w := newAssignWorld(t, open)
	x := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, placedAccount(t, 1, geo.Point{Lat: 45.5, Lng: 5.2}))

	before := w.seq(t)
	got, err := w.s.PinAccount(w.ctx, x.ID, "sales", w.users[1])
	noErr(t, "PinAccount", err)
	want := accounts.Assignment{AccountID: x.ID, Layer: "sales", UserID: &w.users[1], Pinned: true}
	checkSame(t, "PinAccount outside any territory", got, want)
	checkAssignees(t, "pinned", w.assignees(t, x.ID), map[string]int{"sales": 1})
	if got := w.accountUpdates(t, before); !slices.Equal(got, []int64{x.ID}) {
		t.Errorf("PinAccount: got account update changes for %v, want [%d]", got, x.ID)
	}

	tr := w.territory(t, "sales", box(t, 5, 45, 6, 46), 0, 2)
	checkAssignees(t, "pinned, then a territory drawn over it", w.assignees(t, x.ID), map[string]int{"sales": 1})
	stored, err := w.s.AssignmentsIn(w.ctx, "sales", accounts.World)
	noErr(t, "AssignmentsIn", err)
	want.TerritoryID = &tr.ID
	checkSame(t, "AssignmentsIn of the pinned account", stored, []accounts.Assignment{want})

	tr.AssigneeID = &w.users[3]
	tr, err = w.s.UpdateTerritory(w.ctx, tr, tr.Version)
	noErr(t, "UpdateTerritory", err)
	checkAssignees(t, "pinned, then the territory reassigned", w.assignees(t, x.ID), map[string]int{"sales": 1})

	wantErr(t, "DeleteUser of the pinned user", w.s.DeleteUser(w.ctx, w.users[1], 0), accounts.ErrConflict)

	got, err = w.s.UnpinAccount(w.ctx, x.ID, "sales")
	noErr(t, "UnpinAccount", err)
	checkSame(t, "UnpinAccount", got, accounts.Assignment{AccountID: x.ID, Layer: "sales", UserID: &w.users[3], TerritoryID: &tr.ID})
	checkAssignees(t, "unpinned", w.assignees(t, x.ID), map[string]int{"sales": 3})

	noErr(t, "DeleteTerritory", w.s.DeleteTerritory(w.ctx, tr.ID, 0))
	got, err = w.s.UnpinAccount(w.ctx, x.ID, "sales")
	noErr(t, "UnpinAccount of an account in no territory", err)
	checkSame(t, "UnpinAccount in no territory", got, accounts.Assignment{AccountID: x.ID, Layer: "sales"})

	errs := []struct {
		name string
		err  error
		want error
	}{
		{"PinAccount of a missing account", pinErr(w.s.PinAccount(w.ctx, missingID, "sales", w.users[1])), accounts.ErrNotFound},
		{"PinAccount to a missing user", pinErr(w.s.PinAccount(w.ctx, x.ID, "sales", missingID)), accounts.ErrInvalid},
		{"UnpinAccount of a missing account", pinErr(w.s.UnpinAccount(w.ctx, missingID, "sales")), accounts.ErrNotFound},
	}
	for _, e := range errs {
		wantErr(t, e.name, e.err, e.want)
	}
	checkAssignees(t, "after the failed pins", w.assignees(t, x.ID), nil)
}

func pinErr(_ accounts.Assignment, err error) error { return err }

// testTerritoryFigures checks the sums per territory.
func testTerritoryFigures(t *testing.T, open func(t *testing.T) accounts.Store) {
	w := newAssignWorld(t, open)
	tr := w.territory(t, "sales", box(t, 5, 45, 6, 46), 0, 1)
	in1 := placedAccount(t, 1, geo.Point{Lat: 45.5, Lng: 5.2})
	in2 := placedAccount(t, 2, geo.Point{Lat: 45.6, Lng: 5.3})
	out := placedAccount(t, 3, geo.Point{Lat: 40, Lng: 0})
	in1.PotentialCents, in2.PotentialCents, out.PotentialCents = 100, 250, 1000
	as, err := w.s.CreateAccounts(w.ctx, []accounts.Account{in1, in2, out})
	noErr(t, "CreateAccounts", err)
	checkAssignees(t, "CreateAccounts in", w.reps(as[0].Assignees), map[string]int{"sales": 1})
	checkAssignees(t, "CreateAccounts out", w.reps(as[2].Assignees), nil)
	noErr(t, "PutRevenue", w.s.PutRevenue(w.ctx, []accounts.Revenue{
		{AccountID: as[0].ID, Month: "2024-12", AmountCents: 7},
		{AccountID: as[0].ID, Month: "2025-01", AmountCents: 10},
		{AccountID: as[1].ID, Month: "2025-03", AmountCents: 20},
		{AccountID: as[2].ID, Month: "2025-03", AmountCents: 40},
	}))
	got, err := w.s.TerritoryFigures(w.ctx, "sales", "2025-01")
	noErr(t, "TerritoryFigures", err)
	seg := in1.Segment
	want := []accounts.TerritoryFigure{
		{TerritoryID: 0, Kind: accounts.KindClient, Segment: seg, Accounts: 1, PotentialCents: 1000, RevenueCents: 40, VisitDuration: out.VisitDuration},
		{TerritoryID: tr.ID, Kind: accounts.KindClient, Segment: seg, Assigned: true, Accounts: 2, PotentialCents: 350, RevenueCents: 30, VisitDuration: in1.VisitDuration + in2.VisitDuration},
	}
	checkSame(t, "TerritoryFigures", got, want)
}

func testAssignments(t *testing.T, open func(t *testing.T) accounts.Store) {
	t.Run("Rule", func(t *testing.T) { testAssignmentRule(t, open) })
	t.Run("Lifecycle", func(t *testing.T) { testAssignmentLifecycle(t, open) })
	t.Run("Pins", func(t *testing.T) { testPins(t, open) })
	t.Run("Figures", func(t *testing.T) { testTerritoryFigures(t, open) })
}
