package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/sqlite"
)

// apiToken creates an API token of user, valid for an hour, and returns
// its secret.
func apiToken(t *testing.T, db accounts.Store, user int64) string {
	t.Helper()
	secret, hash, err := accounts.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := db.CreateCredential(context.Background(), accounts.Credential{UserID: user, Kind: accounts.CredentialAPI,
		Name: "test", Hash: hash, LastUsed: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return secret
}

// TestRoleMatrix walks the whole route table: every route declares its
// level, and each caller — nobody, a rep, a manager, an admin — is let
// through exactly the routes its role may call (401 without credentials,
// 403 for a role too low, anything else otherwise).
func TestRoleMatrix(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := New(db, slog.New(slog.DiscardHandler), Config{})
	type caller struct {
		role accounts.Role
		id   int64
	}
	callers := []caller{{role: ""}}
	for _, role := range []accounts.Role{accounts.RoleRep, accounts.RoleManager, accounts.RoleAdmin} {
		u := accounts.User{Email: string(role) + "@example.test", Name: string(role), Role: role}
		if err := u.Validate(); err != nil {
			t.Fatal(err)
		}
		u, err := db.CreateUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		callers = append(callers, caller{role, u.ID})
	}

	routes := s.Routes()
	if len(routes) < 80 {
		t.Fatalf("only %d routes: the table is not the one registered", len(routes))
	}
	for _, r := range routes {
		lvl, ok := accessOf(r.Method, r.Path)
		if !ok {
			t.Errorf("%s %s declares no access level (add it to routeAccess)", r.Method, r.Path)
			continue
		}
		for _, c := range callers {
			// The caller's own id (a user may read and set their own), but
			// none that exists for deletes, which must not remove the callers.
			id := max(c.id, 1)
			if r.Method == http.MethodDelete {
				id = 1 << 40
			}
			path := strings.ReplaceAll(r.Path, ":id", fmt.Sprint(id))
			body := ""
			if r.Method != http.MethodGet && r.Method != http.MethodDelete {
				body = "{}"
			}
			req := httptest.NewRequest(r.Method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if c.id != 0 {
				// A fresh token for every request: the walk signs out,
				// which revokes the token that asked.
				req.Header.Set("Authorization", "Bearer "+apiToken(t, db, c.id))
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			var want string
			switch {
			case lvl == public:
				// Anyone gets through; the handler may still refuse what
				// it is sent (a sign-in with no password is a 401).
				if w.Code == http.StatusForbidden {
					t.Errorf("%s %s as %q: 403 on a public route", r.Method, path, c.role)
				}
				continue
			case c.role == "":
				want = "401"
			case !allowed(c.role, lvl):
				want = "403"
			}
			got := w.Code
			denied := got == http.StatusUnauthorized || got == http.StatusForbidden
			if want == "" && denied || want != "" && fmt.Sprint(got) != want {
				t.Errorf("%s %s as %q: status %d, want %s", r.Method, path, c.role, got, map[string]string{"": "access", "401": "401", "403": "403"}[want])
			}
		}
	}
}

// TestAuthenticationRefusals covers the ways in which a request is refused
// before any route runs.
func TestAuthenticationRefusals(t *testing.T) {
	s, token := newDocServer(t)
	tests := []struct {
		name    string
		path    string
		headers map[string]string
		status  int
	}{
		{"no credentials", "/api/v1/accounts", nil, http.StatusUnauthorized},
		{"unknown token", "/api/v1/accounts", map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized},
		{"basic scheme", "/api/v1/accounts", map[string]string{"Authorization": "Basic " + token}, http.StatusUnauthorized},
		{"token in the query string", "/api/v1/accounts?access_token=" + token, nil, http.StatusBadRequest},
		{"valid token", "/api/v1/accounts", map[string]string{"Authorization": "Bearer " + token}, http.StatusOK},
		{"unknown session cookie", "/api/v1/accounts", map[string]string{"Cookie": sessionCookie + "=forged"}, http.StatusUnauthorized},
		{"an API token as a cookie", "/api/v1/accounts", map[string]string{"Cookie": sessionCookie + "=" + token}, http.StatusUnauthorized},
		{"cross-site POST", "/api/v1/accounts", map[string]string{"Authorization": "Bearer " + token, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method, body := http.MethodGet, ""
			if strings.HasPrefix(tc.name, "cross-site") {
				method, body = http.MethodPost, `{"kind":"client","name":"X","lat":45,"lng":5}`
			}
			req := httptest.NewRequest(method, tc.path, strings.NewReader(body))
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code != tc.status {
				t.Errorf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if strings.Contains(w.Body.String(), token) {
				t.Error("the answer echoes the token")
			}
		})
	}
}
