package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/accounts"
)

const userColumns = `id, version, created_at, updated_at, email, name, role, manager_id,
    home_lat, home_lng, home_address, work_days, work_start, work_end, cost_per_km_cents, speed_kmh`

func scanUser(row scanner) (accounts.User, error) {
	var u accounts.User
	var workDays []byte
	err := row.Scan(&u.ID, &u.Version, &u.CreatedAt, &u.UpdatedAt, &u.Email, &u.Name, &u.Role, &u.ManagerID,
		&u.Home.Lat, &u.Home.Lng, &u.HomeAddress, &workDays, &u.WorkStart, &u.WorkEnd, &u.CostPerKmCents, &u.SpeedKmh)
	if err != nil {
		return u, err
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	if err := json.Unmarshal(workDays, &u.WorkDays); err != nil {
		return u, err
	}
	if u.WorkDays == nil {
		u.WorkDays = accounts.Weekdays{}
	}
	return u, nil
}

// userArgs are the values of the columns a user's writes set, in the order
// of the INSERT and UPDATE below ($2...).
func userArgs(u accounts.User) ([]any, error) {
	workDays, err := json.Marshal(u.WorkDays)
	if err != nil {
		return nil, err
	}
	return []any{u.Email, u.Name, u.Role, u.ManagerID, u.Home.Lat, u.Home.Lng, u.HomeAddress,
		workDays, u.WorkStart, u.WorkEnd, u.CostPerKmCents, u.SpeedKmh}, nil
}

func (db *DB) CreateUser(ctx context.Context, u accounts.User) (accounts.User, error) {
	const q = `INSERT INTO users (created_at, updated_at, version, email, name, role, manager_id,
    home_lat, home_lng, home_address, work_days, work_start, work_end, cost_per_km_cents, speed_kmh)
VALUES ($1, $1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
RETURNING ` + userColumns
	args, err := userArgs(u)
	if err != nil {
		return accounts.User{}, err
	}
	return insertOne(ctx, db, accounts.EntityUser, q, scanUser, args)
}

func (db *DB) GetUser(ctx context.Context, id int64) (accounts.User, error) {
	return get(ctx, db, scanUser, accounts.EntityUser, id, `SELECT `+userColumns+` FROM users WHERE id = $1`)
}

// UserByEmail finds a user whatever the case of email.
func (db *DB) UserByEmail(ctx context.Context, email string) (accounts.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower($1)`, email))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, fmt.Errorf("%w: no user with email %q", accounts.ErrNotFound, email)
	}
	return u, translate(err, false)
}

func (db *DB) UpdateUser(ctx context.Context, u accounts.User, version int64) (accounts.User, error) {
	const q = `UPDATE users SET version = version + 1, updated_at = $1, email = $4, name = $5, role = $6,
    manager_id = $7, home_lat = $8, home_lng = $9, home_address = $10, work_days = $11, work_start = $12,
    work_end = $13, cost_per_km_cents = $14, speed_kmh = $15
WHERE id = $2 AND ($3 = 0 OR version = $3)
RETURNING ` + userColumns
	args, err := userArgs(u)
	if err != nil {
		return accounts.User{}, err
	}
	return updateOne(ctx, db, "users", accounts.EntityUser, q, scanUser, u.ID, version, args)
}

func (db *DB) DeleteUser(ctx context.Context, id, version int64) error {
	return db.deleteVersioned(ctx, "users", accounts.EntityUser, id, version)
}

func (db *DB) ListUsers(ctx context.Context, f accounts.UserFilter) ([]accounts.User, error) {
	w := newWhere(f.Page)
	w.addString("role = ?", string(f.Role))
	w.addID("manager_id = ?", f.ManagerID)
	q, args := w.query(`SELECT `+userColumns+` FROM users`, f.Page)
	return list(ctx, db, scanUser, q, args...)
}
