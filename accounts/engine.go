package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The rules engine: it evaluates the enabled strategic rules on accounts,
// stores the score parts they add (the spatial index and the planner read
// them from the account), and carries out their other actions through
// RecordFiring, one transaction per rule and account, so that a crash
// leaves each firing whole or absent.

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

// evalBatch is how many accounts one evaluation step reads and scores.
const evalBatch = 500

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

// factsOf reads what a's facts need and computes them at now.
func (s *Service) factsOf(ctx context.Context, a Account, now time.Time) (Facts, error) {
	revenue, err := s.ListRevenue(ctx, a.ID)
	if err != nil {
		return Facts{}, err
	}
	opps, err := s.ListOpportunities(ctx, OpportunityFilter{AccountID: a.ID, Page: Page{Limit: 1000}})
	if err != nil {
		return Facts{}, err
	}
	contacts, err := s.ListContacts(ctx, ContactFilter{AccountID: a.ID, Page: Page{Limit: 1000}})
	if err != nil {
		return Facts{}, err
	}
	return FactsOf(a, revenue, opps, contacts, now, s.Rules.zone()), nil
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
		for from := 0; from < len(ids); from += evalBatch {
			as, err := s.AccountsByID(ctx, ids[from:min(from+evalBatch, len(ids))])
			if err != nil {
				return run, err
			}
			if err := s.evaluate(ctx, rules, as, &run); err != nil {
				return run, err
			}
		}
		return run, nil
	}
	f := AccountFilter{Page: Page{Limit: evalBatch}}
	for {
		as, err := s.ListAccounts(ctx, f)
		if err != nil {
			return run, err
		}
		if err := s.evaluate(ctx, rules, as, &run); err != nil {
			return run, err
		}
		if len(as) < f.Limit {
			return run, nil
		}
		f.After = as[len(as)-1].ID
	}
}

// evaluate runs rules on one batch of accounts.
func (s *Service) evaluate(ctx context.Context, rules []*CompiledRule, as []Account, run *RuleRun) error {
	now := s.Rules.now()
	scores := make(map[int64][]ScorePart, len(as))
	cleared := make(map[int64][]int64) // rule → accounts whose condition does not hold
	for _, a := range as {
		if err := ctx.Err(); err != nil {
			return err
		}
		run.Accounts++
		facts, err := s.factsOf(ctx, a, now)
		if err != nil {
			return err
		}
		var fired []*CompiledRule
		for _, r := range rules {
			ok, err := r.Match(facts)
			if err != nil {
				run.Errors++
				continue
			}
			if !ok {
				cleared[r.Rule.ID] = append(cleared[r.Rule.ID], a.ID)
				continue
			}
			run.Matches++
			fired = append(fired, r)
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
		// Score keeps only what the rules add; the base moves with time
		// and is recomputed wherever the score is read.
		scores[a.ID] = Score(0, fired).Parts[1:]
	}
	for rule, ids := range cleared {
		if err := s.ClearFirings(ctx, rule, ids); err != nil {
			return err
		}
	}
	if err := s.SetRuleScores(ctx, scores); err != nil {
		return err
	}
	s.place(ctx, nil)
	return nil
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
			if action.ToUserID != nil && (a.OwnerID == nil || *a.OwnerID != *action.ToUserID) {
				f.OwnerID = action.ToUserID
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
	Score    float64 `json:"score"` // what the rule's score actions alone give from 0
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
		for _, a := range as {
			facts, err := s.factsOf(ctx, a, now)
			if err != nil {
				return nil, 0, err
			}
			if ok, err := c.Match(facts); err != nil || !ok {
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
				m.Tasks, m.Reassign = len(fr.Tasks), fr.OwnerID
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
