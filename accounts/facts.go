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
	clock := newFactClock(now, loc)
	in := RuleInputs{Revenue: make([]int64, len(clock.revenue))}
	for _, r := range revenue {
		for i, rg := range clock.revenue {
			if rg.Holds(r.Month) {
				in.Revenue[i] += r.AmountCents
			}
		}
	}
	for _, o := range opps {
		if o.Status == StatusOpen {
			in.OpenPipelineCents += o.AmountCents
		}
	}
	for _, c := range contacts {
		for _, d := range c.Dates {
			in.KeyDates = append(in.KeyDates, ContactDate{Contact: c.Name, KeyDate: d})
		}
	}
	f := clock.facts(a, in)
	// The facts are the caller's to keep: they must not share the
	// account's tags nor an empty custom map with others.
	f.Tags = slices.Clone(f.Tags)
	if len(f.Custom) == 0 {
		f.Custom = map[string]any{}
	}
	return f
}

// RuleInputs are what evaluating the rules on one account reads beyond the
// account itself, as RuleInputsByID reads them for a batch of accounts: the
// records its facts are computed from (see FactsOf), reduced to what the
// facts use, and the rules' recorded firings on it.
type RuleInputs struct {
	// Revenue holds, for each month range asked for in its order, the sum
	// of the account's revenue in the months of the range, in cents; nil
	// when every sum is 0.
	Revenue []int64
	// OpenPipelineCents sums the amounts of its open opportunities.
	OpenPipelineCents int64
	// KeyDates are its contacts' key dates: contact by contact in id
	// order, each contact's dates in their order.
	KeyDates []ContactDate
	// Firings are the rules' recorded firings on the account (see
	// RecordFiring), by rule id: the engine leaves alone a rule still in its
	// cooldown and clears only the firings that exist.
	Firings []FiredAt
}

// MonthRange is the months from From to To, both included.
type MonthRange struct {
	From, To Month
}

// Holds reports whether m lies in r.
func (r MonthRange) Holds(m Month) bool {
	// "YYYY-MM" strings sort as the months do.
	return m >= r.From && m <= r.To
}

// ContactDate is a contact's key date with the contact's name.
type ContactDate struct {
	Contact string
	KeyDate
}

// FiredAt is when rule RuleID last fired on an account.
type FiredAt struct {
	RuleID int64
	At     time.Time
}

// The month ranges of factClock.revenue, which RuleInputs.Revenue sums.
const (
	revenueMonth         = iota // the latest complete month
	revenueMonthLastYear        // the same month a year before
	revenueYTD                  // January to the latest complete month
	revenuePrevYTD              // the same months a year before
)

// factClock is what the facts of every account share at one moment: now
// in the organisation's zone and the month ranges that the revenue facts
// sum, worked out once for a whole evaluation rather than per account.
type factClock struct {
	now     time.Time
	loc     *time.Location
	revenue []MonthRange
	// noCustom stands for the custom fields of the accounts that have
	// none: one empty map, only ever read, rather than one per account.
	noCustom map[string]any
}

func newFactClock(now time.Time, loc *time.Location) factClock {
	if loc == nil {
		loc = defaultLocation()
	}
	now = now.In(loc)
	y, m, _ := now.Date()
	latest := time.Date(y, m-1, 1, 0, 0, 0, 0, loc)
	month, lastYear := MonthOf(latest), MonthOf(latest.AddDate(-1, 0, 0))
	january := func(m Month) Month { return m[:5] + "01" }
	revenue := make([]MonthRange, 4)
	revenue[revenueMonth] = MonthRange{month, month}
	revenue[revenueMonthLastYear] = MonthRange{lastYear, lastYear}
	revenue[revenueYTD] = MonthRange{january(month), month}
	revenue[revenuePrevYTD] = MonthRange{january(lastYear), lastYear}
	return factClock{now: now, loc: loc, revenue: revenue, noCustom: map[string]any{}}
}

// facts computes a's facts from in.
func (c factClock) facts(a Account, in RuleInputs) Facts {
	now, loc := c.now, c.loc
	f := Facts{
		Kind:             string(a.Kind),
		Segment:          a.Segment,
		Tags:             a.Tags,
		PotentialMonthly: euros(a.PotentialCents),
		Qualified:        a.Qualification.QualifiedAt != nil && *a.Qualification.QualifiedAt != "",
		Custom:           a.Custom,
		Now:              now,
		KeyDates:         make([]KeyDateFact, 0, len(in.KeyDates)),
	}
	if f.Tags == nil {
		f.Tags = []string{}
	}
	if f.Custom == nil {
		f.Custom = c.noCustom
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

	// Sums in cents, converted once: adding euros month by month would
	// collect float rounding errors.
	if len(in.Revenue) == len(c.revenue) {
		f.RevenueMonth, f.RevenueMonthLastYear = euros(in.Revenue[revenueMonth]), euros(in.Revenue[revenueMonthLastYear])
		f.RevenueYTD, f.RevenuePrevYTD = euros(in.Revenue[revenueYTD]), euros(in.Revenue[revenuePrevYTD])
	}
	f.OpenPipelineAmount = euros(in.OpenPipelineCents)

	for _, d := range in.KeyDates {
		t, err := d.Date.Time()
		if err != nil {
			continue // validation keeps these out; a bad one must not hide the others
		}
		f.KeyDates = append(f.KeyDates, KeyDateFact{
			Label:   d.Label,
			Date:    time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc),
			Contact: d.Contact,
		})
	}
	slices.SortStableFunc(f.KeyDates, func(a, b KeyDateFact) int { return a.Date.Compare(b.Date) })
	return f
}

// ruleEnv is what an expression sees: the facts and the helpers, which
// need the facts' now (see matcher).
type ruleEnv struct {
	Facts
	DaysUntil   func(time.Time) int `expr:"days_until"`
	DaysSince   func(time.Time) int `expr:"days_since"`
	MonthOf     func(time.Time) int `expr:"month_of"`
	NextKeyDate func(string) int    `expr:"next_key_date"`
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
