package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/postgres"
	"github.com/tournee/tournee/geo"
)

// fixtures

func newUser(t testing.TB, db *postgres.DB, i int) accounts.User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), accounts.User{
		Email: fmt.Sprintf("Rep%d@Example.test", i), Name: fmt.Sprintf("Rep %d", i), Role: accounts.RoleRep,
		WorkDays: accounts.Weekdays{time.Monday, time.Tuesday}, WorkStart: 8 * 60, WorkEnd: 18 * 60,
	})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return u
}

func account(i int, owner *int64) accounts.Account {
	return accounts.Account{
		Kind:    accounts.KindClient,
		Name:    fmt.Sprintf("Client %d", i),
		Address: accounts.Address{City: "Lyon", Country: "FR"},
		Point:   geo.Point{Lat: 45.75 + float64(i%1000)/10000, Lng: 4.85 + float64(i%997)/10000},
		Tags:    []string{"bulk"},
		OwnerID: owner,
		Custom:  map[string]any{"n": float64(i)},
	}
}

func TestStaleVersion(t *testing.T) {
	db := postgres.OpenTest(t)
	ctx := context.Background()
	a, err := db.CreateAccount(ctx, account(1, nil))
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.UpdateAccount(ctx, a, a.Version)
	if err != nil {
		t.Fatalf("UpdateAccount at the current version: %v", err)
	}
	if b.Version != 2 || !b.CreatedAt.Equal(a.CreatedAt) {
		t.Errorf("after update: got version %d, created %v; want 2, %v", b.Version, b.CreatedAt, a.CreatedAt)
	}
	if _, err := db.UpdateAccount(ctx, a, 1); !errors.Is(err, accounts.ErrStale) {
		t.Errorf("UpdateAccount at version 1: got %v, want ErrStale", err)
	}
	if err := db.DeleteAccount(ctx, a.ID, 1); !errors.Is(err, accounts.ErrStale) {
		t.Errorf("DeleteAccount at version 1: got %v, want ErrStale", err)
	}
	if err := db.DeleteAccount(ctx, a.ID+1000, 0); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("DeleteAccount of an unknown id: got %v, want ErrNotFound", err)
	}
	got, err := db.GetAccount(ctx, a.ID)
	if err != nil || !reflect.DeepEqual(got, b) {
		t.Errorf("GetAccount after failed writes:\ngot  %+v (%v)\nwant %+v", got, err, b)
	}
}

func TestIdempotency(t *testing.T) {
	db := postgres.OpenTest(t)
	ctx := context.Background()
	if r, err := db.ClaimIdempotencyKey(ctx, "k", "fp"); r != nil || err != nil {
		t.Fatalf("first claim: got %+v, %v; want nil, nil", r, err)
	}
	r, err := db.ClaimIdempotencyKey(ctx, "k", "fp")
	if err != nil || r == nil || r.Status != 0 || r.Fingerprint != "fp" {
		t.Fatalf("claim in flight: got %+v, %v; want status 0", r, err)
	}
	if err := db.SaveIdempotentResponse(ctx, "k", 201, []byte(`{"id":1}`)); err != nil {
		t.Fatal(err)
	}
	r, err = db.ClaimIdempotencyKey(ctx, "k", "other")
	want := &accounts.IdempotentResponse{Fingerprint: "fp", Status: 201, Body: []byte(`{"id":1}`)}
	if err != nil || !reflect.DeepEqual(r, want) {
		t.Fatalf("claim after save: got %+v, %v; want %+v", r, err, want)
	}
	if err := db.ReleaseIdempotencyKey(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if r, err := db.ClaimIdempotencyKey(ctx, "k", "fp2"); r != nil || err != nil {
		t.Fatalf("claim after release: got %+v, %v; want nil, nil", r, err)
	}
}

// TestChangeSeqCommitOrder runs many writers while a reader follows the feed
// the way replicas do, remembering the last seq it saw. Had a writer taken
// a smaller seq but committed after a larger one was visible, the reader
// would miss it.
func TestChangeSeqCommitOrder(t *testing.T) {
	db := postgres.OpenTest(t)
	ctx := context.Background()
	const writers, writes = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range writes {
				a, err := db.CreateAccount(ctx, account(w*1000+i, nil))
				if err == nil {
					_, err = db.UpdateAccount(ctx, a, 0)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[int64]bool{}
	var last int64
	follow := func() {
		cs, err := db.Changes(ctx, last, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			seen[c.Seq] = true
			last = c.Seq
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		follow()
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for n := -1; n != len(seen); {
		n = len(seen)
		follow()
	}
	const total = writers * writes * 2
	if len(seen) != total || last != total {
		t.Errorf("reader saw %d changes up to seq %d, want %d up to %d", len(seen), last, total, total)
	}
}

func TestCreateAccountsAllOrNone(t *testing.T) {
	db := postgres.OpenTest(t)
	ctx := context.Background()
	owner := newUser(t, db, 1)
	missing := owner.ID + 1000
	as := []accounts.Account{account(1, &owner.ID), account(2, &missing), account(3, nil)}
	if _, err := db.CreateAccounts(ctx, as); !errors.Is(err, accounts.ErrInvalid) {
		t.Errorf("CreateAccounts with a missing owner: got %v, want ErrInvalid", err)
	}
	if got, err := db.ListAccounts(ctx, accounts.AccountFilter{}); err != nil || len(got) != 0 {
		t.Errorf("accounts after a failed bulk create: got %d, %v; want none", len(got), err)
	}
	if got, err := db.Changes(ctx, 0, 0); err != nil || len(got) != 1 { // the user's
		t.Errorf("changes after a failed bulk create: got %v, %v; want the user's only", got, err)
	}

	as[1].OwnerID = nil
	created, err := db.CreateAccounts(ctx, as)
	if err != nil {
		t.Fatalf("CreateAccounts: %v", err)
	}
	for _, c := range created {
		got, err := db.GetAccount(ctx, c.ID)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("GetAccount %d:\ngot  %+v (%v)\nwant %+v", c.ID, got, err, c)
		}
	}
}

// TestPostGIS checks the geometry columns that PostGIS tools read.
func TestPostGIS(t *testing.T) {
	db := postgres.OpenTest(t)
	ctx := context.Background()
	var has bool
	if err := db.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')`).Scan(&has); err != nil {
		t.Fatal(err)
	}
	if !has {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostGIS is not installed on the test server; CI requires it")
		}
		t.Skip("PostGIS is not installed on the test server")
	}
	a, err := db.CreateAccount(ctx, accounts.Account{Name: "LAMBDA", Kind: accounts.KindClient, Point: geo.Point{Lat: 45.5, Lng: 4.25}})
	if err != nil {
		t.Fatal(err)
	}
	var wkt string
	if err := db.Pool().QueryRow(ctx, `SELECT ST_AsText(location) FROM accounts WHERE id = $1`, a.ID).Scan(&wkt); err != nil {
		t.Fatal(err)
	}
	if want := "POINT(4.25 45.5)"; wkt != want {
		t.Errorf("account location: got %s, want %s", wkt, want)
	}

	area, err := geo.ParseArea([]byte(`{"type":"Polygon","coordinates":[[[4,45],[5,45],[5,46],[4,46],[4,45]]]}`))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := db.CreateTerritory(ctx, accounts.Territory{Layer: "food", Name: "Rhône", Geometry: area})
	if err != nil {
		t.Fatal(err)
	}
	var inside bool
	err = db.Pool().QueryRow(ctx, `SELECT ST_AsText(geom), ST_Contains(geom, a.location)
FROM territories, accounts a WHERE territories.id = $1 AND a.id = $2`, tr.ID, a.ID).Scan(&wkt, &inside)
	if err != nil {
		t.Fatal(err)
	}
	if want := "MULTIPOLYGON(((4 45,5 45,5 46,4 46,4 45)))"; wkt != want || !inside {
		t.Errorf("territory geom: got %s, contains account %v; want %s, true", wkt, inside, want)
	}
}

// TestMigrateTogether starts several stores on one empty database at once,
// as replicas do: the advisory lock lets one migrate while the others wait.
func TestMigrateTogether(t *testing.T) {
	db := postgres.OpenTest(t)
	ctx := context.Background()
	// A fresh schema in the test database stands in for an empty database.
	// The test databases are reused: leave nothing behind.
	if _, err := db.Pool().Exec(ctx, `DROP SCHEMA IF EXISTS empty CASCADE; CREATE SCHEMA empty`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Pool().Exec(context.Background(), `DROP SCHEMA empty CASCADE`) })
	url := db.Pool().Config().ConnString()
	if strings.Contains(url, "?") {
		url += "&search_path=empty,public"
	} else {
		url += "?search_path=empty,public"
	}
	stores := make([]*postgres.DB, 4)
	for i := range stores {
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	if err := stores[0].Ready(ctx); err == nil {
		t.Errorf("Ready before Migrate: got nil, want an error")
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
	}
	if err := stores[1].Ready(ctx); err != nil {
		t.Errorf("Ready after Migrate: %v", err)
	}
}

// BenchmarkCreateAccounts measures bulk imports.
func BenchmarkCreateAccounts(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			db := postgres.OpenTest(b)
			ctx := context.Background()
			owner := newUser(b, db, 1)
			as := make([]accounts.Account, n)
			for i := range as {
				as[i] = account(i, &owner.ID)
			}
			for b.Loop() {
				if _, err := db.CreateAccounts(ctx, as); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "accounts/s")
		})
	}
}
