package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/sqlite"
)

// TestMailingEndToEnd sends a mailing to "every account whose reports
// mention Rexalor, inside this polygon", to their buyers, through the API,
// the outbox, the delivery worker and a real SMTP server, and checks that
// each buyer gets one message with the fields of their own account.
func TestMailingEndToEnd(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tournee.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	in := startMailSink(t)
	s := startStack(t, db, config{SMTPHost: "127.0.0.1", SMTPPort: strconv.Itoa(in.port), SMTPSecurity: "none",
		SMTPFrom: "Tournée <ventes@example.com>"})

	rep := s.id(s.call(http.StatusCreated, "POST", "/api/v1/users", `{"email":"remi@example.com","name":"Rémi Dupont","role":"rep"}`))
	type place struct {
		name, city string
		lat, lng   float64
		report     string
	}
	// Lyon and around; Marseille is outside the polygon.
	places := []place{
		{"LAMBDA SARL", "Lyon", 45.764, 4.8357, "Rexalor ne peut pas livrer avant mars."},
		{"Boulangerie de Villeurbanne", "Villeurbanne", 45.7719, 4.8902, "Le gérant compare avec Rexalor."},
		{"Épicerie de Vaise", "Lyon", 45.7790, 4.8040, "Commande habituelle, rien à signaler."},
		{"Pâtisserie du Vieux-Port", "Marseille", 43.2951, 5.3744, "Rexalor ne peut pas livrer ce mois-ci."},
	}
	type buyer struct {
		account      int64
		first, email string
		city, name   string
	}
	var buyers []buyer
	for i, p := range places {
		acc := s.id(s.call(http.StatusCreated, "POST", "/api/v1/accounts", fmt.Sprintf(`{"kind":"client","name":%q,"lat":%g,"lng":%g,
			"address":{"city":%q},"owner_id":%d}`, p.name, p.lat, p.lng, p.city, rep)))
		s.call(http.StatusCreated, "POST", "/api/v1/activities", fmt.Sprintf(`{"type":"visit","done":true,"account_id":%d,
			"start":"2026-03-02T09:00:00Z","end":"2026-03-02T10:00:00Z","subject":"Visite","report":%q}`, acc, p.report))
		b := buyer{account: acc, first: []string{"Marie", "Jean", "Léa", "Paul"}[i], email: fmt.Sprintf("acheteur%d@example.fr", i),
			city: p.city, name: p.name}
		buyers = append(buyers, b)
		s.call(http.StatusCreated, "POST", "/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"%s Martin","title":"Acheteur","email":%q}`,
			acc, b.first, b.email))
		// Not a buyer, and a buyer without an address: no message.
		s.call(http.StatusCreated, "POST", "/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"Comptable","title":"Comptable","email":"compta%d@example.fr"}`, acc, i))
		s.call(http.StatusCreated, "POST", "/api/v1/contacts", fmt.Sprintf(`{"account_id":%d,"name":"Sans Adresse","title":"acheteur"}`, acc))
	}

	request := func(dryRun bool) string {
		return fmt.Sprintf(`{"q":"Rexalor","polygon":{"type":"Polygon","coordinates":[[[4.7,45.6],[5.0,45.6],[5.0,45.9],[4.7,45.9],[4.7,45.6]]]},
			"role":"acheteur","dry_run":%v,
			"subject":"{{.Account.Name}} : livraisons garanties",
			"body":"Bonjour {{.Contact.FirstName}},\nNous livrons à {{.Account.City}} sous 48 h.\n{{.Owner.Name}}"}`, dryRun)
	}
	var out struct {
		ID       string                 `json:"id"`
		Accounts int                    `json:"accounts"`
		Reached  int                    `json:"accounts_reached"`
		Messages int                    `json:"messages"`
		Enqueued int                    `json:"enqueued"`
		Preview  []accounts.MailMessage `json:"preview"`
	}
	if err := json.Unmarshal(s.call(http.StatusOK, "POST", "/api/v1/mailings", request(true)), &out); err != nil {
		t.Fatal(err)
	}
	if out.Accounts != 2 || out.Reached != 2 || out.Messages != 2 || out.Enqueued != 0 || out.ID != "" || len(out.Preview) != 2 {
		t.Fatalf("dry run: %+v, want 2 accounts, 2 messages, nothing enqueued and a preview", out)
	}
	time.Sleep(300 * time.Millisecond)
	if got := in.messages(); len(got) != 0 {
		t.Fatalf("a dry run sent %d messages", len(got))
	}

	body := s.call(http.StatusAccepted, "POST", "/api/v1/mailings", request(false), "Idempotency-Key", "campaign-rexalor")
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if out.ID == "" || out.Messages != 2 || out.Enqueued != 2 {
		t.Fatalf("mailing: %+v, want an id and 2 messages enqueued", out)
	}
	// A retry with the same key is the same mailing: nothing more is sent.
	if again := s.call(http.StatusAccepted, "POST", "/api/v1/mailings", request(false), "Idempotency-Key", "campaign-rexalor"); string(again) != string(body) {
		t.Errorf("retry answered %s, want the first answer %s", again, body)
	}

	waitFor(t, "two messages", func() bool { return len(in.messages()) >= 2 })
	time.Sleep(300 * time.Millisecond) // a third would have come by now
	got := in.messages()
	if len(got) != 2 {
		t.Fatalf("received %d messages, want 2: %+v", len(got), got)
	}
	for _, b := range buyers[:2] {
		i := slices.IndexFunc(got, func(m mailMessage) bool { return m.to == b.email })
		if i < 0 {
			t.Errorf("%s (%s) got no message", b.email, b.name)
			continue
		}
		m := got[i]
		wantBody := fmt.Sprintf("Bonjour %s,\r\nNous livrons à %s sous 48 h.\r\nRémi Dupont", b.first, b.city)
		if m.subject != b.name+" : livraisons garanties" || strings.TrimSpace(m.body) != wantBody ||
			!strings.HasPrefix(m.key, "mailing:"+out.ID+":") {
			t.Errorf("message to %s:\n%+v\nwant subject %q, body %q and a key of mailing %s", b.email, m, b.name+" : livraisons garanties", wantBody, out.ID)
		}
	}
	if got[0].key == got[1].key {
		t.Errorf("two messages with one key %s", got[0].key)
	}
}
