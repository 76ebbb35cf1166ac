package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/gin-gonic/gin"
)

// idempotent makes a POST that carries an Idempotency-Key run once: a retry
// with the same key and body gets the first answer again, a retry while the
// first is still running gets 409, and the same key with another body 422.
// A request that fails with a 5xx releases its key so that a retry runs.
func (s *Server) idempotent(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" {
		c.Next()
		return
	}
	if len(key) > 200 {
		s.writeError(c, fmt.Errorf("%w: Idempotency-Key must be at most 200 characters", errBadRequest))
		return
	}
	// Keys are the client's, so each user has their own: another user's
	// retry with the same key must neither replay this answer nor block.
	if p, ok := current(c); ok {
		key = fmt.Sprintf("%d:%s", p.user.ID, key)
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(append([]byte(c.Request.Method+" "+c.Request.URL.Path+"\n"), body...))
	fingerprint := hex.EncodeToString(sum[:])

	ctx := c.Request.Context()
	prev, err := s.svc.ClaimIdempotencyKey(ctx, key, fingerprint)
	switch {
	case err != nil:
		s.writeError(c, err)
		return
	case prev == nil:
	case prev.Fingerprint != fingerprint:
		s.writeError(c, fmt.Errorf("%w: Idempotency-Key was first used for another request", errIdempotencyMismatch))
		return
	case prev.Status == 0:
		s.writeError(c, fmt.Errorf("%w: the first request with this Idempotency-Key is still running", errInFlight))
		return
	default:
		c.Header("Idempotent-Replayed", "true")
		c.Data(prev.Status, "application/json; charset=utf-8", prev.Body)
		c.Abort()
		return
	}

	rec := &recorder{ResponseWriter: c.Writer}
	c.Writer = rec
	c.Next()
	// The answer must be kept even if the client has gone: it is the one a
	// retry will be given.
	ctx = context.WithoutCancel(ctx)
	if status := rec.Status(); status < 500 {
		err = s.svc.SaveIdempotentResponse(ctx, key, status, rec.body.Bytes())
	} else {
		err = s.svc.ReleaseIdempotencyKey(ctx, key)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "idempotency key not recorded", "err", err)
	}
}

// recorder keeps a copy of the response body.
type recorder struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) WriteString(s string) (int, error) {
	r.body.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}
