package sqlite

import (
	"context"

	"github.com/tournee/tournee/accounts"
)

// contactCols are the columns a contact write sets, in the order of
// contactValues.
const contactCols = `account_id, name, title, email, phone, notes, dates`

const selectContact = `SELECT id, version, created_at, updated_at, account_id, name, title, email, phone, notes, dates
	FROM contacts`

var (
	insertContact = insertSQL("contacts", contactCols)
	updateContact = updateSQL("contacts", contactCols)
)

// contactValues returns the values of contactCols and sets c's fields as a
// read will return them.
func contactValues(c *accounts.Contact) ([]any, error) {
	dates, back, err := toJSON(nonNil(c.Dates))
	if err != nil {
		return nil, err
	}
	c.Dates = nonNil(back)
	return []any{c.AccountID, c.Name, c.Title, c.Email, c.Phone, c.Notes, dates}, nil
}

func scanContact(s scanner) (accounts.Contact, error) {
	var c accounts.Contact
	err := s.Scan(&c.ID, &c.Version, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, &c.AccountID, &c.Name, &c.Title,
		&c.Email, &c.Phone, &c.Notes, jsonCol{&c.Dates})
	c.Dates = nonNil(c.Dates)
	return c, err
}

// CreateContact stores a new contact.
func (db *DB) CreateContact(ctx context.Context, c accounts.Contact) (accounts.Contact, error) {
	cs, err := db.CreateContacts(ctx, []accounts.Contact{c})
	if err != nil {
		return accounts.Contact{}, err
	}
	return cs[0], nil
}

// CreateContacts stores all of cs in one transaction, or none of them.
func (db *DB) CreateContacts(ctx context.Context, cs []accounts.Contact) ([]accounts.Contact, error) {
	out := make([]accounts.Contact, len(cs))
	rows := make([][]any, len(cs))
	for i := range cs {
		out[i] = cs[i]
		values, err := contactValues(&out[i])
		if err != nil {
			return nil, err
		}
		rows[i] = values
	}
	err := db.insert(ctx, insertContact, accounts.EntityContact, rows, func(i int, m accounts.Meta) { out[i].Meta = m })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetContact returns the contact with id.
func (db *DB) GetContact(ctx context.Context, id int64) (accounts.Contact, error) {
	return get(ctx, db.db, scanContact, accounts.EntityContact, id, selectContact+` WHERE id = ?`, id)
}

// UpdateContact replaces the fields of contact c.ID.
func (db *DB) UpdateContact(ctx context.Context, c accounts.Contact, version int64) (accounts.Contact, error) {
	values, err := contactValues(&c)
	if err != nil {
		return accounts.Contact{}, err
	}
	if err := db.update(ctx, updateContact, "contacts", accounts.EntityContact, values, &c.Meta, version); err != nil {
		return accounts.Contact{}, err
	}
	return c, nil
}

// DeleteContact deletes a contact.
func (db *DB) DeleteContact(ctx context.Context, id, version int64) error {
	return db.remove(ctx, "contacts", accounts.EntityContact, id, version, nil)
}

// ListContacts returns one page of contacts.
func (db *DB) ListContacts(ctx context.Context, f accounts.ContactFilter) ([]accounts.Contact, error) {
	var w where
	if f.AccountID != 0 {
		w.add(`account_id = ?`, f.AccountID)
	}
	if !f.UpdatedSince.IsZero() {
		w.add(`updated_at >= ?`, formatTime(f.UpdatedSince))
	}
	q, args := w.query(selectContact, f.Page)
	return list(ctx, db.db, scanContact, q, args...)
}
