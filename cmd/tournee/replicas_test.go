package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/postgres"
	"github.com/tournee/tournee/web"
)

// TestReplicasShareWrites runs two servers on one PostgreSQL database, as
// two tournee processes behind a load balancer would, and checks that a
// write through one shows in the other's nearby results within a second.
// The follower polls only every 5 s, so the second is kept by LISTEN/NOTIFY.
func TestReplicasShareWrites(t *testing.T) {
	ctx := context.Background()
	db1 := postgres.OpenTest(t)
	db2, err := postgres.Open(ctx, db1.Pool().Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	one, two := web.New(db1, log, web.Config{}), web.New(db2, log, web.Config{})
	for _, s := range []*web.Server{one, two} {
		if err := s.Places().Load(ctx); err != nil {
			t.Fatal(err)
		}
	}
	followCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop) // runs before db2.Close: the listener gives its connection back
	follow(followCtx, db2, two.Places(), log)

	// Both replicas know the credential: it is in the shared database.
	admin, err := db1.CreateUser(ctx, accounts.User{Email: "admin@example.test", Name: "Admin", Role: accounts.RoleAdmin,
		WorkDays: accounts.Weekdays{time.Monday}, WorkStart: 8 * 60, WorkEnd: 18 * 60, SpeedKmh: 70})
	if err != nil {
		t.Fatal(err)
	}
	secret, hash, err := accounts.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db1.CreateCredential(ctx, accounts.Credential{UserID: admin.ID, Kind: accounts.CredentialAPI, Name: "test",
		Hash: hash, LastUsed: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	send := func(s http.Handler, method, path, body string) *httptest.ResponseRecorder {
		t.Helper()
		w := httptest.NewRecorder()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		s.ServeHTTP(w, req)
		if w.Code >= 300 {
			t.Fatalf("%s %s = %d %s", method, path, w.Code, w.Body)
		}
		return w
	}
	// seen waits until the replica has applied every write made so far,
	// and says how long that took.
	seen := func() time.Duration {
		t.Helper()
		start := time.Now()
		seq, err := db1.LastChangeSeq(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if err := two.Places().WaitApplied(wctx, seq); err != nil {
			t.Fatalf("the second server had not applied change %d after a second: %v", seq, err)
		}
		return time.Since(start)
	}
	nearest := func() string {
		t.Helper()
		w := send(two, "GET", "/api/v1/accounts/nearby?lat=45.76&lng=4.84&limit=1&fields=id", "")
		var body struct{ Items []struct{ ID int64 } }
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(body.Items)
	}

	w := send(one, "POST", "/api/v1/accounts", `{"kind":"client","name":"LAMBDA SARL","lat":45.76,"lng":4.84}`)
	var created struct{ ID int64 }
	if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	took := seen()
	if got, want := nearest(), fmt.Sprintf("[{%d}]", created.ID); got != want {
		t.Fatalf("second server's nearest = %s, want %s", got, want)
	}
	send(one, "DELETE", fmt.Sprintf("/api/v1/accounts/%d", created.ID), "")
	took = max(took, seen())
	if got := nearest(); got != "[]" {
		t.Errorf("second server's nearest after the delete = %s, want none", got)
	}
	t.Logf("slowest propagation: %s", took)
}
