// Package web serves Tournée's JSON API under /api/v1, its OpenAPI document,
// health and metrics endpoints. It is the only package that imports Gin.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tournee/tournee/accounts"
)

// DefaultMaxBodyBytes bounds request bodies: a page of bulk revenue or a
// detailed territory fits, a runaway upload does not.
const DefaultMaxBodyBytes = 4 << 20

// recordCacheSize bounds the accounts whose JSON nearby keeps: the busy
// areas of a large organisation, at about a kilobyte each.
const recordCacheSize = 50_000

// Config holds what the HTTP layer needs to know.
type Config struct {
	MaxBodyBytes int64
	Planning     Planning
	Map          Map
	// SecureCookies marks the session cookie Secure even on plain HTTP
	// (behind a proxy that ends TLS); it always is on TLS.
	SecureCookies bool
	// OpenVisibility lets every user read every account; by default a rep
	// sees the accounts they follow and the prospects nobody owns.
	OpenVisibility bool
	// Rules configures the rules engine (e-mail alerts, the delivery
	// worker's wake-up); nil evaluates in the planning time zone and
	// queues no e-mail.
	Rules *accounts.Rules
}

// Server is the HTTP front of one Tournée process.
type Server struct {
	svc     *accounts.Service
	log     *slog.Logger
	cfg     Config
	engine  *gin.Engine
	metrics *metrics
	api     *apiDoc
	// accountFields are the JSON names of an account, which nearby's
	// fields parameter may ask for.
	accountFields []string
	records       *recordCache
	// principals remembers recently checked credentials (see principalTTL).
	principals *expirable.LRU[string, principal]
	// Failed sign-ins, by e-mail and by address.
	loginByAccount, loginByAddress *limiter
	// handler is engine behind the cross-origin protection.
	handler http.Handler
}

// New builds the server and its routes over store, whose calls it times
// for /metrics.
func New(store accounts.Store, log *slog.Logger, cfg Config) *Server {
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	cfg.Planning.defaults()
	gin.SetMode(gin.ReleaseMode)
	m := newMetrics(prometheus.NewRegistry())
	timed := accounts.Timed(store, m.observeStore)
	svc := accounts.NewService(timed)
	svc.Places = accounts.NewPlaces(timed, time.Now)
	svc.Rules = cfg.Rules
	if svc.Rules == nil {
		svc.Rules = &accounts.Rules{}
	}
	if svc.Rules.Zone == nil {
		svc.Rules.Zone = cfg.Planning.TimeZone
	}
	if svc.Rules.OnError == nil {
		svc.Rules.OnError = func(err error) { log.Error("rules after a write", "err", err) }
	}
	records := newRecordCache(recordCacheSize)
	svc.Places.Changed = records.invalidate
	s := &Server{svc: svc, log: log, cfg: cfg, engine: gin.New(), metrics: m, api: newAPIDoc(),
		accountFields: jsonFields(), records: records,
		loginByAccount: newLimiter(failuresPerAccount, failureWindow), loginByAddress: newLimiter(failuresPerAddress, failureWindow),
		principals: expirable.NewLRU[string, principal](principalCache, nil, principalTTL)}
	s.engine.HandleMethodNotAllowed = true
	s.engine.Use(s.recover, s.metrics.observe, s.limitBody, securityHeaders, s.authenticate, s.authorize)
	s.engine.NoRoute(func(c *gin.Context) { s.writeError(c, errNoRoute) })
	s.engine.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody{errorDetail{Code: "method_not_allowed", Message: "method not allowed"}})
	})
	s.routes()
	// A browser's cross-site POST, PUT, PATCH or DELETE is refused before
	// any handler runs (Sec-Fetch-Site, then Origin against Host): the
	// session cookie cannot be ridden. Clients that send neither header —
	// scripts, mobile apps with bearer tokens — are not browsers and pass.
	s.handler = http.NewCrossOriginProtection().Handler(s.engine)
	return s
}

// securityHeaders asks browsers not to sniff types, frame the pages or
// send the full URL elsewhere; the map page adds its content policy.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	c.Next()
}

// Places is the spatial read model the server queries; the caller loads it
// and keeps it following the store (see accounts.Places).
func (s *Server) Places() *accounts.Places { return s.svc.Places }

// updateUser and deleteUser forget the remembered credentials, so that a
// role taken away or a user removed counts from the next request.
func (s *Server) updateUser(ctx context.Context, u accounts.User, version int64) (accounts.User, error) {
	out, err := s.svc.UpdateUser(ctx, u, version)
	s.principals.Purge()
	return out, err
}

func (s *Server) deleteUser(ctx context.Context, id, version int64) error {
	err := s.svc.DeleteUser(ctx, id, version)
	s.principals.Purge()
	return err
}

// Service is the domain service the server writes through, for the jobs
// the caller runs beside it (the daily rules).
func (s *Server) Service() *accounts.Service { return s.svc }

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes lists the registered method and path pairs, for tests and docs.
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

func (s *Server) recover(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.ErrorContext(c.Request.Context(), "panic", "route", c.FullPath(), "panic", r)
			c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{errorDetail{Code: "internal", Message: "internal error"}})
		}
	}()
	c.Next()
}

func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.cfg.MaxBodyBytes {
		s.writeError(c, &http.MaxBytesError{Limit: s.cfg.MaxBodyBytes})
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	c.Next()
}

func (s *Server) routes() {
	e := s.engine
	e.GET("/", s.h(s.index))
	e.GET("/healthz", s.h(s.healthz))
	e.GET("/readyz", s.h(s.readyz))
	e.GET("/metrics", gin.WrapH(s.metrics.handler()))
	s.serveAssets(e)

	v1 := e.Group("/api/v1")
	v1.GET("/openapi.json", s.h(s.openapi))
	v1.GET("/config", s.h(s.clientConfig))
	v1.POST("/auth/login", s.h(s.login))
	v1.POST("/auth/logout", s.h(s.logout))
	v1.POST("/auth/token", s.h(s.token))
	v1.GET("/auth/tokens", s.h(s.listCredentials))
	v1.POST("/auth/tokens", s.h(s.createAPIToken))
	v1.DELETE("/auth/tokens/:id", s.h(s.revokeCredential))
	v1.GET("/users/me", s.h(s.me))
	v1.PUT("/users/:id/password", s.h(s.setPassword))
	v1.GET("/changes", s.h(s.changes))
	v1.GET("/audit", s.h(s.audit))
	v1.GET("/stages", s.h(s.listStages))
	v1.POST("/stages", s.idempotent, s.h(s.createStage))
	v1.PATCH("/stages/:id", s.h(s.updateStage))
	v1.DELETE("/stages/:id", s.h(s.deleteStage))
	v1.GET("/accounts/nearby", s.h(s.nearby))
	v1.POST("/accounts/search", s.h(s.search))
	v1.GET("/accounts/search", s.h(s.searchReports))
	v1.GET("/accounts/:id/revenue", s.h(s.listRevenue))
	v1.GET("/accounts/:id/score", s.h(s.accountScore))
	v1.PUT("/revenue", s.h(s.putRevenue))
	v1.POST("/plans/day", s.h(s.planDayHandler))
	v1.POST("/plans/trip", s.h(s.planTripHandler))
	v1.POST("/plans/book", s.idempotent, s.h(s.bookHandler))
	v1.GET("/users/:id/travel", s.h(s.travelLedger))
	v1.POST("/rules/dry-run", s.h(s.dryRun))
	v1.POST("/rules/evaluate", s.h(s.evaluateRules))
	v1.GET("/rules/facts", s.h(s.ruleFacts))
	v1.GET("/alerts", s.h(s.listAlerts))
	v1.POST("/alerts/:id/read", s.h(s.readAlert))
	s.api.boardDocs()
	v1.GET("/pipeline", s.h(s.pipeline))
	s.api.webhookDocs()
	v1.GET("/webhooks", s.h(s.listWebhooks))
	v1.POST("/webhooks", s.h(s.createWebhook)) // not idempotent: a replay would store the secret
	v1.GET("/webhooks/:id", s.h(s.getWebhook))
	v1.PATCH("/webhooks/:id", s.h(s.updateWebhook))
	v1.DELETE("/webhooks/:id", s.h(s.deleteWebhook))
	v1.POST("/webhooks/:id/rotate", s.h(s.rotateWebhook))
	v1.POST("/mailings", s.idempotent, s.h(s.sendMailing))
	s.api.territoryDocs()
	v1.GET("/territories.geojson", s.h(s.listTerritoryFeatures))
	v1.PUT("/territories.geojson", s.h(s.importLayer))
	v1.GET("/territories/at", s.h(s.territoriesAt))
	v1.GET("/territories/stats", s.h(s.territoryStats))
	v1.POST("/territories/preview", s.h(s.previewTerritory))
	v1.GET("/territories/:id/deletion", s.h(s.previewDeletion))
	v1.PUT("/accounts/:id/pins", s.h(s.pinAccount))
	v1.DELETE("/accounts/:id/pins", s.h(s.unpinAccount))

	mount(s, v1, resource[accounts.User, accounts.UserFilter]{
		path: "users", entity: accounts.EntityUser,
		create: s.svc.CreateUser, get: s.svc.GetUser, update: s.updateUser,
		delete: s.deleteUser, list: s.svc.ListUsers, filter: userFilter,
	})
	mount(s, v1, resource[accounts.Account, accounts.AccountFilter]{
		path: "accounts", entity: accounts.EntityAccount,
		create: s.svc.CreateAccount, get: s.svc.GetAccount, update: s.svc.UpdateAccount,
		delete: s.svc.DeleteAccount, list: s.svc.ListAccounts, filter: accountFilter,
		guard: s.guardAccount, restrict: s.restrictAccounts,
	})
	mount(s, v1, resource[accounts.Contact, accounts.ContactFilter]{
		path: "contacts", entity: accounts.EntityContact,
		create: s.svc.CreateContact, get: s.svc.GetContact, update: s.svc.UpdateContact,
		delete: s.svc.DeleteContact, list: s.svc.ListContacts, filter: contactFilter,
		guard:    onAccount(s, func(v *accounts.Contact) int64 { return v.AccountID }),
		restrict: func(c *gin.Context, f *accounts.ContactFilter) error { return s.requireAccount(c, f.AccountID) },
	})
	mount(s, v1, resource[accounts.Opportunity, accounts.OpportunityFilter]{
		path: "opportunities", entity: accounts.EntityOpportunity,
		create: s.svc.CreateOpportunity, get: s.svc.GetOpportunity, update: s.svc.UpdateOpportunity,
		delete: s.svc.DeleteOpportunity, list: s.svc.ListOpportunities, filter: opportunityFilter,
		guard:    onAccount(s, func(v *accounts.Opportunity) int64 { return v.AccountID }),
		restrict: func(c *gin.Context, f *accounts.OpportunityFilter) error { return s.requireAccount(c, f.AccountID) },
	})
	mount(s, v1, resource[accounts.Activity, accounts.ActivityFilter]{
		path: "activities", entity: accounts.EntityActivity,
		create: s.svc.CreateActivity, get: s.svc.GetActivity, update: s.svc.UpdateActivity,
		delete: s.svc.DeleteActivity, list: s.svc.ListActivities, filter: activityFilter,
		guard: func(c *gin.Context, a *accounts.Activity, write bool) error {
			return s.guardOwned(c, []*int64{a.OwnerID}, a.AccountID, write)
		},
		restrict: func(c *gin.Context, f *accounts.ActivityFilter) error {
			return s.restrictOwned(c, &f.OwnerID, f.AccountID)
		},
	})
	mount(s, v1, resource[accounts.Task, accounts.TaskFilter]{
		path: "tasks", entity: accounts.EntityTask,
		create: s.svc.CreateTask, get: s.svc.GetTask, update: s.svc.UpdateTask,
		delete: s.svc.DeleteTask, list: s.svc.ListTasks, filter: taskFilter,
		guard: func(c *gin.Context, t *accounts.Task, write bool) error {
			people := []*int64{&t.AssigneeID, t.CreatedBy}
			if p, _ := current(c); t.ID == 0 && t.CreatedBy == nil {
				// A new task's creator is the caller (Service.CreateTask):
				// handing a task to someone else is delegating it.
				people = append(people, &p.user.ID)
			}
			return s.guardOwned(c, people, t.AccountID, write)
		},
		restrict: func(c *gin.Context, f *accounts.TaskFilter) error {
			if p, _ := current(c); f.CreatedBy != 0 && f.CreatedBy == p.user.ID {
				return nil // what the user delegated, whoever does it now
			}
			return s.restrictOwned(c, &f.AssigneeID, f.AccountID)
		},
	})
	mount(s, v1, resource[accounts.Rule, accounts.RuleFilter]{
		path: "rules", entity: accounts.EntityRule,
		create: s.svc.CreateRule, get: s.svc.GetRule, update: s.svc.UpdateRule,
		delete: s.svc.DeleteRule, list: s.svc.ListRules, filter: ruleFilter,
	})
	mount(s, v1, resource[accounts.Territory, accounts.TerritoryFilter]{
		path: "territories", entity: accounts.EntityTerritory,
		create: s.svc.CreateTerritory, get: s.svc.GetTerritory, update: s.svc.UpdateTerritory,
		delete: s.svc.DeleteTerritory, list: s.svc.ListTerritories, filter: territoryFilter,
		geoJSON: s.listTerritoryFeatures,
	})
}

func (s *Server) healthz(c *gin.Context) error {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
	return nil
}

func (s *Server) readyz(c *gin.Context) error {
	if err := s.svc.Ready(c.Request.Context()); err != nil {
		s.log.WarnContext(c.Request.Context(), "not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, errorBody{errorDetail{Code: "not_ready", Message: "store not ready"}})
		return nil
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
	return nil
}
