package web

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tournee/tournee/accounts"
)

// Webhook subscriptions, for admins: an integrator's URL that receives a
// signed POST for each change of the entities it follows (see
// accounts.DispatchWebhooks). The signing secret is made here and shown
// twice only: in the answer to the create, and to a rotation. No read
// returns it, and neither route is idempotent, so that no stored replay
// holds it either.

// webhookInput is a subscription as a client writes it; on update, fields
// left out keep their value.
type webhookInput struct {
	URL      *string        `json:"url"`
	Entities *[]string      `json:"entities"`
	Ops      *[]accounts.Op `json:"ops"`
	Enabled  *bool          `json:"enabled"` // true when a create leaves it out
}

// apply writes the fields in set onto w.
func (in webhookInput) apply(w *accounts.Webhook) {
	if in.URL != nil {
		w.URL = *in.URL
	}
	if in.Entities != nil {
		w.Entities = *in.Entities
	}
	if in.Ops != nil {
		w.Ops = *in.Ops
	}
	if in.Enabled != nil {
		w.Enabled = *in.Enabled
	}
}

// webhookSecret is a subscription with its secret: the answer to a create.
type webhookSecret struct {
	accounts.Webhook
	// Secret signs every delivery (see the X-Tournee-Signature header);
	// keep it, it is not shown again.
	Secret string `json:"secret"`
}

// rotatedSecret is the answer to a rotation.
type rotatedSecret struct {
	ID     int64  `json:"id"`
	Secret string `json:"secret"`
}

func (s *Server) createWebhook(c *gin.Context) error {
	in := webhookInput{}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	w := accounts.Webhook{Enabled: true}
	in.apply(&w)
	out, secret, err := s.svc.CreateWebhook(c.Request.Context(), w)
	if err != nil {
		return err
	}
	c.Header("ETag", etag(out.Version))
	c.Header("Location", fmt.Sprintf("%s/%d", c.Request.URL.Path, out.ID))
	c.JSON(http.StatusCreated, webhookSecret{Webhook: out, Secret: secret})
	return nil
}

func (s *Server) getWebhook(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	w, err := s.svc.GetWebhook(c.Request.Context(), id)
	if err != nil {
		return err
	}
	c.Header("ETag", etag(w.Version))
	c.JSON(http.StatusOK, w)
	return nil
}

func (s *Server) listWebhooks(c *gin.Context) error {
	q := newQuery(c)
	page := q.page()
	f := accounts.WebhookFilter{Page: accounts.Page{After: page.After, Limit: page.Limit + 1}, Enabled: q.boolean("enabled")}
	if err := q.err(); err != nil {
		return err
	}
	items, err := s.svc.ListWebhooks(c.Request.Context(), f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, pageOf(items, page.Limit, func(w *accounts.Webhook) int64 { return w.ID }))
	return nil
}

func (s *Server) updateWebhook(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in webhookInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request.Context()
	w, err := s.svc.GetWebhook(ctx, id)
	if err != nil {
		return err
	}
	if version == 0 {
		// Without If-Match the update still must not overwrite a write
		// that lands between our read and our write.
		version = w.Version
	}
	in.apply(&w)
	out, err := s.svc.UpdateWebhook(ctx, w, version)
	if err != nil {
		return err
	}
	c.Header("ETag", etag(out.Version))
	c.JSON(http.StatusOK, out)
	return nil
}

func (s *Server) deleteWebhook(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteWebhook(c.Request.Context(), id, version); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// rotateWebhook answers POST /api/v1/webhooks/{id}/rotate: a new secret,
// which signs every delivery from now on, retries of earlier ones
// included.
func (s *Server) rotateWebhook(c *gin.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	secret, err := s.svc.RotateWebhookSecret(c.Request.Context(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, rotatedSecret{ID: id, Secret: secret})
	return nil
}
