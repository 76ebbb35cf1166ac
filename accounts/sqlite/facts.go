package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tournee/tournee/accounts"
)

// The rules engine's batch read: each query takes the ids as one JSON array
// and walks its table's account_id index (or key) for each of them, so
// that a batch of thousands of accounts costs four queries (the revenue's
// is built in revenueSums).
const (
	inputPipeline = `SELECT account_id, sum(amount_cents) FROM opportunities
	WHERE account_id IN (SELECT value FROM json_each(?1)) AND status = 'open'
	GROUP BY account_id`
	// A contact without dates gives no row: json_each of [] is empty.
	inputKeyDates = `SELECT c.account_id, c.name, d.value ->> 'label', d.value ->> 'date'
	FROM contacts c, json_each(c.dates) d
	WHERE c.account_id IN (SELECT value FROM json_each(?1))
	ORDER BY c.account_id, c.id, d.key`
	inputFirings = `SELECT account_id, rule_id, fired_at FROM rule_firings
	WHERE account_id IN (SELECT value FROM json_each(?1))
	ORDER BY account_id, rule_id`
)

// RuleInputsByID reads the rules engine's inputs for the accounts ids.
func (db *DB) RuleInputsByID(ctx context.Context, ids []int64, ranges []accounts.MonthRange) (map[int64]accounts.RuleInputs, error) {
	out := map[int64]accounts.RuleInputs{}
	if len(ids) == 0 {
		return out, nil
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	list := string(b)

	if err := db.revenueSums(ctx, list, ranges, out); err != nil {
		return nil, err
	}

	type pipeline struct{ account, cents int64 }
	pipelines, err := listRows(ctx, db, func(s scanner, p *pipeline) error {
		return s.Scan(&p.account, &p.cents)
	}, inputPipeline, list)
	if err != nil {
		return nil, err
	}
	for _, p := range pipelines {
		in := out[p.account]
		in.OpenPipelineCents = p.cents
		out[p.account] = in
	}

	type keyDate struct {
		account int64
		date    accounts.ContactDate
	}
	dates, err := listRows(ctx, db, func(s scanner, d *keyDate) error {
		return s.Scan(&d.account, &d.date.Contact, &d.date.Label, &d.date.Date)
	}, inputKeyDates, list)
	if err != nil {
		return nil, err
	}
	for _, d := range dates {
		in := out[d.account]
		in.KeyDates = append(in.KeyDates, d.date)
		out[d.account] = in
	}

	type firing struct {
		account int64
		fired   accounts.FiredAt
	}
	firings, err := listRows(ctx, db, func(s scanner, f *firing) error {
		return s.Scan(&f.account, &f.fired.RuleID, timeCol{&f.fired.At})
	}, inputFirings, list)
	if err != nil {
		return nil, err
	}
	for _, f := range firings {
		in := out[f.account]
		in.Firings = append(in.Firings, f.fired)
		out[f.account] = in
	}
	return out, nil
}

// listRows runs a query and scans every row into a new T.
func listRows[T any](ctx context.Context, db *DB, scan func(scanner, *T) error, query string, args ...any) ([]T, error) {
	return list(ctx, db.db, func(s scanner) (T, error) {
		var v T
		err := scan(s, &v)
		return v, err
	}, query, args...)
}

// revenueSums sets the Revenue of the accounts of the JSON array ids in
// out: one row per account, with a sum per range, from the revenue key's
// months between the earliest and the latest of the ranges.
func (db *DB) revenueSums(ctx context.Context, ids string, ranges []accounts.MonthRange, out map[int64]accounts.RuleInputs) error {
	if len(ranges) == 0 {
		return nil
	}
	q := `SELECT account_id`
	args := []any{ids}
	from, to := ranges[0].From, ranges[0].To
	for _, r := range ranges {
		q += fmt.Sprintf(`, sum(CASE WHEN month BETWEEN ?%d AND ?%d THEN amount_cents ELSE 0 END)`, len(args)+1, len(args)+2)
		args = append(args, string(r.From), string(r.To))
		from, to = min(from, r.From), max(to, r.To)
	}
	q += fmt.Sprintf(` FROM revenue WHERE account_id IN (SELECT value FROM json_each(?1)) AND month BETWEEN ?%d AND ?%d
	GROUP BY account_id`, len(args)+1, len(args)+2)
	args = append(args, string(from), string(to))

	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var id int64
	dest := []any{&id}
	for range ranges {
		dest = append(dest, new(int64))
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		sums := make([]int64, len(ranges))
		zero := true
		for i := range sums {
			sums[i] = *dest[i+1].(*int64)
			zero = zero && sums[i] == 0
		}
		if zero {
			continue // as if the account had no revenue in the ranges
		}
		in := out[id]
		in.Revenue = sums
		out[id] = in
	}
	return rows.Err()
}
