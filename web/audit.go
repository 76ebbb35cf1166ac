package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
)

// auditEntry is one change with who made it, by name.
type auditEntry struct {
	accounts.Change
	ByName  string `json:"by_name,omitempty"`
	ByEmail string `json:"by_email,omitempty"`
}

type auditOut struct {
	Items []auditEntry `json:"items"`
	// LastSeq is where the next page starts (pass it as after).
	LastSeq int64 `json:"last_seq"`
}

// auditScan bounds the change rows one audit page reads while looking for
// matches of its filters: a rare entity or user may take several pages.
const auditScan = 20 * maxChangesPage

// audit answers GET /api/v1/audit?after=&limit=&entity=&user_id=: who
// changed what and when, from the change feed, oldest first, with the
// acting user's name.
func (s *Server) audit(c *gin.Context) error {
	q := newQuery(c)
	after := q.id("after")
	limit := q.intIn("limit", 100, 1, maxChangesPage)
	entity := q.raw("entity")
	user := q.id("user_id")
	if err := q.err(); err != nil {
		return err
	}
	ctx := c.Request.Context()
	out := auditOut{Items: []auditEntry{}, LastSeq: after}
	names := map[int64]accounts.User{}
	for scanned := 0; len(out.Items) < limit && scanned < auditScan; {
		page, err := s.svc.Changes(ctx, out.LastSeq, maxChangesPage)
		if err != nil {
			return err
		}
		for _, ch := range page {
			out.LastSeq = ch.Seq
			if entity != "" && ch.Entity != entity || user != 0 && (ch.By == nil || *ch.By != user) {
				continue
			}
			e := auditEntry{Change: ch}
			if ch.By != nil {
				u, ok := names[*ch.By]
				if !ok {
					// A user deleted since keeps their id in the trail.
					if u, err = s.svc.GetUser(ctx, *ch.By); err != nil && !errors.Is(err, accounts.ErrNotFound) {
						return err
					}
					names[*ch.By] = u
				}
				e.ByName, e.ByEmail = u.Name, u.Email
			}
			out.Items = append(out.Items, e)
			if len(out.Items) == limit {
				break
			}
		}
		scanned += len(page)
		if len(page) < maxChangesPage {
			break
		}
	}
	c.JSON(http.StatusOK, out)
	return nil
}
