package demo

import (
	"context"

	"github.com/tournee/tournee/accounts"
)

// demoRules are the strategic rules of the brief's examples, as a sales
// director would write them: LAMBDA SARL's revenue falling, the prospect
// left unqualified, the buyer about to retire.
var demoRules = []accounts.Rule{
	{
		Name:       "Client en recul",
		Expression: "revenue_month < 0.9 * revenue_month_last_year && potential_monthly > 30000 && days_since_visit > 180",
		Actions: []accounts.Action{
			{Type: accounts.ActionScore, Value: 100},
			{Type: accounts.ActionAlert, CC: []string{"manager"},
				Message: "chiffre d'affaires du dernier mois sous 90 % de l'an dernier, pas de visite depuis 6 mois"},
		},
		Enabled: true, CooldownDays: 30,
	},
	{
		Name:       "Prospect à qualifier",
		Expression: `kind == "prospect" && !qualified && days_since_created > 60`,
		Actions: []accounts.Action{
			{Type: accounts.ActionScore, Value: 20},
			{Type: accounts.ActionAlert, CC: []string{"manager"}, Message: "prospect enregistré il y a plus de 2 mois, toujours pas qualifié"},
		},
		Enabled: true, CooldownDays: 30,
	},
	{
		Name:       "Acheteur sur le départ",
		Expression: `next_key_date("retraite") <= 90`,
		Actions: []accounts.Action{
			{Type: accounts.ActionTask, Title: "Prendre rendez-vous pour être présenté au successeur de l'acheteur", DueInDays: 14},
			{Type: accounts.ActionAlert, Message: "l'acheteur part en retraite dans moins de 3 mois"},
		},
		Enabled: true, CooldownDays: 120,
	},
}

func (s *seeder) seedRules(ctx context.Context) error {
	for _, r := range demoRules {
		if _, err := s.svc.CreateRule(ctx, r); err != nil {
			return err
		}
		s.sum.Rules++
	}
	return nil
}

// Password is the password of every demo user, documented in the README:
// demo data only, never created otherwise.
const Password = "tournee-demo"

// seedPasswords lets every demo user sign in with Password. Each gets a
// hash of its own (its own salt), as real users do.
func (s *seeder) seedPasswords(ctx context.Context) error {
	f := accounts.UserFilter{Page: accounts.Page{Limit: 1000}} // the demo has a few dozen users
	users, err := s.svc.ListUsers(ctx, f)
	if err != nil {
		return err
	}
	for _, u := range users {
		hash, err := accounts.HashPassword(Password)
		if err != nil {
			return err
		}
		if err := s.svc.SetPasswordHash(ctx, u.ID, hash); err != nil {
			return err
		}
	}
	return nil
}
