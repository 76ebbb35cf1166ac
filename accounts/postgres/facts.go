package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/accounts"
)

// The rules engine's batch read: four queries over the account_id index
// (or key) of their tables, sent in one round trip (the revenue's is built
// in revenueSums).
const (
	inputPipeline = `SELECT account_id, sum(amount_cents)::bigint FROM opportunities
WHERE account_id = ANY($1) AND status = 'open'
GROUP BY account_id`
	// A contact without dates gives no row: the array of [] is empty.
	inputKeyDates = `SELECT c.account_id, c.name, d.value ->> 'label', d.value ->> 'date'
FROM contacts c CROSS JOIN LATERAL jsonb_array_elements(c.dates) WITH ORDINALITY AS d (value, n)
WHERE c.account_id = ANY($1)
ORDER BY c.account_id, c.id, d.n`
	inputFirings = `SELECT account_id, rule_id, fired_at FROM rule_firings
WHERE account_id = ANY($1)
ORDER BY account_id, rule_id`
)

// RuleInputsByID reads the rules engine's inputs for the accounts ids.
func (db *DB) RuleInputsByID(ctx context.Context, ids []int64, ranges []accounts.MonthRange) (map[int64]accounts.RuleInputs, error) {
	out := map[int64]accounts.RuleInputs{}
	if len(ids) == 0 {
		return out, nil
	}
	b := &pgx.Batch{}
	if len(ranges) > 0 {
		q, args, err := revenueSums(ids, ranges)
		if err != nil {
			return nil, err
		}
		b.Queue(q, args...).Query(func(rows pgx.Rows) error {
			var id int64
			sums := make([]int64, len(ranges))
			dest := []any{&id}
			for i := range sums {
				dest = append(dest, &sums[i])
			}
			_, err := pgx.ForEachRow(rows, dest, func() error {
				if slices.ContainsFunc(sums, func(v int64) bool { return v != 0 }) {
					in := out[id]
					in.Revenue = slices.Clone(sums)
					out[id] = in
				}
				return nil
			})
			return err
		})
	}
	b.Queue(inputPipeline, ids).Query(func(rows pgx.Rows) error {
		var id, cents int64
		_, err := pgx.ForEachRow(rows, []any{&id, &cents}, func() error {
			in := out[id]
			in.OpenPipelineCents = cents
			out[id] = in
			return nil
		})
		return err
	})
	b.Queue(inputKeyDates, ids).Query(func(rows pgx.Rows) error {
		var id int64
		var d accounts.ContactDate
		var date string
		_, err := pgx.ForEachRow(rows, []any{&id, &d.Contact, &d.Label, &date}, func() error {
			d.Date = accounts.Date(date)
			in := out[id]
			in.KeyDates = append(in.KeyDates, d)
			out[id] = in
			return nil
		})
		return err
	})
	b.Queue(inputFirings, ids).Query(func(rows pgx.Rows) error {
		var id int64
		var f accounts.FiredAt
		_, err := pgx.ForEachRow(rows, []any{&id, &f.RuleID, &f.At}, func() error {
			f.At = f.At.UTC()
			in := out[id]
			in.Firings = append(in.Firings, f)
			out[id] = in
			return nil
		})
		return err
	})
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, translate(err, false)
	}
	return out, nil
}

// revenueSums returns the query of the revenue sums of ranges for the
// accounts ids, one row per account, and its arguments: it reads the
// revenue key's months between the earliest and the latest of the ranges.
func revenueSums(ids []int64, ranges []accounts.MonthRange) (string, []any, error) {
	q := `SELECT account_id`
	args := []any{ids}
	var from, to time.Time
	for i, r := range ranges {
		f, err := r.From.Time()
		if err != nil {
			return "", nil, fmt.Errorf("%w: month %q must be YYYY-MM", accounts.ErrInvalid, r.From)
		}
		t, err := r.To.Time()
		if err != nil {
			return "", nil, fmt.Errorf("%w: month %q must be YYYY-MM", accounts.ErrInvalid, r.To)
		}
		q += fmt.Sprintf(`, coalesce(sum(amount_cents) FILTER (WHERE month BETWEEN $%d AND $%d), 0)::bigint`, len(args)+1, len(args)+2)
		args = append(args, f, t)
		if i == 0 || f.Before(from) {
			from = f
		}
		if i == 0 || t.After(to) {
			to = t
		}
	}
	q += fmt.Sprintf(` FROM revenue WHERE account_id = ANY($1) AND month BETWEEN $%d AND $%d GROUP BY account_id`,
		len(args)+1, len(args)+2)
	return q, append(args, from, to), nil
}
