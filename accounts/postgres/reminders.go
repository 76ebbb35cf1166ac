package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/accounts"
)

const (
	// selectDueReminders repeats the condition of the partial index
	// tasks_reminder_due, so that the planner may use it.
	selectDueReminders = `SELECT ` + taskColumns + ` FROM tasks
WHERE status = 'open' AND reminded_at IS DISTINCT FROM remind_at AND remind_at <= $1
ORDER BY remind_at, id LIMIT $2`
	// markReminded changes nothing when the task is no longer open, its
	// remind_at has moved, or it was reminded for it already. A concurrent
	// update of the row waits for this one's commit, then rechecks the
	// condition on the row as committed, and finds the mark.
	markReminded = `UPDATE tasks SET reminded_at = remind_at
WHERE id = $1 AND remind_at = $2 AND status = 'open' AND reminded_at IS DISTINCT FROM remind_at`
)

// DueReminders returns the tasks whose reminder is due at now, earliest
// first.
func (db *DB) DueReminders(ctx context.Context, now time.Time, limit int) ([]accounts.Task, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	return list(ctx, db, scanTask, selectDueReminders, ts(now), limit)
}

// RecordReminder marks the task reminded and writes r's alerts and
// deliveries in one transaction, unless the task is no longer due for
// r.RemindAt; the mark comes first, so that its row lock serialises the
// reminders of one task.
func (db *DB) RecordReminder(ctx context.Context, r accounts.Reminder) (bool, error) {
	if err := accounts.ValidateDeliveries(r.Deliveries); err != nil {
		return false, err
	}
	now := db.now()
	wrote := false
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, markReminded, r.TaskID, ts(r.RemindAt))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil // not due for r.RemindAt: nothing written
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
