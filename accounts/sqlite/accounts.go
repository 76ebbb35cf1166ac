package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tournee/tournee/accounts"
)

// accountCols are the columns an account write sets, in the order of
// accountValues.
const accountCols = `kind, name, name_lower, legal_id, street, postal_code, city, country, lat, lng,
	potential_cents, segment, tags, opening_hours, visit_duration_ns, qual_size, qual_sector,
	qualified_at, custom, owner_id`

const selectAccount = `SELECT id, version, created_at, updated_at, kind, name, legal_id,
	street, postal_code, city, country, lat, lng, potential_cents, segment, tags, opening_hours,
	visit_duration_ns, qual_size, qual_sector, qualified_at, custom, owner_id, last_visit_at,
	rule_score, ` + selectAssignees + `
	FROM accounts`

var (
	insertAccount = insertSQL("accounts", accountCols)
	// An update returns the derived columns too: the argument's are ignored.
	updateAccount = updateSQL("accounts", accountCols) + `, last_visit_at, rule_score`
)

// accountValues returns the values of accountCols and sets a's fields as a
// read will return them.
func accountValues(a *accounts.Account) ([]any, error) {
	tags, backTags, err := toJSON(nonNil(a.Tags))
	if err != nil {
		return nil, err
	}
	a.Tags = nonNil(backTags)
	// Most imported accounts have no hours: skip encoding them one by one.
	hours := "{}"
	if a.OpeningHours.Known() {
		if hours, a.OpeningHours, err = toJSON(a.OpeningHours); err != nil {
			return nil, err
		}
	} else {
		a.OpeningHours = accounts.OpeningHours{}
	}
	// An empty Custom is stored as NULL and read back as nil.
	var custom any
	if len(a.Custom) == 0 {
		a.Custom = nil
	} else {
		var s string
		if s, a.Custom, err = toJSON(a.Custom); err != nil {
			return nil, err
		}
		custom = s
	}
	return []any{a.Kind, a.Name, strings.ToLower(a.Name), a.LegalID, a.Address.Street, a.Address.PostalCode,
		a.Address.City, a.Address.Country, a.Lat, a.Lng, a.PotentialCents, a.Segment, tags, hours,
		int64(a.VisitDuration), a.Qualification.Size, a.Qualification.Sector, a.Qualification.QualifiedAt,
		custom, a.OwnerID}, nil
}

func scanAccount(s scanner) (accounts.Account, error) {
	var a accounts.Account
	err := s.Scan(&a.ID, &a.Version, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}, &a.Kind, &a.Name, &a.LegalID,
		&a.Address.Street, &a.Address.PostalCode, &a.Address.City, &a.Address.Country, &a.Lat, &a.Lng,
		&a.PotentialCents, &a.Segment, jsonCol{&a.Tags}, jsonCol{&a.OpeningHours}, &a.VisitDuration,
		&a.Qualification.Size, &a.Qualification.Sector, &a.Qualification.QualifiedAt, jsonCol{&a.Custom}, &a.OwnerID,
		nullTimeCol{&a.LastVisitAt}, ruleScoreCol{&a.RuleScore}, jsonCol{&a.Assignees})
	a.Tags = nonNil(a.Tags)
	if len(a.Assignees) == 0 {
		a.Assignees = nil
	}
	if len(a.Custom) == 0 {
		a.Custom = nil
	}
	return a, err
}

// CreateAccount stores a new account; its Meta is the store's.
func (db *DB) CreateAccount(ctx context.Context, a accounts.Account) (accounts.Account, error) {
	a.Meta = accounts.Meta{}
	as, err := db.CreateAccounts(ctx, []accounts.Account{a})
	if err != nil {
		return accounts.Account{}, err
	}
	return as[0], nil
}

// CreateAccounts stores all of as in one transaction, or none of them,
// keeping the CreatedAt of each that has one. An error names the index of
// the account at fault when there are several.
func (db *DB) CreateAccounts(ctx context.Context, as []accounts.Account) ([]accounts.Account, error) {
	out := make([]accounts.Account, len(as))
	rows := make([][]any, len(as))
	created := make([]time.Time, len(as))
	for i := range as {
		out[i] = as[i]
		out[i].LastVisitAt = nil // a new account has no visit
		out[i].Assignees = nil
		out[i].RuleScore = nil // no rule has scored it yet
		created[i] = as[i].CreatedAt
		values, err := accountValues(&out[i])
		if err != nil {
			return nil, err
		}
		rows[i] = values
	}
	err := db.insertWith(ctx, insertAccount, accounts.EntityAccount, rows, created,
		func(i int, m accounts.Meta) { out[i].Meta = m }, hooks{after: func(tx *sql.Tx, at time.Time) error {
			return assignAccounts(ctx, assignTx{tx, at}, out, true)
		}})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetAccount returns the account with id.
func (db *DB) GetAccount(ctx context.Context, id int64) (accounts.Account, error) {
	return get(ctx, db.db, scanAccount, accounts.EntityAccount, id, selectAccount+` WHERE id = ?`, id)
}

// UpdateAccount replaces the fields of account a.ID.
func (db *DB) UpdateAccount(ctx context.Context, a accounts.Account, version int64) (accounts.Account, error) {
	values, err := accountValues(&a)
	if err != nil {
		return accounts.Account{}, err
	}
	err = db.updateWith(ctx, updateAccount, "accounts", accounts.EntityAccount, values, &a.Meta, version,
		hooks{after: func(tx *sql.Tx, at time.Time) error {
			one := []accounts.Account{a}
			err := assignAccounts(ctx, assignTx{tx, at}, one, false)
			a.Assignees = one[0].Assignees
			return err
		}}, nullTimeCol{&a.LastVisitAt}, ruleScoreCol{&a.RuleScore})
	if err != nil {
		return accounts.Account{}, err
	}
	return a, nil
}

// AccountsByID returns the accounts with ids, in the order of ids, once per
// occurrence, skipping unknown ids. The ids travel as one JSON array, so
// that the statement is the same whatever their number.
func (db *DB) AccountsByID(ctx context.Context, ids []int64) ([]accounts.Account, error) {
	if len(ids) > accounts.MaxAccountsByID {
		return nil, fmt.Errorf("%w: at most %d account ids at once, got %d", accounts.ErrInvalid, accounts.MaxAccountsByID, len(ids))
	}
	if len(ids) == 0 {
		return []accounts.Account{}, nil
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return list(ctx, db.db, scanAccount,
		selectAccount+` JOIN (SELECT key AS n, value AS want FROM json_each(?)) ON id = want ORDER BY n`, string(b))
}

// logCascade records in the change feed the records that deleting an
// account removes with it, so that offline clients drop them too.
const logCascade = `
INSERT INTO changes (entity, entity_id, op, at, actor_id)
	SELECT 'contact', id, 'delete', ?1, ?2 FROM contacts WHERE account_id = ?3
	UNION ALL SELECT 'opportunity', id, 'delete', ?1, ?2 FROM opportunities WHERE account_id = ?3
	UNION ALL SELECT 'revenue', ?3, 'delete', ?1, ?2 WHERE EXISTS (SELECT 1 FROM revenue WHERE account_id = ?3)`

// DeleteAccount deletes an account with its revenue, contacts and
// opportunities. Activities and tasks are history and plans that must not
// vanish with it: while any refers to the account, the delete is a conflict.
func (db *DB) DeleteAccount(ctx context.Context, id, version int64) error {
	return db.remove(ctx, "accounts", accounts.EntityAccount, id, version, func(tx *sql.Tx, at time.Time) error {
		_, err := tx.ExecContext(ctx, logCascade, formatTime(at), accounts.ActorFrom(ctx), id)
		return err
	})
}

// ListAccounts returns one page of accounts.
func (db *DB) ListAccounts(ctx context.Context, f accounts.AccountFilter) ([]accounts.Account, error) {
	var w where
	if f.Kind != "" {
		w.add(`kind = ?`, f.Kind)
	}
	if f.OwnerID != 0 {
		w.add(`owner_id = ?`, f.OwnerID)
	}
	if f.Tag != "" {
		w.add(`EXISTS (SELECT 1 FROM json_each(accounts.tags) WHERE value = ?)`, f.Tag)
	}
	if f.Segment != "" {
		w.add(`segment = ?`, f.Segment)
	}
	if f.NamePrefix != "" {
		// A range on name_lower uses its index, and unlike LIKE it needs no
		// escaping of % and _ in what the user typed.
		lo := strings.ToLower(f.NamePrefix)
		w.add(`name_lower >= ? AND name_lower < ?`, lo, prefixEnd(lo))
	}
	if !f.UpdatedSince.IsZero() {
		w.add(`updated_at >= ?`, formatTime(f.UpdatedSince))
	}
	if f.Visible != nil {
		cond, args, err := visibleCond(f.Visible)
		if err != nil {
			return nil, err
		}
		w.add(cond, args...)
	}
	q, args := w.query(selectAccount, f.Page)
	return list(ctx, db.db, scanAccount, q, args...)
}

// The parts of visibleCond. The users travel as one JSON array, so that the
// statement is the same whatever their number. The EXISTS is a search of
// account_assignments_user_id, which holds account_id too (the table is
// WITHOUT ROWID), for each account of the page's rowid range.
const (
	visibleOwner    = `owner_id IN (SELECT value FROM json_each(?))`
	visibleAssignee = `EXISTS (SELECT 1 FROM account_assignments aa
		WHERE aa.account_id = accounts.id AND aa.user_id IN (SELECT value FROM json_each(?)))`
	visibleProspect = `(owner_id IS NULL AND kind = 'prospect')`
)

// visibleCond returns the condition of accounts.Visibility v and its
// arguments: no users and no prospects match nothing.
func visibleCond(v *accounts.Visibility) (string, []any, error) {
	var ors []string
	var args []any
	if len(v.Users) > 0 {
		b, err := json.Marshal(v.Users)
		if err != nil {
			return "", nil, err
		}
		ors = append(ors, visibleOwner, visibleAssignee)
		args = append(args, string(b), string(b))
	}
	if v.Prospects {
		ors = append(ors, visibleProspect)
	}
	if len(ors) == 0 {
		return `FALSE`, nil, nil
	}
	return `(` + strings.Join(ors, ` OR `) + `)`, args, nil
}

// prefixEnd returns the least string greater than every string that starts
// with p, in SQLite's bytewise text order. UTF-8 never uses the byte 0xFF, so
// the last byte can always be incremented.
func prefixEnd(p string) string {
	b := []byte(p)
	b[len(b)-1]++
	return string(b)
}

const upsertRevenue = `INSERT INTO revenue (account_id, month, amount_cents) VALUES (?, ?, ?)
	ON CONFLICT (account_id, month) DO UPDATE SET amount_cents = excluded.amount_cents`

// PutRevenue inserts or replaces each (account, month) amount, all or none,
// and logs one change per account.
func (db *DB) PutRevenue(ctx context.Context, rs []accounts.Revenue) error {
	if len(rs) == 0 {
		return nil
	}
	at := db.now()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		put, err := tx.PrepareContext(ctx, upsertRevenue)
		if err != nil {
			return err
		}
		defer put.Close()
		var ids []int64
		seen := map[int64]bool{}
		for _, r := range rs {
			if _, err := put.ExecContext(ctx, r.AccountID, r.Month, r.AmountCents); err != nil {
				return writeError(err)
			}
			if !seen[r.AccountID] {
				seen[r.AccountID] = true
				ids = append(ids, r.AccountID)
			}
		}
		for _, id := range ids {
			if err := logChange(ctx, tx, accounts.EntityRevenue, id, accounts.OpUpdate, at); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListRevenue returns an account's months in ascending order.
func (db *DB) ListRevenue(ctx context.Context, accountID int64) ([]accounts.Revenue, error) {
	return list(ctx, db.db, func(s scanner) (accounts.Revenue, error) {
		var r accounts.Revenue
		err := s.Scan(&r.AccountID, &r.Month, &r.AmountCents)
		return r, err
	}, `SELECT account_id, month, amount_cents FROM revenue WHERE account_id = ? ORDER BY month`, accountID)
}

// assignAccounts computes the assignments of as, just created (fresh) or
// updated, and sets their Assignees.
func assignAccounts(ctx context.Context, tx accounts.AssignTx, as []accounts.Account, fresh bool) error {
	ls := make([]accounts.Located, len(as))
	for i, a := range as {
		ls[i] = accounts.Located{ID: a.ID, Point: a.Point}
	}
	got, err := accounts.ReassignAccounts(ctx, tx, ls, fresh)
	if err != nil {
		return err
	}
	for i := range as {
		as[i].Assignees = got[i]
	}
	return nil
}
