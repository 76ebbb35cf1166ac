package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/tournee/tournee/accounts"
)

// Changes returns up to limit changes with Seq > after, in Seq order.
func (db *DB) Changes(ctx context.Context, after int64, n int) ([]accounts.Change, error) {
	return list(ctx, db.db, func(s scanner) (accounts.Change, error) {
		var c accounts.Change
		err := s.Scan(&c.Seq, &c.Entity, &c.EntityID, &c.Op, timeCol{&c.At}, &c.By)
		return c, err
	}, `SELECT seq, entity, entity_id, op, at, actor_id FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`,
		after, limit(n))
}

// LastChangeSeq returns the seq of the newest change, 0 if none.
func (db *DB) LastChangeSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := db.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM changes`).Scan(&seq)
	return seq, err
}

// idempotencyTTL is how long a key is remembered. Clients retry within
// minutes; a day covers a phone that was offline overnight.
const idempotencyTTL = 24 * time.Hour

// ClaimIdempotencyKey records key for a new request and returns nil, or
// returns what is stored for an earlier request with that key.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, key, fingerprint string) (*accounts.IdempotentResponse, error) {
	now := db.now()
	var prior *accounts.IdempotentResponse
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		// Forgetting expired keys here keeps the table small without a
		// background job; the index on created_at makes it cheap.
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`,
			formatTime(now.Add(-idempotencyTTL))); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (key, fingerprint, status, created_at)
			VALUES (?, ?, 0, ?) ON CONFLICT (key) DO NOTHING`, key, fingerprint, formatTime(now))
		if err != nil {
			return writeError(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var r accounts.IdempotentResponse
		err = tx.QueryRowContext(ctx, `SELECT fingerprint, status, body FROM idempotency_keys WHERE key = ?`, key).
			Scan(&r.Fingerprint, &r.Status, &r.Body)
		if err != nil {
			return err
		}
		prior = &r
		return nil
	})
	return prior, err
}

// SaveIdempotentResponse stores the answer for a claimed key.
func (db *DB) SaveIdempotentResponse(ctx context.Context, key string, status int, body []byte) error {
	res, err := db.db.ExecContext(ctx, `UPDATE idempotency_keys SET status = ?, body = ? WHERE key = ?`, status, body, key)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return notFoundf("idempotency key %q", key)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a claimed key, so that a retry runs again.
// Releasing a key that is not held is not an error.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, key string) error {
	_, err := db.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE key = ?`, key)
	return err
}
