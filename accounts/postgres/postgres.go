// Package postgres implements accounts.Store over PostgreSQL 15+ with pgx.
//
// It is Tournée's production store, selected by DATABASE_URL. Several
// tournee replicas may share one database: Migrate takes a PostgreSQL
// advisory lock so that replicas starting together do not race, and every
// write notifies the channel tournee_changes (delivered at commit) so that
// the other replicas read the change feed and bring their indexes up to date.
//
// # PostGIS
//
// PostGIS is optional, and the Go code is the same with or without it. The
// store always writes and reads plain columns: lat/lng for account
// locations, and for territories the geometry as WKB (bytea) plus its
// bounding box. When PostGIS is available at the first migration, it is
// created and accounts.location (Point) and territories.geom (MultiPolygon),
// both SRID 4326, are added as STORED generated columns computed from the
// plain ones (ST_MakePoint, ST_GeomFromWKB), with GiST indexes, so that QGIS,
// BI tools and spatial SQL see real geometries that can never disagree with
// what the store returns. An account at (0, 0), the zero geo.Point, has a
// NULL location.
//
// # Times
//
// Every timestamp is written as timestamptz, in UTC and truncated to the
// microsecond that PostgreSQL keeps, and read back in UTC, so that a record
// round-trips identically here and in the SQLite store.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/tournee/tournee/accounts"
)

//go:embed migrations/*.sql
var migrations embed.FS

// NotifyChannel is the channel notified, at commit, after every write. The
// payload is the last change seq the write recorded.
const NotifyChannel = "tournee_changes"

// defaultLimit is the page size when a filter gives none.
const defaultLimit = 100

// DB is an accounts.Store backed by a PostgreSQL connection pool.
type DB struct {
	pool  *pgxpool.Pool
	goose *goose.Provider

	// Now gives the time of every timestamp the store writes; tests replace it.
	Now func() time.Time
}

var _ accounts.Store = (*DB)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string). It does not migrate: call Migrate, and use Ready to check.
func Open(ctx context.Context, url string) (*DB, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		pool.Close()
		return nil, err
	}
	// The advisory lock is held on one session for the whole run, so a
	// second process waits until the first has applied everything. It polls
	// every second (goose's default is 5 s) for up to 5 minutes, so that
	// replicas starting together are not held back long.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		pool.Close()
		return nil, err
	}
	// goose speaks database/sql; it borrows connections from the same pool.
	p, err := goose.NewProvider(goose.DialectPostgres, stdlib.OpenDBFromPool(pool), fsys,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	return &DB{pool: pool, goose: p, Now: time.Now}, nil
}

// Migrate applies the migrations the database lacks, under an advisory lock.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.goose.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// Ready reports whether the database answers and is fully migrated.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	pending, err := db.goose.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migration status: %w", err)
	}
	if pending {
		return errors.New("postgres: database has pending migrations")
	}
	return nil
}

// Close closes every connection of the pool.
func (db *DB) Close() error {
	err := db.goose.Close() // closes the database/sql view, not the pool
	db.pool.Close()
	return err
}

// Pool returns the connection pool, for LISTEN and for tests.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// now is the store's clock at the precision it keeps.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// ts brings a time given by the caller to the precision and zone the store keeps.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// write runs fn in one transaction and commits it if fn succeeds. It
// translates driver errors; deleting tells a foreign-key failure of a delete
// (still referred to) from one of an insert or update (refers to nothing).
func (db *DB) write(ctx context.Context, deleting bool, fn func(tx pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, db.pool, fn)
	return translate(err, deleting)
}

// logChanges appends one change per id to the feed and notifies other
// replicas. It must be the last statement of a write transaction.
//
// seq comes from the one row of change_counter, not from a sequence: a
// sequence hands out numbers in the order transactions ask, and a reader
// that has seen seq 11 committed would skip 10 if its transaction committed
// later. Updating the counter row locks it until commit, so writers take
// their numbers one after the other, in commit order; taking it last keeps
// that critical section short. One statement reserves len(ids) numbers,
// inserts the rows and queues the notification.
func logChanges(ctx context.Context, tx pgx.Tx, at time.Time, entity string, op accounts.Op, ids ...int64) error {
	const q = `
WITH c AS (
    UPDATE change_counter SET seq = seq + cardinality($1::bigint[]) RETURNING seq
), ins AS (
    INSERT INTO changes (seq, entity, entity_id, op, at, by)
    SELECT c.seq - cardinality($1::bigint[]) + u.n, $2, u.id, $3, $4, $5
    FROM c, unnest($1::bigint[]) WITH ORDINALITY AS u (id, n)
    RETURNING seq
)
SELECT pg_notify('` + NotifyChannel + `', max(seq)::text) FROM ins`
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, q, ids, entity, string(op), at, accounts.ActorFrom(ctx))
	return err
}

// translate turns driver errors into the domain's sentinels.
func translate(err error, deleting bool) error {
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%w: %v", accounts.ErrNotFound, err)
	case !errors.As(err, &pgErr):
		return err
	}
	switch {
	case pgErr.Code == "23505": // unique_violation
		return fmt.Errorf("%w: %s", accounts.ErrConflict, uniqueMessage(pgErr))
	case pgErr.Code == "23503" && deleting: // foreign_key_violation
		return fmt.Errorf("%w: the record is still referred to by other records", accounts.ErrConflict)
	case pgErr.Code == "23503":
		return fmt.Errorf("%w: %s refers to a record that does not exist", accounts.ErrInvalid, fkColumn(pgErr))
	case pgErr.Code == "23502", pgErr.Code == "23514", strings.HasPrefix(pgErr.Code, "22"):
		// not null, check, and data exceptions (bad date, number out of
		// range, NUL byte in text): the value was wrong, not the server.
		return fmt.Errorf("%w: %s", accounts.ErrInvalid, pgErr.Message)
	}
	return err
}

// uniqueMessage names what is duplicated, as users read it.
func uniqueMessage(e *pgconn.PgError) string {
	switch e.ConstraintName {
	case "users_email_key":
		return "a user with this email already exists"
	case "idempotency_keys_pkey":
		return "idempotency key already used"
	}
	return "a record with these values already exists"
}

// fkColumn guesses the offending column from the constraint name, which
// PostgreSQL builds as table_column_fkey.
func fkColumn(e *pgconn.PgError) string {
	c := strings.TrimSuffix(strings.TrimPrefix(e.ConstraintName, e.TableName+"_"), "_fkey")
	if c == "" || c == e.ConstraintName {
		return "the record"
	}
	return c
}

// stale explains why an update or delete of id in table matched no row:
// the record does not exist, or it is not at the version the caller read.
func stale(ctx context.Context, tx pgx.Tx, table, entity string, id, version int64) error {
	var v int64
	err := tx.QueryRow(ctx, "SELECT version FROM "+table+" WHERE id = $1", id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return accounts.NotFound(entity, id)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s %d is at version %d, not %d", accounts.ErrStale, entity, id, v, version)
}

// hooks are statements a write runs in its own transaction, before and
// after its statement on the record (and before the change feed row, which
// stays last). The zero value runs nothing.
type hooks struct {
	before, after func(tx pgx.Tx) error
}

func (h hooks) runBefore(tx pgx.Tx) error {
	if h.before == nil {
		return nil
	}
	return h.before(tx)
}

func (h hooks) runAfter(tx pgx.Tx) error {
	if h.after == nil {
		return nil
	}
	return h.after(tx)
}

// deleteVersioned deletes the record id of table when it is at version (0:
// any) and logs the change.
func (db *DB) deleteVersioned(ctx context.Context, table, entity string, id, version int64) error {
	return db.deleteWith(ctx, table, entity, id, version, hooks{})
}

// deleteWith is deleteVersioned with hooks around the delete.
func (db *DB) deleteWith(ctx context.Context, table, entity string, id, version int64, h hooks) error {
	return db.write(ctx, true, func(tx pgx.Tx) error {
		if err := h.runBefore(tx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE id = $1 AND ($2 = 0 OR version = $2)", id, version)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return stale(ctx, tx, table, entity, id, version)
		}
		if err := h.runAfter(tx); err != nil {
			return err
		}
		return logChanges(ctx, tx, db.now(), entity, accounts.OpDelete, id)
	})
}

// insertOne runs q, an INSERT … RETURNING whose $1 is the time and whose
// further parameters are args, and feeds the created record's change.
func insertOne[T any, P interface {
	*T
	Metadata() *accounts.Meta
}](ctx context.Context, db *DB, entity, q string, scan func(scanner) (T, error), args []any) (T, error) {
	return insertWith[T, P](ctx, db, entity, q, scan, args, hooks{})
}

// insertWith is insertOne with hooks around the insert.
func insertWith[T any, P interface {
	*T
	Metadata() *accounts.Meta
}](ctx context.Context, db *DB, entity, q string, scan func(scanner) (T, error), args []any, h hooks) (T, error) {
	now := db.now()
	var out T
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		if err := h.runBefore(tx); err != nil {
			return err
		}
		var err error
		if out, err = scan(tx.QueryRow(ctx, q, append([]any{now}, args...)...)); err != nil {
			return err
		}
		if err := h.runAfter(tx); err != nil {
			return err
		}
		return logChanges(ctx, tx, now, entity, accounts.OpCreate, P(&out).Metadata().ID)
	})
	return out, err
}

// updateOne runs q, an UPDATE … RETURNING whose $1 is the time, $2 the id,
// $3 the expected version (0: any) and further parameters args; no row
// updated is told apart as missing or stale.
func updateOne[T any](ctx context.Context, db *DB, table, entity, q string, scan func(scanner) (T, error), id, version int64, args []any) (T, error) {
	return updateWith(ctx, db, table, entity, q, scan, id, version, args, hooks{})
}

// updateWith is updateOne with hooks around the update.
func updateWith[T any](ctx context.Context, db *DB, table, entity, q string, scan func(scanner) (T, error), id, version int64, args []any, h hooks) (T, error) {
	now := db.now()
	var out T
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		if err := h.runBefore(tx); err != nil {
			return err
		}
		var err error
		out, err = scan(tx.QueryRow(ctx, q, append([]any{now, id, version}, args...)...))
		if errors.Is(err, pgx.ErrNoRows) {
			return stale(ctx, tx, table, entity, id, version)
		}
		if err != nil {
			return err
		}
		if err := h.runAfter(tx); err != nil {
			return err
		}
		return logChanges(ctx, tx, now, entity, accounts.OpUpdate, id)
	})
	return out, err
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

// get scans the one row of a query; no row is entity id not found.
func get[T any](ctx context.Context, db *DB, scan func(scanner) (T, error), entity string, id int64, query string) (T, error) {
	v, err := scan(db.pool.QueryRow(ctx, query, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return v, accounts.NotFound(entity, id)
	}
	return v, translate(err, false)
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, db *DB, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(err, false)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if err != nil {
		return nil, translate(err, false)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// where builds the WHERE clause of a list query: id > After, then each
// filter that is set.
type where struct {
	conds []string
	args  []any
}

func newWhere(p accounts.Page) *where {
	return &where{conds: []string{"id > $1"}, args: []any{p.After}}
}

// add appends cond, whose one "?" stands for arg.
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1))
}

// addID adds cond when id is set.
func (w *where) addID(cond string, id int64) {
	if id != 0 {
		w.add(cond, id)
	}
}

// addString adds cond when s is set.
func (w *where) addString(cond, s string) {
	if s != "" {
		w.add(cond, s)
	}
}

// addSince adds "updated_at >= t" when t is set.
func (w *where) addSince(t time.Time) {
	if !t.IsZero() {
		w.add("updated_at >= ?", ts(t))
	}
}

// query returns the full statement and its arguments for one page.
func (w *where) query(selectFrom string, p accounts.Page) (string, []any) {
	limit := p.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	args := append(w.args, limit)
	return selectFrom + " WHERE " + strings.Join(w.conds, " AND ") +
		" ORDER BY id LIMIT $" + strconv.Itoa(len(args)), args
}

// likePrefix escapes the LIKE wildcards of s (backslash is the default
// escape character) and appends %.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}
