package delivery

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Default retry policy: the first retry after 30 s, doubling up to 6 h, so
// that a mail server down for a few minutes costs minutes and one down for
// a weekend night is not hammered.
const (
	DefaultBase        = 30 * time.Second
	DefaultMax         = 6 * time.Hour
	DefaultJitter      = 0.2
	DefaultMaxAttempts = 16 // about a day and a half of retries with the defaults
)

// Backoff is an exponential backoff with jitter: after attempt n failed,
// the next comes Base × 2^(n-1) later, at most Max, less a random share of
// up to Jitter of that delay. The jitter spreads the retries of deliveries
// that failed together (every alert of a run, when the mail server was
// down) so that they do not all hit the server again at the same second;
// taking it off rather than adding it keeps Max a true ceiling.
//
// The zero value uses DefaultBase, DefaultMax and no jitter. A Backoff is
// safe for concurrent use; use it by pointer.
type Backoff struct {
	Base   time.Duration
	Max    time.Duration
	Jitter float64 // in [0, 1]
	// Rand draws the jitter; seed it in tests so that delays are
	// reproducible. When nil, the runtime's random source.
	Rand *rand.Rand

	mu sync.Mutex // Rand is not safe for concurrent use
}

// NewBackoff returns the default policy with jitter drawn from a source
// seeded with seed.
func NewBackoff(seed uint64) *Backoff {
	return &Backoff{
		Base:   DefaultBase,
		Max:    DefaultMax,
		Jitter: DefaultJitter,
		Rand:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
}

// Ceiling is the delay after attempt before jitter: Base × 2^(attempt-1),
// at most Max. Attempts below 1 count as 1.
func (b *Backoff) Ceiling(attempt int) time.Duration {
	base, limit := b.Base, b.Max
	if base <= 0 {
		base = DefaultBase
	}
	if limit <= 0 {
		limit = DefaultMax
	}
	d := base
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2 // stops at limit, long before it could overflow
	}
	return min(d, limit)
}

// Delay is the wait before the attempt after attempt.
func (b *Backoff) Delay(attempt int) time.Duration {
	d := b.Ceiling(attempt)
	j := min(max(b.Jitter, 0), 1)
	if j == 0 {
		return d
	}
	b.mu.Lock()
	var f float64
	if b.Rand != nil {
		f = b.Rand.Float64()
	} else {
		f = rand.Float64()
	}
	b.mu.Unlock()
	return d - time.Duration(float64(d)*j*f)
}
