package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/web"
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

func TestAudit(t *testing.T) {
	s, db := newServer(t)
	m, token := credentialFor(t, db, accounts.RoleManager, "cadre@example.test", accounts.CredentialAPI)
	r := anon(t, s, "POST", "/api/v1/accounts", `{"kind":"prospect","name":"Nouveau","lat":45,"lng":5}`, "Authorization", "Bearer "+token)
	wantStatus(t, r, http.StatusCreated)
	acc := decode[accounts.Account](t, r)
	wantStatus(t, do(t, s, "PATCH", fmt.Sprintf("/api/v1/accounts/%d", acc.ID), `{"name":"Renommé"}`), http.StatusOK)
	r = anon(t, s, "GET", fmt.Sprintf("/api/v1/audit?entity=account&user_id=%d", m.ID), "", "Authorization", "Bearer "+token)
	wantStatus(t, r, http.StatusOK)
	got := decode[struct {
		Items []struct {
			Entity   string
			EntityID int64 `json:"entity_id"`
			Op       string
			ByName   string `json:"by_name"`
		}
	}](t, r).Items
	if len(got) != 1 || got[0].EntityID != acc.ID || got[0].Op != "create" || got[0].ByName != m.Name {
		t.Errorf("the manager's account changes = %+v, want the one create, named", got)
	}
	_, rep := credentialFor(t, db, accounts.RoleRep, "rep@example.test", accounts.CredentialAPI)
	wantStatus(t, anon(t, s, "GET", "/api/v1/audit", "", "Authorization", "Bearer "+rep), http.StatusForbidden)
}

func TestExpiredCredential(t *testing.T) {
	s, db := newServer(t)
	u, _ := credentialFor(t, db, accounts.RoleRep, "rep@example.test", accounts.CredentialAPI)
	secret, hash, err := accounts.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	if _, err := db.CreateCredential(context.Background(), accounts.Credential{UserID: u.ID, Kind: accounts.CredentialAccess,
		Hash: hash, LastUsed: past.Add(-time.Minute), ExpiresAt: past}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, anon(t, s, "GET", "/api/v1/users/me", "", "Authorization", "Bearer "+secret), http.StatusUnauthorized)
	// A session idle for longer than its idle limit ends too.
	secret, hash, _ = accounts.NewSecret()
	if _, err := db.CreateCredential(context.Background(), accounts.Credential{UserID: u.ID, Kind: accounts.CredentialSession,
		Hash: hash, LastUsed: time.Now().Add(-3 * time.Hour), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, anon(t, s, "GET", "/api/v1/users/me", "", "Cookie", "tournee_session="+secret), http.StatusUnauthorized)
}

// TestInjection sends SQL and expression injection attempts through the
// filters and the rules: they are refused or are only text.
func TestInjection(t *testing.T) {
	s, _ := newServer(t)
	wantStatus(t, do(t, s, "POST", "/api/v1/accounts", `{"kind":"client","name":"Témoin","lat":45,"lng":5,"tags":["a"]}`), http.StatusCreated)
	for _, path := range []string{
		"/api/v1/accounts?tag=" + url.QueryEscape("a' OR '1'='1"),
		"/api/v1/accounts?q=" + url.QueryEscape("%' OR 1=1 --"),
		"/api/v1/accounts?segment=" + url.QueryEscape("x'); DROP TABLE accounts; --"),
		"/api/v1/accounts/search?q=" + url.QueryEscape("'; DROP TABLE activities; --"),
	} {
		r := do(t, s, "GET", path, "")
		if r.Code != http.StatusOK && r.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", path, r.Code, r.Body)
		}
		if r.Code == http.StatusOK && strings.Contains(r.Body.String(), "Témoin") {
			t.Errorf("%s found the account: the text was run as SQL", path)
		}
	}
	if got := decode[struct{ Items []any }](t, do(t, s, "GET", "/api/v1/accounts", "")).Items; len(got) != 1 {
		t.Errorf("after the attempts, %d accounts, want the 1", len(got))
	}
	for _, expr := range []string{
		`now()`,               // the wall clock is not a fact
		`kind == "client"; 1`, // a second statement
		`get(custom, "a") != nil && os.Exit(1)`,
		`{{ .Secret }}`,
	} {
		body := fmt.Sprintf(`{"name":"essai","expression":%q,"actions":[{"type":"score","value":1}],"enabled":true}`, expr)
		if r := do(t, s, "POST", "/api/v1/rules", body); r.Code == http.StatusCreated {
			t.Errorf("rule %q was accepted", expr)
		} else if r.Code >= 500 {
			t.Errorf("rule %q: %d", expr, r.Code)
		}
	}
}

// TestSecretsNotLogged signs in, fails to, and uses tokens with a logger
// that records everything, and checks that no password or token reaches
// the log.
func TestSecretsNotLogged(t *testing.T) {
	var logs strings.Builder
	s0, db := newServer(t)
	s := &testServer{Server: web.New(db, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), web.Config{}), token: s0.token}
	const password = "une phrase de passe secrète"
	r := do(t, s, "POST", "/api/v1/users", `{"email":"rep@example.test","name":"Rep","role":"rep"}`)
	wantStatus(t, r, http.StatusCreated)
	rep := decode[accounts.User](t, r)
	wantStatus(t, do(t, s, "PUT", fmt.Sprintf("/api/v1/users/%d/password", rep.ID), fmt.Sprintf(`{"password":%q}`, password)), http.StatusNoContent)
	anon(t, s, "POST", "/api/v1/auth/login", `{"email":"rep@example.test","password":"mauvais mot de passe"}`)
	r = anon(t, s, "POST", "/api/v1/auth/token", fmt.Sprintf(`{"email":"rep@example.test","password":%q}`, password))
	tok := decode[struct {
		AccessToken string `json:"access_token"`
	}](t, r).AccessToken
	anon(t, s, "GET", "/api/v1/accounts?access_token="+tok, "")
	anon(t, s, "GET", "/api/v1/accounts", "", "Authorization", "Bearer "+tok+"x")
	db.Close() // a failing store makes the server log errors
	anon(t, s, "GET", "/api/v1/users/me", "", "Authorization", "Bearer "+tok)
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the test cannot tell")
	}
	for _, secret := range []string{password, "mauvais mot de passe", tok, s0.token} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds a secret: %q", secret)
		}
	}
}

func TestSecureCookie(t *testing.T) {
	s, _ := newServerWith(t, web.Config{SecureCookies: true})
	r := do(t, s, "POST", "/api/v1/users", `{"email":"rep@example.test","name":"Rep","role":"rep"}`)
	wantStatus(t, r, http.StatusCreated)
	id := decode[accounts.User](t, r).ID
	wantStatus(t, do(t, s, "PUT", fmt.Sprintf("/api/v1/users/%d/password", id), `{"password":"une phrase de passe longue"}`), http.StatusNoContent)
	r = anon(t, s, "POST", "/api/v1/auth/login", `{"email":"rep@example.test","password":"une phrase de passe longue"}`)
	wantStatus(t, r, http.StatusOK)
	if ck := r.Result().Cookies(); len(ck) != 1 || !ck[0].Secure || !ck[0].HttpOnly {
		t.Errorf("cookie %+v, want Secure and HttpOnly", ck)
	}
}
