package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/tournee/tournee/accounts"
)

const deliveryCols = `id, key, channel, recipient, subscription, subject, body, payload, state, attempts,
	next_at, last_error, created_at, sent_at`

func scanDelivery(s scanner) (accounts.Delivery, error) {
	var d accounts.Delivery
	var sentAt *time.Time
	err := s.Scan(&d.ID, &d.Key, &d.Channel, &d.Recipient, &d.Subscription, &d.Subject, &d.Body, &d.Payload,
		&d.State, &d.Attempts, timeCol{&d.NextAt}, &d.LastError, timeCol{&d.CreatedAt}, nullTimeCol{&sentAt})
	if sentAt != nil {
		d.SentAt = *sentAt
	}
	return d, err
}

// ClaimDeliveries hands out the pending deliveries due at now, oldest first,
// leased until now+lease, with the attempt counted. SQLite runs one write
// transaction at a time, so choosing them and moving them on in the same
// transaction is a claim no other worker can share.
func (db *DB) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]accounts.Delivery, error) {
	const (
		due = `SELECT id FROM deliveries WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?`
		// RETURNING gives no order: the rows are put back in due's.
		claim = `UPDATE deliveries SET next_at = ?, attempts = attempts + 1
	WHERE id IN (SELECT value FROM json_each(?)) RETURNING ` + deliveryCols
	)
	if limit <= 0 {
		return []accounts.Delivery{}, nil
	}
	out := []accounts.Delivery{}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		ids, err := list(ctx, tx, func(s scanner) (id int64, err error) {
			err = s.Scan(&id)
			return id, err
		}, due, formatTime(now), limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		b, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		if out, err = list(ctx, tx, scanDelivery, claim, formatTime(now.Add(lease)), string(b)); err != nil {
			return err
		}
		slices.SortFunc(out, func(a, b accounts.Delivery) int {
			return cmp.Compare(slices.Index(ids, a.ID), slices.Index(ids, b.ID))
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NextDeliveryAt returns the earliest NextAt of a pending delivery.
func (db *DB) NextDeliveryAt(ctx context.Context) (time.Time, bool, error) {
	var next *time.Time
	err := db.db.QueryRowContext(ctx, `SELECT min(next_at) FROM deliveries WHERE state = 'pending'`).
		Scan(nullTimeCol{&next})
	if err != nil || next == nil {
		return time.Time{}, false, err
	}
	return *next, true, nil
}

// MarkSent records that attempt of delivery id was accepted at at.
func (db *DB) MarkSent(ctx context.Context, id int64, attempt int, at time.Time) error {
	return db.markDelivery(ctx, id, attempt, `state = 'sent', sent_at = ?, last_error = ''`, formatTime(at))
}

// MarkFailed records that attempt of delivery id failed and when it is due again.
func (db *DB) MarkFailed(ctx context.Context, id int64, attempt int, nextAt time.Time, lastErr string) error {
	return db.markDelivery(ctx, id, attempt, `next_at = ?, last_error = ?`, formatTime(nextAt), lastErr)
}

// MarkDead records that attempt of delivery id failed for good.
func (db *DB) MarkDead(ctx context.Context, id int64, attempt int, at time.Time, lastErr string) error {
	return db.markDelivery(ctx, id, attempt, `state = 'dead', dead_at = ?, last_error = ?`, formatTime(at), lastErr)
}

// markDelivery applies set to delivery id if it is still pending at
// attempt: otherwise another worker has claimed or settled it since, and
// the mark is a conflict.
func (db *DB) markDelivery(ctx context.Context, id int64, attempt int, set string, args ...any) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET `+set+` WHERE id = ? AND state = 'pending' AND attempts = ?`,
			append(args, id, attempt)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var state accounts.DeliveryState
		var attempts int
		err = tx.QueryRowContext(ctx, `SELECT state, attempts FROM deliveries WHERE id = ?`, id).Scan(&state, &attempts)
		if isNoRows(err) {
			return accounts.NotFound("delivery", id)
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("%w: delivery %d is %s at attempt %d, not pending at attempt %d",
			accounts.ErrConflict, id, state, attempts, attempt)
	})
}
