package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// territoryCols are the columns a territory write sets, in the order of
// territoryValues.
const territoryCols = `layer, name, geometry, min_lat, min_lng, max_lat, max_lng, priority, assignee_id`

const selectTerritory = `SELECT id, version, created_at, updated_at, layer, name, geometry, priority, assignee_id
	FROM territories`

var (
	insertTerritory = insertSQL("territories", territoryCols)
	updateTerritory = updateSQL("territories", territoryCols)
)

// territoryValues returns the values of territoryCols and sets t's fields as
// a read will return them. The geometry is kept as WKB with its bounding box
// beside it, so that a later query can select territories by box first.
func territoryValues(t *accounts.Territory) ([]any, error) {
	if t.Geometry.IsZero() {
		return []any{t.Layer, t.Name, nil, nil, nil, nil, nil, t.Priority, t.AssigneeID}, nil
	}
	wkb := t.Geometry.WKB()
	back, err := geo.AreaFromWKB(wkb)
	if err != nil {
		return nil, err
	}
	t.Geometry = back
	b := back.Bounds()
	return []any{t.Layer, t.Name, wkb, b.Min.Lat, b.Min.Lng, b.Max.Lat, b.Max.Lng, t.Priority, t.AssigneeID}, nil
}

func scanTerritory(s scanner) (accounts.Territory, error) {
	var t accounts.Territory
	var wkb []byte
	err := s.Scan(&t.ID, &t.Version, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}, &t.Layer, &t.Name, &wkb,
		&t.Priority, &t.AssigneeID)
	if err != nil || wkb == nil {
		return t, err
	}
	t.Geometry, err = geo.AreaFromWKB(wkb)
	return t, err
}

// CreateTerritory stores a new territory.
func (db *DB) CreateTerritory(ctx context.Context, t accounts.Territory) (accounts.Territory, error) {
	out, err := db.CreateTerritories(ctx, []accounts.Territory{t})
	if err != nil {
		return accounts.Territory{}, err
	}
	return out[0], nil
}

// CreateTerritories stores new territories, all or none, and reassigns
// the accounts of each once all are in.
func (db *DB) CreateTerritories(ctx context.Context, ts []accounts.Territory) ([]accounts.Territory, error) {
	out := slices.Clone(ts)
	rows := make([][]any, len(out))
	for i := range out {
		values, err := territoryValues(&out[i])
		if err != nil {
			return nil, err
		}
		rows[i] = values
	}
	err := db.insertWith(ctx, insertTerritory, accounts.EntityTerritory, rows, nil,
		func(i int, m accounts.Meta) { out[i].Meta = m }, hooks{after: func(tx *sql.Tx, at time.Time) error {
			for _, t := range out {
				if err := accounts.ReassignTerritory(ctx, assignTx{tx, at}, accounts.Territory{}, t); err != nil {
					return err
				}
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetTerritory returns the territory with id.
func (db *DB) GetTerritory(ctx context.Context, id int64) (accounts.Territory, error) {
	return get(ctx, db.db, scanTerritory, accounts.EntityTerritory, id, selectTerritory+` WHERE id = ?`, id)
}

// UpdateTerritory replaces the fields of territory t.ID.
func (db *DB) UpdateTerritory(ctx context.Context, t accounts.Territory, version int64) (accounts.Territory, error) {
	values, err := territoryValues(&t)
	if err != nil {
		return accounts.Territory{}, err
	}
	var before accounts.Territory
	h := hooks{
		before: func(tx *sql.Tx, _ time.Time) error {
			var err error
			before, err = get(ctx, tx, scanTerritory, accounts.EntityTerritory, t.ID, selectTerritory+` WHERE id = ?`, t.ID)
			if isNotFound(err) {
				return nil // the update reports it
			}
			return err
		},
		after: func(tx *sql.Tx, at time.Time) error {
			return accounts.ReassignTerritory(ctx, assignTx{tx, at}, before, t)
		},
	}
	if err := db.updateWith(ctx, updateTerritory, "territories", accounts.EntityTerritory, values, &t.Meta, version, h); err != nil {
		return accounts.Territory{}, err
	}
	return t, nil
}

// DeleteTerritory deletes a territory.
func (db *DB) DeleteTerritory(ctx context.Context, id, version int64) error {
	var before accounts.Territory
	return db.removeWith(ctx, "territories", accounts.EntityTerritory, id, version, hooks{
		before: func(tx *sql.Tx, _ time.Time) error {
			var err error
			before, err = get(ctx, tx, scanTerritory, accounts.EntityTerritory, id, selectTerritory+` WHERE id = ?`, id)
			if isNotFound(err) {
				return nil // the delete reports it
			}
			return err
		},
		after: func(tx *sql.Tx, at time.Time) error {
			return accounts.ReassignTerritory(ctx, assignTx{tx, at}, before, accounts.Territory{})
		},
	})
}

// ListTerritories returns one page of territories.
func (db *DB) ListTerritories(ctx context.Context, f accounts.TerritoryFilter) ([]accounts.Territory, error) {
	var w where
	if f.Layer != "" {
		w.add(`layer = ?`, f.Layer)
	}
	if f.AssigneeID != 0 {
		w.add(`assignee_id = ?`, f.AssigneeID)
	}
	q, args := w.query(selectTerritory, f.Page)
	return list(ctx, db.db, scanTerritory, q, args...)
}

func isNotFound(err error) bool { return errors.Is(err, accounts.ErrNotFound) }
