package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// activityCols are the columns an activity write sets, in the order of
// activityValues.
const activityCols = `type, done, account_id, owner_id, start_at, end_at, subject, report,
	check_in_lat, check_in_lng, travelled_m`

const selectActivity = `SELECT id, version, created_at, updated_at, type, done, account_id, owner_id,
	start_at, end_at, subject, report, check_in_lat, check_in_lng, travelled_m
	FROM activities`

var (
	insertActivity = insertSQL("activities", activityCols)
	updateActivity = updateSQL("activities", activityCols)
)

// activityValues returns the values of activityCols and sets a's fields as
// a read will return them.
func activityValues(a *accounts.Activity) []any {
	a.Start, a.End = truncated(a.Start), truncated(a.End)
	var lat, lng any
	if a.CheckIn != nil {
		p := *a.CheckIn
		a.CheckIn = &p
		lat, lng = p.Lat, p.Lng
	}
	return []any{a.Type, a.Done, a.AccountID, a.OwnerID, formatTime(a.Start), formatTime(a.End), a.Subject, a.Report,
		lat, lng, a.TravelledM}
}

func scanActivity(s scanner) (accounts.Activity, error) {
	var a accounts.Activity
	var lat, lng sql.NullFloat64
	err := s.Scan(&a.ID, &a.Version, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}, &a.Type, &a.Done, &a.AccountID,
		&a.OwnerID, timeCol{&a.Start}, timeCol{&a.End}, &a.Subject, &a.Report, &lat, &lng, &a.TravelledM)
	if lat.Valid && lng.Valid {
		a.CheckIn = &geo.Point{Lat: lat.Float64, Lng: lng.Float64}
	}
	return a, err
}

// CreateActivity stores a new activity and, if it is a done visit,
// refreshes its account's last visit.
func (db *DB) CreateActivity(ctx context.Context, a accounts.Activity) (accounts.Activity, error) {
	refresh := hooks{after: func(tx *sql.Tx, at time.Time) error {
		return refreshLastVisits(ctx, tx, visitAccount(a.AccountID, doneVisit(a)), at)
	}}
	err := db.insertWith(ctx, insertActivity, accounts.EntityActivity, [][]any{activityValues(&a)}, nil,
		func(_ int, m accounts.Meta) { a.Meta = m }, refresh)
	if err != nil {
		return accounts.Activity{}, err
	}
	return a, nil
}

// GetActivity returns the activity with id.
func (db *DB) GetActivity(ctx context.Context, id int64) (accounts.Activity, error) {
	return get(ctx, db.db, scanActivity, accounts.EntityActivity, id, selectActivity+` WHERE id = ?`, id)
}

// UpdateActivity replaces the fields of activity a.ID and refreshes the last
// visit of the account it was a done visit of and of the one it is now a
// done visit of.
func (db *DB) UpdateActivity(ctx context.Context, a accounts.Activity, version int64) (accounts.Activity, error) {
	var old []int64
	h := hooks{
		before: func(tx *sql.Tx, _ time.Time) (err error) {
			old, err = storedVisitAccount(ctx, tx, a.ID)
			return err
		},
		after: func(tx *sql.Tx, at time.Time) error {
			return refreshLastVisits(ctx, tx, append(old, visitAccount(a.AccountID, doneVisit(a))...), at)
		},
	}
	err := db.updateWith(ctx, updateActivity, "activities", accounts.EntityActivity, activityValues(&a), &a.Meta, version, h)
	if err != nil {
		return accounts.Activity{}, err
	}
	return a, nil
}

// DeleteActivity deletes an activity and, if it was a done visit, refreshes
// its account's last visit.
func (db *DB) DeleteActivity(ctx context.Context, id, version int64) error {
	var old []int64
	return db.removeWith(ctx, "activities", accounts.EntityActivity, id, version, hooks{
		before: func(tx *sql.Tx, _ time.Time) (err error) {
			old, err = storedVisitAccount(ctx, tx, id)
			return err
		},
		after: func(tx *sql.Tx, at time.Time) error { return refreshLastVisits(ctx, tx, old, at) },
	})
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

// storedVisitAccount returns visitAccount of activity id as stored, none
// if there is no such activity (the write then reports it).
func storedVisitAccount(ctx context.Context, tx *sql.Tx, id int64) ([]int64, error) {
	var accountID *int64
	var done bool
	err := tx.QueryRowContext(ctx, `SELECT account_id, type = 'visit' AND done FROM activities WHERE id = ?`, id).
		Scan(&accountID, &done)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return visitAccount(accountID, done), nil
}

// refreshLastVisit sets an account's last_visit_at from its done visits. It
// writes only when the value changes and touches neither version nor
// updated_at; refreshLastVisits feeds the change, so that other replicas and
// offline clients learn of it even when the visit itself was deleted.
const refreshLastVisit = `UPDATE accounts SET last_visit_at = v.last
	FROM (SELECT max(start_at) AS last FROM activities
		WHERE account_id = ?1 AND type = 'visit' AND done) AS v
	WHERE id = ?1 AND last_visit_at IS NOT v.last`

// refreshLastVisits refreshes the last visit of each account of ids once,
// and records an account update for each one that changed.
func refreshLastVisits(ctx context.Context, tx *sql.Tx, ids []int64, at time.Time) error {
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		res, err := tx.ExecContext(ctx, refreshLastVisit, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			continue
		}
		if err := logChange(ctx, tx, accounts.EntityAccount, id, accounts.OpUpdate, at); err != nil {
			return err
		}
	}
	return nil
}

// BookActivities inserts as, checking each against the owner's calendar,
// those of as already inserted included. SQLite runs one write transaction
// at a time (BEGIN IMMEDIATE), which is the per-owner lock the check needs.
func (db *DB) BookActivities(ctx context.Context, as []accounts.Activity) ([]accounts.Activity, error) {
	const overlap = `SELECT id, start_at, end_at FROM activities
		WHERE owner_id = ? AND end_at > start_at AND start_at < ? AND end_at > ? ORDER BY start_at, id LIMIT 1`
	out := slices.Clone(as)
	rows := make([][]any, len(out))
	for i := range out {
		rows[i] = activityValues(&out[i])
	}
	err := db.insertWith(ctx, insertActivity, accounts.EntityActivity, rows, nil,
		func(i int, m accounts.Meta) { out[i].Meta = m },
		hooks{beforeEach: func(tx *sql.Tx, i int) error {
			a := out[i]
			var id int64
			var start, end time.Time
			err := tx.QueryRowContext(ctx, overlap, a.OwnerID, formatTime(a.End), formatTime(a.Start)).
				Scan(&id, timeCol{&start}, timeCol{&end})
			if isNoRows(err) {
				return nil
			}
			if err != nil {
				return err
			}
			return accounts.Overlap(id, start, end)
		}, after: func(tx *sql.Tx, at time.Time) error {
			var ids []int64
			for _, a := range out {
				ids = append(ids, visitAccount(a.AccountID, doneVisit(a))...)
			}
			return refreshLastVisits(ctx, tx, ids, at)
		}})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListActivities returns one page of activities.
func (db *DB) ListActivities(ctx context.Context, f accounts.ActivityFilter) ([]accounts.Activity, error) {
	var w where
	if f.AccountID != 0 {
		w.add(`account_id = ?`, f.AccountID)
	}
	if f.OwnerID != 0 {
		w.add(`owner_id = ?`, f.OwnerID)
	}
	if f.Type != "" {
		w.add(`type = ?`, f.Type)
	}
	if !f.UpdatedSince.IsZero() {
		w.add(`updated_at >= ?`, formatTime(f.UpdatedSince))
	}
	if !f.StartFrom.IsZero() {
		w.add(`start_at >= ?`, formatTime(f.StartFrom))
	}
	if !f.StartBefore.IsZero() {
		w.add(`start_at < ?`, formatTime(f.StartBefore))
	}
	q, args := w.query(selectActivity, f.Page)
	return list(ctx, db.db, scanActivity, q, args...)
}

// taskCols are the columns a task write sets, in the order of taskValues.
const taskCols = `title, notes, account_id, assignee_id, created_by, due, remind_at, status`

const selectTask = `SELECT id, version, created_at, updated_at, title, notes, account_id, assignee_id,
	created_by, due, remind_at, status
	FROM tasks`

var (
	insertTask = insertSQL("tasks", taskCols)
	updateTask = updateSQL("tasks", taskCols)
)

// taskValues returns the values of taskCols and sets t's fields as a read
// will return them.
func taskValues(t *accounts.Task) []any {
	if t.RemindAt != nil {
		r := truncated(*t.RemindAt)
		t.RemindAt = &r
	}
	return []any{t.Title, t.Notes, t.AccountID, t.AssigneeID, t.CreatedBy, t.Due, nullTime(t.RemindAt), t.Status}
}

func scanTask(s scanner) (accounts.Task, error) {
	var t accounts.Task
	err := s.Scan(&t.ID, &t.Version, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}, &t.Title, &t.Notes, &t.AccountID,
		&t.AssigneeID, &t.CreatedBy, &t.Due, nullTimeCol{&t.RemindAt}, &t.Status)
	return t, err
}

// CreateTask stores a new task.
func (db *DB) CreateTask(ctx context.Context, t accounts.Task) (accounts.Task, error) {
	err := db.insert(ctx, insertTask, accounts.EntityTask, [][]any{taskValues(&t)},
		func(_ int, m accounts.Meta) { t.Meta = m })
	if err != nil {
		return accounts.Task{}, err
	}
	return t, nil
}

// GetTask returns the task with id.
func (db *DB) GetTask(ctx context.Context, id int64) (accounts.Task, error) {
	return get(ctx, db.db, scanTask, accounts.EntityTask, id, selectTask+` WHERE id = ?`, id)
}

// UpdateTask replaces the fields of task t.ID.
func (db *DB) UpdateTask(ctx context.Context, t accounts.Task, version int64) (accounts.Task, error) {
	err := db.update(ctx, updateTask, "tasks", accounts.EntityTask, taskValues(&t), &t.Meta, version)
	if err != nil {
		return accounts.Task{}, err
	}
	return t, nil
}

// DeleteTask deletes a task.
func (db *DB) DeleteTask(ctx context.Context, id, version int64) error {
	return db.remove(ctx, "tasks", accounts.EntityTask, id, version, nil)
}

// ListTasks returns one page of tasks.
func (db *DB) ListTasks(ctx context.Context, f accounts.TaskFilter) ([]accounts.Task, error) {
	var w where
	if f.AccountID != 0 {
		w.add(`account_id = ?`, f.AccountID)
	}
	if f.AssigneeID != 0 {
		w.add(`assignee_id = ?`, f.AssigneeID)
	}
	if f.CreatedBy != 0 {
		w.add(`created_by = ?`, f.CreatedBy)
	}
	if f.Status != "" {
		w.add(`status = ?`, f.Status)
	}
	if !f.UpdatedSince.IsZero() {
		w.add(`updated_at >= ?`, formatTime(f.UpdatedSince))
	}
	if f.DueBefore != "" {
		// Text order is date order for YYYY-MM-DD; '' is no due date.
		if _, err := f.DueBefore.Time(); err != nil {
			return nil, fmt.Errorf("%w: due_before must be a date YYYY-MM-DD", accounts.ErrInvalid)
		}
		w.add(`due <> '' AND due < ?`, string(f.DueBefore))
	}
	q, args := w.query(selectTask, f.Page)
	return list(ctx, db.db, scanTask, q, args...)
}
