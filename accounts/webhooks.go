package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook subscriptions tell an integrator of record changes. The change
// feed (Change) is their source: every write appends its changes in its
// own transaction, in commit order, so a reader that remembers the last
// seq it has handled misses nothing and meets nothing twice. Each
// subscription keeps that cursor (LastSeq); DispatchWebhooks reads the
// feed after it and, in one store transaction (AdvanceWebhook), enqueues a
// delivery per matching change and moves the cursor past the changes read.
// A crash before that commit leaves both as they were, and the next round
// reads the same changes again; the delivery keys ("change:<seq>:webhook:
// <subscription>") are unique in the outbox, so that even a round run
// twice adds nothing. The outbox then sends each delivery at least once,
// signed, with its key in X-Tournee-Delivery for the receiver to drop the
// resend that a crash between sending and marking may cause.

// WebhookEntities are the entities a subscription may follow.
var WebhookEntities = []string{EntityAccount, EntityActivity, EntityOpportunity}

// Webhook is an integrator's subscription to record changes. Its secret,
// which signs every delivery, is not part of it: stores keep it apart and
// only WebhookSecret returns it, so that no read of a subscription can
// leak it.
type Webhook struct {
	Meta
	// URL receives a signed POST per change; http or https.
	URL string `json:"url"`
	// Entities are the entities followed, a subset of WebhookEntities.
	Entities []string `json:"entities"`
	// Ops are the operations followed; empty means all of them.
	Ops     []Op `json:"ops"`
	Enabled bool `json:"enabled"`
	// LastSeq is the store's: the seq of the last change of the feed the
	// subscription has been given (its deliveries are in the outbox). A
	// new subscription, and one enabled again, starts at the end of the
	// feed: it hears of the changes committed after, not of the past.
	LastSeq int64 `json:"last_seq"`
}

// WebhookFilter selects subscriptions by id order.
type WebhookFilter struct {
	Page
	// Enabled, when set, keeps the subscriptions that are (or are not)
	// enabled.
	Enabled *bool
}

// maxWebhookURL bounds a subscription's URL, which travels in every
// delivery row.
const maxWebhookURL = 2000

// Validate checks w and puts its lists in a canonical order (sorted, each
// value once; Ops never nil).
func (w *Webhook) Validate() error {
	w.URL = strings.TrimSpace(w.URL)
	var errs []error
	u, err := url.Parse(w.URL)
	switch {
	case w.URL == "":
		errs = append(errs, invalid("url", "url is required"))
	case len(w.URL) > maxWebhookURL:
		errs = append(errs, invalid("url", "url must be at most %d characters", maxWebhookURL))
	case err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "":
		errs = append(errs, invalid("url", "url must be an absolute http or https URL"))
	case u.User != nil:
		// Subscriptions are read back by admins and copied into every
		// delivery row: credentials belong in the signature, not the URL.
		errs = append(errs, invalid("url", "url must not hold a user name or password"))
	case u.Fragment != "" || strings.ContainsAny(w.URL, " \t\r\n"):
		errs = append(errs, invalid("url", "url must have no fragment and no spaces"))
	}
	w.Entities = canonical(w.Entities)
	if len(w.Entities) == 0 {
		errs = append(errs, invalid("entities", "entities must name at least one of %s", strings.Join(WebhookEntities, ", ")))
	}
	for _, e := range w.Entities {
		if !slices.Contains(WebhookEntities, e) {
			errs = append(errs, invalid("entities", "entities: %q is not one of %s", e, strings.Join(WebhookEntities, ", ")))
		}
	}
	w.Ops = canonical(w.Ops)
	for _, op := range w.Ops {
		if op != OpCreate && op != OpUpdate && op != OpDelete {
			errs = append(errs, invalid("ops", "ops: %q is not one of create, update, delete", op))
		}
	}
	return errors.Join(errs...)
}

// canonical sorts vs and drops repeats; never nil.
func canonical[T ~string](vs []T) []T {
	out := slices.Clone(vs)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []T{}
	}
	return out
}

// Follows reports whether w is to hear of ch.
func (w Webhook) Follows(ch Change) bool {
	return slices.Contains(w.Entities, ch.Entity) && (len(w.Ops) == 0 || slices.Contains(w.Ops, ch.Op))
}

// WebhookStore keeps webhook subscriptions. Stores implement it; Store
// embeds it.
//
// Subscriptions are settings, not records of the change feed: their
// writes append no change (a cursor that moved the feed would feed
// itself). Create, update and delete follow the records' rules (Meta,
// versions, ErrStale, ErrNotFound).
type WebhookStore interface {
	// CreateWebhook stores w with its signing secret. LastSeq is set, in
	// the same transaction, to the newest seq of the feed.
	CreateWebhook(ctx context.Context, w Webhook, secret string) (Webhook, error)
	GetWebhook(ctx context.Context, id int64) (Webhook, error)
	// UpdateWebhook stores URL, Entities, Ops and Enabled. Enabling a
	// disabled subscription moves LastSeq to the newest seq of the feed:
	// what happened while it was off is not sent.
	UpdateWebhook(ctx context.Context, w Webhook, version int64) (Webhook, error)
	// DeleteWebhook deletes the subscription; deliveries already in the
	// outbox fail for good when they find no secret.
	DeleteWebhook(ctx context.Context, id, version int64) error
	ListWebhooks(ctx context.Context, f WebhookFilter) ([]Webhook, error)

	// WebhookSecret returns the secret of subscription id, ErrNotFound if
	// there is none.
	WebhookSecret(ctx context.Context, id int64) (string, error)
	// SetWebhookSecret replaces the secret (a rotation); like a password
	// it moves neither the version nor updated_at. ErrNotFound if there
	// is no subscription id.
	SetWebhookSecret(ctx context.Context, id int64, secret string) error

	// AdvanceWebhook moves the LastSeq of subscription id from from to to
	// and enqueues ds (a key already in the outbox is skipped), in one
	// transaction, if the subscription is enabled and still at from; else
	// it writes nothing and returns false: another dispatcher has moved
	// it, or it was disabled or deleted meanwhile.
	AdvanceWebhook(ctx context.Context, id, from, to int64, ds []Delivery) (bool, error)
}

// WebhookEvent is the JSON document a subscription receives for one change.
type WebhookEvent struct {
	// Key is the delivery's key, also sent as X-Tournee-Delivery: the
	// same on every attempt, so that the receiver can drop a resend.
	Key    string    `json:"key"`
	Seq    int64     `json:"seq"`
	Entity string    `json:"entity"`
	Op     Op        `json:"op"`
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	By     *int64    `json:"by"` // the acting user, if known
	// Record is the record as it is when the event is enqueued, as the
	// API returns it, or null when it no longer exists. Events come in
	// feed order, so the last one received of a record holds its latest
	// state.
	Record json.RawMessage `json:"record"`
}

// WebhookKey is the key of the delivery of change seq to subscription id.
func WebhookKey(seq, id int64) string { return fmt.Sprintf("change:%d:webhook:%d", seq, id) }

// Dispatch limits: changes read per transaction, and subscriptions per
// page when listing them.
const (
	webhookBatch = 500
	webhookPage  = 100
)

// DispatchWebhooks brings every enabled subscription up to the end of the
// change feed, enqueuing a delivery for each change it follows, and
// returns how many deliveries it enqueued. Several processes may run it at
// once: AdvanceWebhook lets one of them move a cursor from a given point,
// and the others find it moved and stop. A subscription that fails is
// left where it stands, for the next call; the others go ahead, and the
// failures are returned together.
func (s *Service) DispatchWebhooks(ctx context.Context) (int, error) {
	on := true
	f := WebhookFilter{Page: Page{Limit: webhookPage}, Enabled: &on}
	records := map[string]json.RawMessage{} // entity:id → state, for this call
	sent := 0
	var errs []error
	for {
		subs, err := s.ListWebhooks(ctx, f)
		if err != nil {
			return sent, err
		}
		for _, w := range subs {
			n, err := s.dispatch(ctx, w, records)
			sent += n
			if err != nil {
				if ctx.Err() != nil {
					return sent, ctx.Err()
				}
				errs = append(errs, fmt.Errorf("webhook %d: %w", w.ID, err))
			}
		}
		if len(subs) < f.Limit {
			break
		}
		f.After = subs[len(subs)-1].ID
	}
	if sent > 0 && s.Rules != nil && s.Rules.Wake != nil {
		s.Rules.Wake()
	}
	return sent, errors.Join(errs...)
}

// dispatch moves w to the end of the feed, a batch per transaction.
func (s *Service) dispatch(ctx context.Context, w Webhook, records map[string]json.RawMessage) (int, error) {
	sent := 0
	for {
		changes, err := s.Changes(ctx, w.LastSeq, webhookBatch)
		if err != nil || len(changes) == 0 {
			return sent, err
		}
		var ds []Delivery
		for _, ch := range changes {
			if !w.Follows(ch) {
				continue
			}
			d, err := s.webhookDelivery(ctx, w, ch, records)
			if err != nil {
				return sent, err
			}
			ds = append(ds, d)
		}
		to := changes[len(changes)-1].Seq
		moved, err := s.AdvanceWebhook(ctx, w.ID, w.LastSeq, to, ds)
		if err != nil || !moved {
			return sent, err // !moved: another process took it on
		}
		sent += len(ds)
		w.LastSeq = to
		if len(changes) < webhookBatch {
			return sent, nil
		}
	}
}

// webhookDelivery is the delivery of ch to w, with the record's state.
func (s *Service) webhookDelivery(ctx context.Context, w Webhook, ch Change, records map[string]json.RawMessage) (Delivery, error) {
	ref := fmt.Sprintf("%s:%d", ch.Entity, ch.EntityID)
	record, ok := records[ref]
	if !ok {
		var err error
		if record, err = s.recordJSON(ctx, ch.Entity, ch.EntityID); err != nil {
			return Delivery{}, err
		}
		records[ref] = record
	}
	key := WebhookKey(ch.Seq, w.ID)
	payload, err := json.Marshal(WebhookEvent{Key: key, Seq: ch.Seq, Entity: ch.Entity, Op: ch.Op, ID: ch.EntityID,
		At: ch.At, By: ch.By, Record: record})
	if err != nil {
		return Delivery{}, err
	}
	return Delivery{Key: key, Channel: ChannelWebhook, Recipient: w.URL, Subscription: w.ID, Payload: payload}, nil
}

// recordJSON is the current state of a record as the API writes it, or
// null when it no longer exists.
func (s *Service) recordJSON(ctx context.Context, entity string, id int64) (json.RawMessage, error) {
	var v any
	var err error
	switch entity {
	case EntityAccount:
		v, err = s.GetAccount(ctx, id)
	case EntityActivity:
		v, err = s.GetActivity(ctx, id)
	case EntityOpportunity:
		v, err = s.GetOpportunity(ctx, id)
	default:
		return nil, fmt.Errorf("%w: webhooks do not follow %q", ErrInvalid, entity)
	}
	if errors.Is(err, ErrNotFound) {
		return json.RawMessage("null"), nil
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// CreateWebhook validates w and stores it with a new secret, which it
// returns: the only time the secret is shown.
func (s *Service) CreateWebhook(ctx context.Context, w Webhook) (Webhook, string, error) {
	if err := w.Validate(); err != nil {
		return Webhook{}, "", err
	}
	secret, _, err := NewSecret()
	if err != nil {
		return Webhook{}, "", err
	}
	out, err := s.Store.CreateWebhook(ctx, w, secret)
	return out, secret, err
}

// UpdateWebhook validates w and stores it.
func (s *Service) UpdateWebhook(ctx context.Context, w Webhook, version int64) (Webhook, error) {
	if err := w.Validate(); err != nil {
		return Webhook{}, err
	}
	return s.Store.UpdateWebhook(ctx, w, version)
}

// RotateWebhookSecret gives subscription id a new secret and returns it.
// Deliveries still in the outbox are signed with the new one when they
// are next sent.
func (s *Service) RotateWebhookSecret(ctx context.Context, id int64) (string, error) {
	secret, _, err := NewSecret()
	if err != nil {
		return "", err
	}
	if err := s.SetWebhookSecret(ctx, id, secret); err != nil {
		return "", err
	}
	return secret, nil
}
