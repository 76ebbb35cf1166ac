package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tournee/tournee/accounts"
)

// Clock is the worker's time: injected so that tests can move it forward
// instead of sleeping through backoffs of minutes and hours.
type Clock interface {
	Now() time.Time
	// After behaves like time.After.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// After is time.After.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Defaults of a Worker's zero fields.
const (
	DefaultBatch       = 50
	DefaultLease       = 5 * time.Minute
	DefaultSendTimeout = time.Minute
	DefaultMaxIdle     = time.Minute
	// markTimeout bounds recording an outcome, which is done even while
	// shutting down: a send that succeeded should not be repeated because
	// the process was asked to stop a moment later.
	markTimeout = 10 * time.Second
)

// Outcome is what became of one attempt.
type Outcome string

// Outcomes of an attempt.
const (
	OutcomeSent  Outcome = "sent"  // accepted by the receiver
	OutcomeRetry Outcome = "retry" // failed, due again at Event.NextAt
	OutcomeDead  Outcome = "dead"  // refused for good, or out of attempts
)

// Event reports one attempt, for metrics and logs in the caller.
type Event struct {
	Delivery accounts.Delivery // as claimed: Attempts counts this attempt
	Outcome  Outcome
	At       time.Time // when the outcome was recorded
	Err      error     // the sender's error; nil when sent
	NextAt   time.Time // OutcomeRetry only
	// MarkErr is a failure to record the outcome; the delivery then comes
	// back when its lease lapses, and may be sent again.
	MarkErr error
}

// Worker sends the due deliveries of an outbox, one round after another.
// Rounds are bounded by Batch and claims by Lease, so that several workers
// (one per replica) can share an outbox and a crashed one only delays its
// claimed deliveries by a lease. Between rounds it sleeps until the next
// delivery is due, a wake-up arrives, or MaxIdle passes.
//
// Fields left zero take the defaults above.
type Worker struct {
	Outbox accounts.Outbox
	// Senders sends each channel; a channel without one is retried, not
	// dropped (see attempt).
	Senders map[accounts.Channel]Sender
	Clock   Clock // SystemClock when nil
	// Wake is signalled by whoever enqueues (after the transaction
	// commits), so that a new alert leaves at once rather than at the end
	// of the current sleep.
	Wake <-chan struct{}
	// Backoff spaces retries; the default policy with runtime randomness
	// when nil.
	Backoff *Backoff
	// MaxAttempts is how many attempts a delivery gets before it is dead.
	MaxAttempts int
	// Batch bounds the deliveries claimed per round, so that one round
	// cannot hold a large share of the outbox under its lease.
	Batch int
	// Lease is how long a claim lasts; it must exceed SendTimeout so that
	// a delivery is never claimed again while its attempt can still be in
	// flight. Every delivery of a batch is sent within this lease, so Batch
	// × SendTimeout may exceed it only if slow receivers are rare.
	Lease       time.Duration
	SendTimeout time.Duration
	// MaxIdle caps a sleep, as a safety net for deliveries enqueued by a
	// process that cannot signal Wake (another replica).
	MaxIdle time.Duration
	// Observe, when set, is called after each attempt.
	Observe func(Event)
	// OnError, when set, receives errors of the outbox itself; the worker
	// carries on, waiting longer after each consecutive one.
	OnError func(error)
}

func (w *Worker) clock() Clock {
	if w.Clock == nil {
		return SystemClock{}
	}
	return w.Clock
}

// defaultBackoff serves every worker without a Backoff of its own; a
// Backoff is safe for concurrent use.
var defaultBackoff = &Backoff{Base: DefaultBase, Max: DefaultMax, Jitter: DefaultJitter}

func (w *Worker) backoff() *Backoff {
	if w.Backoff == nil {
		return defaultBackoff
	}
	return w.Backoff
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func (w *Worker) maxAttempts() int           { return orDefault(w.MaxAttempts, DefaultMaxAttempts) }
func (w *Worker) batch() int                 { return orDefault(w.Batch, DefaultBatch) }
func (w *Worker) lease() time.Duration       { return orDefault(w.Lease, DefaultLease) }
func (w *Worker) sendTimeout() time.Duration { return orDefault(w.SendTimeout, DefaultSendTimeout) }
func (w *Worker) maxIdle() time.Duration     { return orDefault(w.MaxIdle, DefaultMaxIdle) }

func (w *Worker) check() error {
	if w.Outbox == nil {
		return fmt.Errorf("%w: delivery worker has no outbox", accounts.ErrInvalid)
	}
	if w.lease() <= w.sendTimeout() {
		return fmt.Errorf("%w: delivery lease %s must exceed the send timeout %s", accounts.ErrInvalid, w.lease(), w.sendTimeout())
	}
	return nil
}

// Run sends deliveries until ctx is done, then returns nil. It returns an
// error only for a configuration it cannot run with.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.check(); err != nil {
		return err
	}
	clock := w.clock()
	failures := 0 // consecutive errors of the outbox
	for ctx.Err() == nil {
		n, err := w.Round(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			failures++
			w.reportError(err)
			// The store is down or failing: back off as for a delivery,
			// but never sleep longer than MaxIdle.
			if !w.sleep(ctx, min(w.backoff().Ceiling(failures), w.maxIdle())) {
				break
			}
			continue
		}
		failures = 0
		if n >= w.batch() {
			continue // a full round: more may be due already
		}
		wait := w.maxIdle()
		next, ok, err := w.Outbox.NextDeliveryAt(ctx)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			w.reportError(err)
		case ok:
			wait = min(next.Sub(clock.Now()), wait)
		}
		if wait <= 0 {
			if n > 0 {
				continue // became due during the round
			}
			// Due but not claimed: a store whose clock disagrees with
			// ours. Wait a little rather than spin.
			wait = time.Second
		}
		if !w.sleep(ctx, wait) {
			break
		}
	}
	return nil
}

// sleep waits for d, a wake-up or the end of ctx; false means ctx is done.
func (w *Worker) sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-w.Wake:
		return true
	case <-w.clock().After(d):
		return true
	}
}

func (w *Worker) reportError(err error) {
	if w.OnError != nil {
		w.OnError(err)
	}
}

// Round claims the deliveries due now (at most Batch) and attempts each in
// turn, returning how many it claimed. It is Run's step, exported for a
// one-shot command or a test that wants no loop.
func (w *Worker) Round(ctx context.Context) (int, error) {
	if err := w.check(); err != nil {
		return 0, err
	}
	clock := w.clock()
	ds, err := w.Outbox.ClaimDeliveries(ctx, clock.Now(), w.lease(), w.batch())
	if err != nil {
		return 0, fmt.Errorf("claim deliveries: %w", err)
	}
	for i, d := range ds {
		if ctx.Err() != nil {
			// Stopping: hand the rest back now rather than when their
			// lease lapses. The claim counted an attempt that never
			// happened, a small price next to a longer delay.
			for _, d := range ds[i:] {
				w.mark(ctx, d, Event{Delivery: d, Outcome: OutcomeRetry, Err: ctx.Err(), NextAt: clock.Now()})
			}
			break
		}
		w.attempt(ctx, d)
	}
	return len(ds), nil
}

// attempt sends d once and records the outcome.
func (w *Worker) attempt(ctx context.Context, d accounts.Delivery) {
	clock := w.clock()
	if d.Attempts > w.maxAttempts() {
		// Only reachable when earlier attempts ended without a mark (the
		// process died while sending): a delivery that kills the worker
		// must not be tried forever.
		err := fmt.Errorf("gave up after %d attempts, the last ones unfinished", w.maxAttempts())
		w.mark(ctx, d, Event{Delivery: d, Outcome: OutcomeDead, Err: err})
		return
	}

	var err error
	if s := w.Senders[d.Channel]; s != nil {
		sctx, cancel := context.WithTimeout(ctx, w.sendTimeout())
		err = s.Send(sctx, d)
		cancel()
	} else {
		// Retried rather than dead: the sender may be configured at the
		// next start, and the alert should still go.
		err = fmt.Errorf("no sender configured for channel %q", d.Channel)
	}

	ev := Event{Delivery: d, Err: err}
	switch {
	case err == nil:
		ev.Outcome = OutcomeSent
	case ctx.Err() != nil:
		// Interrupted by shutdown, not refused: due again at once.
		ev.Outcome, ev.NextAt = OutcomeRetry, clock.Now()
	case IsPermanent(err):
		ev.Outcome = OutcomeDead
	case d.Attempts >= w.maxAttempts():
		ev.Outcome = OutcomeDead
		ev.Err = fmt.Errorf("gave up after %d attempts: %w", d.Attempts, err)
	default:
		delay := w.backoff().Delay(d.Attempts)
		if after, ok := retryAfter(err); ok && after > delay {
			limit := w.backoff().Max
			if limit <= 0 {
				limit = DefaultMax
			}
			delay = min(after, limit)
		}
		ev.Outcome, ev.NextAt = OutcomeRetry, clock.Now().Add(delay)
	}
	w.mark(ctx, d, ev)
}

// mark records ev in the outbox and reports it. It runs on a context that
// survives ctx's cancellation, bounded by markTimeout.
func (w *Worker) mark(ctx context.Context, d accounts.Delivery, ev Event) {
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	now := w.clock().Now()
	ev.At = now
	var err error
	switch ev.Outcome {
	case OutcomeSent:
		err = w.Outbox.MarkSent(mctx, d.ID, d.Attempts, now)
	case OutcomeRetry:
		err = w.Outbox.MarkFailed(mctx, d.ID, d.Attempts, ev.NextAt, errorText(ev.Err))
	case OutcomeDead:
		err = w.Outbox.MarkDead(mctx, d.ID, d.Attempts, now, errorText(ev.Err))
	}
	// A conflict means another worker took the delivery over after our
	// lease lapsed; its outcome stands and there is nothing to report.
	if err != nil && !errors.Is(err, accounts.ErrConflict) {
		ev.MarkErr = err
		w.reportError(fmt.Errorf("record outcome of delivery %d: %w", d.ID, err))
	}
	if w.Observe != nil {
		w.Observe(ev)
	}
}

// maxErrorLen bounds the error kept with a delivery: enough to diagnose, not
// a receiver's whole error page.
const maxErrorLen = 1000

func errorText(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if len(s) > maxErrorLen {
		// Cut on a rune boundary: PostgreSQL refuses invalid UTF-8.
		s = strings.ToValidUTF8(s[:maxErrorLen], "")
	}
	return s
}
