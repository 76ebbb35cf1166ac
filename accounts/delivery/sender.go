package delivery

import (
	"context"
	"errors"
	"time"

	"github.com/tournee/tournee/accounts"
)

// Sender sends one delivery. A nil error means the receiver accepted it; an
// error is retried later unless it is Permanent. Send must honour ctx: the
// worker bounds every attempt so that it ends well before its claim on the
// delivery lapses.
type Sender interface {
	Send(ctx context.Context, d accounts.Delivery) error
}

// SenderFunc lets a function be a Sender.
type SenderFunc func(ctx context.Context, d accounts.Delivery) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, d accounts.Delivery) error { return f(ctx, d) }

// permanentError is a refusal that sending again cannot change: a mailbox
// that does not exist, a webhook endpoint that is gone.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as final, so that the worker gives up on the delivery
// at once instead of retrying a refusal for days. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// retryAfterError carries the delay a receiver asked for (HTTP
// Retry-After), which the worker honours when it is longer than its own
// backoff: retrying sooner would only be refused again.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// retryAfter returns the delay err asks for, if any.
func retryAfter(err error) (time.Duration, bool) {
	var r *retryAfterError
	if errors.As(err, &r) {
		return r.after, true
	}
	return 0, false
}
