package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/tournee/tournee/accounts"
)

// Dispatch timing: a round when woken (a store notification, PostgreSQL)
// and at least every webhookPoll, which is what brings a write of this
// process out within a second with SQLite; webhookBudget bounds one round,
// so that a slow store cannot pile rounds up.
const (
	webhookPoll   = time.Second
	webhookBudget = time.Minute
)

// dispatchWebhooks enqueues the webhook deliveries of new changes of the
// feed until ctx ends (see accounts.DispatchWebhooks), then closes the
// channel it returns. Replicas may each run it: a subscription's cursor
// moves once from each point.
func dispatchWebhooks(ctx context.Context, svc *accounts.Service, wake <-chan struct{}, log *slog.Logger) <-chan struct{} {
	run := func() {
		rctx, cancel := context.WithTimeout(ctx, webhookBudget)
		defer cancel()
		n, err := svc.DispatchWebhooks(rctx)
		if err != nil && ctx.Err() == nil {
			log.Error("webhook dispatch", "enqueued", n, "err", err)
			return
		}
		if n > 0 {
			log.Debug("webhook dispatch", "enqueued", n)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(webhookPoll)
		defer tick.Stop()
		for {
			run()
			select {
			case <-ctx.Done():
				return
			case <-wake:
			case <-tick.C:
			}
		}
	}()
	return done
}
