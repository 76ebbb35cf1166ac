package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// Names of the records the design brief's examples are about.
const (
	LambdaName   = "LAMBDA SARL"
	ProspectName = "NOVA MAINTENANCE SAS"
	// EmailDomain is the domain of every demo sign-in.
	EmailDomain = "demo.tournee.test"
)

// Options chooses the organisation to seed.
type Options struct {
	// Seed selects the random draw; the same Seed and Now give the same
	// organisation.
	Seed int64
	// Now is the date the organisation is seeded for: revenue runs up to the
	// month before, visits and tasks are placed around it. Zero means
	// time.Now().
	Now time.Time
	// Accounts is how many accounts to create (default 20,000, at least 100).
	Accounts int
	// Reps is how many sales reps to create (default 30, at most 60).
	Reps int
}

// Summary counts what Seed created.
type Summary struct {
	Users, Accounts, Contacts, Opportunities, Activities, Tasks, RevenueRows, Rules int
	// Lambda is the id of LAMBDA SARL, Prospect that of the prospect left
	// unqualified for more than two months.
	Lambda, Prospect int64
}

// Batch sizes of the bulk writes: large enough that a transaction's
// overhead vanishes, small enough to keep one transaction's memory modest.
const (
	accountBatch = 5000
	contactBatch = 5000
	revenueBatch = 25000
)

// Segments of the demo organisation's customer base.
const (
	segGrandsComptes = "grands comptes"
	segPME           = "PME"
	segArtisans      = "artisans"
	segDistribution  = "distribution"
	segPublic        = "collectivités"
)

// Random streams, one per phase, so that a change in one phase does not
// reshuffle the records of the others.
const (
	streamUsers uint64 = iota + 1
	streamAccounts
	streamRevenue
	streamPipeline
	streamContacts
	streamActivities
	streamTasks
)

// seeder holds the state shared by the phases of one Seed call.
type seeder struct {
	svc   *accounts.Service
	o     Options
	now   time.Time // Options.Now in the organisation's time zone
	loc   *time.Location
	cs    *communes
	sum   Summary
	admin int64
	reps  []accounts.User
	// managerOf maps a rep's id to their manager's id.
	managerOf map[int64]int64
	accts     []accounts.Account // as created, ids set
	info      []acctInfo         // parallel to accts
	lambda    int                // index of LAMBDA SARL in accts
	stages    []accounts.Stage
}

// acctInfo is what the later phases need to know of an account beyond the
// record itself.
type acctInfo struct {
	commune    commune
	registered time.Time
	contact    string // the first contact's name, for reports
	title      string
}

// Seed creates the demo organisation through svc, which should hold an empty
// store: e-mail addresses are unique, so a second Seed fails on the users.
// Writes are attributed to the demo admin in the change feed.
func Seed(ctx context.Context, svc *accounts.Service, o Options) (Summary, error) {
	if o.Accounts == 0 {
		o.Accounts = 20000
	}
	if o.Reps == 0 {
		o.Reps = 30
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Accounts < 100 {
		return Summary{}, fmt.Errorf("demo: accounts must be at least 100, got %d", o.Accounts)
	}
	if o.Reps < 1 || o.Reps > len(repTowns) {
		return Summary{}, fmt.Errorf("demo: reps must be between 1 and %d, got %d", len(repTowns), o.Reps)
	}
	cs, err := loadCommunes()
	if err != nil {
		return Summary{}, err
	}
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		// Without a time-zone database a fixed CET is at most an hour off, in
		// summer, which moves no date the demo sets.
		loc = time.FixedZone("CET", 3600)
	}
	s := &seeder{svc: svc, o: o, now: o.Now.In(loc), loc: loc, cs: cs, managerOf: map[int64]int64{}}
	phases := []struct {
		name string
		run  func(context.Context) error
	}{
		{"users", s.seedUsers},
		{"passwords", s.seedPasswords},
		{"accounts", s.seedAccounts},
		{"revenue", s.seedRevenue},
		{"contacts", s.seedContacts},
		{"pipeline", s.seedPipeline},
		{"activities", s.seedActivities},
		{"tasks", s.seedTasks},
		{"rules", s.seedRules},
	}
	for _, p := range phases {
		if err := ctx.Err(); err != nil {
			return s.sum, err
		}
		if err := p.run(ctx); err != nil {
			return s.sum, fmt.Errorf("demo: %s: %w", p.name, err)
		}
		if p.name == "users" {
			ctx = accounts.WithActor(ctx, s.admin)
		}
	}
	return s.sum, nil
}

func (s *seeder) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(s.o.Seed), stream))
}

// ---- users

// repTowns are the INSEE codes of the towns reps live in, spread so that the
// first few already cover France. rep1 lives in Paris, about 350 km from
// LAMBDA SARL.
var repTowns = []string{
	"75056", "69123", "13055", "31555", "33063", "44109", "59350", "67482", "35238", "34172",
	"06088", "63113", "21231", "76540", "37261", "57463", "38185", "87085", "45234", "51454",
	"14118", "49007", "86194", "25056", "29019", "80021", "64445", "78646", "94028", "77284",
	"72181", "66136", "54395", "42218", "74010", "84007", "17300", "10387", "64102", "76351",
	"83137", "2A004", "18033", "03185", "26362", "56121", "62041", "02691", "71270", "81004",
	"82121", "19272", "22278", "85191", "53130", "61001", "36044", "89024", "12202", "60057",
}

// Managers: the sales director in Paris manages Île-de-France and the two
// regional managers, who manage the rest of France west and east of the
// meridian 2.5° E.
var managers = []struct {
	email, name, town string
}{
	{"manager@" + EmailDomain, "Hélène Marchand", "75056"},
	{"manager2@" + EmailDomain, "Yannick Le Goff", "35238"},
	{"manager3@" + EmailDomain, "Stéphane Vidal", "69123"},
}

func (s *seeder) seedUsers(ctx context.Context) error {
	r := s.rng(streamUsers)
	weekdays := accounts.Weekdays{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	home := func(code string, jitterM float64) (geo.Point, string, error) {
		c, ok := s.cs.get(code)
		if !ok {
			return geo.Point{}, "", fmt.Errorf("commune %s missing from communes.csv", code)
		}
		p := offset(c.Point, r.NormFloat64()*jitterM, r.NormFloat64()*jitterM)
		return p, fmt.Sprintf("%s, %s %s", street(r, segArtisans), postalCode(r, c), c.Name), nil
	}
	create := func(u accounts.User) (accounts.User, error) {
		u, err := s.svc.CreateUser(ctx, u)
		if err == nil {
			s.sum.Users++
		}
		return u, err
	}

	p, addr, err := home("75056", 1500)
	if err != nil {
		return err
	}
	admin, err := create(accounts.User{Email: "admin@" + EmailDomain, Name: "Isabelle Fontaine", Role: accounts.RoleAdmin, Home: p, HomeAddress: addr})
	if err != nil {
		return err
	}
	s.admin = admin.ID

	var mgrIDs []int64
	for i, m := range managers {
		p, addr, err := home(m.town, 3000)
		if err != nil {
			return err
		}
		u := accounts.User{Email: m.email, Name: m.name, Role: accounts.RoleManager, Home: p, HomeAddress: addr,
			WorkDays: weekdays, WorkStart: 8 * 60, WorkEnd: 18 * 60, CostPerKmCents: 45, SpeedKmh: 75}
		if i > 0 {
			u.ManagerID = &mgrIDs[0]
		}
		if u, err = create(u); err != nil {
			return err
		}
		mgrIDs = append(mgrIDs, u.ID)
	}

	paris, _ := s.cs.get("75056")
	used := map[string]bool{}
	for i := range s.o.Reps {
		first, last := person(r)
		for used[first+last] {
			first, last = person(r)
		}
		used[first+last] = true
		town, _ := s.cs.get(repTowns[i])
		// rep1 lives in Paris proper so that LAMBDA SARL is ~350 km away;
		// the others in their town's suburbs.
		jitter := 4000.0
		if i == 0 {
			jitter = 800
		}
		p, addr, err := home(repTowns[i], jitter)
		if err != nil {
			return err
		}
		mgr := mgrIDs[0]
		switch {
		case geo.DistanceM(town.Point, paris.Point) < 80_000:
		case town.Lng < 2.5:
			mgr = mgrIDs[1]
		default:
			mgr = mgrIDs[2]
		}
		u, err := create(accounts.User{
			Email:          fmt.Sprintf("rep%d@%s", i+1, EmailDomain),
			Name:           first + " " + last,
			Role:           accounts.RoleRep,
			ManagerID:      &mgr,
			Home:           p,
			HomeAddress:    addr,
			WorkDays:       weekdays,
			WorkStart:      8 * 60,
			WorkEnd:        18 * 60,
			CostPerKmCents: int64(35 + r.IntN(26)),
			SpeedKmh:       float64(65 + r.IntN(16)),
		})
		if err != nil {
			return err
		}
		s.reps = append(s.reps, u)
		s.managerOf[u.ID] = mgr
	}
	return nil
}

// nearestRep returns the rep whose home is closest to p; ties go to the
// first rep.
func (s *seeder) nearestRep(p geo.Point) *accounts.User {
	best, bestD := 0, math.Inf(1)
	for i, u := range s.reps {
		if d := geo.DistanceM(p, u.Home); d < bestD {
			best, bestD = i, d
		}
	}
	return &s.reps[best]
}

// ---- dates

// day returns midnight local time, days days from now.
func (s *seeder) day(days int) time.Time {
	y, m, d := s.now.Date()
	return time.Date(y, m, d+days, 0, 0, 0, 0, s.loc)
}

// weekday moves t back to the Friday before when it falls on a weekend.
func weekday(t time.Time) time.Time {
	switch t.Weekday() {
	case time.Saturday:
		return t.AddDate(0, 0, -1)
	case time.Sunday:
		return t.AddDate(0, 0, -2)
	}
	return t
}

// at returns day d at the given local clock time.
func at(d time.Time, c accounts.Clock) time.Time {
	y, m, dd := d.Date()
	return time.Date(y, m, dd, int(c)/60, int(c)%60, 0, 0, d.Location())
}

// lambdaLastVisit is the 25 September before now when that is more than six
// months ago, as in the brief's example; otherwise seven months before now.
func (s *seeder) lambdaLastVisit() time.Time {
	t := time.Date(s.now.Year()-1, time.September, 25, 10, 0, 0, 0, s.loc)
	if s.now.Sub(t) < 190*24*time.Hour {
		t = at(weekday(s.day(0).AddDate(0, -7, 0)), 10*60)
	}
	return t
}

// lambdaRetirement is the end of the next July, when LAMBDA SARL's buyer
// retires.
func (s *seeder) lambdaRetirement() accounts.Date {
	y := s.now.Year()
	if s.now.Month() >= time.July {
		y++
	}
	return accounts.Date(fmt.Sprintf("%d-07-31", y))
}

// lastMonth is the first day of the latest complete month before now.
func (s *seeder) lastMonth() time.Time {
	y, m, _ := s.now.Date()
	return time.Date(y, m-1, 1, 0, 0, 0, 0, s.loc)
}
