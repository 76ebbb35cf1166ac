package sqlite

import (
	"context"
	"database/sql"

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

// CreateActivity stores a new activity.
func (db *DB) CreateActivity(ctx context.Context, a accounts.Activity) (accounts.Activity, error) {
	err := db.insert(ctx, insertActivity, accounts.EntityActivity, [][]any{activityValues(&a)},
		func(_ int, m accounts.Meta) { a.Meta = m })
	if err != nil {
		return accounts.Activity{}, err
	}
	return a, nil
}

// GetActivity returns the activity with id.
func (db *DB) GetActivity(ctx context.Context, id int64) (accounts.Activity, error) {
	return get(ctx, db.db, scanActivity, accounts.EntityActivity, id, selectActivity+` WHERE id = ?`, id)
}

// UpdateActivity replaces the fields of activity a.ID.
func (db *DB) UpdateActivity(ctx context.Context, a accounts.Activity, version int64) (accounts.Activity, error) {
	err := db.update(ctx, updateActivity, "activities", accounts.EntityActivity, activityValues(&a), &a.Meta, version)
	if err != nil {
		return accounts.Activity{}, err
	}
	return a, nil
}

// DeleteActivity deletes an activity.
func (db *DB) DeleteActivity(ctx context.Context, id, version int64) error {
	return db.remove(ctx, "activities", accounts.EntityActivity, id, version, nil)
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
	if f.Status != "" {
		w.add(`status = ?`, f.Status)
	}
	if !f.UpdatedSince.IsZero() {
		w.add(`updated_at >= ?`, formatTime(f.UpdatedSince))
	}
	q, args := w.query(selectTask, f.Page)
	return list(ctx, db.db, scanTask, q, args...)
}
