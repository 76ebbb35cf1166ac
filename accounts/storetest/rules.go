package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

// Rules, firings, alerts and the outbox (accounts.RuleStore). Deliveries
// enter the outbox only through RecordFiring, as the Outbox contract wants
// them in the transaction of the decision, so the outbox tests enqueue that
// way and read back through ClaimDeliveries, the one read the contract has.

func testRules(t *testing.T, open func(*testing.T) accounts.Store) {
	t.Run("Records", func(t *testing.T) { testRuleRecords(t, open) })
	t.Run("Firing", func(t *testing.T) { testFiring(t, open) })
	t.Run("FiringAllOrNothing", func(t *testing.T) { testFiringAllOrNothing(t, open) })
	t.Run("ClearOwner", func(t *testing.T) { testFiringClearsOwner(t, open) })
	t.Run("Cooldown", func(t *testing.T) { testCooldown(t, open) })
	t.Run("ConcurrentFirings", func(t *testing.T) { testConcurrentFirings(t, open) })
	t.Run("DeliveryKeys", func(t *testing.T) { testDeliveryKeys(t, open) })
	t.Run("RuleScores", func(t *testing.T) { testRuleScores(t, open) })
	t.Run("Alerts", func(t *testing.T) { testAlerts(t, open) })
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, open) })
	t.Run("ConcurrentClaims", func(t *testing.T) { testConcurrentClaims(t, open) })
}

func ruleID(r accounts.Rule) int64   { return r.ID }
func alertID(a accounts.Alert) int64 { return a.ID }

func ruleFixture(t *testing.T, i int, enabled bool) accounts.Rule {
	t.Helper()
	r := accounts.Rule{
		Name:       fmt.Sprintf("Client dormant %02d", i),
		Expression: `kind == "client" && days_since_visit > 60 && "premium" in tags`,
		Actions: []accounts.Action{
			{Type: accounts.ActionScore, Value: 12.5},
			{Type: accounts.ActionScore, Mode: accounts.ScoreSet, Value: -3},
			{Type: accounts.ActionAlert, Message: "Pas de visite depuis deux mois — « à relancer »", CC: []string{"manager", "role:admin"}},
			{Type: accounts.ActionTask, Title: "Planifier une visite", DueInDays: 7},
			{Type: accounts.ActionReassign, ToUserID: ptr(int64(42))},
		},
		Enabled:      enabled,
		CooldownDays: 30 + i,
	}
	mustValid(t, "rule", r.Validate())
	return r
}

func mailFixture(i int) accounts.Delivery {
	return accounts.Delivery{
		Key:       accounts.DeliveryKey(fmt.Sprintf("rule:1:account:1:%d", i), accounts.ChannelEmail, "elodie.fournier@example.fr"),
		Channel:   accounts.ChannelEmail,
		Recipient: "elodie.fournier@example.fr",
		Subject:   fmt.Sprintf("Tournée : Boulangerie Dupré à relancer (%d)", i),
		Body:      report,
	}
}

func hookFixture(i int) accounts.Delivery {
	return accounts.Delivery{
		Key:          accounts.DeliveryKey(fmt.Sprintf("change:%d", i), accounts.ChannelWebhook, "https://erp.example.com/hooks/tournee"),
		Channel:      accounts.ChannelWebhook,
		Recipient:    "https://erp.example.com/hooks/tournee",
		Subscription: 3,
		// Not JSON-normalised: the store keeps the bytes that get signed.
		Payload: []byte(`{"event": "alert",  "account_id":42, "message":"à relancer"}`),
	}
}

// ruleWorld is a world with a rule to fire.
type ruleWorld struct {
	*world
	rule accounts.Rule
}

func newRuleWorld(t *testing.T, open func(*testing.T) accounts.Store) *ruleWorld {
	t.Helper()
	w := newWorld(t, open)
	r := mustCreate(t, "CreateRule", w.ctx, w.s.CreateRule, ruleFixture(t, 1, true))
	return &ruleWorld{w, r}
}

// firing is a firing of w's rule on w's account at at, doing nothing yet.
func (w *ruleWorld) firing(at time.Time, cooldown time.Duration) accounts.Firing {
	return accounts.Firing{RuleID: w.rule.ID, AccountID: w.account.ID, At: at, Cooldown: cooldown}
}

// alert is an alert of w's rule on w's account to user.
func (w *ruleWorld) alert(user int64, msg string) accounts.Alert {
	return accounts.Alert{UserID: user, AccountID: &w.account.ID, RuleID: &w.rule.ID, Message: msg}
}

// record calls RecordFiring and checks whether it wrote.
func record(t *testing.T, ctx context.Context, s accounts.Store, f accounts.Firing, want bool) {
	t.Helper()
	got, err := s.RecordFiring(ctx, f)
	noErr(t, "RecordFiring", err)
	if got != want {
		t.Errorf("RecordFiring at %v (cooldown %v): got %v, want %v", f.At, f.Cooldown, got, want)
	}
}

// alertsOf lists every alert of user, newest first.
func alertsOf(t *testing.T, s accounts.Store, user int64) []accounts.Alert {
	t.Helper()
	got, err := s.ListAlerts(context.Background(), accounts.AlertFilter{UserID: user, Limit: 1000})
	noErr(t, "ListAlerts", err)
	return got
}

// pending claims every pending delivery, as due at the end of time; the
// claim counts an attempt, so tests that go on claiming use their own times.
func pending(t *testing.T, s accounts.Store) []accounts.Delivery {
	t.Helper()
	got, err := s.ClaimDeliveries(context.Background(), day(100_000), time.Minute, 1000)
	noErr(t, "ClaimDeliveries", err)
	return got
}

func testRuleRecords(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	after := lastSeq(t, w)
	r1 := mustCreate(t, "CreateRule", w.asActor, w.s.CreateRule, ruleFixture(t, 1, true))
	checkNewMeta(t, "CreateRule", r1.Meta)
	want := ruleFixture(t, 1, true)
	want.Meta = r1.Meta
	checkSame(t, "CreateRule", r1, want)
	got, err := w.s.GetRule(w.ctx, r1.ID)
	noErr(t, "GetRule", err)
	checkSame(t, "GetRule after create", got, r1)

	r2 := mustCreate(t, "CreateRule", w.asActor, w.s.CreateRule, ruleFixture(t, 2, false))
	r3 := mustCreate(t, "CreateRule", w.asActor, w.s.CreateRule, ruleFixture(t, 3, true))
	by := &w.manager.ID
	checkChanges(t, w, after, []change{
		{accounts.EntityRule, r1.ID, accounts.OpCreate, by},
		{accounts.EntityRule, r2.ID, accounts.OpCreate, by},
		{accounts.EntityRule, r3.ID, accounts.OpCreate, by},
	})

	t.Run("update", func(t *testing.T) {
		after := lastSeq(t, w)
		pause()
		in := r1
		in.Name, in.Enabled, in.CooldownDays = "Client dormant, relance", false, 0
		in.Actions = []accounts.Action{{Type: accounts.ActionAlert, Message: "Relancer"}}
		mustValid(t, "rule", in.Validate())
		up, err := w.s.UpdateRule(w.asActor, in, r1.Version)
		noErr(t, "UpdateRule", err)
		if up.Version != 2 || up.CreatedAt != r1.CreatedAt || !up.UpdatedAt.After(r1.UpdatedAt) {
			t.Errorf("UpdateRule: got version %d created %v updated %v, want 2, %v and later than %v",
				up.Version, up.CreatedAt, up.UpdatedAt, r1.CreatedAt, r1.UpdatedAt)
		}
		checkStoredTime(t, "UpdateRule: UpdatedAt", up.UpdatedAt)
		want := in
		want.Meta = up.Meta
		checkSame(t, "UpdateRule", up, want)
		got, err := w.s.GetRule(w.ctx, r1.ID)
		noErr(t, "GetRule", err)
		checkSame(t, "GetRule after update", got, up)
		checkChanges(t, w, after, []change{{accounts.EntityRule, r1.ID, accounts.OpUpdate, by}})
		r1 = up

		after = lastSeq(t, w)
		_, err = w.s.UpdateRule(w.ctx, in, 1)
		wantErr(t, "UpdateRule at a stale version", err, accounts.ErrStale)
		in.ID = missingID
		_, err = w.s.UpdateRule(w.ctx, in, 0)
		wantErr(t, "UpdateRule of a missing rule", err, accounts.ErrNotFound)
		got, err = w.s.GetRule(w.ctx, r1.ID)
		noErr(t, "GetRule", err)
		checkSame(t, "GetRule after a stale update", got, r1)
		checkChanges(t, w, after, nil)
	})

	t.Run("list", func(t *testing.T) {
		all := []accounts.Rule{r1, r2, r3}
		for _, c := range []struct {
			name    string
			enabled *bool
		}{{"any", nil}, {"enabled", ptr(true)}, {"disabled", ptr(false)}} {
			t.Run(c.name, func(t *testing.T) {
				want := filter(all, func(r accounts.Rule) bool { return c.enabled == nil || r.Enabled == *c.enabled })
				for _, limit := range []int{0, 1} {
					got := listAll(t, "ListRules", limit, ruleID, func(p accounts.Page) ([]accounts.Rule, error) {
						return w.s.ListRules(w.ctx, accounts.RuleFilter{Page: p, Enabled: c.enabled})
					})
					checkList(t, "ListRules", got, want, ruleID)
				}
			})
		}
	})

	t.Run("delete", func(t *testing.T) {
		// A rule's firings go with it; its alerts stay, unlinked.
		f := accounts.Firing{RuleID: r2.ID, AccountID: w.account.ID, At: day(0), Cooldown: 24 * time.Hour,
			Alerts: []accounts.Alert{{UserID: w.rep.ID, AccountID: &w.account.ID, RuleID: &r2.ID, Message: "Relancer"}}}
		record(t, w.ctx, w.s, f, true)
		after := lastSeq(t, w)
		wantErr(t, "DeleteRule at a stale version", w.s.DeleteRule(w.ctx, r2.ID, r2.Version+1), accounts.ErrStale)
		noErr(t, "DeleteRule", w.s.DeleteRule(w.asActor, r2.ID, r2.Version))
		_, err := w.s.GetRule(w.ctx, r2.ID)
		wantErr(t, "GetRule after delete", err, accounts.ErrNotFound)
		wantErr(t, "DeleteRule again", w.s.DeleteRule(w.ctx, r2.ID, 0), accounts.ErrNotFound)
		checkChanges(t, w, after, []change{{accounts.EntityRule, r2.ID, accounts.OpDelete, by}})
		alerts := alertsOf(t, w.s, w.rep.ID)
		if len(alerts) != 1 || alerts[0].RuleID != nil || alerts[0].Message != "Relancer" {
			t.Errorf("alerts of a deleted rule: got %+v, want the alert kept with no rule", alerts)
		}
		got := listAll(t, "ListRules", 0, ruleID, func(p accounts.Page) ([]accounts.Rule, error) {
			return w.s.ListRules(w.ctx, accounts.RuleFilter{Page: p})
		})
		checkList(t, "ListRules after delete", got, []accounts.Rule{r1, r3}, ruleID)
	})
}

// testFiring records one firing that does everything and reads each of
// its effects back.
func testFiring(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newRuleWorld(t, open)
	before, err := w.s.GetAccount(w.ctx, w.account.ID)
	noErr(t, "GetAccount", err)
	at := day(3)
	f := w.firing(at, 30*24*time.Hour)
	f.Alerts = []accounts.Alert{w.alert(w.rep.ID, "Boulangerie Dupré : à relancer"), w.alert(w.manager.ID, "En copie")}
	task := taskFixture(t, &w.account.ID, w.rep.ID, nil, 1)
	f.Tasks = []accounts.Task{task}
	f.Deliveries = []accounts.Delivery{mailFixture(1), hookFixture(1)}
	f.OwnerID = &w.manager.ID
	after := lastSeq(t, w.world)
	pause()
	record(t, w.asActor, w.s, f, true)

	t.Run("alerts", func(t *testing.T) {
		for _, want := range f.Alerts {
			got := alertsOf(t, w.s, want.UserID)
			if len(got) != 1 {
				t.Fatalf("alerts of user %d: got %d, want 1", want.UserID, len(got))
			}
			if got[0].ID <= 0 {
				t.Errorf("alert: got ID %d, want > 0", got[0].ID)
			}
			checkStoredTime(t, "alert CreatedAt", got[0].CreatedAt)
			want.ID, want.CreatedAt = got[0].ID, got[0].CreatedAt
			checkSame(t, "alert", got[0], want)
		}
	})
	var created accounts.Task
	t.Run("task", func(t *testing.T) {
		got, err := w.s.ListTasks(w.ctx, accounts.TaskFilter{AccountID: w.account.ID})
		noErr(t, "ListTasks", err)
		if len(got) != 1 {
			t.Fatalf("tasks of the account: got %d, want 1", len(got))
		}
		created = got[0]
		checkNewMeta(t, "task of a firing", created.Meta)
		want := task
		want.Meta = created.Meta
		checkSame(t, "task of a firing", created, want)
	})
	t.Run("owner", func(t *testing.T) {
		got, err := w.s.GetAccount(w.ctx, w.account.ID)
		noErr(t, "GetAccount", err)
		if !got.UpdatedAt.After(before.UpdatedAt) {
			t.Errorf("reassigned account: got UpdatedAt %v, want later than %v", got.UpdatedAt, before.UpdatedAt)
		}
		want := before
		want.Version++
		want.OwnerID = &w.manager.ID
		want.UpdatedAt = got.UpdatedAt
		checkSame(t, "reassigned account", got, want)
	})
	t.Run("changes", func(t *testing.T) {
		// Alerts are not records of the feed; tasks and accounts are.
		by := &w.manager.ID
		checkChanges(t, w.world, after, []change{
			{accounts.EntityTask, created.ID, accounts.OpCreate, by},
			{accounts.EntityAccount, w.account.ID, accounts.OpUpdate, by},
		})
	})
	t.Run("deliveries", func(t *testing.T) {
		got, err := w.s.ClaimDeliveries(w.ctx, at, time.Minute, 10)
		noErr(t, "ClaimDeliveries", err)
		if len(got) != 2 {
			t.Fatalf("deliveries due at the firing: got %d, want 2", len(got))
		}
		for i, want := range f.Deliveries {
			g := got[i]
			if g.ID <= 0 {
				t.Errorf("delivery %d: got ID %d, want > 0", i, g.ID)
			}
			checkStoredTime(t, "delivery CreatedAt", g.CreatedAt)
			want.ID, want.CreatedAt = g.ID, g.CreatedAt
			want.State, want.Attempts, want.NextAt = accounts.DeliveryPending, 1, at.Add(time.Minute)
			checkSame(t, fmt.Sprintf("delivery %d", i), g, want)
		}
		if got[0].ID >= got[1].ID {
			t.Errorf("deliveries due at one time: got ids %d, %d, want them in id order", got[0].ID, got[1].ID)
		}
	})
}

// testFiringAllOrNothing checks that a firing that fails writes nothing at
// all: no alert, task, delivery, owner change, change row, nor firing
// (the next firing is not held back by a cooldown).
func testFiringAllOrNothing(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newRuleWorld(t, open)
	before, err := w.s.GetAccount(w.ctx, w.account.ID)
	noErr(t, "GetAccount", err)
	cooldown := 30 * 24 * time.Hour
	full := func() accounts.Firing {
		f := w.firing(day(1), cooldown)
		f.Alerts = []accounts.Alert{w.alert(w.rep.ID, "À relancer")}
		f.Tasks = []accounts.Task{taskFixture(t, &w.account.ID, w.rep.ID, nil, 1)}
		f.Deliveries = []accounts.Delivery{mailFixture(1)}
		f.OwnerID = &w.manager.ID
		return f
	}
	tests := []struct {
		name string
		edit func(*accounts.Firing)
		want error
	}{
		{"task with a missing assignee", func(f *accounts.Firing) { f.Tasks[0].AssigneeID = missingID }, accounts.ErrInvalid},
		{"alert to a missing user", func(f *accounts.Firing) { f.Alerts[0].UserID = missingID }, accounts.ErrInvalid},
		{"missing new owner", func(f *accounts.Firing) { f.OwnerID = ptr(missingID) }, accounts.ErrInvalid},
		{"missing account", func(f *accounts.Firing) { f.AccountID = missingID }, accounts.ErrInvalid},
		{"missing rule", func(f *accounts.Firing) { f.RuleID = missingID }, accounts.ErrInvalid},
		{"invalid delivery", func(f *accounts.Firing) { f.Deliveries[0].Subject = "" }, accounts.ErrInvalid},
		{"owner set and cleared", func(f *accounts.Firing) { f.ClearOwner = true }, accounts.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			after := lastSeq(t, w.world)
			f := full()
			tc.edit(&f)
			ok, err := w.s.RecordFiring(w.asActor, f)
			wantErr(t, "RecordFiring", err, tc.want)
			if ok {
				t.Errorf("RecordFiring: got true, want false with an error")
			}
			checkChanges(t, w.world, after, nil)
			if got := alertsOf(t, w.s, w.rep.ID); len(got) != 0 {
				t.Errorf("alerts after a failed firing: got %+v, want none", got)
			}
			tasks, err := w.s.ListTasks(w.ctx, accounts.TaskFilter{})
			noErr(t, "ListTasks", err)
			if len(tasks) != 0 {
				t.Errorf("tasks after a failed firing: got %+v, want none", tasks)
			}
			if got := pending(t, w.s); len(got) != 0 {
				t.Errorf("deliveries after a failed firing: got %+v, want none", got)
			}
			checkStoredAccount(t, w.world, before)
		})
	}
	t.Run("no firing left behind", func(t *testing.T) {
		record(t, w.ctx, w.s, full(), true)
	})
}

// testFiringClearsOwner records firings that reassign to the open pool:
// the first removes the owner, an account update like any other; the next
// finds no owner to remove and changes nothing but its own row.
func testFiringClearsOwner(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newRuleWorld(t, open)
	before, err := w.s.GetAccount(w.ctx, w.account.ID)
	noErr(t, "GetAccount", err)
	f := w.firing(day(1), 0)
	f.ClearOwner = true
	after := lastSeq(t, w.world)
	pause()
	record(t, w.asActor, w.s, f, true)
	got, err := w.s.GetAccount(w.ctx, w.account.ID)
	noErr(t, "GetAccount", err)
	if !got.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("account returned to the pool: got UpdatedAt %v, want later than %v", got.UpdatedAt, before.UpdatedAt)
	}
	want := before
	want.Version++
	want.OwnerID = nil
	want.UpdatedAt = got.UpdatedAt
	checkSame(t, "account returned to the pool", got, want)
	checkChanges(t, w.world, after, []change{{accounts.EntityAccount, w.account.ID, accounts.OpUpdate, &w.manager.ID}})

	after = lastSeq(t, w.world)
	f.At = day(2)
	record(t, w.asActor, w.s, f, true)
	checkChanges(t, w.world, after, nil)
	checkStoredAccount(t, w.world, got)
}

func testCooldown(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newRuleWorld(t, open)
	other := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 2, &w.rep.ID))
	const week = 7 * 24 * time.Hour
	fire := func(t *testing.T, at time.Time, want bool) {
		t.Helper()
		f := w.firing(at, week)
		f.Alerts = []accounts.Alert{w.alert(w.rep.ID, "À relancer "+at.Format(time.DateOnly))}
		n := len(alertsOf(t, w.s, w.rep.ID))
		record(t, w.ctx, w.s, f, want)
		wantN := n
		if want {
			wantN++
		}
		if got := len(alertsOf(t, w.s, w.rep.ID)); got != wantN {
			t.Errorf("alerts after a firing that wrote %v: got %d, want %d", want, got, wantN)
		}
	}
	t0 := day(0)
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"first firing", func(t *testing.T) { fire(t, t0, true) }},
		{"within the cooldown", func(t *testing.T) { fire(t, t0.Add(24*time.Hour), false) }},
		{"just before it ends", func(t *testing.T) { fire(t, t0.Add(week-time.Microsecond), false) }},
		{"other account not held back", func(t *testing.T) {
			f := accounts.Firing{RuleID: w.rule.ID, AccountID: other.ID, At: t0.Add(time.Hour), Cooldown: week}
			record(t, w.ctx, w.s, f, true)
		}},
		{"when it ends", func(t *testing.T) { fire(t, t0.Add(week), true) }},
		{"measured from the last firing", func(t *testing.T) { fire(t, t0.Add(week+24*time.Hour), false) }},
		{"cleared", func(t *testing.T) {
			noErr(t, "ClearFirings", w.s.ClearFirings(w.ctx, w.rule.ID, []int64{w.account.ID, missingID}))
			noErr(t, "ClearFirings of none", w.s.ClearFirings(w.ctx, w.rule.ID, nil))
			fire(t, t0.Add(week+48*time.Hour), true)
		}},
		{"other account kept its firing", func(t *testing.T) {
			f := accounts.Firing{RuleID: w.rule.ID, AccountID: other.ID, At: t0.Add(48 * time.Hour), Cooldown: week}
			record(t, w.ctx, w.s, f, false)
		}},
		{"no cooldown always fires", func(t *testing.T) {
			for range 3 {
				f := w.firing(t0.Add(week+48*time.Hour), 0)
				record(t, w.ctx, w.s, f, true)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}
}

// testConcurrentFirings fires one rule on one account from several
// goroutines at once: exactly one may write within the cooldown.
func testConcurrentFirings(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newRuleWorld(t, open)
	const n = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	wrote := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		f := w.firing(day(0).Add(time.Duration(i)*time.Minute), 24*time.Hour)
		f.Alerts = []accounts.Alert{w.alert(w.rep.ID, fmt.Sprintf("À relancer (%d)", i))}
		f.Deliveries = []accounts.Delivery{mailFixture(i)}
		wg.Go(func() {
			<-start
			wrote[i], errs[i] = w.s.RecordFiring(context.Background(), f)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("RecordFiring %d: %v", i, errs[i])
		} else if wrote[i] {
			won++
		}
	}
	if won != 1 {
		t.Errorf("simultaneous firings of one rule on one account: got %d that wrote, want exactly 1", won)
	}
	if got := alertsOf(t, w.s, w.rep.ID); len(got) != 1 {
		t.Errorf("alerts: got %d, want 1", len(got))
	}
	if got := pending(t, w.s); len(got) != 1 {
		t.Errorf("deliveries: got %d, want 1", len(got))
	}
}

// testDeliveryKeys checks that a delivery whose key is in the outbox
// already, from an earlier firing or the same one, is skipped while the
// rest of the firing is written.
func testDeliveryKeys(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newRuleWorld(t, open)
	first := w.firing(day(0), 0)
	first.Deliveries = []accounts.Delivery{mailFixture(1), mailFixture(1)}
	record(t, w.ctx, w.s, first, true)
	again := w.firing(day(1), 0)
	again.Alerts = []accounts.Alert{w.alert(w.rep.ID, "Encore")}
	changed := mailFixture(1)
	changed.Subject = "Autre sujet, même clé"
	again.Deliveries = []accounts.Delivery{changed, hookFixture(1)}
	record(t, w.ctx, w.s, again, true)
	got := pending(t, w.s)
	keys := make([]string, len(got))
	for i, d := range got {
		keys[i] = d.Key
	}
	if want := []string{mailFixture(1).Key, hookFixture(1).Key}; !slices.Equal(keys, want) {
		t.Fatalf("outbox keys: got %q, want %q", keys, want)
	}
	if got[0].Subject != mailFixture(1).Subject {
		t.Errorf("delivery enqueued twice: got subject %q, want the first %q", got[0].Subject, mailFixture(1).Subject)
	}
	if n := len(alertsOf(t, w.s, w.rep.ID)); n != 1 {
		t.Errorf("alerts of the firing whose delivery was skipped: got %d, want 1", n)
	}
}

// testRuleScores checks that SetRuleScores stores the parts, read back by
// every account read, without a version bump, with an account update change
// row for each account whose parts changed only; and that account writes
// ignore RuleScore.
func testRuleScores(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	a := w.account
	b := mustCreate(t, "CreateAccount", w.ctx, w.s.CreateAccount, accountFixture(t, 2, nil))
	if a.RuleScore != nil || b.RuleScore != nil {
		t.Fatalf("new accounts: got RuleScore %v and %v, want nil", a.RuleScore, b.RuleScore)
	}
	parts := []accounts.ScorePart{
		{Source: "rule", RuleID: 3, Rule: "Client dormant", Mode: accounts.ScoreAdd, Value: 12.5},
		{Source: "rule", RuleID: 7, Rule: "Grand compte « premium »", Mode: accounts.ScoreSet, Value: -0.25},
	}
	check := func(t *testing.T, wantA, wantB []accounts.ScorePart) {
		t.Helper()
		wa, wb := a, b
		wa.RuleScore, wb.RuleScore = wantA, wantB
		checkStoredAccount(t, w, wa)
		checkStoredAccount(t, w, wb)
		got, err := w.s.AccountsByID(w.ctx, []int64{a.ID, b.ID})
		noErr(t, "AccountsByID", err)
		checkList(t, "AccountsByID", got, []accounts.Account{wa, wb}, accountID)
		listed, err := w.s.ListAccounts(w.ctx, accounts.AccountFilter{})
		noErr(t, "ListAccounts", err)
		checkList(t, "ListAccounts", listed, []accounts.Account{wa, wb}, accountID)
	}
	set := func(t *testing.T, scores map[int64][]accounts.ScorePart, changed ...int64) {
		t.Helper()
		after := lastSeq(t, w)
		noErr(t, "SetRuleScores", w.s.SetRuleScores(w.asActor, scores))
		var want []change
		for _, id := range changed {
			want = append(want, change{accounts.EntityAccount, id, accounts.OpUpdate, &w.manager.ID})
		}
		checkChanges(t, w, after, want)
	}
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"none", func(t *testing.T) {
			set(t, nil)
			check(t, nil, nil)
		}},
		{"set, unknown skipped", func(t *testing.T) {
			set(t, map[int64][]accounts.ScorePart{a.ID: parts, b.ID: nil, missingID: parts}, a.ID)
			check(t, parts, nil)
		}},
		{"same again", func(t *testing.T) {
			set(t, map[int64][]accounts.ScorePart{a.ID: slices.Clone(parts), b.ID: {}})
			check(t, parts, nil)
		}},
		{"changed", func(t *testing.T) {
			set(t, map[int64][]accounts.ScorePart{a.ID: parts[:1], b.ID: parts[1:]}, a.ID, b.ID)
			check(t, parts[:1], parts[1:])
		}},
		{"cleared", func(t *testing.T) {
			set(t, map[int64][]accounts.ScorePart{a.ID: {}}, a.ID)
			check(t, nil, parts[1:])
		}},
		{"account update ignores it", func(t *testing.T) {
			in := b
			in.RuleScore = parts
			in.Segment = "pâtisserie"
			up, err := w.s.UpdateAccount(w.ctx, in, b.Version)
			noErr(t, "UpdateAccount", err)
			if !slices.Equal(up.RuleScore, parts[1:]) {
				t.Errorf("UpdateAccount: got RuleScore %v, want the stored %v", up.RuleScore, parts[1:])
			}
			checkStoredAccount(t, w, up)
			b = up
			b.RuleScore = nil // check sets it
			check(t, nil, parts[1:])
		}},
		{"account create ignores it", func(t *testing.T) {
			in := accountFixture(t, 3, nil)
			in.RuleScore = parts
			c, err := w.s.CreateAccount(w.ctx, in)
			noErr(t, "CreateAccount", err)
			if c.RuleScore != nil {
				t.Errorf("CreateAccount: got RuleScore %v, want nil", c.RuleScore)
			}
			checkStoredAccount(t, w, c)
			cs, err := w.s.CreateAccounts(w.ctx, []accounts.Account{in})
			noErr(t, "CreateAccounts", err)
			if cs[0].RuleScore != nil {
				t.Errorf("CreateAccounts: got RuleScore %v, want nil", cs[0].RuleScore)
			}
			checkStoredAccount(t, w, cs[0])
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}
}

func testAlerts(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newRuleWorld(t, open)
	f := w.firing(day(0), 0)
	for i := range 5 {
		f.Alerts = append(f.Alerts, w.alert(w.rep.ID, fmt.Sprintf("Alerte %d", i)))
	}
	f.Alerts = append(f.Alerts, w.alert(w.manager.ID, "Copie"))
	// An alert may name no account nor rule, as a task reminder does.
	f.Alerts = append(f.Alerts, accounts.Alert{UserID: w.rep.ID, Message: "Rappel"})
	after := lastSeq(t, w.world)
	record(t, w.asActor, w.s, f, true)
	checkChanges(t, w.world, after, nil) // alerts are not records of the feed

	mine := alertsOf(t, w.s, w.rep.ID)
	if len(mine) != 6 {
		t.Fatalf("alerts of the rep: got %d, want 6", len(mine))
	}
	for i, a := range mine {
		if a.UserID != w.rep.ID || a.ReadAt != nil {
			t.Errorf("alert %d: got user %d read %v, want user %d unread", a.ID, a.UserID, a.ReadAt, w.rep.ID)
		}
		if i > 0 && a.ID >= mine[i-1].ID {
			t.Errorf("alerts: got ids %v, want them newest first", ids(mine, alertID))
		}
	}
	if mine[0].Message != "Rappel" || mine[0].AccountID != nil || mine[0].RuleID != nil || mine[0].TaskID != nil {
		t.Errorf("alert with no links: got %+v", mine[0])
	}

	t.Run("pages", func(t *testing.T) {
		var got []accounts.Alert
		before := int64(0)
		for range 10 {
			page, err := w.s.ListAlerts(w.ctx, accounts.AlertFilter{UserID: w.rep.ID, Before: before, Limit: 4})
			noErr(t, "ListAlerts", err)
			got = append(got, page...)
			if len(page) < 4 {
				break
			}
			before = page[len(page)-1].ID
		}
		checkList(t, "ListAlerts by pages of 4", got, mine, alertID)
	})
	t.Run("read", func(t *testing.T) {
		at := base.Add(90 * time.Minute).In(time.FixedZone("CEST", 2*3600)).Add(789 * time.Nanosecond)
		target := mine[2]
		got, err := w.s.MarkAlertRead(w.ctx, target.ID, w.rep.ID, at)
		noErr(t, "MarkAlertRead", err)
		want := target
		want.ReadAt = ptr(at.UTC().Truncate(time.Microsecond))
		checkSame(t, "MarkAlertRead", got, want)
		again, err := w.s.MarkAlertRead(w.ctx, target.ID, w.rep.ID, at.Add(time.Hour))
		noErr(t, "MarkAlertRead again", err)
		checkSame(t, "MarkAlertRead again keeps the first ReadAt", again, want)

		unread, err := w.s.ListAlerts(w.ctx, accounts.AlertFilter{UserID: w.rep.ID, Unread: true})
		noErr(t, "ListAlerts unread", err)
		checkList(t, "ListAlerts unread", unread, slices.Delete(slices.Clone(mine), 2, 3), alertID)
		all := alertsOf(t, w.s, w.rep.ID)
		if len(all) != 6 || !same(all[2], want) {
			t.Errorf("ListAlerts after read: got %+v, want %+v third", all, want)
		}
		page, err := w.s.ListAlerts(w.ctx, accounts.AlertFilter{UserID: w.rep.ID, Unread: true, Before: mine[1].ID, Limit: 1})
		noErr(t, "ListAlerts unread before", err)
		checkList(t, "ListAlerts unread before", page, mine[3:4], alertID)
	})
	t.Run("others' alerts", func(t *testing.T) {
		_, err := w.s.MarkAlertRead(w.ctx, mine[0].ID, w.manager.ID, base)
		wantErr(t, "MarkAlertRead of another user's alert", err, accounts.ErrNotFound)
		_, err = w.s.MarkAlertRead(w.ctx, missingID, w.rep.ID, base)
		wantErr(t, "MarkAlertRead of a missing alert", err, accounts.ErrNotFound)
		if got := alertsOf(t, w.s, w.rep.ID); got[0].ReadAt != nil {
			t.Errorf("alert marked by another user: got ReadAt %v, want nil", got[0].ReadAt)
		}
		theirs := alertsOf(t, w.s, w.manager.ID)
		if len(theirs) != 1 || theirs[0].Message != "Copie" {
			t.Errorf("alerts of the manager: got %+v, want the copy only", theirs)
		}
		_, err = w.s.ListAlerts(w.ctx, accounts.AlertFilter{})
		wantErr(t, "ListAlerts of no user", err, accounts.ErrInvalid)
	})
	t.Run("user with alerts", func(t *testing.T) {
		// An alert refers to its user, which every such reference protects.
		u := mustCreate(t, "CreateUser", w.ctx, w.s.CreateUser, userFixture(t, 5, accounts.RoleRep, nil))
		g := w.firing(day(0), 0)
		g.Alerts = []accounts.Alert{w.alert(u.ID, "Bienvenue")}
		record(t, w.ctx, w.s, g, true)
		wantErr(t, "DeleteUser with alerts", w.s.DeleteUser(w.ctx, u.ID, u.Version), accounts.ErrConflict)
	})
}

// testOutbox walks deliveries through claims, leases, marks and attempts.
func testOutbox(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newRuleWorld(t, open)
	if _, ok, err := w.s.NextDeliveryAt(w.ctx); err != nil || ok {
		t.Fatalf("NextDeliveryAt of an empty outbox: got %v, %v, want false", ok, err)
	}
	t0 := day(0)
	// Three deliveries due at t0+2m, t0 and t0+1m, enqueued in that order.
	enqueue := func(at time.Time, d accounts.Delivery) {
		t.Helper()
		f := w.firing(at, 0)
		f.Deliveries = []accounts.Delivery{d}
		record(t, w.ctx, w.s, f, true)
	}
	enqueue(t0.Add(2*time.Minute), mailFixture(1))
	enqueue(t0, mailFixture(2))
	enqueue(t0.Add(time.Minute), hookFixture(3))
	const lease = 10 * time.Minute
	claim := func(t *testing.T, now time.Time, limit int, wantKeys ...string) []accounts.Delivery {
		t.Helper()
		got, err := w.s.ClaimDeliveries(w.ctx, now, lease, limit)
		noErr(t, "ClaimDeliveries", err)
		keys := make([]string, len(got))
		for i, d := range got {
			keys[i] = d.Key
			if d.State != accounts.DeliveryPending || !d.NextAt.Equal(now.Add(lease)) {
				t.Errorf("claimed %s: got state %s next %v, want pending until %v", d.Key, d.State, d.NextAt, now.Add(lease))
			}
		}
		if !slices.Equal(keys, wantKeys) {
			t.Fatalf("ClaimDeliveries at %v limit %d: got keys %q, want %q", now, limit, keys, wantKeys)
		}
		return got
	}
	next := func(t *testing.T, want time.Time) {
		t.Helper()
		got, ok, err := w.s.NextDeliveryAt(w.ctx)
		noErr(t, "NextDeliveryAt", err)
		if !ok || !got.Equal(want) {
			t.Errorf("NextDeliveryAt: got %v, %v, want %v", got, ok, want)
		}
	}
	k1, k2, k3 := mailFixture(1).Key, mailFixture(2).Key, hookFixture(3).Key
	var d2, d3 accounts.Delivery
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"next", func(t *testing.T) { next(t, t0) }},
		{"nothing due yet", func(t *testing.T) { claim(t, t0.Add(-time.Microsecond), 10) }},
		{"oldest first, up to the limit", func(t *testing.T) {
			got := claim(t, t0.Add(time.Minute), 1, k2)
			d2 = got[0]
			if d2.Attempts != 1 {
				t.Errorf("first claim: got Attempts %d, want 1", d2.Attempts)
			}
			got = claim(t, t0.Add(time.Minute), 10, k3)
			d3 = got[0]
			next(t, t0.Add(2*time.Minute))
		}},
		{"leased deliveries are not claimed again", func(t *testing.T) {
			claim(t, t0.Add(5*time.Minute), 10, k1)
			claim(t, t0.Add(time.Minute+lease-time.Microsecond), 10)
			next(t, t0.Add(time.Minute+lease))
		}},
		{"lapsed leases are claimed again, attempts counted", func(t *testing.T) {
			got := claim(t, t0.Add(time.Minute+lease), 10, k2, k3)
			if got[0].Attempts != 2 || got[1].Attempts != 2 {
				t.Errorf("second claims: got Attempts %d and %d, want 2", got[0].Attempts, got[1].Attempts)
			}
		}},
		{"stale marks conflict", func(t *testing.T) {
			// The first workers' leases lapsed: their marks must not land.
			wantErr(t, "MarkSent of attempt 1", w.s.MarkSent(w.ctx, d2.ID, 1, t0), accounts.ErrConflict)
			wantErr(t, "MarkFailed of attempt 1", w.s.MarkFailed(w.ctx, d3.ID, 1, t0, "timeout"), accounts.ErrConflict)
			wantErr(t, "MarkDead of attempt 1", w.s.MarkDead(w.ctx, d3.ID, 1, t0, "refused"), accounts.ErrConflict)
			wantErr(t, "MarkSent of attempt 3", w.s.MarkSent(w.ctx, d2.ID, 3, t0), accounts.ErrConflict)
			wantErr(t, "MarkSent of a missing delivery", w.s.MarkSent(w.ctx, missingID, 1, t0), accounts.ErrNotFound)
		}},
		{"sent", func(t *testing.T) {
			noErr(t, "MarkSent", w.s.MarkSent(w.ctx, d2.ID, 2, t0.Add(12*time.Minute)))
			wantErr(t, "MarkSent again", w.s.MarkSent(w.ctx, d2.ID, 2, t0), accounts.ErrConflict)
			wantErr(t, "MarkFailed after sent", w.s.MarkFailed(w.ctx, d2.ID, 2, t0, "late"), accounts.ErrConflict)
		}},
		{"failed, due again", func(t *testing.T) {
			retry := t0.Add(time.Hour)
			noErr(t, "MarkFailed", w.s.MarkFailed(w.ctx, d3.ID, 2, retry, "HTTP 503 Service Unavailable"))
			claim(t, retry.Add(-time.Microsecond), 10, k1)
			got := claim(t, retry, 10, k3)
			if got[0].Attempts != 3 || got[0].LastError != "HTTP 503 Service Unavailable" {
				t.Errorf("claim after a failure: got Attempts %d LastError %q, want 3 and the error", got[0].Attempts, got[0].LastError)
			}
		}},
		{"dead is never claimed", func(t *testing.T) {
			noErr(t, "MarkDead", w.s.MarkDead(w.ctx, d3.ID, 3, t0.Add(61*time.Minute), "HTTP 410 Gone"))
			wantErr(t, "MarkFailed after dead", w.s.MarkFailed(w.ctx, d3.ID, 3, t0, "late"), accounts.ErrConflict)
			got := claim(t, day(1000), 10, k1)
			if got[0].Attempts != 3 {
				t.Errorf("third claim of %s: got Attempts %d, want 3", k1, got[0].Attempts)
			}
			next(t, day(1000).Add(lease))
			noErr(t, "MarkSent", w.s.MarkSent(w.ctx, got[0].ID, 3, day(1000)))
			claim(t, day(2000), 10)
			if _, ok, err := w.s.NextDeliveryAt(w.ctx); err != nil || ok {
				t.Errorf("NextDeliveryAt with nothing pending: got %v, %v, want false", ok, err)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}
}

// testConcurrentClaims has several workers drain the outbox at once: each
// delivery goes to exactly one of them.
func testConcurrentClaims(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newRuleWorld(t, open)
	const n, workers = 120, 8
	f := w.firing(day(0), 0)
	for i := range n {
		f.Deliveries = append(f.Deliveries, mailFixture(i))
	}
	record(t, w.ctx, w.s, f, true)
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range workers {
		wg.Go(func() {
			// A read first, so that a pooled store has a connection for
			// each worker before they race.
			if _, _, err := w.s.NextDeliveryAt(context.Background()); err != nil {
				t.Errorf("NextDeliveryAt: %v", err)
			}
			<-start
			for {
				ds, err := w.s.ClaimDeliveries(context.Background(), day(1), time.Hour, 3)
				if err != nil {
					t.Errorf("ClaimDeliveries: %v", err)
					return
				}
				if len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if len(seen) != n {
		t.Errorf("deliveries claimed: got %d, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("delivery %d: claimed %d times, want once", id, c)
		}
	}
}
