package accounts

import (
	"slices"
	"strings"
	"sync"
	"time"
	// The organisation's zone decides "last month" and "days since"; it
	// must resolve even where the host has no zone database, as in a
	// minimal container.
	_ "time/tzdata"
)

// DefaultZone is the organisation's time zone when none is configured.
const DefaultZone = "Europe/Paris"

// NoKeyDate is what next_key_date gives when no key date lies ahead: far
// enough that a horizon such as "next_key_date(\"retire\") <= 60" is false.
const NoKeyDate = 1_000_000

// Facts are what a rule's expression reads about one account at one moment.
// Money is in euros, not cents, because managers write thresholds such as
// 30000; times are in the organisation's zone, so that "last month" and
// "days since" mean what the manager's calendar says.
type Facts struct {
	Kind                 string         `json:"kind" expr:"kind"`
	Segment              string         `json:"segment" expr:"segment"`
	Tags                 []string       `json:"tags" expr:"tags"`
	PotentialMonthly     float64        `json:"potential_monthly" expr:"potential_monthly"`
	RevenueMonth         float64        `json:"revenue_month" expr:"revenue_month"`
	RevenueMonthLastYear float64        `json:"revenue_month_last_year" expr:"revenue_month_last_year"`
	RevenueYTD           float64        `json:"revenue_ytd" expr:"revenue_ytd"`
	RevenuePrevYTD       float64        `json:"revenue_prev_ytd" expr:"revenue_prev_ytd"`
	DaysSinceVisit       int            `json:"days_since_visit" expr:"days_since_visit"`
	LastVisitAt          *time.Time     `json:"last_visit_at" expr:"last_visit_at"`
	DaysSinceCreated     int            `json:"days_since_created" expr:"days_since_created"`
	Qualified            bool           `json:"qualified" expr:"qualified"`
	OpenPipelineAmount   float64        `json:"open_pipeline_amount" expr:"open_pipeline_amount"`
	Owner                int64          `json:"owner" expr:"owner"`
	Custom               map[string]any `json:"custom" expr:"custom"`
	KeyDates             []KeyDateFact  `json:"key_dates" expr:"key_dates"`
	Now                  time.Time      `json:"now" expr:"now"`
}

// KeyDateFact is a contact's key date as a rule reads it.
type KeyDateFact struct {
	Label string `json:"label" expr:"label"`
	// Date is midnight of the day in the organisation's zone.
	Date    time.Time `json:"date" expr:"date"`
	Contact string    `json:"contact" expr:"contact"`
}

// FactDoc describes one name a rule expression may use, for the API and its
// OpenAPI document.
type FactDoc struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Doc  string `json:"doc"`
}

var factDocs = []FactDoc{
	{"kind", "string", `"prospect", "client" or "former"`},
	{"segment", "string", "the account's segment"},
	{"tags", "list of string", `lower-case tags; test with "vip" in tags`},
	{"potential_monthly", "float", "estimated revenue per month, in euros"},
	{"revenue_month", "float", "revenue of the latest complete month before now, in euros"},
	{"revenue_month_last_year", "float", "revenue of the same month a year before, in euros"},
	{"revenue_ytd", "float", "revenue from January to the latest complete month, in that month's year, in euros (in January this is the whole previous year)"},
	{"revenue_prev_ytd", "float", "revenue of the same months a year before, in euros"},
	{"days_since_visit", "int", "days since the latest done visit; an account never visited counts from its creation"},
	{"last_visit_at", "time or nil", "start of the latest done visit, nil if none; the helpers read nil as the year 1, so test it or use days_since_visit"},
	{"days_since_created", "int", "days since the account was created"},
	{"qualified", "bool", "whether the account's qualification has a date"},
	{"open_pipeline_amount", "float", "sum of the open opportunities, in euros"},
	{"owner", "int", "the owner's user id, 0 if none"},
	{"custom", "map", "the account's custom fields, as custom.name; a missing field is nil"},
	{"key_dates", "list of {label, date, contact}", "the contacts' key dates, earliest first; date is a time"},
	{"now", "time", "the moment of evaluation, in the organisation's zone"},
	{"days_until", "func(time) int", "calendar days from today to the time's day; negative when past"},
	{"days_since", "func(time) int", "calendar days from the time's day to today; negative when ahead"},
	{"month_of", "func(time) int", "the time's month, 1 to 12"},
	{"next_key_date", "func(string) int", "days until the next key date, today or later, whose label contains the text in any case; 1000000 when there is none"},
}

// FactNames lists every fact and helper a rule expression may use.
func FactNames() []FactDoc { return slices.Clone(factDocs) }

// FactsOf computes a's facts at now in loc (nil means DefaultZone). revenue,
// opps and contacts are a's own; the caller selects them.
func FactsOf(a Account, revenue []Revenue, opps []Opportunity, contacts []Contact, now time.Time, loc *time.Location) Facts {
	if loc == nil {
		loc = defaultLocation()
	}
	now = now.In(loc)
	f := Facts{
		Kind:             string(a.Kind),
		Segment:          a.Segment,
		Tags:             slices.Clone(a.Tags),
		PotentialMonthly: euros(a.PotentialCents),
		Qualified:        a.Qualification.QualifiedAt != nil && *a.Qualification.QualifiedAt != "",
		Custom:           a.Custom,
		Now:              now,
		KeyDates:         []KeyDateFact{},
	}
	if f.Tags == nil {
		f.Tags = []string{}
	}
	if f.Custom == nil {
		f.Custom = map[string]any{}
	}
	if a.OwnerID != nil {
		f.Owner = *a.OwnerID
	}

	// An account not yet stored has no creation time; it is new now.
	created := now
	if !a.CreatedAt.IsZero() {
		created = a.CreatedAt.In(loc)
	}
	f.DaysSinceCreated = daysBetween(created, now)
	f.DaysSinceVisit = f.DaysSinceCreated
	if a.LastVisitAt != nil {
		v := a.LastVisitAt.In(loc)
		f.LastVisitAt = &v
		f.DaysSinceVisit = daysBetween(v, now)
	}

	y, m, _ := now.Date()
	latest := time.Date(y, m-1, 1, 0, 0, 0, 0, loc)
	month, monthLastYear := MonthOf(latest), MonthOf(latest.AddDate(-1, 0, 0))
	ytdFrom, prevFrom := Month(latest.Format("2006")+"-01"), Month(latest.AddDate(-1, 0, 0).Format("2006")+"-01")
	for _, r := range revenue {
		v := euros(r.AmountCents)
		if r.Month == month {
			f.RevenueMonth += v
		}
		if r.Month == monthLastYear {
			f.RevenueMonthLastYear += v
		}
		// "YYYY-MM" strings sort as the months do.
		if r.Month >= ytdFrom && r.Month <= month {
			f.RevenueYTD += v
		}
		if r.Month >= prevFrom && r.Month <= monthLastYear {
			f.RevenuePrevYTD += v
		}
	}

	for _, o := range opps {
		if o.Status == StatusOpen {
			f.OpenPipelineAmount += euros(o.AmountCents)
		}
	}

	for _, c := range contacts {
		for _, d := range c.Dates {
			t, err := d.Date.Time()
			if err != nil {
				continue // validation keeps these out; a bad one must not hide the others
			}
			f.KeyDates = append(f.KeyDates, KeyDateFact{
				Label:   d.Label,
				Date:    time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc),
				Contact: c.Name,
			})
		}
	}
	slices.SortStableFunc(f.KeyDates, func(a, b KeyDateFact) int { return a.Date.Compare(b.Date) })
	return f
}

// ruleEnv is what an expression sees: the facts and the helpers, which
// need the facts' now and so are bound per evaluation.
type ruleEnv struct {
	Facts
	DaysUntil   func(time.Time) int `expr:"days_until"`
	DaysSince   func(time.Time) int `expr:"days_since"`
	MonthOf     func(time.Time) int `expr:"month_of"`
	NextKeyDate func(string) int    `expr:"next_key_date"`
}

func (f Facts) env() ruleEnv {
	return ruleEnv{
		Facts:       f,
		DaysUntil:   func(t time.Time) int { return daysBetween(f.Now, t) },
		DaysSince:   func(t time.Time) int { return daysBetween(t, f.Now) },
		MonthOf:     func(t time.Time) int { return int(t.Month()) },
		NextKeyDate: f.nextKeyDate,
	}
}

func (f Facts) nextKeyDate(text string) int {
	text = strings.ToLower(text)
	best := NoKeyDate
	for _, d := range f.KeyDates {
		if n := daysBetween(f.Now, d.Date); n >= 0 && n < best && strings.Contains(strings.ToLower(d.Label), text) {
			best = n
		}
	}
	return best
}

// daysBetween counts calendar days from from's day to to's day, each read
// in its own zone: a date written in an expression (date("2027-07-01"))
// then means that day whatever zone parsed it, and counting days rather
// than 24-hour spans keeps "days since" steady across DST changes.
func daysBetween(from, to time.Time) int {
	day := func(t time.Time) int64 {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	}
	return int(day(to) - day(from))
}

func euros(cents int64) float64 { return float64(cents) / 100 }

// defaultLocation is loaded once because FactsOf runs for every account of
// a daily sweep.
var defaultLocation = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		return time.UTC // unreachable with the embedded zone database
	}
	return loc
})
