package accounts_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// The rule set and the generated accounts that the rules benchmarks share:
// twenty rules of the kind managers write (the design's examples and
// variations over revenue, potential, visits, tags, segment, custom fields
// and key dates), over accounts whose facts make each of them match some
// accounts and not others.

// benchNow is the moment the benchmarks evaluate at: mid-April, so that
// March is the latest complete month, as in the design's example.
var benchNow = time.Date(2026, time.April, 15, 8, 0, 0, 0, time.UTC)

// benchRules returns the twenty rules; alerts go to the owner with the
// manager in copy.
func benchRules() []accounts.Rule {
	score := func(v float64) accounts.Action { return accounts.Action{Type: accounts.ActionScore, Value: v} }
	alert := func(msg string) accounts.Action {
		return accounts.Action{Type: accounts.ActionAlert, Message: msg, CC: []string{"manager"}}
	}
	type rule struct {
		name, expr string
		cooldown   int
		actions    []accounts.Action
	}
	rs := []rule{
		{"Client en baisse, non visité", `revenue_month < 0.9 * revenue_month_last_year && potential_monthly > 30000 && days_since_visit > 180`,
			30, []accounts.Action{score(50), alert("Chiffre en baisse et pas de visite depuis six mois")}},
		{"Prospect à qualifier", `kind == "prospect" && !qualified && days_since_created > 60`,
			30, []accounts.Action{score(20), alert("Prospect à qualifier")}},
		{"Acheteur proche de la retraite", `next_key_date("retraite") <= 90`,
			60, []accounts.Action{{Type: accounts.ActionTask, Title: "Rencontrer le successeur", DueInDays: 14}}},
		{"Cumul annuel en baisse", `kind == "client" && revenue_ytd < 0.8 * revenue_prev_ytd`, 0, []accounts.Action{score(15)}},
		{"Cumul annuel en hausse", `kind == "client" && revenue_prev_ytd > 0 && revenue_ytd > 1.2 * revenue_prev_ytd`, 0, []accounts.Action{score(5)}},
		{"Gros potentiel", `potential_monthly > 50000`, 0, []accounts.Action{score(10)}},
		{"Potentiel moyen délaissé", `potential_monthly > 20000 && days_since_visit > 90`, 0, []accounts.Action{score(10)}},
		{"VIP à voir", `"vip" in tags && days_since_visit > 30`, 14, []accounts.Action{score(25), alert("Client VIP à revoir")}},
		{"Boulangerie sans commande", `segment == "boulangerie" && kind == "client" && revenue_month == 0`, 0, []accounts.Action{score(8)}},
		{"Saison des terrasses", `segment in ["restaurant", "hotel"] && month_of(now) in [4, 5, 6]`, 0, []accounts.Action{score(5)}},
		{"Indépendant à potentiel", `custom.enseigne == "independant" && potential_monthly > 10000`, 0, []accounts.Action{score(6)}},
		{"Grande équipe", `custom.salaries != nil && custom.salaries > 50`, 0, []accounts.Action{score(7)}},
		{"Affaire en cours sans visite", `open_pipeline_amount > 20000 && days_since_visit > 45`,
			14, []accounts.Action{score(12), alert("Affaire ouverte sans visite récente")}},
		{"Ancien client à reconquérir", `kind == "former" && days_since_visit > 365 && potential_monthly > 10000`, 0, []accounts.Action{score(4)}},
		{"Prospect sans responsable", `owner == 0 && kind == "prospect" && potential_monthly > 5000`, 0, []accounts.Action{score(3)}},
		{"Anniversaire client", `any(key_dates, {.label contains "anniversaire" && days_until(.date) >= 0 && days_until(.date) <= 30})`,
			0, []accounts.Action{score(2)}},
		{"Client perdu ce mois", `kind == "client" && revenue_month_last_year > 0 && revenue_month == 0`,
			30, []accounts.Action{score(20), alert("Plus de commande ce mois-ci")}},
		{"Concurrent en embuscade", `"concurrent-x" in tags || "a-risque" in tags`, 0, []accounts.Action{score(10)}},
		{"Dormant", `days_since_visit > 1200`, 0, []accounts.Action{score(-5)}},
		{"Ancien client sans chiffre", `kind == "former" && revenue_ytd == 0 && revenue_prev_ytd == 0`,
			0, []accounts.Action{{Type: accounts.ActionScore, Mode: accounts.ScoreSet, Value: 0}}},
	}
	out := make([]accounts.Rule, len(rs))
	for i, r := range rs {
		out[i] = accounts.Rule{Name: r.name, Expression: r.expr, Actions: r.actions, Enabled: true, CooldownDays: r.cooldown}
	}
	return out
}

// benchRecords is one generated account with what its facts read.
type benchRecords struct {
	account  accounts.Account
	revenue  []accounts.Revenue // 24 months, April 2024 to March 2026
	contacts []accounts.Contact
	opps     []accounts.Opportunity // AccountID and StageID left for the caller
}

var (
	benchSegments = []string{"boulangerie", "restaurant", "hotel", "epicerie", "cave", "traiteur", "brasserie", ""}
	benchTags     = []string{"vip", "bio", "concurrent-x", "a-risque", "export", "franchise"}
)

// benchAccount generates account i, owned by one of owners (or by nobody),
// from r.
func benchAccount(r *rand.Rand, i int, owners []int64) benchRecords {
	kind := accounts.KindClient
	switch x := r.IntN(100); {
	case x < 25:
		kind = accounts.KindProspect
	case x < 35:
		kind = accounts.KindFormer
	}
	a := accounts.Account{
		Kind:           kind,
		Name:           fmt.Sprintf("Compte %07d", i),
		Point:          geo.Point{Lat: 43 + 6*r.Float64(), Lng: -1 + 8*r.Float64()},
		PotentialCents: int64(r.IntN(80_000)) * 100,
		Segment:        benchSegments[r.IntN(len(benchSegments))],
		Tags:           []string{},
		VisitDuration:  30 * time.Minute,
	}
	a.CreatedAt = benchNow.AddDate(0, 0, -r.IntN(5*365)).Truncate(time.Microsecond)
	for _, tag := range benchTags {
		if r.IntN(10) == 0 {
			a.Tags = append(a.Tags, tag)
		}
	}
	if r.IntN(20) != 0 {
		a.OwnerID = &owners[r.IntN(len(owners))]
	}
	if kind != accounts.KindProspect || r.IntN(2) == 0 {
		d := accounts.Date(a.CreatedAt.AddDate(0, 0, 20).Format(time.DateOnly))
		a.Qualification.QualifiedAt = &d
	}
	if r.IntN(2) == 0 {
		a.Custom = map[string]any{
			"enseigne": []string{"independant", "franchise", "groupe"}[r.IntN(3)],
			"salaries": float64(r.IntN(120)),
		}
	}
	rec := benchRecords{account: a}

	base := int64(r.IntN(60_000)) * 100
	if kind == accounts.KindFormer && r.IntN(2) == 0 {
		base = 0 // stopped buying: its months are there, at zero
	}
	for m := range 24 {
		month := accounts.MonthOf(time.Date(2024, time.April+time.Month(m), 1, 0, 0, 0, 0, time.UTC))
		amount := base * int64(70+r.IntN(60)) / 100
		if r.IntN(15) == 0 {
			amount = 0
		}
		rec.revenue = append(rec.revenue, accounts.Revenue{Month: month, AmountCents: amount})
	}

	for k := range r.IntN(3) {
		c := accounts.Contact{Name: fmt.Sprintf("Contact %d-%d", i, k), Dates: []accounts.KeyDate{}}
		if r.IntN(5) == 0 {
			label := []string{"retraite", "anniversaire", "fin de contrat"}[r.IntN(3)]
			d := benchNow.AddDate(0, 0, r.IntN(400)-30)
			c.Dates = append(c.Dates, accounts.KeyDate{Label: label, Date: accounts.Date(d.Format(time.DateOnly))})
		}
		rec.contacts = append(rec.contacts, c)
	}
	if r.IntN(10) == 0 {
		status := accounts.StatusOpen
		if r.IntN(3) == 0 {
			status = accounts.StatusWon
		}
		rec.opps = append(rec.opps, accounts.Opportunity{Name: "Affaire", AmountCents: int64(r.IntN(50_000)) * 100,
			Status: status})
	}
	return rec
}

// benchCompiled compiles benchRules, with ids from 1.
func benchCompiled(tb testing.TB) []*accounts.CompiledRule {
	tb.Helper()
	var out []*accounts.CompiledRule
	for i, r := range benchRules() {
		r.ID = int64(i + 1)
		c, err := accounts.CompileRule(r)
		if err != nil {
			tb.Fatalf("rule %q: %v", r.Name, err)
		}
		out = append(out, c)
	}
	return out
}

// benchInputs is what RuleInputsByID gives for rec, with the revenue of
// ranges.
func benchInputs(rec benchRecords, ranges []accounts.MonthRange) accounts.RuleInputs {
	var in accounts.RuleInputs
	sums := make([]int64, len(ranges))
	for _, r := range rec.revenue {
		for i, rg := range ranges {
			if rg.Holds(r.Month) {
				sums[i] += r.AmountCents
			}
		}
	}
	if slices.ContainsFunc(sums, func(v int64) bool { return v != 0 }) {
		in.Revenue = sums
	}
	for _, o := range rec.opps {
		if o.Status == accounts.StatusOpen {
			in.OpenPipelineCents += o.AmountCents
		}
	}
	for _, c := range rec.contacts {
		for _, d := range c.Dates {
			in.KeyDates = append(in.KeyDates, accounts.ContactDate{Contact: c.Name, KeyDate: d})
		}
	}
	return in
}

// benchBatch generates n accounts with ids from 1 and their inputs.
func benchBatch(n int) ([]benchRecords, []accounts.Account, map[int64]accounts.RuleInputs) {
	r := rand.New(rand.NewPCG(1, 2))
	owners := []int64{1, 2, 3, 4, 5, 6, 7, 8}
	ranges := accounts.RevenueRanges(benchNow, nil)
	recs := make([]benchRecords, n)
	as := make([]accounts.Account, n)
	in := make(map[int64]accounts.RuleInputs, n)
	for i := range n {
		recs[i] = benchAccount(r, i, owners)
		recs[i].account.ID = int64(i + 1)
		as[i] = recs[i].account
		in[as[i].ID] = benchInputs(recs[i], ranges)
	}
	return recs, as, in
}

// TestJudge checks that the batched, parallel evaluation finds account by
// account what Match finds on the facts FactsOf computes from every record.
func TestJudge(t *testing.T) {
	rules := benchCompiled(t)
	recs, as, in := benchBatch(3000)
	matched, parts := accounts.Judge(rules, as, in, benchNow, nil)
	total := 0
	for i, rec := range recs {
		facts := accounts.FactsOf(rec.account, rec.revenue, rec.opps, rec.contacts, benchNow, nil)
		var want []int64
		var fired []*accounts.CompiledRule
		for _, r := range rules {
			ok, err := r.Match(facts)
			if err != nil {
				t.Fatalf("account %d: %v", i, err)
			}
			if ok {
				want = append(want, r.Rule.ID)
				fired = append(fired, r)
			}
		}
		total += len(want)
		if !slices.Equal(matched[i], want) {
			t.Errorf("account %d: got rules %v, want %v", i, matched[i], want)
		}
		if w := accounts.Score(0, fired).Parts[1:]; !slices.Equal(parts[i], w) {
			t.Errorf("account %d: got parts %+v, want %+v", i, parts[i], w)
		}
	}
	// Every rule should match some accounts and miss others, or the
	// benchmarks measure less than they claim.
	for _, r := range rules {
		n := 0
		for _, m := range matched {
			if slices.Contains(m, r.Rule.ID) {
				n++
			}
		}
		if n == 0 || n == len(as) {
			t.Errorf("rule %q matches %d of %d accounts, want some but not all", r.Rule.Name, n, len(as))
		}
	}
	t.Logf("%d matches over %d accounts", total, len(as))
}

// BenchmarkEvaluate1M is the CPU part of a daily run over 1,000,000
// accounts held in memory: facts, the twenty bench rules and the score
// parts of every account, in batches as EvaluateRules takes them (each
// with the inputs of its accounts only, as RuleInputsByID gives them),
// with no store; one op is all the accounts.
func BenchmarkEvaluate1M(b *testing.B) {
	const n, batch = 1_000_000, 2000
	rules := benchCompiled(b)
	_, as, all := benchBatch(n)
	inputs := make([]map[int64]accounts.RuleInputs, 0, n/batch)
	for from := 0; from < n; from += batch {
		in := map[int64]accounts.RuleInputs{}
		for _, a := range as[from:min(from+batch, n)] {
			in[a.ID] = all[a.ID]
		}
		inputs = append(inputs, in)
	}
	all = nil
	b.ResetTimer()
	cpu := cpuTime()
	matches, parts := 0, 0
	for b.Loop() {
		matches, parts = 0, 0
		for from := 0; from < n; from += batch {
			m, p := accounts.CountMatches(rules, as[from:min(from+batch, n)], inputs[from/batch], benchNow, nil)
			matches, parts = matches+m, parts+p
		}
	}
	b.ReportMetric(float64(matches), "matches")
	b.ReportMetric(float64(parts), "parts")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/account")
	reportCPU(b, cpu)
}

// reportCPU reports the CPU time per op used since cpu, when known.
func reportCPU(b *testing.B, cpu time.Duration) {
	if cpu != 0 {
		b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	}
}
