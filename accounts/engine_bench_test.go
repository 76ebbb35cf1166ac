package accounts_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/sqlite"
)

// BenchmarkEvaluateRules is the daily run end to end: EvaluateRules(ctx,
// nil) with the twenty bench rules over generated accounts in a real SQLite
// store, each with 24 months of revenue, some contacts (a fifth with a key
// date) and an opportunity for one in ten. Seeding takes minutes, so it runs
// only with TOURNEE_RULES_BENCH=1:
//
//	TOURNEE_RULES_BENCH=1 TOURNEE_RULES_BENCH_ACCOUNTS=100000 \
//	TOURNEE_RULES_BENCH_DB=/tmp/rules-100k.db \
//	go test ./accounts -run '^$' -bench EvaluateRules -benchtime 3x -timeout 2h
//
// TOURNEE_RULES_BENCH_ACCOUNTS sets the number of accounts (default
// 100,000). TOURNEE_RULES_BENCH_DB, if set, keeps the seeded database at
// that path for later runs, which copy it and never write to it.
//
// The first run on a fresh copy writes every score and firing; it is
// reported as first-s (first-cpu-s: its CPU time). The timed runs that
// follow are the daily run once the scores are in place and the alerts in
// their cooldown; cpu-s/op is their CPU time, which a busy machine does
// not inflate as it does wall time.
func BenchmarkEvaluateRules(b *testing.B) {
	if os.Getenv("TOURNEE_RULES_BENCH") != "1" {
		b.Skip("set TOURNEE_RULES_BENCH=1 to seed a store and run the rules over it")
	}
	n := 100_000
	if v := os.Getenv("TOURNEE_RULES_BENCH_ACCOUNTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("TOURNEE_RULES_BENCH_ACCOUNTS=%q: want a positive number", v)
		}
	}
	ctx := context.Background()
	template := os.Getenv("TOURNEE_RULES_BENCH_DB")
	if template == "" {
		template = filepath.Join(b.TempDir(), "template.db")
	}
	if _, err := os.Stat(template); os.IsNotExist(err) {
		start := time.Now()
		if err := seedRulesBench(ctx, template, n); err != nil {
			os.Remove(template)
			b.Fatalf("seed %d accounts: %v", n, err)
		}
		b.Logf("seeded %d accounts in %v", n, time.Since(start).Round(time.Second))
	}
	path := filepath.Join(b.TempDir(), "tournee.db")
	if err := copyFile(template, path); err != nil {
		b.Fatal(err)
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	svc := accounts.NewService(db)
	svc.Rules = &accounts.Rules{Now: func() time.Time { return benchNow }}
	for _, r := range benchRules() {
		if _, err := svc.CreateRule(ctx, r); err != nil {
			b.Fatalf("rule %q: %v", r.Name, err)
		}
	}

	start, cpu := time.Now(), cpuTime()
	run, err := svc.EvaluateRules(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	first, firstCPU := time.Since(start), cpuTime()-cpu
	if run.Accounts != n {
		b.Fatalf("first run: got %d accounts, want %d", run.Accounts, n)
	}
	b.Logf("first run: %v (CPU %v), %+v", first.Round(time.Millisecond), firstCPU.Round(time.Millisecond), run)
	b.ResetTimer()
	cpu = cpuTime()
	for b.Loop() {
		if run, err = svc.EvaluateRules(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	b.ReportMetric(first.Seconds(), "first-s")
	if firstCPU != 0 {
		b.ReportMetric(firstCPU.Seconds(), "first-cpu-s")
	}
	b.ReportMetric(float64(run.Matches), "matches")
	b.ReportMetric(float64(run.Fired), "fired")
}

// seedRulesBench creates a store at path holding a manager, fifty reps
// and n generated accounts (see benchAccount) with their records.
func seedRulesBench(ctx context.Context, path string, n int) error {
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	user := func(i int, role accounts.Role, manager *int64) (accounts.User, error) {
		u := accounts.User{Email: fmt.Sprintf("user%02d@example.fr", i), Name: fmt.Sprintf("User %02d", i), Role: role,
			ManagerID: manager}
		if err := u.Validate(); err != nil {
			return u, err
		}
		return db.CreateUser(ctx, u)
	}
	manager, err := user(0, accounts.RoleManager, nil)
	if err != nil {
		return err
	}
	var reps []int64
	for i := range 50 {
		u, err := user(i+1, accounts.RoleRep, &manager.ID)
		if err != nil {
			return err
		}
		reps = append(reps, u.ID)
	}
	stage, err := db.CreateStage(ctx, accounts.Stage{Name: "Proposition", Position: 1, Probability: 50})
	if err != nil {
		return err
	}

	r := rand.New(rand.NewPCG(1, 2))
	const chunk = 5000
	for from := 0; from < n; from += chunk {
		recs := make([]benchRecords, min(chunk, n-from))
		as := make([]accounts.Account, len(recs))
		for i := range recs {
			recs[i] = benchAccount(r, from+i, reps)
			as[i] = recs[i].account
			if err := as[i].Validate(); err != nil {
				return err
			}
		}
		created, err := db.CreateAccounts(ctx, as)
		if err != nil {
			return err
		}
		var revenue []accounts.Revenue
		var contacts []accounts.Contact
		for i, rec := range recs {
			id := created[i].ID
			for _, rv := range rec.revenue {
				rv.AccountID = id
				revenue = append(revenue, rv)
			}
			for _, c := range rec.contacts {
				c.AccountID = id
				contacts = append(contacts, c)
			}
			for _, o := range rec.opps {
				o.AccountID, o.StageID, o.OwnerID = id, stage.ID, created[i].OwnerID
				if _, err := db.CreateOpportunity(ctx, o); err != nil {
					return err
				}
			}
		}
		if err := db.PutRevenue(ctx, revenue); err != nil {
			return err
		}
		if _, err := db.CreateContacts(ctx, contacts); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
