package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
)

// scoreOut is an account's priority score and what makes it, as the
// planner weighs it: the account card's "why".
type scoreOut struct {
	AccountID int64 `json:"account_id"`
	// Score is what the planner and nearby queries use now.
	Score float64 `json:"score"`
	// Parts are potential (k€ a month), overdue (what a visit due adds)
	// and one per score action of a matching rule, in the order they apply.
	Parts          []scorePart `json:"parts"`
	PotentialCents int64       `json:"potential_cents"`
	LastVisitAt    *time.Time  `json:"last_visit_at"`
}

// accountScore answers GET /api/v1/accounts/{id}/score.
func (s *Server) accountScore(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a, err := s.svc.GetAccount(c.Request.Context(), id)
	if err != nil {
		return err
	}
	if err := s.seeAccount(c, a, false); err != nil {
		return err
	}
	total, parts := s.scoreParts(a)
	c.JSON(http.StatusOK, scoreOut{AccountID: a.ID, Score: round1(total), Parts: parts,
		PotentialCents: a.PotentialCents, LastVisitAt: a.LastVisitAt})
	return nil
}

// scoreParts splits an account's score as the index computes it: the base
// score (potential, raised while a visit is overdue), then the rules.
func (s *Server) scoreParts(a accounts.Account) (float64, []scorePart) {
	base := float64(accounts.BaseScore(a, s.svc.Places.Now()))
	potential := float64(a.PotentialCents) / 100_000
	parts := []scorePart{{Source: "potential", Value: round1(potential)}, {Source: "overdue", Value: round1(base - potential)}}
	for _, p := range a.RuleScore {
		parts = append(parts, scorePart{Source: "rule", RuleID: p.RuleID, Rule: p.Rule, Mode: string(p.Mode), Value: round1(p.Value)})
	}
	return accounts.RuleTotal(base, a.RuleScore), parts
}
