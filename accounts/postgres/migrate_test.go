package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// TestMigrationBackfillsLastVisit stores activities under the first schema,
// in a schema of its own, then checks that migration 00002 fills in each
// account's last done visit.
func TestMigrationBackfillsLastVisit(t *testing.T) {
	db := OpenTest(t)
	ctx := context.Background()
	// The test databases are reused: leave nothing behind.
	if _, err := db.pool.Exec(ctx, `DROP SCHEMA IF EXISTS backfill CASCADE; CREATE SCHEMA backfill`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.pool.Exec(context.Background(), `DROP SCHEMA backfill CASCADE`) })
	url := db.pool.Config().ConnString()
	if strings.Contains(url, "?") {
		url += "&search_path=backfill,public"
	} else {
		url += "?search_path=backfill,public"
	}
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.goose.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// CreateAccounts writes no column of migration 2; activities go in raw,
	// since the store's activity writes need it.
	var in []accounts.Account
	for _, name := range []string{"visited", "planned", "never"} {
		in = append(in, accounts.Account{Kind: accounts.KindClient, Name: name, Point: geo.Point{Lat: 45, Lng: 5}})
	}
	as, err := s.CreateAccounts(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	day := func(n int) time.Time { return time.Date(2025, time.March, n, 9, 30, 0, 123456000, time.UTC) }
	for _, v := range []struct {
		account *int64
		typ     accounts.ActivityType
		done    bool
		start   time.Time
	}{
		{&as[0].ID, accounts.ActivityVisit, true, day(1)},
		{&as[0].ID, accounts.ActivityVisit, true, day(3)},
		{&as[0].ID, accounts.ActivityVisit, false, day(5)},
		{&as[0].ID, accounts.ActivityCall, true, day(6)},
		{&as[1].ID, accounts.ActivityVisit, false, day(2)},
		{nil, accounts.ActivityVisit, true, day(7)},
	} {
		_, err := s.pool.Exec(ctx, `INSERT INTO activities (version, created_at, updated_at, type, done, account_id,
    start_at, end_at, subject, report, travelled_m) VALUES (1, $1, $1, $2, $3, $4, $5, $5, '', '', 0)`,
			day(1), string(v.typ), v.done, v.account, v.start)
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i, want := range []*time.Time{ptr(day(3)), nil, nil} {
		got, err := s.GetAccount(ctx, as[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if (got.LastVisitAt == nil) != (want == nil) || (want != nil && !got.LastVisitAt.Equal(*want)) {
			t.Errorf("account %q: got LastVisitAt %v, want %v", got.Name, got.LastVisitAt, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
