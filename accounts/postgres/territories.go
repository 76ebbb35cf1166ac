package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// Territories keep their geometry as WKB, with or without PostGIS; when
// PostGIS is there the geom column is generated from it (see the package doc).
const territoryColumns = `id, version, created_at, updated_at, layer, name, wkb, priority, assignee_id`

func scanTerritory(row scanner) (accounts.Territory, error) {
	var t accounts.Territory
	var wkb []byte
	err := row.Scan(&t.ID, &t.Version, &t.CreatedAt, &t.UpdatedAt, &t.Layer, &t.Name, &wkb, &t.Priority, &t.AssigneeID)
	if err != nil {
		return t, err
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	if wkb != nil {
		if t.Geometry, err = geo.AreaFromWKB(wkb); err != nil {
			return t, fmt.Errorf("territory %d: stored geometry: %w", t.ID, err)
		}
	}
	return t, nil
}

// territoryArgs are the values of layer, name, wkb, min_lat, min_lng,
// max_lat, max_lng, priority, assignee_id.
func territoryArgs(t accounts.Territory) []any {
	if t.Geometry.IsZero() {
		return []any{t.Layer, t.Name, nil, nil, nil, nil, nil, t.Priority, t.AssigneeID}
	}
	b := t.Geometry.Bounds()
	return []any{t.Layer, t.Name, t.Geometry.WKB(), b.Min.Lat, b.Min.Lng, b.Max.Lat, b.Max.Lng, t.Priority, t.AssigneeID}
}

func (db *DB) CreateTerritory(ctx context.Context, t accounts.Territory) (accounts.Territory, error) {
	out, err := db.CreateTerritories(ctx, []accounts.Territory{t})
	if err != nil {
		return accounts.Territory{}, err
	}
	return out[0], nil
}

// CreateTerritories inserts ts in one transaction and reassigns the
// accounts of each once all are in.
func (db *DB) CreateTerritories(ctx context.Context, ts []accounts.Territory) ([]accounts.Territory, error) {
	const q = `INSERT INTO territories (created_at, updated_at, version, layer, name, wkb,
    min_lat, min_lng, max_lat, max_lng, priority, assignee_id)
VALUES ($1, $1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING ` + territoryColumns
	if len(ts) == 0 {
		return []accounts.Territory{}, nil
	}
	now := db.now()
	out := make([]accounts.Territory, len(ts))
	ids := make([]int64, len(ts))
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		if err := lockAssignments(ctx, tx, true); err != nil {
			return err
		}
		for i, t := range ts {
			var err error
			if out[i], err = scanTerritory(tx.QueryRow(ctx, q, append([]any{now}, territoryArgs(t)...)...)); err != nil {
				return err
			}
			ids[i] = out[i].ID
		}
		for _, t := range out {
			if err := accounts.ReassignTerritory(ctx, assignTx{tx, now}, accounts.Territory{}, t); err != nil {
				return err
			}
		}
		return logChanges(ctx, tx, now, accounts.EntityTerritory, accounts.OpCreate, ids...)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (db *DB) GetTerritory(ctx context.Context, id int64) (accounts.Territory, error) {
	return get(ctx, db, scanTerritory, accounts.EntityTerritory, id, `SELECT `+territoryColumns+` FROM territories WHERE id = $1`)
}

func (db *DB) UpdateTerritory(ctx context.Context, t accounts.Territory, version int64) (accounts.Territory, error) {
	const q = `UPDATE territories SET version = version + 1, updated_at = $1, layer = $4, name = $5, wkb = $6,
    min_lat = $7, min_lng = $8, max_lat = $9, max_lng = $10, priority = $11, assignee_id = $12
WHERE id = $2 AND ($3 = 0 OR version = $3)
RETURNING ` + territoryColumns
	var before accounts.Territory
	return updateWith(ctx, db, "territories", accounts.EntityTerritory, q, scanTerritory, t.ID, version, territoryArgs(t), hooks{
		before: func(tx pgx.Tx) error { return db.territoryBefore(ctx, tx, t.ID, &before) },
		after: func(tx pgx.Tx) error {
			return accounts.ReassignTerritory(ctx, assignTx{tx, db.now()}, before, t)
		},
	})
}

func (db *DB) DeleteTerritory(ctx context.Context, id, version int64) error {
	var before accounts.Territory
	return db.deleteWith(ctx, "territories", accounts.EntityTerritory, id, version, hooks{
		before: func(tx pgx.Tx) error { return db.territoryBefore(ctx, tx, id, &before) },
		after: func(tx pgx.Tx) error {
			return accounts.ReassignTerritory(ctx, assignTx{tx, db.now()}, before, accounts.Territory{})
		},
	})
}

func (db *DB) ListTerritories(ctx context.Context, f accounts.TerritoryFilter) ([]accounts.Territory, error) {
	w := newWhere(f.Page)
	w.addString("layer = ?", f.Layer)
	w.addID("assignee_id = ?", f.AssigneeID)
	q, args := w.query(`SELECT `+territoryColumns+` FROM territories`, f.Page)
	return list(ctx, db, scanTerritory, q, args...)
}

// territoryBefore takes the assignment lock and reads territory id as it is
// before a write; a missing one is left zero for the write to report.
func (db *DB) territoryBefore(ctx context.Context, tx pgx.Tx, id int64, t *accounts.Territory) error {
	if err := lockAssignments(ctx, tx, true); err != nil {
		return err
	}
	var err error
	*t, err = scanTerritory(tx.QueryRow(ctx, `SELECT `+territoryColumns+` FROM territories WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		*t = accounts.Territory{}
		return nil
	}
	return err
}
