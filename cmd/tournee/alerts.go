package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/delivery"
)

// smtpConfig reads the SMTP settings: none without TOURNEE_SMTP_HOST.
func (c config) smtpConfig() (*delivery.SMTPConfig, error) {
	if c.SMTPHost == "" {
		return nil, nil
	}
	sc := &delivery.SMTPConfig{Host: c.SMTPHost, Security: delivery.Security(c.SMTPSecurity),
		Username: c.SMTPUser, Password: c.SMTPPassword, From: c.SMTPFrom}
	if c.SMTPPort != "" {
		port, err := strconv.Atoi(c.SMTPPort)
		if err != nil {
			return nil, fmt.Errorf("TOURNEE_SMTP_PORT: %q is not a port number", c.SMTPPort)
		}
		sc.Port = port
	}
	return sc, nil
}

// startAlerts starts what pushes alerts and record changes out: the
// delivery worker over the store's outbox (see newDelivery). It returns
// the rules engine's settings for the web server, whose Wake wakes the
// worker.
func startAlerts(ctx context.Context, cfg config, st accounts.Store, zone *time.Location, log *slog.Logger) (*accounts.Rules, error) {
	rules, w, err := newDelivery(cfg, st, zone, log)
	if err != nil {
		return nil, err
	}
	go func() {
		if err := w.Run(ctx); err != nil {
			log.Error("delivery worker stopped", "err", err)
		}
	}()
	return rules, nil
}

// newDelivery builds the delivery worker: it always sends webhooks,
// signed with the secret of each delivery's subscription as it stands at
// sending time, and e-mail when an SMTP server is configured (then
// rules.Email is on). rules.Wake wakes it after a write that queued
// deliveries.
func newDelivery(cfg config, st accounts.Store, zone *time.Location, log *slog.Logger) (*accounts.Rules, *delivery.Worker, error) {
	senders := map[accounts.Channel]delivery.Sender{
		accounts.ChannelWebhook: &delivery.Webhook{Secret: func(ctx context.Context, subscription int64) ([]byte, error) {
			secret, err := st.WebhookSecret(ctx, subscription)
			return []byte(secret), err
		}},
	}
	rules := &accounts.Rules{Zone: zone}
	sc, err := cfg.smtpConfig()
	if err != nil {
		return nil, nil, err
	}
	if sc != nil {
		smtp, err := delivery.NewSMTP(*sc)
		if err != nil {
			return nil, nil, fmt.Errorf("TOURNEE_SMTP_*: %w", err)
		}
		senders[accounts.ChannelEmail] = smtp
		rules.Email = true
	}
	wake := make(chan struct{}, 1)
	rules.Wake = wakeup(wake)
	w := &delivery.Worker{
		Outbox:  st,
		Senders: senders,
		Wake:    wake,
		// The key says which delivery; bodies and payloads stay out of
		// the log, since they hold the organisation's data.
		Observe: func(ev delivery.Event) {
			log.Info("delivery", "key", ev.Delivery.Key, "channel", ev.Delivery.Channel, "outcome", ev.Outcome,
				"attempt", ev.Delivery.Attempts, "err", ev.Err, "mark_err", ev.MarkErr)
		},
		OnError: func(err error) { log.Warn("outbox", "err", err) },
	}
	return rules, w, nil
}

// wakeup returns a function that signals ch without blocking: a wake-up
// already pending is enough.
func wakeup(ch chan<- struct{}) func() {
	return func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// dailyRules runs every enabled rule on every account once soon after
// start, then every day at 06:00 in the organisation's zone, until ctx ends.
// Replicas may each run it: the cooldown of each firing is kept by the
// store, so that a firing is recorded once.
func dailyRules(ctx context.Context, svc *accounts.Service, zone *time.Location, log *slog.Logger) {
	run := func() {
		start := time.Now()
		r, err := svc.EvaluateRules(ctx, nil)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("daily rules", "err", err)
			}
			return
		}
		log.Info("daily rules", "accounts", r.Accounts, "matches", r.Matches, "fired", r.Fired,
			"errors", r.Errors, "took", time.Since(start).Round(time.Millisecond))
	}
	go func() {
		run()
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Until(nextRun(time.Now(), zone))):
				run()
			}
		}
	}()
}

// reminderEvery is how often task reminders are looked for; reminderBudget
// bounds one round, so that a slow store cannot pile rounds up.
const (
	reminderEvery  = time.Minute
	reminderBudget = 50 * time.Second
)

// taskReminders sends the task reminders that are due every minute, until
// ctx ends. Replicas may each run it: the store marks a reminder sent in
// the transaction that writes it, so that it is sent once.
func taskReminders(ctx context.Context, svc *accounts.Service, log *slog.Logger) {
	run := func() {
		rctx, cancel := context.WithTimeout(ctx, reminderBudget)
		defer cancel()
		n, err := svc.SendReminders(rctx)
		if err != nil && ctx.Err() == nil {
			log.Error("task reminders", "sent", n, "err", err)
			return
		}
		if n > 0 {
			log.Info("task reminders", "sent", n)
		}
	}
	go func() {
		tick := time.NewTicker(reminderEvery)
		defer tick.Stop()
		run()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				run()
			}
		}
	}()
}

// nextRun is the next 06:00 in zone after now.
func nextRun(now time.Time, zone *time.Location) time.Time {
	n := now.In(zone)
	next := time.Date(n.Year(), n.Month(), n.Day(), 6, 0, 0, 0, zone)
	if !next.After(n) {
		next = time.Date(n.Year(), n.Month(), n.Day()+1, 6, 0, 0, 0, zone)
	}
	return next
}
