package accounts

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode/utf8"
)

// A mailing is one e-mail per contact of a list of accounts (the answer of
// a search), written from a subject and a body template with each
// account's fields, and handed to the outbox in one transaction: all of it
// or none. Each delivery's key, "mailing:<id>:<contact id>", makes its
// resends harmless like an alert's.

// Limits of a mailing: a campaign to a region's clients fits, a mailing
// to the whole base is a job for a dedicated tool.
const (
	MaxMailingAccounts = 2000
	MaxMailingMessages = 5000
	// MailingPreview is how many messages a dry run shows.
	MailingPreview = 5

	maxSubjectTemplate = 1000
	maxBodyTemplate    = 50_000
	maxMailSubject     = 300     // characters, once rendered
	maxMailBody        = 200_000 // bytes, once rendered
)

// MailingStore enqueues deliveries on their own, outside any other write.
// Stores implement it; Store embeds it.
type MailingStore interface {
	// EnqueueDeliveries validates ds and enqueues them, due at once, all or
	// none in one transaction; a key already in the outbox is skipped. It
	// returns how many it added.
	EnqueueDeliveries(ctx context.Context, ds []Delivery) (int, error)
}

// Mailing is what to send to the contacts of a list of accounts.
type Mailing struct {
	// Subject and Body are text/template templates over MailFields, such
	// as "Bonjour {{.Contact.FirstName}}," or "{{.Account.City}}".
	Subject string
	Body    string
	// Role, when set, keeps the contacts whose title is that role (case
	// ignored); otherwise every contact with an e-mail address gets one.
	Role string
	// SenderID is the user who sends it, for {{.Sender.Name}}.
	SenderID int64
}

// MailFields is what a mailing template sees of each message.
type MailFields struct {
	Account MailAccount
	Contact MailContact
	Owner   MailPerson // the account's owner; empty when it has none
	Sender  MailPerson // the user sending the mailing
}

// MailAccount is the account a message is about.
type MailAccount struct {
	ID                                int64
	Name, Kind, LegalID, Segment      string
	Street, PostalCode, City, Country string
}

// MailContact is the contact a message goes to. FirstName is the first
// word of the name, LastName the rest.
type MailContact struct {
	ID                                             int64
	Name, FirstName, LastName, Title, Email, Phone string
}

// MailPerson is a user as a template sees them.
type MailPerson struct {
	Name, Email string
}

// MailMessage is one rendered message.
type MailMessage struct {
	AccountID int64  `json:"account_id"`
	ContactID int64  `json:"contact_id"`
	To        string `json:"to"`
	Subject   string `json:"subject"`
	Body      string `json:"body"`
}

// MailingPlan is a mailing resolved and rendered, ready to be sent.
type MailingPlan struct {
	// ID names the mailing in its deliveries' keys.
	ID string
	// Accounts counts the accounts of the list, Reached those with at
	// least one recipient.
	Accounts, Reached int
	// Skipped counts the contacts left out for an e-mail address that
	// cannot be sent to.
	Skipped  int
	Messages []MailMessage
}

// mailTemplates are a mailing's parsed templates.
type mailTemplates struct{ subject, body *template.Template }

// Validate parses m's templates and runs them on empty fields, so that a
// syntax error or an unknown field ({{.Account.Nmae}}) is a 400 naming
// subject or body before any list is read.
func (m Mailing) Validate() error {
	_, err := m.templates()
	return err
}

func (m Mailing) templates() (mailTemplates, error) {
	subject, err1 := mailTemplate("subject", m.Subject, maxSubjectTemplate)
	body, err2 := mailTemplate("body", m.Body, maxBodyTemplate)
	if err := errors.Join(err1, err2); err != nil {
		return mailTemplates{}, err
	}
	return mailTemplates{subject, body}, nil
}

// mailTemplate parses the template of field. Loops and nested templates
// are refused: a mailing's data has nothing to loop over, and without them
// a template's cost is bounded by its length.
func mailTemplate(field, text string, maxLen int) (*template.Template, error) {
	switch {
	case strings.TrimSpace(text) == "":
		return nil, invalid(field, "%s is required", field)
	case len(text) > maxLen:
		return nil, invalid(field, "%s must be at most %d characters", field, maxLen)
	case !utf8.ValidString(text):
		return nil, invalid(field, "%s must be UTF-8 text", field)
	}
	t, err := template.New(field).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, invalid(field, "%s: %s", field, strings.TrimPrefix(err.Error(), "template: "))
	}
	if len(t.Templates()) > 1 {
		return nil, invalid(field, "%s: define, block and template are not supported", field)
	}
	if err := plainNodes(field, t.Root); err != nil {
		return nil, err
	}
	if _, err := render(t, MailFields{}, maxMailBody); err != nil {
		return nil, invalid(field, "%s: %s", field, strings.TrimPrefix(err.Error(), "template: "))
	}
	return t, nil
}

// plainNodes refuses the nodes a mailing template may not hold.
func plainNodes(field string, n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := plainNodes(field, c); err != nil {
				return err
			}
		}
	case *parse.IfNode:
		return errors.Join(plainNodes(field, n.List), plainNodes(field, n.ElseList))
	case *parse.WithNode:
		return errors.Join(plainNodes(field, n.List), plainNodes(field, n.ElseList))
	case *parse.TextNode, *parse.ActionNode, *parse.CommentNode:
	default:
		what := map[parse.NodeType]string{parse.NodeRange: "range", parse.NodeTemplate: "template",
			parse.NodeBreak: "break", parse.NodeContinue: "continue"}[n.Type()]
		return invalid(field, "%s: %s is not supported (fields, if, with and functions such as printf are)", field, cmp.Or(what, "this action"))
	}
	return nil
}

// errTooLong stops a template whose output passes its limit.
var errTooLong = errors.New("output too long")

// capped is a writer that fails past max bytes.
type capped struct {
	b   strings.Builder
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if c.b.Len()+len(p) > c.max {
		return 0, errTooLong
	}
	return c.b.Write(p)
}

// render runs t on f, failing when the output passes max bytes.
func render(t *template.Template, f MailFields, max int) (string, error) {
	w := &capped{max: max}
	if err := t.Execute(w, f); err != nil {
		if errors.Is(err, errTooLong) {
			return "", fmt.Errorf("the text is longer than %d bytes", max)
		}
		return "", err
	}
	return w.b.String(), nil
}

// PlanMailing resolves m for the accounts of accountIDs (in that order,
// already narrowed to what the sender may see) and renders every message,
// writing nothing. It fails with ErrTooMany past MaxMailingAccounts
// accounts or MaxMailingMessages messages, and with ErrInvalid naming
// subject or body when a message cannot be rendered.
func (s *Service) PlanMailing(ctx context.Context, m Mailing, accountIDs []int64) (MailingPlan, error) {
	tpl, err := m.templates()
	if err != nil {
		return MailingPlan{}, err
	}
	if len(accountIDs) > MaxMailingAccounts {
		return MailingPlan{}, fmt.Errorf("%w: the list holds %d accounts, a mailing reaches at most %d: narrow the search",
			ErrTooMany, len(accountIDs), MaxMailingAccounts)
	}
	id, err := newMailingID()
	if err != nil {
		return MailingPlan{}, err
	}
	plan := MailingPlan{ID: id, Messages: []MailMessage{}}
	people := map[int64]MailPerson{}
	person := func(id int64) (MailPerson, error) {
		if p, ok := people[id]; ok || id == 0 {
			return p, nil
		}
		u, err := s.GetUser(ctx, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return MailPerson{}, err
		}
		people[id] = MailPerson{Name: u.Name, Email: u.Email}
		return people[id], nil
	}
	var f MailFields
	if f.Sender, err = person(m.SenderID); err != nil {
		return MailingPlan{}, err
	}
	role := strings.TrimSpace(m.Role)
	for from := 0; from < len(accountIDs); from += MaxAccountsByID {
		as, err := s.AccountsByID(ctx, accountIDs[from:min(from+MaxAccountsByID, len(accountIDs))])
		if err != nil {
			return MailingPlan{}, err
		}
		for _, a := range as {
			plan.Accounts++
			f.Account = mailAccount(a)
			f.Owner = MailPerson{}
			if a.OwnerID != nil {
				if f.Owner, err = person(*a.OwnerID); err != nil {
					return MailingPlan{}, err
				}
			}
			contacts, err := s.allContacts(ctx, a.ID)
			if err != nil {
				return MailingPlan{}, err
			}
			seen := map[string]bool{}
			reached := false
			for _, c := range contacts {
				if c.Email == "" || role != "" && !strings.EqualFold(strings.TrimSpace(c.Title), role) {
					continue
				}
				addr, err := mail.ParseAddress(c.Email)
				if err != nil {
					plan.Skipped++
					continue
				}
				if seen[strings.ToLower(addr.Address)] {
					continue // one message per address and account
				}
				seen[strings.ToLower(addr.Address)] = true
				f.Contact = mailContact(c, addr.Address)
				msg, err := tpl.message(f)
				if err != nil {
					return MailingPlan{}, err
				}
				if len(plan.Messages) == MaxMailingMessages {
					return MailingPlan{}, fmt.Errorf("%w: the list has more than %d recipients, a mailing sends at most %d: narrow the search or pick a role",
						ErrTooMany, MaxMailingMessages, MaxMailingMessages)
				}
				plan.Messages = append(plan.Messages, msg)
				reached = true
			}
			if reached {
				plan.Reached++
			}
		}
	}
	return plan, nil
}

// message renders the message of f.
func (t mailTemplates) message(f MailFields) (MailMessage, error) {
	where := fmt.Sprintf("for contact %d of account %d", f.Contact.ID, f.Account.ID)
	subject, err := render(t.subject, f, maxMailBody)
	if err != nil {
		return MailMessage{}, invalid("subject", "subject %s: %s", where, strings.TrimPrefix(err.Error(), "template: "))
	}
	// A subject is one line: line breaks a template leaves become spaces.
	subject = strings.Join(strings.Fields(subject), " ")
	switch {
	case subject == "":
		return MailMessage{}, invalid("subject", "subject %s is empty", where)
	case utf8.RuneCountInString(subject) > maxMailSubject:
		return MailMessage{}, invalid("subject", "subject %s is longer than %d characters", where, maxMailSubject)
	}
	body, err := render(t.body, f, maxMailBody)
	if err != nil {
		return MailMessage{}, invalid("body", "body %s: %s", where, strings.TrimPrefix(err.Error(), "template: "))
	}
	return MailMessage{AccountID: f.Account.ID, ContactID: f.Contact.ID, To: f.Contact.Email, Subject: subject, Body: body}, nil
}

// allContacts reads every contact of account id.
func (s *Service) allContacts(ctx context.Context, id int64) ([]Contact, error) {
	f := ContactFilter{AccountID: id, Page: Page{Limit: 1000}}
	var out []Contact
	for {
		cs, err := s.ListContacts(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
		if len(cs) < f.Limit {
			return out, nil
		}
		f.After = cs[len(cs)-1].ID
	}
}

func mailAccount(a Account) MailAccount {
	return MailAccount{ID: a.ID, Name: a.Name, Kind: string(a.Kind), LegalID: a.LegalID, Segment: a.Segment,
		Street: a.Address.Street, PostalCode: a.Address.PostalCode, City: a.Address.City, Country: a.Address.Country}
}

func mailContact(c Contact, addr string) MailContact {
	name := strings.TrimSpace(c.Name)
	first, last, _ := strings.Cut(name, " ")
	return MailContact{ID: c.ID, Name: name, FirstName: first, LastName: strings.TrimSpace(last), Title: c.Title,
		Email: addr, Phone: c.Phone}
}

// newMailingID is a random name for a mailing: two mailings of the same
// text to the same list are two mailings, and their keys must differ.
func newMailingID() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// SendMailing hands every message of p to the outbox, all or none, and
// returns how many deliveries it added. E-mail must be configured.
func (s *Service) SendMailing(ctx context.Context, p MailingPlan) (int, error) {
	if s.Rules == nil || !s.Rules.Email {
		return 0, fmt.Errorf("%w: e-mail is not configured on this server (TOURNEE_SMTP_HOST)", ErrConflict)
	}
	ds := make([]Delivery, len(p.Messages))
	for i, m := range p.Messages {
		ds[i] = Delivery{
			Key:       fmt.Sprintf("mailing:%s:%d", p.ID, m.ContactID),
			Channel:   ChannelEmail,
			Recipient: m.To,
			Subject:   m.Subject,
			Body:      m.Body,
		}
	}
	if err := ValidateDeliveries(ds); err != nil {
		return 0, err
	}
	n, err := s.EnqueueDeliveries(ctx, ds)
	if err == nil && n > 0 && s.Rules.Wake != nil {
		s.Rules.Wake()
	}
	return n, err
}
