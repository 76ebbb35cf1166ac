package web

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
)

// query reads typed query parameters, collecting the first error for each
// bad one and rejecting parameters nobody read, so that a typo in a filter
// is a 400 rather than a silently unfiltered list.
type query struct {
	c    *gin.Context
	seen []string
	errs []error
}

func newQuery(c *gin.Context) *query { return &query{c: c} }

func (q *query) raw(name string) string {
	q.seen = append(q.seen, name)
	return q.c.Query(name)
}

func (q *query) fail(name, format string, args ...any) {
	q.errs = append(q.errs, &accounts.FieldError{Field: name, Message: fmt.Sprintf(format, args...)})
}

func (q *query) id(name string) int64 {
	s := q.raw(name)
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		q.fail(name, "%s must be a positive integer", name)
	}
	return v
}

func (q *query) time(name string) time.Time {
	s := q.raw(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		q.fail(name, "%s must be an RFC 3339 time such as 2026-03-01T00:00:00Z", name)
	}
	return t
}

// has reports whether the parameter was given.
func (q *query) has(name string) bool {
	_, ok := q.c.GetQuery(name)
	return ok
}

// float reads a number; a required one that is missing is an error.
func (q *query) float(name string, required bool) float64 {
	s := q.raw(name)
	if s == "" {
		if required {
			q.fail(name, "%s is required", name)
		}
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		q.fail(name, "%s must be a number", name)
	}
	return v
}

// boolean reads true or false; nil when missing.
func (q *query) boolean(name string) *bool {
	switch v := q.raw(name); v {
	case "":
		return nil
	case "true", "false":
		on := v == "true"
		return &on
	default:
		q.fail(name, "%s must be true or false", name)
		return nil
	}
}

// intIn reads an integer between lo and hi, def when missing.
func (q *query) intIn(name string, def, lo, hi int) int {
	s := q.raw(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		q.fail(name, "%s must be between %d and %d", name, lo, hi)
		return def
	}
	return v
}

// list reads a parameter given as a comma-separated list, repeated, or both.
func (q *query) list(name string) []string {
	q.seen = append(q.seen, name)
	var out []string
	for _, v := range q.c.QueryArray(name) {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// enumList reads a list whose items must each be one of allowed.
func enumList[T ~string](q *query, name string, allowed ...T) []T {
	var out []T
	for _, v := range q.list(name) {
		if !slices.Contains(allowed, T(v)) {
			q.fail(name, "%s must be one of %v", name, allowed)
			continue
		}
		out = append(out, T(v))
	}
	return out
}

// enum reads a parameter that must be one of allowed, or empty.
func enum[T ~string](q *query, name string, allowed ...T) T {
	v := T(q.raw(name))
	if v != "" && !slices.Contains(allowed, v) {
		q.fail(name, "%s must be one of %v", name, allowed)
	}
	return v
}

// page reads the cursor and limit parameters.
func (q *query) page() accounts.Page {
	p := accounts.Page{Limit: defaultPageSize}
	if s := q.raw("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageSize {
			q.fail("limit", "limit must be between 1 and %d", maxPageSize)
		} else {
			p.Limit = n
		}
	}
	if s := q.raw("cursor"); s != "" {
		after, err := decodeCursor(s)
		if err != nil {
			q.errs = append(q.errs, err)
		}
		p.After = after
	}
	return p
}

// err returns the problems found, including parameters that were not read.
func (q *query) err() error {
	for name := range q.c.Request.URL.Query() {
		if !slices.Contains(q.seen, name) {
			q.fail(name, "unknown query parameter %q", name)
		}
	}
	return errors.Join(q.errs...)
}

func userFilter(q *query, p accounts.Page) accounts.UserFilter {
	return accounts.UserFilter{Page: p,
		Role:      enum(q, "role", accounts.RoleAdmin, accounts.RoleManager, accounts.RoleRep),
		ManagerID: q.id("manager_id"),
	}
}

func accountFilter(q *query, p accounts.Page) accounts.AccountFilter {
	return accounts.AccountFilter{Page: p,
		Kind:         enum(q, "kind", accounts.KindProspect, accounts.KindClient, accounts.KindFormer),
		OwnerID:      q.id("owner_id"),
		Tag:          strings.ToLower(strings.TrimSpace(q.raw("tag"))), // tags are stored lower-cased
		Segment:      q.raw("segment"),
		NamePrefix:   q.raw("q"),
		UpdatedSince: q.time("updated_since"),
	}
}

func contactFilter(q *query, p accounts.Page) accounts.ContactFilter {
	return accounts.ContactFilter{Page: p, AccountID: q.id("account_id"), UpdatedSince: q.time("updated_since")}
}

func opportunityFilter(q *query, p accounts.Page) accounts.OpportunityFilter {
	return accounts.OpportunityFilter{Page: p,
		AccountID:    q.id("account_id"),
		OwnerID:      q.id("owner_id"),
		StageID:      q.id("stage_id"),
		Status:       enum(q, "status", accounts.StatusOpen, accounts.StatusWon, accounts.StatusLost),
		UpdatedSince: q.time("updated_since"),
	}
}

func activityFilter(q *query, p accounts.Page) accounts.ActivityFilter {
	return accounts.ActivityFilter{Page: p,
		AccountID:    q.id("account_id"),
		OwnerID:      q.id("owner_id"),
		Type:         enum(q, "type", accounts.ActivityVisit, accounts.ActivityCall, accounts.ActivityEmail, accounts.ActivityNote),
		UpdatedSince: q.time("updated_since"),
	}
}

func taskFilter(q *query, p accounts.Page) accounts.TaskFilter {
	return accounts.TaskFilter{Page: p,
		AccountID:    q.id("account_id"),
		AssigneeID:   q.id("assignee_id"),
		CreatedBy:    q.id("created_by"),
		Status:       enum(q, "status", accounts.TaskOpen, accounts.TaskDone, accounts.TaskCancelled),
		UpdatedSince: q.time("updated_since"),
		Overdue:      ptrValue(q.boolean("overdue")),
	}
}

// ptrValue is what p points to, or the zero value.
func ptrValue[T any](p *T) T {
	var v T
	if p != nil {
		v = *p
	}
	return v
}

func territoryFilter(q *query, p accounts.Page) accounts.TerritoryFilter {
	return accounts.TerritoryFilter{Page: p, Layer: q.raw("layer"), AssigneeID: q.id("assignee_id")}
}
