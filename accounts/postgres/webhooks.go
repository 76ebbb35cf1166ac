package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/accounts"
)

// Webhook subscriptions (accounts.WebhookStore) and deliveries enqueued on
// their own (accounts.MailingStore). Neither writes the change feed.

const (
	webhookColumns = `id, version, created_at, updated_at, url, entities, ops, enabled, last_seq`
	// feedEnd is the newest committed seq of the feed. A change not yet
	// committed holds change_counter's row and commits with a higher seq,
	// so a cursor set here misses nothing that commits later.
	feedEnd = `(SELECT seq FROM change_counter)`
)

func scanWebhook(row scanner) (accounts.Webhook, error) {
	var w accounts.Webhook
	var ops []string
	err := row.Scan(&w.ID, &w.Version, &w.CreatedAt, &w.UpdatedAt, &w.URL, &w.Entities, &ops, &w.Enabled, &w.LastSeq)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	if w.Entities == nil {
		w.Entities = []string{}
	}
	w.Ops = make([]accounts.Op, len(ops))
	for i, op := range ops {
		w.Ops[i] = accounts.Op(op)
	}
	return w, err
}

// webhookArgs are the values of url, entities, ops and enabled.
func webhookArgs(w accounts.Webhook) []any {
	entities := w.Entities
	if entities == nil {
		entities = []string{}
	}
	ops := make([]string, len(w.Ops))
	for i, op := range w.Ops {
		ops[i] = string(op)
	}
	return []any{w.URL, entities, ops, w.Enabled}
}

// CreateWebhook stores w with secret, at the end of the feed.
func (db *DB) CreateWebhook(ctx context.Context, w accounts.Webhook, secret string) (accounts.Webhook, error) {
	const q = `INSERT INTO webhooks (version, created_at, updated_at, url, entities, ops, enabled, last_seq, secret)
VALUES (1, $1, $1, $2, $3, $4, $5, ` + feedEnd + `, $6)
RETURNING ` + webhookColumns
	if secret == "" {
		return accounts.Webhook{}, fmt.Errorf("%w: a webhook needs a secret", accounts.ErrInvalid)
	}
	out, err := scanWebhook(db.pool.QueryRow(ctx, q, append(append([]any{db.now()}, webhookArgs(w)...), secret)...))
	return out, translate(err, false)
}

// GetWebhook returns subscription id.
func (db *DB) GetWebhook(ctx context.Context, id int64) (accounts.Webhook, error) {
	return get(ctx, db, scanWebhook, "webhook", id, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`)
}

// UpdateWebhook stores the settings of w.ID; enabling it moves its cursor
// to the end of the feed.
func (db *DB) UpdateWebhook(ctx context.Context, w accounts.Webhook, version int64) (accounts.Webhook, error) {
	const q = `UPDATE webhooks SET version = version + 1, updated_at = $1, url = $4, entities = $5, ops = $6, enabled = $7,
    last_seq = CASE WHEN $7 AND NOT enabled THEN ` + feedEnd + ` ELSE last_seq END
WHERE id = $2 AND ($3 = 0 OR version = $3)
RETURNING ` + webhookColumns
	var out accounts.Webhook
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		var err error
		out, err = scanWebhook(tx.QueryRow(ctx, q, append([]any{db.now(), w.ID, version}, webhookArgs(w)...)...))
		if errors.Is(err, pgx.ErrNoRows) {
			return stale(ctx, tx, "webhooks", "webhook", w.ID, version)
		}
		return err
	})
	return out, err
}

// DeleteWebhook deletes subscription id at version (0: any).
func (db *DB) DeleteWebhook(ctx context.Context, id, version int64) error {
	return db.write(ctx, true, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM webhooks WHERE id = $1 AND ($2 = 0 OR version = $2)`, id, version)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		return stale(ctx, tx, "webhooks", "webhook", id, version)
	})
}

// ListWebhooks returns one page of subscriptions.
func (db *DB) ListWebhooks(ctx context.Context, f accounts.WebhookFilter) ([]accounts.Webhook, error) {
	w := newWhere(f.Page)
	if f.Enabled != nil {
		w.add("enabled = ?", *f.Enabled)
	}
	q, args := w.query(`SELECT `+webhookColumns+` FROM webhooks`, f.Page)
	return list(ctx, db, scanWebhook, q, args...)
}

// WebhookSecret returns the secret of subscription id.
func (db *DB) WebhookSecret(ctx context.Context, id int64) (string, error) {
	var secret string
	err := db.pool.QueryRow(ctx, `SELECT secret FROM webhooks WHERE id = $1`, id).Scan(&secret)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", accounts.NotFound("webhook", id)
	}
	return secret, translate(err, false)
}

// SetWebhookSecret replaces the secret of subscription id.
func (db *DB) SetWebhookSecret(ctx context.Context, id int64, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: a webhook needs a secret", accounts.ErrInvalid)
	}
	tag, err := db.pool.Exec(ctx, `UPDATE webhooks SET secret = $2 WHERE id = $1`, id, secret)
	if err != nil {
		return translate(err, false)
	}
	if tag.RowsAffected() == 0 {
		return accounts.NotFound("webhook", id)
	}
	return nil
}

// AdvanceWebhook moves the cursor of subscription id from from to to and
// enqueues ds, in one transaction, if it is enabled and at from. The update
// locks the subscription's row: a concurrent call waits for this one to
// commit, then finds the cursor moved and writes nothing.
func (db *DB) AdvanceWebhook(ctx context.Context, id, from, to int64, ds []accounts.Delivery) (bool, error) {
	if to < from {
		return false, fmt.Errorf("%w: a webhook's cursor moves forward only", accounts.ErrInvalid)
	}
	if err := accounts.ValidateDeliveries(ds); err != nil {
		return false, err
	}
	now := db.now()
	moved := false
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE webhooks SET last_seq = $3 WHERE id = $1 AND last_seq = $2 AND enabled`, id, from, to)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		moved = true
		_, err = enqueue(ctx, tx, ds, now)
		return err
	})
	if err != nil {
		return false, err
	}
	return moved, nil
}

// EnqueueDeliveries enqueues ds, due now, all or none.
func (db *DB) EnqueueDeliveries(ctx context.Context, ds []accounts.Delivery) (int, error) {
	if err := accounts.ValidateDeliveries(ds); err != nil {
		return 0, err
	}
	now := db.now()
	n := 0
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		var err error
		n, err = enqueue(ctx, tx, ds, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// enqueue inserts ds, due at their NextAt or else now, in the caller's
// transaction and in one statement, skipping keys already in the outbox;
// it returns how many it added.
func enqueue(ctx context.Context, tx pgx.Tx, ds []accounts.Delivery, now time.Time) (int, error) {
	const q = `INSERT INTO deliveries (key, channel, recipient, subscription, subject, body, payload,
    state, attempts, next_at, last_error, created_at)
SELECT d.key, d.channel, d.recipient, d.subscription, d.subject, d.body, d.payload, 'pending', 0, d.next_at, '', $9
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bytea[], $8::timestamptz[])
    AS d (key, channel, recipient, subscription, subject, body, payload, next_at)
ON CONFLICT (key) DO NOTHING`
	if len(ds) == 0 {
		return 0, nil
	}
	n := len(ds)
	keys, channels, recipients := make([]string, n), make([]string, n), make([]string, n)
	subjects, bodies, payloads := make([]string, n), make([]string, n), make([][]byte, n)
	subscriptions, nexts := make([]int64, n), make([]time.Time, n)
	for i, d := range ds {
		keys[i], channels[i], recipients[i] = d.Key, string(d.Channel), d.Recipient
		subjects[i], bodies[i], payloads[i] = d.Subject, d.Body, d.Payload
		subscriptions[i], nexts[i] = d.Subscription, now
		if !d.NextAt.IsZero() {
			nexts[i] = ts(d.NextAt)
		}
	}
	tag, err := tx.Exec(ctx, q, keys, channels, recipients, subscriptions, subjects, bodies, payloads, nexts, now)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
