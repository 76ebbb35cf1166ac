package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
)

// Strategic rules, their dry run and evaluation, and the alert feed. Rules
// themselves are a CRUD resource (mounted in server.go).

func ruleFilter(q *query, p accounts.Page) accounts.RuleFilter {
	return accounts.RuleFilter{Page: p, Enabled: q.boolean("enabled")}
}

// maxDryRun bounds the matches a dry run lists; it counts them all.
const maxDryRun = 200

type dryRunOut struct {
	Matches []accounts.RuleMatch `json:"matches"`
	Total   int                  `json:"total"`
}

// dryRun answers POST /api/v1/rules/dry-run: the accounts a rule (the body,
// not stored) would match now and what it would do to each, writing
// nothing; a manager sees the matches among the team's accounts.
func (s *Server) dryRun(c *gin.Context) error {
	var r accounts.Rule
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	vis, err := s.scope(c, false)
	if err != nil {
		return err
	}
	matches, total, err := s.svc.DryRun(c.Request.Context(), r, maxDryRun, vis)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, dryRunOut{Matches: matches, Total: total})
	return nil
}

// evaluateRules answers POST /api/v1/rules/evaluate: the daily run, now.
func (s *Server) evaluateRules(c *gin.Context) error {
	run, err := s.svc.EvaluateRules(c.Request.Context(), nil)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, run)
	return nil
}

// ruleFacts answers GET /api/v1/rules/facts: what an expression may use.
func (s *Server) ruleFacts(c *gin.Context) error {
	c.JSON(http.StatusOK, gin.H{"items": accounts.FactNames()})
	return nil
}

// alertsOf is whose alerts a request reads: the signed-in user's, or with
// user_id another user's, for admins only.
func alertsOf(c *gin.Context, q *query) (int64, error) {
	p, _ := current(c)
	id := q.id("user_id")
	if err := q.err(); err != nil {
		return 0, err
	}
	switch {
	case id == 0 || id == p.user.ID:
		return p.user.ID, nil
	case p.user.Role == accounts.RoleAdmin:
		return id, nil
	}
	return 0, fmt.Errorf("%w: only admins read another user's alerts", accounts.ErrForbidden)
}

// listAlerts answers GET /api/v1/alerts[?unread=true][&before=]: the
// signed-in user's alert feed, newest first.
func (s *Server) listAlerts(c *gin.Context) error {
	q := newQuery(c)
	f := accounts.AlertFilter{Unread: q.raw("unread") == "true", Before: q.id("before"),
		Limit: q.intIn("limit", defaultPageSize, 1, maxPageSize)}
	var err error
	if f.UserID, err = alertsOf(c, q); err != nil {
		return err
	}
	alerts, err := s.svc.ListAlerts(c.Request.Context(), f)
	if err != nil {
		return err
	}
	if alerts == nil {
		alerts = []accounts.Alert{}
	}
	c.JSON(http.StatusOK, gin.H{"items": alerts})
	return nil
}

// readAlert answers POST /api/v1/alerts/{id}/read: marks one of the
// signed-in user's alerts read.
func (s *Server) readAlert(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	user, err := alertsOf(c, newQuery(c))
	if err != nil {
		return err
	}
	a, err := s.svc.MarkAlertRead(c.Request.Context(), id, user, time.Now())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, a)
	return nil
}
