package sqlite

import (
	"context"
	"strings"

	"github.com/tournee/tournee/accounts"
)

// userCols are the columns a user write sets, in the order of userValues.
const userCols = `email, email_key, name, role, manager_id, home_lat, home_lng, home_address,
	work_days, work_start, work_end, cost_per_km_cents, speed_kmh`

// userColumns are the columns scanUser reads, in its order.
const userColumns = `id, version, created_at, updated_at, email, name, role, manager_id,
	home_lat, home_lng, home_address, work_days, work_start, work_end, cost_per_km_cents, speed_kmh`

const selectUser = `SELECT ` + userColumns + ` FROM users`

var (
	insertUser = insertSQL("users", userCols)
	updateUser = updateSQL("users", userCols)
)

// emailKey is what makes two addresses the same account: case does not.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// userValues returns the values of userCols and sets u's fields as a read
// will return them.
func userValues(u *accounts.User) ([]any, error) {
	if u.WorkDays == nil {
		u.WorkDays = accounts.Weekdays{}
	}
	days, back, err := toJSON(u.WorkDays)
	if err != nil {
		return nil, err
	}
	u.WorkDays = nonNil(back)
	return []any{u.Email, emailKey(u.Email), u.Name, u.Role, u.ManagerID, u.Home.Lat, u.Home.Lng, u.HomeAddress,
		days, u.WorkStart, u.WorkEnd, u.CostPerKmCents, u.SpeedKmh}, nil
}

func scanUser(s scanner) (accounts.User, error) {
	var u accounts.User
	err := s.Scan(&u.ID, &u.Version, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}, &u.Email, &u.Name, &u.Role, &u.ManagerID,
		&u.Home.Lat, &u.Home.Lng, &u.HomeAddress, jsonCol{&u.WorkDays}, &u.WorkStart, &u.WorkEnd, &u.CostPerKmCents, &u.SpeedKmh)
	u.WorkDays = nonNil(u.WorkDays)
	return u, err
}

// nonNil returns s, or an empty slice if s is nil: lists read back empty,
// never null.
func nonNil[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}

// CreateUser stores a new user. An e-mail address already in use, in any
// case, is a conflict.
func (db *DB) CreateUser(ctx context.Context, u accounts.User) (accounts.User, error) {
	values, err := userValues(&u)
	if err != nil {
		return accounts.User{}, err
	}
	err = db.insert(ctx, insertUser, accounts.EntityUser, [][]any{values}, func(_ int, m accounts.Meta) { u.Meta = m })
	if err != nil {
		return accounts.User{}, err
	}
	return u, nil
}

// GetUser returns the user with id.
func (db *DB) GetUser(ctx context.Context, id int64) (accounts.User, error) {
	return get(ctx, db.db, scanUser, accounts.EntityUser, id, selectUser+` WHERE id = ?`, id)
}

// UserByEmail returns the user with the e-mail address, whatever its case.
func (db *DB) UserByEmail(ctx context.Context, email string) (accounts.User, error) {
	u, err := scanUser(db.db.QueryRowContext(ctx, selectUser+` WHERE email_key = ?`, emailKey(email)))
	if isNoRows(err) {
		return accounts.User{}, notFoundf("user with email %q", email)
	}
	return u, err
}

// UpdateUser replaces the fields of user u.ID.
func (db *DB) UpdateUser(ctx context.Context, u accounts.User, version int64) (accounts.User, error) {
	values, err := userValues(&u)
	if err != nil {
		return accounts.User{}, err
	}
	if err := db.update(ctx, updateUser, "users", accounts.EntityUser, values, &u.Meta, version); err != nil {
		return accounts.User{}, err
	}
	return u, nil
}

// DeleteUser deletes a user that no record refers to any more.
func (db *DB) DeleteUser(ctx context.Context, id, version int64) error {
	return db.remove(ctx, "users", accounts.EntityUser, id, version, nil)
}

// ListUsers returns one page of users.
func (db *DB) ListUsers(ctx context.Context, f accounts.UserFilter) ([]accounts.User, error) {
	var w where
	if f.Role != "" {
		w.add(`role = ?`, f.Role)
	}
	if f.ManagerID != 0 {
		w.add(`manager_id = ?`, f.ManagerID)
	}
	q, args := w.query(selectUser, f.Page)
	return list(ctx, db.db, scanUser, q, args...)
}
