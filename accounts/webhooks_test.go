package accounts_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/sqlite"
	"github.com/tournee/tournee/geo"
)

func TestWebhookValidate(t *testing.T) {
	ok := func() accounts.Webhook {
		return accounts.Webhook{URL: " https://erp.example.com/hooks?x=1 ", Entities: []string{"opportunity", "account", "account"},
			Ops: []accounts.Op{accounts.OpUpdate, accounts.OpCreate}}
	}
	w := ok()
	if err := w.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if w.URL != "https://erp.example.com/hooks?x=1" || !slices.Equal(w.Entities, []string{"account", "opportunity"}) ||
		!slices.Equal(w.Ops, []accounts.Op{accounts.OpCreate, accounts.OpUpdate}) {
		t.Errorf("Validate did not trim and sort: %+v", w)
	}
	for _, tt := range []struct {
		name, field string
		edit        func(*accounts.Webhook)
	}{
		{"no url", "url", func(w *accounts.Webhook) { w.URL = "" }},
		{"ftp", "url", func(w *accounts.Webhook) { w.URL = "ftp://erp.example.com/" }},
		{"relative", "url", func(w *accounts.Webhook) { w.URL = "/hooks" }},
		{"no host", "url", func(w *accounts.Webhook) { w.URL = "https:///hooks" }},
		{"credentials", "url", func(w *accounts.Webhook) { w.URL = "https://user:pw@erp.example.com/" }},
		{"fragment", "url", func(w *accounts.Webhook) { w.URL = "https://erp.example.com/#x" }},
		{"no entity", "entities", func(w *accounts.Webhook) { w.Entities = nil }},
		{"unknown entity", "entities", func(w *accounts.Webhook) { w.Entities = []string{"account", "user"} }},
		{"unknown op", "ops", func(w *accounts.Webhook) { w.Ops = []accounts.Op{"upsert"} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := ok()
			tt.edit(&w)
			err := w.Validate()
			var fe *accounts.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("Validate: got %v, want an error on %s", err, tt.field)
			}
		})
	}
}

// hookWorld is a service over a fresh SQLite store with a user and an
// account to write with.
type hookWorld struct {
	ctx  context.Context
	db   *sqlite.DB
	svc  *accounts.Service
	user accounts.User
}

func newHookWorld(t *testing.T) *hookWorld {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := accounts.NewService(db)
	u, err := svc.CreateUser(ctx, accounts.User{Email: "rep@example.test", Name: "Rep", Role: accounts.RoleRep})
	if err != nil {
		t.Fatal(err)
	}
	return &hookWorld{ctx: accounts.WithActor(ctx, u.ID), db: db, svc: svc, user: u}
}

func (w *hookWorld) account(t *testing.T, name string) accounts.Account {
	t.Helper()
	a, err := w.svc.CreateAccount(w.ctx, accounts.Account{Kind: accounts.KindClient, Name: name, Point: geo.Point{Lat: 45.76, Lng: 4.83}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (w *hookWorld) subscribe(t *testing.T, entities []string, ops ...accounts.Op) accounts.Webhook {
	t.Helper()
	h, secret, err := w.svc.CreateWebhook(w.ctx, accounts.Webhook{URL: "https://erp.example.com/hooks", Entities: entities, Ops: ops, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if stored, err := w.svc.WebhookSecret(w.ctx, h.ID); err != nil || stored != secret || len(secret) < 40 {
		t.Fatalf("secret: stored %q, %v; returned %q", stored, err, secret)
	}
	return h
}

// dispatch runs DispatchWebhooks and checks how many deliveries it added.
func (w *hookWorld) dispatch(t *testing.T, want int) {
	t.Helper()
	n, err := w.svc.DispatchWebhooks(w.ctx)
	if err != nil {
		t.Fatalf("DispatchWebhooks: %v", err)
	}
	if n != want {
		t.Errorf("DispatchWebhooks: got %d deliveries, want %d", n, want)
	}
}

// events claims every pending delivery and decodes its payload, by key.
func (w *hookWorld) events(t *testing.T) map[string]accounts.WebhookEvent {
	t.Helper()
	ds, err := w.db.ClaimDeliveries(w.ctx, time.Now().Add(time.Hour), time.Minute, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]accounts.WebhookEvent{}
	for _, d := range ds {
		var ev accounts.WebhookEvent
		if err := json.Unmarshal(d.Payload, &ev); err != nil {
			t.Fatalf("payload of %s: %v", d.Key, err)
		}
		if d.Channel != accounts.ChannelWebhook || d.Recipient != "https://erp.example.com/hooks" || ev.Key != d.Key {
			t.Errorf("delivery %+v: want a webhook to the subscription's URL whose payload names its key", d)
		}
		out[d.Key] = ev
	}
	return out
}

func TestDispatchWebhooks(t *testing.T) {
	w := newHookWorld(t)
	before := w.account(t, "Before the subscription")
	all := w.subscribe(t, []string{accounts.EntityAccount, accounts.EntityOpportunity})
	deletes := w.subscribe(t, []string{accounts.EntityAccount}, accounts.OpDelete)
	w.dispatch(t, 0)

	a := w.account(t, "LAMBDA SARL")
	a.Name = "LAMBDA SAS"
	a, err := w.svc.UpdateAccount(w.ctx, a, a.Version)
	if err != nil {
		t.Fatal(err)
	}
	// Not followed: a contact.
	if _, err := w.svc.CreateContact(w.ctx, accounts.Contact{AccountID: a.ID, Name: "Marie"}); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.DeleteAccount(w.ctx, before.ID, 0); err != nil {
		t.Fatal(err)
	}
	seq, err := w.svc.LastChangeSeq(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// all: create, update, delete of accounts; deletes: the delete.
	w.dispatch(t, 4)
	w.dispatch(t, 0)
	evs := w.events(t)
	if len(evs) != 4 {
		t.Fatalf("got %d deliveries, want 4: %v", len(evs), evs)
	}
	got := map[int64][]string{} // by subscription: op and account
	for _, ev := range evs {
		sub := all.ID
		if ev.Key == accounts.WebhookKey(ev.Seq, deletes.ID) {
			sub = deletes.ID
		} else if ev.Key != accounts.WebhookKey(ev.Seq, all.ID) {
			t.Errorf("event key %q names neither its seq nor a subscription", ev.Key)
		}
		got[sub] = append(got[sub], fmt.Sprintf("%s %d", ev.Op, ev.ID))
		if ev.Entity != accounts.EntityAccount || ev.By == nil || *ev.By != w.user.ID || ev.At.IsZero() || ev.Seq > seq {
			t.Errorf("event %+v: want an account change by %d at a time, seq at most %d", ev, w.user.ID, seq)
		}
		var rec *accounts.Account
		if err := json.Unmarshal(ev.Record, &rec); err != nil {
			t.Fatalf("record of %s: %v", ev.Key, err)
		}
		switch {
		case ev.ID == before.ID && rec != nil:
			t.Errorf("%s: the deleted account's record is %+v, want null", ev.Key, rec)
		case ev.ID == a.ID && (rec == nil || rec.Name != "LAMBDA SAS" || rec.Version != 2):
			// The state when enqueued: the create carries the update too.
			t.Errorf("%s: record %+v, want the account's current state", ev.Key, rec)
		}
	}
	want := map[int64][]string{
		all.ID:     {fmt.Sprintf("create %d", a.ID), fmt.Sprintf("delete %d", before.ID), fmt.Sprintf("update %d", a.ID)},
		deletes.ID: {fmt.Sprintf("delete %d", before.ID)},
	}
	for sub := range want {
		slices.Sort(got[sub])
		if !slices.Equal(got[sub], want[sub]) {
			t.Errorf("subscription %d got %v, want %v", sub, got[sub], want[sub])
		}
	}
	for _, h := range []accounts.Webhook{all, deletes} {
		h, err := w.svc.GetWebhook(w.ctx, h.ID)
		if err != nil || h.LastSeq != seq {
			t.Errorf("webhook %d: last_seq %d, %v; want %d", h.ID, h.LastSeq, err, seq)
		}
	}

	// Disabled: nothing; enabled again: from then on.
	all.Enabled = false
	if all, err = w.svc.UpdateWebhook(w.ctx, all, 0); err != nil {
		t.Fatal(err)
	}
	w.account(t, "While disabled")
	w.dispatch(t, 0)
	all.Enabled = true
	if _, err = w.svc.UpdateWebhook(w.ctx, all, 0); err != nil {
		t.Fatal(err)
	}
	w.dispatch(t, 0)
	w.account(t, "After")
	w.dispatch(t, 1)
}

// TestDispatchWebhooksConcurrently runs dispatchers side by side over one
// store, as replicas do: every change is enqueued once for each
// subscription, whichever dispatcher gets it.
func TestDispatchWebhooksConcurrently(t *testing.T) {
	w := newHookWorld(t)
	h1 := w.subscribe(t, []string{accounts.EntityAccount})
	h2 := w.subscribe(t, []string{accounts.EntityAccount}, accounts.OpCreate)
	const accountsN = 40
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 3 {
		wg.Go(func() {
			for {
				if _, err := w.svc.DispatchWebhooks(w.ctx); err != nil {
					t.Errorf("DispatchWebhooks: %v", err)
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	for i := range accountsN {
		w.account(t, fmt.Sprintf("Account %d", i))
	}
	close(stop)
	wg.Wait()
	// Catch up on what came after the dispatchers' last round.
	if _, err := w.svc.DispatchWebhooks(w.ctx); err != nil {
		t.Fatal(err)
	}
	evs := w.events(t)
	counts := map[int64]int{}
	for _, ev := range evs {
		switch ev.Key {
		case accounts.WebhookKey(ev.Seq, h1.ID):
			counts[h1.ID]++
		case accounts.WebhookKey(ev.Seq, h2.ID):
			counts[h2.ID]++
		}
	}
	if counts[h1.ID] != accountsN || counts[h2.ID] != accountsN {
		t.Errorf("deliveries per subscription: %v, want %d each", counts, accountsN)
	}
}
