package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/accounts"
)

// Changes returns up to limit changes with Seq > after, in Seq order; limit
// 0 means the default page of 100. Seq increases in commit order (see
// logChanges), so a reader that remembers the last seq it saw misses nothing.
func (db *DB) Changes(ctx context.Context, after int64, limit int) ([]accounts.Change, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	return list(ctx, db, func(row scanner) (accounts.Change, error) {
		var c accounts.Change
		err := row.Scan(&c.Seq, &c.Entity, &c.EntityID, &c.Op, &c.At, &c.By)
		c.At = c.At.UTC()
		return c, err
	}, `SELECT seq, entity, entity_id, op, at, by FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
}

// LastChangeSeq returns the seq of the newest committed change, 0 if none.
func (db *DB) LastChangeSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := db.pool.QueryRow(ctx, `SELECT COALESCE(max(seq), 0) FROM changes`).Scan(&seq)
	return seq, translate(err, false)
}

// ClaimIdempotencyKey records key for a new request (nil), or returns what
// an earlier request with the same key stored. The INSERT ... ON CONFLICT
// makes the claim atomic: of two requests racing with one key, one wins.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, key, fingerprint string) (*accounts.IdempotentResponse, error) {
	const claim = `INSERT INTO idempotency_keys (key, fingerprint, status, created_at) VALUES ($1, $2, 0, $3)
ON CONFLICT (key) DO NOTHING`
	const stored = `SELECT fingerprint, status, body FROM idempotency_keys WHERE key = $1`
	// The earlier request may release its key between our two statements;
	// then the key is free again and the next round claims it.
	for range 3 {
		tag, err := db.pool.Exec(ctx, claim, key, fingerprint, db.now())
		if err != nil {
			return nil, translate(err, false)
		}
		if tag.RowsAffected() == 1 {
			return nil, nil
		}
		var r accounts.IdempotentResponse
		err = db.pool.QueryRow(ctx, stored, key).Scan(&r.Fingerprint, &r.Status, &r.Body)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, translate(err, false)
		}
		if len(r.Body) == 0 {
			r.Body = nil
		}
		return &r, nil
	}
	return nil, fmt.Errorf("%w: idempotency key %q is being claimed and released repeatedly", accounts.ErrConflict, key)
}

// SaveIdempotentResponse stores the answer for a claimed key.
func (db *DB) SaveIdempotentResponse(ctx context.Context, key string, status int, body []byte) error {
	tag, err := db.pool.Exec(ctx, `UPDATE idempotency_keys SET status = $2, body = $3 WHERE key = $1`, key, status, body)
	if err != nil {
		return translate(err, false)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: idempotency key %q", accounts.ErrNotFound, key)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a claimed key; releasing an unknown key is
// not an error.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, key string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE key = $1`, key)
	return translate(err, false)
}

// Listen calls wake each time a write commits, in this process or another
// one sharing the database, until ctx ends (nil) or the connection fails
// (the error; the caller listens again). It holds one connection of the pool.
func (db *DB) Listen(ctx context.Context, wake func()) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return ctxOr(ctx, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return ctxOr(ctx, err)
	}
	// The connection goes back to the pool still listening unless told.
	defer conn.Exec(context.WithoutCancel(ctx), "UNLISTEN "+NotifyChannel)
	wake() // writes may have landed before LISTEN took effect
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return ctxOr(ctx, err)
		}
		wake()
	}
}

// ctxOr returns nil when ctx has ended, which explains err, else err.
func ctxOr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}
