package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tournee/tournee/accounts"
)

// pipeline is the demo organisation's sales pipeline.
var pipeline = []accounts.Stage{
	{Name: "Prospection", Position: 1, Probability: 10},
	{Name: "Qualification", Position: 2, Probability: 25},
	{Name: "Proposition", Position: 3, Probability: 50},
	{Name: "Négociation", Position: 4, Probability: 75},
}

var opportunityNames = []string{
	"Contrat cadre %s", "Équipement atelier – %s", "Renouvellement %s %d", "Remplacement du parc de %s",
	"Référencement %s", "Commande annuelle %s %d", "Dotation %s nouveaux sites", "Essai %s ligne 2",
}

func (s *seeder) seedPipeline(ctx context.Context) error {
	r := s.rng(streamPipeline)
	// Reuse stages of the same name, in case a migration or an earlier run
	// created the pipeline.
	existing, err := s.svc.ListStages(ctx)
	if err != nil {
		return err
	}
	for _, st := range pipeline {
		found := false
		for _, e := range existing {
			if e.Name == st.Name {
				s.stages, found = append(s.stages, e), true
				break
			}
		}
		if !found {
			created, err := s.svc.CreateStage(ctx, st)
			if err != nil {
				return err
			}
			s.stages = append(s.stages, created)
		}
	}

	create := func(o accounts.Opportunity) error {
		if _, err := s.svc.CreateOpportunity(ctx, o); err != nil {
			return err
		}
		s.sum.Opportunities++
		return nil
	}
	lambda := s.accts[s.lambda]
	if err := create(accounts.Opportunity{
		AccountID: lambda.ID, Name: fmt.Sprintf("Contrat cadre %d – visserie et EPI", s.now.Year()+1),
		StageID: s.stages[3].ID, AmountCents: 18_000_000, OwnerID: lambda.OwnerID,
		ExpectedClose: accounts.DateOf(s.day(75)), Status: accounts.StatusOpen,
	}); err != nil {
		return err
	}

	// About one account in ten has a deal, clients and prospects alike.
	target := s.o.Accounts / 10
	picked := map[int]bool{s.lambda: true}
	for s.sum.Opportunities < target {
		i := r.IntN(len(s.accts))
		a := s.accts[i]
		if a.Kind == accounts.KindFormer || picked[i] && r.IntN(4) > 0 {
			continue
		}
		picked[i] = true
		if err := create(s.newOpportunity(r, a)); err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) newOpportunity(r *rand.Rand, a accounts.Account) accounts.Opportunity {
	name := pick(r, opportunityNames)
	if c := countVerbs(name); c == 2 {
		name = fmt.Sprintf(name, pick(r, products), s.now.Year()+r.IntN(2))
	} else {
		name = fmt.Sprintf(name, pick(r, products))
	}
	amount := float64(a.PotentialCents) * (1 + 8*r.Float64())
	if amount == 0 {
		amount = float64(200_000 + r.IntN(2_000_000))
	}
	o := accounts.Opportunity{
		AccountID:   a.ID,
		Name:        name,
		AmountCents: int64(math.Round(amount/10_000)) * 10_000, // whole hundreds of euros
		OwnerID:     a.OwnerID,
	}
	switch x := r.IntN(100); {
	case x < 60:
		o.Status = accounts.StatusOpen
		o.StageID = s.stages[pick(r, []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 3})].ID
		o.ExpectedClose = accounts.DateOf(s.day(7 + r.IntN(180)))
	case x < 85:
		o.Status = accounts.StatusWon
		o.StageID = s.stages[3].ID
		o.ExpectedClose = accounts.DateOf(s.day(-10 - r.IntN(300)))
	default:
		o.Status = accounts.StatusLost
		o.StageID = s.stages[r.IntN(len(s.stages))].ID
		o.ExpectedClose = accounts.DateOf(s.day(-10 - r.IntN(300)))
	}
	return o
}

// countVerbs counts the formatting verbs of a template.
func countVerbs(f string) int {
	n := 0
	for i := 0; i+1 < len(f); i++ {
		if f[i] == '%' {
			n++
			i++
		}
	}
	return n
}
