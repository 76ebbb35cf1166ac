package accounts_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tournee/tournee/accounts"
)

// TestDeliveryKey proves that the key is stable across spellings of the
// same recipient, distinct across recipients, channels and firings, and
// valid as a header value.
func TestDeliveryKey(t *testing.T) {
	const firing = "rule:1:account:42:2025-04-24"
	a := accounts.DeliveryKey(firing, accounts.ChannelEmail, "Rep1@Demo.tournee.test ")
	if b := accounts.DeliveryKey(firing, accounts.ChannelEmail, "rep1@demo.tournee.test"); a != b {
		t.Errorf("same recipient, keys %q and %q", a, b)
	}
	others := []string{
		accounts.DeliveryKey(firing, accounts.ChannelEmail, "manager@demo.tournee.test"),
		accounts.DeliveryKey("rule:1:account:42:2025-05-24", accounts.ChannelEmail, "rep1@demo.tournee.test"),
		accounts.DeliveryKey(firing, accounts.ChannelWebhook, "rep1@demo.tournee.test"),
	}
	for _, o := range others {
		if o == a {
			t.Errorf("different deliveries share the key %q", a)
		}
	}
	d := accounts.Delivery{Key: a, Channel: accounts.ChannelEmail, Recipient: "rep1@demo.tournee.test", Subject: "s"}
	if err := d.Validate(); err != nil {
		t.Errorf("Validate of a built key: %v", err)
	}
}

// TestDeliveryValidate proves that a delivery that could never be sent is
// refused when it is enqueued, naming the field at fault.
func TestDeliveryValidate(t *testing.T) {
	mail := func(edit func(*accounts.Delivery)) accounts.Delivery {
		d := accounts.Delivery{Key: "k:1", Channel: accounts.ChannelEmail, Recipient: "rep1@demo.tournee.test", Subject: "Alerte"}
		edit(&d)
		return d
	}
	hook := func(edit func(*accounts.Delivery)) accounts.Delivery {
		d := accounts.Delivery{Key: "k:2", Channel: accounts.ChannelWebhook, Recipient: "https://erp.example.com/hooks",
			Subscription: 3, Payload: []byte(`{"event":"alert"}`)}
		edit(&d)
		return d
	}
	tests := []struct {
		name  string
		d     accounts.Delivery
		field string // "" when valid
	}{
		{"mail", mail(func(*accounts.Delivery) {}), ""},
		{"webhook", hook(func(*accounts.Delivery) {}), ""},
		{"no key", mail(func(d *accounts.Delivery) { d.Key = "" }), "key"},
		{"key with a space", mail(func(d *accounts.Delivery) { d.Key = "k 1" }), "key"},
		{"key with a line break", mail(func(d *accounts.Delivery) { d.Key = "k\r\nBcc: x" }), "key"},
		{"key too long", mail(func(d *accounts.Delivery) { d.Key = strings.Repeat("k", 201) }), "key"},
		{"no recipient", mail(func(d *accounts.Delivery) { d.Recipient = " " }), "recipient"},
		{"recipient on two lines", mail(func(d *accounts.Delivery) { d.Recipient = "a@b.c\nBcc: x@y.z" }), "recipient"},
		{"no subject", mail(func(d *accounts.Delivery) { d.Subject = "" }), "subject"},
		{"unknown channel", mail(func(d *accounts.Delivery) { d.Channel = "sms" }), "channel"},
		{"webhook to a non-http URL", hook(func(d *accounts.Delivery) { d.Recipient = "ftp://erp.example.com" }), "recipient"},
		{"webhook without subscription", hook(func(d *accounts.Delivery) { d.Subscription = 0 }), "subscription"},
		{"webhook payload not JSON", hook(func(d *accounts.Delivery) { d.Payload = []byte("{") }), "payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.d.Validate()
			var fe *accounts.FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, accounts.ErrInvalid)):
				t.Errorf("Validate = %v, want an ErrInvalid on field %q", err, tt.field)
			}
		})
	}
}
