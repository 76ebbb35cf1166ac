package accounts_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

func TestMailingTemplates(t *testing.T) {
	for _, tt := range []struct {
		name, subject, body, field, msg string
	}{
		{"empty subject", " ", "Bonjour", "subject", "subject is required"},
		{"empty body", "Offre", "", "body", "body is required"},
		{"syntax", "Offre {{.Account.Name", "Bonjour", "subject", "subject:"},
		{"unknown field", "Offre", "Bonjour {{.Contact.Nmae}}", "body", "Nmae"},
		{"range", "Offre", "{{range 1000000000}}x{{end}}", "body", "range is not supported"},
		{"define", "Offre", `{{define "x"}}{{template "x"}}{{end}}{{template "x"}}`, "body", "not supported"},
		{"too long", "Offre", strings.Repeat("x", 50_001), "body", "at most"},
		{"output too long", "Offre", `{{printf "%0999999d" 1}}{{printf "%0999999d" 1}}`, "body", "longer than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := accounts.Mailing{Subject: tt.subject, Body: tt.body}.Validate()
			var fe *accounts.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.Message, tt.msg) {
				t.Errorf("Validate: got %v, want an error on %s holding %q", err, tt.field, tt.msg)
			}
		})
	}
	ok := accounts.Mailing{Subject: "{{.Account.Name}} — {{.Account.City}}",
		Body: "Bonjour {{with .Contact.FirstName}}{{.}}{{else}}Madame, Monsieur{{end}},\n{{printf \"%s\" .Sender.Name}}"}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate of fields, with, else and printf: %v", err)
	}
}

func TestPlanAndSendMailing(t *testing.T) {
	w := newHookWorld(t)
	owner, err := w.svc.CreateUser(w.ctx, accounts.User{Email: "owner@example.test", Name: "Olivier Owner", Role: accounts.RoleRep})
	if err != nil {
		t.Fatal(err)
	}
	account := func(name, city string, ownerID *int64) accounts.Account {
		t.Helper()
		a := w.account(t, name)
		a.Address.City, a.OwnerID = city, ownerID
		if a, err = w.svc.UpdateAccount(w.ctx, a, 0); err != nil {
			t.Fatal(err)
		}
		return a
	}
	contact := func(accountID int64, name, title, email string) accounts.Contact {
		t.Helper()
		c, err := w.svc.CreateContact(w.ctx, accounts.Contact{AccountID: accountID, Name: name, Title: title, Email: email})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	lambda := account("LAMBDA SARL", "Lyon", &owner.ID)
	beta := account("BETA SAS", "Vienne", nil)
	quiet := account("Sans contact", "Givors", nil)
	marie := contact(lambda.ID, "Marie Curie", "Acheteuse", "marie@lambda.example")
	contact(lambda.ID, "Marie en double", "Acheteuse", "MARIE@lambda.example") // same address: one message
	contact(lambda.ID, "Paul", "Comptable", "paul@lambda.example")
	contact(lambda.ID, "Sans adresse", "Acheteuse", "")
	jean := contact(beta.ID, "Jean Valjean", "acheteuse ", "jean@beta.example")

	m := accounts.Mailing{Subject: "Offre pour {{.Account.Name}}", Role: "Acheteuse", SenderID: w.user.ID,
		Body: "Bonjour {{.Contact.FirstName}} {{.Contact.LastName}},\n{{.Account.City}} — suivi par {{or .Owner.Name \"nous\"}}.\n{{.Sender.Name}}"}
	plan, err := w.svc.PlanMailing(w.ctx, m, []int64{lambda.ID, beta.ID, quiet.ID})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Accounts != 3 || plan.Reached != 2 || len(plan.Messages) != 2 || plan.ID == "" {
		t.Fatalf("plan: %+v, want 3 accounts, 2 reached, 2 messages and an id", plan)
	}
	want := []accounts.MailMessage{
		{AccountID: lambda.ID, ContactID: marie.ID, To: "marie@lambda.example", Subject: "Offre pour LAMBDA SARL",
			Body: "Bonjour Marie Curie,\nLyon — suivi par Olivier Owner.\nRep"},
		{AccountID: beta.ID, ContactID: jean.ID, To: "jean@beta.example", Subject: "Offre pour BETA SAS",
			Body: "Bonjour Jean Valjean,\nVienne — suivi par nous.\nRep"},
	}
	if !slices.Equal(plan.Messages, want) {
		t.Errorf("messages:\ngot  %+v\nwant %+v", plan.Messages, want)
	}

	// Every contact with an address, without a role.
	m.Role = ""
	if all, err := w.svc.PlanMailing(w.ctx, m, []int64{lambda.ID}); err != nil || len(all.Messages) != 2 {
		t.Errorf("without a role: %d messages, %v; want 2 (Marie once, Paul)", len(all.Messages), err)
	}

	// Too long a list.
	ids := make([]int64, accounts.MaxMailingAccounts+1)
	if _, err := w.svc.PlanMailing(w.ctx, m, ids); !errors.Is(err, accounts.ErrTooMany) {
		t.Errorf("PlanMailing of %d accounts: got %v, want ErrTooMany", len(ids), err)
	}
	// A subject a contact leaves empty.
	blank := accounts.Mailing{Subject: "{{.Owner.Name}}", Body: "x"}
	var fe *accounts.FieldError
	if _, err := w.svc.PlanMailing(w.ctx, blank, []int64{beta.ID}); !errors.As(err, &fe) || fe.Field != "subject" {
		t.Errorf("an empty subject: got %v, want an error on subject", err)
	}

	// Sending needs e-mail; then every message goes to the outbox once.
	if _, err := w.svc.SendMailing(w.ctx, plan); !errors.Is(err, accounts.ErrConflict) {
		t.Errorf("SendMailing without e-mail: got %v, want ErrConflict", err)
	}
	woken := 0
	w.svc.Rules = &accounts.Rules{Email: true, Wake: func() { woken++ }}
	n, err := w.svc.SendMailing(w.ctx, plan)
	if err != nil || n != 2 || woken != 1 {
		t.Fatalf("SendMailing: %d, %v, woken %d; want 2, nil, 1", n, err, woken)
	}
	if n, err := w.svc.SendMailing(w.ctx, plan); err != nil || n != 0 {
		t.Errorf("SendMailing of the same plan again: %d, %v; want 0 (the keys are there)", n, err)
	}
	ds, err := w.db.ClaimDeliveries(w.ctx, time.Now().Add(time.Hour), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range ds {
		keys = append(keys, d.Key)
		if d.Channel != accounts.ChannelEmail || !strings.HasPrefix(d.Subject, "Offre pour ") {
			t.Errorf("delivery %+v: want an e-mail with the rendered subject", d)
		}
	}
	slices.Sort(keys)
	wantKeys := []string{fmt.Sprintf("mailing:%s:%d", plan.ID, marie.ID), fmt.Sprintf("mailing:%s:%d", plan.ID, jean.ID)}
	slices.Sort(wantKeys)
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("keys %v, want %v", keys, wantKeys)
	}
}
