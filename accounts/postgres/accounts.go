package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tournee/tournee/accounts"
)

const accountColumns = `id, version, created_at, updated_at, kind, name, legal_id, street, postal_code,
    city, country, lat, lng, potential_cents, segment, tags, opening_hours, visit_duration_ns,
    qual_size, qual_sector, qualified_at, custom, owner_id, last_visit_at, rule_score, ` + selectAssignees

// accountWriteColumns are the columns set from an Account's fields, in the
// order accountArgs gives their values.
var accountWriteColumns = []string{"kind", "name", "legal_id", "street", "postal_code",
	"city", "country", "lat", "lng", "potential_cents", "segment", "tags", "opening_hours", "visit_duration_ns",
	"qual_size", "qual_sector", "qualified_at", "custom", "owner_id"}

func scanAccount(row scanner) (accounts.Account, error) {
	var a accounts.Account
	var hours, custom, ruleScore, assignees []byte
	var qualifiedAt pgtype.Date
	var visitNs int64
	err := row.Scan(&a.ID, &a.Version, &a.CreatedAt, &a.UpdatedAt, &a.Kind, &a.Name, &a.LegalID,
		&a.Address.Street, &a.Address.PostalCode, &a.Address.City, &a.Address.Country, &a.Lat, &a.Lng,
		&a.PotentialCents, &a.Segment, &a.Tags, &hours, &visitNs,
		&a.Qualification.Size, &a.Qualification.Sector, &qualifiedAt, &custom, &a.OwnerID, &a.LastVisitAt, &ruleScore, &assignees)
	if err != nil {
		return a, err
	}
	if a.RuleScore, err = decodeRuleScore(ruleScore); err != nil {
		return a, err
	}
	if a.Assignees, err = decodeAssignees(assignees); err != nil {
		return a, err
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	if a.LastVisitAt != nil {
		t := a.LastVisitAt.UTC()
		a.LastVisitAt = &t
	}
	a.VisitDuration = time.Duration(visitNs)
	a.Qualification.QualifiedAt = optDate(qualifiedAt)
	if a.Tags == nil {
		a.Tags = []string{}
	}
	if a.OpeningHours, err = decodeHours(hours); err != nil {
		return a, err
	}
	a.Custom, err = decodeCustom(custom)
	return a, err
}

// accountArgs returns the values of accountWriteColumns for a, and a as the
// store will read it back (Meta aside), for writes that cannot use RETURNING.
func accountArgs(a accounts.Account) ([]any, accounts.Account, error) {
	if a.Tags == nil {
		a.Tags = []string{}
	}
	hours, err := json.Marshal(a.OpeningHours)
	if err != nil {
		return nil, a, err
	}
	custom, err := encodeCustom(a.Custom)
	if err != nil {
		return nil, a, err
	}
	qualifiedAt, err := optDateArg("qualification.qualified_at", a.Qualification.QualifiedAt)
	if err != nil {
		return nil, a, err
	}
	args := []any{string(a.Kind), a.Name, a.LegalID, a.Address.Street, a.Address.PostalCode,
		a.Address.City, a.Address.Country, a.Lat, a.Lng, a.PotentialCents, a.Segment, a.Tags, hours,
		int64(a.VisitDuration), a.Qualification.Size, a.Qualification.Sector, qualifiedAt, custom, a.OwnerID}

	if a.OpeningHours, err = decodeHours(hours); err != nil {
		return nil, a, err
	}
	if a.Custom, err = decodeCustom(custom); err != nil {
		return nil, a, err
	}
	a.Qualification.QualifiedAt = nil
	if t, ok := qualifiedAt.(time.Time); ok {
		d := accounts.DateOf(t)
		a.Qualification.QualifiedAt = &d
	}
	return args, a, nil
}

func (db *DB) CreateAccount(ctx context.Context, a accounts.Account) (accounts.Account, error) {
	const q = `INSERT INTO accounts (created_at, updated_at, version, kind, name, legal_id, street, postal_code,
    city, country, lat, lng, potential_cents, segment, tags, opening_hours, visit_duration_ns,
    qual_size, qual_sector, qualified_at, custom, owner_id)
VALUES ($1, $1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
RETURNING ` + accountColumns
	args, _, err := accountArgs(a)
	if err != nil {
		return accounts.Account{}, err
	}
	now := db.now()
	var out accounts.Account
	err = db.write(ctx, false, func(tx pgx.Tx) error {
		if err := lockAssignments(ctx, tx, false); err != nil {
			return err
		}
		var err error
		if out, err = scanAccount(tx.QueryRow(ctx, q, append([]any{now}, args...)...)); err != nil {
			return err
		}
		one := []accounts.Account{out}
		if err := assignAccounts(ctx, assignTx{tx, now}, one, true); err != nil {
			return err
		}
		out = one[0]
		return logChanges(ctx, tx, now, accounts.EntityAccount, accounts.OpCreate, out.ID)
	})
	return out, err
}

// CreateAccounts inserts all of as or none of them, keeping the CreatedAt
// of each that has one. It reserves the ids first, then sends the rows with
// COPY, the fastest way into PostgreSQL: 100,000 accounts take a few seconds.
func (db *DB) CreateAccounts(ctx context.Context, as []accounts.Account) ([]accounts.Account, error) {
	now := db.now()
	out := make([]accounts.Account, len(as))
	rows := make([][]any, len(as))
	for i, a := range as {
		args, norm, err := accountArgs(a)
		if err != nil {
			return nil, fmt.Errorf("account %d: %w", i, err)
		}
		created := now
		if !a.CreatedAt.IsZero() {
			created = ts(a.CreatedAt)
		}
		norm.Meta = accounts.Meta{Version: 1, CreatedAt: created, UpdatedAt: now}
		norm.LastVisitAt = nil // a new account has no visit
		norm.Assignees = nil
		norm.RuleScore = nil // no rule has scored it yet
		out[i] = norm
		rows[i] = append([]any{nil, int64(1), created, now}, args...)
	}
	if len(as) == 0 {
		return out, nil
	}
	columns := append([]string{"id", "version", "created_at", "updated_at"}, accountWriteColumns...)
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		ids, err := nextIDs(ctx, tx, "accounts", len(as))
		if err != nil {
			return err
		}
		for i, id := range ids {
			rows[i][0] = id
			out[i].ID = id
		}
		if err := lockAssignments(ctx, tx, false); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"accounts"}, columns, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		if err := assignAccounts(ctx, assignTx{tx, now}, out, true); err != nil {
			return err
		}
		return logChanges(ctx, tx, now, accounts.EntityAccount, accounts.OpCreate, ids...)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// nextIDs reserves n ids of table's identity column, in increasing order.
func nextIDs(ctx context.Context, tx pgx.Tx, table string, n int) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func (db *DB) GetAccount(ctx context.Context, id int64) (accounts.Account, error) {
	return get(ctx, db, scanAccount, accounts.EntityAccount, id, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`)
}

// AccountsByID returns the accounts with ids, in the order of ids, once per
// occurrence, skipping unknown ids.
func (db *DB) AccountsByID(ctx context.Context, ids []int64) ([]accounts.Account, error) {
	const q = `SELECT ` + accountColumns + ` FROM unnest($1::bigint[]) WITH ORDINALITY AS u (want, n)
JOIN accounts ON id = want ORDER BY n`
	if len(ids) > accounts.MaxAccountsByID {
		return nil, fmt.Errorf("%w: at most %d account ids at once, got %d", accounts.ErrInvalid, accounts.MaxAccountsByID, len(ids))
	}
	if len(ids) == 0 {
		return []accounts.Account{}, nil
	}
	return list(ctx, db, scanAccount, q, ids)
}

func (db *DB) UpdateAccount(ctx context.Context, a accounts.Account, version int64) (accounts.Account, error) {
	const q = `UPDATE accounts SET version = version + 1, updated_at = $1, kind = $4, name = $5, legal_id = $6,
    street = $7, postal_code = $8, city = $9, country = $10, lat = $11, lng = $12, potential_cents = $13,
    segment = $14, tags = $15, opening_hours = $16, visit_duration_ns = $17, qual_size = $18,
    qual_sector = $19, qualified_at = $20, custom = $21, owner_id = $22
WHERE id = $2 AND ($3 = 0 OR version = $3)
RETURNING ` + accountColumns
	args, _, err := accountArgs(a)
	if err != nil {
		return accounts.Account{}, err
	}
	now := db.now()
	var out accounts.Account
	err = db.write(ctx, false, func(tx pgx.Tx) error {
		if err := lockAssignments(ctx, tx, false); err != nil {
			return err
		}
		var err error
		out, err = scanAccount(tx.QueryRow(ctx, q, append([]any{now, a.ID, version}, args...)...))
		if errors.Is(err, pgx.ErrNoRows) {
			return stale(ctx, tx, "accounts", accounts.EntityAccount, a.ID, version)
		}
		if err != nil {
			return err
		}
		one := []accounts.Account{out}
		if err := assignAccounts(ctx, assignTx{tx, now}, one, false); err != nil {
			return err
		}
		out = one[0]
		return logChanges(ctx, tx, now, accounts.EntityAccount, accounts.OpUpdate, a.ID)
	})
	return out, err
}

// DeleteAccount deletes the account; its contacts, revenue and
// opportunities go with it (ON DELETE CASCADE) and the feed records each of
// them, so that offline clients drop them too. Activities and tasks are
// history and block the delete (ErrConflict).
func (db *DB) DeleteAccount(ctx context.Context, id, version int64) error {
	return db.write(ctx, true, func(tx pgx.Tx) error {
		// Locking the account first keeps a contact or opportunity from
		// being added between listing the dependents and deleting them:
		// their foreign-key check needs a lock that conflicts with this one.
		var contacts, opportunities []int64
		var revenue bool
		err := tx.QueryRow(ctx, `SELECT
	ARRAY(SELECT id FROM contacts WHERE account_id = $1 ORDER BY id),
	ARRAY(SELECT id FROM opportunities WHERE account_id = $1 ORDER BY id),
	EXISTS(SELECT 1 FROM revenue WHERE account_id = $1)
FROM accounts WHERE id = $1 FOR UPDATE`, id).Scan(&contacts, &opportunities, &revenue)
		if errors.Is(err, pgx.ErrNoRows) {
			return accounts.NotFound(accounts.EntityAccount, id)
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM accounts WHERE id = $1 AND ($2 = 0 OR version = $2)", id, version)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return stale(ctx, tx, "accounts", accounts.EntityAccount, id, version)
		}
		at := db.now()
		if revenue {
			if err := logChanges(ctx, tx, at, accounts.EntityRevenue, accounts.OpDelete, id); err != nil {
				return err
			}
		}
		if err := logChanges(ctx, tx, at, accounts.EntityContact, accounts.OpDelete, contacts...); err != nil {
			return err
		}
		if err := logChanges(ctx, tx, at, accounts.EntityOpportunity, accounts.OpDelete, opportunities...); err != nil {
			return err
		}
		return logChanges(ctx, tx, at, accounts.EntityAccount, accounts.OpDelete, id)
	})
}

func (db *DB) ListAccounts(ctx context.Context, f accounts.AccountFilter) ([]accounts.Account, error) {
	w := newWhere(f.Page)
	w.addString("kind = ?", string(f.Kind))
	w.addID("owner_id = ?", f.OwnerID)
	w.addString("tags @> ARRAY[?]::text[]", f.Tag) // @> can use the GIN index, = ANY cannot
	w.addString("segment = ?", f.Segment)
	if f.NamePrefix != "" {
		w.add("lower(name) LIKE lower(?)", likePrefix(f.NamePrefix))
	}
	w.addSince(f.UpdatedSince)
	if f.Visible != nil {
		addVisible(w, f.Visible)
	}
	q, args := w.query(`SELECT `+accountColumns+` FROM accounts`, f.Page)
	return list(ctx, db, scanAccount, q, args...)
}

// The parts of addVisible's condition; $u is the users, one int8 array.
// The planner turns the EXISTS into one hash per query of the account ids
// that the users are assigned, read through account_assignments_user_id,
// and keeps its ordered scan of accounts_pkey for the page.
const (
	visibleOwner    = `owner_id = ANY($u::int8[])`
	visibleAssignee = `EXISTS (SELECT 1 FROM account_assignments aa
		WHERE aa.account_id = accounts.id AND aa.user_id = ANY($u::int8[]))`
	visibleProspect = `(owner_id IS NULL AND kind = 'prospect')`
)

// addVisible adds the condition of accounts.Visibility v: no users and no
// prospects match nothing. The users are bound once and named twice, which
// where.add, one "?" for one argument, cannot say.
func addVisible(w *where, v *accounts.Visibility) {
	var ors []string
	if len(v.Users) > 0 {
		w.args = append(w.args, v.Users)
		u := "$" + strconv.Itoa(len(w.args))
		ors = append(ors, strings.ReplaceAll(visibleOwner, "$u", u), strings.ReplaceAll(visibleAssignee, "$u", u))
	}
	if v.Prospects {
		ors = append(ors, visibleProspect)
	}
	if len(ors) == 0 {
		ors = append(ors, "false")
	}
	w.conds = append(w.conds, "("+strings.Join(ors, " OR ")+")")
}

// PutRevenue upserts every (account, month) in one statement. When rs
// holds the same pair twice the last amount wins, as if written in order.
func (db *DB) PutRevenue(ctx context.Context, rs []accounts.Revenue) error {
	const q = `INSERT INTO revenue (account_id, month, amount_cents)
SELECT * FROM unnest($1::bigint[], $2::date[], $3::bigint[])
ON CONFLICT (account_id, month) DO UPDATE SET amount_cents = excluded.amount_cents`
	type key struct {
		account int64
		month   time.Time
	}
	index := map[key]int{}
	var ids, changed []int64
	var months []time.Time
	var amounts []int64
	for _, r := range rs {
		m, err := r.Month.Time()
		if err != nil {
			return fmt.Errorf("%w: month %q must be YYYY-MM", accounts.ErrInvalid, r.Month)
		}
		k := key{r.AccountID, m}
		if i, ok := index[k]; ok {
			amounts[i] = r.AmountCents
			continue
		}
		index[k] = len(ids)
		if !containsID(changed, r.AccountID) {
			changed = append(changed, r.AccountID)
		}
		ids, months, amounts = append(ids, r.AccountID), append(months, m), append(amounts, r.AmountCents)
	}
	if len(ids) == 0 {
		return nil
	}
	return db.write(ctx, false, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, q, ids, months, amounts); err != nil {
			return err
		}
		return logChanges(ctx, tx, db.now(), accounts.EntityRevenue, accounts.OpUpdate, changed...)
	})
}

func containsID(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

func (db *DB) ListRevenue(ctx context.Context, accountID int64) ([]accounts.Revenue, error) {
	return list(ctx, db, func(row scanner) (accounts.Revenue, error) {
		var r accounts.Revenue
		var month pgtype.Date
		err := row.Scan(&r.AccountID, &month, &r.AmountCents)
		r.Month = accounts.MonthOf(month.Time)
		return r, err
	}, `SELECT account_id, month, amount_cents FROM revenue WHERE account_id = $1 ORDER BY month`, accountID)
}

// decodeHours reads opening hours as they are stored, a JSON object.
func decodeHours(b []byte) (accounts.OpeningHours, error) {
	var h accounts.OpeningHours
	if len(b) == 0 {
		return h, nil
	}
	err := json.Unmarshal(b, &h)
	return h, err
}

// encodeCustom returns custom fields as a JSON parameter, NULL when there
// are none.
func encodeCustom(m map[string]any) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%w: custom fields: %v", accounts.ErrInvalid, err)
	}
	return b, nil
}

// decodeCustom reads custom fields; none is a nil map.
func decodeCustom(b any) (map[string]any, error) {
	raw, _ := b.([]byte)
	if len(raw) == 0 {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// dateArg returns d as a date parameter, NULL for none.
func dateArg(field string, d accounts.Date) (any, error) {
	if d == "" {
		return nil, nil
	}
	t, err := d.Time()
	if err != nil {
		return nil, fmt.Errorf("%w: %s must be a date YYYY-MM-DD", accounts.ErrInvalid, field)
	}
	return t, nil
}

func optDateArg(field string, d *accounts.Date) (any, error) {
	if d == nil {
		return nil, nil
	}
	return dateArg(field, *d)
}

// date reads a date column; NULL is "".
func date(d pgtype.Date) accounts.Date {
	if !d.Valid {
		return ""
	}
	return accounts.DateOf(d.Time)
}

// optDate reads a nullable date column into a pointer.
func optDate(d pgtype.Date) *accounts.Date {
	if !d.Valid {
		return nil
	}
	v := accounts.DateOf(d.Time)
	return &v
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
