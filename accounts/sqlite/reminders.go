package sqlite

import (
	"context"
	"database/sql"
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
	if err := accounts.ValidateDeliveries(r.Deliveries); err != nil {
		return false, err
	}
	now := db.now()
	wrote := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, markReminded, r.TaskID, formatTime(r.RemindAt))
		if err != nil {
			return writeError(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // not due for r.RemindAt: nothing written
		}
		if err := notify(ctx, tx, r.Alerts, r.Deliveries, now, now); err != nil {
			return err
		}
		wrote = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return wrote, nil
}
