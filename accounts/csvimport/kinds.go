package csvimport

import (
	"context"

	"github.com/tournee/tournee/accounts"
)

// accountRename names the fields of accounts.Account.Validate as the file
// names them.
var accountRename = map[string]string{
	"potential_cents":      "potential",
	"visit_duration_s":     "visit_duration_min",
	"qualification.size":   "size",
	"qualification.sector": "sector",
	"owner_id":             "owner_email",
	"address":              "street",
}

type accountRows struct {
	base
	recs  chunks[accounts.Account]
	lines []int
	seen  map[string]int // legal id → line where the file first has it
}

func (a *accountRows) checkHeader() {
	if !a.h.has("kind") {
		a.rep.Warnings = append(a.rep.Warnings, "no kind column: every account is imported as a prospect")
	}
}

func (a *accountRows) add(ctx context.Context, line int, rec []string) error {
	a.start(line, rec)
	acc := accounts.Account{
		Kind:    accounts.KindProspect,
		Name:    a.get("name"),
		LegalID: legalID(a.get("legal_id")),
		Address: accounts.Address{
			Street:     a.get("street"),
			PostalCode: a.get("postal_code"),
			City:       a.get("city"),
			Country:    a.get("country"),
		},
		Segment:       a.get("segment"),
		Tags:          splitTags(a.get("tags")),
		Qualification: accounts.Qualification{Size: a.get("size"), Sector: a.get("sector")},
	}
	var err error
	if s := a.get("kind"); s != "" {
		acc.Kind, err = parseKind(s)
		a.check("kind", err)
	}
	acc.Lat = a.degrees("lat", 90)
	acc.Lng = a.degrees("lng", 180)
	if s := a.get("potential"); s != "" {
		acc.PotentialCents, err = parseEuros("potential", s)
		a.check("potential", err)
		if acc.PotentialCents < 0 {
			a.problem("potential", "potential must not be negative")
		}
	}
	if s := a.get("visit_duration_min"); s != "" {
		acc.VisitDuration, err = parseMinutes("visit_duration_min", s)
		a.check("visit_duration_min", err)
	}
	if s := a.get("owner_email"); s != "" {
		acc.OwnerID, err = a.refs.owner(ctx, s)
		if err != nil {
			return err
		}
		if acc.OwnerID == nil {
			a.problem("owner_email", "owner_email %s is not the e-mail of any user", s)
		}
	}
	if acc.LegalID != "" {
		if l, dup := a.seen[acc.LegalID]; dup {
			a.problem("legal_id", "legal_id %s is already on line %d", acc.LegalID, l)
		} else {
			a.seen[acc.LegalID] = line
			id, err := a.refs.byLegalID(ctx, acc.LegalID)
			if err != nil {
				return err
			}
			if id != 0 {
				a.problem("legal_id", "an account with legal_id %s already exists", acc.LegalID)
			}
		}
	}
	a.validated(acc.Validate(), accountRename)
	if a.ok() {
		a.recs.add(acc)
		a.lines = append(a.lines, line)
	}
	return nil
}

// degrees reads a required coordinate and checks its range here, so that a
// bad lng is reported as lng (Validate reports both under "lat").
func (a *accountRows) degrees(field string, limit float64) float64 {
	s := a.get(field)
	if s == "" {
		a.problem(field, "%s is required", field)
		return 0
	}
	v, err := parseDegrees(field, s)
	if err != nil {
		a.check(field, err)
		return 0
	}
	if v < -limit || v > limit {
		a.problem(field, "%s must be between %g and %g", field, -limit, limit)
		return 0
	}
	return v
}

func (a *accountRows) write(ctx context.Context, batch int, skip bool, progress func(Progress)) error {
	a.seen, a.refs = nil, nil // done with: let the store have the memory
	return writeBatches(ctx, a.rep, a.recs.take(), a.lines, batch, skip, accountRename, progress,
		func(ctx context.Context, as []accounts.Account) error {
			_, err := a.svc.CreateAccounts(ctx, as)
			return err
		})
}

// contactRename and revenueRename name the fields of Validate as the file
// names them, by the column that gave the account.
var (
	contactRename = map[string]map[string]string{
		"account_id":       {"dates.date": "retirement", "dates.label": "retirement"},
		"account_legal_id": {"account_id": "account_legal_id", "dates.date": "retirement", "dates.label": "retirement"},
	}
	revenueRename = map[string]map[string]string{
		"account_legal_id": {"account_id": "account_legal_id"},
	}
)

// retirementLabel is the KeyDate label of a contact's retirement date.
const retirementLabel = "retirement"

type contactRows struct {
	base
	recs  chunks[accounts.Contact]
	lines []int
}

func (c *contactRows) checkHeader() { c.checkAccountRef() }

func (c *contactRows) add(ctx context.Context, line int, rec []string) error {
	c.start(line, rec)
	id, ref, err := c.accountRef(ctx)
	if err != nil {
		return err
	}
	con := accounts.Contact{
		AccountID: id,
		Name:      joinName(c.get("first_name"), c.get("name")),
		Title:     c.get("title"),
		Email:     c.get("email"),
		Phone:     c.get("phone"),
		Notes:     c.get("notes"),
	}
	if s := c.get("retirement"); s != "" {
		d, err := parseDate("retirement", s)
		c.check("retirement", err)
		con.Dates = []accounts.KeyDate{{Label: retirementLabel, Date: d}}
	}
	c.validated(con.Validate(), contactRename[ref])
	if c.ok() {
		c.recs.add(con)
		c.lines = append(c.lines, line)
	}
	return nil
}

// joinName puts a first name column, when the file splits names, in front
// of the name.
func joinName(first, name string) string {
	switch {
	case first == "":
		return name
	case name == "":
		return first
	}
	return first + " " + name
}

func (c *contactRows) write(ctx context.Context, batch int, skip bool, progress func(Progress)) error {
	return writeBatches(ctx, c.rep, c.recs.take(), c.lines, batch, skip, nil, progress,
		func(ctx context.Context, cs []accounts.Contact) error {
			_, err := c.svc.CreateContacts(ctx, cs)
			return err
		})
}

type revenueKey struct {
	account int64
	month   accounts.Month
}

type revenueRows struct {
	base
	recs  chunks[accounts.Revenue]
	lines []int
	seen  map[revenueKey]int // line where the file first has the month of an account
}

func (r *revenueRows) checkHeader() { r.checkAccountRef() }

func (r *revenueRows) add(ctx context.Context, line int, rec []string) error {
	r.start(line, rec)
	id, ref, err := r.accountRef(ctx)
	if err != nil {
		return err
	}
	rev := accounts.Revenue{AccountID: id}
	if s := r.get("month"); s == "" {
		r.problem("month", "month is required")
	} else {
		rev.Month, err = parseMonth("month", s)
		r.check("month", err)
	}
	if s := r.get("amount"); s == "" {
		r.problem("amount", "amount is required")
	} else {
		// A credit note can make a month negative, so the sign is kept.
		rev.AmountCents, err = parseEuros("amount", s)
		r.check("amount", err)
	}
	if r.ok() {
		// PutRevenue replaces a month; twice in one file is a mistake.
		k := revenueKey{id, rev.Month}
		if l, dup := r.seen[k]; dup {
			r.problem("month", "the revenue of this account for %s is already on line %d", rev.Month, l)
		} else {
			r.seen[k] = line
		}
	}
	r.validated(rev.Validate(), revenueRename[ref])
	if r.ok() {
		r.recs.add(rev)
		r.lines = append(r.lines, line)
	}
	return nil
}

func (r *revenueRows) write(ctx context.Context, batch int, skip bool, progress func(Progress)) error {
	r.seen, r.refs = nil, nil // done with: let the store have the memory
	return writeBatches(ctx, r.rep, r.recs.take(), r.lines, batch, skip, nil, progress, r.svc.PutRevenue)
}
