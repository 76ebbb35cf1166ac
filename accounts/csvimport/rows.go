package csvimport

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tournee/tournee/accounts"
)

// rows turns the rows of one kind of file into records, checks them, keeps
// the good ones and finally writes them.
type rows interface {
	// checkHeader adds to the report what the header lacks beyond its
	// required columns.
	checkHeader()
	// add checks one row and keeps its record, or adds its problems to the
	// report; it returns only errors that end the import (a store failing).
	add(ctx context.Context, line int, rec []string) error
	// write stores the kept records, batch rows per call.
	write(ctx context.Context, batch int, skip bool, progress func(Progress)) error
}

func newRows(k Kind, svc *accounts.Service, h header, rep *Report) rows {
	b := base{svc: svc, h: h, rep: rep, refs: &refs{svc: svc}}
	switch k {
	case Contacts:
		return &contactRows{base: b}
	case Revenue:
		return &revenueRows{base: b, seen: map[revenueKey]int{}}
	default:
		return &accountRows{base: b, seen: map[string]int{}}
	}
}

// base holds what every kind of row needs: the current row and how to
// report its problems.
type base struct {
	svc  *accounts.Service
	h    header
	rep  *Report
	refs *refs

	line  int
	rec   []string
	first int // index in rep.Problems of the current row's first problem
}

func (b *base) start(line int, rec []string) {
	b.line, b.rec, b.first = line, rec, len(b.rep.Problems)
}

// get returns the trimmed value of field in the current row, "" when the
// file has no such column.
func (b *base) get(field string) string {
	i, ok := b.h.index[field]
	if !ok {
		return ""
	}
	return strings.TrimSpace(b.rec[i])
}

func (b *base) problem(field, format string, args ...any) {
	b.rep.Problems = append(b.rep.Problems, Problem{Line: b.line, Field: field, Message: fmt.Sprintf(format, args...)})
}

// check records err, a parse error of field, if there is one.
func (b *base) check(field string, err error) {
	if err != nil {
		b.problem(field, "%s", err.Error())
	}
}

// ok reports whether the current row has no problem so far.
func (b *base) ok() bool { return len(b.rep.Problems) == b.first }

func (b *base) hasProblem(field string) bool {
	for _, p := range b.rep.Problems[b.first:] {
		if p.Field == field {
			return true
		}
	}
	return false
}

// validated records the field errors of a Validate method, named as the
// file names them, except on fields that already have a problem: a lat
// that is not a number need not also be reported as missing.
func (b *base) validated(err error, rename map[string]string) {
	for _, e := range flatten(err) {
		p := problemFrom(b.line, e, rename)
		if !b.hasProblem(p.Field) {
			b.rep.Problems = append(b.rep.Problems, p)
		}
	}
}

// flatten returns the errors that errors.Join put together.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func problemFrom(line int, err error, rename map[string]string) Problem {
	var fe *accounts.FieldError
	if !errors.As(err, &fe) {
		return Problem{Line: line, Message: err.Error()}
	}
	field := fe.Field
	if f, ok := rename[field]; ok {
		field = f
	}
	return Problem{Line: line, Field: field, Message: fe.Message}
}

// accountRef resolves the account a contact or revenue row refers to, by id
// or by legal id, and returns 0 after reporting a problem when it cannot.
// It also returns the field it used, to name in problems.
func (b *base) accountRef(ctx context.Context) (int64, string, error) {
	if s := b.get("account_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			b.problem("account_id", "account_id must be a positive whole number")
			return 0, "account_id", nil
		}
		found, err := b.refs.account(ctx, id)
		if err != nil {
			return 0, "", err
		}
		if !found {
			b.problem("account_id", "account_id %d does not exist", id)
			return 0, "account_id", nil
		}
		return id, "account_id", nil
	}
	if s := legalID(b.get("account_legal_id")); s != "" {
		id, err := b.refs.byLegalID(ctx, s)
		switch {
		case err != nil:
			return 0, "", err
		case id == 0:
			b.problem("account_legal_id", "no account has the legal_id %s", s)
		case id < 0:
			b.problem("account_legal_id", "several accounts have the legal_id %s; use account_id", s)
		}
		return max(id, 0), "account_legal_id", nil
	}
	field := "account_legal_id"
	if !b.h.has(field) {
		field = "account_id"
	}
	b.problem(field, "%s is required", field)
	return 0, field, nil
}

// checkAccountRef requires one of the columns that name an account.
func (b *base) checkAccountRef() {
	if !b.h.has("account_legal_id") && !b.h.has("account_id") {
		b.rep.Problems = append(b.rep.Problems, Problem{Line: 1, Field: "account_legal_id", Message: "missing required column account_legal_id (siret) or account_id"})
	}
}

// writeBatches stores recs, batch of them per call of put. In Skip mode, a
// batch that the store refuses for its content is retried row by row, so
// that only the rows at fault are left out and reported. Written records
// are cleared, so that the memory they hold can be reused.
func writeBatches[T any](ctx context.Context, rep *Report, recs []T, lines []int, batch int, skip bool, rename map[string]string,
	progress func(Progress), put func(context.Context, []T) error) error {
	total := int64(len(recs))
	progress(Progress{StageWrite, 0, total})
	for i := 0; i < len(recs); i += batch {
		j := min(i+batch, len(recs))
		err := put(ctx, recs[i:j])
		switch {
		case err == nil:
			rep.Created += j - i
		case skip && refused(err):
			for k := i; k < j; k++ {
				if err := put(ctx, recs[k:k+1]); err != nil {
					if !refused(err) {
						return err
					}
					rep.Problems = append(rep.Problems, problemFrom(lines[k], err, rename))
					continue
				}
				rep.Created++
			}
		default:
			if rep.Created > 0 {
				return fmt.Errorf("after writing %d of %d rows: %w", rep.Created, len(recs), err)
			}
			return err
		}
		clear(recs[i:j])
		progress(Progress{StageWrite, int64(j), total})
	}
	return nil
}

// blockSize is how many records a block of chunks holds.
const blockSize = 4096

// chunks collects records in fixed-size blocks: unlike a growing slice, it
// never copies what it holds nor keeps spare capacity, which for 100,000
// accounts would be tens of megabytes.
type chunks[T any] struct {
	blocks [][]T
	n      int
}

func (c *chunks[T]) add(v T) {
	if c.n%blockSize == 0 {
		c.blocks = append(c.blocks, make([]T, 0, blockSize))
	}
	b := &c.blocks[len(c.blocks)-1]
	*b = append(*b, v)
	c.n++
}

// take returns the records in one slice of the exact size, letting go of
// the blocks.
func (c *chunks[T]) take() []T {
	out := make([]T, 0, c.n)
	for i, b := range c.blocks {
		out = append(out, b...)
		c.blocks[i] = nil
	}
	*c = chunks[T]{}
	return out
}

// refused reports whether the store refused a write for what it holds
// rather than for failing.
func refused(err error) bool {
	return errors.Is(err, accounts.ErrInvalid) || errors.Is(err, accounts.ErrConflict)
}

// refs resolves owners' e-mails and accounts, asking the store once for
// each distinct value.
type refs struct {
	svc        *accounts.Service
	owners     map[string]*int64 // e-mail → user id, nil when no user has it
	accountIDs map[int64]bool
	legalIDs   map[string]int64 // legal id → account id, -1 when several accounts have it
}

// owner returns the id of the user with the e-mail, nil when there is none.
// Accounts of one owner share the pointer.
func (r *refs) owner(ctx context.Context, email string) (*int64, error) {
	if id, ok := r.owners[email]; ok {
		return id, nil
	}
	if r.owners == nil {
		r.owners = map[string]*int64{}
	}
	u, err := r.svc.UserByEmail(ctx, email)
	switch {
	case err == nil:
		r.owners[email] = &u.ID
	case !errors.Is(err, accounts.ErrNotFound):
		return nil, err
	default:
		r.owners[email] = nil
	}
	return r.owners[email], nil
}

func (r *refs) account(ctx context.Context, id int64) (bool, error) {
	if found, ok := r.accountIDs[id]; ok {
		return found, nil
	}
	if r.accountIDs == nil {
		r.accountIDs = map[int64]bool{}
	}
	_, err := r.svc.GetAccount(ctx, id)
	if err != nil && !errors.Is(err, accounts.ErrNotFound) {
		return false, err
	}
	r.accountIDs[id] = err == nil
	return err == nil, nil
}

// listPage is how many accounts byLegalID reads per query.
const listPage = 1000

// byLegalID returns the id of the account with the legal id, 0 when there
// is none and -1 when there are several. The Store has no lookup by legal
// id, so the first call reads the legal ids of every account once.
func (r *refs) byLegalID(ctx context.Context, lid string) (int64, error) {
	if r.legalIDs == nil {
		m := map[string]int64{}
		var after int64
		for {
			page, err := r.svc.ListAccounts(ctx, accounts.AccountFilter{Page: accounts.Page{After: after, Limit: listPage}})
			if err != nil {
				return 0, err
			}
			if len(page) == 0 || page[len(page)-1].ID <= after {
				break
			}
			for _, a := range page {
				l := legalID(a.LegalID)
				if l == "" {
					continue
				}
				if _, dup := m[l]; dup {
					m[l] = -1
				} else {
					m[l] = a.ID
				}
			}
			after = page[len(page)-1].ID
		}
		r.legalIDs = m
	}
	return r.legalIDs[lid], nil
}
