package delivery_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts/delivery"
)

// TestBackoffCeiling proves the shape of the policy: 30 s doubling per
// attempt, capped at 6 h, without overflow for absurd attempt counts.
func TestBackoffCeiling(t *testing.T) {
	b := delivery.NewBackoff(1)
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, 30 * time.Second},
		{1, 30 * time.Second},
		{2, time.Minute},
		{3, 2 * time.Minute},
		{10, 30 * time.Second * 512},
		{11, 6 * time.Hour},
		{1000, 6 * time.Hour},
	}
	for _, tt := range tests {
		if got := b.Ceiling(tt.attempt); got != tt.want {
			t.Errorf("Ceiling(%d) = %s, want %s", tt.attempt, got, tt.want)
		}
	}
}

// TestBackoffJitter proves that the jitter stays within its share below the
// ceiling and that a seeded policy repeats itself, which the worker tests
// rely on.
func TestBackoffJitter(t *testing.T) {
	delays := func(seed uint64) []time.Duration {
		b := delivery.NewBackoff(seed)
		var ds []time.Duration
		for a := 1; a <= 20; a++ {
			d := b.Delay(a)
			c := b.Ceiling(a)
			if d > c || float64(d) < 0.8*float64(c) {
				t.Errorf("Delay(%d) = %s, want within [%s, %s]", a, d, time.Duration(0.8*float64(c)), c)
			}
			ds = append(ds, d)
		}
		return ds
	}
	a, b, c := delays(7), delays(7), delays(8)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different delays:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("different seeds, same delays: %v", a)
	}
	var zero delivery.Backoff
	if got := zero.Delay(2); got != time.Minute {
		t.Errorf("zero Backoff Delay(2) = %s, want 1m0s without jitter", got)
	}
}
