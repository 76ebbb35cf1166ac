package accounts

import (
	"context"
	"time"
)

// The timings of WebhookStore and MailingStore, beside timed.go.

func (tm timed) CreateWebhook(ctx context.Context, w Webhook, secret string) (Webhook, error) {
	defer tm.since("CreateWebhook", time.Now())
	return tm.Store.CreateWebhook(ctx, w, secret)
}

func (tm timed) GetWebhook(ctx context.Context, id int64) (Webhook, error) {
	defer tm.since("GetWebhook", time.Now())
	return tm.Store.GetWebhook(ctx, id)
}

func (tm timed) UpdateWebhook(ctx context.Context, w Webhook, version int64) (Webhook, error) {
	defer tm.since("UpdateWebhook", time.Now())
	return tm.Store.UpdateWebhook(ctx, w, version)
}

func (tm timed) DeleteWebhook(ctx context.Context, id, version int64) error {
	defer tm.since("DeleteWebhook", time.Now())
	return tm.Store.DeleteWebhook(ctx, id, version)
}

func (tm timed) ListWebhooks(ctx context.Context, f WebhookFilter) ([]Webhook, error) {
	defer tm.since("ListWebhooks", time.Now())
	return tm.Store.ListWebhooks(ctx, f)
}

func (tm timed) WebhookSecret(ctx context.Context, id int64) (string, error) {
	defer tm.since("WebhookSecret", time.Now())
	return tm.Store.WebhookSecret(ctx, id)
}

func (tm timed) SetWebhookSecret(ctx context.Context, id int64, secret string) error {
	defer tm.since("SetWebhookSecret", time.Now())
	return tm.Store.SetWebhookSecret(ctx, id, secret)
}

func (tm timed) AdvanceWebhook(ctx context.Context, id, from, to int64, ds []Delivery) (bool, error) {
	defer tm.since("AdvanceWebhook", time.Now())
	return tm.Store.AdvanceWebhook(ctx, id, from, to, ds)
}

func (tm timed) EnqueueDeliveries(ctx context.Context, ds []Delivery) (int, error) {
	defer tm.since("EnqueueDeliveries", time.Now())
	return tm.Store.EnqueueDeliveries(ctx, ds)
}
