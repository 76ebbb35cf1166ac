package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/tournee/tournee/accounts"
)

// ruleCols are the columns a rule write sets, in the order of ruleValues.
const ruleCols = `name, expression, actions, enabled, cooldown_days`

const selectRule = `SELECT id, version, created_at, updated_at, name, expression, actions, enabled, cooldown_days
	FROM rules`

var (
	insertRule = insertSQL("rules", ruleCols)
	updateRule = updateSQL("rules", ruleCols)
)

// ruleValues returns the values of ruleCols and sets r's fields as a read
// will return them.
func ruleValues(r *accounts.Rule) ([]any, error) {
	actions, back, err := toJSON(nonNil(r.Actions))
	if err != nil {
		return nil, err
	}
	r.Actions = nonNil(back)
	return []any{r.Name, r.Expression, actions, r.Enabled, r.CooldownDays}, nil
}

func scanRule(s scanner) (accounts.Rule, error) {
	var r accounts.Rule
	err := s.Scan(&r.ID, &r.Version, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}, &r.Name, &r.Expression,
		jsonCol{&r.Actions}, &r.Enabled, &r.CooldownDays)
	r.Actions = nonNil(r.Actions)
	return r, err
}

// CreateRule stores a new rule.
func (db *DB) CreateRule(ctx context.Context, r accounts.Rule) (accounts.Rule, error) {
	values, err := ruleValues(&r)
	if err != nil {
		return accounts.Rule{}, err
	}
	err = db.insert(ctx, insertRule, accounts.EntityRule, [][]any{values}, func(_ int, m accounts.Meta) { r.Meta = m })
	if err != nil {
		return accounts.Rule{}, err
	}
	return r, nil
}

// GetRule returns the rule with id.
func (db *DB) GetRule(ctx context.Context, id int64) (accounts.Rule, error) {
	return get(ctx, db.db, scanRule, accounts.EntityRule, id, selectRule+` WHERE id = ?`, id)
}

// UpdateRule replaces the fields of rule r.ID.
func (db *DB) UpdateRule(ctx context.Context, r accounts.Rule, version int64) (accounts.Rule, error) {
	values, err := ruleValues(&r)
	if err != nil {
		return accounts.Rule{}, err
	}
	if err := db.update(ctx, updateRule, "rules", accounts.EntityRule, values, &r.Meta, version); err != nil {
		return accounts.Rule{}, err
	}
	return r, nil
}

// DeleteRule deletes a rule; its firings go with it (ON DELETE CASCADE) and
// its alerts stay, no longer linked to it.
func (db *DB) DeleteRule(ctx context.Context, id, version int64) error {
	return db.remove(ctx, "rules", accounts.EntityRule, id, version, nil)
}

// ListRules returns one page of rules.
func (db *DB) ListRules(ctx context.Context, f accounts.RuleFilter) ([]accounts.Rule, error) {
	var w where
	if f.Enabled != nil {
		w.add(`enabled = ?`, *f.Enabled)
	}
	q, args := w.query(selectRule, f.Page)
	return list(ctx, db.db, scanRule, q, args...)
}

const (
	// claimFiring records that a rule fires on an account at ?3, unless
	// its last firing there is later than ?3 minus the cooldown (?5): the
	// row is then left alone and the statement changes nothing. ?4 is true
	// when there is no cooldown.
	claimFiring = `INSERT INTO rule_firings (rule_id, account_id, fired_at) VALUES (?1, ?2, ?3)
	ON CONFLICT (rule_id, account_id) DO UPDATE SET fired_at = excluded.fired_at
	WHERE ?4 OR rule_firings.fired_at <= ?5`
	insertAlert = `INSERT INTO alerts (user_id, account_id, rule_id, task_id, message, created_at)
	VALUES (?, ?, ?, ?, ?, ?)`
	// enqueueDelivery skips a key already in the outbox.
	enqueueDelivery = `INSERT INTO deliveries (key, channel, recipient, subscription, subject, body, payload,
	state, attempts, next_at, last_error, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, '', ?) ON CONFLICT (key) DO NOTHING`
	// reassignAccount is an account update: version and updated_at move.
	// A NULL owner clears it.
	reassignAccount = `UPDATE accounts SET owner_id = ?1, version = version + 1, updated_at = ?2
	WHERE id = ?3 AND owner_id IS NOT ?1`
)

// notify writes alerts, created at now, and queues deliveries, due at
// their NextAt or else at due, in the caller's transaction.
func notify(ctx context.Context, tx *sql.Tx, alerts []accounts.Alert, ds []accounts.Delivery, now, due time.Time) error {
	ts := formatTime(now)
	for _, a := range alerts {
		if _, err := tx.ExecContext(ctx, insertAlert, a.UserID, a.AccountID, a.RuleID, a.TaskID, a.Message, ts); err != nil {
			return fmt.Errorf("alert: %w", writeError(err))
		}
	}
	for _, d := range ds {
		next := due
		if !d.NextAt.IsZero() {
			next = truncated(d.NextAt)
		}
		_, err := tx.ExecContext(ctx, enqueueDelivery, d.Key, d.Channel, d.Recipient, d.Subscription, d.Subject,
			d.Body, d.Payload, formatTime(next), ts)
		if err != nil {
			return fmt.Errorf("delivery: %w", writeError(err))
		}
	}
	return nil
}

// RecordFiring writes f in one transaction unless the rule is in its
// cooldown on the account. SQLite runs one write transaction at a time
// (BEGIN IMMEDIATE), so the cooldown check and the writes cannot
// interleave with another firing. Alerts and tasks are created at the
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
		at = truncated(f.At)
	}
	fired := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, claimFiring, f.RuleID, f.AccountID, formatTime(at), f.Cooldown <= 0,
			formatTime(at.Add(-f.Cooldown)))
		if err != nil {
			return writeError(err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // in its cooldown: nothing written
		}
		fired = true
		ts := formatTime(now)
		if err := notify(ctx, tx, f.Alerts, f.Deliveries, now, at); err != nil {
			return err
		}
		for _, t := range f.Tasks {
			res, err := tx.ExecContext(ctx, insertTask, append([]any{ts, ts}, taskValues(&t)...)...)
			if err != nil {
				return fmt.Errorf("task: %w", writeError(err))
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			if err := logChange(ctx, tx, accounts.EntityTask, id, accounts.OpCreate, now); err != nil {
				return err
			}
		}
		var owner any // NULL clears the owner
		switch {
		case f.OwnerID != nil:
			owner = *f.OwnerID
		case !f.ClearOwner:
			return nil
		}
		res, err = tx.ExecContext(ctx, reassignAccount, owner, ts, f.AccountID)
		if err != nil {
			return fmt.Errorf("owner: %w", writeError(err))
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // already the owner
		}
		return logChange(ctx, tx, accounts.EntityAccount, f.AccountID, accounts.OpUpdate, now)
	})
	if err != nil {
		return false, err
	}
	return fired, nil
}

// ClearFirings forgets the firings of rule ruleID on accountIDs.
func (db *DB) ClearFirings(ctx context.Context, ruleID int64, accountIDs []int64) error {
	if len(accountIDs) == 0 {
		return nil
	}
	b, err := json.Marshal(accountIDs)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM rule_firings
			WHERE rule_id = ? AND account_id IN (SELECT value FROM json_each(?))`, ruleID, string(b))
		return err
	})
}

// setRuleScore writes an account's score parts only when they change, and
// touches neither version nor updated_at.
const setRuleScore = `UPDATE accounts SET rule_score = ?2 WHERE id = ?1 AND rule_score IS NOT ?2`

// SetRuleScores stores the score parts of each account of scores, in id
// order, and logs an account update for each one whose parts changed.
func (db *DB) SetRuleScores(ctx context.Context, scores map[int64][]accounts.ScorePart) error {
	if len(scores) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(scores))
	values := make([]any, len(ids))
	for i, id := range ids {
		v, err := ruleScoreValue(scores[id])
		if err != nil {
			return fmt.Errorf("account %d: %w", id, err)
		}
		values[i] = v
	}
	at := db.now()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		set, err := tx.PrepareContext(ctx, setRuleScore)
		if err != nil {
			return err
		}
		defer set.Close()
		chg, err := tx.PrepareContext(ctx, insertChange)
		if err != nil {
			return err
		}
		defer chg.Close()
		actor, ts := accounts.ActorFrom(ctx), formatTime(at)
		for i, id := range ids {
			res, err := set.ExecContext(ctx, id, values[i])
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				if err != nil {
					return err
				}
				continue // unchanged or unknown
			}
			if _, err := chg.ExecContext(ctx, accounts.EntityAccount, id, accounts.OpUpdate, ts, actor); err != nil {
				return err
			}
		}
		return nil
	})
}

// ruleScoreValue encodes score parts for accounts.rule_score: NULL when
// there are none, so that none reads back as nil.
func ruleScoreValue(parts []accounts.ScorePart) (any, error) {
	if len(parts) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(parts)
	if err != nil {
		return nil, fmt.Errorf("%w: rule score: %v", accounts.ErrInvalid, err)
	}
	return string(b), nil
}

// ruleScoreCol scans accounts.rule_score into *p: nil for NULL or none.
type ruleScoreCol struct{ p *[]accounts.ScorePart }

func (c ruleScoreCol) Scan(v any) error {
	*c.p = nil
	if err := (jsonCol{c.p}).Scan(v); err != nil {
		return err
	}
	if len(*c.p) == 0 {
		*c.p = nil
	}
	return nil
}

const selectAlert = `SELECT id, user_id, account_id, rule_id, task_id, message, created_at, read_at FROM alerts`

func scanAlert(s scanner) (accounts.Alert, error) {
	var a accounts.Alert
	err := s.Scan(&a.ID, &a.UserID, &a.AccountID, &a.RuleID, &a.TaskID, &a.Message, timeCol{&a.CreatedAt},
		nullTimeCol{&a.ReadAt})
	return a, err
}

// ListAlerts returns one page of a user's alerts, newest first.
func (db *DB) ListAlerts(ctx context.Context, f accounts.AlertFilter) ([]accounts.Alert, error) {
	if f.UserID == 0 {
		return nil, fmt.Errorf("%w: alerts are listed for one user", accounts.ErrInvalid)
	}
	q := selectAlert + ` WHERE user_id = ?`
	args := []any{f.UserID}
	if f.Unread {
		q += ` AND read_at IS NULL`
	}
	if f.Before != 0 {
		q += ` AND id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	return list(ctx, db.db, scanAlert, q, append(args, limit(f.Limit))...)
}

// MarkAlertRead sets the ReadAt of alert id of user userID, keeping the
// first one.
func (db *DB) MarkAlertRead(ctx context.Context, id, userID int64, at time.Time) (accounts.Alert, error) {
	const q = `UPDATE alerts SET read_at = coalesce(read_at, ?) WHERE id = ? AND user_id = ?
	RETURNING id, user_id, account_id, rule_id, task_id, message, created_at, read_at`
	var out accounts.Alert
	err := db.inTx(ctx, func(tx *sql.Tx) (err error) {
		out, err = get(ctx, tx, scanAlert, "alert", id, q, formatTime(at), id, userID)
		return err
	})
	if err != nil {
		return accounts.Alert{}, err
	}
	return out, nil
}
