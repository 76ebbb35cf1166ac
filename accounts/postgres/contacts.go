package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/accounts"
)

const contactColumns = `id, version, created_at, updated_at, account_id, name, title, email, phone, notes, dates`

var contactWriteColumns = []string{"account_id", "name", "title", "email", "phone", "notes", "dates"}

func scanContact(row scanner) (accounts.Contact, error) {
	var c accounts.Contact
	var dates []byte
	err := row.Scan(&c.ID, &c.Version, &c.CreatedAt, &c.UpdatedAt, &c.AccountID, &c.Name, &c.Title,
		&c.Email, &c.Phone, &c.Notes, &dates)
	if err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.Dates, err = decodeDates(dates)
	return c, err
}

func decodeDates(b []byte) ([]accounts.KeyDate, error) {
	var dates []accounts.KeyDate
	if err := json.Unmarshal(b, &dates); err != nil {
		return nil, err
	}
	if dates == nil {
		dates = []accounts.KeyDate{}
	}
	return dates, nil
}

// contactArgs returns the values of contactWriteColumns for c, and c as the
// store will read it back (Meta aside).
func contactArgs(c accounts.Contact) ([]any, accounts.Contact, error) {
	if c.Dates == nil {
		c.Dates = []accounts.KeyDate{}
	}
	dates, err := json.Marshal(c.Dates)
	if err != nil {
		return nil, c, err
	}
	if c.Dates, err = decodeDates(dates); err != nil {
		return nil, c, err
	}
	return []any{c.AccountID, c.Name, c.Title, c.Email, c.Phone, c.Notes, dates}, c, nil
}

func (db *DB) CreateContact(ctx context.Context, c accounts.Contact) (accounts.Contact, error) {
	const q = `INSERT INTO contacts (created_at, updated_at, version, account_id, name, title, email, phone, notes, dates)
VALUES ($1, $1, 1, $2, $3, $4, $5, $6, $7, $8)
RETURNING ` + contactColumns
	args, _, err := contactArgs(c)
	if err != nil {
		return accounts.Contact{}, err
	}
	return insertOne(ctx, db, accounts.EntityContact, q, scanContact, args)
}

// CreateContacts inserts all of cs or none of them, with COPY as
// CreateAccounts does.
func (db *DB) CreateContacts(ctx context.Context, cs []accounts.Contact) ([]accounts.Contact, error) {
	now := db.now()
	out := make([]accounts.Contact, len(cs))
	rows := make([][]any, len(cs))
	for i, c := range cs {
		args, norm, err := contactArgs(c)
		if err != nil {
			return nil, fmt.Errorf("contact %d: %w", i, err)
		}
		norm.Meta = accounts.Meta{Version: 1, CreatedAt: now, UpdatedAt: now}
		out[i] = norm
		rows[i] = append([]any{nil, int64(1), now, now}, args...)
	}
	if len(cs) == 0 {
		return out, nil
	}
	columns := append([]string{"id", "version", "created_at", "updated_at"}, contactWriteColumns...)
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		ids, err := nextIDs(ctx, tx, "contacts", len(cs))
		if err != nil {
			return err
		}
		for i, id := range ids {
			rows[i][0] = id
			out[i].ID = id
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"contacts"}, columns, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		return logChanges(ctx, tx, now, accounts.EntityContact, accounts.OpCreate, ids...)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (db *DB) GetContact(ctx context.Context, id int64) (accounts.Contact, error) {
	return get(ctx, db, scanContact, accounts.EntityContact, id, `SELECT `+contactColumns+` FROM contacts WHERE id = $1`)
}

func (db *DB) UpdateContact(ctx context.Context, c accounts.Contact, version int64) (accounts.Contact, error) {
	const q = `UPDATE contacts SET version = version + 1, updated_at = $1, account_id = $4, name = $5,
    title = $6, email = $7, phone = $8, notes = $9, dates = $10
WHERE id = $2 AND ($3 = 0 OR version = $3)
RETURNING ` + contactColumns
	args, _, err := contactArgs(c)
	if err != nil {
		return accounts.Contact{}, err
	}
	return updateOne(ctx, db, "contacts", accounts.EntityContact, q, scanContact, c.ID, version, args)
}

func (db *DB) DeleteContact(ctx context.Context, id, version int64) error {
	return db.deleteVersioned(ctx, "contacts", accounts.EntityContact, id, version)
}

func (db *DB) ListContacts(ctx context.Context, f accounts.ContactFilter) ([]accounts.Contact, error) {
	w := newWhere(f.Page)
	w.addID("account_id = ?", f.AccountID)
	w.addSince(f.UpdatedSince)
	q, args := w.query(`SELECT `+contactColumns+` FROM contacts`, f.Page)
	return list(ctx, db, scanContact, q, args...)
}
