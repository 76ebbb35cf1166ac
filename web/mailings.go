package web

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
)

// mailingRequest is the body of POST /api/v1/mailings: the accounts, by the
// criteria of the search (q, a place, a filter; none of them is the whole
// map), and the message to send to their contacts.
type mailingRequest struct {
	Criteria
	// Subject and Body are templates over accounts.MailFields.
	Subject string `json:"subject"`
	Body    string `json:"body"`
	// Role keeps the contacts with this title; none: every contact with
	// an e-mail address.
	Role   string `json:"role"`
	DryRun bool   `json:"dry_run"`
}

// mailingOut is what a mailing did, or with dry_run would do.
type mailingOut struct {
	// ID names the mailing in its deliveries' keys; empty for a dry run.
	ID     string `json:"id,omitempty"`
	DryRun bool   `json:"dry_run"`
	// Accounts counts the accounts the criteria select, Reached those with
	// at least one recipient.
	Accounts int `json:"accounts"`
	Reached  int `json:"accounts_reached"`
	// Skipped counts contacts left out for an address that cannot be sent to.
	Skipped  int `json:"contacts_skipped"`
	Messages int `json:"messages"`
	// Enqueued counts the messages handed to the outbox: all of them, or
	// none for a dry run.
	Enqueued int `json:"enqueued"`
	// Preview holds the first messages of a dry run, as they would be sent.
	Preview []accounts.MailMessage `json:"preview,omitempty"`
}

// sendMailing answers POST /api/v1/mailings: one e-mail to each contact of
// each account the criteria select among those the caller may change,
// rendered from the templates, validated whole and then enqueued in one
// transaction: all of them or none. With dry_run it writes nothing and
// shows the first messages.
func (s *Server) sendMailing(c *gin.Context) error {
	var r mailingRequest
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	p, _ := current(c)
	m := accounts.Mailing{Subject: r.Subject, Body: r.Body, Role: r.Role, SenderID: p.user.ID}
	if err := m.Validate(); err != nil {
		return err
	}
	sel, more, err := s.selectAccounts(c, r.Criteria, accounts.MaxMailingAccounts, true)
	if err != nil {
		return err
	}
	if more {
		return fmt.Errorf("%w: more than %d accounts match, a mailing reaches at most %d: narrow the search",
			accounts.ErrTooMany, accounts.MaxMailingAccounts, accounts.MaxMailingAccounts)
	}
	ids := make([]int64, len(sel))
	for i, a := range sel {
		ids[i] = a.ID
	}
	ctx := c.Request.Context()
	plan, err := s.svc.PlanMailing(ctx, m, ids)
	if err != nil {
		return err
	}
	out := mailingOut{DryRun: r.DryRun, Accounts: plan.Accounts, Reached: plan.Reached, Skipped: plan.Skipped,
		Messages: len(plan.Messages)}
	if r.DryRun {
		out.Preview = plan.Messages[:min(len(plan.Messages), accounts.MailingPreview)]
		c.JSON(http.StatusOK, out)
		return nil
	}
	if out.Enqueued, err = s.svc.SendMailing(ctx, plan); err != nil {
		return err
	}
	out.ID = plan.ID
	s.log.InfoContext(ctx, "mailing queued", "mailing", plan.ID, "user", p.user.ID, "accounts", plan.Accounts, "messages", out.Enqueued)
	c.JSON(http.StatusAccepted, out)
	return nil
}
