package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tournee/tournee/accounts"
)

// anon sends a request with no credential but those given in headers.
func anon(t *testing.T, s *testServer, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	s.Server.ServeHTTP(w, req)
	return w
}

func TestSignIn(t *testing.T) {
	s, _ := newServer(t)
	r := do(t, s, "POST", "/api/v1/users", `{"email":"Rep@Example.test","name":"Rep","role":"rep"}`)
	wantStatus(t, r, http.StatusCreated)
	rep := decode[accounts.User](t, r)
	const password = "une phrase de passe longue"
	wantStatus(t, do(t, s, "PUT", fmt.Sprintf("/api/v1/users/%d/password", rep.ID), `{"password":"court"}`), http.StatusBadRequest)
	wantStatus(t, do(t, s, "PUT", fmt.Sprintf("/api/v1/users/%d/password", rep.ID), fmt.Sprintf(`{"password":%q}`, password)), http.StatusNoContent)

	login := func(email, pw string) *httptest.ResponseRecorder {
		return anon(t, s, "POST", "/api/v1/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, email, pw))
	}
	// Wrong password and unknown e-mail get the same answer.
	wrong, unknown := login("rep@example.test", "pas le bon mot de passe"), login("nobody@example.test", password)
	wantStatus(t, wrong, http.StatusUnauthorized)
	wantStatus(t, unknown, http.StatusUnauthorized)
	if wrong.Body.String() != unknown.Body.String() {
		t.Errorf("wrong password %s and unknown e-mail %s answer differently", wrong.Body, unknown.Body)
	}

	// The session cookie signs the browser in, secure and HttpOnly.
	r = login("REP@example.test", password)
	wantStatus(t, r, http.StatusOK)
	ck := r.Result().Cookies()
	if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteLaxMode || ck[0].Value == "" {
		t.Fatalf("session cookie %+v", ck)
	}
	cookie := ck[0].Name + "=" + ck[0].Value
	me := anon(t, s, "GET", "/api/v1/users/me", "", "Cookie", cookie)
	wantStatus(t, me, http.StatusOK)
	if decode[accounts.User](t, me).ID != rep.ID {
		t.Errorf("/users/me = %s, want the rep", me.Body)
	}
	// A rep may not create users.
	wantStatus(t, anon(t, s, "POST", "/api/v1/users", `{"email":"x@example.test","name":"X","role":"admin"}`, "Cookie", cookie), http.StatusForbidden)
	// Logging out revokes the session on the server.
	wantStatus(t, anon(t, s, "POST", "/api/v1/auth/logout", "", "Cookie", cookie), http.StatusNoContent)
	wantStatus(t, anon(t, s, "GET", "/api/v1/users/me", "", "Cookie", cookie), http.StatusUnauthorized)

	// Tokens for scripts: the refresh token is used once.
	r = anon(t, s, "POST", "/api/v1/auth/token", fmt.Sprintf(`{"email":"rep@example.test","password":%q}`, password))
	wantStatus(t, r, http.StatusOK)
	tok := decode[struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
	}](t, r)
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.ExpiresIn != 900 {
		t.Fatalf("token answer %s", r.Body)
	}
	wantStatus(t, anon(t, s, "GET", "/api/v1/users/me", "", "Authorization", "Bearer "+tok.AccessToken), http.StatusOK)
	wantStatus(t, anon(t, s, "GET", "/api/v1/users/me", "", "Cookie", "tournee_session="+tok.AccessToken), http.StatusUnauthorized)
	r = anon(t, s, "POST", "/api/v1/auth/token", fmt.Sprintf(`{"refresh_token":%q}`, tok.RefreshToken))
	wantStatus(t, r, http.StatusOK)
	// The old refresh token, and the access token it made, are revoked.
	wantStatus(t, anon(t, s, "POST", "/api/v1/auth/token", fmt.Sprintf(`{"refresh_token":%q}`, tok.RefreshToken)), http.StatusUnauthorized)
	wantStatus(t, anon(t, s, "GET", "/api/v1/users/me", "", "Authorization", "Bearer "+tok.AccessToken), http.StatusUnauthorized)

	// Five failures lock the account for everyone, the right password included.
	for range 5 {
		wantStatus(t, login("rep@example.test", "encore une erreur de frappe"), http.StatusUnauthorized)
	}
	wantStatus(t, login("rep@example.test", password), http.StatusTooManyRequests)

	// A changed password revokes the user's other credentials.
	newer := decode[struct {
		AccessToken string `json:"access_token"`
	}](t, r).AccessToken
	wantStatus(t, do(t, s, "PUT", fmt.Sprintf("/api/v1/users/%d/password", rep.ID), `{"password":"une autre phrase assez longue"}`), http.StatusNoContent)
	wantStatus(t, anon(t, s, "GET", "/api/v1/users/me", "", "Authorization", "Bearer "+newer), http.StatusUnauthorized)
}

func TestAPITokens(t *testing.T) {
	s, _ := newServer(t)
	r := do(t, s, "POST", "/api/v1/auth/tokens", `{"name":"export ERP","expires_in_days":30}`)
	wantStatus(t, r, http.StatusCreated)
	created := decode[struct {
		ID    int64
		Token string
	}](t, r)
	if created.Token == "" {
		t.Fatalf("no token in %s", r.Body)
	}
	wantStatus(t, anon(t, s, "GET", "/api/v1/accounts", "", "Authorization", "Bearer "+created.Token), http.StatusOK)
	list := do(t, s, "GET", "/api/v1/auth/tokens", "")
	wantStatus(t, list, http.StatusOK)
	if strings.Contains(list.Body.String(), created.Token) || !strings.Contains(list.Body.String(), "export ERP") {
		t.Errorf("token list %s shows the secret or lacks the token", list.Body)
	}
	wantStatus(t, do(t, s, "DELETE", fmt.Sprintf("/api/v1/auth/tokens/%d", created.ID), ""), http.StatusNoContent)
	wantStatus(t, anon(t, s, "GET", "/api/v1/accounts", "", "Authorization", "Bearer "+created.Token), http.StatusUnauthorized)
	if list := do(t, s, "GET", "/api/v1/auth/tokens", ""); strings.Contains(list.Body.String(), "export ERP") {
		t.Errorf("a revoked token is still listed: %s", list.Body)
	}
	for _, bad := range []string{`{"name":"","expires_in_days":30}`, `{"name":"x","expires_in_days":0}`, `{"name":"x","expires_in_days":400}`} {
		wantStatus(t, do(t, s, "POST", "/api/v1/auth/tokens", bad), http.StatusBadRequest)
	}
}

// TestRoleChangeTakesEffect checks that a role taken away counts from the
// next request, although credentials are remembered between requests.
func TestRoleChangeTakesEffect(t *testing.T) {
	s, db := newServer(t)
	m, token := credentialFor(t, db, accounts.RoleManager, "cadre@example.test", accounts.CredentialAPI)
	rules := func() int {
		return anon(t, s, "GET", "/api/v1/rules", "", "Authorization", "Bearer "+token).Code
	}
	if got := rules(); got != http.StatusOK {
		t.Fatalf("a manager reads rules: %d", got)
	}
	wantStatus(t, do(t, s, "PATCH", fmt.Sprintf("/api/v1/users/%d", m.ID), `{"role":"rep"}`), http.StatusOK)
	if got := rules(); got != http.StatusForbidden {
		t.Errorf("demoted to rep, reads rules: %d, want 403", got)
	}
	wantStatus(t, do(t, s, "DELETE", fmt.Sprintf("/api/v1/users/%d", m.ID), ""), http.StatusNoContent)
	if got := rules(); got != http.StatusUnauthorized {
		t.Errorf("deleted, reads rules: %d, want 401", got)
	}
}
