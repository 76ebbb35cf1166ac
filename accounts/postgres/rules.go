package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/accounts"
)

const ruleColumns = `id, version, created_at, updated_at, name, expression, actions, enabled, cooldown_days`

func scanRule(row scanner) (accounts.Rule, error) {
	var r accounts.Rule
	var actions []byte
	err := row.Scan(&r.ID, &r.Version, &r.CreatedAt, &r.UpdatedAt, &r.Name, &r.Expression, &actions, &r.Enabled,
		&r.CooldownDays)
	if err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	if err := json.Unmarshal(actions, &r.Actions); err != nil {
		return r, err
	}
	if r.Actions == nil {
		r.Actions = []accounts.Action{}
	}
	return r, nil
}

// ruleArgs returns the values a rule write sets, after id, time and version.
func ruleArgs(r accounts.Rule) ([]any, error) {
	actions := r.Actions
	if actions == nil {
		actions = []accounts.Action{}
	}
	b, err := json.Marshal(actions)
	if err != nil {
		return nil, fmt.Errorf("%w: actions: %v", accounts.ErrInvalid, err)
	}
	return []any{r.Name, r.Expression, b, r.Enabled, r.CooldownDays}, nil
}

func (db *DB) CreateRule(ctx context.Context, r accounts.Rule) (accounts.Rule, error) {
	const q = `INSERT INTO rules (created_at, updated_at, version, name, expression, actions, enabled, cooldown_days)
VALUES ($1, $1, 1, $2, $3, $4, $5, $6)
RETURNING ` + ruleColumns
	args, err := ruleArgs(r)
	if err != nil {
		return accounts.Rule{}, err
	}
	return insertOne(ctx, db, accounts.EntityRule, q, scanRule, args)
}

func (db *DB) GetRule(ctx context.Context, id int64) (accounts.Rule, error) {
	return get(ctx, db, scanRule, accounts.EntityRule, id, `SELECT `+ruleColumns+` FROM rules WHERE id = $1`)
}

func (db *DB) UpdateRule(ctx context.Context, r accounts.Rule, version int64) (accounts.Rule, error) {
	const q = `UPDATE rules SET version = version + 1, updated_at = $1, name = $4, expression = $5, actions = $6,
    enabled = $7, cooldown_days = $8
WHERE id = $2 AND ($3 = 0 OR version = $3)
RETURNING ` + ruleColumns
	args, err := ruleArgs(r)
	if err != nil {
		return accounts.Rule{}, err
	}
	return updateOne(ctx, db, "rules", accounts.EntityRule, q, scanRule, r.ID, version, args)
}

// DeleteRule deletes a rule; its firings go with it (ON DELETE CASCADE) and
// its alerts stay, no longer linked to it.
func (db *DB) DeleteRule(ctx context.Context, id, version int64) error {
	return db.deleteVersioned(ctx, "rules", accounts.EntityRule, id, version)
}

func (db *DB) ListRules(ctx context.Context, f accounts.RuleFilter) ([]accounts.Rule, error) {
	w := newWhere(f.Page)
	if f.Enabled != nil {
		w.add("enabled = ?", *f.Enabled)
	}
	q, args := w.query(`SELECT `+ruleColumns+` FROM rules`, f.Page)
	return list(ctx, db, scanRule, q, args...)
}

const (
	// claimFiring records that rule $1 fires on account $2 at $3, unless
	// its last firing there is later than $3 minus the cooldown ($5): then
	// it returns no row. $4 is true when there is no cooldown. The upsert
	// locks the pair's row until commit, and a concurrent one waits for
	// that commit and then sees its time: of several firings racing within
	// a cooldown, one writes.
	claimFiring = `INSERT INTO rule_firings (rule_id, account_id, fired_at) VALUES ($1, $2, $3)
ON CONFLICT (rule_id, account_id) DO UPDATE SET fired_at = excluded.fired_at
WHERE $4 OR rule_firings.fired_at <= $5
RETURNING true`
	insertAlert = `INSERT INTO alerts (user_id, account_id, rule_id, task_id, message, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`
	// enqueueDelivery skips a key already in the outbox.
	enqueueDelivery = `INSERT INTO deliveries (key, channel, recipient, subscription, subject, body, payload,
    state, attempts, next_at, last_error, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, '', $9) ON CONFLICT (key) DO NOTHING`
	// reassignAccount is an account update: version and updated_at move.
	reassignAccount = `UPDATE accounts SET owner_id = $1, version = version + 1, updated_at = $2
WHERE id = $3 AND owner_id IS DISTINCT FROM $1 RETURNING id`
)

// notify writes alerts, created at now, and queues deliveries, due at
// their NextAt or else at due, in the caller's transaction.
func notify(ctx context.Context, tx pgx.Tx, alerts []accounts.Alert, ds []accounts.Delivery, now, due time.Time) error {
	for _, a := range alerts {
		if _, err := tx.Exec(ctx, insertAlert, a.UserID, a.AccountID, a.RuleID, a.TaskID, a.Message, now); err != nil {
			return err
		}
	}
	for _, d := range ds {
		next := due
		if !d.NextAt.IsZero() {
			next = ts(d.NextAt)
		}
		_, err := tx.Exec(ctx, enqueueDelivery, d.Key, string(d.Channel), d.Recipient, d.Subscription, d.Subject,
			d.Body, d.Payload, next, now)
		if err != nil {
			return err
		}
	}
	return nil
}

// RecordFiring writes f in one transaction unless the rule is in its
// cooldown on the account; the firing's row comes first, so that its lock
// serialises firings of the pair. Alerts and tasks are created at the
// store's clock, like any record; a delivery is due at its NextAt, or at
// f.At when it has none. A zero f.At means the store's clock. Alerts are
// not records of the change feed; tasks and the owner change are.
func (db *DB) RecordFiring(ctx context.Context, f accounts.Firing) (bool, error) {
	if err := f.Validate(); err != nil {
		return false, err
	}
	now := db.now()
	at := now
	if !f.At.IsZero() {
		at = ts(f.At)
	}
	taskRows := make([][]any, len(f.Tasks))
	for i, t := range f.Tasks {
		args, err := taskArgs(t)
		if err != nil {
			return false, fmt.Errorf("task %d: %w", i, err)
		}
		taskRows[i] = append([]any{now}, args...)
	}
	fired := false
	err := db.write(ctx, false, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, claimFiring, f.RuleID, f.AccountID, at, f.Cooldown <= 0, at.Add(-f.Cooldown)).Scan(&fired)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // in its cooldown: nothing written
		}
		if err != nil {
			return err
		}
		if err := notify(ctx, tx, f.Alerts, f.Deliveries, now, at); err != nil {
			return err
		}
		tasks := make([]int64, len(taskRows))
		for i, args := range taskRows {
			t, err := scanTask(tx.QueryRow(ctx, insertTask, args...))
			if err != nil {
				return err
			}
			tasks[i] = t.ID
		}
		var reassigned []int64
		if f.OwnerID != nil || f.ClearOwner {
			// A nil OwnerID is NULL: no owner.
			rows, err := tx.Query(ctx, reassignAccount, f.OwnerID, now, f.AccountID)
			if err != nil {
				return err
			}
			if reassigned, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
				return err
			}
		}
		if err := logChanges(ctx, tx, now, accounts.EntityTask, accounts.OpCreate, tasks...); err != nil {
			return err
		}
		return logChanges(ctx, tx, now, accounts.EntityAccount, accounts.OpUpdate, reassigned...)
	})
	if err != nil {
		return false, err
	}
	return fired, nil
}

func (db *DB) ClearFirings(ctx context.Context, ruleID int64, accountIDs []int64) error {
	if len(accountIDs) == 0 {
		return nil
	}
	_, err := db.pool.Exec(ctx, `DELETE FROM rule_firings WHERE rule_id = $1 AND account_id = ANY($2)`, ruleID, accountIDs)
	return translate(err, true)
}

// SetRuleScores stores the score parts of each account of scores and logs
// an account update for each one whose parts changed. It touches neither
// version nor updated_at.
//
// The accounts that change are locked first, in id order, so that two
// evaluations (or an evaluation and a visit write) cannot deadlock; the
// lock statement rechecks the difference on the latest committed row.
func (db *DB) SetRuleScores(ctx context.Context, scores map[int64][]accounts.ScorePart) error {
	const (
		lock = `SELECT a.id FROM accounts a JOIN unnest($1::bigint[], $2::text[]) AS v (id, score) ON a.id = v.id
WHERE a.rule_score IS DISTINCT FROM v.score::jsonb ORDER BY a.id FOR NO KEY UPDATE OF a`
		set = `UPDATE accounts SET rule_score = v.score::jsonb
FROM unnest($1::bigint[], $2::text[]) AS v (id, score)
WHERE accounts.id = v.id AND accounts.rule_score IS DISTINCT FROM v.score::jsonb
RETURNING accounts.id`
	)
	if len(scores) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(scores))
	values := make([]*string, len(ids))
	for i, id := range ids {
		parts := scores[id]
		if len(parts) == 0 {
			continue // NULL: none
		}
		b, err := json.Marshal(parts)
		if err != nil {
			return fmt.Errorf("%w: rule score of account %d: %v", accounts.ErrInvalid, id, err)
		}
		s := string(b)
		values[i] = &s
	}
	return db.write(ctx, false, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lock, ids, values); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, set, ids, values)
		if err != nil {
			return err
		}
		changed, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		slices.Sort(changed)
		return logChanges(ctx, tx, db.now(), accounts.EntityAccount, accounts.OpUpdate, changed...)
	})
}

// decodeRuleScore reads accounts.rule_score; NULL or none is nil.
func decodeRuleScore(b []byte) ([]accounts.ScorePart, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var parts []accounts.ScorePart
	if err := json.Unmarshal(b, &parts); err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, nil
	}
	return parts, nil
}

const alertColumns = `id, user_id, account_id, rule_id, task_id, message, created_at, read_at`

func scanAlert(row scanner) (accounts.Alert, error) {
	var a accounts.Alert
	err := row.Scan(&a.ID, &a.UserID, &a.AccountID, &a.RuleID, &a.TaskID, &a.Message, &a.CreatedAt, &a.ReadAt)
	a.CreatedAt = a.CreatedAt.UTC()
	if a.ReadAt != nil {
		r := a.ReadAt.UTC()
		a.ReadAt = &r
	}
	return a, err
}

// ListAlerts returns one page of a user's alerts, newest first.
func (db *DB) ListAlerts(ctx context.Context, f accounts.AlertFilter) ([]accounts.Alert, error) {
	if f.UserID == 0 {
		return nil, fmt.Errorf("%w: alerts are listed for one user", accounts.ErrInvalid)
	}
	q := `SELECT ` + alertColumns + ` FROM alerts WHERE user_id = $1`
	args := []any{f.UserID}
	if f.Unread {
		q += ` AND read_at IS NULL`
	}
	if f.Before != 0 {
		args = append(args, f.Before)
		q += ` AND id < $` + strconv.Itoa(len(args))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	args = append(args, limit)
	q += ` ORDER BY id DESC LIMIT $` + strconv.Itoa(len(args))
	return list(ctx, db, scanAlert, q, args...)
}

// MarkAlertRead sets the ReadAt of alert id of user userID, keeping the
// first one.
func (db *DB) MarkAlertRead(ctx context.Context, id, userID int64, at time.Time) (accounts.Alert, error) {
	const q = `UPDATE alerts SET read_at = coalesce(read_at, $3) WHERE id = $1 AND user_id = $2
RETURNING ` + alertColumns
	a, err := scanAlert(db.pool.QueryRow(ctx, q, id, userID, ts(at)))
	if errors.Is(err, pgx.ErrNoRows) {
		return accounts.Alert{}, accounts.NotFound("alert", id)
	}
	if err != nil {
		return accounts.Alert{}, translate(err, false)
	}
	return a, nil
}
