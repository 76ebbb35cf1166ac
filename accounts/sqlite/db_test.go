package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// openTest returns a fresh, migrated database in a temporary directory.
func openTest(tb testing.TB) *DB {
	tb.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(tb.TempDir(), "tournee test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}

func TestReadyNeedsMigration(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ready(ctx); err == nil {
		t.Error("Ready before Migrate: got nil, want an error")
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Errorf("Ready after Migrate: got %v, want nil", err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Errorf("second Migrate: got %v, want nil", err)
	}
}

func TestPragmas(t *testing.T) {
	db := openTest(t)
	for _, c := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
		{"synchronous", "2"}, // FULL
	} {
		var got string
		if err := db.db.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("PRAGMA %s: got %q, want %q", c.pragma, got, c.want)
		}
	}
}

func account(name string) accounts.Account {
	return accounts.Account{Kind: accounts.KindClient, Name: name, Point: geo.Point{Lat: 45, Lng: 5}}
}

func changeCount(t *testing.T, db *DB) int {
	t.Helper()
	cs, err := db.Changes(context.Background(), 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	return len(cs)
}

func TestStaleVersionWritesNothing(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a, err := db.CreateAccount(ctx, account("Lambda SARL"))
	if err != nil {
		t.Fatal(err)
	}
	a.Name = "Lambda SA"
	a2, err := db.UpdateAccount(ctx, a, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a2.Version != 2 || !a2.CreatedAt.Equal(a.CreatedAt) {
		t.Errorf("update: got version %d created %v, want 2 and %v", a2.Version, a2.CreatedAt, a.CreatedAt)
	}
	n := changeCount(t, db)

	a.Name = "stale"
	if _, err := db.UpdateAccount(ctx, a, 1); !errors.Is(err, accounts.ErrStale) {
		t.Errorf("update at version 1: got %v, want ErrStale", err)
	}
	if err := db.DeleteAccount(ctx, a.ID, 1); !errors.Is(err, accounts.ErrStale) {
		t.Errorf("delete at version 1: got %v, want ErrStale", err)
	}
	if _, err := db.UpdateAccount(ctx, accounts.Account{Meta: accounts.Meta{ID: 999}}, 0); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("update of unknown id: got %v, want ErrNotFound", err)
	}
	if got, _ := db.GetAccount(ctx, a.ID); got.Name != "Lambda SA" {
		t.Errorf("after stale update: name %q, want %q", got.Name, "Lambda SA")
	}
	if got := changeCount(t, db); got != n {
		t.Errorf("stale writes logged %d changes, want none", got-n)
	}
}

func TestBulkCreateRollsBack(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	missing := int64(42)
	as := []accounts.Account{account("a"), account("b"), account("c")}
	as[2].OwnerID = &missing
	_, err := db.CreateAccounts(ctx, as)
	if !errors.Is(err, accounts.ErrInvalid) || !strings.Contains(err.Error(), "account 2") {
		t.Errorf("bulk create with a bad owner: got %v, want ErrInvalid naming account 2", err)
	}
	if got, _ := db.ListAccounts(ctx, accounts.AccountFilter{}); len(got) != 0 {
		t.Errorf("after failed bulk create: %d accounts, want 0", len(got))
	}
	if got := changeCount(t, db); got != 0 {
		t.Errorf("after failed bulk create: %d changes, want 0", got)
	}
}

func TestChangesInWriteTransaction(t *testing.T) {
	ctx := accounts.WithActor(context.Background(), 7)
	db := openTest(t)
	at := time.Date(2025, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	db.Now = func() time.Time { return at }
	as, err := db.CreateAccounts(ctx, []accounts.Account{account("a"), account("b")})
	if err != nil {
		t.Fatal(err)
	}
	err = db.PutRevenue(ctx, []accounts.Revenue{
		{AccountID: as[1].ID, Month: "2025-01", AmountCents: 1},
		{AccountID: as[0].ID, Month: "2025-01", AmountCents: 2},
		{AccountID: as[1].ID, Month: "2025-02", AmountCents: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A revenue row for a missing account fails the whole batch.
	err = db.PutRevenue(ctx, []accounts.Revenue{{AccountID: as[0].ID, Month: "2025-03"}, {AccountID: 999, Month: "2025-03"}})
	if !errors.Is(err, accounts.ErrInvalid) {
		t.Errorf("PutRevenue for a missing account: got %v, want ErrInvalid", err)
	}
	if err := db.DeleteAccount(ctx, as[1].ID, 1); err != nil {
		t.Fatal(err)
	}
	cs, err := db.Changes(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, fmt.Sprintf("%d %s %d %s", c.Seq, c.Entity, c.EntityID, c.Op))
		if c.By == nil || *c.By != 7 || !c.At.Equal(at.Truncate(time.Microsecond)) {
			t.Errorf("change %d: by %v at %v, want 7 at %v", c.Seq, c.By, c.At, at)
		}
	}
	want := []string{
		"1 account 1 create", "2 account 2 create",
		"3 revenue 2 update", "4 revenue 1 update",
		"5 revenue 2 delete", "6 account 2 delete",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\ngot  %q\nwant %q", got, want)
	}
	rs, err := db.ListRevenue(ctx, as[0].ID)
	if err != nil || len(rs) != 1 || rs[0].AmountCents != 2 {
		t.Errorf("revenue of account 1: got %v, %v, want one month of 2 cents", rs, err)
	}
}

func TestIdempotencyClaim(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }

	if got, err := db.ClaimIdempotencyKey(ctx, "k1", "fp1"); got != nil || err != nil {
		t.Fatalf("first claim: got %v, %v, want nil, nil", got, err)
	}
	got, err := db.ClaimIdempotencyKey(ctx, "k1", "fp2")
	if err != nil || got == nil || got.Status != 0 || got.Fingerprint != "fp1" {
		t.Fatalf("claim in flight: got %+v, %v, want status 0 and fp1", got, err)
	}
	if err := db.SaveIdempotentResponse(ctx, "k1", 201, []byte(`{"id":1}`)); err != nil {
		t.Fatal(err)
	}
	got, err = db.ClaimIdempotencyKey(ctx, "k1", "fp1")
	if err != nil || got == nil || got.Status != 201 || string(got.Body) != `{"id":1}` {
		t.Fatalf("claim after save: got %+v, %v, want the saved response", got, err)
	}
	if err := db.SaveIdempotentResponse(ctx, "nope", 200, nil); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("save of an unclaimed key: got %v, want ErrNotFound", err)
	}

	if err := db.ReleaseIdempotencyKey(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ClaimIdempotencyKey(ctx, "k1", "fp3"); got != nil || err != nil {
		t.Errorf("claim after release: got %v, %v, want nil, nil", got, err)
	}
	// A day later the claim has expired and the key is free again.
	now = now.Add(25 * time.Hour)
	if got, err := db.ClaimIdempotencyKey(ctx, "k1", "fp4"); got != nil || err != nil {
		t.Errorf("claim after expiry: got %v, %v, want nil, nil", got, err)
	}
}

func TestErrorTranslation(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	u := accounts.User{Email: "Rep@Example.fr", Name: "Rep", Role: accounts.RoleRep}
	u, err := db.CreateUser(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	dup := accounts.User{Email: "rep@example.FR", Name: "Other", Role: accounts.RoleRep}
	if _, err := db.CreateUser(ctx, dup); !errors.Is(err, accounts.ErrConflict) || !strings.Contains(err.Error(), "email already in use") {
		t.Errorf("duplicate email: got %v, want ErrConflict, email already in use", err)
	}
	if got, err := db.UserByEmail(ctx, " REP@example.fr"); err != nil || got.ID != u.ID {
		t.Errorf("UserByEmail in another case: got %d, %v, want %d", got.ID, err, u.ID)
	}
	a := account("Owned")
	a.OwnerID = &u.ID
	if _, err := db.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteUser(ctx, u.ID, 0); !errors.Is(err, accounts.ErrConflict) {
		t.Errorf("delete of an owner: got %v, want ErrConflict", err)
	}
	if err := db.DeleteUser(ctx, 999, 0); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("delete of a missing user: got %v, want ErrNotFound", err)
	}
}

func TestNamePrefix(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	names := []string{"Écluse", "écrin", "100% Bio", "100_Bio", "1000 Bio", "Lambda", "LAMBDA SARL", "lamb"}
	for _, n := range names {
		if _, err := db.CreateAccount(ctx, account(n)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		prefix string
		want   []string
	}{
		{"lambda", []string{"Lambda", "LAMBDA SARL"}},
		{"ÉC", []string{"Écluse", "écrin"}},
		{"100%", []string{"100% Bio"}},
		{"100_", []string{"100_Bio"}},
		{"zz", nil},
	} {
		got, err := db.ListAccounts(ctx, accounts.AccountFilter{NamePrefix: c.prefix})
		if err != nil {
			t.Fatal(err)
		}
		var gotNames []string
		for _, a := range got {
			gotNames = append(gotNames, a.Name)
		}
		if strings.Join(gotNames, "|") != strings.Join(c.want, "|") {
			t.Errorf("prefix %q: got %q, want %q", c.prefix, gotNames, c.want)
		}
	}
}

// BenchmarkCreateAccounts measures a bulk import of 100,000 accounts in one
// call, the size of a large customer file.
func BenchmarkCreateAccounts(b *testing.B) {
	ctx := context.Background()
	as := make([]accounts.Account, 100_000)
	for i := range as {
		as[i] = accounts.Account{
			Kind:           accounts.KindProspect,
			Name:           fmt.Sprintf("Account %06d", i),
			Address:        accounts.Address{Street: "12 rue de la Paix", PostalCode: "75002", City: "Paris", Country: "FR"},
			Point:          geo.Point{Lat: 43 + float64(i%5000)/1000, Lng: 1 + float64(i/5000)/10},
			PotentialCents: int64(i) * 100,
			Segment:        "retail",
			Tags:           []string{"import", fmt.Sprintf("batch%d", i%10)},
			VisitDuration:  45 * time.Minute,
		}
	}
	for b.Loop() {
		b.StopTimer()
		db := openTest(b)
		b.StartTimer()
		if _, err := db.CreateAccounts(ctx, as); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(as)), "ns/account")
}
