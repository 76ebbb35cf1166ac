package demo

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/sqlite"
	"github.com/tournee/tournee/geo"
)

// testNow is the date of the brief's examples: 24 April.
var testNow = time.Date(2026, time.April, 24, 9, 0, 0, 0, time.UTC)

func newService(tb testing.TB) *accounts.Service {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "demo.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return accounts.NewService(db)
}

func seed(tb testing.TB, o Options) (*accounts.Service, Summary) {
	tb.Helper()
	svc := newService(tb)
	sum, err := Seed(context.Background(), svc, o)
	if err != nil {
		tb.Fatalf("Seed: %v", err)
	}
	return svc, sum
}

func listAccounts(t *testing.T, svc *accounts.Service) []accounts.Account {
	t.Helper()
	var all []accounts.Account
	f := accounts.AccountFilter{Page: accounts.Page{Limit: 1000}}
	for {
		page, err := svc.ListAccounts(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			return all
		}
		f.After = page[len(page)-1].ID
	}
}

// placed is what must not change between two seeds of the same options.
type placed struct {
	Name    string
	Point   geo.Point
	Owner   int64
	Created time.Time
}

func placements(as []accounts.Account) []placed {
	out := make([]placed, len(as))
	for i, a := range as {
		out[i] = placed{a.Name, a.Point, *a.OwnerID, a.CreatedAt}
	}
	return out
}

func TestSeed(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds three SQLite databases")
	}
	o := Options{Seed: 42, Now: testNow, Accounts: 2000}
	svc, sum := seed(t, o)
	as := listAccounts(t, svc)

	t.Run("summary", func(t *testing.T) {
		if sum.Users != 1+3+30 || sum.Accounts != 2000 || len(as) != 2000 {
			t.Errorf("got %d users, %d accounts (%d listed), want 34 and 2000", sum.Users, sum.Accounts, len(as))
		}
		for name, n := range map[string]int{"contacts": sum.Contacts, "opportunities": sum.Opportunities, "activities": sum.Activities, "tasks": sum.Tasks, "revenue rows": sum.RevenueRows} {
			if n == 0 {
				t.Errorf("no %s", name)
			}
		}
		t.Logf("%+v", sum)
	})

	t.Run("deterministic", func(t *testing.T) {
		svc2, sum2 := seed(t, o)
		if sum2 != sum {
			t.Errorf("summaries differ: %+v and %+v", sum, sum2)
		}
		if got, want := placements(listAccounts(t, svc2)), placements(as); !slices.Equal(got, want) {
			t.Error("the same seed and now gave different accounts")
		}
	})

	t.Run("another seed differs", func(t *testing.T) {
		o := o
		o.Seed = 43
		svc3, _ := seed(t, o)
		if slices.Equal(placements(listAccounts(t, svc3)), placements(as)) {
			t.Error("seeds 42 and 43 gave the same accounts")
		}
	})

	t.Run("metropolitan France", func(t *testing.T) {
		for _, a := range as {
			if !inMetro(a.Point) {
				t.Errorf("%s at %v lies outside metropolitan France", a.Name, a.Point)
			}
			if len(a.LegalID) != 14 || !luhnValid(a.LegalID) {
				t.Errorf("%s: legal id %q is not a valid SIRET", a.Name, a.LegalID)
			}
		}
	})

	t.Run("registration dates", func(t *testing.T) {
		var old int
		for _, a := range as {
			if a.CreatedAt.After(testNow) || a.CreatedAt.Before(testNow.AddDate(-12, 0, 0)) {
				t.Errorf("%s registered on %v, want within the 12 years before now", a.Name, a.CreatedAt)
			}
			if a.Kind == accounts.KindClient && testNow.Sub(a.CreatedAt) >= 365*24*time.Hour {
				old++
			}
			if _, ok := a.Custom["registered_on"]; ok {
				t.Errorf("%s: custom registered_on %v, want the date in CreatedAt only", a.Name, a.Custom["registered_on"])
			}
		}
		if old == 0 {
			t.Error("no client registered more than a year ago")
		}
	})

	t.Run("owners", func(t *testing.T) {
		ctx := context.Background()
		perOwner := map[int64]int{}
		for _, a := range as {
			if a.OwnerID == nil {
				t.Fatalf("%s has no owner", a.Name)
			}
			perOwner[*a.OwnerID]++
		}
		if len(perOwner) < 25 {
			t.Errorf("accounts belong to %d reps, want most of 30", len(perOwner))
		}
		for id := range perOwner {
			u, err := svc.GetUser(ctx, id)
			if err != nil || u.Role != accounts.RoleRep {
				t.Errorf("owner %d: %v, role %q", id, err, u.Role)
			}
		}
	})

	t.Run("lambda", func(t *testing.T) { checkLambda(t, svc, sum) })
	t.Run("prospect", func(t *testing.T) { checkProspect(t, svc, sum) })
}

func checkLambda(t *testing.T, svc *accounts.Service, sum Summary) {
	ctx := context.Background()
	a, err := svc.GetAccount(ctx, sum.Lambda)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != LambdaName || a.Kind != accounts.KindClient || a.PotentialCents != 4_000_000 {
		t.Errorf("got %q, %s, potential %d; want %q, client, 4000000", a.Name, a.Kind, a.PotentialCents, LambdaName)
	}
	rep1, err := svc.UserByEmail(ctx, "rep1@"+EmailDomain)
	if err != nil {
		t.Fatal(err)
	}
	if a.OwnerID == nil || *a.OwnerID != rep1.ID {
		t.Errorf("owner %v, want rep1 (%d)", a.OwnerID, rep1.ID)
	}
	if d := geo.DistanceM(rep1.Home, a.Point); d < 330_000 || d > 370_000 {
		t.Errorf("LAMBDA SARL is %.0f km from rep1's home, want about 350", d/1000)
	}
	if rep1.ManagerID == nil {
		t.Error("rep1 has no manager")
	} else if m, err := svc.GetUser(ctx, *rep1.ManagerID); err != nil || m.Email != "manager@"+EmailDomain {
		t.Errorf("rep1's manager is %q (%v), want the sales director", m.Email, err)
	}

	// Accounts of rep1's lie along the way, away from both ends.
	along := 0
	for _, b := range listAccounts(t, svc) {
		if b.OwnerID != nil && *b.OwnerID == rep1.ID && geo.DistanceM(b.Point, rep1.Home) > 30_000 &&
			geo.DistanceM(b.Point, a.Point) > 30_000 && distanceToSegmentM(b.Point, rep1.Home, a.Point) < 15_000 {
			along++
		}
	}
	if along < 20 {
		t.Errorf("%d of rep1's accounts lie within 15 km of the way to LAMBDA SARL, want at least 20", along)
	}

	// Revenue: March 2026 is 11.5 % below March 2025.
	rs, err := svc.ListRevenue(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	byMonth := map[accounts.Month]int64{}
	for _, r := range rs {
		byMonth[r.Month] = r.AmountCents
	}
	if len(rs) != 24 {
		t.Errorf("got %d months of revenue, want 24", len(rs))
	}
	now, then := byMonth["2026-03"], byMonth["2025-03"]
	if then == 0 {
		t.Fatal("no revenue for March 2025")
	}
	if drop := 100 * (1 - float64(now)/float64(then)); math.Abs(drop-11.5) > 0.1 {
		t.Errorf("March revenue %d against %d a year earlier: drop %.2f %%, want 11.5", now, then, drop)
	}

	// Last done visit: 25 September 2025, more than 180 days ago.
	acts, err := svc.ListActivities(ctx, accounts.ActivityFilter{AccountID: a.ID, Page: accounts.Page{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	var last time.Time
	for _, v := range acts {
		if v.Type == accounts.ActivityVisit && v.Done && v.Start.After(last) {
			last = v.Start
		}
	}
	if days := testNow.Sub(last).Hours() / 24; days <= 180 {
		t.Errorf("last visit %v, %.0f days before now, want more than 180", last, days)
	}
	if got := last.In(time.FixedZone("", 2*3600)).Format(time.DateOnly); got != "2025-09-25" {
		t.Errorf("last visit on %s, want 2025-09-25", got)
	}
	if a.LastVisitAt == nil || !a.LastVisitAt.Equal(last) {
		t.Errorf("LastVisitAt %v, want the last done visit, %v", a.LastVisitAt, last)
	}

	// The buyer retires in July.
	cs, err := svc.ListContacts(ctx, accounts.ContactFilter{AccountID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range cs {
		if c.Title != "Acheteur" {
			continue
		}
		for _, d := range c.Dates {
			if d.Label == "retraite" && d.Date == "2026-07-31" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no buyer retiring on 2026-07-31 among %+v", cs)
	}
}

// distanceToSegmentM approximates the distance from p to the straight line
// from a to b by sampling the line every kilometre or so.
func distanceToSegmentM(p, a, b geo.Point) float64 {
	n := int(geo.DistanceM(a, b)/1000) + 1
	best := math.Inf(1)
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		q := geo.Point{Lat: a.Lat + t*(b.Lat-a.Lat), Lng: a.Lng + t*(b.Lng-a.Lng)}
		best = math.Min(best, geo.DistanceM(p, q))
	}
	return best
}

func checkProspect(t *testing.T, svc *accounts.Service, sum Summary) {
	a, err := svc.GetAccount(context.Background(), sum.Prospect)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != ProspectName || a.Kind != accounts.KindProspect || a.PotentialCents != 0 || a.Qualification.QualifiedAt != nil {
		t.Errorf("got %+v, want an unqualified prospect without potential", a)
	}
	// Registered on 15 February, Paris time (CET, UTC+1, in February).
	if got := a.CreatedAt.In(time.FixedZone("CET", 3600)).Format(time.DateOnly); got != "2026-02-15" {
		t.Errorf("created on %s, want 2026-02-15", got)
	}
	if days := testNow.Sub(a.CreatedAt).Hours() / 24; days <= 61 {
		t.Errorf("created %.0f days before now, want more than two months", days)
	}
}

func TestLambdaDates(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	tests := []struct {
		now        time.Time
		lastVisit  string
		retirement accounts.Date
		lastMonth  string
	}{
		{time.Date(2026, 4, 24, 9, 0, 0, 0, paris), "2025-09-25", "2026-07-31", "2026-03"},
		{time.Date(2026, 5, 2, 9, 0, 0, 0, paris), "2025-09-25", "2026-07-31", "2026-04"},
		{time.Date(2026, 2, 10, 9, 0, 0, 0, paris), "2025-07-10", "2026-07-31", "2026-01"},
		{time.Date(2026, 8, 3, 9, 0, 0, 0, paris), "2025-09-25", "2027-07-31", "2026-07"},
		{time.Date(2027, 1, 5, 9, 0, 0, 0, paris), "2026-06-05", "2027-07-31", "2026-12"},
	}
	for _, tt := range tests {
		t.Run(tt.now.Format(time.DateOnly), func(t *testing.T) {
			s := &seeder{now: tt.now, loc: paris}
			lv := s.lambdaLastVisit()
			if got := lv.Format(time.DateOnly); got != tt.lastVisit {
				t.Errorf("last visit %s, want %s", got, tt.lastVisit)
			}
			if d := tt.now.Sub(lv); d < 183*24*time.Hour {
				t.Errorf("last visit only %v before now", d)
			}
			if got := s.lambdaRetirement(); got != tt.retirement {
				t.Errorf("retirement %s, want %s", got, tt.retirement)
			}
			if got := accounts.MonthOf(s.lastMonth()); string(got) != tt.lastMonth {
				t.Errorf("last month %s, want %s", got, tt.lastMonth)
			}
		})
	}
}

func TestLambdaRevenue(t *testing.T) {
	r := newRand(1)
	last := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	got := lambdaRevenue(r, last)
	if got[23] != 3_009_000 || got[11] != 3_400_000 {
		t.Errorf("last month %d and a year earlier %d, want 3009000 and 3400000", got[23], got[11])
	}
	for k, c := range got {
		if c <= 0 || c > 4_000_000 {
			t.Errorf("month %d: %d cents, want within the 40 k€ potential", k, c)
		}
	}
}

func TestCommunes(t *testing.T) {
	cs, err := loadCommunes()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cs.all); n < 4000 || n > 6000 {
		t.Errorf("got %d communes, want about 5000", n)
	}
	for _, c := range cs.all {
		if !inMetro(c.Point) || c.Population <= 0 || len(c.INSEE) != 5 || len(c.PostalCode) != 5 {
			t.Errorf("bad commune %+v", c)
		}
	}
	for _, code := range append(slices.Clone(repTowns), lambdaTownCode) {
		if _, ok := cs.get(code); !ok {
			t.Errorf("commune %s is missing", code)
		}
	}
	for _, m := range managers {
		if _, ok := cs.get(m.town); !ok {
			t.Errorf("commune %s is missing", m.town)
		}
	}
	paris, _ := cs.get("75056")
	lambda, _ := cs.get(lambdaTownCode)
	if d := geo.DistanceM(paris.Point, lambda.Point); math.Abs(d-350_000) > 15_000 {
		t.Errorf("Paris to Saint-Herblain %.0f km, want about 350", d/1000)
	}
	// Population-weighted picks favour the big cities.
	r := newRand(3)
	counts := map[string]int{}
	for range 10000 {
		counts[cs.byPopulation(r.Float64()).Name]++
	}
	if counts["Paris"] < counts["Lyon"] || counts["Lyon"] < 50 {
		t.Errorf("Paris %d, Lyon %d picks out of 10000", counts["Paris"], counts["Lyon"])
	}
}

func TestNames(t *testing.T) {
	r := newRand(5)
	c := commune{INSEE: "49007", Name: "Angers", PostalCode: "49000", Dept: "49"}
	for _, seg := range []string{segPME, segArtisans, segDistribution, segGrandsComptes, segPublic} {
		for range 50 {
			n := companyName(r, seg, c)
			if n == "" || strings.Contains(n, "%!") || n == LambdaName {
				t.Errorf("%s: bad name %q", seg, n)
			}
		}
	}
	used := map[string]bool{}
	for range 1000 {
		if s := siret(r, used); len(s) != 14 || !luhnValid(s) || !luhnValid(s[:9]) {
			t.Errorf("siret %q: want 14 digits, SIREN and SIRET passing Luhn", s)
		}
	}
	tests := []struct{ in, want string }{
		{"Angers", "d'Angers"}, {"Le Mans", "du Mans"}, {"Lyon", "de Lyon"}, {"Évry", "d'Évry"}, {"La Rochelle", "de La Rochelle"},
	}
	for _, tt := range tests {
		if got := de(tt.in); got != tt.want {
			t.Errorf("de(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := emailDomain("Menuiserie Lefèvre & Fils SARL"), "menuiserie-lefevre-fils.test"; got != want {
		t.Errorf("emailDomain = %q, want %q", got, want)
	}
	for range 200 {
		rep := visitReport(r, reportCtx{at: testNow, contact: "Marie Durand", title: "Acheteur"}, "Rexalor")
		if !strings.Contains(rep, "Rexalor") || strings.Contains(rep, "{") {
			t.Errorf("report %q: want Rexalor mentioned and every placeholder filled", rep)
		}
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }

// BenchmarkSeed measures the full demo organisation on SQLite:
//
//	go test -run '^$' -bench Seed -benchtime 1x ./accounts/demo
func BenchmarkSeed(b *testing.B) {
	for range b.N {
		b.StopTimer()
		svc := newService(b)
		b.StartTimer()
		sum, err := Seed(context.Background(), svc, Options{Seed: 1, Now: testNow})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sum.Accounts), "accounts")
		b.ReportMetric(float64(sum.Activities), "activities")
		b.ReportMetric(float64(sum.RevenueRows), "revenue_rows")
	}
}
