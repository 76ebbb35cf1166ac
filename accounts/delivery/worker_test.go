package delivery_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/delivery"
)

// events collects what a worker observes.
type events struct {
	mu   sync.Mutex
	list []delivery.Event
}

func (e *events) observe(ev delivery.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, ev)
}

func (e *events) all() []delivery.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.list)
}

// step is an event reduced to what must repeat from one run to the next.
type step struct {
	ID       int64
	Attempt  int
	Outcome  delivery.Outcome
	At, Next time.Time
}

func steps(evs []delivery.Event) []step {
	out := make([]step, len(evs))
	for i, ev := range evs {
		out[i] = step{ev.Delivery.ID, ev.Delivery.Attempts, ev.Outcome, ev.At, ev.NextAt}
	}
	return out
}

func newWorker(ob *memOutbox, clock *fakeClock, senders map[accounts.Channel]delivery.Sender, ev *events) *delivery.Worker {
	return &delivery.Worker{
		Outbox:  ob,
		Senders: senders,
		Clock:   clock,
		Backoff: delivery.NewBackoff(42),
		Observe: ev.observe,
	}
}

func decodedSubject(t *testing.T, data []byte) (subject, messageID, to string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("Subject: %v", err)
	}
	return subject, msg.Header.Get("Message-ID"), msg.Header.Get("To")
}

// recovery runs the LAMBDA SARL alert (to the rep, and to the manager in
// copy) and a webhook through servers that fail first (SMTP 451 twice,
// HTTP 503 twice) and then recover, and returns the worker's timeline.
func recovery(t *testing.T) []step {
	clock := newFakeClock()
	srv := startSMTP(t, smtpOptions{users: map[string]string{testUser: testPassword}})
	srv.refuseRcpt(451, 451)
	cfg := smtpConfig(srv)
	cfg.Now = clock.Now
	rc, hsrv := newReceiver(t, clock.Now, func(n int) (int, http.Header) {
		if n <= 2 {
			return http.StatusServiceUnavailable, nil
		}
		return http.StatusOK, nil
	})

	ob := &memOutbox{}
	rep := ob.add(t, lambdaMail("rep1@demo.tournee.test"))
	manager := ob.add(t, lambdaMail("manager@demo.tournee.test"))
	hookID := ob.add(t, hook(hsrv.URL, 7))
	var ev events
	w := newWorker(ob, clock, map[accounts.Channel]delivery.Sender{
		accounts.ChannelEmail:   newSMTP(t, cfg),
		accounts.ChannelWebhook: &delivery.Webhook{Secret: secrets, Now: clock.Now},
	}, &ev)
	drive(t, w, clock, ob.settled)

	for _, tt := range []struct {
		id       int64
		attempts int
	}{{rep, 2}, {manager, 2}, {hookID, 3}} {
		if d := ob.get(tt.id); d.State != accounts.DeliverySent || d.Attempts != tt.attempts {
			t.Errorf("delivery %d: %s after %d attempts, want sent after %d", tt.id, d.State, d.Attempts, tt.attempts)
		}
	}

	// Exactly once at each receiver, intact.
	got := srv.received()
	if len(got) != 2 || srv.rcptCount() != 4 {
		t.Fatalf("SMTP server accepted %d messages out of %d RCPT, want 2 out of 4", len(got), srv.rcptCount())
	}
	seen := map[string]string{}
	for _, r := range got {
		subject, id, to := decodedSubject(t, r.Data)
		if subject != lambdaAlert {
			t.Errorf("subject to %s = %q, want %q", to, subject, lambdaAlert)
		}
		seen[to] = id
	}
	for id, to := range map[int64]string{rep: "rep1@demo.tournee.test", manager: "manager@demo.tournee.test"} {
		if want := delivery.MessageID(ob.get(id).Key, "demo.tournee.test"); seen["<"+to+">"] != want {
			t.Errorf("message to %s has Message-ID %q, want %q (one each: %v)", to, seen["<"+to+">"], want, seen)
		}
	}
	if requests, effects, badSigs := rc.counts(); requests != 3 || effects != 1 || badSigs != 0 {
		t.Errorf("webhook receiver: %d requests, %d effects, %d bad signatures; want 3, 1, 0", requests, effects, badSigs)
	}

	// Every retry waited its backoff: within the jitter below the ceiling,
	// and never attempted before it was due.
	b := delivery.NewBackoff(0)
	due := map[int64]time.Time{}
	for _, e := range ev.all() {
		id := e.Delivery.ID
		if e.At.Before(due[id]) {
			t.Errorf("delivery %d attempt %d at %s, before it was due at %s", id, e.Delivery.Attempts, e.At, due[id])
		}
		if e.Outcome == delivery.OutcomeRetry {
			wait, ceiling := e.NextAt.Sub(e.At), b.Ceiling(e.Delivery.Attempts)
			if wait > ceiling || float64(wait) < 0.8*float64(ceiling) {
				t.Errorf("delivery %d attempt %d waits %s, want within 20%% below %s", id, e.Delivery.Attempts, wait, ceiling)
			}
			due[id] = e.NextAt
		}
	}
	return steps(ev.all())
}

// TestWorkerRetriesUntilRecovery proves the main promise of the outbox:
// receivers that fail first and recover get each message exactly once,
// after backoffs that cost the test no time, and a seeded jitter makes the
// whole timeline repeat exactly.
func TestWorkerRetriesUntilRecovery(t *testing.T) {
	first := recovery(t)
	if len(first) != 7 { // 2 + 2 e-mail attempts, 3 webhook attempts
		t.Errorf("%d attempts, want 7: %+v", len(first), first)
	}
	if second := recovery(t); !slices.Equal(first, second) {
		t.Errorf("same seed, different timelines:\n%+v\n%+v", first, second)
	}
}

// TestWorkerPermanentFailure proves that a refusal for good (SMTP 550,
// HTTP 410) is attempted once and kept as dead with its reason.
func TestWorkerPermanentFailure(t *testing.T) {
	clock := newFakeClock()
	srv := startSMTP(t, smtpOptions{})
	srv.refuseRcpt(550)
	cfg := smtpConfig(srv)
	cfg.Username, cfg.Password = "", ""
	rc, hsrv := newReceiver(t, clock.Now, func(int) (int, http.Header) { return http.StatusGone, nil })
	ob := &memOutbox{}
	mailID := ob.add(t, lambdaMail("left-the-company@demo.tournee.test"))
	hookID := ob.add(t, hook(hsrv.URL, 7))
	var ev events
	w := newWorker(ob, clock, map[accounts.Channel]delivery.Sender{
		accounts.ChannelEmail:   newSMTP(t, cfg),
		accounts.ChannelWebhook: &delivery.Webhook{Secret: secrets, Now: clock.Now},
	}, &ev)
	drive(t, w, clock, ob.settled)

	for id, want := range map[int64]string{mailID: "550", hookID: "410"} {
		d := ob.get(id)
		if d.State != accounts.DeliveryDead || d.Attempts != 1 || !strings.Contains(d.LastError, want) {
			t.Errorf("delivery %d: %s after %d attempts (%q), want dead after 1 with %s", id, d.State, d.Attempts, d.LastError, want)
		}
	}
	if n := srv.rcptCount(); n != 1 {
		t.Errorf("SMTP server saw %d RCPT, want 1", n)
	}
	if requests, effects, _ := rc.counts(); requests != 1 || effects != 0 {
		t.Errorf("webhook receiver: %d requests, %d effects; want 1, 0", requests, effects)
	}
	if !clock.Now().Equal(t0) {
		t.Errorf("clock moved to %s: a permanent failure should not wait", clock.Now())
	}
}

// TestWorkerGivesUp proves that a receiver that never recovers is not
// retried forever: after MaxAttempts the delivery is dead.
func TestWorkerGivesUp(t *testing.T) {
	clock := newFakeClock()
	rc, hsrv := newReceiver(t, clock.Now, func(int) (int, http.Header) { return http.StatusServiceUnavailable, nil })
	ob := &memOutbox{}
	id := ob.add(t, hook(hsrv.URL, 7))
	var ev events
	w := newWorker(ob, clock, map[accounts.Channel]delivery.Sender{
		accounts.ChannelWebhook: &delivery.Webhook{Secret: secrets, Now: clock.Now},
	}, &ev)
	w.MaxAttempts = 4
	drive(t, w, clock, ob.settled)

	d := ob.get(id)
	if d.State != accounts.DeliveryDead || d.Attempts != 4 || !strings.Contains(d.LastError, "gave up after 4 attempts") {
		t.Errorf("delivery: %s after %d attempts (%q), want dead after 4, gave up", d.State, d.Attempts, d.LastError)
	}
	if requests, _, _ := rc.counts(); requests != 4 {
		t.Errorf("receiver saw %d requests, want 4", requests)
	}
	// 30 s + 1 min + 2 min of backoff, less at most 20 % jitter.
	if waited := clock.Now().Sub(t0); waited > 210*time.Second || waited < 168*time.Second {
		t.Errorf("gave up after %s, want about 3m30s", waited)
	}
}

// TestWorkerResendAfterCrash proves the documented trade-off: when the
// process dies between sending and marking, the delivery is sent again
// once its lease lapses, with the same Message-ID and X-Tournee-Delivery,
// so that the receiver acts once.
func TestWorkerResendAfterCrash(t *testing.T) {
	clock := newFakeClock()
	srv := startSMTP(t, smtpOptions{})
	cfg := smtpConfig(srv)
	cfg.Username, cfg.Password, cfg.Now = "", "", clock.Now
	rc, hsrv := newReceiver(t, clock.Now, nil)
	senders := map[accounts.Channel]delivery.Sender{
		accounts.ChannelEmail:   newSMTP(t, cfg),
		accounts.ChannelWebhook: &delivery.Webhook{Secret: secrets, Now: clock.Now},
	}
	ob := &memOutbox{}
	mailID := ob.add(t, lambdaMail("rep1@demo.tournee.test"))
	hookID := ob.add(t, hook(hsrv.URL, 7))

	// The first process sends both, then dies before either mark commits.
	ob.loseSent = 2
	var ev1 events
	if _, err := newWorker(ob, clock, senders, &ev1).Round(context.Background()); err != nil {
		t.Fatalf("Round: %v", err)
	}
	if ob.settled() {
		t.Fatal("outbox settled although no mark was recorded")
	}

	// The restarted process finds them claimed until the lease lapses.
	var ev2 events
	drive(t, newWorker(ob, clock, senders, &ev2), clock, ob.settled)
	if waited := clock.Now().Sub(t0); waited != delivery.DefaultLease {
		t.Errorf("resent after %s, want the lease %s", waited, delivery.DefaultLease)
	}
	for _, id := range []int64{mailID, hookID} {
		if d := ob.get(id); d.State != accounts.DeliverySent || d.Attempts != 2 {
			t.Errorf("delivery %d: %s after %d attempts, want sent after 2", id, d.State, d.Attempts)
		}
	}
	got := srv.received()
	if len(got) != 2 {
		t.Fatalf("SMTP server received %d transmissions, want 2 (a resend)", len(got))
	}
	_, id1, _ := decodedSubject(t, got[0].Data)
	_, id2, _ := decodedSubject(t, got[1].Data)
	if id1 != id2 {
		t.Errorf("resend has Message-ID %q, first had %q: a mail client would show both", id2, id1)
	}
	if requests, effects, _ := rc.counts(); requests != 2 || effects != 1 {
		t.Errorf("webhook receiver: %d requests, %d effects; want 2, 1", requests, effects)
	}
}

// TestWorkerWake proves that an enqueue signalled on Wake is sent at once,
// without waiting for the end of the worker's sleep.
func TestWorkerWake(t *testing.T) {
	clock := newFakeClock()
	rc, hsrv := newReceiver(t, clock.Now, nil)
	ob := &memOutbox{}
	wake := make(chan struct{}, 1)
	var ev events
	w := newWorker(ob, clock, map[accounts.Channel]delivery.Sender{
		accounts.ChannelWebhook: &delivery.Webhook{Secret: secrets, Now: clock.Now},
	}, &ev)
	w.Wake = wake
	w.MaxIdle = time.Hour

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- w.Run(ctx) }()
	awaitSleep := func() time.Time {
		t.Helper()
		select {
		case at := <-clock.sleeping:
			return at
		case <-time.After(watchdog):
			t.Fatal("worker did not go to sleep")
			return time.Time{}
		}
	}
	if at := awaitSleep(); !at.Equal(t0.Add(time.Hour)) {
		t.Errorf("idle worker sleeps until %s, want MaxIdle later, %s", at, t0.Add(time.Hour))
	}
	id := ob.add(t, hook(hsrv.URL, 7))
	wake <- struct{}{}
	awaitSleep()
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if d := ob.get(id); d.State != accounts.DeliverySent || !clock.Now().Equal(t0) {
		t.Errorf("delivery %s with the clock at %s, want sent at %s", d.State, clock.Now(), t0)
	}
	if _, effects, _ := rc.counts(); effects != 1 {
		t.Errorf("receiver acted %d times, want 1", effects)
	}
}

// TestWorkerBatch proves that rounds are bounded and that a full round is
// followed at once by the next, not by a sleep.
func TestWorkerBatch(t *testing.T) {
	clock := newFakeClock()
	rc, hsrv := newReceiver(t, clock.Now, nil)
	ob := &memOutbox{}
	for i := range 25 {
		d := hook(fmt.Sprintf("%s/hook/%d", hsrv.URL, i), 7)
		ob.add(t, d)
	}
	var ev events
	w := newWorker(ob, clock, map[accounts.Channel]delivery.Sender{
		accounts.ChannelWebhook: &delivery.Webhook{Secret: secrets, Now: clock.Now},
	}, &ev)
	w.Batch = 10
	drive(t, w, clock, ob.settled)
	if want := []int{10, 10, 5}; !slices.Equal(ob.claims, want) {
		t.Errorf("claims of %v, want %v", ob.claims, want)
	}
	if requests, effects, _ := rc.counts(); requests != 25 || effects != 25 {
		t.Errorf("receiver: %d requests, %d effects; want 25, 25", requests, effects)
	}
	if !clock.Now().Equal(t0) {
		t.Errorf("clock moved to %s; due deliveries should not wait", clock.Now())
	}
}

// TestWorkerShutdown proves that cancelling Run interrupts a send in
// progress, returns, and leaves the interrupted and the unattempted
// deliveries due at once for the next start.
func TestWorkerShutdown(t *testing.T) {
	clock := newFakeClock()
	started := make(chan struct{})
	blocking := delivery.SenderFunc(func(ctx context.Context, d accounts.Delivery) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	ob := &memOutbox{}
	first := ob.add(t, lambdaMail("rep1@demo.tournee.test"))
	second := ob.add(t, lambdaMail("rep2@demo.tournee.test"))
	var ev events
	w := newWorker(ob, clock, map[accounts.Channel]delivery.Sender{accounts.ChannelEmail: blocking}, &ev)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- w.Run(ctx) }()
	select {
	case <-started:
	case <-time.After(watchdog):
		t.Fatal("send never started")
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run = %v, want nil on shutdown", err)
		}
	case <-time.After(watchdog):
		t.Fatal("Run did not return after cancel")
	}
	for _, id := range []int64{first, second} {
		d := ob.get(id)
		if d.State != accounts.DeliveryPending || !d.NextAt.Equal(t0) || !strings.Contains(d.LastError, "canceled") {
			t.Errorf("delivery %d: %s due %s (%q), want pending, due at %s", id, d.State, d.NextAt, d.LastError, t0)
		}
	}
}

// TestWorkerUnfinishedAttempts proves that a delivery whose attempts kept
// ending without a mark (it crashes the process) is given up rather than
// tried forever.
func TestWorkerUnfinishedAttempts(t *testing.T) {
	clock := newFakeClock()
	calls := 0
	counting := delivery.SenderFunc(func(context.Context, accounts.Delivery) error { calls++; return nil })
	ob := &memOutbox{}
	d := lambdaMail("rep1@demo.tournee.test")
	d.Attempts = 3 // three claims that never came back
	id := ob.add(t, d)
	var ev events
	w := newWorker(ob, clock, map[accounts.Channel]delivery.Sender{accounts.ChannelEmail: counting}, &ev)
	w.MaxAttempts = 3
	if _, err := w.Round(context.Background()); err != nil {
		t.Fatalf("Round: %v", err)
	}
	if got := ob.get(id); got.State != accounts.DeliveryDead || calls != 0 {
		t.Errorf("delivery %s after %d sends, want dead without sending", got.State, calls)
	}
}

// TestWorkerNoSender proves that a channel without a configured sender
// keeps its deliveries for a later start instead of dropping them.
func TestWorkerNoSender(t *testing.T) {
	clock := newFakeClock()
	ob := &memOutbox{}
	id := ob.add(t, hook("https://erp.example.com/hooks", 7))
	var ev events
	w := newWorker(ob, clock, map[accounts.Channel]delivery.Sender{}, &ev)
	if _, err := w.Round(context.Background()); err != nil {
		t.Fatalf("Round: %v", err)
	}
	if d := ob.get(id); d.State != accounts.DeliveryPending || !d.NextAt.After(t0) || !strings.Contains(d.LastError, "no sender") {
		t.Errorf("delivery %s due %s (%q), want pending, retried later", d.State, d.NextAt, d.LastError)
	}
}

// TestWorkerRetryAfter proves that a receiver's Retry-After longer than
// the backoff is honoured.
func TestWorkerRetryAfter(t *testing.T) {
	clock := newFakeClock()
	_, hsrv := newReceiver(t, clock.Now, func(n int) (int, http.Header) {
		if n == 1 {
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"3600"}}
		}
		return http.StatusOK, nil
	})
	ob := &memOutbox{}
	id := ob.add(t, hook(hsrv.URL, 7))
	var ev events
	w := newWorker(ob, clock, map[accounts.Channel]delivery.Sender{
		accounts.ChannelWebhook: &delivery.Webhook{Secret: secrets, Now: clock.Now},
	}, &ev)
	drive(t, w, clock, ob.settled)
	if d := ob.get(id); d.State != accounts.DeliverySent || !d.SentAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("delivery %s at %s, want sent at %s", d.State, d.SentAt, t0.Add(time.Hour))
	}
}

// TestWorkerStoreDown proves that outbox errors are reported and waited
// out, and that deliveries leave once the store answers again.
func TestWorkerStoreDown(t *testing.T) {
	clock := newFakeClock()
	_, hsrv := newReceiver(t, clock.Now, nil)
	ob := &memOutbox{failClaims: 2}
	id := ob.add(t, hook(hsrv.URL, 7))
	var ev events
	w := newWorker(ob, clock, map[accounts.Channel]delivery.Sender{
		accounts.ChannelWebhook: &delivery.Webhook{Secret: secrets, Now: clock.Now},
	}, &ev)
	var mu sync.Mutex
	var reported []error
	w.OnError = func(err error) {
		mu.Lock()
		defer mu.Unlock()
		reported = append(reported, err)
	}
	drive(t, w, clock, ob.settled)
	if d := ob.get(id); d.State != accounts.DeliverySent {
		t.Errorf("delivery %s, want sent", d.State)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 2 || !strings.Contains(reported[0].Error(), "database is locked") {
		t.Errorf("reported %v, want the 2 claim errors", reported)
	}
	// Waited 30 s then 1 min, the backoff without jitter for the store.
	if waited := clock.Now().Sub(t0); waited != 90*time.Second {
		t.Errorf("delivered after %s, want 1m30s", waited)
	}
}

// TestWorkerConfig proves that a worker that could claim a delivery twice
// while it is in flight refuses to start.
func TestWorkerConfig(t *testing.T) {
	tests := []struct {
		name string
		w    delivery.Worker
	}{
		{"no outbox", delivery.Worker{}},
		{"lease shorter than a send", delivery.Worker{Outbox: &memOutbox{}, Lease: time.Minute, SendTimeout: 2 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.w.Run(context.Background()); !errors.Is(err, accounts.ErrInvalid) {
				t.Errorf("Run = %v, want ErrInvalid", err)
			}
		})
	}
}
