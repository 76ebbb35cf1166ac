package accounts_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/sqlite"
	"github.com/tournee/tournee/geo"
)

// TestPlacesFollowAnotherWriter keeps a read model over one SQLite file
// while a second process (another connection, another Service) writes, and
// checks after each catch-up that the index holds what the store holds:
// location, kind, last visit (also after the visit is deleted) and deletion.
func TestPlacesFollowAnotherWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tournee.db")
	open := func() *sqlite.DB {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	reader, writer := open(), accounts.NewService(open())
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	places := accounts.NewPlaces(reader, func() time.Time { return now })
	if err := places.Load(ctx); err != nil {
		t.Fatal(err)
	}

	entry := func() (geo.Entry, bool) {
		t.Helper()
		if err := places.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		return places.Index().Get(1)
	}
	a := accounts.Account{Kind: accounts.KindProspect, Name: "LAMBDA SARL", PotentialCents: 4_000_000}
	a.Point = geo.Point{Lat: 47.2, Lng: -1.64}
	a, err := writer.CreateAccount(ctx, a)
	if err != nil || a.ID != 1 {
		t.Fatalf("create: %v (id %d)", err, a.ID)
	}
	if e, ok := entry(); !ok || e.Location != a.Point || accounts.KindOf(e.Kind) != accounts.KindProspect || e.LastVisit != 0 {
		t.Fatalf("after create: %+v, %v", e, ok)
	}
	neverVisited := accounts.BaseScore(a, now)

	a.Kind, a.Point = accounts.KindClient, geo.Point{Lat: 45.76, Lng: 4.84}
	if a, err = writer.UpdateAccount(ctx, a, a.Version); err != nil {
		t.Fatal(err)
	}
	if e, _ := entry(); e.Location != a.Point || accounts.KindOf(e.Kind) != accounts.KindClient {
		t.Fatalf("after the move: %+v", e)
	}

	visitAt := now.Add(-10 * 24 * time.Hour)
	visit, err := writer.CreateActivity(ctx, accounts.Activity{Type: accounts.ActivityVisit, Done: true, AccountID: &a.ID, Start: visitAt})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := entry()
	if e.LastVisit != geo.DayOf(visitAt) || e.Score >= neverVisited {
		t.Fatalf("after a visit: last visit %v, score %v; want %v and less than %v", e.LastVisit, e.Score, geo.DayOf(visitAt), neverVisited)
	}

	// The deleted visit's change row no longer says which account it was
	// of; the account's own update row does.
	if err := writer.DeleteActivity(ctx, visit.ID, 0); err != nil {
		t.Fatal(err)
	}
	if e, _ := entry(); e.LastVisit != 0 || e.Score != neverVisited {
		t.Fatalf("after the visit was deleted: last visit %v, score %v; want none and %v", e.LastVisit, e.Score, neverVisited)
	}

	if err := writer.DeleteAccount(ctx, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, ok := entry(); ok || places.Index().Len() != 0 {
		t.Fatalf("after delete the index still holds %d accounts", places.Index().Len())
	}
}

// TestPlacesHoldTerritoryAssignees checks that the index sees each
// account's assignee per territory layer beside its owner, and follows a
// territory edit that hands the account to someone else.
func TestPlacesHoldTerritoryAssignees(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tournee.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := accounts.NewService(db)
	svc.Places = accounts.NewPlaces(db, time.Now)
	if err := svc.Places.Load(ctx); err != nil {
		t.Fatal(err)
	}
	user := func(email string) int64 {
		u, err := svc.CreateUser(ctx, accounts.User{Email: email, Name: email, Role: accounts.RoleRep})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	owner, first, second := user("o@example.test"), user("a@example.test"), user("b@example.test")
	area, err := geo.ParseArea([]byte(`{"type":"Polygon","coordinates":[[[2,48],[3,48],[3,49],[2,49],[2,48]]]}`))
	if err != nil {
		t.Fatal(err)
	}
	ter, err := svc.CreateTerritory(ctx, accounts.Territory{Layer: "maintenance", Name: "Île-de-France", Geometry: area, AssigneeID: &first})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := svc.CreateAccount(ctx, accounts.Account{Kind: accounts.KindClient, Name: "Dans la zone", Point: geo.Point{Lat: 48.5, Lng: 2.5}, OwnerID: &owner})
	if err != nil {
		t.Fatal(err)
	}
	check := func(want int64) {
		t.Helper()
		e, ok := svc.Places.Index().Get(acc.ID)
		got := map[string]int64{}
		for _, a := range e.Assignees {
			got[a.Layer] = a.UserID
		}
		if !ok || got[accounts.OwnerLayer] != owner || got["maintenance"] != want {
			t.Errorf("index assignees %v, want owner %d and maintenance %d", got, owner, want)
		}
	}
	check(first)
	ter.AssigneeID = &second
	if _, err := svc.UpdateTerritory(ctx, ter, ter.Version); err != nil {
		t.Fatal(err)
	}
	check(second)
}
