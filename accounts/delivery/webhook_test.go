package delivery_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/delivery"
)

var webhookSecret = []byte("whsec-test")

func secrets(context.Context, int64) ([]byte, error) { return webhookSecret, nil }

// receiver is an integrator's endpoint, as its documentation would tell
// them to write it: verify the signature, then act once per delivery key.
type receiver struct {
	now    func() time.Time
	status func(n int) (int, http.Header) // reply to the n-th request, from 1

	mu       sync.Mutex
	requests int
	badSigs  int
	effects  map[string][]byte // body per delivery key, acted on once
	headers  http.Header       // of the last request
}

func newReceiver(t *testing.T, now func() time.Time, status func(n int) (int, http.Header)) (*receiver, *httptest.Server) {
	t.Helper()
	rc := &receiver{now: now, status: status, effects: map[string][]byte{}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	rc.headers = r.Header.Clone()
	if err := delivery.Verify(webhookSecret, r.Header.Get(delivery.HeaderTimestamp), body,
		r.Header.Get(delivery.HeaderSignature), rc.now(), time.Minute); err != nil {
		rc.badSigs++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	code, h := http.StatusOK, http.Header(nil)
	if rc.status != nil {
		code, h = rc.status(rc.requests)
	}
	for k, v := range h {
		w.Header()[k] = v
	}
	if code/100 == 2 {
		key := r.Header.Get(delivery.HeaderDelivery)
		if _, seen := rc.effects[key]; !seen {
			rc.effects[key] = body
		}
	}
	w.WriteHeader(code)
	fmt.Fprintf(w, "status %d", code)
}

func (rc *receiver) counts() (requests, effects, badSigs int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.requests, len(rc.effects), rc.badSigs
}

func hook(url string, subscription int64) accounts.Delivery {
	return accounts.Delivery{
		Key:          accounts.DeliveryKey("change:8812", accounts.ChannelWebhook, url),
		Channel:      accounts.ChannelWebhook,
		Recipient:    url,
		Subscription: subscription,
		Payload:      []byte(`{"event":"alert","account":{"id":42,"name":"LAMBDA SARL"},"message":"` + lambdaAlert + `"}`),
	}
}

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

// TestWebhookStatus proves the classification of replies: 2xx is
// delivered, 408, 429 and 5xx are retried (with Retry-After kept), other
// 4xx and redirects are permanent; every request carries a signature the
// receiver's Verify accepts, and the delivery key.
func TestWebhookStatus(t *testing.T) {
	tests := []struct {
		code          int
		header        http.Header
		wantErr       bool
		wantPermanent bool
	}{
		{200, nil, false, false},
		{204, nil, false, false},
		{302, http.Header{"Location": {"/elsewhere"}}, true, true},
		{400, nil, true, true},
		{404, nil, true, true},
		{410, nil, true, true},
		{408, nil, true, false},
		{429, http.Header{"Retry-After": {"120"}}, true, false},
		{500, nil, true, false},
		{503, nil, true, false},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			rc, srv := newReceiver(t, fixed(t0), func(int) (int, http.Header) { return tt.code, tt.header })
			wh := &delivery.Webhook{Secret: secrets, Now: fixed(t0)}
			d := hook(srv.URL+"/hooks/tournee", 7)
			err := wh.Send(context.Background(), d)
			if (err != nil) != tt.wantErr || delivery.IsPermanent(err) != tt.wantPermanent {
				t.Errorf("Send = %v (permanent %v), want error %v, permanent %v", err, delivery.IsPermanent(err), tt.wantErr, tt.wantPermanent)
			}
			requests, _, badSigs := rc.counts()
			if requests != 1 || badSigs != 0 {
				t.Errorf("receiver saw %d requests, %d with a bad signature; want 1, 0 (redirects not followed)", requests, badSigs)
			}
			h := rc.headers
			if h.Get(delivery.HeaderDelivery) != d.Key || h.Get("Idempotency-Key") != d.Key {
				t.Errorf("delivery headers %q, %q; want %q", h.Get(delivery.HeaderDelivery), h.Get("Idempotency-Key"), d.Key)
			}
			if h.Get(delivery.HeaderTimestamp) != strconv.FormatInt(t0.Unix(), 10) || h.Get("Content-Type") != "application/json" {
				t.Errorf("timestamp %q, content type %q", h.Get(delivery.HeaderTimestamp), h.Get("Content-Type"))
			}
		})
	}
}

// TestWebhookTimeout proves that a receiver that does not answer in time
// is a temporary failure.
func TestWebhookTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	wh := &delivery.Webhook{Secret: secrets, Client: &http.Client{Timeout: 50 * time.Millisecond}}
	err := wh.Send(context.Background(), hook(srv.URL, 7))
	if err == nil || delivery.IsPermanent(err) {
		t.Errorf("Send = %v, want a temporary error", err)
	}
}

// TestWebhookSecret proves that a deleted subscription ends the delivery
// and a failing secret store only delays it, neither reaching the network.
func TestWebhookSecret(t *testing.T) {
	tests := []struct {
		name          string
		err           error
		wantPermanent bool
	}{
		{"subscription deleted", accounts.NotFound("webhook subscription", 7), true},
		{"store unavailable", errors.New("connection reset"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, srv := newReceiver(t, fixed(t0), nil)
			wh := &delivery.Webhook{Secret: func(context.Context, int64) ([]byte, error) { return nil, tt.err }}
			err := wh.Send(context.Background(), hook(srv.URL, 7))
			if err == nil || delivery.IsPermanent(err) != tt.wantPermanent {
				t.Errorf("Send = %v, want an error, permanent %v", err, tt.wantPermanent)
			}
			if n, _, _ := rc.counts(); n != 0 {
				t.Errorf("receiver saw %d requests, want 0", n)
			}
		})
	}
}

// TestSign pins the signature format against a value computed outside Go,
// so that receivers written in other languages can rely on it.
func TestSign(t *testing.T) {
	got := delivery.Sign(webhookSecret, 1714000000, []byte(`{"event":"alert"}`))
	want := "sha256=1b4ede913c3bb7bb82332ccc854ab973ea6b9738b921ed0121f2b20ddd1e1baf"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

// TestVerify proves what receivers refuse: a forged or altered request,
// and a replay once the timestamp is older than the tolerance.
func TestVerify(t *testing.T) {
	body := []byte(`{"event":"alert"}`)
	ts := t0.Unix()
	sig := delivery.Sign(webhookSecret, ts, body)
	stamp := strconv.FormatInt(ts, 10)
	tests := []struct {
		name      string
		secret    []byte
		timestamp string
		body      []byte
		signature string
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{"valid", webhookSecret, stamp, body, sig, t0, time.Minute, nil},
		{"valid at the edge of the tolerance", webhookSecret, stamp, body, sig, t0.Add(time.Minute), time.Minute, nil},
		{"default tolerance", webhookSecret, stamp, body, sig, t0.Add(4 * time.Minute), 0, nil},
		{"replayed later", webhookSecret, stamp, body, sig, t0.Add(time.Minute + time.Second), time.Minute, delivery.ErrTimestamp},
		{"replayed after the default tolerance", webhookSecret, stamp, body, sig, t0.Add(6 * time.Minute), 0, delivery.ErrTimestamp},
		{"from the future", webhookSecret, stamp, body, sig, t0.Add(-2 * time.Minute), time.Minute, delivery.ErrTimestamp},
		{"timestamp missing", webhookSecret, "", body, sig, t0, time.Minute, delivery.ErrTimestamp},
		{"timestamp altered", webhookSecret, strconv.FormatInt(ts+1, 10), body, sig, t0, time.Minute, delivery.ErrSignature},
		{"body altered", webhookSecret, stamp, []byte(`{"event":"alert "}`), sig, t0, time.Minute, delivery.ErrSignature},
		{"other secret", []byte("other"), stamp, body, sig, t0, time.Minute, delivery.ErrSignature},
		{"no prefix", webhookSecret, stamp, body, sig[len("sha256="):], t0, time.Minute, delivery.ErrSignature},
		{"not hex", webhookSecret, stamp, body, "sha256=zz", t0, time.Minute, delivery.ErrSignature},
		{"empty", webhookSecret, stamp, body, "", t0, time.Minute, delivery.ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := delivery.Verify(tt.secret, tt.timestamp, tt.body, tt.signature, tt.now, tt.tolerance)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}
