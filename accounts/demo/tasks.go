package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/tournee/tournee/accounts"
)

var taskTitles = []string{
	"Envoyer le devis %s",
	"Rappeler %s",
	"Relancer %s sur l'offre en cours",
	"Transmettre la fiche technique %s",
	"Organiser une démonstration %s",
	"Mettre à jour la fiche client",
	"Vérifier le reliquat de livraison %s",
	"Préparer le renouvellement du contrat cadre",
	"Qualifier le potentiel du prospect",
	"Relancer la facture impayée",
}

func (s *seeder) seedTasks(ctx context.Context) error {
	r := s.rng(streamTasks)
	for range s.o.Accounts / 20 {
		i := r.IntN(len(s.accts))
		if i == s.lambda {
			continue // the rules engine writes LAMBDA SARL's reminder
		}
		t := s.newTask(r, i)
		if _, err := s.svc.CreateTask(ctx, t); err != nil {
			return err
		}
		s.sum.Tasks++
	}
	return nil
}

// newTask is a to-do of the i-th account's owner; a quarter are delegated by
// their manager.
func (s *seeder) newTask(r *rand.Rand, i int) accounts.Task {
	a := s.accts[i]
	owner := *a.OwnerID
	title := pick(r, taskTitles)
	if countVerbs(title) == 1 {
		arg := pick(r, products)
		if title == "Rappeler %s" || title == "Relancer %s sur l'offre en cours" {
			arg = s.info[i].contact
			if arg == "" {
				arg = "l'acheteur"
			}
		}
		title = fmt.Sprintf(title, arg)
	}
	t := accounts.Task{Title: title, AccountID: &a.ID, AssigneeID: owner, CreatedBy: &owner}
	if r.IntN(4) == 0 {
		mgr := s.managerOf[owner]
		t.CreatedBy = &mgr
		t.Notes = "Demandé par le manager à la suite de la revue de portefeuille."
	}
	due := weekday(s.day(-30 + r.IntN(76)))
	t.Due = accounts.DateOf(due)
	t.Status = accounts.TaskOpen
	if due.Before(s.day(0)) {
		switch x := r.IntN(10); {
		case x < 7:
			t.Status = accounts.TaskDone
		case x < 8:
			t.Status = accounts.TaskCancelled
		}
	}
	if t.Status == accounts.TaskOpen && r.IntN(10) < 4 {
		remind := at(due.AddDate(0, 0, -1), 8*60+30).UTC()
		t.RemindAt = &remind
	}
	return t
}
