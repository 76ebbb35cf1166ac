package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
)

// pipelineItem is an opportunity on the pipeline board, with its
// account's name, so that a board of many cards needs no request per card.
type pipelineItem struct {
	accounts.Opportunity
	AccountName string `json:"account_name"`
}

// pipeline answers GET /api/v1/pipeline: the opportunities on the accounts
// the signed-in user may see, by id, a page at a time. GET /opportunities
// makes a user who does not see everything name one account, which a board
// of all of a rep's deals cannot do; this reads the opportunities in store
// pages and keeps those whose account the user sees (the rule of
// GET /opportunities/{id}), so its cost grows with the organisation's
// opportunities rather than the user's.
func (s *Server) pipeline(c *gin.Context) error {
	q := newQuery(c)
	page := q.page()
	f := accounts.OpportunityFilter{
		OwnerID: q.id("owner_id"),
		StageID: q.id("stage_id"),
		Status:  enum(q, "status", accounts.StatusOpen, accounts.StatusWon, accounts.StatusLost),
	}
	if err := q.err(); err != nil {
		return err
	}
	vis, err := s.scope(c, false)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	out := []pipelineItem{}
	f.Page = accounts.Page{After: page.After, Limit: maxPageSize}
	// One more than a page tells whether another page follows.
	for len(out) <= page.Limit {
		opps, err := s.svc.ListOpportunities(ctx, f)
		if err != nil {
			return err
		}
		names, err := s.visibleNames(c, opps, vis)
		if err != nil {
			return err
		}
		for _, o := range opps {
			if name, ok := names[o.AccountID]; ok {
				out = append(out, pipelineItem{Opportunity: o, AccountName: name})
			}
		}
		if len(opps) < f.Limit {
			break
		}
		f.After = opps[len(opps)-1].ID
	}
	c.JSON(http.StatusOK, pageOf(out, page.Limit, func(v *pipelineItem) int64 { return v.ID }))
	return nil
}

// visibleNames maps the accounts of opps that vis sees to their names.
func (s *Server) visibleNames(c *gin.Context, opps []accounts.Opportunity, vis *accounts.Visibility) (map[int64]string, error) {
	seen := map[int64]bool{}
	var ids []int64
	for _, o := range opps {
		if !seen[o.AccountID] {
			seen[o.AccountID] = true
			ids = append(ids, o.AccountID)
		}
	}
	found, err := s.accountsByID(c, ids)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(found))
	for _, a := range found {
		if vis.Sees(a) {
			names[a.ID] = a.Name
		}
	}
	return names, nil
}
