package accounts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The outbox is how an alert (or a webhook about a record change) leaves
// Tournée. The decision to alert and the rows of the outbox are written in
// one transaction, so that a crash can lose neither; a worker (package
// delivery) then sends what is due and records the outcome here.
//
// Delivery is at least once, never at most once. The worker sends first and
// marks the delivery sent afterwards: a crash, a lost connection or a lease
// that runs out between the two leads to the same delivery being sent
// again. Marking first would turn the same crash into a lost alert, which
// is the worse failure for a product whose point is to push. The resend is
// made harmless by Key: it is the same on every attempt and reaches the
// receiver as the Message-ID of an e-mail and the X-Tournee-Delivery header
// of a webhook, so that a mail client shows one message and an integrator
// drops the duplicate. "Nothing sent twice to the same recipient for the
// same firing" therefore holds for the effect at the receiver; the wire may
// carry a copy after a crash.

// Channel is how a delivery travels.
type Channel string

const (
	// ChannelEmail is an e-mail over SMTP; Recipient is an address.
	ChannelEmail Channel = "email"
	// ChannelWebhook is a signed HTTP POST of Payload; Recipient is the URL.
	ChannelWebhook Channel = "webhook"
)

// DeliveryState is where a delivery stands. Only pending deliveries are
// ever handed to a worker.
type DeliveryState string

const (
	// DeliveryPending is waiting for its NextAt, or being sent.
	DeliveryPending DeliveryState = "pending"
	// DeliverySent was accepted by the receiver (SMTP 250 after DATA, HTTP 2xx).
	DeliverySent DeliveryState = "sent"
	// DeliveryDead was refused for good or ran out of attempts; it stays in
	// the outbox with its last error so that an admin can see why and
	// requeue it.
	DeliveryDead DeliveryState = "dead"
)

// maxKeyLen bounds Key: it travels in a header line and a Message-ID.
const maxKeyLen = 200

// Delivery is one message to one recipient. An alert with a copy to the
// manager is two deliveries with two keys, so that each recipient is
// retried, and de-duplicated, on its own.
type Delivery struct {
	ID int64
	// Key identifies the firing and the recipient (see DeliveryKey). Stores
	// keep it unique, so that enqueuing the same firing twice (a rule
	// evaluated again after a crash) adds nothing; receivers use it to drop
	// the resend that at-least-once delivery allows.
	Key       string
	Channel   Channel
	Recipient string // e-mail address or webhook URL
	// Subscription is the webhook subscription whose secret signs Payload.
	// The secret is looked up at sending time rather than copied here, so
	// that a rotated secret applies to retries and secrets stay out of the
	// outbox table.
	Subscription int64
	Subject      string // e-mail only
	Body         string // e-mail only: plain text, UTF-8
	Payload      []byte // webhook only: the JSON document to POST
	State        DeliveryState
	// Attempts counts the attempts started, including the one in progress
	// when the delivery comes from ClaimDeliveries.
	Attempts  int
	NextAt    time.Time // when the delivery is next due, or its claim lapses
	LastError string
	CreatedAt time.Time
	SentAt    time.Time // zero until sent
}

// DeliveryKey builds the key of a delivery from the firing that caused it
// (for example "rule:12:account:7:2025-04-24", or "change:8812" for a record
// change) and its recipient. The recipient is hashed so that the key stays
// short, header-safe and free of addresses, and normalised so that
// "Rep@Example.com" and "rep@example.com " are the same recipient. firing
// must be printable ASCII without spaces, as Validate requires of keys.
func DeliveryKey(firing string, ch Channel, recipient string) string {
	r := strings.TrimSpace(recipient)
	if ch == ChannelEmail {
		r = strings.ToLower(r)
	}
	sum := sha256.Sum256([]byte(string(ch) + "\x00" + r))
	return firing + ":" + string(ch) + ":" + hex.EncodeToString(sum[:12])
}

// Validate checks d before it is enqueued, so that a delivery that could
// never be sent is refused at the decision rather than discovered by the
// worker hours later.
func (d *Delivery) Validate() error {
	if d.Key == "" {
		return invalid("key", "key is required")
	}
	if len(d.Key) > maxKeyLen {
		return invalid("key", "key must be at most %d bytes", maxKeyLen)
	}
	for _, c := range d.Key {
		// The key goes verbatim into a header and a Message-ID.
		if c <= ' ' || c > '~' || c == '<' || c == '>' || c == '"' || c == '\\' {
			return invalid("key", "key must be printable ASCII without spaces, quotes or angle brackets")
		}
	}
	if strings.TrimSpace(d.Recipient) == "" {
		return invalid("recipient", "recipient is required")
	}
	if strings.ContainsAny(d.Recipient, "\r\n") {
		return invalid("recipient", "recipient must be on one line")
	}
	switch d.Channel {
	case ChannelEmail:
		if strings.TrimSpace(d.Subject) == "" {
			return invalid("subject", "subject is required for an e-mail")
		}
	case ChannelWebhook:
		if !strings.HasPrefix(d.Recipient, "https://") && !strings.HasPrefix(d.Recipient, "http://") {
			return invalid("recipient", "recipient of a webhook must be an http or https URL")
		}
		if d.Subscription <= 0 {
			return invalid("subscription", "subscription is required for a webhook")
		}
		if !json.Valid(d.Payload) {
			return invalid("payload", "payload of a webhook must be JSON")
		}
	default:
		return invalid("channel", "channel must be %q or %q", ChannelEmail, ChannelWebhook)
	}
	return nil
}

// ValidateDeliveries validates each of ds, naming the first bad one.
func ValidateDeliveries(ds []Delivery) error {
	for i := range ds {
		if err := ds[i].Validate(); err != nil {
			return fmt.Errorf("delivery %d: %w", i, err)
		}
	}
	return nil
}

// Outbox is what the delivery worker needs from a store. The SQLite and
// PostgreSQL stores implement it next to the tables they write alerts to;
// enqueuing is part of those stores' own transactions and is not here,
// because it must share the transaction of the decision to alert.
//
// Every mark names the attempt it concludes. A store applies it only if the
// delivery is still pending at that attempt and otherwise returns an error
// wrapping ErrConflict: a worker that was too slow, whose claim lapsed and
// was taken by another worker, must not overwrite that worker's outcome.
type Outbox interface {
	// ClaimDeliveries returns at most limit pending deliveries whose NextAt
	// is not after now, oldest NextAt first (ties by ID), and in the same
	// statement moves their NextAt to now+lease and counts the attempt in
	// Attempts. The lease is what lets several replicas share one outbox
	// (PostgreSQL: FOR UPDATE SKIP LOCKED) and what brings a delivery back
	// after a crash: if the worker never marks it, it is due again once the
	// lease runs out. Counting the attempt at claim time means a delivery
	// that crashes the worker every time still reaches its last attempt.
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error)

	// NextDeliveryAt is the earliest NextAt of a pending delivery, and false
	// when none is pending, so that the worker sleeps until then instead of
	// polling.
	NextDeliveryAt(ctx context.Context) (time.Time, bool, error)

	// MarkSent records that attempt was accepted by the receiver at at.
	MarkSent(ctx context.Context, id int64, attempt int, at time.Time) error

	// MarkFailed records that attempt failed with lastErr and that the
	// delivery is due again at nextAt.
	MarkFailed(ctx context.Context, id int64, attempt int, nextAt time.Time, lastErr string) error

	// MarkDead records that attempt failed for good (refused by the
	// receiver, or the last attempt allowed): the delivery is never
	// claimed again.
	MarkDead(ctx context.Context, id int64, attempt int, at time.Time, lastErr string) error
}
