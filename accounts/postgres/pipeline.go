package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tournee/tournee/accounts"
)

func scanStage(row scanner) (accounts.Stage, error) {
	var s accounts.Stage
	err := row.Scan(&s.ID, &s.Name, &s.Position, &s.Probability)
	return s, err
}

func (db *DB) CreateStage(ctx context.Context, s accounts.Stage) (accounts.Stage, error) {
	const q = `INSERT INTO stages (name, position, probability) VALUES ($1, $2, $3)
RETURNING id, name, position, probability`
	var out accounts.Stage
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		var err error
		if out, err = scanStage(tx.QueryRow(ctx, q, s.Name, s.Position, s.Probability)); err != nil {
			return err
		}
		return logChanges(ctx, tx, db.now(), accounts.EntityStage, accounts.OpCreate, out.ID)
	})
	return out, err
}

// UpdateStage replaces a stage; stages carry no version.
func (db *DB) UpdateStage(ctx context.Context, s accounts.Stage) (accounts.Stage, error) {
	const q = `UPDATE stages SET name = $2, position = $3, probability = $4 WHERE id = $1
RETURNING id, name, position, probability`
	var out accounts.Stage
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		var err error
		out, err = scanStage(tx.QueryRow(ctx, q, s.ID, s.Name, s.Position, s.Probability))
		if errors.Is(err, pgx.ErrNoRows) {
			return accounts.NotFound(accounts.EntityStage, s.ID)
		}
		if err != nil {
			return err
		}
		return logChanges(ctx, tx, db.now(), accounts.EntityStage, accounts.OpUpdate, out.ID)
	})
	return out, err
}

// DeleteStage fails with ErrConflict while opportunities use the stage
// (the foreign key says so).
func (db *DB) DeleteStage(ctx context.Context, id int64) error {
	return db.write(ctx, true, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM stages WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return accounts.NotFound(accounts.EntityStage, id)
		}
		return logChanges(ctx, tx, db.now(), accounts.EntityStage, accounts.OpDelete, id)
	})
}

func (db *DB) ListStages(ctx context.Context) ([]accounts.Stage, error) {
	return list(ctx, db, scanStage, `SELECT id, name, position, probability FROM stages ORDER BY position, id`)
}

const opportunityColumns = `id, version, created_at, updated_at, account_id, name, stage_id, amount_cents,
    expected_close, owner_id, status`

func scanOpportunity(row scanner) (accounts.Opportunity, error) {
	var o accounts.Opportunity
	var expectedClose pgtype.Date
	err := row.Scan(&o.ID, &o.Version, &o.CreatedAt, &o.UpdatedAt, &o.AccountID, &o.Name, &o.StageID,
		&o.AmountCents, &expectedClose, &o.OwnerID, &o.Status)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	o.ExpectedClose = date(expectedClose)
	return o, err
}

func opportunityArgs(o accounts.Opportunity) ([]any, error) {
	expectedClose, err := dateArg("expected_close", o.ExpectedClose)
	if err != nil {
		return nil, err
	}
	return []any{o.AccountID, o.Name, o.StageID, o.AmountCents, expectedClose, o.OwnerID, string(o.Status)}, nil
}

func (db *DB) CreateOpportunity(ctx context.Context, o accounts.Opportunity) (accounts.Opportunity, error) {
	const q = `INSERT INTO opportunities (created_at, updated_at, version, account_id, name, stage_id,
    amount_cents, expected_close, owner_id, status)
VALUES ($1, $1, 1, $2, $3, $4, $5, $6, $7, $8)
RETURNING ` + opportunityColumns
	args, err := opportunityArgs(o)
	if err != nil {
		return accounts.Opportunity{}, err
	}
	return insertOne(ctx, db, accounts.EntityOpportunity, q, scanOpportunity, args)
}

func (db *DB) GetOpportunity(ctx context.Context, id int64) (accounts.Opportunity, error) {
	return get(ctx, db, scanOpportunity, accounts.EntityOpportunity, id,
		`SELECT `+opportunityColumns+` FROM opportunities WHERE id = $1`)
}

func (db *DB) UpdateOpportunity(ctx context.Context, o accounts.Opportunity, version int64) (accounts.Opportunity, error) {
	const q = `UPDATE opportunities SET version = version + 1, updated_at = $1, account_id = $4, name = $5,
    stage_id = $6, amount_cents = $7, expected_close = $8, owner_id = $9, status = $10
WHERE id = $2 AND ($3 = 0 OR version = $3)
RETURNING ` + opportunityColumns
	args, err := opportunityArgs(o)
	if err != nil {
		return accounts.Opportunity{}, err
	}
	return updateOne(ctx, db, "opportunities", accounts.EntityOpportunity, q, scanOpportunity, o.ID, version, args)
}

func (db *DB) DeleteOpportunity(ctx context.Context, id, version int64) error {
	return db.deleteVersioned(ctx, "opportunities", accounts.EntityOpportunity, id, version)
}

func (db *DB) ListOpportunities(ctx context.Context, f accounts.OpportunityFilter) ([]accounts.Opportunity, error) {
	w := newWhere(f.Page)
	w.addID("account_id = ?", f.AccountID)
	w.addID("owner_id = ?", f.OwnerID)
	w.addID("stage_id = ?", f.StageID)
	w.addString("status = ?", string(f.Status))
	w.addSince(f.UpdatedSince)
	q, args := w.query(`SELECT `+opportunityColumns+` FROM opportunities`, f.Page)
	return list(ctx, db, scanOpportunity, q, args...)
}
