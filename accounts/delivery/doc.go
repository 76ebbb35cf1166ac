// Package delivery sends what the accounts outbox holds: e-mail over SMTP
// and signed webhooks over HTTP, retried with exponential backoff by a
// Worker until the receiver accepts, refuses for good, or the attempts run
// out.
//
// Delivery is at least once (see accounts.Outbox for why): every attempt of
// a delivery carries the same key, as the Message-ID of an e-mail and the
// X-Tournee-Delivery header of a webhook, so that receivers can drop the
// copy a crash between sending and marking may cause.
//
// Webhook receivers check the X-Tournee-Signature header with Verify. The
// signature is an HMAC-SHA256, keyed by the subscription's secret, of the
// X-Tournee-Timestamp header (Unix seconds), a dot and the raw body; the
// timestamp is signed so that a captured request cannot be replayed once
// it is older than the receiver's tolerance.
//
// The package never logs: outcomes reach the caller through Worker.Observe
// and Worker.OnError, and only web and cmd write logs.
package delivery
