package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tournee/tournee/accounts"
)

const (
	// selectDueReminders repeats the condition of the partial index
	// tasks_reminder_due word for word, which is how SQLite knows it may
	// use it.
	selectDueReminders = selectTask + ` WHERE status = 'open' AND reminded_at IS NOT remind_at AND remind_at <= ?
	ORDER BY remind_at, id LIMIT ?`
	// markReminded changes nothing when the task is no longer open, its
	// remind_at has moved, or it was reminded for it already.
	markReminded = `UPDATE tasks SET reminded_at = remind_at
	WHERE id = ?1 AND remind_at = ?2 AND status = 'open' AND reminded_at IS NOT remind_at`
)

// DueReminders returns the tasks whose reminder is due at now, earliest
// first.
func (db *DB) DueReminders(ctx context.Context, now time.Time, n int) ([]accounts.Task, error) {
	return list(ctx, db.db, scanTask, selectDueReminders, formatTime(now), limit(n))
}

// RecordReminder marks the task reminded and writes r's alerts and
// deliveries in one transaction, unless the task is no longer due for
// r.RemindAt. SQLite runs one write transaction at a time, so the mark is
// checked and set by one caller before another looks.
func (db *DB) RecordReminder(ctx context.Context, r accounts.Reminder) (bool, error) {
	for i := range r.Deliveries {
		if err := r.Deliveries[i].Validate(); err != nil {
			return false, fmt.Errorf("delivery %d: %w", i, err)
		}
	}
	now := db.now()
	ts := formatTime(now)
	wrote := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, markReminded, r.TaskID, formatTime(r.RemindAt))
		if err != nil {
			return writeError(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // not due for r.RemindAt: nothing written
		}
		for _, a := range r.Alerts {
			if _, err := tx.ExecContext(ctx, insertAlert, a.UserID, a.AccountID, a.RuleID, a.TaskID, a.Message, ts); err != nil {
				return fmt.Errorf("alert: %w", writeError(err))
			}
		}
		for _, d := range r.Deliveries {
			next := now
			if !d.NextAt.IsZero() {
				next = truncated(d.NextAt)
			}
			_, err := tx.ExecContext(ctx, enqueueDelivery, d.Key, d.Channel, d.Recipient, d.Subscription, d.Subject,
				d.Body, d.Payload, formatTime(next), ts)
			if err != nil {
				return fmt.Errorf("delivery: %w", writeError(err))
			}
		}
		wrote = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return wrote, nil
}
