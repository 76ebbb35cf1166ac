package sqlite

import (
	"context"
	"database/sql"

	"github.com/tournee/tournee/accounts"
)

func scanStage(s scanner) (accounts.Stage, error) {
	var st accounts.Stage
	err := s.Scan(&st.ID, &st.Name, &st.Position, &st.Probability)
	return st, err
}

// CreateStage adds a stage to the pipeline.
func (db *DB) CreateStage(ctx context.Context, st accounts.Stage) (accounts.Stage, error) {
	at := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO stages (name, position, probability) VALUES (?, ?, ?)`,
			st.Name, st.Position, st.Probability)
		if err != nil {
			return writeError(err)
		}
		if st.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return logChange(ctx, tx, accounts.EntityStage, st.ID, accounts.OpCreate, at)
	})
	if err != nil {
		return accounts.Stage{}, err
	}
	return st, nil
}

// UpdateStage replaces the fields of stage st.ID. Stages carry no version:
// only admins edit the pipeline, and rarely.
func (db *DB) UpdateStage(ctx context.Context, st accounts.Stage) (accounts.Stage, error) {
	at := db.now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE stages SET name = ?, position = ?, probability = ? WHERE id = ?`,
			st.Name, st.Position, st.Probability, st.ID)
		if err != nil {
			return writeError(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return accounts.NotFound(accounts.EntityStage, st.ID)
		}
		return logChange(ctx, tx, accounts.EntityStage, st.ID, accounts.OpUpdate, at)
	})
	if err != nil {
		return accounts.Stage{}, err
	}
	return st, nil
}

// DeleteStage deletes a stage that no opportunity is at.
func (db *DB) DeleteStage(ctx context.Context, id int64) error {
	at := db.now()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM stages WHERE id = ?`, id)
		if err != nil {
			return deleteError(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return accounts.NotFound(accounts.EntityStage, id)
		}
		return logChange(ctx, tx, accounts.EntityStage, id, accounts.OpDelete, at)
	})
}

// ListStages returns the pipeline ordered by position, then id.
func (db *DB) ListStages(ctx context.Context) ([]accounts.Stage, error) {
	return list(ctx, db.db, scanStage, `SELECT id, name, position, probability FROM stages ORDER BY position, id`)
}

// opportunityCols are the columns an opportunity write sets, in the order
// of opportunityValues.
const opportunityCols = `account_id, name, stage_id, amount_cents, expected_close, owner_id, status`

const selectOpportunity = `SELECT id, version, created_at, updated_at, account_id, name, stage_id, amount_cents,
	expected_close, owner_id, status
	FROM opportunities`

var (
	insertOpportunity = insertSQL("opportunities", opportunityCols)
	updateOpportunity = updateSQL("opportunities", opportunityCols)
)

func opportunityValues(o *accounts.Opportunity) []any {
	return []any{o.AccountID, o.Name, o.StageID, o.AmountCents, o.ExpectedClose, o.OwnerID, o.Status}
}

func scanOpportunity(s scanner) (accounts.Opportunity, error) {
	var o accounts.Opportunity
	err := s.Scan(&o.ID, &o.Version, timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt}, &o.AccountID, &o.Name, &o.StageID,
		&o.AmountCents, &o.ExpectedClose, &o.OwnerID, &o.Status)
	return o, err
}

// CreateOpportunity stores a new opportunity.
func (db *DB) CreateOpportunity(ctx context.Context, o accounts.Opportunity) (accounts.Opportunity, error) {
	err := db.insert(ctx, insertOpportunity, accounts.EntityOpportunity, [][]any{opportunityValues(&o)},
		func(_ int, m accounts.Meta) { o.Meta = m })
	if err != nil {
		return accounts.Opportunity{}, err
	}
	return o, nil
}

// GetOpportunity returns the opportunity with id.
func (db *DB) GetOpportunity(ctx context.Context, id int64) (accounts.Opportunity, error) {
	return get(ctx, db.db, scanOpportunity, accounts.EntityOpportunity, id, selectOpportunity+` WHERE id = ?`, id)
}

// UpdateOpportunity replaces the fields of opportunity o.ID.
func (db *DB) UpdateOpportunity(ctx context.Context, o accounts.Opportunity, version int64) (accounts.Opportunity, error) {
	err := db.update(ctx, updateOpportunity, "opportunities", accounts.EntityOpportunity, opportunityValues(&o), &o.Meta, version)
	if err != nil {
		return accounts.Opportunity{}, err
	}
	return o, nil
}

// DeleteOpportunity deletes an opportunity.
func (db *DB) DeleteOpportunity(ctx context.Context, id, version int64) error {
	return db.remove(ctx, "opportunities", accounts.EntityOpportunity, id, version, nil)
}

// ListOpportunities returns one page of opportunities.
func (db *DB) ListOpportunities(ctx context.Context, f accounts.OpportunityFilter) ([]accounts.Opportunity, error) {
	var w where
	if f.AccountID != 0 {
		w.add(`account_id = ?`, f.AccountID)
	}
	if f.OwnerID != 0 {
		w.add(`owner_id = ?`, f.OwnerID)
	}
	if f.StageID != 0 {
		w.add(`stage_id = ?`, f.StageID)
	}
	if f.Status != "" {
		w.add(`status = ?`, f.Status)
	}
	if !f.UpdatedSince.IsZero() {
		w.add(`updated_at >= ?`, formatTime(f.UpdatedSince))
	}
	q, args := w.query(selectOpportunity, f.Page)
	return list(ctx, db.db, scanOpportunity, q, args...)
}
