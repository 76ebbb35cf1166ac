package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tournee/tournee/accounts"
)

// Webhook subscriptions (accounts.WebhookStore) and deliveries enqueued on
// their own (accounts.MailingStore): records with a cursor on the change
// feed that the store moves, with the deliveries of the changes passed, in
// one transaction.

func testWebhooks(t *testing.T, open func(*testing.T) accounts.Store) {
	t.Run("Records", func(t *testing.T) { testWebhookRecords(t, open) })
	t.Run("Secret", func(t *testing.T) { testWebhookSecret(t, open) })
	t.Run("Enable", func(t *testing.T) { testWebhookEnable(t, open) })
	t.Run("Advance", func(t *testing.T) { testWebhookAdvance(t, open) })
	t.Run("ConcurrentAdvance", func(t *testing.T) { testWebhookConcurrentAdvance(t, open) })
	t.Run("Enqueue", func(t *testing.T) { testEnqueueDeliveries(t, open) })
}

func webhookFixture(t *testing.T, i int, enabled bool) accounts.Webhook {
	t.Helper()
	w := accounts.Webhook{
		URL:      fmt.Sprintf("https://erp.example.com/hooks/tournee?from=%d&é=1", i),
		Entities: []string{accounts.EntityOpportunity, accounts.EntityAccount},
		Ops:      []accounts.Op{accounts.OpDelete, accounts.OpCreate},
		Enabled:  enabled,
	}
	mustValid(t, "webhook", w.Validate())
	return w
}

// webhookDelivery is the delivery of change seq to subscription sub.
func webhookDelivery(sub, seq int64) accounts.Delivery {
	return accounts.Delivery{
		Key:          accounts.WebhookKey(seq, sub),
		Channel:      accounts.ChannelWebhook,
		Recipient:    "https://erp.example.com/hooks/tournee",
		Subscription: sub,
		// Not JSON-normalised: the store keeps the bytes that get signed.
		Payload: fmt.Appendf(nil, `{"seq": %d,  "entity":"account"}`, seq),
	}
}

func testWebhookRecords(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	s, ctx := w.s, w.ctx
	end := lastSeq(t, w)
	if end == 0 {
		t.Fatal("the world wrote no change: the cursor test means nothing")
	}
	h1, err := s.CreateWebhook(ctx, webhookFixture(t, 1, true), "secret-1")
	noErr(t, "CreateWebhook", err)
	checkNewMeta(t, "CreateWebhook", h1.Meta)
	want := webhookFixture(t, 1, true)
	want.Meta, want.LastSeq = h1.Meta, end
	checkSame(t, "CreateWebhook", h1, want)
	if lastSeq(t, w) != end {
		t.Errorf("CreateWebhook wrote to the change feed: subscriptions are not records of it")
	}
	got, err := s.GetWebhook(ctx, h1.ID)
	noErr(t, "GetWebhook", err)
	checkSame(t, "GetWebhook after create", got, h1)

	// Every op: stored as an empty list, not null.
	all := webhookFixture(t, 2, false)
	all.Ops = nil
	h2, err := s.CreateWebhook(ctx, all, "secret-2")
	noErr(t, "CreateWebhook", err)
	if h2.Ops == nil || len(h2.Ops) != 0 {
		t.Errorf("CreateWebhook with no ops: got %#v, want an empty list", h2.Ops)
	}
	got, err = s.GetWebhook(ctx, h2.ID)
	noErr(t, "GetWebhook", err)
	checkSame(t, "GetWebhook of a subscription to every op", got, h2)
	h3, err := s.CreateWebhook(ctx, webhookFixture(t, 3, true), "secret-3")
	noErr(t, "CreateWebhook", err)
	if _, err := s.CreateWebhook(ctx, webhookFixture(t, 4, true), ""); err == nil {
		t.Error("CreateWebhook without a secret: got no error")
	}

	list := func(f accounts.WebhookFilter) []accounts.Webhook {
		t.Helper()
		return listAll(t, "ListWebhooks", f.Limit, func(h accounts.Webhook) int64 { return h.ID },
			func(p accounts.Page) ([]accounts.Webhook, error) {
				f.Page = p
				return s.ListWebhooks(ctx, f)
			})
	}
	id := func(h accounts.Webhook) int64 { return h.ID }
	checkList(t, "ListWebhooks", list(accounts.WebhookFilter{Page: accounts.Page{Limit: 2}}), []accounts.Webhook{h1, h2, h3}, id)
	checkList(t, "ListWebhooks enabled", list(accounts.WebhookFilter{Enabled: ptr(true)}), []accounts.Webhook{h1, h3}, id)
	checkList(t, "ListWebhooks disabled", list(accounts.WebhookFilter{Enabled: ptr(false)}), []accounts.Webhook{h2}, id)

	pause()
	upd := h1
	upd.URL = "http://erp.example.com/other"
	upd.Entities, upd.Ops = []string{accounts.EntityActivity}, []accounts.Op{}
	upd.LastSeq = 12345 // the store's: ignored
	out, err := s.UpdateWebhook(ctx, upd, h1.Version)
	noErr(t, "UpdateWebhook", err)
	if out.Version != 2 || !out.UpdatedAt.After(h1.UpdatedAt) || out.CreatedAt != h1.CreatedAt || out.LastSeq != h1.LastSeq {
		t.Errorf("UpdateWebhook: got %+v, want version 2, a later updated_at and the same created_at and last_seq", out)
	}
	want = upd
	want.Meta, want.LastSeq = out.Meta, h1.LastSeq
	checkSame(t, "UpdateWebhook", out, want)
	got, err = s.GetWebhook(ctx, h1.ID)
	noErr(t, "GetWebhook", err)
	checkSame(t, "GetWebhook after update", got, out)
	_, err = s.UpdateWebhook(ctx, upd, h1.Version)
	wantErr(t, "UpdateWebhook at an old version", err, accounts.ErrStale)
	upd.ID = missingID
	_, err = s.UpdateWebhook(ctx, upd, 0)
	wantErr(t, "UpdateWebhook of a missing subscription", err, accounts.ErrNotFound)

	wantErr(t, "DeleteWebhook at an old version", s.DeleteWebhook(ctx, h1.ID, 1), accounts.ErrStale)
	noErr(t, "DeleteWebhook", s.DeleteWebhook(ctx, h1.ID, 2))
	_, err = s.GetWebhook(ctx, h1.ID)
	wantErr(t, "GetWebhook after delete", err, accounts.ErrNotFound)
	wantErr(t, "DeleteWebhook again", s.DeleteWebhook(ctx, h1.ID, 0), accounts.ErrNotFound)
	_, err = s.WebhookSecret(ctx, h1.ID)
	wantErr(t, "WebhookSecret after delete", err, accounts.ErrNotFound)
	if lastSeq(t, w) != end {
		t.Errorf("webhook writes wrote to the change feed")
	}
}

func testWebhookSecret(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	s, ctx := w.s, w.ctx
	h, err := s.CreateWebhook(ctx, webhookFixture(t, 1, true), "first secret, as is")
	noErr(t, "CreateWebhook", err)
	secret := func(want string) {
		t.Helper()
		got, err := s.WebhookSecret(ctx, h.ID)
		noErr(t, "WebhookSecret", err)
		if got != want {
			t.Errorf("WebhookSecret: got %q, want %q", got, want)
		}
	}
	secret("first secret, as is")
	noErr(t, "SetWebhookSecret", s.SetWebhookSecret(ctx, h.ID, "second"))
	secret("second")
	got, err := s.GetWebhook(ctx, h.ID)
	noErr(t, "GetWebhook", err)
	checkSame(t, "GetWebhook after a rotation (no version, no time moves)", got, h)
	wantErr(t, "SetWebhookSecret of a missing subscription", s.SetWebhookSecret(ctx, missingID, "x"), accounts.ErrNotFound)
	if err := s.SetWebhookSecret(ctx, h.ID, ""); err == nil {
		t.Error("SetWebhookSecret to an empty secret: got no error")
	}
	secret("second")
	_, err = s.WebhookSecret(ctx, missingID)
	wantErr(t, "WebhookSecret of a missing subscription", err, accounts.ErrNotFound)
}

// testWebhookEnable checks that enabling a subscription starts it at the
// end of the feed, and that other updates leave its cursor alone.
func testWebhookEnable(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	s, ctx := w.s, w.ctx
	h, err := s.CreateWebhook(ctx, webhookFixture(t, 1, false), "s")
	noErr(t, "CreateWebhook", err)
	start := h.LastSeq
	mustCreate(t, "CreateAccount", ctx, s.CreateAccount, accountFixture(t, 1, &w.rep.ID))
	end := lastSeq(t, w)

	h.URL = "https://erp.example.com/v2"
	h, err = s.UpdateWebhook(ctx, h, h.Version)
	noErr(t, "UpdateWebhook", err)
	if h.LastSeq != start {
		t.Errorf("UpdateWebhook of a disabled subscription: last_seq %d, want %d (unchanged)", h.LastSeq, start)
	}
	h.Enabled = true
	h, err = s.UpdateWebhook(ctx, h, h.Version)
	noErr(t, "UpdateWebhook", err)
	if h.LastSeq != end {
		t.Errorf("UpdateWebhook enabling it: last_seq %d, want %d (the end of the feed)", h.LastSeq, end)
	}
	mustCreate(t, "CreateAccount", ctx, s.CreateAccount, accountFixture(t, 2, &w.rep.ID))
	h.URL = "https://erp.example.com/v3"
	h, err = s.UpdateWebhook(ctx, h, h.Version)
	noErr(t, "UpdateWebhook", err)
	if h.LastSeq != end {
		t.Errorf("UpdateWebhook of an enabled subscription: last_seq %d, want %d (unchanged)", h.LastSeq, end)
	}
}

func testWebhookAdvance(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	s, ctx := w.s, w.ctx
	h, err := s.CreateWebhook(ctx, webhookFixture(t, 1, true), "s")
	noErr(t, "CreateWebhook", err)
	from := h.LastSeq
	advance := func(from, to int64, ds []accounts.Delivery, want bool) {
		t.Helper()
		got, err := s.AdvanceWebhook(ctx, h.ID, from, to, ds)
		noErr(t, "AdvanceWebhook", err)
		if got != want {
			t.Errorf("AdvanceWebhook from %d to %d: got %v, want %v", from, to, got, want)
		}
	}
	cursor := func(want int64) {
		t.Helper()
		got, err := s.GetWebhook(ctx, h.ID)
		noErr(t, "GetWebhook", err)
		if got.LastSeq != want || got.Version != h.Version || got.UpdatedAt != h.UpdatedAt {
			t.Errorf("after AdvanceWebhook: last_seq %d version %d, want %d and version %d (a cursor move is no update)",
				got.LastSeq, got.Version, want, h.Version)
		}
	}

	advance(from, from+3, []accounts.Delivery{webhookDelivery(h.ID, from+1), webhookDelivery(h.ID, from+3)}, true)
	cursor(from + 3)
	sent := map[string]accounts.Delivery{}
	for _, d := range []accounts.Delivery{webhookDelivery(h.ID, from+1), webhookDelivery(h.ID, from+3)} {
		sent[d.Key] = d
	}
	ds := pending(t, s)
	if len(ds) != len(sent) {
		t.Errorf("deliveries after AdvanceWebhook: got %d, want %d", len(ds), len(sent))
	}
	for _, d := range ds {
		want, ok := sent[d.Key]
		if !ok || d.Channel != want.Channel || d.Recipient != want.Recipient || d.Subscription != want.Subscription ||
			string(d.Payload) != string(want.Payload) {
			t.Errorf("delivery %s:\ngot  %+v\nwant %+v", d.Key, d, want)
		}
	}

	// From a stale cursor (another dispatcher moved it): nothing written.
	advance(from, from+5, []accounts.Delivery{webhookDelivery(h.ID, from+4)}, false)
	cursor(from + 3)
	// A replay of changes already enqueued adds nothing but moves on.
	advance(from+3, from+6, []accounts.Delivery{webhookDelivery(h.ID, from+3), webhookDelivery(h.ID, from+6)}, true)
	cursor(from + 6)
	if got := len(pending(t, s)); got != 1 {
		t.Errorf("after a replay: %d new deliveries, want 1 (the key already there is skipped)", got)
	}
	// No matching change: the cursor moves all the same.
	advance(from+6, from+9, nil, true)
	cursor(from + 9)
	// Backwards is refused.
	if _, err := s.AdvanceWebhook(ctx, h.ID, from+9, from+8, nil); err == nil {
		t.Error("AdvanceWebhook backwards: got no error")
	}
	// An invalid delivery: refused, nothing written.
	bad := webhookDelivery(h.ID, from+10)
	bad.Payload = []byte("not json")
	_, err = s.AdvanceWebhook(ctx, h.ID, from+9, from+10, []accounts.Delivery{webhookDelivery(h.ID, from+10), bad})
	wantErr(t, "AdvanceWebhook with an invalid delivery", err, accounts.ErrInvalid)
	cursor(from + 9)
	if got := len(pending(t, s)); got != 0 {
		t.Errorf("after a refused AdvanceWebhook: %d deliveries, want 0", got)
	}

	// A disabled subscription does not move.
	h.Enabled = false
	h, err = s.UpdateWebhook(ctx, h, h.Version)
	noErr(t, "UpdateWebhook", err)
	advance(from+9, from+12, []accounts.Delivery{webhookDelivery(h.ID, from+11)}, false)
	cursor(from + 9)
	// Nor does a deleted one.
	noErr(t, "DeleteWebhook", s.DeleteWebhook(ctx, h.ID, 0))
	got, err := s.AdvanceWebhook(ctx, h.ID, from+9, from+12, nil)
	if err != nil || got {
		t.Errorf("AdvanceWebhook of a deleted subscription: got %v, %v; want false, nil", got, err)
	}
	if got := len(pending(t, s)); got != 0 {
		t.Errorf("deliveries of a disabled or deleted subscription: got %d, want 0", got)
	}
}

// testWebhookConcurrentAdvance moves one cursor from one point in several
// goroutines at once, as replicas dispatching together do: one wins.
func testWebhookConcurrentAdvance(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	h, err := w.s.CreateWebhook(w.ctx, webhookFixture(t, 1, true), "s")
	noErr(t, "CreateWebhook", err)
	const n = 8
	var wg sync.WaitGroup
	start := make(chan struct{})
	moved := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		// Different keys, so that only the cursor can keep the outbox at one.
		d := webhookDelivery(h.ID, h.LastSeq+1)
		d.Key = fmt.Sprintf("%s-%d", d.Key, i)
		wg.Go(func() {
			<-start
			moved[i], errs[i] = w.s.AdvanceWebhook(context.Background(), h.ID, h.LastSeq, h.LastSeq+1, []accounts.Delivery{d})
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("AdvanceWebhook %d: %v", i, errs[i])
		} else if moved[i] {
			won++
		}
	}
	if won != 1 {
		t.Errorf("simultaneous advances from one cursor: got %d that moved it, want exactly 1", won)
	}
	if got := len(pending(t, w.s)); got != 1 {
		t.Errorf("deliveries: got %d, want 1", got)
	}
}

func testEnqueueDeliveries(t *testing.T, open func(*testing.T) accounts.Store) {
	w := newWorld(t, open)
	s, ctx := w.s, w.ctx
	mail := func(i int) accounts.Delivery {
		return accounts.Delivery{Key: fmt.Sprintf("mailing:m1:%d", i), Channel: accounts.ChannelEmail,
			Recipient: fmt.Sprintf("contact%d@example.fr", i), Subject: "Nouveautés de la gamme été", Body: report}
	}
	n, err := s.EnqueueDeliveries(ctx, nil)
	if err != nil || n != 0 {
		t.Errorf("EnqueueDeliveries of nothing: got %d, %v; want 0, nil", n, err)
	}
	// One invalid delivery: none is enqueued.
	bad := mail(3)
	bad.Subject = ""
	_, err = s.EnqueueDeliveries(ctx, []accounts.Delivery{mail(1), mail(2), bad})
	wantErr(t, "EnqueueDeliveries with an invalid delivery", err, accounts.ErrInvalid)
	if got := len(pending(t, s)); got != 0 {
		t.Fatalf("after a refused EnqueueDeliveries: %d deliveries, want 0", got)
	}

	n, err = s.EnqueueDeliveries(ctx, []accounts.Delivery{mail(1), mail(2), mail(1), webhookDelivery(7, 1)})
	noErr(t, "EnqueueDeliveries", err)
	if n != 3 {
		t.Errorf("EnqueueDeliveries: got %d added, want 3 (a key given twice counts once)", n)
	}
	n, err = s.EnqueueDeliveries(ctx, []accounts.Delivery{mail(2), mail(3)})
	noErr(t, "EnqueueDeliveries", err)
	if n != 1 {
		t.Errorf("EnqueueDeliveries again: got %d added, want 1 (keys already there are skipped)", n)
	}
	got := pending(t, s)
	want := map[string]accounts.Delivery{}
	for _, d := range []accounts.Delivery{mail(1), mail(2), mail(3), webhookDelivery(7, 1)} {
		want[d.Key] = d
	}
	if len(got) != len(want) {
		t.Fatalf("pending: got %d deliveries, want %d", len(got), len(want))
	}
	for _, d := range got {
		wd, ok := want[d.Key]
		if !ok || d.Channel != wd.Channel || d.Recipient != wd.Recipient || d.Subject != wd.Subject || d.Body != wd.Body ||
			string(d.Payload) != string(wd.Payload) || d.Subscription != wd.Subscription || d.State != accounts.DeliveryPending {
			t.Errorf("delivery %s:\ngot  %+v\nwant %+v", d.Key, d, wd)
		}
	}
}
