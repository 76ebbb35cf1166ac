package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tournee/tournee/accounts"
)

// Webhook subscriptions (accounts.WebhookStore) and deliveries enqueued on
// their own (accounts.MailingStore). Neither writes the change feed.

const (
	selectWebhook = `SELECT id, version, created_at, updated_at, url, entities, ops, enabled, last_seq FROM webhooks`
	// feedEnd is the newest seq of the feed. Inside a write transaction
	// (SQLite has one writer at a time) no change can commit after it and
	// below it.
	feedEnd = `(SELECT COALESCE(MAX(seq), 0) FROM changes)`
)

func scanWebhook(s scanner) (accounts.Webhook, error) {
	var w accounts.Webhook
	err := s.Scan(&w.ID, &w.Version, timeCol{&w.CreatedAt}, timeCol{&w.UpdatedAt}, &w.URL,
		jsonCol{&w.Entities}, jsonCol{&w.Ops}, &w.Enabled, &w.LastSeq)
	if w.Entities == nil {
		w.Entities = []string{}
	}
	if w.Ops == nil {
		w.Ops = []accounts.Op{}
	}
	return w, err
}

// webhookLists encodes the entities and ops of w for their JSON columns;
// nil lists are stored as [] so that reads return what was written.
func webhookLists(w accounts.Webhook) (entities, ops string, err error) {
	if w.Entities == nil {
		w.Entities = []string{}
	}
	if w.Ops == nil {
		w.Ops = []accounts.Op{}
	}
	if entities, _, err = toJSON(w.Entities); err != nil {
		return "", "", err
	}
	ops, _, err = toJSON(w.Ops)
	return entities, ops, err
}

// CreateWebhook stores w with secret, at the end of the feed.
func (db *DB) CreateWebhook(ctx context.Context, w accounts.Webhook, secret string) (accounts.Webhook, error) {
	if secret == "" {
		return accounts.Webhook{}, fmt.Errorf("%w: a webhook needs a secret", accounts.ErrInvalid)
	}
	entities, ops, err := webhookLists(w)
	if err != nil {
		return accounts.Webhook{}, err
	}
	now := formatTime(db.now())
	var out accounts.Webhook
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `INSERT INTO webhooks (version, created_at, updated_at, url, entities, ops, enabled, last_seq, secret)
	VALUES (1, ?1, ?1, ?2, ?3, ?4, ?5, `+feedEnd+`, ?6)
	RETURNING id, version, created_at, updated_at, url, entities, ops, enabled, last_seq`,
			now, w.URL, entities, ops, w.Enabled, secret)
		var err error
		out, err = scanWebhook(row)
		return writeError(err)
	})
	return out, err
}

// GetWebhook returns subscription id.
func (db *DB) GetWebhook(ctx context.Context, id int64) (accounts.Webhook, error) {
	return get(ctx, db.db, scanWebhook, "webhook", id, selectWebhook+` WHERE id = ?`, id)
}

// UpdateWebhook stores the settings of w.ID; enabling it moves its cursor
// to the end of the feed.
func (db *DB) UpdateWebhook(ctx context.Context, w accounts.Webhook, version int64) (accounts.Webhook, error) {
	entities, ops, err := webhookLists(w)
	if err != nil {
		return accounts.Webhook{}, err
	}
	now := formatTime(db.now())
	var out accounts.Webhook
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `UPDATE webhooks SET version = version + 1, updated_at = ?1,
		url = ?2, entities = ?3, ops = ?4, enabled = ?5,
		last_seq = CASE WHEN ?5 AND NOT enabled THEN `+feedEnd+` ELSE last_seq END
	WHERE id = ?6 AND (?7 = 0 OR version = ?7)
	RETURNING id, version, created_at, updated_at, url, entities, ops, enabled, last_seq`,
			now, w.URL, entities, ops, w.Enabled, w.ID, version)
		var err error
		out, err = scanWebhook(row)
		if isNoRows(err) {
			return staleOrMissing(ctx, tx, "webhooks", "webhook", w.ID, version)
		}
		return writeError(err)
	})
	return out, err
}

// DeleteWebhook deletes subscription id at version (0: any).
func (db *DB) DeleteWebhook(ctx context.Context, id, version int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ? AND (? = 0 OR version = ?)`, id, version, version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		return staleOrMissing(ctx, tx, "webhooks", "webhook", id, version)
	})
}

// ListWebhooks returns one page of subscriptions.
func (db *DB) ListWebhooks(ctx context.Context, f accounts.WebhookFilter) ([]accounts.Webhook, error) {
	var w where
	if f.Enabled != nil {
		w.add(`enabled = ?`, *f.Enabled)
	}
	q, args := w.query(selectWebhook, f.Page)
	return list(ctx, db.db, scanWebhook, q, args...)
}

// WebhookSecret returns the secret of subscription id.
func (db *DB) WebhookSecret(ctx context.Context, id int64) (string, error) {
	var secret string
	err := db.db.QueryRowContext(ctx, `SELECT secret FROM webhooks WHERE id = ?`, id).Scan(&secret)
	if isNoRows(err) {
		return "", accounts.NotFound("webhook", id)
	}
	return secret, err
}

// SetWebhookSecret replaces the secret of subscription id.
func (db *DB) SetWebhookSecret(ctx context.Context, id int64, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: a webhook needs a secret", accounts.ErrInvalid)
	}
	res, err := db.db.ExecContext(ctx, `UPDATE webhooks SET secret = ? WHERE id = ?`, secret, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return accounts.NotFound("webhook", id)
}

// AdvanceWebhook moves the cursor of subscription id from from to to and
// enqueues ds, in one transaction, if it is enabled and at from.
func (db *DB) AdvanceWebhook(ctx context.Context, id, from, to int64, ds []accounts.Delivery) (bool, error) {
	if to < from {
		return false, fmt.Errorf("%w: a webhook's cursor moves forward only", accounts.ErrInvalid)
	}
	if err := accounts.ValidateDeliveries(ds); err != nil {
		return false, err
	}
	now := db.now()
	moved := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET last_seq = ? WHERE id = ? AND last_seq = ? AND enabled`, to, id, from)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
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
	err := db.inTx(ctx, func(tx *sql.Tx) error {
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
// transaction, skipping keys already in the outbox; it returns how many it
// added.
func enqueue(ctx context.Context, tx *sql.Tx, ds []accounts.Delivery, now time.Time) (int, error) {
	if len(ds) == 0 {
		return 0, nil
	}
	ins, err := tx.PrepareContext(ctx, enqueueDelivery)
	if err != nil {
		return 0, err
	}
	defer ins.Close()
	added := 0
	for i, d := range ds {
		next := now
		if !d.NextAt.IsZero() {
			next = truncated(d.NextAt)
		}
		res, err := ins.ExecContext(ctx, d.Key, d.Channel, d.Recipient, d.Subscription, d.Subject, d.Body, d.Payload,
			formatTime(next), formatTime(now))
		if err != nil {
			return 0, fmt.Errorf("delivery %d: %w", i, writeError(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		added += int(n)
	}
	return added, nil
}
