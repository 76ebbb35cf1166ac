package accounts

import (
	"context"
	"fmt"
	"time"
)

// Alert is one entry of a user's in-app alert feed: a rule fired on an
// account, a task reminder. E-mails and webhooks about it travel through the
// outbox (see Outbox); the feed is what the user reads in Tournée.
type Alert struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	AccountID *int64     `json:"account_id"`
	RuleID    *int64     `json:"rule_id"`
	TaskID    *int64     `json:"task_id"`
	Message   string     `json:"message"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

// AlertFilter selects a user's alerts, newest first by id.
type AlertFilter struct {
	UserID int64 // required
	Unread bool
	// Before, when not 0, keeps alerts with an id below it (the next page).
	Before int64
	Limit  int // 0: the store's default of 100
}

// Firing is what one rule does to one account at one evaluation. A store
// writes it all in one transaction, or nothing when the rule is still in
// its cooldown on that account (see RecordFiring).
type Firing struct {
	RuleID    int64
	AccountID int64
	At        time.Time
	// Cooldown is how long after a recorded firing the same rule stays
	// quiet on the account while its condition holds; 0 means it fires on
	// every evaluation.
	Cooldown time.Duration
	// Alerts go to the feed; their ids and CreatedAt are the store's.
	Alerts []Alert
	// Deliveries are enqueued in the outbox; one whose Key is already there
	// is skipped, so that a firing evaluated twice sends nothing twice.
	Deliveries []Delivery
	// Tasks are created (CreatedAt and ids are the store's).
	Tasks []Task
	// OwnerID, when set, becomes the account's owner (a reassign action):
	// an account update like any other, version bumped and logged.
	OwnerID *int64
	// ClearOwner removes the account's owner instead (a reassign action to
	// the open pool), the same kind of update; at most one of OwnerID and
	// ClearOwner is set.
	ClearOwner bool
}

// Validate checks what a store cannot check by its constraints: the
// deliveries (see ValidateDeliveries) and the owner change.
func (f Firing) Validate() error {
	if f.OwnerID != nil && f.ClearOwner {
		return fmt.Errorf("%w: a firing sets the owner or clears it, not both", ErrInvalid)
	}
	return ValidateDeliveries(f.Deliveries)
}

// Reminder is what a task's reminder does when its remind-at time has come:
// an in-app alert to the assignee and, with e-mail on, a delivery. A store
// writes it with the task's reminded mark in one transaction, or nothing
// when the task is no longer due (see RecordReminder).
type Reminder struct {
	TaskID int64
	// RemindAt is the remind-at time being reminded, as DueReminders read
	// it: a task whose remind-at has changed since is not reminded by this
	// call, and is due again at its new time.
	RemindAt time.Time
	// Alerts go to the feed; their ids and CreatedAt are the store's.
	Alerts []Alert
	// Deliveries are enqueued in the outbox, due at once unless NextAt
	// says otherwise; one whose Key is already there is skipped.
	Deliveries []Delivery
}

// RuleFilter selects rules by id order.
type RuleFilter struct {
	Page
	// Enabled, when set, keeps the rules that are (or are not) enabled.
	Enabled *bool
}

// RuleStore is what the rules engine needs from a store, beside the
// records. Stores implement it; Store embeds it.
type RuleStore interface {
	CreateRule(ctx context.Context, r Rule) (Rule, error)
	GetRule(ctx context.Context, id int64) (Rule, error)
	UpdateRule(ctx context.Context, r Rule, version int64) (Rule, error)
	DeleteRule(ctx context.Context, id, version int64) error // its firings go with it
	ListRules(ctx context.Context, f RuleFilter) ([]Rule, error)

	// RecordFiring writes f unless rule f.RuleID has a recorded firing on
	// account f.AccountID later than f.At - f.Cooldown (with Cooldown 0, it
	// always writes); it reports whether it wrote. Alerts, tasks, the
	// outbox rows, the owner change (with its change row) and the firing's
	// own row are one transaction; when f.Validate fails, nothing is
	// written. Concurrent calls for one (rule, account) write at most one
	// firing within a cooldown.
	RecordFiring(ctx context.Context, f Firing) (bool, error)
	// RuleInputsByID returns the RuleInputs of the accounts ids by account
	// id, with the revenue of each of the month ranges given: one read per
	// kind of record for the whole batch, however many ids. The map holds
	// no account outside ids; an account it leaves out has none of these
	// inputs (a zero RuleInputs), as has an unknown one.
	RuleInputsByID(ctx context.Context, ids []int64, revenue []MonthRange) (map[int64]RuleInputs, error)
	// ClearFirings forgets the recorded firings of rule on the accounts
	// given, whose condition no longer holds: the next time it holds, the
	// rule fires again at once, cooldown or not.
	ClearFirings(ctx context.Context, ruleID int64, accountIDs []int64) error

	// SetRuleScores stores, for each account of scores, the score parts its
	// matching rules add (in order, see Score); an empty slice means none.
	// Like LastVisitAt they are derived: no version bump, an account update
	// change row only for an account whose parts changed, so that the
	// spatial index and replicas follow. Unknown accounts are skipped.
	SetRuleScores(ctx context.Context, scores map[int64][]ScorePart) error

	// DueReminders returns up to limit tasks whose reminder is due at now:
	// open, with a RemindAt not after now, and not yet reminded for that
	// RemindAt; the earliest RemindAt first, ties by id. Reading them
	// claims nothing: RecordReminder decides which caller reminds.
	DueReminders(ctx context.Context, now time.Time, limit int) ([]Task, error)
	// RecordReminder writes r's alerts and deliveries and marks task
	// r.TaskID reminded for r.RemindAt, in one transaction, if the task is
	// still open, still has that RemindAt and was not reminded for it; it
	// reports whether it wrote. Of concurrent calls for one task and
	// RemindAt, one writes. A task whose RemindAt changes is due again at
	// its new time. The mark touches neither version nor updated_at and
	// is no change of the feed: the task's fields did not change.
	RecordReminder(ctx context.Context, r Reminder) (bool, error)

	ListAlerts(ctx context.Context, f AlertFilter) ([]Alert, error)
	// MarkAlertRead sets ReadAt of alert id, which must belong to userID
	// (ErrNotFound otherwise, so that ids of others' alerts reveal nothing);
	// marking a read alert again keeps its first ReadAt.
	MarkAlertRead(ctx context.Context, id, userID int64, at time.Time) (Alert, error)

	Outbox
}
