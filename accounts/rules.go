package accounts

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// maxActions bounds what one rule may do; more is a sign of a rule that
// should be split.
const maxActions = 20

// Rule is a manager's strategic rule: when Expression is true of an
// account's facts (see FactNames), the Actions apply to that account.
type Rule struct {
	Meta
	Name       string   `json:"name"`
	Expression string   `json:"expression"`
	Actions    []Action `json:"actions"`
	Enabled    bool     `json:"enabled"`
	// CooldownDays is how long the rule stays quiet on an account after it
	// fired there, so that a daily run does not repeat an alert, task or
	// reassignment; 0 lets it fire on every evaluation. Score actions are
	// not events: Score counts every rule that matches now.
	CooldownDays int `json:"cooldown_days"`
}

// ActionType is what a matching rule does to the account.
type ActionType string

const (
	ActionScore    ActionType = "score"
	ActionAlert    ActionType = "alert"
	ActionTask     ActionType = "task"
	ActionReassign ActionType = "reassign"
)

// ScoreMode is how a score action combines with the score before it.
type ScoreMode string

const (
	ScoreAdd ScoreMode = "add"
	ScoreSet ScoreMode = "set"
)

// Action is one effect of a rule. One struct rather than one per type keeps
// the JSON flat ({"type":"task","title":"...","due_in_days":7}); each type
// uses only its own fields and Validate refuses the others, so that a
// misplaced field is reported rather than dropped.
type Action struct {
	Type ActionType `json:"type"`
	// Score: Mode defaults to add; Value may be negative to demote.
	Mode  ScoreMode `json:"mode,omitempty"`
	Value float64   `json:"value,omitempty"`
	// Alert: goes to the account's owner, with CC in copy (see
	// ParseRecipient).
	CC      []string `json:"cc,omitempty"`
	Message string   `json:"message,omitempty"`
	// Task: assigned to the account's owner, due DueInDays after firing.
	Title     string `json:"title,omitempty"`
	DueInDays int    `json:"due_in_days,omitempty"`
	// Reassign: to one user, or to a pool (PoolOpen, or PoolTerritory and
	// a layer).
	ToUserID *int64 `json:"to_user_id,omitempty"`
	Pool     string `json:"pool,omitempty"`
}

// The pools a reassign action may give an account to.
const (
	// PoolOpen removes the account's owner: it joins the accounts nobody
	// owns, which its territories' assignees still follow and which, for a
	// prospect, every rep sees and may take (see Visibility).
	PoolOpen = "open"
	// PoolTerritory followed by a layer ("territory:sales") gives the
	// account to the assignee of the territory of that layer that holds it
	// (see Account.Assignees); where it has none, the owner stays.
	PoolTerritory = "territory:"
)

// newOwner is who reassign action a gives account acc to: a user, or
// nobody when clear is set; nil and false leave the owner as it is.
func (a Action) newOwner(acc Account) (to *int64, clear bool) {
	switch {
	case a.ToUserID != nil:
		return a.ToUserID, false
	case a.Pool == PoolOpen:
		return nil, true
	case strings.HasPrefix(a.Pool, PoolTerritory):
		if id, ok := acc.Assignees[strings.TrimPrefix(a.Pool, PoolTerritory)]; ok {
			return &id, false
		}
	}
	return nil, false
}

// checkPool validates a.Pool, which may be empty, and writes it in its
// normal form.
func (a *Action) checkPool(field string) error {
	pool := strings.TrimSpace(a.Pool)
	if pool == "" || pool == PoolOpen {
		a.Pool = pool
		return nil
	}
	if layer, ok := strings.CutPrefix(pool, PoolTerritory); ok {
		if layer, err := CheckLayer(field, layer); err == nil {
			a.Pool = PoolTerritory + layer
			return text(field, a.Pool, maxName)
		}
	}
	return invalid(field, `%s must be "open" or "territory:<layer>"`, field)
}

// Recipient is one entry of an alert's cc list: "manager" (the manager of
// the account's owner), "user:<id>", or "role:<role>" (every user of that
// role). The manager and roles resolve at delivery, so that a rule stays
// right when people change jobs.
type Recipient struct {
	Manager bool
	UserID  int64
	Role    Role
}

// ParseRecipient reads one cc entry.
func ParseRecipient(s string) (Recipient, error) {
	kind, arg, _ := strings.Cut(s, ":")
	switch {
	case s == "manager":
		return Recipient{Manager: true}, nil
	case kind == "user":
		if id, err := strconv.ParseInt(arg, 10, 64); err == nil && id > 0 {
			return Recipient{UserID: id}, nil
		}
	case kind == "role":
		if r := Role(arg); r == RoleAdmin || r == RoleManager || r == RoleRep {
			return Recipient{Role: r}, nil
		}
	}
	return Recipient{}, fmt.Errorf(`%w: %q is not "manager", "user:<id>" or "role:<admin|manager|rep>"`, ErrInvalid, s)
}

// Validate checks r, compiling its expression, and fills its defaults.
func (r *Rule) Validate() error {
	_, err := r.compile()
	return err
}

// CompiledRule is a valid rule ready to evaluate. It is safe for
// concurrent use.
type CompiledRule struct {
	Rule    Rule // with its defaults filled
	program *vm.Program
	parts   []ScorePart // what the rule's score actions add (see Score)
}

// CompileRule validates r and compiles its expression.
func CompileRule(r Rule) (*CompiledRule, error) {
	// The compiled rule owns its actions: filling defaults must not write
	// to the caller's, nor the caller's later edits reach a running rule.
	r.Actions = slices.Clone(r.Actions)
	for i := range r.Actions {
		a := &r.Actions[i]
		a.CC = slices.Clone(a.CC)
		if a.ToUserID != nil {
			id := *a.ToUserID
			a.ToUserID = &id
		}
	}
	return r.compile()
}

func (r *Rule) compile() (*CompiledRule, error) {
	r.Name = strings.TrimSpace(r.Name)
	program, exprErr := compileExpression(r.Expression)
	errs := []error{
		required("name", r.Name),
		exprErr,
		check(len(r.Actions) > 0, "actions", "actions must hold at least one action"),
		check(len(r.Actions) <= maxActions, "actions", fmt.Sprintf("actions must hold at most %d actions", maxActions)),
		check(r.CooldownDays >= 0, "cooldown_days", "cooldown_days must not be negative"),
	}
	reassigns := 0
	for i := range r.Actions {
		a := &r.Actions[i]
		field := fmt.Sprintf("actions[%d]", i)
		if a.Type == ActionReassign {
			// Two reassignments would race for the same account.
			reassigns++
			errs = append(errs, check(reassigns == 1, field+".type", field+".type: a rule reassigns at most once"))
		}
		errs = append(errs, a.validate(field))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	c := &CompiledRule{Rule: *r, program: program}
	for _, a := range r.Actions {
		if a.Type == ActionScore {
			c.parts = append(c.parts, ScorePart{Source: "rule", RuleID: r.ID, Rule: r.Name, Mode: a.Mode, Value: a.Value})
		}
	}
	return c, nil
}

func compileExpression(src string) (*vm.Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, invalid("expression", "expression is required")
	}
	if err := text("expression", src, maxText); err != nil {
		return nil, err
	}
	// The builtin now() reads the host clock in the host zone; rules read
	// the facts' now, which tests and re-runs can fix.
	program, err := expr.Compile(src, expr.Env(ruleEnv{}), expr.AsBool(), expr.DisableBuiltin("now"))
	if err != nil {
		return nil, invalid("expression", "expression: %s", exprMessage(err))
	}
	return program, nil
}

// exprMessage gives an expression error with its position counted from 1,
// as editors show it, without the multi-line snippet.
func exprMessage(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) && fe.Line > 0 {
		return fmt.Sprintf("%s at line %d, column %d", fe.Message, fe.Line, fe.Column+1)
	}
	return err.Error()
}

func (a *Action) validate(field string) error {
	if a.Type == ActionScore && a.Mode == "" {
		a.Mode = ScoreAdd
	}
	var errs []error
	switch a.Type {
	case ActionScore:
		errs = append(errs,
			oneOf(field+".mode", a.Mode, ScoreAdd, ScoreSet),
			check(!math.IsNaN(a.Value) && !math.IsInf(a.Value, 0), field+".value", field+".value must be a finite number"))
	case ActionAlert:
		errs = append(errs,
			check(strings.TrimSpace(a.Message) != "", field+".message", field+".message is required"),
			text(field+".message", a.Message, maxText))
		for j := range a.CC {
			a.CC[j] = strings.TrimSpace(a.CC[j])
			if _, err := ParseRecipient(a.CC[j]); err != nil {
				f := fmt.Sprintf("%s.cc[%d]", field, j)
				errs = append(errs, invalid(f, "%s: %s", f, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")))
			}
		}
	case ActionTask:
		errs = append(errs,
			required(field+".title", a.Title),
			check(a.DueInDays >= 0, field+".due_in_days", field+".due_in_days must not be negative"))
	case ActionReassign:
		// The pool first: a blank one is none.
		poolErr := a.checkPool(field + ".pool")
		errs = append(errs,
			check((a.ToUserID != nil) != (a.Pool != ""), field+".to_user_id", field+" needs exactly one of to_user_id and pool"),
			check(a.ToUserID == nil || *a.ToUserID > 0, field+".to_user_id", field+".to_user_id must be a user id"),
			poolErr)
	default:
		return oneOf(field+".type", a.Type, ActionScore, ActionAlert, ActionTask, ActionReassign)
	}
	if name := a.stray(); name != "" {
		errs = append(errs, invalid(field+"."+name, "%s.%s does not apply to %s actions", field, name, a.Type))
	}
	return errors.Join(errs...)
}

// stray names a field set that a's type does not use.
func (a *Action) stray() string {
	fields := []struct {
		name string
		of   ActionType
		set  bool
	}{
		{"mode", ActionScore, a.Mode != ""},
		{"value", ActionScore, a.Value != 0},
		{"cc", ActionAlert, len(a.CC) > 0},
		{"message", ActionAlert, a.Message != ""},
		{"title", ActionTask, a.Title != ""},
		{"due_in_days", ActionTask, a.DueInDays != 0},
		{"to_user_id", ActionReassign, a.ToUserID != nil},
		{"pool", ActionReassign, a.Pool != ""},
	}
	for _, f := range fields {
		if f.set && f.of != a.Type {
			return f.name
		}
	}
	return ""
}

// Match evaluates the rule's expression on f. It ignores Enabled, so that a
// manager can try a rule before switching it on. An expression that fails
// on these facts (a custom field missing or of another type) gives an error
// naming the rule, never a panic.
func (c *CompiledRule) Match(f Facts) (bool, error) {
	m := newMatcher(0)
	m.env.Facts = f
	return m.match(c)
}

// matcher runs rules on the facts of one account at a time. It keeps one
// VM and one environment, whose helpers are bound once to the facts it
// holds, so that running a rule allocates only what the expression itself
// does; that makes it unsafe for concurrent use: each worker has its own.
type matcher struct {
	vm  vm.VM
	env ruleEnv
	// The arrays that the verdicts of judge share.
	matched, due []*CompiledRule
	cleared      []int64
}

// newMatcher returns a matcher for about n accounts.
func newMatcher(n int) *matcher {
	// A few rules match an account in a realistic rule set; the arrays
	// grow if more do.
	m := &matcher{matched: make([]*CompiledRule, 0, 4*n), due: make([]*CompiledRule, 0, n)}
	m.env.DaysUntil = func(t time.Time) int { return daysBetween(m.env.Now, t) }
	m.env.DaysSince = func(t time.Time) int { return daysBetween(t, m.env.Now) }
	m.env.MonthOf = func(t time.Time) int { return int(t.Month()) }
	m.env.NextKeyDate = func(text string) int { return m.env.nextKeyDate(text) }
	return m
}

// match evaluates c on the facts m holds.
func (m *matcher) match(c *CompiledRule) (bool, error) {
	// A pointer: the VM reads the fields through it, where a value would
	// copy the whole environment into an interface at every run.
	out, err := m.vm.Run(c.program, &m.env)
	if err != nil {
		return false, &ruleError{fmt.Sprintf("rule %d %q: %s", c.Rule.ID, c.Rule.Name, exprMessage(err)), err}
	}
	// The compiler checks the type, but a custom field is only known to be
	// a bool once it is read.
	ok, isBool := out.(bool)
	if !isBool {
		return false, fmt.Errorf("rule %d %q: expression gave %T, not true or false", c.Rule.ID, c.Rule.Name, out)
	}
	return ok, nil
}

// ruleError keeps the expression's error, with its position, for errors.As
// while its message stays on one line.
type ruleError struct {
	msg string
	err error
}

func (e *ruleError) Error() string { return e.msg }
func (e *ruleError) Unwrap() error { return e.err }

// ScoreBreakdown is an account's priority and how it was reached, shown by
// the planner to say why an account was chosen.
type ScoreBreakdown struct {
	Total float64     `json:"total"`
	Parts []ScorePart `json:"parts"`
}

// ScorePart is one step of a score: Source "base" (BaseScore) first, then
// Source "rule" for each score action of a matching rule.
type ScorePart struct {
	Source string    `json:"source"`
	RuleID int64     `json:"rule_id,omitempty"`
	Rule   string    `json:"rule,omitempty"`
	Mode   ScoreMode `json:"mode,omitempty"`
	Value  float64   `json:"value"`
}

// Score applies the score actions of fired, the rules that match the
// account now, to base. Rules apply in id order and each rule's actions in
// their order, so that the result does not depend on how fired was
// gathered: an add adds to the running total, a set replaces everything
// before it. The total is never negative, as a negative priority would
// mean nothing to the planner.
func Score(base float64, fired []*CompiledRule) ScoreBreakdown {
	rules := slices.Clone(fired)
	slices.SortStableFunc(rules, func(a, b *CompiledRule) int { return cmp.Compare(a.Rule.ID, b.Rule.ID) })
	b := ScoreBreakdown{Parts: []ScorePart{{Source: "base", Value: base}}}
	for _, r := range rules {
		b.Parts = append(b.Parts, r.parts...)
	}
	b.Total = RuleTotal(base, b.Parts[1:])
	return b
}
