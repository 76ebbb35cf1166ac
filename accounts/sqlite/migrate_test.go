package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

// TestMigrationBackfillsLastVisit stores activities under the first schema,
// then checks that migration 00002 fills in each account's last done visit.
func TestMigrationBackfillsLastVisit(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.goose.UpTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// CreateAccounts writes no column of migration 2; activities go in raw,
	// since the store's activity writes need it.
	as, err := db.CreateAccounts(ctx, []accounts.Account{account("visited"), account("planned"), account("never")})
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
		_, err := db.db.ExecContext(ctx, insertActivity, formatTime(day(1)), formatTime(day(1)),
			v.typ, v.done, v.account, nil, formatTime(v.start), formatTime(v.start), "", "", nil, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i, want := range []*time.Time{ptr(day(3)), nil, nil} {
		got, err := db.GetAccount(ctx, as[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if (got.LastVisitAt == nil) != (want == nil) || (want != nil && !got.LastVisitAt.Equal(*want)) {
			t.Errorf("account %q: got LastVisitAt %v, want %v", got.Name, got.LastVisitAt, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
