package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/accounts"
)

const deliveryColumns = `d.id, d.key, d.channel, d.recipient, d.subscription, d.subject, d.body, d.payload, d.state,
    d.attempts, d.next_at, d.last_error, d.created_at, d.sent_at`

func scanDelivery(row scanner, extra ...any) (accounts.Delivery, error) {
	var d accounts.Delivery
	var sentAt *time.Time
	err := row.Scan(append(extra, &d.ID, &d.Key, &d.Channel, &d.Recipient, &d.Subscription, &d.Subject, &d.Body,
		&d.Payload, &d.State, &d.Attempts, &d.NextAt, &d.LastError, &d.CreatedAt, &sentAt)...)
	d.NextAt, d.CreatedAt = d.NextAt.UTC(), d.CreatedAt.UTC()
	if sentAt != nil {
		d.SentAt = sentAt.UTC()
	}
	return d, err
}

// ClaimDeliveries hands out the pending deliveries due at now, oldest first,
// leased until now+lease, with the attempt counted, in one statement. SKIP
// LOCKED lets replicas claim side by side: a row another replica is
// claiming is left to it rather than waited for, and once that claim
// commits its NextAt is in the future.
func (db *DB) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]accounts.Delivery, error) {
	const q = `WITH due AS (
    SELECT id, next_at FROM deliveries
    WHERE state = 'pending' AND next_at <= $1
    ORDER BY next_at, id LIMIT $3
    FOR UPDATE SKIP LOCKED
)
UPDATE deliveries d SET next_at = $2, attempts = d.attempts + 1
FROM due WHERE d.id = due.id
RETURNING due.next_at, ` + deliveryColumns
	if limit <= 0 {
		return []accounts.Delivery{}, nil
	}
	type claimed struct {
		due time.Time // NextAt before the claim, for the order
		d   accounts.Delivery
	}
	rows, err := db.pool.Query(ctx, q, ts(now), ts(now.Add(lease)), limit)
	if err != nil {
		return nil, translate(err, false)
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimed, error) {
		var c claimed
		var err error
		c.d, err = scanDelivery(r, &c.due)
		return c, err
	})
	if err != nil {
		return nil, translate(err, false)
	}
	// RETURNING gives no order: put them back in due's.
	slices.SortFunc(got, func(a, b claimed) int { return cmp.Or(a.due.Compare(b.due), cmp.Compare(a.d.ID, b.d.ID)) })
	out := make([]accounts.Delivery, len(got))
	for i, c := range got {
		out[i] = c.d
	}
	return out, nil
}

// NextDeliveryAt returns the earliest NextAt of a pending delivery.
func (db *DB) NextDeliveryAt(ctx context.Context) (time.Time, bool, error) {
	var next *time.Time
	err := db.pool.QueryRow(ctx, `SELECT min(next_at) FROM deliveries WHERE state = 'pending'`).Scan(&next)
	if err != nil || next == nil {
		return time.Time{}, false, translate(err, false)
	}
	return next.UTC(), true, nil
}

// MarkSent records that attempt of delivery id was accepted at at.
func (db *DB) MarkSent(ctx context.Context, id int64, attempt int, at time.Time) error {
	return db.markDelivery(ctx, id, attempt, `state = 'sent', sent_at = $3, last_error = ''`, ts(at))
}

// MarkFailed records that attempt of delivery id failed and when it is due again.
func (db *DB) MarkFailed(ctx context.Context, id int64, attempt int, nextAt time.Time, lastErr string) error {
	return db.markDelivery(ctx, id, attempt, `next_at = $3, last_error = $4`, ts(nextAt), lastErr)
}

// MarkDead records that attempt of delivery id failed for good.
func (db *DB) MarkDead(ctx context.Context, id int64, attempt int, at time.Time, lastErr string) error {
	return db.markDelivery(ctx, id, attempt, `state = 'dead', dead_at = $3, last_error = $4`, ts(at), lastErr)
}

// markDelivery applies set (whose parameters start at $3) to delivery id
// if it is still pending at attempt: otherwise another worker has claimed
// or settled it since, and the mark is a conflict. An update that meets a
// claim not yet committed waits for it and then rechecks the attempt on
// the claimed row, so a mark cannot slip in under a new claim.
func (db *DB) markDelivery(ctx context.Context, id int64, attempt int, set string, args ...any) error {
	return db.write(ctx, false, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE deliveries SET `+set+` WHERE id = $1 AND state = 'pending' AND attempts = $2`,
			append([]any{id, attempt}, args...)...)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		var state accounts.DeliveryState
		var attempts int
		err = tx.QueryRow(ctx, `SELECT state, attempts FROM deliveries WHERE id = $1`, id).Scan(&state, &attempts)
		if errors.Is(err, pgx.ErrNoRows) {
			return accounts.NotFound("delivery", id)
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("%w: delivery %d is %s at attempt %d, not pending at attempt %d",
			accounts.ErrConflict, id, state, attempts, attempt)
	})
}
