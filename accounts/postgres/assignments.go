package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// selectAssignees is the column of accountColumns that gives
// Account.Assignees: '{}' when the account has nobody.
const selectAssignees = `coalesce((SELECT jsonb_object_agg(layer, user_id) FROM account_assignments
    WHERE account_id = accounts.id AND user_id IS NOT NULL), '{}')`

// assignLock is the advisory lock that keeps reassignments from
// interleaving: account writes take it shared (each touches its own
// accounts' rows, which their row locks serialise), territory writes and
// pins exclusively, before they read what they compute from.
const assignLock = 0x7a6f6e6573

func lockAssignments(ctx context.Context, tx pgx.Tx, exclusive bool) error {
	q := `SELECT pg_advisory_xact_lock_shared($1)`
	if exclusive {
		q = `SELECT pg_advisory_xact_lock($1)`
	}
	_, err := tx.Exec(ctx, q, int64(assignLock))
	return err
}

// decodeAssignees reads the jsonb of selectAssignees; nil when empty.
func decodeAssignees(b []byte) (map[string]int64, error) {
	var m map[string]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

const (
	territoriesIn = `SELECT ` + territoryColumns + ` FROM territories WHERE wkb IS NOT NULL
    AND min_lat <= $1 AND max_lat >= $2 AND min_lng <= $3 AND max_lng >= $4 AND ($5 = '' OR layer = $5) ORDER BY id`
	locatedIn = `SELECT id, lat, lng FROM accounts
    WHERE lat >= $1 AND lat <= $2 AND lng >= $3 AND lng <= $4 ORDER BY id`
	assignmentsIn = `SELECT s.account_id, s.layer, s.user_id, s.territory_id, s.pinned
    FROM account_assignments s JOIN accounts a ON a.id = s.account_id
    WHERE a.lat >= $1 AND a.lat <= $2 AND a.lng >= $3 AND a.lng <= $4 AND ($5 = '' OR s.layer = $5)
    ORDER BY s.account_id, s.layer`
)

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func collect[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
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

func readTerritoriesIn(ctx context.Context, q querier, layer string, b geo.Bounds) ([]accounts.Territory, error) {
	return collect(ctx, q, scanTerritory, territoriesIn, b.Max.Lat, b.Min.Lat, b.Max.Lng, b.Min.Lng, layer)
}

func readLocatedIn(ctx context.Context, q querier, b geo.Bounds) ([]accounts.Located, error) {
	return collect(ctx, q, func(s scanner) (accounts.Located, error) {
		var l accounts.Located
		err := s.Scan(&l.ID, &l.Lat, &l.Lng)
		return l, err
	}, locatedIn, b.Min.Lat, b.Max.Lat, b.Min.Lng, b.Max.Lng)
}

func readAssignmentsIn(ctx context.Context, q querier, layer string, b geo.Bounds) ([]accounts.Assignment, error) {
	return collect(ctx, q, func(s scanner) (accounts.Assignment, error) {
		var a accounts.Assignment
		err := s.Scan(&a.AccountID, &a.Layer, &a.UserID, &a.TerritoryID, &a.Pinned)
		return a, err
	}, assignmentsIn, b.Min.Lat, b.Max.Lat, b.Min.Lng, b.Max.Lng, layer)
}

// TerritoriesIn returns the territories of layer ("" for all) whose bounds meet b.
func (db *DB) TerritoriesIn(ctx context.Context, layer string, b geo.Bounds) ([]accounts.Territory, error) {
	return readTerritoriesIn(ctx, db.pool, layer, b)
}

// LocatedIn returns the id and place of the accounts inside b.
func (db *DB) LocatedIn(ctx context.Context, b geo.Bounds) ([]accounts.Located, error) {
	return readLocatedIn(ctx, db.pool, b)
}

// AssignmentsIn returns the assignments in layer ("" for all) of the accounts inside b.
func (db *DB) AssignmentsIn(ctx context.Context, layer string, b geo.Bounds) ([]accounts.Assignment, error) {
	return readAssignmentsIn(ctx, db.pool, layer, b)
}

// assignTx is a write transaction as accounts' assignment functions see it.
type assignTx struct {
	tx pgx.Tx
	at time.Time
}

func (a assignTx) TerritoriesIn(ctx context.Context, layer string, b geo.Bounds) ([]accounts.Territory, error) {
	return readTerritoriesIn(ctx, a.tx, layer, b)
}

func (a assignTx) LocatedIn(ctx context.Context, b geo.Bounds) ([]accounts.Located, error) {
	return readLocatedIn(ctx, a.tx, b)
}

func (a assignTx) AssignmentsIn(ctx context.Context, layer string, b geo.Bounds) ([]accounts.Assignment, error) {
	return readAssignmentsIn(ctx, a.tx, layer, b)
}

// SaveAssignments writes put and drop with one statement each, whatever
// their number, then logs the changes last, as logChanges wants.
func (a assignTx) SaveAssignments(ctx context.Context, put, drop []accounts.Assignment, logged []int64) error {
	if len(put) > 0 {
		ids, users, territories := make([]int64, len(put)), make([]*int64, len(put)), make([]*int64, len(put))
		layers, pinned := make([]string, len(put)), make([]bool, len(put))
		for i, s := range put {
			ids[i], layers[i], users[i], territories[i], pinned[i] = s.AccountID, s.Layer, s.UserID, s.TerritoryID, s.Pinned
		}
		_, err := a.tx.Exec(ctx, `INSERT INTO account_assignments (account_id, layer, user_id, territory_id, pinned)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::boolean[])
ON CONFLICT (account_id, layer) DO UPDATE SET
    user_id = excluded.user_id, territory_id = excluded.territory_id, pinned = excluded.pinned`,
			ids, layers, users, territories, pinned)
		if err != nil {
			return err
		}
	}
	if len(drop) > 0 {
		ids, layers := make([]int64, len(drop)), make([]string, len(drop))
		for i, s := range drop {
			ids[i], layers[i] = s.AccountID, s.Layer
		}
		_, err := a.tx.Exec(ctx, `DELETE FROM account_assignments s USING unnest($1::bigint[], $2::text[]) AS d (id, layer)
WHERE s.account_id = d.id AND s.layer = d.layer`, ids, layers)
		if err != nil {
			return err
		}
	}
	return logChanges(ctx, a.tx, a.at, accounts.EntityAccount, accounts.OpUpdate, logged...)
}

// setPin pins or unpins one account in a transaction of its own.
func (db *DB) setPin(ctx context.Context, accountID int64, layer string, user *int64) (accounts.Assignment, error) {
	var out accounts.Assignment
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		if err := lockAssignments(ctx, tx, true); err != nil {
			return err
		}
		l := accounts.Located{ID: accountID}
		err := tx.QueryRow(ctx, `SELECT lat, lng FROM accounts WHERE id = $1 FOR UPDATE`, accountID).Scan(&l.Lat, &l.Lng)
		if errors.Is(err, pgx.ErrNoRows) {
			return accounts.NotFound(accounts.EntityAccount, accountID)
		}
		if err != nil {
			return err
		}
		out, err = accounts.SetPin(ctx, assignTx{tx, db.now()}, l, layer, user)
		return err
	})
	return out, err
}

// PinAccount pins an account to a user in layer.
func (db *DB) PinAccount(ctx context.Context, accountID int64, layer string, userID int64) (accounts.Assignment, error) {
	return db.setPin(ctx, accountID, layer, &userID)
}

// UnpinAccount gives an account of layer back to its territory.
func (db *DB) UnpinAccount(ctx context.Context, accountID int64, layer string) (accounts.Assignment, error) {
	return db.setPin(ctx, accountID, layer, nil)
}

const territoryFigures = `SELECT coalesce(s.territory_id, 0), a.kind, a.segment, s.user_id IS NOT NULL,
    count(*), sum(a.potential_cents)::bigint, sum(a.visit_duration_ns)::bigint,
    coalesce(sum((SELECT sum(amount_cents) FROM revenue r WHERE r.account_id = a.id AND r.month >= $2)), 0)::bigint
FROM accounts a LEFT JOIN account_assignments s ON s.account_id = a.id AND s.layer = $1
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`

// TerritoryFigures sums the accounts of each territory of layer.
func (db *DB) TerritoryFigures(ctx context.Context, layer string, revenueSince accounts.Month) ([]accounts.TerritoryFigure, error) {
	since, err := revenueSince.Time()
	if err != nil {
		return nil, err
	}
	return list(ctx, db, func(s scanner) (accounts.TerritoryFigure, error) {
		var f accounts.TerritoryFigure
		var visit int64
		err := s.Scan(&f.TerritoryID, &f.Kind, &f.Segment, &f.Assigned, &f.Accounts, &f.PotentialCents,
			&visit, &f.RevenueCents)
		f.VisitDuration = time.Duration(visit)
		return f, err
	}, territoryFigures, layer, since)
}
