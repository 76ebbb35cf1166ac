// Package sqlite implements accounts.Store over an embedded SQLite database
// (modernc.org/sqlite, pure Go). It is Tournée's zero-setup default store.
//
// The database runs in WAL mode so that readers never wait for the writer;
// write transactions start with BEGIN IMMEDIATE so that two writers queue on
// the busy timeout instead of failing when one upgrades a read lock. Times are
// stored as fixed-width UTC text truncated to the microsecond, the precision
// PostgreSQL keeps, so that both stores return the same values.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tournee/tournee/accounts"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an accounts.Store backed by one SQLite file.
type DB struct {
	db    *sql.DB
	goose *goose.Provider

	// Now gives the time of every timestamp the store writes; tests replace it.
	Now func() time.Time
}

var _ accounts.Store = (*DB)(nil)

// Open opens the database file at path, creating it if it does not exist. It
// does not migrate: call Migrate, and use Ready to check.
func Open(ctx context.Context, path string) (*DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL syncs the WAL at every commit: an acknowledged write survives a
	// power cut, which NORMAL does not promise.
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	// A path holding '?' or '#' would otherwise end the file name early.
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	if err := registerFunctions(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	sqlDB, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// More connections than a few per core only queue on SQLite's locks,
	// and each holds three files open: under a burst an unbounded pool runs
	// the process out of file descriptors.
	conns := max(8, 4*runtime.GOMAXPROCS(0))
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, sqlDB, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	return &DB{db: sqlDB, goose: p, Now: time.Now}, nil
}

// Migrate applies the migrations the database lacks, each in its own
// transaction. A SQLite file belongs to one tournee process, which migrates
// it at start-up; nothing guards against two processes migrating at once.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.goose.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// Ready reports whether the database answers and is fully migrated.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	pending, err := db.goose.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: migration status: %w", err)
	}
	if pending {
		return errors.New("sqlite: database has pending migrations")
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// now is the store's clock at the precision it keeps.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// inTx runs fn in one write transaction and commits it if fn succeeds.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// querier is what reads need from *sql.DB and *sql.Tx alike.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// get scans the one row of a query; no row is entity id not found.
func get[T any](ctx context.Context, q querier, scan func(scanner) (T, error), entity string, id int64, query string, args ...any) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, args...))
	if err != nil {
		var zero T
		if isNoRows(err) {
			return zero, accounts.NotFound(entity, id)
		}
		return zero, err
	}
	return v, nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// notFoundf wraps ErrNotFound for a record not named by its id.
func notFoundf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{accounts.ErrNotFound}, args...)...)
}

const insertChange = `INSERT INTO changes (entity, entity_id, op, at, actor_id) VALUES (?, ?, ?, ?, ?)`

// execer is a *sql.Tx or a *sql.Stmt bound to one.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// logChange appends one row to the change feed, in the caller's transaction.
func logChange(ctx context.Context, tx execer, entity string, id int64, op accounts.Op, at time.Time) error {
	_, err := tx.ExecContext(ctx, insertChange, entity, id, op, formatTime(at), accounts.ActorFrom(ctx))
	return err
}

// staleOrMissing tells why a versioned update or delete of id matched no row.
func staleOrMissing(ctx context.Context, tx *sql.Tx, table, entity string, id, version int64) error {
	var current int64
	err := tx.QueryRowContext(ctx, `SELECT version FROM `+table+` WHERE id = ?`, id).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return accounts.NotFound(entity, id)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s %d is at version %d, not %d", accounts.ErrStale, entity, id, current, version)
}

// hooks are statements a write runs in its own transaction, before and
// after its statement on the record; at is the write's time. The zero value
// runs nothing.
type hooks struct {
	before, after func(tx *sql.Tx, at time.Time) error
	// beforeEach, for inserts, runs before the insert of row i.
	beforeEach func(tx *sql.Tx, i int) error
}

func (h hooks) runBefore(tx *sql.Tx, at time.Time) error {
	if h.before == nil {
		return nil
	}
	return h.before(tx, at)
}

func (h hooks) runAfter(tx *sql.Tx, at time.Time) error {
	if h.after == nil {
		return nil
	}
	return h.after(tx, at)
}

// remove deletes one versioned record and logs it. before runs first in the
// same transaction, to log what the delete will cascade to.
func (db *DB) remove(ctx context.Context, table, entity string, id, version int64, before func(tx *sql.Tx, at time.Time) error) error {
	return db.removeWith(ctx, table, entity, id, version, hooks{before: before})
}

// removeWith is remove with hooks around the delete.
func (db *DB) removeWith(ctx context.Context, table, entity string, id, version int64, h hooks) error {
	at := db.now()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := h.runBefore(tx, at); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = ? AND (? = 0 OR version = ?)`, id, version, version)
		if err != nil {
			return deleteError(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return staleOrMissing(ctx, tx, table, entity, id, version)
		}
		if err := h.runAfter(tx, at); err != nil {
			return err
		}
		return logChange(ctx, tx, entity, id, accounts.OpDelete, at)
	})
}

// writeError translates a driver error from an insert or update.
func writeError(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w: refers to a record that does not exist", accounts.ErrInvalid)
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("%w: %s", accounts.ErrConflict, uniqueMessage(e))
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK:
		return fmt.Errorf("%w: %v", accounts.ErrInvalid, err)
	}
	return err
}

// uniqueMessage says which value is taken, as a user would put it.
func uniqueMessage(e *sqlite.Error) string {
	switch {
	case strings.Contains(e.Error(), "users.email_key"):
		return "email already in use"
	case strings.Contains(e.Error(), "idempotency_keys.key"):
		return "idempotency key already in use"
	}
	return "record already exists"
}

// deleteError translates a driver error from a delete.
func deleteError(err error) error {
	var e *sqlite.Error
	if errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return fmt.Errorf("%w: still referred to by other records", accounts.ErrConflict)
	}
	return err
}

// timeLayout has a fixed width so that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Truncate(time.Microsecond).Format(timeLayout) }

// nullTime stores a nil *time.Time as NULL.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

// truncated returns t as the store keeps it.
func truncated(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// timeCol scans a stored time into *t.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("sqlite: time column holds %T", v)
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return err
	}
	*c.t = t
	return nil
}

// nullTimeCol scans a nullable stored time into **t.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(v any) error {
	if v == nil {
		*c.t = nil
		return nil
	}
	t := new(time.Time)
	if err := (timeCol{t}).Scan(v); err != nil {
		return err
	}
	*c.t = t
	return nil
}

// jsonCol scans a JSON text column into the value p points to; NULL leaves
// it untouched.
type jsonCol struct{ p any }

func (c jsonCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return json.Unmarshal([]byte(v), c.p)
	case []byte:
		return json.Unmarshal(v, c.p)
	}
	return fmt.Errorf("sqlite: JSON column holds %T", v)
}

// toJSON encodes v for a JSON column and returns it as a read would give it
// back, so that what a write returns equals what a later read returns.
func toJSON[T any](v T) (string, T, error) {
	b, err := json.Marshal(v)
	if err != nil {
		var zero T
		return "", zero, fmt.Errorf("%w: %v", accounts.ErrInvalid, err)
	}
	var back T
	if err := json.Unmarshal(b, &back); err != nil {
		var zero T
		return "", zero, err
	}
	return string(b), back, nil
}

// limit applies the default page size.
func limit(n int) int {
	if n <= 0 {
		return 100
	}
	return n
}

// where gathers the conditions and arguments of a list query.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// query appends to a SELECT "WHERE id > after AND ... ORDER BY id LIMIT n".
func (w *where) query(selectFrom string, p accounts.Page) (string, []any) {
	q := selectFrom + ` WHERE id > ?`
	args := append([]any{p.After}, w.args...)
	for _, c := range w.conds {
		q += ` AND ` + c
	}
	q += ` ORDER BY id LIMIT ?`
	return q, append(args, limit(p.Limit))
}

// insertSQL returns an INSERT of a new record (version 1) into table: its
// arguments are created_at, updated_at, then the values of cols.
func insertSQL(table, cols string) string {
	n := strings.Count(cols, ",") + 1
	return `INSERT INTO ` + table + ` (version, created_at, updated_at, ` + cols + `) VALUES (1, ?, ?` + strings.Repeat(`, ?`, n) + `)`
}

// updateSQL returns a versioned UPDATE of table: its arguments are
// updated_at, the values of cols, then id and the expected version twice
// (0 matches any version).
func updateSQL(table, cols string) string {
	set := strings.ReplaceAll(cols, ",", " = ?,") + " = ?"
	return `UPDATE ` + table + ` SET version = version + 1, updated_at = ?, ` + set +
		` WHERE id = ? AND (? = 0 OR version = ?) RETURNING version, created_at`
}

// insert creates records in one transaction, one change row each. rows[i]
// holds the values of the record's columns after created_at and updated_at;
// stored receives each record's Meta. A failing record rolls back them all.
func (db *DB) insert(ctx context.Context, query, entity string, rows [][]any, stored func(i int, m accounts.Meta)) error {
	return db.insertWith(ctx, query, entity, rows, nil, stored, hooks{})
}

// insertWith is insert with hooks around the inserts and, when created is
// not nil, created[i] as the creation time of record i (zero means now).
func (db *DB) insertWith(ctx context.Context, query, entity string, rows [][]any, created []time.Time, stored func(i int, m accounts.Meta), h hooks) error {
	if len(rows) == 0 {
		return nil
	}
	now := db.now()
	ts := formatTime(now)
	actor := accounts.ActorFrom(ctx)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := h.runBefore(tx, now); err != nil {
			return err
		}
		// Prepared once: bulk imports insert hundreds of thousands of rows.
		ins, err := tx.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		defer ins.Close()
		chg, err := tx.PrepareContext(ctx, insertChange)
		if err != nil {
			return err
		}
		defer chg.Close()
		args := make([]any, 2, 2+len(rows[0]))
		for i, row := range rows {
			if h.beforeEach != nil {
				if err := h.beforeEach(tx, i); err != nil {
					return err
				}
			}
			m := accounts.Meta{Version: 1, CreatedAt: now, UpdatedAt: now}
			args[0], args[1] = ts, ts
			if created != nil && !created[i].IsZero() {
				m.CreatedAt = truncated(created[i])
				args[0] = formatTime(m.CreatedAt)
			}
			res, err := ins.ExecContext(ctx, append(args[:2], row...)...)
			if err != nil {
				err = writeError(err)
				if len(rows) > 1 {
					err = fmt.Errorf("%s %d: %w", entity, i, err)
				}
				return err
			}
			if m.ID, err = res.LastInsertId(); err != nil {
				return err
			}
			if _, err := chg.ExecContext(ctx, entity, m.ID, accounts.OpCreate, ts, actor); err != nil {
				return err
			}
			stored(i, m)
		}
		return h.runAfter(tx, now)
	})
}

// update runs a versioned update made by updateSQL and logs it; m.ID names
// the record and m receives its stored Meta. returning receives the values
// of the columns the query returns after version and created_at.
func (db *DB) update(ctx context.Context, query, table, entity string, values []any, m *accounts.Meta, version int64, returning ...any) error {
	return db.updateWith(ctx, query, table, entity, values, m, version, hooks{}, returning...)
}

// updateWith is update with hooks around the update.
func (db *DB) updateWith(ctx context.Context, query, table, entity string, values []any, m *accounts.Meta, version int64, h hooks, returning ...any) error {
	now := db.now()
	id := m.ID
	args := append(append([]any{formatTime(now)}, values...), id, version, version)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := h.runBefore(tx, now); err != nil {
			return err
		}
		got := accounts.Meta{ID: id, UpdatedAt: now}
		err := tx.QueryRowContext(ctx, query, args...).Scan(append([]any{&got.Version, timeCol{&got.CreatedAt}}, returning...)...)
		if errors.Is(err, sql.ErrNoRows) {
			return staleOrMissing(ctx, tx, table, entity, id, version)
		}
		if err != nil {
			return writeError(err)
		}
		if err := h.runAfter(tx, now); err != nil {
			return err
		}
		*m = got
		return logChange(ctx, tx, entity, id, accounts.OpUpdate, now)
	})
}
