package demo

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// Shares of the customer base; they sum to 100.
var segmentShares = []struct {
	name string
	pct  int
	// medianEUR is the median monthly potential, in euros.
	medianEUR float64
}{
	{segPME, 40, 3000},
	{segArtisans, 35, 900},
	{segDistribution, 13, 5000},
	{segGrandsComptes, 7, 9000},
	{segPublic, 5, 2000},
}

var tagPool = []string{
	"fidèle", "contrat cadre", "multi-sites", "appel d'offres", "paiement lent", "export",
	"livraison directe", "salon", "démonstration faite", "portail fournisseur", "saisonnier", "certifié iso 9001",
}

var sectors = map[string][]string{
	segPME:           {"Mécanique", "Usinage", "Plasturgie", "Agroalimentaire", "BTP", "Transport", "Emballage", "Chaudronnerie"},
	segArtisans:      {"Menuiserie", "Plomberie-chauffage", "Électricité", "Réparation automobile", "Métallerie", "Maçonnerie"},
	segDistribution:  {"Négoce matériaux", "Quincaillerie", "Fournitures industrielles", "Agrofourniture"},
	segGrandsComptes: {"Aéronautique", "Automobile", "Énergie", "Chimie", "Agroalimentaire", "Construction"},
	segPublic:        {"Collectivité", "Santé", "Enseignement"},
}

var sizes = map[string][]string{
	segPME:           {"10-19", "20-49", "50-249"},
	segArtisans:      {"0", "1-9", "1-9", "10-19"},
	segDistribution:  {"10-19", "20-49", "50-249"},
	segGrandsComptes: {"250-999", "1000+"},
	segPublic:        {"50-249", "250-999"},
}

// draft is an account being made, with what later phases need of it.
type draft struct {
	a    accounts.Account
	info acctInfo
}

func (s *seeder) seedAccounts(ctx context.Context) error {
	r := s.rng(streamAccounts)
	sirets := map[string]bool{}
	ds := s.specialAccounts(r, sirets)
	for len(ds) < s.o.Accounts {
		c, p := s.place(r)
		d := s.newDraft(r, pickKind(r), pickSegment(r), c, p, sirets)
		d.a.OwnerID = &s.nearestRep(p).ID
		ds = append(ds, d)
	}

	for start := 0; start < len(ds); start += accountBatch {
		batch := make([]accounts.Account, 0, accountBatch)
		for _, d := range ds[start:min(start+accountBatch, len(ds))] {
			batch = append(batch, d.a)
		}
		created, err := s.svc.CreateAccounts(ctx, batch)
		if err != nil {
			return err
		}
		s.accts = append(s.accts, created...)
	}
	for _, d := range ds {
		s.info = append(s.info, d.info)
	}
	s.sum.Accounts = len(s.accts)
	s.lambda = 0
	s.sum.Lambda, s.sum.Prospect = s.accts[0].ID, s.accts[1].ID
	return nil
}

// place picks where a random account lies: around a commune chosen with
// probability proportional to its population, so that accounts cluster in
// cities as businesses do, and for a thin rural background around a commune
// chosen uniformly, farther out.
func (s *seeder) place(r *rand.Rand) (commune, geo.Point) {
	for {
		var c commune
		var p geo.Point
		if r.Float64() < 0.06 {
			c = s.cs.all[r.IntN(len(s.cs.all))]
			dist := 3000 + 7000*math.Sqrt(r.Float64())
			theta := 2 * math.Pi * r.Float64()
			p = offset(c.Point, dist*math.Cos(theta), dist*math.Sin(theta))
		} else {
			c = s.cs.byPopulation(r.Float64())
			sigma := c.radiusM() / 2
			p = offset(c.Point, r.NormFloat64()*sigma, r.NormFloat64()*sigma)
		}
		if inMetro(p) {
			return c, p
		}
	}
}

func pickKind(r *rand.Rand) accounts.Kind {
	switch x := r.IntN(100); {
	case x < 55:
		return accounts.KindClient
	case x < 90:
		return accounts.KindProspect
	default:
		return accounts.KindFormer
	}
}

func pickSegment(r *rand.Rand) string {
	x := r.IntN(100)
	for _, sg := range segmentShares {
		if x < sg.pct {
			return sg.name
		}
		x -= sg.pct
	}
	return segPME
}

// newDraft invents an account of kind and segment seg at p, in commune c.
func (s *seeder) newDraft(r *rand.Rand, kind accounts.Kind, seg string, c commune, p geo.Point, sirets map[string]bool) draft {
	a := accounts.Account{
		Kind:    kind,
		Name:    companyName(r, seg, c),
		LegalID: siret(r, sirets),
		Address: accounts.Address{Street: street(r, seg), PostalCode: postalCode(r, c), City: c.Name, Country: "France"},
		Point:   geo.Point{Lat: round5(p.Lat), Lng: round5(p.Lng)},
		Segment: seg,
	}

	// Potential is log-normal around the segment's median: most accounts are
	// small, a few large ones make the difference.
	median := 2000.0
	for _, sg := range segmentShares {
		if sg.name == seg {
			median = sg.medianEUR
		}
	}
	euros := median * math.Exp(0.75*r.NormFloat64())
	a.PotentialCents = max(100, int64(math.Round(euros/50)*50)) * 100

	for range r.IntN(4) {
		a.Tags = append(a.Tags, pick(r, tagPool))
	}
	a.OpeningHours = openingHours(r, seg)
	if a.OpeningHours.Known() || r.IntN(2) == 0 {
		a.VisitDuration = visitDuration(r, seg)
	}

	// Registration, the account's CreatedAt (CreateAccounts keeps it):
	// clients are old relations, prospects recent; most unqualified
	// prospects were registered in the last weeks, a few have been waiting
	// too long.
	var registered int // days before now
	qualified := true
	switch kind {
	case accounts.KindClient:
		registered = 365 + r.IntN(10*365)
		qualified = r.IntN(100) < 92
	case accounts.KindFormer:
		registered = 3*365 + r.IntN(8*365)
		qualified = r.IntN(100) < 85
	default:
		if r.IntN(100) < 15 {
			qualified = false
			a.PotentialCents = 0
			registered = r.IntN(56)
			if r.IntN(100) < 15 {
				registered = 61 + r.IntN(340)
			}
		} else {
			registered = 60 + r.IntN(900)
		}
	}
	reg := s.day(-registered)
	a.CreatedAt = reg
	if qualified {
		q := accounts.DateOf(reg.AddDate(0, 0, min(registered, 5+r.IntN(50))))
		a.Qualification = accounts.Qualification{Size: pick(r, sizes[seg]), Sector: pick(r, sectors[seg]), QualifiedAt: &q}
	}
	a.Custom = map[string]any{"siren_verified": r.IntN(100) < 85}
	if kind == accounts.KindClient {
		a.Custom["payment_terms_days"] = pick(r, []int{30, 45, 45, 60})
	}
	return draft{a: a, info: acctInfo{commune: c, registered: reg}}
}

func round5(x float64) float64 { return math.Round(x*1e5) / 1e5 }

// openingHours returns the usual French business hours with the variants a
// rep meets: continuous days in industry, Saturday mornings in trade, Monday
// closing in retail, early starts in the building trades, and some accounts
// whose hours nobody recorded.
func openingHours(r *rand.Rand, seg string) accounts.OpeningHours {
	var oh accounts.OpeningHours
	iv := func(from, to accounts.Clock) accounts.Interval { return accounts.Interval{From: from, To: to} }
	days := []int{1, 2, 3, 4, 5}
	day := []accounts.Interval{iv(8*60+30, 12*60), iv(14*60, 18*60)}
	switch x := r.IntN(100); {
	case x < 6:
		return oh // unknown
	case x < 18 && (seg == segPME || seg == segGrandsComptes):
		day = []accounts.Interval{iv(8*60, 17*60)}
	case x < 30 && seg == segArtisans:
		day = []accounts.Interval{iv(7*60+30, 12*60), iv(13*60+30, 17*60)}
	case x < 40 && seg == segDistribution:
		days = []int{1, 2, 3, 4, 5, 6}
	case x < 50 && seg == segDistribution:
		days = []int{2, 3, 4, 5, 6}
	case x < 25 && seg == segPublic:
		day = []accounts.Interval{iv(9*60, 12*60), iv(14*60, 16*60+30)}
	}
	for _, d := range days {
		oh[d] = day
		if d == 6 { // Saturdays are mornings only
			oh[d] = []accounts.Interval{iv(9*60, 12*60)}
		}
	}
	return oh
}

// visitDuration is the typical time on site: longer at large accounts.
func visitDuration(r *rand.Rand, seg string) time.Duration {
	mins := []int{30, 45, 45, 60, 60, 75, 90}
	if seg == segGrandsComptes {
		mins = []int{60, 75, 90}
	}
	return time.Duration(pick(r, mins)) * time.Minute
}

// specialAccounts makes the accounts of the brief's examples, first so that
// their ids are predictable: LAMBDA SARL, the unqualified prospect, accounts
// along rep1's way to LAMBDA SARL and around it.
func (s *seeder) specialAccounts(r *rand.Rand, sirets map[string]bool) []draft {
	rep1 := &s.reps[0]
	lambdaTown, _ := s.cs.get(lambdaTownCode)
	lambdaAt := offset(lambdaTown.Point, -900, 650) // its industrial zone, south-east of the centre

	d := s.newDraft(r, accounts.KindClient, segGrandsComptes, lambdaTown, lambdaAt, sirets)
	d.a.Name = LambdaName
	d.a.Address.Street = "12 rue Jacques Cartier, ZI des Bruyères"
	d.a.PotentialCents = 4_000_000
	d.a.Tags = []string{"contrat cadre", "multi-sites"}
	d.a.VisitDuration = 90 * time.Minute
	d.a.OwnerID = &rep1.ID
	q := accounts.DateOf(s.day(-8 * 365))
	d.a.Qualification = accounts.Qualification{Size: "250-999", Sector: "Agroalimentaire", QualifiedAt: &q}
	d.a.CreatedAt = s.day(-9 * 365)
	d.info.registered = d.a.CreatedAt
	d.a.Custom["siren_verified"] = true
	out := []draft{d}

	// The prospect of the second example: registered some 68 days ago (15
	// February for a 24 April Now), near rep1's home, never qualified.
	pc := s.cs.nearest(rep1.Home)
	d = s.newDraft(r, accounts.KindProspect, segPME, pc, offset(rep1.Home, 2500, -3200), sirets)
	d.a.Name = ProspectName
	d.a.PotentialCents = 0
	d.a.Qualification = accounts.Qualification{}
	d.a.CreatedAt = s.day(-68)
	d.a.OwnerID = &rep1.ID
	d.info.registered = d.a.CreatedAt
	out = append(out, d)

	// Accounts near the way from rep1's home to LAMBDA SARL, which rep1
	// follows as the key-account manager of the west: the planner's "on the
	// way" examples need candidates along that road.
	for range 30 {
		t := 0.1 + 0.85*r.Float64()
		onLine := geo.Point{Lat: rep1.Home.Lat + t*(lambdaAt.Lat-rep1.Home.Lat), Lng: rep1.Home.Lng + t*(lambdaAt.Lng-rep1.Home.Lng)}
		side := max(-12000, min(12000, r.NormFloat64()*5000))
		// Perpendicular to the roughly east-west route is north-south.
		p := offset(onLine, side, 0)
		c := s.cs.nearest(p)
		kind := accounts.KindClient
		if r.IntN(10) < 4 {
			kind = accounts.KindProspect
		}
		d := s.newDraft(r, kind, pick(r, []string{segPME, segPME, segDistribution, segGrandsComptes}), c, p, sirets)
		d.a.PotentialCents += int64(1000+r.IntN(8000)) * 100
		d.a.OwnerID = &rep1.ID
		out = append(out, d)
	}
	// And a few around LAMBDA SARL itself.
	for range 10 {
		dist := 2000 + 18000*r.Float64()
		theta := 2 * math.Pi * r.Float64()
		p := offset(lambdaAt, dist*math.Cos(theta), dist*math.Sin(theta))
		d := s.newDraft(r, accounts.KindClient, pick(r, []string{segPME, segDistribution, segArtisans}), s.cs.nearest(p), p, sirets)
		d.a.OwnerID = &rep1.ID
		out = append(out, d)
	}
	return out
}

// lambdaTownCode is Saint-Herblain, in the Nantes conurbation, 350 km from
// the centre of Paris.
const lambdaTownCode = "44162"
