package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

const activityColumns = `id, version, created_at, updated_at, type, done, account_id, owner_id,
    start_at, end_at, subject, report, check_in_lat, check_in_lng, travelled_m`

func scanActivity(row scanner) (accounts.Activity, error) {
	var a accounts.Activity
	var lat, lng *float64
	err := row.Scan(&a.ID, &a.Version, &a.CreatedAt, &a.UpdatedAt, &a.Type, &a.Done, &a.AccountID, &a.OwnerID,
		&a.Start, &a.End, &a.Subject, &a.Report, &lat, &lng, &a.TravelledM)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	a.Start, a.End = a.Start.UTC(), a.End.UTC()
	if lat != nil && lng != nil {
		a.CheckIn = &geo.Point{Lat: *lat, Lng: *lng}
	}
	return a, err
}

func activityArgs(a accounts.Activity) []any {
	var lat, lng *float64
	if a.CheckIn != nil {
		lat, lng = &a.CheckIn.Lat, &a.CheckIn.Lng
	}
	return []any{string(a.Type), a.Done, a.AccountID, a.OwnerID, ts(a.Start), ts(a.End), a.Subject, a.Report,
		lat, lng, a.TravelledM}
}

const insertActivity = `INSERT INTO activities (created_at, updated_at, version, type, done, account_id, owner_id,
    start_at, end_at, subject, report, check_in_lat, check_in_lng, travelled_m)
VALUES ($1, $1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING ` + activityColumns

func (db *DB) CreateActivity(ctx context.Context, a accounts.Activity) (accounts.Activity, error) {
	ids := visitAccount(a.AccountID, doneVisit(a))
	return insertWith(ctx, db, accounts.EntityActivity, insertActivity, scanActivity, activityArgs(a), lastVisitHooks(ctx, &ids, 0, db.now()))
}

// BookActivities inserts as after checking each against the owner's
// calendar, those of as already inserted included. Locking the owner's row
// first serialises bookings per owner: under READ COMMITTED two
// transactions would otherwise both find the slot free.
func (db *DB) BookActivities(ctx context.Context, as []accounts.Activity) ([]accounts.Activity, error) {
	const (
		lockOwner = `SELECT FROM users WHERE id = $1 FOR NO KEY UPDATE`
		overlap   = `SELECT id, start_at, end_at FROM activities
WHERE owner_id = $1 AND end_at > start_at AND start_at < $2 AND end_at > $3 ORDER BY start_at, id LIMIT 1`
	)
	if len(as) == 0 {
		return []accounts.Activity{}, nil
	}
	now := db.now()
	var visited []int64
	for _, a := range as {
		visited = append(visited, visitAccount(a.AccountID, doneVisit(a))...)
	}
	h := lastVisitHooks(ctx, &visited, 0, now)
	out := make([]accounts.Activity, len(as))
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockOwner, as[0].OwnerID); err != nil {
			return err
		}
		if err := h.runBefore(tx); err != nil {
			return err
		}
		ids := make([]int64, len(as))
		for i, a := range as {
			var id int64
			var start, end time.Time
			err := tx.QueryRow(ctx, overlap, a.OwnerID, ts(a.End), ts(a.Start)).Scan(&id, &start, &end)
			switch {
			case err == nil:
				return accounts.Overlap(id, start, end)
			case !errors.Is(err, pgx.ErrNoRows):
				return err
			}
			if out[i], err = scanActivity(tx.QueryRow(ctx, insertActivity, append([]any{now}, activityArgs(a)...)...)); err != nil {
				return err
			}
			ids[i] = out[i].ID
		}
		if err := h.runAfter(tx); err != nil {
			return err
		}
		return logChanges(ctx, tx, now, accounts.EntityActivity, accounts.OpCreate, ids...)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (db *DB) GetActivity(ctx context.Context, id int64) (accounts.Activity, error) {
	return get(ctx, db, scanActivity, accounts.EntityActivity, id, `SELECT `+activityColumns+` FROM activities WHERE id = $1`)
}

func (db *DB) UpdateActivity(ctx context.Context, a accounts.Activity, version int64) (accounts.Activity, error) {
	const q = `UPDATE activities SET version = version + 1, updated_at = $1, type = $4, done = $5,
    account_id = $6, owner_id = $7, start_at = $8, end_at = $9, subject = $10, report = $11,
    check_in_lat = $12, check_in_lng = $13, travelled_m = $14
WHERE id = $2 AND ($3 = 0 OR version = $3)
RETURNING ` + activityColumns
	ids := visitAccount(a.AccountID, doneVisit(a))
	return updateWith(ctx, db, "activities", accounts.EntityActivity, q, scanActivity, a.ID, version, activityArgs(a),
		lastVisitHooks(ctx, &ids, a.ID, db.now()))
}

func (db *DB) DeleteActivity(ctx context.Context, id, version int64) error {
	var ids []int64
	return db.deleteWith(ctx, "activities", accounts.EntityActivity, id, version, lastVisitHooks(ctx, &ids, id, db.now()))
}

// doneVisit reports whether a counts for its account's LastVisitAt.
func doneVisit(a accounts.Activity) bool { return a.Type == accounts.ActivityVisit && a.Done }

// visitAccount returns the account whose last visit an activity of
// accountID may set: none unless it is a done visit of an account.
func visitAccount(accountID *int64, doneVisit bool) []int64 {
	if accountID == nil || !doneVisit {
		return nil
	}
	return []int64{*accountID}
}

// lastVisitHooks keep accounts.last_visit_at right through a write of
// activity id (0 for a create). *ids holds the account the activity will be
// a done visit of, if any; before adds the one it is a done visit of now and
// locks them all, in id order so that two writes cannot deadlock, and after
// recomputes them.
//
// The lock comes before the recompute, in a statement of its own, because
// under READ COMMITTED a statement sees what was committed when it started:
// two transactions adding visits to one account would otherwise each
// compute the maximum without the other's visit, and the later commit
// would win with a wrong value. Once the lock is held, the next statement
// sees every visit committed before it. Taking it before the activity's
// own statement also keeps a concurrent DeleteAccount (which locks the
// account, then looks for its activities) from deadlocking with the write.
func lastVisitHooks(ctx context.Context, ids *[]int64, id int64, at time.Time) hooks {
	const (
		old = `SELECT account_id, type = 'visit' AND done FROM activities WHERE id = $1 FOR NO KEY UPDATE`
		// FOR NO KEY UPDATE does not block the foreign-key checks (FOR KEY
		// SHARE) of other transactions inserting activities of the account.
		lock = `SELECT FROM accounts WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`
		// It writes only when the value changes and touches neither
		// version nor updated_at; the accounts it changed get an update
		// row in the feed, so that other replicas and offline clients learn
		// of it even when the visit itself was deleted.
		refresh = `UPDATE accounts SET last_visit_at = v.last
FROM (SELECT u.id, (SELECT max(start_at) FROM activities
        WHERE account_id = u.id AND type = 'visit' AND done) AS last
    FROM unnest($1::bigint[]) AS u (id)) AS v
WHERE accounts.id = v.id AND accounts.last_visit_at IS DISTINCT FROM v.last
RETURNING accounts.id`
	)
	return hooks{
		before: func(tx pgx.Tx) error {
			if id != 0 {
				var accountID *int64
				var done bool
				err := tx.QueryRow(ctx, old, id).Scan(&accountID, &done)
				if err != nil && !errors.Is(err, pgx.ErrNoRows) { // no row: the write reports it
					return err
				}
				*ids = append(*ids, visitAccount(accountID, done)...)
			}
			slices.Sort(*ids)
			*ids = slices.Compact(*ids)
			if len(*ids) == 0 {
				return nil
			}
			_, err := tx.Exec(ctx, lock, *ids)
			return err
		},
		after: func(tx pgx.Tx) error {
			if len(*ids) == 0 {
				return nil
			}
			rows, err := tx.Query(ctx, refresh, *ids)
			if err != nil {
				return err
			}
			changed, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				return err
			}
			slices.Sort(changed)
			return logChanges(ctx, tx, at, accounts.EntityAccount, accounts.OpUpdate, changed...)
		},
	}
}

func (db *DB) ListActivities(ctx context.Context, f accounts.ActivityFilter) ([]accounts.Activity, error) {
	w := newWhere(f.Page)
	w.addID("account_id = ?", f.AccountID)
	w.addID("owner_id = ?", f.OwnerID)
	w.addString("type = ?", string(f.Type))
	w.addSince(f.UpdatedSince)
	if !f.StartFrom.IsZero() {
		w.add("start_at >= ?", ts(f.StartFrom))
	}
	if !f.StartBefore.IsZero() {
		w.add("start_at < ?", ts(f.StartBefore))
	}
	q, args := w.query(`SELECT `+activityColumns+` FROM activities`, f.Page)
	return list(ctx, db, scanActivity, q, args...)
}

const taskColumns = `id, version, created_at, updated_at, title, notes, account_id, assignee_id, created_by,
    due, remind_at, status`

func scanTask(row scanner) (accounts.Task, error) {
	var t accounts.Task
	var due pgtype.Date
	err := row.Scan(&t.ID, &t.Version, &t.CreatedAt, &t.UpdatedAt, &t.Title, &t.Notes, &t.AccountID,
		&t.AssigneeID, &t.CreatedBy, &due, &t.RemindAt, &t.Status)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	t.Due = date(due)
	if t.RemindAt != nil {
		r := t.RemindAt.UTC()
		t.RemindAt = &r
	}
	return t, err
}

func taskArgs(t accounts.Task) ([]any, error) {
	due, err := dateArg("due", t.Due)
	if err != nil {
		return nil, err
	}
	var remindAt *time.Time
	if t.RemindAt != nil {
		r := ts(*t.RemindAt)
		remindAt = &r
	}
	return []any{t.Title, t.Notes, t.AccountID, t.AssigneeID, t.CreatedBy, due, remindAt, string(t.Status)}, nil
}

// insertTask creates a task at $1 from the values of taskArgs.
const insertTask = `INSERT INTO tasks (created_at, updated_at, version, title, notes, account_id, assignee_id,
    created_by, due, remind_at, status)
VALUES ($1, $1, 1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING ` + taskColumns

func (db *DB) CreateTask(ctx context.Context, t accounts.Task) (accounts.Task, error) {
	args, err := taskArgs(t)
	if err != nil {
		return accounts.Task{}, err
	}
	return insertOne(ctx, db, accounts.EntityTask, insertTask, scanTask, args)
}

func (db *DB) GetTask(ctx context.Context, id int64) (accounts.Task, error) {
	return get(ctx, db, scanTask, accounts.EntityTask, id, `SELECT `+taskColumns+` FROM tasks WHERE id = $1`)
}

func (db *DB) UpdateTask(ctx context.Context, t accounts.Task, version int64) (accounts.Task, error) {
	const q = `UPDATE tasks SET version = version + 1, updated_at = $1, title = $4, notes = $5, account_id = $6,
    assignee_id = $7, created_by = $8, due = $9, remind_at = $10, status = $11
WHERE id = $2 AND ($3 = 0 OR version = $3)
RETURNING ` + taskColumns
	args, err := taskArgs(t)
	if err != nil {
		return accounts.Task{}, err
	}
	return updateOne(ctx, db, "tasks", accounts.EntityTask, q, scanTask, t.ID, version, args)
}

func (db *DB) DeleteTask(ctx context.Context, id, version int64) error {
	return db.deleteVersioned(ctx, "tasks", accounts.EntityTask, id, version)
}

func (db *DB) ListTasks(ctx context.Context, f accounts.TaskFilter) ([]accounts.Task, error) {
	w := newWhere(f.Page)
	w.addID("account_id = ?", f.AccountID)
	w.addID("assignee_id = ?", f.AssigneeID)
	w.addID("created_by = ?", f.CreatedBy)
	w.addString("status = ?", string(f.Status))
	w.addSince(f.UpdatedSince)
	if f.DueBefore != "" {
		due, err := dateArg("due_before", f.DueBefore)
		if err != nil {
			return nil, err
		}
		w.add("due < ?", due) // NULL, no due date, is never before
	}
	q, args := w.query(`SELECT `+taskColumns+` FROM tasks`, f.Page)
	return list(ctx, db, scanTask, q, args...)
}
