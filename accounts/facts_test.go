package accounts_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tournee/tournee/accounts"
)

func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func ptr[T any](v T) *T { return &v }

func revenue(months map[accounts.Month]int64) []accounts.Revenue {
	var out []accounts.Revenue
	for m, c := range months {
		out = append(out, accounts.Revenue{AccountID: 1, Month: m, AmountCents: c})
	}
	return out
}

func TestFactsRevenue(t *testing.T) {
	loc := paris(t)
	rev := revenue(map[accounts.Month]int64{
		"2024-12": 5_000,
		"2025-01": 7_000,
		"2025-03": 11_000,
		"2025-11": 10_000,
		"2025-12": 20_000,
		"2026-01": 100_000,
		"2026-03": 200_000,
		"2026-06": 50_000,
		"2026-11": 30_000,
		"2026-12": 40_000,
		"2027-01": 999_900, // the current month is never complete
	})
	tests := []struct {
		name                               string
		now                                time.Time
		month, monthLastYear, ytd, prevYTD float64
	}{
		// In January the latest complete month is December of the year
		// before, and the year to date is that whole year.
		{"january", time.Date(2027, 1, 10, 10, 0, 0, 0, loc), 400, 200, 4_200, 480},
		{"december", time.Date(2026, 12, 31, 23, 0, 0, 0, loc), 300, 100, 3_800, 280},
		{"april", time.Date(2026, 4, 10, 10, 0, 0, 0, loc), 2_000, 110, 3_000, 180},
		// 22:30 UTC on 31 March is already April in Paris.
		{"zone", time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC), 2_000, 110, 3_000, 180},
		{"no data", time.Date(2030, 6, 1, 0, 0, 0, 0, loc), 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := accounts.FactsOf(accounts.Account{Kind: accounts.KindClient}, rev, nil, nil, tt.now, loc)
			got := []float64{f.RevenueMonth, f.RevenueMonthLastYear, f.RevenueYTD, f.RevenuePrevYTD}
			want := []float64{tt.month, tt.monthLastYear, tt.ytd, tt.prevYTD}
			if !slices.Equal(got, want) {
				t.Errorf("got month, last year, ytd, prev ytd %v, want %v", got, want)
			}
		})
	}
}

func TestFactsOfAccount(t *testing.T) {
	loc := paris(t)
	now := time.Date(2027, 4, 10, 9, 0, 0, 0, loc)
	created := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	// 22:30 UTC is already the next day in Paris.
	visit := time.Date(2026, 9, 25, 22, 30, 0, 0, time.UTC)
	a := accounts.Account{
		Meta:           accounts.Meta{ID: 1, CreatedAt: created},
		Kind:           accounts.KindClient,
		Name:           "LAMBDA SARL",
		PotentialCents: 4_000_050,
		Segment:        "industry",
		Tags:           []string{"vip", "north"},
		Qualification:  accounts.Qualification{QualifiedAt: ptr(accounts.Date("2026-02-01"))},
		Custom:         map[string]any{"employees": 120.0, "sector_code": "C25"},
		OwnerID:        ptr(int64(7)),
		LastVisitAt:    &visit,
	}
	opps := []accounts.Opportunity{
		{AccountID: 1, AmountCents: 100_000, Status: accounts.StatusOpen},
		{AccountID: 1, AmountCents: 50_050, Status: accounts.StatusOpen},
		{AccountID: 1, AmountCents: 900_000, Status: accounts.StatusWon},
		{AccountID: 1, AmountCents: 700_000, Status: accounts.StatusLost},
	}
	contacts := []accounts.Contact{
		{AccountID: 1, Name: "Buyer", Dates: []accounts.KeyDate{{Label: "Retirement", Date: "2027-07-01"}, {Label: "Bad", Date: "soon"}}},
		{AccountID: 1, Name: "Director", Dates: []accounts.KeyDate{{Label: "Contract renewal", Date: "2027-05-15"}}},
	}
	f := accounts.FactsOf(a, nil, opps, contacts, now, loc)

	wantVisit := time.Date(2026, 9, 26, 0, 30, 0, 0, loc)
	if f.LastVisitAt == nil || !f.LastVisitAt.Equal(wantVisit) || f.LastVisitAt.Location() != loc {
		t.Errorf("got last_visit_at %v, want %v in Paris", f.LastVisitAt, wantVisit)
	}
	if !f.Now.Equal(now) || f.Now.Location() != loc {
		t.Errorf("got now %v, want %v", f.Now, now)
	}
	wantKeyDates := []accounts.KeyDateFact{
		{Label: "Contract renewal", Date: time.Date(2027, 5, 15, 0, 0, 0, 0, loc), Contact: "Director"},
		{Label: "Retirement", Date: time.Date(2027, 7, 1, 0, 0, 0, 0, loc), Contact: "Buyer"},
	}
	if !reflect.DeepEqual(f.KeyDates, wantKeyDates) {
		t.Errorf("got key_dates %+v, want %+v", f.KeyDates, wantKeyDates)
	}
	f.LastVisitAt, f.KeyDates, f.Now = nil, nil, time.Time{}
	want := accounts.Facts{
		Kind:               "client",
		Segment:            "industry",
		Tags:               []string{"vip", "north"},
		PotentialMonthly:   40_000.5,
		DaysSinceVisit:     196, // 26 September to 10 April
		DaysSinceCreated:   460,
		Qualified:          true,
		OpenPipelineAmount: 1_500.5,
		Owner:              7,
		Custom:             map[string]any{"employees": 120.0, "sector_code": "C25"},
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("got %+v, want %+v", f, want)
	}
}

func TestFactsDays(t *testing.T) {
	loc := paris(t)
	now := time.Date(2027, 3, 29, 9, 0, 0, 0, loc)
	tests := []struct {
		name                     string
		created                  time.Time
		visit                    *time.Time
		qualifiedAt              *accounts.Date
		sinceVisit, sinceCreated int
		qualified                bool
	}{
		{"never visited counts from creation", time.Date(2027, 2, 15, 9, 0, 0, 0, loc), nil, nil, 42, 42, false},
		{"not yet stored is new now", time.Time{}, nil, nil, 0, 0, false},
		// Clocks went forward on 28 March: 46 hours, but two days.
		{"calendar days across DST", time.Date(2027, 1, 1, 9, 0, 0, 0, loc), ptr(time.Date(2027, 3, 27, 10, 0, 0, 0, loc)), nil, 2, 87, false},
		{"visited today", time.Date(2027, 1, 1, 9, 0, 0, 0, loc), ptr(time.Date(2027, 3, 29, 0, 5, 0, 0, loc)), nil, 0, 87, false},
		{"empty qualification date", time.Date(2027, 1, 1, 9, 0, 0, 0, loc), nil, ptr(accounts.Date("")), 87, 87, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := accounts.Account{Meta: accounts.Meta{CreatedAt: tt.created}, Kind: accounts.KindProspect, LastVisitAt: tt.visit}
			a.Qualification.QualifiedAt = tt.qualifiedAt
			f := accounts.FactsOf(a, nil, nil, nil, now, loc)
			if f.DaysSinceVisit != tt.sinceVisit || f.DaysSinceCreated != tt.sinceCreated || f.Qualified != tt.qualified {
				t.Errorf("got days_since_visit %d, days_since_created %d, qualified %v; want %d, %d, %v",
					f.DaysSinceVisit, f.DaysSinceCreated, f.Qualified, tt.sinceVisit, tt.sinceCreated, tt.qualified)
			}
			if tt.visit == nil && f.LastVisitAt != nil {
				t.Errorf("got last_visit_at %v, want nil", f.LastVisitAt)
			}
			if f.Tags == nil || f.Custom == nil || f.KeyDates == nil || f.Owner != 0 {
				t.Errorf("got tags %v, custom %v, key_dates %v, owner %d; want empty, not nil, and owner 0", f.Tags, f.Custom, f.KeyDates, f.Owner)
			}
		})
	}
}

func TestFactsDefaultZone(t *testing.T) {
	// 23:30 UTC on 31 January is 1 February in Paris: January is complete.
	now := time.Date(2027, 1, 31, 23, 30, 0, 0, time.UTC)
	rev := revenue(map[accounts.Month]int64{"2027-01": 100, "2026-12": 200})
	f := accounts.FactsOf(accounts.Account{}, rev, nil, nil, now, nil)
	if got := f.Now.Location().String(); got != accounts.DefaultZone {
		t.Errorf("got zone %s, want %s", got, accounts.DefaultZone)
	}
	if f.RevenueMonth != 1 {
		t.Errorf("got revenue_month %v, want 1", f.RevenueMonth)
	}
}

// TestFactNames keeps the documentation table, the expression names and the
// JSON names in step.
func TestFactNames(t *testing.T) {
	docs := accounts.FactNames()
	documented := map[string]bool{}
	for _, d := range docs {
		if documented[d.Name] {
			t.Errorf("%s documented twice", d.Name)
		}
		documented[d.Name] = true
		if d.Type == "" || d.Doc == "" {
			t.Errorf("%s: got type %q, doc %q, want both", d.Name, d.Type, d.Doc)
		}
		expression := d.Name + " == " + d.Name
		switch {
		case strings.HasPrefix(d.Type, "func(time)"):
			expression = d.Name + "(now) == 0"
		case strings.HasPrefix(d.Type, "func(string)"):
			expression = d.Name + `("x") == 0`
		}
		if _, err := accounts.CompileRule(rule(expression)); err != nil {
			t.Errorf("%s: %v", d.Name, err)
		}
	}
	ft := reflect.TypeFor[accounts.Facts]()
	for i := range ft.NumField() {
		field := ft.Field(i)
		name := field.Tag.Get("expr")
		if json, _, _ := strings.Cut(field.Tag.Get("json"), ","); json != name {
			t.Errorf("%s: got JSON name %q, want %q", field.Name, json, name)
		}
		if !documented[name] {
			t.Errorf("%s: fact %q not in FactNames", field.Name, name)
		}
	}
}

func TestHelpers(t *testing.T) {
	loc := paris(t)
	now := time.Date(2027, 5, 2, 11, 0, 0, 0, loc)
	a := accounts.Account{
		Meta:        accounts.Meta{CreatedAt: now.AddDate(-1, 0, 0)},
		LastVisitAt: ptr(time.Date(2027, 4, 30, 17, 0, 0, 0, loc)),
	}
	contacts := []accounts.Contact{{Name: "Buyer", Dates: []accounts.KeyDate{
		{Label: "Départ en retraite", Date: "2027-09-01"},
		{Label: "Retirement", Date: "2027-07-01"},
		{Label: "retirement party", Date: "2027-04-01"}, // past: not next
		{Label: "Birthday", Date: "2027-05-02"},
	}}}
	f := accounts.FactsOf(a, nil, nil, contacts, now, loc)
	tests := []string{
		`days_until(date("2027-07-01")) == 60`,
		`days_since(date("2027-07-01")) == -60`,
		`days_since(last_visit_at) == 2`,
		`days_since(now) == 0`,
		`month_of(now) == 5`,
		`month_of(date("2027-12-31")) == 12`,
		`next_key_date("RETIRE") == 60`,
		`next_key_date("retraite") == 122`,
		`next_key_date("birthday") == 0`,
		`next_key_date("") == 0`,
		`next_key_date("promotion") == 1000000`,
		`any(key_dates, {.contact == "Buyer" && lower(.label) contains "retire" && days_until(.date) in 0..60})`,
		`now.Year() == 2027`,
	}
	for _, expression := range tests {
		t.Run(expression, func(t *testing.T) {
			if got := match(t, expression, f); !got {
				t.Errorf("got false, want true")
			}
		})
	}
}
