package accounts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// The rules engine: it evaluates the enabled strategic rules on accounts,
// stores the score parts they add (the spatial index and the planner read
// them from the account), and carries out their other actions through
// RecordFiring, one transaction per rule and account, so that a crash
// leaves each firing whole or absent.
//
// It works a batch of accounts at a time: one read of the batch's inputs
// (RuleInputsByID), the rules run on every processor (they need no store),
// then the writes in account and rule order; the next batch of accounts is
// read meanwhile. A rule still in its cooldown and an account whose score
// parts stay the same cost no write at all.

// Rules configures the engine of a Service. Its zero value evaluates in
// Europe/Paris, on the wall clock, and queues no e-mail.
type Rules struct {
	// Zone is the organisation's time zone, for months and days.
	Zone *time.Location
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Email queues an e-mail to each recipient of an alert, beside the
	// in-app feed; set it when an SMTP server is configured.
	Email bool
	// Wake, if set, is told after a firing queued deliveries, so that the
	// delivery worker sends them without waiting for its next round.
	Wake func()
	// OnError, if set, is told of an evaluation that failed after a write
	// (the write itself stands); the caller logs it.
	OnError func(error)
}

func (r *Rules) now() time.Time {
	if r == nil || r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Rules) zone() *time.Location {
	if r == nil || r.Zone == nil {
		return defaultLocation()
	}
	return r.Zone
}

// evalBatch is how many accounts one evaluation step reads and judges: the
// step's queries and its score write are then a small share of the work,
// and its records a few megabytes of memory.
const evalBatch = 2000

// RuleRun sums up an evaluation.
type RuleRun struct {
	Accounts int `json:"accounts"`
	Matches  int `json:"matches"` // (rule, account) pairs whose condition holds
	Fired    int `json:"fired"`   // firings recorded (outside cooldown, with actions to carry out)
	Errors   int `json:"errors"`  // runtime errors of expressions, skipped
}

// CreateRule validates r (its expression compiles) and stores it.
func (s *Service) CreateRule(ctx context.Context, r Rule) (Rule, error) {
	if err := s.checkRule(ctx, &r); err != nil {
		return Rule{}, err
	}
	return s.Store.CreateRule(ctx, r)
}

// UpdateRule validates r and replaces the stored rule.
func (s *Service) UpdateRule(ctx context.Context, r Rule, version int64) (Rule, error) {
	if err := s.checkRule(ctx, &r); err != nil {
		return Rule{}, err
	}
	return s.Store.UpdateRule(ctx, r, version)
}

func (s *Service) checkRule(ctx context.Context, r *Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	var errs []error
	for i, a := range r.Actions {
		errs = append(errs, ref(ctx, fmt.Sprintf("actions[%d].to_user_id", i), a.ToUserID, s.GetUser))
		for j, cc := range a.CC {
			if rc, err := ParseRecipient(cc); err == nil && rc.UserID != 0 {
				errs = append(errs, ref(ctx, fmt.Sprintf("actions[%d].cc[%d]", i, j), &rc.UserID, s.GetUser))
			}
		}
	}
	return errors.Join(errs...)
}

// enabledRules compiles the enabled rules, in id order.
func (s *Service) enabledRules(ctx context.Context) ([]*CompiledRule, error) {
	on := true
	var out []*CompiledRule
	f := RuleFilter{Enabled: &on, Page: Page{Limit: 1000}}
	for {
		rs, err := s.ListRules(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			c, err := CompileRule(r)
			if err != nil {
				// Validated on save; a rule that no longer compiles (a fact
				// renamed by an upgrade) must not stop the others.
				continue
			}
			out = append(out, c)
		}
		if len(rs) < f.Limit {
			return out, nil
		}
		f.After = rs[len(rs)-1].ID
	}
}

// EvaluateRules runs the enabled rules on the accounts ids, or on every
// account when ids is nil (the daily run): it stores each account's rule
// score parts and records the firings of the rules whose condition holds.
func (s *Service) EvaluateRules(ctx context.Context, ids []int64) (RuleRun, error) {
	rules, err := s.enabledRules(ctx)
	if err != nil {
		return RuleRun{}, err
	}
	var run RuleRun
	if ids != nil {
		step := min(evalBatch, MaxAccountsByID)
		for from := 0; from < len(ids); from += step {
			as, err := s.AccountsByID(ctx, ids[from:min(from+step, len(ids))])
			if err != nil {
				return run, err
			}
			if err := s.evaluate(ctx, rules, as, &run); err != nil {
				return run, err
			}
		}
		return run, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the reading ahead when an evaluation fails
	for p := range s.readAhead(ctx) {
		if p.err != nil {
			return run, p.err
		}
		if err := s.evaluate(ctx, rules, p.accounts, &run); err != nil {
			return run, err
		}
	}
	return run, ctx.Err()
}

// page is one page of accounts, or the error that ended the reading.
type page struct {
	accounts []Account
	err      error
}

// readAhead lists every account, evalBatch at a time, a page ahead of its
// reader, until ctx is done: reading the accounts is the larger part of a
// daily run, and it goes on while the previous page is evaluated.
func (s *Service) readAhead(ctx context.Context) <-chan page {
	out := make(chan page, 1)
	go func() {
		defer close(out)
		f := AccountFilter{Page: Page{Limit: evalBatch}}
		for {
			as, err := s.ListAccounts(ctx, f)
			select {
			case out <- page{as, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(as) < f.Limit {
				return
			}
			f.After = as[len(as)-1].ID
		}
	}()
	return out
}

// evaluate runs rules on one batch of accounts: it reads their inputs in
// one call, judges them in parallel, then writes in account and rule order
// what the verdicts call for.
func (s *Service) evaluate(ctx context.Context, rules []*CompiledRule, as []Account, run *RuleRun) error {
	if len(as) == 0 {
		return nil
	}
	now := s.Rules.now()
	verdicts, err := s.judge(ctx, rules, as, now)
	if err != nil {
		return err
	}
	scores := make(map[int64][]ScorePart)
	cleared := make(map[int64][]int64) // rule → accounts whose condition no longer holds
	for i, a := range as {
		if err := ctx.Err(); err != nil {
			return err
		}
		v := verdicts[i]
		run.Accounts++
		run.Matches += len(v.matched)
		run.Errors += v.errors
		for _, r := range v.due {
			f, err := s.firing(ctx, r.Rule, a, now)
			if err != nil {
				return err
			}
			if f == nil {
				continue
			}
			wrote, err := s.RecordFiring(ctx, *f)
			if err != nil {
				return fmt.Errorf("rule %d on account %d: %w", r.Rule.ID, a.ID, err)
			}
			if wrote {
				run.Fired++
				if len(f.Deliveries) > 0 && s.Rules != nil && s.Rules.Wake != nil {
					s.Rules.Wake()
				}
			}
		}
		for _, rule := range v.cleared {
			cleared[rule] = append(cleared[rule], a.ID)
		}
		// The store would skip an unchanged account too, but only after a
		// write per account; most accounts keep their parts from one day
		// to the next.
		if v.rescored {
			scores[a.ID] = scoreParts(v.matched)
		}
	}
	for _, rule := range slices.Sorted(maps.Keys(cleared)) {
		if err := s.ClearFirings(ctx, rule, cleared[rule]); err != nil {
			return err
		}
	}
	if err := s.SetRuleScores(ctx, scores); err != nil {
		return err
	}
	s.place(ctx, nil)
	return nil
}

// verdict is what the rules make of one account, before anything is
// written.
type verdict struct {
	matched []*CompiledRule // the rules whose condition holds, in id order
	// due are the rules of matched not held back by a cooldown: those whose
	// firing the engine works out and records.
	due []*CompiledRule
	// cleared are the rules with a recorded firing on the account whose
	// condition no longer holds.
	cleared []int64
	// rescored says that the score parts of matched differ from those the
	// account holds.
	rescored bool
	errors   int // rules whose expression failed on the account
}

// scoreParts is what matched, in id order, add to an account's score: the
// parts of Score after the base.
func scoreParts(matched []*CompiledRule) []ScorePart {
	n := 0
	for _, r := range matched {
		n += len(r.parts)
	}
	parts := make([]ScorePart, 0, n)
	for _, r := range matched {
		parts = append(parts, r.parts...)
	}
	return parts
}

// sameParts reports whether matched, in id order, add the parts have.
func sameParts(matched []*CompiledRule, have []ScorePart) bool {
	for _, r := range matched {
		if len(have) < len(r.parts) || !slices.Equal(r.parts, have[:len(r.parts)]) {
			return false
		}
		have = have[len(r.parts):]
	}
	return len(have) == 0
}

// minJudged is the fewest accounts worth a worker of their own: below it,
// starting goroutines costs more than it saves.
const minJudged = 64

// judge reads the inputs of as and runs rules on each account at now.
func (s *Service) judge(ctx context.Context, rules []*CompiledRule, as []Account, now time.Time) ([]verdict, error) {
	clock := newFactClock(now, s.Rules.zone())
	ids := make([]int64, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	inputs, err := s.RuleInputsByID(ctx, ids, clock.revenue)
	if err != nil {
		return nil, err
	}
	out := judgeAll(ctx, rules, clock, as, inputs)
	return out, ctx.Err()
}

// judgeAll runs rules on each account of as, whose inputs are in, on one
// worker per processor: matching is CPU work that needs no store, so it
// spreads over the cores while the writes that follow stay in order.
func judgeAll(ctx context.Context, rules []*CompiledRule, clock factClock, as []Account, in map[int64]RuleInputs) []verdict {
	// In id order, the parts of a verdict's rules come in the order Score
	// gives them, without sorting each account's.
	rules = slices.SortedStableFunc(slices.Values(rules), func(a, b *CompiledRule) int { return cmp.Compare(a.Rule.ID, b.Rule.ID) })
	out := make([]verdict, len(as))
	work := func(from, to int) {
		m := newMatcher(to - from)
		for i := from; i < to && ctx.Err() == nil; i++ {
			out[i] = m.judge(rules, clock, as[i], in[as[i].ID])
		}
	}
	workers := min(runtime.GOMAXPROCS(0), (len(as)+minJudged-1)/minJudged)
	if workers <= 1 {
		work(0, len(as))
		return out
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { work(w*len(as)/workers, (w+1)*len(as)/workers) })
	}
	wg.Wait()
	return out
}

// judge runs rules, in id order, on account a, whose inputs are in, at
// clock's moment. The verdict's slices share the matcher's arrays, one
// allocation for many accounts.
func (m *matcher) judge(rules []*CompiledRule, clock factClock, a Account, in RuleInputs) verdict {
	m.env.Facts = clock.facts(a, in)
	var v verdict
	matched, due, cleared := len(m.matched), len(m.due), len(m.cleared)
	for _, r := range rules {
		ok, err := m.match(r)
		if err != nil {
			v.errors++
			continue
		}
		fired := slices.IndexFunc(in.Firings, func(f FiredAt) bool { return f.RuleID == r.Rule.ID })
		if !ok {
			if fired >= 0 {
				m.cleared = append(m.cleared, r.Rule.ID)
			}
			continue
		}
		m.matched = append(m.matched, r)
		// RecordFiring would refuse a firing within the cooldown: skipping
		// it here spares the recipients' reads and a write transaction.
		cooldown := time.Duration(r.Rule.CooldownDays) * 24 * time.Hour
		if fired < 0 || cooldown <= 0 || !in.Firings[fired].At.After(clock.now.Add(-cooldown)) {
			m.due = append(m.due, r)
		}
	}
	v.matched = m.matched[matched:len(m.matched):len(m.matched)]
	v.due = m.due[due:len(m.due):len(m.due)]
	v.cleared = m.cleared[cleared:len(m.cleared):len(m.cleared)]
	// Score keeps only what the rules add; the base moves with time and
	// is recomputed wherever the score is read.
	v.rescored = !sameParts(v.matched, a.RuleScore)
	return v
}

// firing is what rule r does to account a now, beyond its score: nil when
// it only scores.
func (s *Service) firing(ctx context.Context, r Rule, a Account, now time.Time) (*Firing, error) {
	f := &Firing{RuleID: r.ID, AccountID: a.ID, At: now, Cooldown: time.Duration(r.CooldownDays) * 24 * time.Hour}
	act := false
	for _, action := range r.Actions {
		switch action.Type {
		case ActionAlert:
			users, err := s.recipients(ctx, a, action.CC)
			if err != nil {
				return nil, err
			}
			msg := fmt.Sprintf("%s: %s", a.Name, action.Message)
			for _, u := range users {
				f.Alerts = append(f.Alerts, Alert{UserID: u.ID, AccountID: &a.ID, RuleID: &r.ID, Message: msg})
				if s.Rules != nil && s.Rules.Email {
					f.Deliveries = append(f.Deliveries, Delivery{
						Key:       DeliveryKey(fmt.Sprintf("rule:%d:account:%d:%d", r.ID, a.ID, now.Unix()), ChannelEmail, u.Email),
						Channel:   ChannelEmail,
						Recipient: u.Email,
						Subject:   fmt.Sprintf("Tournée: %s — %s", r.Name, a.Name),
						Body:      alertBody(r, a, action.Message),
					})
				}
			}
			act = act || len(users) > 0
		case ActionTask:
			if a.OwnerID == nil {
				continue // nobody to do it; the alert, if any, goes to managers
			}
			due := now.In(s.Rules.zone()).AddDate(0, 0, action.DueInDays)
			f.Tasks = append(f.Tasks, Task{Title: action.Title, AccountID: &a.ID, AssigneeID: *a.OwnerID,
				Due: DateOf(due), Status: TaskOpen, Notes: "Created by the rule " + r.Name + "."})
			act = true
		case ActionReassign:
			to, clear := action.newOwner(a)
			switch {
			case clear && a.OwnerID != nil:
				f.ClearOwner = true
				act = true
			case to != nil && (a.OwnerID == nil || *a.OwnerID != *to):
				f.OwnerID = to
				act = true
			}
		}
	}
	if !act {
		return nil, nil
	}
	for i := range f.Tasks {
		if err := f.Tasks[i].Validate(); err != nil {
			return nil, fmt.Errorf("rule %d: task: %w", r.ID, err)
		}
	}
	return f, nil
}

// recipients are the users an alert on a goes to: its owner, and the copies
// cc names (see ParseRecipient), each once. Without an owner the alert goes
// to the copies only.
func (s *Service) recipients(ctx context.Context, a Account, cc []string) ([]User, error) {
	var out []User
	add := func(u User) {
		if !slices.ContainsFunc(out, func(v User) bool { return v.ID == u.ID }) {
			out = append(out, u)
		}
	}
	get := func(id int64) error {
		u, err := s.GetUser(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return nil // deleted since the rule was saved
		}
		if err == nil {
			add(u)
		}
		return err
	}
	var owner *User
	if a.OwnerID != nil {
		u, err := s.GetUser(ctx, *a.OwnerID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if err == nil {
			owner = &u
			add(u)
		}
	}
	for _, c := range cc {
		rc, err := ParseRecipient(c)
		if err != nil {
			continue // validated on save
		}
		switch {
		case rc.Manager:
			if owner != nil && owner.ManagerID != nil {
				if err := get(*owner.ManagerID); err != nil {
					return nil, err
				}
			}
		case rc.UserID != 0:
			if err := get(rc.UserID); err != nil {
				return nil, err
			}
		case rc.Role != "":
			us, err := s.ListUsers(ctx, UserFilter{Role: rc.Role, Page: Page{Limit: 1000}})
			if err != nil {
				return nil, err
			}
			for _, u := range us {
				add(u)
			}
		}
	}
	return out, nil
}

// alertBody is the text of an alert e-mail.
func alertBody(r Rule, a Account, message string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", message)
	fmt.Fprintf(&b, "Account: %s (%s)\n", a.Name, a.Kind)
	if city := strings.TrimSpace(a.Address.PostalCode + " " + a.Address.City); city != "" {
		fmt.Fprintf(&b, "Address: %s\n", city)
	}
	fmt.Fprintf(&b, "Rule: %s\n", r.Name)
	return b.String()
}

// RuleMatch is one account a dry run finds.
type RuleMatch struct {
	AccountID int64  `json:"account_id"`
	Name      string `json:"name"`
	OwnerID   *int64 `json:"owner_id"`
	// Alerts are the users an alert would reach; Task and Reassign say
	// whether those actions would apply.
	Alerts   []int64 `json:"alerts"`
	Tasks    int     `json:"tasks"`
	Reassign *int64  `json:"reassign"`
	// ClearOwner says that a reassignment to the open pool would remove
	// the owner.
	ClearOwner bool    `json:"clear_owner"`
	Score      float64 `json:"score"` // what the rule's score actions alone give from 0
}

// DryRun answers "which accounts would r match right now, and what would
// it do": the first limit matches in id order and the number of all, with
// nothing written, among the accounts vis lets its caller see (nil: all).
func (s *Service) DryRun(ctx context.Context, r Rule, limit int, vis *Visibility) ([]RuleMatch, int, error) {
	if err := s.checkRule(ctx, &r); err != nil {
		return nil, 0, err
	}
	c, err := CompileRule(r)
	if err != nil {
		return nil, 0, err
	}
	now := s.Rules.now()
	out := []RuleMatch{}
	total := 0
	f := AccountFilter{Page: Page{Limit: evalBatch}, Visible: vis}
	for {
		as, err := s.ListAccounts(ctx, f)
		if err != nil {
			return nil, 0, err
		}
		verdicts, err := s.judge(ctx, []*CompiledRule{c}, as, now)
		if err != nil {
			return nil, 0, err
		}
		for i, a := range as {
			if len(verdicts[i].matched) == 0 {
				continue
			}
			total++
			if len(out) == limit {
				continue
			}
			m := RuleMatch{AccountID: a.ID, Name: a.Name, OwnerID: a.OwnerID, Alerts: []int64{},
				Score: Score(0, []*CompiledRule{c}).Total}
			fr, err := s.firing(ctx, r, a, now)
			if err != nil {
				return nil, 0, err
			}
			if fr != nil {
				seen := map[int64]bool{}
				for _, al := range fr.Alerts {
					if !seen[al.UserID] {
						seen[al.UserID] = true
						m.Alerts = append(m.Alerts, al.UserID)
					}
				}
				m.Tasks, m.Reassign, m.ClearOwner = len(fr.Tasks), fr.OwnerID, fr.ClearOwner
			}
			out = append(out, m)
		}
		if len(as) < f.Limit {
			return out, total, nil
		}
		f.After = as[len(as)-1].ID
	}
}

// RuleTotal is the score of an account: its base, then the parts its rules
// add, in order (see Score).
func RuleTotal(base float64, parts []ScorePart) float64 {
	total := base
	for _, p := range parts {
		if p.Mode == ScoreSet {
			total = p.Value
		} else {
			total += p.Value
		}
	}
	return max(total, 0)
}
