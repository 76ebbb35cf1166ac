package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/tournee/tournee/accounts"
)

// Titles of the people a rep meets, by segment, masculine and feminine;
// the first one is the usual first contact.
var titles = map[string][][2]string{
	segArtisans: {{"Gérant", "Gérante"}, {"Chef d'atelier", "Cheffe d'atelier"}, {"Assistant de gestion", "Assistante de gestion"},
		{"Conjoint collaborateur", "Conjointe collaboratrice"}},
	segPME: {{"Acheteur", "Acheteuse"}, {"Directeur technique", "Directrice technique"}, {"Responsable maintenance", "Responsable maintenance"},
		{"Gérant", "Gérante"}, {"Chef d'atelier", "Cheffe d'atelier"}, {"Responsable logistique", "Responsable logistique"},
		{"Directeur administratif et financier", "Directrice administrative et financière"}},
	segDistribution: {{"Acheteur", "Acheteuse"}, {"Responsable de magasin", "Responsable de magasin"}, {"Chef de rayon outillage", "Cheffe de rayon outillage"},
		{"Directeur d'agence", "Directrice d'agence"}, {"Responsable logistique", "Responsable logistique"}},
	segGrandsComptes: {{"Acheteur", "Acheteuse"}, {"Responsable achats", "Responsable achats"}, {"Directeur d'usine", "Directrice d'usine"},
		{"Responsable maintenance", "Responsable maintenance"}, {"Ingénieur méthodes", "Ingénieure méthodes"}, {"Responsable HSE", "Responsable HSE"}},
	segPublic: {{"Responsable des services techniques", "Responsable des services techniques"}, {"Acheteur public", "Acheteuse publique"},
		{"Directeur des services techniques", "Directrice des services techniques"}, {"Magasinier", "Magasinière"}},
}

var contactNotes = []string{
	"Préfère être contacté le matin.",
	"Joignable uniquement sur portable.",
	"Décisionnaire pour les commandes de plus de 5 000 €.",
	"Très attentif aux délais de livraison.",
	"A travaillé chez un concurrent.",
	"Présent sur site les mardis et jeudis.",
	"Demande des devis détaillés par ligne.",
}

func (s *seeder) seedContacts(ctx context.Context) error {
	r := s.rng(streamContacts)
	var all []accounts.Contact
	for i, a := range s.accts {
		var cs []accounts.Contact
		if i == s.lambda {
			cs = s.lambdaContacts(r, a)
		} else {
			n := 0
			switch {
			case a.Segment == segGrandsComptes:
				n = 2 + r.IntN(2)
			case r.IntN(100) < 62:
				n = 1 + r.IntN(3)
			}
			for k := range n {
				cs = append(cs, s.newContact(r, i, k))
			}
		}
		if len(cs) > 0 {
			s.info[i].contact, s.info[i].title = cs[0].Name, cs[0].Title
		}
		all = append(all, cs...)
	}
	for start := 0; start < len(all); start += contactBatch {
		created, err := s.svc.CreateContacts(ctx, all[start:min(start+contactBatch, len(all))])
		if err != nil {
			return err
		}
		s.sum.Contacts += len(created)
	}
	return nil
}

// newContact invents the k-th contact of the i-th account.
func (s *seeder) newContact(r *rand.Rand, i, k int) accounts.Contact {
	a := s.accts[i]
	first, last, female := personG(r)
	ts := titles[a.Segment]
	t := ts[0]
	if k > 0 || r.IntN(4) == 0 {
		t = pick(r, ts)
	}
	title := t[0]
	if female {
		title = t[1]
	}
	c := accounts.Contact{AccountID: a.ID, Name: first + " " + last, Title: title}
	if r.IntN(10) > 0 {
		c.Email = fmt.Sprintf("%s.%s@%s", slug(first), strings.ReplaceAll(slug(last), "-", ""), emailDomain(a.Name))
	}
	if r.IntN(3) == 0 {
		c.Phone = landline(r, s.info[i].commune.Dept)
	} else {
		c.Phone = mobile(r)
	}
	if r.IntN(6) == 0 {
		c.Notes = pick(r, contactNotes)
	}
	// A few buyers retire within the next year and a half: the rules can
	// remind their reps to meet the successor.
	if strings.HasPrefix(title, "Achet") && r.IntN(40) == 0 {
		d := s.day(60 + r.IntN(480))
		c.Dates = []accounts.KeyDate{{Label: "retraite", Date: accounts.DateOf(d)}}
	}
	return c
}

// lambdaContacts are LAMBDA SARL's buyer, who retires next July, its
// technical director and its manager.
func (s *seeder) lambdaContacts(r *rand.Rand, a accounts.Account) []accounts.Contact {
	dom := emailDomain(a.Name)
	return []accounts.Contact{
		{
			AccountID: a.ID, Name: "Gérard Morin", Title: "Acheteur",
			Email: "gerard.morin@" + dom, Phone: mobile(r),
			Notes: "Acheteur historique du compte. Part en retraite fin juillet : se faire présenter son successeur avant son départ.",
			Dates: []accounts.KeyDate{{Label: "retraite", Date: s.lambdaRetirement()}},
		},
		{AccountID: a.ID, Name: "Sophie Garnier", Title: "Directrice technique", Email: "sophie.garnier@" + dom, Phone: landline(r, "44")},
		{AccountID: a.ID, Name: "Philippe Lambert", Title: "Gérant", Email: "philippe.lambert@" + dom, Phone: landline(r, "44")},
	}
}
