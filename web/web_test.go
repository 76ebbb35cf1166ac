package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/sqlite"
	"github.com/tournee/tournee/web"
)

// testServer is a server whose requests are made by an admin unless they
// carry credentials of their own: most tests are about something other
// than sign-in. Anonymous requests go to Server.ServeHTTP directly.
type testServer struct {
	*web.Server
	token string
}

func (s *testServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") == "" && r.Header.Get("Cookie") == "" {
		r.Header.Set("Authorization", "Bearer "+s.token)
	}
	s.Server.ServeHTTP(w, r)
}

// newServer returns a server over a fresh, migrated SQLite store.
func newServer(t testing.TB) (*testServer, *sqlite.DB) {
	t.Helper()
	return newServerWith(t, web.Config{MaxBodyBytes: 64 << 10})
}

// newServerWith is newServer with a configuration.
func newServerWith(t testing.TB, cfg web.Config) (*testServer, *sqlite.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tournee.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, token := credentialFor(t, db, accounts.RoleAdmin, "root@example.test", accounts.CredentialAPI)
	return &testServer{Server: web.New(db, slog.New(slog.DiscardHandler), cfg), token: token}, db
}

// credentialFor creates a user of role (or finds the one with email) and a
// credential of kind for them, valid for a day, and returns its secret.
func credentialFor(t testing.TB, db accounts.Store, role accounts.Role, email string, kind accounts.CredentialKind) (accounts.User, string) {
	t.Helper()
	ctx := context.Background()
	u, err := db.UserByEmail(ctx, email)
	if errors.Is(err, accounts.ErrNotFound) {
		nu := accounts.User{Email: email, Name: string(role) + " " + email, Role: role}
		if err := nu.Validate(); err != nil {
			t.Fatal(err)
		}
		u, err = db.CreateUser(ctx, nu)
	}
	if err != nil {
		t.Fatal(err)
	}
	secret, hash, err := accounts.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := db.CreateCredential(ctx, accounts.Credential{UserID: u.ID, Kind: kind, Name: "test", Hash: hash,
		LastUsed: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return u, secret
}

// do sends one request; headers come as name, value pairs.
func do(t testing.TB, h http.Handler, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %q: %v", w.Body.String(), err)
	}
	return v
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status = %d, want %d; body %s", w.Code, status, w.Body.String())
	}
}

// lastSeq returns the newest change-feed sequence number, which moves on every write.
func lastSeq(t *testing.T, h http.Handler) int64 {
	t.Helper()
	w := do(t, h, "GET", "/api/v1/changes?limit=1000", "")
	wantStatus(t, w, http.StatusOK)
	return decode[struct {
		LastSeq int64 `json:"last_seq"`
	}](t, w).LastSeq
}

const lambda = `{"kind":"client","name":"LAMBDA SARL","lat":45.764,"lng":4.8357,"potential_cents":4000000,
 "segment":"PME","tags":["Industrie"],"visit_duration_s":3600,
 "opening_hours":{"monday":[["08:30","12:00"],["14:00","18:00"]]},"custom":{"siren_verified":true}}`

func TestAccountLifecycle(t *testing.T) {
	s, _ := newServer(t)

	w := do(t, s, "POST", "/api/v1/accounts", lambda)
	wantStatus(t, w, http.StatusCreated)
	created := decode[accounts.Account](t, w)
	if created.ID == 0 || created.Version != 1 || created.Lat != 45.764 || created.VisitDuration.Seconds() != 3600 {
		t.Fatalf("created = %+v", created)
	}
	if got, want := w.Header().Get("ETag"), `"1"`; got != want {
		t.Errorf("ETag = %s, want %s", got, want)
	}
	path := fmt.Sprintf("/api/v1/accounts/%d", created.ID)
	if got := w.Header().Get("Location"); got != path {
		t.Errorf("Location = %s, want %s", got, path)
	}
	if got := created.Tags; len(got) != 1 || got[0] != "industrie" {
		t.Errorf("tags = %v, want [industrie]", got)
	}

	w = do(t, s, "GET", path, "")
	wantStatus(t, w, http.StatusOK)
	if got := decode[accounts.Account](t, w); got.Name != "LAMBDA SARL" || !reflect.DeepEqual(got.OpeningHours, created.OpeningHours) {
		t.Errorf("get = %+v", got)
	}
	wantStatus(t, do(t, s, "GET", path, "", "If-None-Match", `"1"`), http.StatusNotModified)

	// A partial update changes what it names and keeps the rest.
	w = do(t, s, "PATCH", path, `{"potential_cents":4500000}`, "If-Match", `"1"`)
	wantStatus(t, w, http.StatusOK)
	updated := decode[accounts.Account](t, w)
	if updated.Version != 2 || updated.PotentialCents != 4500000 || updated.Name != "LAMBDA SARL" || updated.Segment != "PME" {
		t.Errorf("updated = %+v", updated)
	}

	// A stale version is refused and writes nothing.
	seq := lastSeq(t, s)
	w = do(t, s, "PATCH", path, `{"name":"Overwritten"}`, "If-Match", `"1"`)
	wantStatus(t, w, http.StatusPreconditionFailed)
	wantStatus(t, do(t, s, "DELETE", path, "", "If-Match", `"1"`), http.StatusPreconditionFailed)
	if got := decode[accounts.Account](t, do(t, s, "GET", path, "")); got.Name != "LAMBDA SARL" || got.Version != 2 {
		t.Errorf("after stale writes = %+v", got)
	}
	if got := lastSeq(t, s); got != seq {
		t.Errorf("change feed moved from %d to %d on refused writes", seq, got)
	}

	w = do(t, s, "GET", "/api/v1/accounts?kind=client&q=lamb&tag=Industrie", "")
	wantStatus(t, w, http.StatusOK)
	if got := decode[struct{ Items []accounts.Account }](t, w).Items; len(got) != 1 || got[0].ID != created.ID {
		t.Errorf("filtered list = %+v", got)
	}
	w = do(t, s, "GET", "/api/v1/accounts?kind=prospect", "")
	if got := decode[struct{ Items []accounts.Account }](t, w).Items; len(got) != 0 {
		t.Errorf("prospects = %+v, want none", got)
	}

	wantStatus(t, do(t, s, "DELETE", path, "", "If-Match", `"2"`), http.StatusNoContent)
	wantStatus(t, do(t, s, "GET", path, ""), http.StatusNotFound)

	w = do(t, s, "GET", "/api/v1/changes?after=0", "")
	var ops []string
	for _, c := range decode[struct{ Items []accounts.Change }](t, w).Items {
		if c.Entity == accounts.EntityAccount {
			ops = append(ops, fmt.Sprintf("%s %d %s", c.Entity, c.EntityID, c.Op))
		}
	}
	want := []string{
		fmt.Sprintf("account %d create", created.ID),
		fmt.Sprintf("account %d update", created.ID),
		fmt.Sprintf("account %d delete", created.ID),
	}
	if fmt.Sprint(ops) != fmt.Sprint(want) {
		t.Errorf("change feed = %v, want %v", ops, want)
	}
}

func TestIdempotencyKey(t *testing.T) {
	s, _ := newServer(t)
	first := do(t, s, "POST", "/api/v1/accounts", lambda, "Idempotency-Key", "k-1")
	wantStatus(t, first, http.StatusCreated)
	retry := do(t, s, "POST", "/api/v1/accounts", lambda, "Idempotency-Key", "k-1")
	wantStatus(t, retry, http.StatusCreated)
	if retry.Body.String() != first.Body.String() || retry.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry answered %s (replayed %q), want the first answer %s", retry.Body, retry.Header().Get("Idempotent-Replayed"), first.Body)
	}
	other := do(t, s, "POST", "/api/v1/accounts", strings.Replace(lambda, "LAMBDA", "KAPPA", 1), "Idempotency-Key", "k-1")
	wantStatus(t, other, http.StatusUnprocessableEntity)

	// A failed request does not burn its key: after the fix, the retry creates.
	bad := strings.Replace(lambda, `"lat":45.764`, `"lat":95`, 1)
	wantStatus(t, do(t, s, "POST", "/api/v1/accounts", bad, "Idempotency-Key", "k-2"), http.StatusBadRequest)
	wantStatus(t, do(t, s, "POST", "/api/v1/accounts", bad, "Idempotency-Key", "k-2"), http.StatusBadRequest)

	w := do(t, s, "GET", "/api/v1/accounts", "")
	if got := decode[struct{ Items []accounts.Account }](t, w).Items; len(got) != 1 {
		t.Errorf("%d accounts after retries, want 1", len(got))
	}
}

func TestPagination(t *testing.T) {
	s, _ := newServer(t)
	for i := range 7 {
		body := strings.Replace(lambda, "LAMBDA SARL", fmt.Sprintf("Compte %d", i), 1)
		wantStatus(t, do(t, s, "POST", "/api/v1/accounts", body), http.StatusCreated)
	}
	var names []string
	path := "/api/v1/accounts?limit=3"
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("too many pages")
		}
		w := do(t, s, "GET", path, "")
		wantStatus(t, w, http.StatusOK)
		page := decode[struct {
			Items      []accounts.Account
			NextCursor string `json:"next_cursor"`
		}](t, w)
		for _, a := range page.Items {
			names = append(names, a.Name)
		}
		if page.NextCursor == "" {
			break
		}
		path = "/api/v1/accounts?limit=3&cursor=" + page.NextCursor
	}
	if got, want := fmt.Sprint(names), "[Compte 0 Compte 1 Compte 2 Compte 3 Compte 4 Compte 5 Compte 6]"; got != want {
		t.Errorf("pages = %s, want %s", got, want)
	}
}

// TestBadInput sends bad requests and checks that each gets the 4xx that
// names the problem and that none of them writes anything.
func TestBadInput(t *testing.T) {
	s, _ := newServer(t)
	w := do(t, s, "POST", "/api/v1/accounts", lambda)
	wantStatus(t, w, http.StatusCreated)
	acc := fmt.Sprintf("/api/v1/accounts/%d", decode[accounts.Account](t, w).ID)
	with := func(old, new string) string { return strings.Replace(lambda, old, new, 1) }

	tests := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		field, message           string
	}{
		{"lat out of range", "POST", "/api/v1/accounts", with(`"lat":45.764`, `"lat":91`), nil, 400, "lat", "lat must be between -90 and 90"},
		{"lng out of range", "POST", "/api/v1/accounts", with(`"lng":4.8357`, `"lng":-181`), nil, 400, "lng", "lng must be between -180 and 180"},
		{"missing location", "POST", "/api/v1/accounts", `{"kind":"client","name":"X"}`, nil, 400, "lat", "lat and lng are required"},
		{"missing name", "POST", "/api/v1/accounts", with(`"name":"LAMBDA SARL"`, `"name":"  "`), nil, 400, "name", "name is required"},
		{"unknown kind", "POST", "/api/v1/accounts", with(`"kind":"client"`, `"kind":"friend"`), nil, 400, "kind", "kind must be one of prospect, client, former"},
		{"negative potential", "POST", "/api/v1/accounts", with(`4000000`, `-1`), nil, 400, "potential_cents", "potential_cents must not be negative"},
		{"overlapping hours", "POST", "/api/v1/accounts", with(`["14:00","18:00"]`, `["11:00","18:00"]`), nil, 400, "opening_hours", "opening hours overlap on monday"},
		{"bad time of day", "POST", "/api/v1/accounts", with(`"08:30"`, `"8h30"`), nil, 400, "", `time of day "8h30" is not HH:MM`},
		{"unknown owner", "POST", "/api/v1/accounts", with(`"segment"`, `"owner_id":999,"segment"`), nil, 400, "owner_id", "owner_id 999 does not exist"},
		{"wrong type", "POST", "/api/v1/accounts", with(`4000000`, `"lots"`), nil, 400, "potential_cents", "potential_cents must be an integer"},
		{"unknown field", "POST", "/api/v1/accounts", with(`"segment"`, `"colour":"red","segment"`), nil, 400, "colour", `unknown field "colour"`},
		{"malformed JSON", "POST", "/api/v1/accounts", `{"kind":`, nil, 400, "", "truncated JSON"},
		{"two JSON values", "POST", "/api/v1/accounts", lambda + lambda, nil, 400, "", "single JSON value"},
		{"empty body", "POST", "/api/v1/contacts", ``, nil, 400, "", "request body is empty"},
		{"body too large", "POST", "/api/v1/accounts", with(`"segment":"PME"`, `"segment":"`+strings.Repeat("x", 70<<10)+`"`), nil, 413, "", "the limit is 65536 bytes"},
		{"unknown account", "GET", "/api/v1/accounts/424242", "", nil, 404, "", "account 424242"},
		{"id not a number", "GET", "/api/v1/accounts/abc", "", nil, 400, "id", "id must be a positive integer"},
		{"patch unknown id", "PATCH", "/api/v1/accounts/424242", `{"name":"x"}`, nil, 404, "", "account 424242"},
		{"patch bad value", "PATCH", acc, `{"lat":-100}`, nil, 400, "lat", "lat must be between -90 and 90"},
		{"bad If-Match", "PATCH", acc, `{"name":"x"}`, []string{"If-Match", "yesterday"}, 400, "", "If-Match must be the ETag"},
		{"contact bad email", "POST", "/api/v1/contacts", `{"account_id":1,"name":"Jean","email":"jean@"}`, nil, 400, "email", "email must be an e-mail address"},
		{"contact bad date", "POST", "/api/v1/contacts", `{"account_id":1,"name":"Jean","dates":[{"label":"retraite","date":"2027-13-01"}]}`, nil, 400, "dates.date", "dates.date must be a date YYYY-MM-DD"},
		{"contact unknown account", "POST", "/api/v1/contacts", `{"account_id":77,"name":"Jean"}`, nil, 400, "account_id", "account_id 77 does not exist"},
		{"opportunity unknown stage", "POST", "/api/v1/opportunities", `{"account_id":1,"name":"Renouvellement","stage_id":9}`, nil, 400, "stage_id", "unknown stage 9"},
		{"stage probability", "POST", "/api/v1/stages", `{"name":"Signature","probability":120}`, nil, 400, "probability", "probability must be between 0 and 100"},
		{"activity end before start", "POST", "/api/v1/activities", `{"type":"visit","start":"2026-03-02T10:00:00Z","end":"2026-03-02T09:00:00Z"}`, nil, 400, "end", "end must not be before start"},
		{"check-in on a call", "POST", "/api/v1/activities", `{"type":"call","start":"2026-03-02T10:00:00Z","check_in":{"lat":45,"lng":4}}`, nil, 400, "check_in", "check_in is only for visits"},
		{"task without assignee", "POST", "/api/v1/tasks", `{"title":"Rappeler"}`, nil, 400, "assignee_id", "assignee_id is required"},
		{"polygon not closed", "POST", "/api/v1/territories", `{"layer":"sales","name":"Rhône","geometry":{"type":"Polygon","coordinates":[[[4,45],[5,45],[5,46],[4,46]]]}}`, nil, 400, "", "exterior ring is not closed"},
		{"polygon self-intersecting", "POST", "/api/v1/territories", `{"layer":"sales","name":"Nœud","geometry":{"type":"Polygon","coordinates":[[[4,45],[5,46],[5,45],[4,46],[4,45]]]}}`, nil, 400, "", "exterior ring intersects itself"},
		{"polygon too few positions", "POST", "/api/v1/territories", `{"layer":"sales","name":"Trait","geometry":{"type":"Polygon","coordinates":[[[4,45],[5,45],[4,45]]]}}`, nil, 400, "", "exterior ring has 3 positions, at least 4 are needed"},
		{"point is not an area", "POST", "/api/v1/territories", `{"layer":"sales","name":"Point","geometry":{"type":"Point","coordinates":[4,45]}}`, nil, 400, "", "geometry must be a Polygon or MultiPolygon, not Point"},
		{"revenue bad month", "PUT", "/api/v1/revenue", `{"items":[{"account_id":1,"month":"2026-3","amount_cents":100}]}`, nil, 400, "month", "month must be YYYY-MM"},
		{"revenue unknown account", "PUT", "/api/v1/revenue", `{"items":[{"account_id":1,"month":"2026-03","amount_cents":100},{"account_id":555,"month":"2026-03","amount_cents":1}]}`, nil, 400, "", "refers to a record that does not exist"},
		{"unknown filter", "GET", "/api/v1/accounts?knd=client", "", nil, 400, "knd", `unknown query parameter "knd"`},
		{"bad filter value", "GET", "/api/v1/accounts?kind=friend", "", nil, 400, "kind", "kind must be one of"},
		{"limit too large", "GET", "/api/v1/accounts?limit=100000", "", nil, 400, "limit", "limit must be between 1 and 500"},
		{"bad cursor", "GET", "/api/v1/accounts?cursor=!!", "", nil, 400, "cursor", "cursor is not valid"},
		{"bad updated_since", "GET", "/api/v1/contacts?updated_since=yesterday", "", nil, 400, "updated_since", "RFC 3339"},
		{"bad change cursor", "GET", "/api/v1/changes?after=-4", "", nil, 400, "after", "after must be a sequence number"},
		{"unknown route", "GET", "/api/v1/nothing", "", nil, 404, "", "no such route"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := lastSeq(t, s)
			w := do(t, s, tt.method, tt.path, tt.body, tt.headers...)
			wantStatus(t, w, tt.status)
			got := decode[struct {
				Error struct{ Code, Message, Field string }
			}](t, w).Error
			if !strings.Contains(got.Message, tt.message) || got.Field != tt.field {
				t.Errorf("error = %+v, want message containing %q and field %q", got, tt.message, tt.field)
			}
			if after := lastSeq(t, s); after != before {
				t.Errorf("change feed moved from %d to %d: something was written", before, after)
			}
		})
	}
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	s, db := newServer(t)
	db.Close()
	w := do(t, s, "GET", "/api/v1/accounts", "")
	wantStatus(t, w, http.StatusInternalServerError)
	if got, want := w.Body.String(), `{"error":{"code":"internal","message":"internal error"}}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	s, db := newServer(t)
	wantStatus(t, do(t, s, "GET", "/healthz", ""), http.StatusOK)
	wantStatus(t, do(t, s, "GET", "/readyz", ""), http.StatusOK)
	wantStatus(t, do(t, s, "GET", "/api/v1/accounts/1", ""), http.StatusNotFound)
	w := do(t, s, "GET", "/metrics", "")
	wantStatus(t, w, http.StatusOK)
	for _, want := range []string{
		`tournee_http_requests_total{method="GET",route="/api/v1/accounts/:id",status="404"} 1`,
		`tournee_store_call_duration_seconds_count{method="GetAccount"} 1`,
	} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	db.Close()
	wantStatus(t, anon(t, s, "GET", "/readyz", ""), http.StatusServiceUnavailable)
}

// TestIdempotencyKeyPerUser: keys are the client's, so two users with the
// same key and body each get their own request run, and neither sees the
// other's answer.
func TestIdempotencyKeyPerUser(t *testing.T) {
	s, db := newServerWith(t, web.Config{})
	_, k1 := credentialFor(t, db, accounts.RoleManager, "m1@example.test", accounts.CredentialAPI)
	_, k2 := credentialFor(t, db, accounts.RoleManager, "m2@example.test", accounts.CredentialAPI)
	body := `{"kind":"prospect","name":"Même clé","lat":45,"lng":4.8}`
	var ids []int64
	for _, k := range []string{k1, k2, k1} {
		w := anon(t, s, "POST", "/api/v1/accounts", body, "Authorization", "Bearer "+k, "Idempotency-Key", "same-key")
		wantStatus(t, w, http.StatusCreated)
		ids = append(ids, decode[struct{ ID int64 }](t, w).ID)
	}
	if ids[0] == ids[1] || ids[2] != ids[0] {
		t.Errorf("ids %v: want two accounts, the third request a replay of the first", ids)
	}
}
