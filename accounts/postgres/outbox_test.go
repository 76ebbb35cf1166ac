package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/postgres"
)

// TestClaimSkipsLockedDeliveries holds the lock another replica's claim
// would hold on one delivery, and checks that a claim meanwhile takes the
// others without waiting: what lets several replicas share the outbox. The
// conformance suite's concurrent claims cannot be relied on to overlap.
func TestClaimSkipsLockedDeliveries(t *testing.T) {
	db := postgres.OpenTest(t)
	ctx := context.Background()
	due := time.Date(2025, time.May, 2, 7, 30, 0, 0, time.UTC)
	ids := make([]int64, 3)
	for i := range ids {
		err := db.Pool().QueryRow(ctx, `INSERT INTO deliveries (key, channel, recipient, subscription, subject, body,
    state, attempts, next_at, last_error, created_at)
VALUES ('k:' || $1::int, 'email', 'rep@example.test', 0, 'Alerte', '', 'pending', 0, $2, '', $2) RETURNING id`,
			i, due).Scan(&ids[i])
		if err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT FROM deliveries WHERE id = $1 FOR UPDATE`, ids[0]); err != nil {
		t.Fatal(err)
	}

	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, err := db.ClaimDeliveries(cctx, due, time.Minute, 10)
	if err != nil {
		t.Fatalf("ClaimDeliveries while a delivery is locked: %v", err)
	}
	var gotIDs []int64
	for _, d := range got {
		gotIDs = append(gotIDs, d.ID)
	}
	if len(gotIDs) != 2 || gotIDs[0] != ids[1] || gotIDs[1] != ids[2] {
		t.Errorf("ClaimDeliveries: got ids %v, want %v (the locked one skipped)", gotIDs, ids[1:])
	}

	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	got, err = db.ClaimDeliveries(ctx, due, time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != ids[0] || got[0].State != accounts.DeliveryPending || got[0].Attempts != 1 {
		t.Errorf("ClaimDeliveries once unlocked: got %+v, want delivery %d at attempt 1", got, ids[0])
	}
}
