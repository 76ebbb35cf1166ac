package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/delivery"
	"github.com/tournee/tournee/accounts/postgres"
	"github.com/tournee/tournee/accounts/sqlite"
	"github.com/tournee/tournee/web"
)

// stack is one tournee process wired as serve wires it, over a store: the
// web server behind a real listener, the delivery worker and the webhook
// dispatcher, with an admin's API token. The worker retries within
// milliseconds rather than the production 30 s, so that a receiver that
// fails first costs the test no time.
type stack struct {
	t     *testing.T
	url   string
	token string
}

func startStack(t *testing.T, st accounts.Store, cfg config) *stack {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.DiscardHandler)
	rules, w, err := newDelivery(cfg, st, time.UTC, log)
	if err != nil {
		t.Fatal(err)
	}
	w.Backoff = &delivery.Backoff{Base: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	w.MaxIdle = 200 * time.Millisecond
	srv := web.New(st, log, web.Config{Rules: rules})
	if err := srv.Places().Load(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := w.Run(ctx); err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	dispatched := dispatchWebhooks(ctx, srv.Service(), make(chan struct{}), log)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { // before the store closes
		hs.Close()
		cancel()
		wg.Wait()
		<-dispatched
	})

	admin, err := st.CreateUser(ctx, accounts.User{Email: "admin@example.test", Name: "Adèle Admin", Role: accounts.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	secret, hash, err := accounts.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateCredential(ctx, accounts.Credential{UserID: admin.ID, Kind: accounts.CredentialAPI, Name: "test",
		Hash: hash, LastUsed: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return &stack{t: t, url: hs.URL, token: secret}
}

// call sends a request as the admin, checks its status and returns the
// body; headers come as name, value pairs.
func (s *stack) call(want int, method, path, body string, headers ...string) []byte {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	return b
}

// id is the id of the record a response holds.
func (s *stack) id(b []byte) int64 {
	s.t.Helper()
	var v struct{ ID int64 }
	if err := json.Unmarshal(b, &v); err != nil || v.ID == 0 {
		s.t.Fatalf("no id in %s: %v", b, err)
	}
	return v.ID
}

// receiver is an integrator's endpoint: it refuses the first requests
// (as a receiver that is down), then checks each request's signature
// against the secrets it knows and keeps the deliveries it accepted.
type receiver struct {
	mu       sync.Mutex
	secrets  [][]byte // accepted for signatures
	down     int      // requests still to refuse with 503
	refused  int
	accepted map[string][]accounts.WebhookEvent // by X-Tournee-Delivery
	signedBy map[string]int                     // key → index in secrets that verified it
	bad      []string                           // what failed verification
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down > 0 {
		r.down--
		r.refused++
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	key := req.Header.Get(delivery.HeaderDelivery)
	signedBy := -1
	for i, secret := range r.secrets {
		err := delivery.Verify(secret, req.Header.Get(delivery.HeaderTimestamp), body, req.Header.Get(delivery.HeaderSignature), time.Now(), 0)
		if err == nil {
			signedBy = i
		}
	}
	var ev accounts.WebhookEvent
	if err := json.Unmarshal(body, &ev); signedBy < 0 || err != nil || ev.Key != key {
		r.bad = append(r.bad, fmt.Sprintf("%s: signature of none of %d secrets, or a payload %s that does not name its key", key, len(r.secrets), body))
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	r.accepted[key] = append(r.accepted[key], ev)
	r.signedBy[key] = signedBy
	w.WriteHeader(http.StatusNoContent)
}

// has reports whether every key of keys was accepted.
func (r *receiver) has(keys []string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		if len(r.accepted[k]) == 0 {
			return false
		}
	}
	return true
}

// waitFor waits until cond holds, failing the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebhooksEndToEnd subscribes a real HTTP receiver to accounts,
// activities and opportunities, writes each through the API (create,
// update, delete) while the receiver is down at first, and checks that the
// receiver gets, once each and signed, exactly the followed changes of
// the feed; then that a rotated secret signs what follows.
func TestWebhooksEndToEnd(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) accounts.Store{
		"sqlite": func(t *testing.T) accounts.Store {
			db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tournee.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return db
		},
		"postgres": func(t *testing.T) accounts.Store { return postgres.OpenTest(t) },
	} {
		t.Run(name, func(t *testing.T) { testWebhooksEndToEnd(t, open(t)) })
	}
}

func testWebhooksEndToEnd(t *testing.T, st accounts.Store) {
	s := startStack(t, st, config{})
	rcv := &receiver{down: 3, accepted: map[string][]accounts.WebhookEvent{}, signedBy: map[string]int{}}
	hooks := httptest.NewServer(rcv)
	t.Cleanup(hooks.Close)

	var hook struct {
		accounts.Webhook
		Secret string `json:"secret"`
	}
	b := s.call(http.StatusCreated, "POST", "/api/v1/webhooks",
		fmt.Sprintf(`{"url":%q,"entities":["account","activity","opportunity"]}`, hooks.URL+"/tournee"))
	if err := json.Unmarshal(b, &hook); err != nil || hook.Secret == "" || !hook.Enabled {
		t.Fatalf("create: %s, %v; want an enabled subscription with its secret", b, err)
	}
	rcv.mu.Lock()
	rcv.secrets = [][]byte{[]byte(hook.Secret)}
	rcv.mu.Unlock()
	path := fmt.Sprintf("/api/v1/webhooks/%d", hook.ID)
	if got := s.call(http.StatusOK, "GET", path, ""); bytes.Contains(got, []byte(hook.Secret)) || bytes.Contains(got, []byte(`"secret"`)) {
		t.Errorf("a read of the subscription shows its secret: %s", got)
	}

	// Every kind of write of every followed entity, and some not followed.
	acc := s.id(s.call(http.StatusCreated, "POST", "/api/v1/accounts", `{"kind":"client","name":"LAMBDA SARL","lat":45.764,"lng":4.8357}`))
	s.call(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", acc), `{"potential_cents":4000000}`)
	stage := s.id(s.call(http.StatusCreated, "POST", "/api/v1/stages", `{"name":"Qualified"}`))
	s.call(http.StatusCreated, "POST", "/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"Marie"}`, acc))
	opp := s.id(s.call(http.StatusCreated, "POST", "/api/v1/opportunities", fmt.Sprintf(`{"account_id":%d,"name":"Fours","stage_id":%d}`, acc, stage)))
	s.call(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/opportunities/%d", opp), `{"status":"won"}`)
	act := s.id(s.call(http.StatusCreated, "POST", "/api/v1/activities", fmt.Sprintf(`{"type":"visit","done":true,"account_id":%d,
		"start":"2026-03-02T09:00:00Z","end":"2026-03-02T10:00:00Z","subject":"Visite","report":"Rexalor ne livre plus."}`, acc)))
	s.call(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/activities/%d", act), `{"report":"Rexalor ne livre plus avant mars."}`)
	s.call(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/activities/%d", act), "")
	s.call(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/opportunities/%d", opp), "")
	other := s.id(s.call(http.StatusCreated, "POST", "/api/v1/accounts", `{"kind":"prospect","name":"Éphémère","lat":45.7,"lng":4.8}`))
	s.call(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/accounts/%d", other), "")

	// What the receiver should get: the followed changes of the feed since
	// the subscription began.
	want := expectedEvents(t, s, hook.ID, hook.LastSeq)
	ops := map[string]bool{}
	for _, ev := range want {
		ops[ev.Entity+" "+string(ev.Op)] = true
	}
	for _, entity := range accounts.WebhookEntities {
		for _, op := range []accounts.Op{accounts.OpCreate, accounts.OpUpdate, accounts.OpDelete} {
			if !ops[entity+" "+string(op)] {
				t.Errorf("the test wrote no %s %s", entity, op)
			}
		}
	}
	keys := slices.Collect(maps.Keys(want))
	waitFor(t, "every change at the receiver", func() bool { return rcv.has(keys) })

	rcv.mu.Lock()
	if rcv.refused != 3 {
		t.Errorf("the receiver refused %d requests, want 3: it was down first", rcv.refused)
	}
	if len(rcv.bad) > 0 {
		t.Errorf("requests that failed verification: %v", rcv.bad)
	}
	for key, evs := range rcv.accepted {
		w, ok := want[key]
		switch {
		case !ok:
			t.Errorf("received %s, which is no followed change", key)
		case len(evs) != 1:
			t.Errorf("received %s %d times, want once", key, len(evs))
		case evs[0].Seq != w.Seq || evs[0].Entity != w.Entity || evs[0].Op != w.Op || evs[0].ID != w.ID:
			t.Errorf("received %s as %+v, want %+v", key, evs[0], w)
		case evs[0].Op == accounts.OpDelete && string(evs[0].Record) != "null":
			t.Errorf("%s: a deleted record is %s, want null", key, evs[0].Record)
		}
	}
	rcv.mu.Unlock()

	// A rotated secret signs what follows; the old one no longer does.
	var rotated struct{ Secret string }
	if err := json.Unmarshal(s.call(http.StatusOK, "POST", path+"/rotate", ""), &rotated); err != nil || rotated.Secret == "" || rotated.Secret == hook.Secret {
		t.Fatalf("rotate: %+v, %v; want a new secret", rotated, err)
	}
	rcv.mu.Lock()
	rcv.secrets = [][]byte{[]byte(hook.Secret), []byte(rotated.Secret)}
	rcv.mu.Unlock()
	last := lastSeqOf(t, s)
	s.call(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", acc), `{"name":"LAMBDA SAS"}`)
	after := expectedEvents(t, s, hook.ID, last)
	if len(after) != 1 {
		t.Fatalf("after the rename: %d followed changes, want 1", len(after))
	}
	for key, ev := range after {
		waitFor(t, "the rename at the receiver", func() bool { return rcv.has([]string{key}) })
		rcv.mu.Lock()
		got := rcv.accepted[key][0]
		if rcv.signedBy[key] != 1 {
			t.Errorf("%s was signed with the old secret", key)
		}
		var rec accounts.Account
		if err := json.Unmarshal(got.Record, &rec); err != nil || rec.Name != "LAMBDA SAS" || got.ID != ev.ID {
			t.Errorf("%s: record %s, %v; want the renamed account", key, got.Record, err)
		}
		rcv.mu.Unlock()
	}

	var read accounts.Webhook
	if err := json.Unmarshal(s.call(http.StatusOK, "GET", path, ""), &read); err != nil || read.LastSeq < last+1 {
		t.Errorf("the subscription's last_seq is %d, %v; want at least %d", read.LastSeq, err, last+1)
	}
}

// expectedEvents reads the feed after seq and returns the events of the
// changes subscription id follows (every op of the three entities), by key.
func expectedEvents(t *testing.T, s *stack, id, seq int64) map[string]accounts.WebhookEvent {
	t.Helper()
	var feed struct{ Items []accounts.Change }
	if err := json.Unmarshal(s.call(http.StatusOK, "GET", fmt.Sprintf("/api/v1/changes?after=%d&limit=1000", seq), ""), &feed); err != nil {
		t.Fatal(err)
	}
	out := map[string]accounts.WebhookEvent{}
	for _, ch := range feed.Items {
		if slices.Contains(accounts.WebhookEntities, ch.Entity) {
			key := accounts.WebhookKey(ch.Seq, id)
			out[key] = accounts.WebhookEvent{Key: key, Seq: ch.Seq, Entity: ch.Entity, Op: ch.Op, ID: ch.EntityID}
		}
	}
	return out
}

// lastSeqOf is the newest seq of the feed.
func lastSeqOf(t *testing.T, s *stack) int64 {
	t.Helper()
	var feed struct {
		LastSeq int64 `json:"last_seq"`
	}
	if err := json.Unmarshal(s.call(http.StatusOK, "GET", "/api/v1/changes?limit=1000", ""), &feed); err != nil {
		t.Fatal(err)
	}
	return feed.LastSeq
}
