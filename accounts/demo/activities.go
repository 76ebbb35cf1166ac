package demo

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/geo"
)

// Visit start times a rep books: mornings and afternoons, never over lunch.
var visitStarts = []accounts.Clock{9 * 60, 9*60 + 30, 10 * 60, 10*60 + 30, 11 * 60, 14 * 60, 14*60 + 30, 15 * 60, 15*60 + 30, 16 * 60}

// roadFactor is how much longer the road is than the straight line, for the
// kilometres logged with a visit.
const roadFactor = 1.3

func (s *seeder) seedActivities(ctx context.Context) error {
	r := s.rng(streamActivities)
	var acts []accounts.Activity
	for i := range s.accts {
		if i == s.lambda {
			acts = append(acts, s.lambdaVisits(r)...)
			continue
		}
		acts = append(acts, s.accountVisits(r, i)...)
	}

	// Calls, e-mails and notes on random accounts over the last year.
	n := len(s.accts)
	for _, kind := range []struct {
		typ       accounts.ActivityType
		count     int
		templates []string
		subject   string
	}{
		{accounts.ActivityCall, n * 6 / 100, callTemplates, "Appel"},
		{accounts.ActivityEmail, n * 2 / 100, emailTemplates, "E-mail"},
		{accounts.ActivityNote, n * 3 / 100, noteTemplates, "Note"},
	} {
		for range kind.count {
			i := r.IntN(n)
			if i == s.lambda {
				continue // LAMBDA SARL's history is written by hand
			}
			a := s.accts[i]
			start := at(weekday(s.day(-1-r.IntN(365))), accounts.Clock(8*60+r.IntN(9*60)))
			rc := reportCtx{at: start, contact: s.info[i].contact, title: s.info[i].title}
			act := accounts.Activity{
				Type: kind.typ, Done: true, AccountID: &a.ID, OwnerID: a.OwnerID,
				Start: start.UTC(), End: start.Add(time.Duration(5+r.IntN(16)) * time.Minute).UTC(),
				Subject: kind.subject, Report: short(r, kind.templates, rc),
			}
			// Skipped after its draws, so that the rest of the stream stays.
			if start.Before(s.info[i].registered) {
				continue // no contact before the account was registered
			}
			acts = append(acts, act)
		}
	}

	// Planned visits, at most one a day, over the next two working weeks
	// fill the reps' calendars.
	var workdays []time.Time
	for d := 1; len(workdays) < 10; d++ {
		if day := s.day(d); day.Weekday() != time.Saturday && day.Weekday() != time.Sunday {
			workdays = append(workdays, day)
		}
	}
	for ri := range s.reps {
		owned := s.ownedBy(s.reps[ri].ID)
		if len(owned) == 0 {
			continue
		}
		days := slices.Clone(workdays)
		r.Shuffle(len(days), func(i, j int) { days[i], days[j] = days[j], days[i] })
		for _, day := range days[:3+r.IntN(4)] {
			i := owned[r.IntN(len(owned))]
			if i == s.lambda {
				continue
			}
			a := s.accts[i]
			start := at(day, pick(r, visitStarts))
			acts = append(acts, accounts.Activity{
				Type: accounts.ActivityVisit, AccountID: &a.ID, OwnerID: a.OwnerID,
				Start: start.UTC(), End: start.Add(a.VisitDuration).UTC(), Subject: pick(r, visitSubjects),
			})
		}
	}

	// Created in time order, as they happened.
	slices.SortStableFunc(acts, func(a, b accounts.Activity) int { return a.Start.Compare(b.Start) })
	for _, a := range acts {
		if _, err := s.svc.CreateActivity(ctx, a); err != nil {
			return err
		}
		s.sum.Activities++
	}
	return nil
}

// ownedBy lists the indexes of the accounts owned by user id.
func (s *seeder) ownedBy(id int64) []int {
	var out []int
	for i, a := range s.accts {
		if a.OwnerID != nil && *a.OwnerID == id {
			out = append(out, i)
		}
	}
	return out
}

// accountVisits draws the done visits of the i-th account: clients are
// visited more than prospects, and about a quarter of the visited accounts
// have gone more than six months without a visit.
func (s *seeder) accountVisits(r *rand.Rand, i int) []accounts.Activity {
	a := s.accts[i]
	var n int
	switch p := r.IntN(100); a.Kind {
	case accounts.KindClient:
		if p < 16 {
			n = 1 + r.IntN(4)
		}
	case accounts.KindProspect:
		if p < 6 {
			n = 1 + r.IntN(2)
		}
	default:
		if p < 3 {
			n = 1
		}
	}
	if n == 0 {
		return nil
	}
	daysAgo := 3 + r.IntN(178)
	if r.IntN(100) < 28 {
		daysAgo = 181 + r.IntN(360)
	}
	var out []accounts.Activity
	for range n {
		day := weekday(s.day(-daysAgo))
		if day.Before(s.info[i].registered) || daysAgo > 730 {
			break
		}
		out = append(out, s.visit(r, i, at(day, pick(r, visitStarts)), ""))
		daysAgo += 40 + r.IntN(110)
	}
	return out
}

// visit is a done visit of the i-th account at start, with its report; a
// recent one may bring news of a competitor's supply problems, which are
// commoner in the west, where Rexalor struggles.
func (s *seeder) visit(r *rand.Rand, i int, start time.Time, report string) accounts.Activity {
	a := s.accts[i]
	if report == "" {
		competitor := ""
		chance := 5
		if s.now.Sub(start) < 120*24*time.Hour {
			chance = 14
		}
		if r.IntN(100) < chance {
			competitor = pick(r, competitors[:])
			if a.Lng < 1 && r.IntN(2) == 0 {
				competitor = "Rexalor"
			}
		}
		rc := reportCtx{at: start, contact: s.info[i].contact, title: s.info[i].title}
		report = visitReport(r, rc, competitor)
	}
	v := accounts.Activity{
		Type: accounts.ActivityVisit, Done: true, AccountID: &a.ID, OwnerID: a.OwnerID,
		Start: start.UTC(), End: start.Add(a.VisitDuration).UTC(),
		Subject: pick(r, visitSubjects), Report: report,
	}
	if a.Kind == accounts.KindProspect {
		v.Subject = "Visite de prospection"
	}
	if r.IntN(100) < 75 {
		p := offset(a.Point, r.NormFloat64()*25, r.NormFloat64()*25)
		v.CheckIn = &geo.Point{Lat: round5(p.Lat), Lng: round5(p.Lng)}
	}
	if owner := s.repByID(a.OwnerID); owner != nil {
		v.TravelledM = int64(math.Round(2 * roadFactor * geo.DistanceM(owner.Home, a.Point)))
	}
	return v
}

func (s *seeder) repByID(id *int64) *accounts.User {
	if id == nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(s.reps, *id, func(u accounts.User, id int64) int { return cmp.Compare(u.ID, id) })
	if !ok {
		return nil
	}
	return &s.reps[i]
}

// lambdaVisits is LAMBDA SARL's history: visits every two months or so,
// the last one long ago, its report announcing the trouble to come.
func (s *seeder) lambdaVisits(r *rand.Rand) []accounts.Activity {
	last := s.lambdaLastVisit()
	retire := s.lambdaRetirement()
	rt, _ := retire.Time()
	reports := []string{
		"Visite annuelle chez LAMBDA SARL avec Gérard Morin (acheteur) et Sophie Garnier (directrice technique). " +
			"Volumes de visserie inox en baisse, Rexalor propose des prix agressifs sur les EPI. " +
			"M. Morin annonce son départ en retraite en " + frMonths[rt.Month()-1] + " " + rt.Format("2006") + ", successeur non désigné. " +
			"Renouvellement du contrat cadre à préparer avant la fin de l'année.",
		"Point trimestriel avec Gérard Morin (acheteur). Bonne tenue des commandes de roulements et de courroies. " +
			"Demande une remise de 4 % sur les consommables de soudure pour un engagement annuel. Envoyer une proposition chiffrée.",
		"Visite de l'atelier de maintenance avec Sophie Garnier (directrice technique). Intérêt pour nos lubrifiants alimentaires " +
			"et un stock tampon de joints toriques sur site. Préparer une offre de réapprovisionnement automatique.",
		"Visite de suivi. Livraisons conformes depuis le changement de transporteur. " +
			"Projet d'extension de la ligne de conditionnement l'an prochain, à suivre avec Philippe Lambert (gérant).",
	}
	var out []accounts.Activity
	day := last
	for k, rep := range reports {
		v := s.visit(r, s.lambda, day, rep)
		v.Subject = []string{"Visite annuelle", "Point trimestriel", "Visite atelier maintenance", "Visite de suivi"}[k]
		out = append(out, v)
		day = at(weekday(day.AddDate(0, -2, -r.IntN(10))), 10*60)
	}
	return out
}
