package web

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
)

// Sign-in. A browser signs in with e-mail and password and gets a session
// cookie; scripts and mobile clients trade the same for a short-lived
// access token and a refresh token (POST /auth/token), or use a personal
// API token. Every secret is random and only its hash is stored. Every
// route declares who may call it in access (see authorize); the role
// matrix test walks the route table against it.

// principalTTL is how long a request's credential is trusted from memory
// before the store is asked again. Revocations through this process purge
// the memory at once; one made through another replica (or a user deleted
// there) takes effect here within this time. Without it every request
// would read the store, which caps the spatial queries, answered from
// memory in microseconds, at the store's pace.
const (
	principalTTL   = 30 * time.Second
	principalCache = 10_000
)

// Lifetimes of credentials.
const (
	sessionIdle     = 2 * time.Hour
	sessionLifetime = 12 * time.Hour
	accessLifetime  = 15 * time.Minute
	refreshLifetime = 30 * 24 * time.Hour
	maxAPIToken     = 366 * 24 * time.Hour
	// touchEvery spaces the writes of LastUsed: an idle limit of hours
	// needs no better than a minute.
	touchEvery = time.Minute
)

// sessionCookie names the browser session's cookie. The __Host- prefix
// makes browsers refuse it unless Secure, host-only and Path=/, when the
// server is reached over TLS.
const sessionCookie = "tournee_session"

var (
	errUnauthenticated = errors.New("unauthenticated")
	errTooManyAttempts = errors.New("too many attempts")
)

// level is who may call a route.
type level int

const (
	public  level = iota // anyone, signed in or not
	member               // any signed-in user
	manager              // managers and admins
	admin                // admins only
)

// principalKey is where the signed-in user and credential sit in the Gin context.
const principalKey = "tournee.principal"

type principal struct {
	user accounts.User
	cred accounts.Credential
}

// current is the signed-in principal of c, if any.
func current(c *gin.Context) (principal, bool) {
	v, ok := c.Get(principalKey)
	if !ok {
		return principal{}, false
	}
	p, ok := v.(principal)
	return p, ok
}

// authenticate reads the credential of the request, a bearer token or the
// session cookie, and records its user; it never refuses by itself (see
// authorize). A token in the query string is refused: it would end up in
// logs, histories and Referer headers.
func (s *Server) authenticate(c *gin.Context) {
	q := c.Request.URL.Query()
	if q.Has("access_token") || q.Has("token") {
		s.writeError(c, fmt.Errorf("%w: credentials are not accepted in the query string; send an Authorization header", errBadRequest))
		return
	}
	secret, kinds := "", []accounts.CredentialKind{accounts.CredentialAccess, accounts.CredentialAPI}
	if h := c.GetHeader("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			s.writeError(c, fmt.Errorf("%w: Authorization must be \"Bearer <token>\"", errUnauthenticated))
			return
		}
		secret = strings.TrimSpace(token)
	} else if ck, err := c.Cookie(sessionCookie); err == nil && ck != "" {
		secret, kinds = ck, []accounts.CredentialKind{accounts.CredentialSession}
	}
	if secret == "" {
		c.Next()
		return
	}
	ctx := c.Request.Context()
	hash := accounts.SecretHash(secret)
	p, cached := s.principals.Get(hash)
	if !cached {
		cred, user, err := s.svc.CredentialByHash(ctx, hash)
		if err != nil && !errors.Is(err, accounts.ErrNotFound) {
			s.writeError(c, err)
			return
		}
		p = principal{user: user, cred: cred}
	}
	if p.cred.ID == 0 || !usable(p.cred, kinds, time.Now()) {
		s.principals.Remove(hash)
		s.writeError(c, fmt.Errorf("%w: the credential is unknown, expired or revoked; sign in again", errUnauthenticated))
		return
	}
	if now := time.Now(); now.Sub(p.cred.LastUsed) >= touchEvery {
		if err := s.svc.TouchCredential(ctx, p.cred.ID, now); err != nil {
			s.writeError(c, err)
			return
		}
		p.cred.LastUsed = now
		cached = false
	}
	if !cached {
		s.principals.Add(hash, p)
	}
	c.Set(principalKey, p)
	c.Request = c.Request.WithContext(accounts.WithActor(ctx, p.user.ID))
	c.Next()
}

// usable reports whether cred may authenticate a request that carries it
// as one of kinds at now.
func usable(cred accounts.Credential, kinds []accounts.CredentialKind, now time.Time) bool {
	idle := time.Duration(0)
	if cred.Kind == accounts.CredentialSession {
		idle = sessionIdle
	}
	for _, k := range kinds {
		if cred.Kind == k {
			return cred.Active(now, idle)
		}
	}
	return false
}

// authorize refuses a request its principal may not make, by the level of
// its route. A route missing from access is refused to everyone: a new
// route is closed until it declares who may call it.
func (s *Server) authorize(c *gin.Context) {
	lvl, ok := accessOf(c.Request.Method, c.FullPath())
	if !ok && c.FullPath() == "" {
		c.Next() // no such route: 404 or 405 from the router
		return
	}
	if !ok {
		lvl = admin + 1
	}
	if lvl == public {
		c.Next()
		return
	}
	p, signed := current(c)
	switch {
	case !signed:
		s.writeError(c, fmt.Errorf("%w: sign in first", errUnauthenticated))
	case !allowed(p.user.Role, lvl):
		s.writeError(c, fmt.Errorf("%w: your role may not do this", accounts.ErrForbidden))
	default:
		c.Next()
	}
}

func allowed(role accounts.Role, lvl level) bool {
	switch lvl {
	case public, member:
		return true
	case manager:
		return role == accounts.RoleManager || role == accounts.RoleAdmin
	case admin:
		return role == accounts.RoleAdmin
	}
	return false
}

// limiter counts failed sign-ins per key (an e-mail, an address) in a
// sliding window, in memory: a process restart forgets, which only gives a
// guesser a few more tries per restart.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: map[string][]time.Time{}}
}

// blocked reports whether key has used up its failures at now.
func (l *limiter) blocked(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key, now)) >= l.max
}

func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fails[key] = append(l.recent(key, now), now)
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// recent drops key's failures older than the window; l.mu is held.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	fs := l.fails[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= l.window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = fs
	}
	return fs
}

// Sign-in limits: an account locks for the window after five failures,
// wherever they come from; an address after twenty, whatever account.
const (
	failuresPerAccount = 5
	failuresPerAddress = 20
	failureWindow      = 15 * time.Minute
)

type loginBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	// Name labels the session or token ("Tournée mobile").
	Name string `json:"name,omitempty"`
}

// checkLogin verifies e-mail and password under the limits. Every failure
// is the same error, so that an answer does not tell an unknown e-mail
// from a wrong password.
func (s *Server) checkLogin(c *gin.Context, b loginBody) (accounts.User, error) {
	now := time.Now()
	email := strings.ToLower(strings.TrimSpace(b.Email))
	addr, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		addr = c.Request.RemoteAddr
	}
	if s.loginByAccount.blocked(email, now) || s.loginByAddress.blocked(addr, now) {
		return accounts.User{}, fmt.Errorf("%w: too many failed sign-ins; try again in %d minutes", errTooManyAttempts, int(failureWindow.Minutes()))
	}
	user, hash, err := s.svc.PasswordHash(c.Request.Context(), email)
	ok := false
	switch {
	case errors.Is(err, accounts.ErrNotFound) || err == nil && hash == "":
		ok = accounts.CheckNoPassword(b.Password)
	case err != nil:
		return accounts.User{}, err
	default:
		ok = accounts.CheckPassword(hash, b.Password)
	}
	if !ok {
		s.loginByAccount.fail(email, now)
		s.loginByAddress.fail(addr, now)
		return accounts.User{}, fmt.Errorf("%w: wrong e-mail or password", errUnauthenticated)
	}
	s.loginByAccount.reset(email)
	return user, nil
}

// issue creates a credential of kind for user and returns its secret.
func (s *Server) issue(c *gin.Context, user accounts.User, kind accounts.CredentialKind, name string, life time.Duration, parent *int64) (string, accounts.Credential, error) {
	secret, hash, err := accounts.NewSecret()
	if err != nil {
		return "", accounts.Credential{}, err
	}
	now := time.Now()
	cred, err := s.svc.CreateCredential(c.Request.Context(), accounts.Credential{UserID: user.ID, Kind: kind, Name: name,
		Hash: hash, Parent: parent, LastUsed: now, ExpiresAt: now.Add(life)})
	return secret, cred, err
}

// login answers POST /api/v1/auth/login: a browser session in a cookie.
func (s *Server) login(c *gin.Context) error {
	var b loginBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	user, err := s.checkLogin(c, b)
	if err != nil {
		return err
	}
	secret, _, err := s.issue(c, user, accounts.CredentialSession, b.Name, sessionLifetime, nil)
	if err != nil {
		return err
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", MaxAge: int(sessionLifetime.Seconds()),
		HttpOnly: true, Secure: s.cfg.SecureCookies || c.Request.TLS != nil, SameSite: http.SameSiteLaxMode})
	c.JSON(http.StatusOK, user)
	return nil
}

// logout answers POST /api/v1/auth/logout: the session ends on the server
// too, so that a copied cookie is worthless.
func (s *Server) logout(c *gin.Context) error {
	p, _ := current(c)
	if err := s.svc.RevokeCredential(c.Request.Context(), p.user.ID, p.cred.ID, time.Now()); err != nil {
		return err
	}
	s.principals.Purge()
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies || c.Request.TLS != nil, SameSite: http.SameSiteLaxMode})
	c.Status(http.StatusNoContent)
	return nil
}

type tokenBody struct {
	loginBody
	RefreshToken string `json:"refresh_token,omitempty"`
}

type tokenOut struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

// token answers POST /api/v1/auth/token: {email, password} or
// {refresh_token} gives a new access token and refresh token. A refresh
// token is used once: the old one is revoked with what it made.
func (s *Server) token(c *gin.Context) error {
	var b tokenBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request.Context()
	var user accounts.User
	if b.RefreshToken != "" {
		cred, u, err := s.svc.CredentialByHash(ctx, accounts.SecretHash(b.RefreshToken))
		if errors.Is(err, accounts.ErrNotFound) || err == nil && !usable(cred, []accounts.CredentialKind{accounts.CredentialRefresh}, time.Now()) {
			return fmt.Errorf("%w: the refresh token is unknown, expired or revoked; sign in again", errUnauthenticated)
		}
		if err != nil {
			return err
		}
		if err := s.svc.RevokeCredential(ctx, u.ID, cred.ID, time.Now()); err != nil {
			return err
		}
		s.principals.Purge()
		user, b.Name = u, cred.Name
	} else {
		var err error
		if user, err = s.checkLogin(c, b.loginBody); err != nil {
			return err
		}
	}
	refresh, rc, err := s.issue(c, user, accounts.CredentialRefresh, b.Name, refreshLifetime, nil)
	if err != nil {
		return err
	}
	access, _, err := s.issue(c, user, accounts.CredentialAccess, b.Name, accessLifetime, &rc.ID)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, tokenOut{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int64(accessLifetime.Seconds())})
	return nil
}

// me answers GET /api/v1/users/me.
func (s *Server) me(c *gin.Context) error {
	p, _ := current(c)
	c.JSON(http.StatusOK, p.user)
	return nil
}

type apiTokenBody struct {
	Name          string `json:"name"`
	ExpiresInDays int    `json:"expires_in_days"`
}

type apiTokenOut struct {
	accounts.Credential
	// Token is shown once, at creation; the server keeps only its hash.
	Token string `json:"token,omitempty"`
}

// createAPIToken answers POST /api/v1/auth/tokens: a personal API token.
func (s *Server) createAPIToken(c *gin.Context) error {
	var b apiTokenBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	life := time.Duration(b.ExpiresInDays) * 24 * time.Hour
	switch {
	case strings.TrimSpace(b.Name) == "":
		return &accounts.FieldError{Field: "name", Message: "name is required: say what the token is for"}
	case life <= 0 || life > maxAPIToken:
		return &accounts.FieldError{Field: "expires_in_days", Message: "expires_in_days must be between 1 and 366"}
	}
	p, _ := current(c)
	secret, cred, err := s.issue(c, p.user, accounts.CredentialAPI, strings.TrimSpace(b.Name), life, nil)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, apiTokenOut{Credential: cred, Token: secret})
	return nil
}

// listCredentials answers GET /api/v1/auth/tokens: the signed-in user's
// sessions and tokens still running, without their secrets.
func (s *Server) listCredentials(c *gin.Context) error {
	p, _ := current(c)
	all, err := s.svc.ListCredentials(c.Request.Context(), p.user.ID, time.Now())
	if err != nil {
		return err
	}
	cs := []accounts.Credential{}
	for _, cr := range all {
		if cr.RevokedAt == nil {
			cs = append(cs, cr)
		}
	}
	c.JSON(http.StatusOK, list[accounts.Credential]{Items: cs})
	return nil
}

// revokeCredential answers DELETE /api/v1/auth/tokens/{id}: one of the
// user's own sessions or tokens.
func (s *Server) revokeCredential(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, _ := current(c)
	if err := s.svc.RevokeCredential(c.Request.Context(), p.user.ID, id, time.Now()); err != nil {
		return err
	}
	s.principals.Purge()
	c.Status(http.StatusNoContent)
	return nil
}

type passwordBody struct {
	Password string `json:"password"`
}

// setPassword answers PUT /api/v1/users/{id}/password: users set their
// own, admins anyone's. Every credential of the user is revoked, so that a
// password changed after a leak shuts out whoever used it.
func (s *Server) setPassword(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, _ := current(c)
	if p.user.ID != id && p.user.Role != accounts.RoleAdmin {
		return fmt.Errorf("%w: only admins set another user's password", accounts.ErrForbidden)
	}
	var b passwordBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	hash, err := accounts.HashPassword(b.Password)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	if err := s.svc.SetPasswordHash(ctx, id, hash); err != nil {
		return err
	}
	if err := s.svc.RevokeCredentials(ctx, id, time.Now()); err != nil {
		return err
	}
	s.principals.Purge()
	c.Status(http.StatusNoContent)
	return nil
}
