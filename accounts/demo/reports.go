package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
)

// Competitors returns the invented distributors that visit reports mention.
// A report about a competitor's supply problem is what a rep later searches
// for ("every account whose reports mention Rexalor").
func Competitors() []string { return competitors[:] }

var competitors = [...]string{"Rexalor", "Distrimat", "Fournitec", "Batiprox"}

// What the demo organisation sells: industrial supplies to workshops,
// building trades, distributors and large plants.
var products = []string{
	"roulements", "vis inox", "EPI", "gants de protection", "outils électroportatifs",
	"lubrifiants", "abrasifs", "colles et mastics", "chaînes de transmission", "courroies",
	"vérins pneumatiques", "forets carbure", "disques à tronçonner", "raccords hydrauliques",
	"chaussures de sécurité", "consommables de soudure", "compresseurs", "joints toriques",
}

var frMonths = [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
var frWeekdays = [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}

// reportCtx is what a report may refer to.
type reportCtx struct {
	at      time.Time // when the visit took place, local time
	contact string    // name of the person met, "" if unknown
	title   string    // their title
}

// Sentence templates by theme. Placeholders: {p} and {p2} products, {c} a
// competitor, {who} the person met, {m} a month a few months after the visit
// ({de_m} the same after "de"), {d} a weekday, {n} a quantity, {j} a small
// count, {pct} a percentage, {k} an amount in k€.
var (
	openings = []string{
		"Visite chez le client, reçu par {who}.",
		"Rendez-vous avec {who}, accueil cordial.",
		"Passage sur site, échange d'une heure avec {who}.",
		"Visite de courtoisie, {who} disponible malgré un atelier très chargé.",
		"Rencontre avec {who} dans leurs nouveaux locaux.",
		"Point trimestriel avec {who}.",
		"Visite prévue de longue date, {who} avait préparé ses questions.",
		"Tournée du secteur, arrêt non prévu : {who} m'a reçu quelques minutes.",
	}
	interest = []string{
		"Intéressé par notre gamme de {p}, souhaite un échantillon.",
		"Demande une démonstration des {p} sur leur ligne de production.",
		"Projet d'équipement en {p} pour l'atelier, volume estimé à {n} pièces par mois.",
		"Veut référencer nos {p} en complément des {p2}.",
		"Bon retour sur la dernière livraison de {p}, envisage d'élargir aux {p2}.",
		"Cherche une solution pour réduire la consommation de {p}.",
		"Souhaite tester nos {p} sur un chantier pilote avant de généraliser.",
		"Nouveau responsable maintenance, à former sur nos {p}.",
	}
	prices = []string{
		"Trouve nos prix sur les {p} trop élevés de {pct} % par rapport au marché.",
		"Demande une remise de {pct} % sur les {p} pour un engagement annuel.",
		"Accepte la hausse tarifaire de janvier sur les {p}, mais pas sur les {p2}.",
		"Budget serré cette année, les achats de {p} sont repoussés.",
		"Négociation en cours sur le contrat cadre, écart de {k} k€ à combler.",
		"Prix jugés corrects, le critère principal reste le délai.",
		"Souhaite une grille tarifaire dégressive au-delà de {n} unités.",
	}
	delays = []string{
		"Se plaint de retards de livraison sur les {p} : {j} jours en moyenne.",
		"Dernière commande de {p} livrée incomplète, reliquat attendu.",
		"Délais respectés depuis le changement de transporteur, client satisfait.",
		"Demande une livraison directe sur chantier le {d} matin.",
		"Stock tampon de {p} à mettre en place pour éviter les ruptures.",
		"Veut passer au réapprovisionnement automatique pour les {p}.",
	}
	competitorNews = []string{
		"{c} ne peut plus livrer les {p} avant {m}, le client cherche une alternative.",
		"Rupture chez {c} sur les {p} depuis plusieurs semaines.",
		"{c} a augmenté ses prix de {pct} % sur les {p}, le client nous consulte.",
		"Actuellement fourni par {c} pour les {p}, contrat jusqu'en {m}.",
		"{c} a fermé son agence locale, le client n'a plus d'interlocuteur.",
		"Mécontent du service de {c} : erreurs de commande répétées sur les {p}.",
		"{c} propose des {p} moins chers mais de qualité inférieure selon {who}.",
		"Problèmes d'approvisionnement chez {c}, délais annoncés à {j} semaines.",
	}
	followUps = []string{
		"Envoyer un devis pour les {p} d'ici {d}.",
		"Relancer {who} début {m}.",
		"Prévoir une démonstration avec le technicien.",
		"Transmettre la fiche technique des {p}.",
		"Proposer un rendez-vous avec notre responsable grands comptes.",
		"À revoir au prochain passage dans le secteur.",
		"Préparer une offre de reprise de stock.",
		"Inviter le client à la journée portes ouvertes {de_m}.",
		"Rappeler {d} pour confirmer les quantités.",
		"Aucune action immédiate, client à suivre.",
	}
	people = []string{
		"{who} part en retraite en {m}, son successeur n'est pas encore nommé.",
		"Changement d'acheteur prévu, à identifier rapidement.",
		"Le gérant envisage de céder l'entreprise d'ici deux ans.",
		"Embauche de {j} techniciens, activité en hausse.",
		"Activité en baisse ce trimestre, chômage partiel évoqué.",
		"Nouveau site ouvert à proximité, potentiel à qualifier.",
	}
)

// visitReport writes a French visit report of two to five sentences.
// withCompetitor forces a sentence about a competitor.
func visitReport(r *rand.Rand, rc reportCtx, competitor string) string {
	parts := []string{pick(r, openings)}
	themes := [][]string{interest, prices, delays}
	r.Shuffle(len(themes), func(i, j int) { themes[i], themes[j] = themes[j], themes[i] })
	for _, th := range themes[:1+r.IntN(len(themes))] {
		parts = append(parts, pick(r, th))
	}
	if r.IntN(6) == 0 { // news of people is rarer than talk of products
		parts = append(parts, pick(r, people))
	}
	if competitor != "" {
		parts = append(parts, pick(r, competitorNews))
	}
	parts = append(parts, pick(r, followUps))
	return fill(r, strings.Join(parts, " "), rc, competitor)
}

var callTemplates = []string{
	"Appel de {who} pour un suivi de commande sur les {p}.",
	"Appel sortant : relance du devis {p}, réponse attendue {d}.",
	"{who} rappelle pour un problème de facturation, transmis à l'ADV.",
	"Prise de rendez-vous avec {who} pour {m}.",
	"Appel pour annoncer la nouvelle gamme de {p}. Intéressé, à revoir en visite.",
	"Le client signale une livraison de {p} en retard, vérifié avec la logistique.",
	"Pas joignable, message laissé à l'accueil.",
	"{who} demande un catalogue papier et les conditions de livraison.",
	"Appel entrant : {c} n'honore plus ses livraisons de {p}, le client demande nos délais.",
}

var noteTemplates = []string{
	"Client exigeant sur les délais, toujours confirmer par écrit.",
	"Parking visiteurs à l'arrière du bâtiment, accueil au premier étage.",
	"Le client préfère les rendez-vous en début de matinée.",
	"Fermeture annuelle en août, prévoir les commandes en juillet.",
	"Commandes passées uniquement via leur portail fournisseur.",
	"Paiement à 60 jours, relances fréquentes nécessaires.",
	"Appartient au même groupe que deux autres comptes du secteur.",
	"Concurrence forte de {c} sur ce compte.",
	"Demande systématiquement trois devis : être compétitif sur les {p}.",
}

var emailTemplates = []string{
	"Envoi du devis {p} à {who}.",
	"Envoi de la fiche technique des {p} et des conditions générales.",
	"Confirmation du rendez-vous du {d} par e-mail.",
	"Réponse à la demande de prix sur les {p}.",
}

// short writes a call, note or e-mail text from templates.
func short(r *rand.Rand, templates []string, rc reportCtx) string {
	return fill(r, pick(r, templates), rc, pick(r, competitors[:]))
}

// fill replaces the placeholders of s.
func fill(r *rand.Rand, s string, rc reportCtx, competitor string) string {
	who := rc.contact
	if who == "" {
		who = pick(r, []string{"le responsable de l'atelier", "l'acheteur", "le gérant", "la responsable des achats"})
	} else if rc.title != "" {
		who = fmt.Sprintf("%s (%s)", who, strings.ToLower(rc.title))
	}
	p := pick(r, products)
	p2 := pick(r, products)
	for p2 == p {
		p2 = pick(r, products)
	}
	later := rc.at.AddDate(0, 2+r.IntN(3), 0)
	s = strings.NewReplacer(
		"{who}", who,
		"{p}", p,
		"{p2}", p2,
		"{c}", competitor,
		"{m}", frMonths[later.Month()-1],
		"{de_m}", de(frMonths[later.Month()-1]),
		"{d}", frWeekdays[1+r.IntN(5)],
		"{n}", fmt.Sprint(pick(r, []int{20, 30, 50, 80, 100, 150, 200, 500, 1000})),
		"{j}", fmt.Sprint(2+r.IntN(11)),
		"{pct}", fmt.Sprint(3+r.IntN(13)),
		"{k}", fmt.Sprint(2+r.IntN(40)),
	).Replace(s)
	return capitalizeSentences(s)
}

// capitalizeSentences upper-cases the first letter of s and of every
// sentence in it, which placeholders such as "l'acheteur" may start.
func capitalizeSentences(s string) string {
	rs := []rune(s)
	start := true
	for i, c := range rs {
		switch {
		case start && unicode.IsLetter(c):
			rs[i] = unicode.ToUpper(c)
			start = false
		case c == '.' || c == '!' || c == '?':
			start = true
		case c != ' ':
			start = false
		}
	}
	return string(rs)
}

// visitSubjects are the subject lines of visits.
var visitSubjects = []string{
	"Visite de suivi", "Présentation nouveautés", "Point trimestriel", "Visite commerciale",
	"Démonstration produits", "Revue du contrat", "Visite de prospection", "Suivi réclamation",
}
