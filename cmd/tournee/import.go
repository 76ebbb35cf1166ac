package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/csvimport"
)

const importUsage = `usage: tournee import accounts|contacts|revenue FILE.csv [flags]

Reads a CSV file (UTF-8 or Windows-1252, ';' or ',' separated, detected) and
creates the accounts or contacts, or stores the monthly revenue, it holds.
Every row is checked before anything is written. FILE - reads standard input.

flags (before or after the arguments):`

// importMemoryLimit is the soft limit of the Go heap during an import.
const importMemoryLimit = 256 << 20

// maxPrinted is how many problems are printed; --report writes them all.
const maxPrinted = 100

// runImport is 'tournee import'.
func runImport(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tournee import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.flags(fs)
	dryRun := fs.Bool("dry-run", false, "check every row and report, but write nothing")
	mode := fs.String("mode", string(csvimport.AllOrNothing), "all-or-nothing: any bad row and nothing is written; skip: write the good rows, report the bad ones")
	enc := fs.String("encoding", "auto", "auto, utf-8, windows-1252, iso-8859-1 or iso-8859-15")
	sepFlag := fs.String("sep", "auto", `field separator: auto, ";", ",", "|" or tab`)
	reportPath := fs.String("report", "", "write the problems found to this CSV `file` (line, field, message)")
	batch := fs.Int("batch", csvimport.DefaultBatchSize, "rows per transaction in skip mode")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), importUsage)
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errors.New("import needs what the file holds (accounts, contacts or revenue) and the file")
	}
	kind, path := csvimport.Kind(pos[0]), pos[1]
	sep, err := parseSep(*sepFlag)
	if err != nil {
		return err
	}
	st, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := accounts.NewService(st)

	if os.Getenv("GOMEMLIMIT") == "" {
		// All or nothing holds every record until the one transaction that
		// writes them; with the default GC pacing the heap may grow to
		// twice that. A soft limit makes the GC work harder instead, so
		// that 100,000 accounts fit in well under 300 MB; larger files
		// still import, with more GC work.
		debug.SetMemoryLimit(importMemoryLimit)
	}
	var in io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	bar := newProgress(stderr)
	start := time.Now()
	rep, err := csvimport.Import(ctx, svc, in, csvimport.Options{
		Kind:      kind,
		Encoding:  strings.TrimPrefix(*enc, "auto"),
		Sep:       sep,
		Mode:      csvimport.Mode(*mode),
		DryRun:    *dryRun,
		BatchSize: *batch,
		Progress:  bar.update,
	})
	bar.finish()
	took := time.Since(start).Round(time.Millisecond)

	for _, w := range rep.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	for i, p := range rep.Problems {
		if i == maxPrinted {
			fmt.Fprintf(stderr, "... and %d more problems", len(rep.Problems)-maxPrinted)
			if *reportPath == "" {
				fmt.Fprint(stderr, "; --report FILE writes them all")
			}
			fmt.Fprintln(stderr)
			break
		}
		fmt.Fprintln(stderr, p)
	}
	if *reportPath != "" {
		if werr := writeProblems(*reportPath, rep); werr != nil {
			return errors.Join(err, werr)
		}
	}
	if rep.Encoding != "" {
		printSummary(stdout, rep, err, took)
	}
	return err
}

// parseInterleaved parses fs from args, where flags may come before, between
// or after the positional arguments, and returns the positional arguments.
// The standard flag package stops at the first of them.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil // "--" ends the flags for good
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

func parseSep(s string) (rune, error) {
	switch s {
	case "auto", "":
		return 0, nil
	case "tab", `\t`, "\t":
		return '\t', nil
	case ";", ",", "|":
		return rune(s[0]), nil
	}
	return 0, fmt.Errorf(`--sep must be auto, ";", ",", "|" or tab, not %q`, s)
}

// nouns name what each kind of file creates, for the summary.
var nouns = map[csvimport.Kind]string{csvimport.Accounts: "accounts", csvimport.Contacts: "contacts", csvimport.Revenue: "months of revenue"}

func printSummary(w io.Writer, rep csvimport.Report, err error, took time.Duration) {
	sep := strconv.QuoteRune(rep.Sep)
	if rep.Sep == '\t' {
		sep = "tab"
	}
	fmt.Fprintf(w, "%s: %d rows read (%s, separator %s): %d valid, %d with problems\n",
		rep.Kind, rep.Rows, rep.Encoding, sep, rep.Valid, rep.BadRows())
	skipped := ""
	switch rep.Skipped {
	case 0:
	case 1:
		skipped = ", 1 bad row skipped"
	default:
		skipped = fmt.Sprintf(", %d bad rows skipped", rep.Skipped)
	}
	switch {
	case err != nil && rep.DryRun:
		fmt.Fprintln(w, "dry run: nothing would be written; fix the problems, or use --mode skip to leave those rows out")
	case err != nil && rep.Created > 0:
		fmt.Fprintf(w, "%d %s were written before the error\n", rep.Created, nouns[rep.Kind])
	case err != nil:
		fmt.Fprintln(w, "nothing was written")
	case rep.DryRun:
		fmt.Fprintf(w, "dry run: %d %s would be written%s\n", rep.Valid, nouns[rep.Kind], skipped)
	default:
		fmt.Fprintf(w, "%d %s written in %s%s\n", rep.Created, nouns[rep.Kind], took, skipped)
	}
}

// writeProblems writes the report's problems as CSV, with the separator of
// the file imported and a byte-order mark, so that Excel opens it as the
// user's own file.
func writeProblems(path string, rep csvimport.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if rep.Sep != 0 {
		w.Comma = rep.Sep
	}
	f.WriteString("\ufeff")
	w.Write([]string{"line", "field", "message"})
	for _, p := range rep.Problems {
		w.Write([]string{strconv.Itoa(p.Line), p.Field, p.Message})
	}
	w.Flush()
	return errors.Join(w.Error(), f.Close())
}

// progress draws a bar on stderr while the file is read, then another
// while rows are written, when stderr is a terminal: in a log file the
// redrawn bars would only be noise.
type progress struct {
	w     io.Writer
	stage csvimport.Stage
	bar   *progressbar.ProgressBar
}

func newProgress(stderr io.Writer) *progress {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &progress{}
	}
	return &progress{w: stderr}
}

func (p *progress) update(u csvimport.Progress) {
	if p.w == nil {
		return
	}
	if u.Stage != p.stage {
		p.finish()
		p.stage = u.Stage
		opts := []progressbar.Option{
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionThrottle(100 * time.Millisecond),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
		}
		if u.Stage == csvimport.StageRead {
			opts = append(opts, progressbar.OptionSetDescription("reading"), progressbar.OptionShowBytes(true))
		} else {
			opts = append(opts, progressbar.OptionSetDescription("writing"), progressbar.OptionShowCount())
		}
		p.bar = progressbar.NewOptions64(u.Total, opts...)
	}
	p.bar.Set64(u.Done)
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
