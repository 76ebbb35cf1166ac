package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
)

const maxChangesPage = 1000

// changes serves the change feed: GET /api/v1/changes?after=SEQ&limit=N.
// A client keeps the last seq it has seen and asks for what came after.
func (s *Server) changes(c *gin.Context) error {
	q := newQuery(c)
	var after int64
	if v := q.raw("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			q.fail("after", "after must be a sequence number (0 or more)")
		}
		after = n
	}
	limit := 100
	if v := q.raw("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxChangesPage {
			q.fail("limit", "limit must be between 1 and %d", maxChangesPage)
		}
		limit = n
	}
	if err := q.err(); err != nil {
		return err
	}
	items, err := s.svc.Changes(c.Request.Context(), after, limit)
	if err != nil {
		return err
	}
	last := after
	if len(items) > 0 {
		last = items[len(items)-1].Seq
	}
	if items, err = s.visibleChanges(c, items); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "last_seq": last})
	return nil
}

// visibleChanges keeps the changes of records the signed-in user may see,
// so that a rep's offline copy holds only the rep's accounts and what hangs
// on them. A record deleted since cannot be placed and is left out: the
// client drops it when it next finds it gone. last_seq still moves past
// what was left out.
func (s *Server) visibleChanges(c *gin.Context, items []accounts.Change) ([]accounts.Change, error) {
	out := []accounts.Change{}
	vis, err := s.scope(c, false)
	if err != nil || vis == nil {
		return append(out, items...), err
	}
	p, _ := current(c)
	ctx := c.Request.Context()
	var ids []int64
	for _, ch := range items {
		if ch.Entity == accounts.EntityAccount || ch.Entity == accounts.EntityRevenue {
			ids = append(ids, ch.EntityID)
		}
	}
	seen := map[int64]bool{}
	for from := 0; from < len(ids); from += accounts.MaxAccountsByID {
		as, err := s.svc.AccountsByID(ctx, ids[from:min(from+accounts.MaxAccountsByID, len(ids))])
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			seen[a.ID] = vis.Sees(a)
		}
	}
	sees := func(accountID *int64) bool {
		if accountID == nil {
			return false
		}
		if v, ok := seen[*accountID]; ok {
			return v
		}
		a, err := s.svc.GetAccount(ctx, *accountID)
		seen[*accountID] = err == nil && vis.Sees(a)
		return seen[*accountID]
	}
	mine := func(people ...*int64) bool {
		for _, id := range people {
			if id != nil && *id == p.user.ID {
				return true
			}
		}
		return false
	}
	for _, ch := range items {
		keep := false
		id := ch.EntityID
		switch ch.Entity {
		case accounts.EntityAccount, accounts.EntityRevenue:
			keep = seen[id]
		case accounts.EntityUser, accounts.EntityStage, accounts.EntityTerritory:
			keep = true // readable by every user
		case accounts.EntityContact:
			if v, err := s.svc.GetContact(ctx, id); err == nil {
				keep = sees(&v.AccountID)
			}
		case accounts.EntityOpportunity:
			if v, err := s.svc.GetOpportunity(ctx, id); err == nil {
				keep = sees(&v.AccountID)
			}
		case accounts.EntityActivity:
			if v, err := s.svc.GetActivity(ctx, id); err == nil {
				keep = mine(v.OwnerID) || sees(v.AccountID)
			}
		case accounts.EntityTask:
			if v, err := s.svc.GetTask(ctx, id); err == nil {
				keep = mine(&v.AssigneeID, v.CreatedBy) || sees(v.AccountID)
			}
		}
		if keep {
			out = append(out, ch)
		}
	}
	return out, nil
}

func (s *Server) listStages(c *gin.Context) error {
	stages, err := s.svc.ListStages(c.Request.Context())
	if err != nil {
		return err
	}
	if stages == nil {
		stages = []accounts.Stage{}
	}
	c.JSON(http.StatusOK, list[accounts.Stage]{Items: stages})
	return nil
}

func (s *Server) createStage(c *gin.Context) error {
	var st accounts.Stage
	if err := decodeJSON(c, &st); err != nil {
		return err
	}
	st.ID = 0
	out, err := s.svc.CreateStage(c.Request.Context(), st)
	if err != nil {
		return err
	}
	c.Header("Location", fmt.Sprintf("%s/%d", c.Request.URL.Path, out.ID))
	c.JSON(http.StatusCreated, out)
	return nil
}

func (s *Server) updateStage(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	stages, err := s.svc.ListStages(c.Request.Context())
	if err != nil {
		return err
	}
	for _, st := range stages {
		if st.ID != id {
			continue
		}
		if err := decodeJSON(c, &st); err != nil {
			return err
		}
		st.ID = id
		out, err := s.svc.UpdateStage(c.Request.Context(), st)
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, out)
		return nil
	}
	return accounts.NotFound("stage", id)
}

func (s *Server) deleteStage(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteStage(c.Request.Context(), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// listRevenue serves an account's monthly revenue history, oldest first.
func (s *Server) listRevenue(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	a, err := s.svc.GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := s.seeAccount(c, a, false); err != nil {
		return err
	}
	rs, err := s.svc.ListRevenue(ctx, id)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []accounts.Revenue{}
	}
	c.JSON(http.StatusOK, list[accounts.Revenue]{Items: rs})
	return nil
}

// putRevenue stores a batch of monthly amounts, all or none: PUT because
// sending the same batch twice leaves the same state.
func (s *Server) putRevenue(c *gin.Context) error {
	var body struct {
		Items []accounts.Revenue `json:"items"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if len(body.Items) == 0 {
		return &accounts.FieldError{Field: "items", Message: "items must hold at least one revenue entry"}
	}
	if err := s.svc.PutRevenue(c.Request.Context(), body.Items); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"stored": len(body.Items)})
	return nil
}
