package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// selectAssignees is the column of selectAccount that gives
// Account.Assignees: '{}' when the account has nobody.
const selectAssignees = `(SELECT json_group_object(layer, user_id) FROM account_assignments
	WHERE account_id = accounts.id AND user_id IS NOT NULL)`

const (
	territoriesIn = selectTerritory + ` WHERE geometry IS NOT NULL
	AND min_lat <= ?1 AND max_lat >= ?2 AND min_lng <= ?3 AND max_lng >= ?4 AND (?5 = '' OR layer = ?5) ORDER BY id`
	locatedIn = `SELECT id, lat, lng FROM accounts
	WHERE lat >= ?1 AND lat <= ?2 AND lng >= ?3 AND lng <= ?4 ORDER BY id`
	assignmentsIn = `SELECT s.account_id, s.layer, s.user_id, s.territory_id, s.pinned
	FROM account_assignments s JOIN accounts a ON a.id = s.account_id
	WHERE a.lat >= ?1 AND a.lat <= ?2 AND a.lng >= ?3 AND a.lng <= ?4 AND (?5 = '' OR s.layer = ?5)
	ORDER BY s.account_id, s.layer`
	upsertAssignment = `INSERT INTO account_assignments (account_id, layer, user_id, territory_id, pinned)
	VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, layer) DO UPDATE SET
	user_id = excluded.user_id, territory_id = excluded.territory_id, pinned = excluded.pinned`
	deleteAssignment = `DELETE FROM account_assignments WHERE account_id = ? AND layer = ?`
)

// boxArgs are the ?1..?4 of the queries above: the box, from its south-west
// and north-east corners.
func boxArgs(b geo.Bounds) []any { return []any{b.Max.Lat, b.Min.Lat, b.Max.Lng, b.Min.Lng} }

func readTerritoriesIn(ctx context.Context, q querier, layer string, b geo.Bounds) ([]accounts.Territory, error) {
	return list(ctx, q, scanTerritory, territoriesIn, append(boxArgs(b), layer)...)
}

func readLocatedIn(ctx context.Context, q querier, b geo.Bounds) ([]accounts.Located, error) {
	return list(ctx, q, func(s scanner) (accounts.Located, error) {
		var l accounts.Located
		err := s.Scan(&l.ID, &l.Lat, &l.Lng)
		return l, err
	}, locatedIn, b.Min.Lat, b.Max.Lat, b.Min.Lng, b.Max.Lng)
}

func readAssignmentsIn(ctx context.Context, q querier, layer string, b geo.Bounds) ([]accounts.Assignment, error) {
	return list(ctx, q, func(s scanner) (accounts.Assignment, error) {
		var a accounts.Assignment
		err := s.Scan(&a.AccountID, &a.Layer, &a.UserID, &a.TerritoryID, &a.Pinned)
		return a, err
	}, assignmentsIn, b.Min.Lat, b.Max.Lat, b.Min.Lng, b.Max.Lng, layer)
}

// TerritoriesIn returns the territories of layer ("" for all) whose bounds meet b.
func (db *DB) TerritoriesIn(ctx context.Context, layer string, b geo.Bounds) ([]accounts.Territory, error) {
	return readTerritoriesIn(ctx, db.db, layer, b)
}

// LocatedIn returns the id and place of the accounts inside b.
func (db *DB) LocatedIn(ctx context.Context, b geo.Bounds) ([]accounts.Located, error) {
	return readLocatedIn(ctx, db.db, b)
}

// AssignmentsIn returns the assignments in layer ("" for all) of the accounts inside b.
func (db *DB) AssignmentsIn(ctx context.Context, layer string, b geo.Bounds) ([]accounts.Assignment, error) {
	return readAssignmentsIn(ctx, db.db, layer, b)
}

// assignTx is a write transaction as accounts' assignment functions see it.
// SQLite runs one writer at a time (BEGIN IMMEDIATE), which is the lock the
// Store contract asks for.
type assignTx struct {
	tx *sql.Tx
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

func (a assignTx) SaveAssignments(ctx context.Context, put, drop []accounts.Assignment, logged []int64) error {
	if len(put) > 0 {
		ins, err := a.tx.PrepareContext(ctx, upsertAssignment)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, s := range put {
			if _, err := ins.ExecContext(ctx, s.AccountID, s.Layer, s.UserID, s.TerritoryID, s.Pinned); err != nil {
				return writeError(err)
			}
		}
	}
	for _, s := range drop {
		if _, err := a.tx.ExecContext(ctx, deleteAssignment, s.AccountID, s.Layer); err != nil {
			return err
		}
	}
	if len(logged) == 0 {
		return nil
	}
	chg, err := a.tx.PrepareContext(ctx, insertChange)
	if err != nil {
		return err
	}
	defer chg.Close()
	ts, actor := formatTime(a.at), accounts.ActorFrom(ctx)
	for _, id := range logged {
		if _, err := chg.ExecContext(ctx, accounts.EntityAccount, id, accounts.OpUpdate, ts, actor); err != nil {
			return err
		}
	}
	return nil
}

// setPin pins or unpins one account in a transaction of its own.
func (db *DB) setPin(ctx context.Context, accountID int64, layer string, user *int64) (accounts.Assignment, error) {
	var out accounts.Assignment
	at := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		l := accounts.Located{ID: accountID}
		err := tx.QueryRowContext(ctx, `SELECT lat, lng FROM accounts WHERE id = ?`, accountID).Scan(&l.Lat, &l.Lng)
		if isNoRows(err) {
			return accounts.NotFound(accounts.EntityAccount, accountID)
		}
		if err != nil {
			return err
		}
		out, err = accounts.SetPin(ctx, assignTx{tx, at}, l, layer, user)
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

// territoryFigures groups the accounts by the territory of layer that holds
// them; the revenue subquery reads the revenue primary key's range.
const territoryFigures = `SELECT coalesce(s.territory_id, 0), a.kind, a.segment, s.user_id IS NOT NULL,
	count(*), sum(a.potential_cents), sum(a.visit_duration_ns),
	coalesce(sum((SELECT sum(amount_cents) FROM revenue r WHERE r.account_id = a.id AND r.month >= ?2)), 0)
	FROM accounts a LEFT JOIN account_assignments s ON s.account_id = a.id AND s.layer = ?1
	GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`

// TerritoryFigures sums the accounts of each territory of layer.
func (db *DB) TerritoryFigures(ctx context.Context, layer string, revenueSince accounts.Month) ([]accounts.TerritoryFigure, error) {
	return list(ctx, db.db, func(s scanner) (accounts.TerritoryFigure, error) {
		var f accounts.TerritoryFigure
		err := s.Scan(&f.TerritoryID, &f.Kind, &f.Segment, &f.Assigned, &f.Accounts, &f.PotentialCents,
			&f.VisitDuration, &f.RevenueCents)
		return f, err
	}, territoryFigures, layer, string(revenueSince))
}
