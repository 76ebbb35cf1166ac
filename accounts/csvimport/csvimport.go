// Package csvimport reads accounts, contacts and monthly revenue from the CSV
// files that spreadsheets and ERPs export, and writes them through the
// accounts.Service.
//
// Files may be UTF-8 (with or without byte-order mark) or Windows-1252, with
// ';', ',' or tab between fields; both are detected unless forced. Header
// names are matched without regard to case, accents or punctuation, in French
// or English ("Code postal", "postal_code", "CP"). Unknown columns are
// reported as warnings; a missing required column is an error naming it.
// Values are read as French spreadsheets write them too: "30 000,50" euros,
// "45,764" degrees, dates dd/mm/yyyy, months MM/YYYY; an account without a
// kind is a prospect.
//
// Every row is parsed and checked (field values, Validate, owners' e-mails,
// accounts referred to, duplicates within the file) before anything is
// written, so that a file with a bad row, a broken quote or a missing column
// writes nothing. In AllOrNothing mode the rows are then written by a single
// bulk call, which stores run in one transaction: an import is never half
// done, even if the disk fills up. In Skip mode bad rows are left out and the
// good ones are written in batches, each its own transaction.
//
// Rows are streamed from the file; what is held in memory is the records to
// write, about 600 bytes per account.
package csvimport

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tournee/tournee/accounts"
)

// Kind is what a file holds.
type Kind string

const (
	Accounts Kind = "accounts"
	Contacts Kind = "contacts"
	Revenue  Kind = "revenue"
)

// Mode says what happens to the good rows of a file that has bad ones.
type Mode string

const (
	// AllOrNothing writes nothing when any row is bad.
	AllOrNothing Mode = "all-or-nothing"
	// Skip writes the good rows and reports the bad ones.
	Skip Mode = "skip"
)

// DefaultBatchSize is how many rows Skip mode writes per transaction.
const DefaultBatchSize = 5000

// Options control an import. The zero value of each field but Kind is a
// usable default.
type Options struct {
	Kind Kind
	// Encoding is "" to detect, or one of UTF8, Windows1252, ISO88591,
	// ISO885915 (aliases such as "cp1252" and "latin1" are accepted).
	Encoding string
	// Sep is the field separator, 0 to detect from the header line.
	Sep       rune
	Mode      Mode // AllOrNothing when empty
	DryRun    bool // check everything, write nothing
	BatchSize int  // rows per write in Skip mode; DefaultBatchSize when 0
	// Progress, when set, is called now and then while the file is read
	// and while rows are written.
	Progress func(Progress)
}

// Stage is a step of an import.
type Stage string

const (
	StageRead  Stage = "read"  // Done and Total count bytes of the file
	StageWrite Stage = "write" // Done and Total count rows
)

// Progress tells how far an import has gone. Total is -1 when the size of
// the file is not known (it is read from a pipe).
type Progress struct {
	Stage       Stage
	Done, Total int64
}

// Problem is what is wrong with one row (or, on line 1, with the header).
type Problem struct {
	Line    int    // line of the file where the row starts; the header is line 1
	Field   string // canonical field name ("lat", "owner_email"), empty for the whole row
	Message string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Message) }

// Report says what an import did, or, in a dry run, would do.
type Report struct {
	Kind     Kind
	Encoding string // as read: UTF8, Windows1252...
	Sep      rune
	Rows     int // data rows read, blank rows aside
	Valid    int // rows that passed every check
	Created  int // records written (0 in a dry run)
	Skipped  int // bad rows left out in Skip mode
	Problems []Problem
	Warnings []string
	DryRun   bool
}

// BadRows returns how many distinct rows have problems.
func (r Report) BadRows() int {
	n, last := 0, -1
	for _, p := range r.Problems {
		if p.Line != last {
			n++
			last = p.Line
		}
	}
	return n
}

// Import reads a CSV file of o.Kind from r and writes its rows through svc.
// It returns an error, wrapping accounts.ErrInvalid, when the file cannot be
// read as a whole (missing column, broken quoting) or, in AllOrNothing mode,
// when any row has a problem; the report then lists the problems and nothing
// has been written. A store error while writing is returned as is; in Skip
// mode, Report.Created tells how many rows were written before it.
func Import(ctx context.Context, svc *accounts.Service, r io.Reader, o Options) (Report, error) {
	rep := Report{Kind: o.Kind, DryRun: o.DryRun}
	if o.Mode == "" {
		o.Mode = AllOrNothing
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	enc, ok := encodingNames[strings.ToLower(o.Encoding)]
	switch {
	case !ok:
		return rep, fmt.Errorf("%w: unknown encoding %q (use utf-8, windows-1252, iso-8859-1 or iso-8859-15)", accounts.ErrInvalid, o.Encoding)
	case o.Mode != AllOrNothing && o.Mode != Skip:
		return rep, fmt.Errorf("%w: mode must be %s or %s", accounts.ErrInvalid, AllOrNothing, Skip)
	case schemas[o.Kind] == nil:
		return rep, fmt.Errorf("%w: unknown kind of file %q (use accounts, contacts or revenue)", accounts.ErrInvalid, o.Kind)
	}
	if err := checkSep(o.Sep); err != nil {
		return rep, err
	}
	progress := func(Progress) {}
	if o.Progress != nil {
		progress = o.Progress
	}

	in, err := open(r, enc)
	if err != nil {
		return rep, err
	}
	rep.Encoding = in.encoding
	rep.Sep = o.Sep
	if rep.Sep == 0 {
		rep.Sep = sniffSep(in.text)
	}
	cr := csv.NewReader(in.text)
	cr.Comma = rep.Sep
	cr.FieldsPerRecord = -1 // rows are checked against the header below, to report them all
	cr.ReuseRecord = true   // one slice for every row: memory does not grow with the file

	names, err := cr.Read()
	if err == io.EOF {
		return rep, fmt.Errorf("%w: the file is empty", accounts.ErrInvalid)
	}
	if err != nil {
		return rep, readError(&rep, cr, err)
	}
	names = slices.Clone(names)
	h, probs, warns := mapHeader(names, schemas[o.Kind])
	rep.Warnings = warns
	rep.Problems = probs
	rows := newRows(o.Kind, svc, h, &rep)
	rows.checkHeader()
	if len(rep.Problems) > 0 {
		return rep, fmt.Errorf("%w: the header line does not fit a file of %s", accounts.ErrInvalid, o.Kind)
	}

	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if pe := (*csv.ParseError)(nil); errors.As(err, &pe) && errors.Is(err, csv.ErrBareQuote) {
			// The row is lost but the next one starts on the next line.
			rep.Rows++
			rep.Problems = append(rep.Problems, Problem{Line: pe.StartLine, Message: fmt.Sprintf(`a " appears inside a field not enclosed in quotes (column %d); enclose the field in quotes and double the " inside it`, pe.Column)})
			continue
		} else if err != nil {
			rep.Rows++
			return rep, readError(&rep, cr, err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue // spreadsheets leave rows of bare separators at the end
		}
		rep.Rows++
		if rep.Rows%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			progress(Progress{StageRead, in.read.n, in.size})
		}
		if len(rec) != len(names) {
			rep.Problems = append(rep.Problems, Problem{Line: line, Message: fmt.Sprintf("the row has %d fields, the header has %d", len(rec), len(names))})
			continue
		}
		if p := invalidUTF8(line, rec, h); p != nil {
			rep.Problems = append(rep.Problems, *p)
			continue
		}
		n := len(rep.Problems)
		if err := rows.add(ctx, line, rec); err != nil {
			return rep, err
		}
		if len(rep.Problems) == n {
			rep.Valid++
		}
	}
	progress(Progress{StageRead, in.read.n, in.size})

	bad := rep.BadRows()
	if o.Mode == AllOrNothing && bad > 0 {
		return rep, fmt.Errorf("%w: %d of %d rows have problems; nothing was written", accounts.ErrInvalid, bad, rep.Rows)
	}
	rep.Skipped = bad
	if o.DryRun || rep.Valid == 0 {
		return rep, nil
	}
	// All or nothing is one call, hence one transaction: batches committed
	// one by one could not be undone if a later one failed.
	batch := rep.Valid
	if o.Mode == Skip {
		batch = o.BatchSize
	}
	err = rows.write(ctx, batch, o.Mode == Skip, progress)
	// Rows the store refused were reported after the others.
	slices.SortStableFunc(rep.Problems, func(a, b Problem) int { return a.Line - b.Line })
	rep.Skipped = rep.BadRows()
	return rep, err
}

// readError turns an error of the CSV reader into a problem on the report
// and an error that ends the import: after broken quoting the reader cannot
// tell where the next row starts.
func readError(rep *Report, cr *csv.Reader, err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) || !errors.Is(err, csv.ErrQuote) {
		return err
	}
	// The reader says ErrQuote for both mistakes; an unclosed quote is the
	// one that swallows the rest of the file.
	msg := "a quoted field has text after its closing quote; a \" inside a quoted field must be doubled"
	if _, next := cr.Read(); next == io.EOF {
		msg = "a quoted field is never closed, or has text after its closing quote"
		if pe.Line > pe.StartLine {
			msg = "a quoted field is never closed"
		}
	}
	rep.Problems = append(rep.Problems, Problem{Line: pe.StartLine, Message: msg})
	return fmt.Errorf("%w: line %d: %s; nothing was written", accounts.ErrInvalid, pe.StartLine, msg)
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// invalidUTF8 reports the first known field of rec that is not valid UTF-8,
// which happens when a Windows-1252 file is forced, or detected by its
// byte-order mark, as UTF-8.
func invalidUTF8(line int, rec []string, h header) *Problem {
	for f, i := range h.index {
		if !utf8.ValidString(rec[i]) {
			return &Problem{Line: line, Field: f, Message: fmt.Sprintf("%s is not valid UTF-8; if the file comes from Excel, try the encoding windows-1252", f)}
		}
	}
	return nil
}
