package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tournee/tournee/accounts"
)

// Headers of a webhook request.
const (
	HeaderTimestamp = "X-Tournee-Timestamp" // Unix seconds of this attempt
	HeaderSignature = "X-Tournee-Signature" // "sha256=" + hex HMAC-SHA256
	HeaderDelivery  = "X-Tournee-Delivery"  // the delivery key, same on every attempt
)

// DefaultTolerance is how old a signed timestamp Verify accepts when given
// no tolerance: enough for clock skew and a slow network, short enough
// that a captured request soon stops being accepted.
const DefaultTolerance = 5 * time.Minute

// Verify errors, so that a receiver can tell a forgery from a late request.
var (
	ErrSignature = errors.New("webhook signature does not match")
	ErrTimestamp = errors.New("webhook timestamp is missing, malformed or outside the tolerance")
)

// SecretFunc returns the signing secret of a webhook subscription. An error
// wrapping accounts.ErrNotFound makes the delivery fail for good: the
// subscription was deleted.
type SecretFunc func(ctx context.Context, subscription int64) ([]byte, error)

// Webhook sends webhook deliveries as signed JSON POSTs.
type Webhook struct {
	// Secret looks up the secret of a delivery's subscription at each
	// attempt, so that a rotated secret signs the retries.
	Secret SecretFunc
	// Client sends the requests; when nil, one with a 30 s timeout. Redirects
	// are never followed whatever the client says: a client would replay
	// the POST as a GET, and the subscription should name the final URL.
	Client *http.Client
	// Now stamps X-Tournee-Timestamp; time.Now when nil.
	Now func() time.Time
	// UserAgent names the sender; "Tournee-Webhook/1" when empty.
	UserAgent string
}

var _ Sender = (*Webhook)(nil)

// defaultWebhookClient is shared so that connections to the same receiver
// are reused across deliveries.
var defaultWebhookClient = &http.Client{Timeout: 30 * time.Second}

// Sign returns the X-Tournee-Signature value of body sent at timestamp.
func Sign(secret []byte, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a webhook request as its receiver got it: the
// X-Tournee-Timestamp header, the raw body, the X-Tournee-Signature header.
// It refuses a timestamp further than tolerance from now in either
// direction (DefaultTolerance when tolerance is not positive), so that a
// captured request cannot be replayed later; within the tolerance a replay
// carries the same X-Tournee-Delivery, which the receiver de-duplicates
// anyway. The signature is compared in constant time.
func Verify(secret []byte, timestamp string, body []byte, signature string, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrTimestamp
	}
	if age := now.Sub(time.Unix(ts, 0)); age > tolerance || age < -tolerance {
		return ErrTimestamp
	}
	got, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return ErrSignature
	}
	gotMAC, err := hex.DecodeString(got)
	if err != nil {
		return ErrSignature
	}
	want, _ := hex.DecodeString(strings.TrimPrefix(Sign(secret, ts, body), "sha256="))
	if !hmac.Equal(gotMAC, want) {
		return ErrSignature
	}
	return nil
}

// Send POSTs d.Payload to d.Recipient. A 2xx reply is success; 408 and 429
// and 5xx are retried (honouring Retry-After), as are network errors and
// timeouts; any other reply, 3xx included, is permanent: the receiver has
// said that this request will not work.
func (w *Webhook) Send(ctx context.Context, d accounts.Delivery) error {
	if w.Secret == nil {
		return errors.New("webhook: no secret source configured")
	}
	secret, err := w.Secret(ctx, d.Subscription)
	if err != nil {
		err = fmt.Errorf("webhook: secret of subscription %d: %w", d.Subscription, err)
		if errors.Is(err, accounts.ErrNotFound) {
			return Permanent(err)
		}
		return err
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := now().Unix()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Recipient, bytes.NewReader(d.Payload))
	if err != nil {
		return Permanent(fmt.Errorf("webhook: %w", err))
	}
	ua := w.UserAgent
	if ua == "" {
		ua = "Tournee-Webhook/1"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", ua)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(secret, ts, d.Payload))
	req.Header.Set(HeaderDelivery, d.Key)
	// The same key under the name of the IETF draft, for receivers whose
	// framework de-duplicates on it already.
	req.Header.Set("Idempotency-Key", d.Key)

	client := defaultWebhookClient
	if w.Client != nil {
		client = w.Client
	}
	noRedirect := *client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	// A little of the body says why; the rest is drained (bounded) so that
	// the connection can be reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))

	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	err = fmt.Errorf("webhook: receiver replied %s: %s", resp.Status, strings.TrimSpace(string(snippet)))
	switch {
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		if after, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now()); ok {
			return &retryAfterError{err: err, after: after}
		}
		return err
	default:
		return Permanent(err)
	}
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now), true
	}
	return 0, false
}
