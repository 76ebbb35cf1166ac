package csvimport

import (
	"fmt"
	"strings"
)

// column is one field an import understands, with the header names it is
// known by in French and English. Names are compared folded (see fold).
type column struct {
	field    string // canonical name, used in problems
	names    []string
	required bool
}

// accountRef is the pair of columns by which contacts and revenue name their
// account; one of them is required.
var accountRef = []column{
	{field: "account_legal_id", names: []string{"account legal id", "legal id", "siret", "siren", "siret compte", "compte siret", "account siret"}},
	{field: "account_id", names: []string{"account id", "id compte", "compte id", "numero compte"}},
}

var schemas = map[Kind][]column{
	Accounts: {
		{field: "name", required: true, names: []string{"name", "nom", "raison sociale", "societe", "entreprise", "company", "account name", "nom du compte", "denomination"}},
		{field: "kind", names: []string{"kind", "type", "type de compte", "account type"}},
		{field: "legal_id", names: []string{"legal id", "siret", "siren", "identifiant legal"}},
		{field: "street", names: []string{"street", "address", "adresse", "rue", "voie"}},
		{field: "postal_code", names: []string{"postal code", "postcode", "zip", "zip code", "code postal", "cp"}},
		{field: "city", names: []string{"city", "town", "ville", "commune", "localite"}},
		{field: "country", names: []string{"country", "pays"}},
		{field: "lat", required: true, names: []string{"lat", "latitude"}},
		{field: "lng", required: true, names: []string{"lng", "lon", "long", "longitude"}},
		{field: "potential", names: []string{"potential", "potential eur", "monthly potential", "potential monthly", "potentiel", "potentiel eur", "potentiel mensuel", "potentiel mois", "potentiel mensuel eur", "potentiel eur mois", "potentiel mensuel eur mois"}},
		{field: "segment", names: []string{"segment"}},
		{field: "tags", names: []string{"tags", "tag", "etiquettes", "mots cles", "labels"}},
		{field: "visit_duration_min", names: []string{"visit duration min", "visit duration", "visit minutes", "duree visite", "duree de visite", "duree visite min", "duree de visite min", "duree"}},
		{field: "owner_email", names: []string{"owner email", "owner", "rep", "rep email", "commercial", "email commercial", "proprietaire", "responsable"}},
		{field: "size", names: []string{"size", "taille", "effectif"}},
		{field: "sector", names: []string{"sector", "industry", "secteur", "secteur d activite", "activite"}},
	},
	Contacts: append(accountRef[:2:2],
		column{field: "name", required: true, names: []string{"name", "full name", "contact", "contact name", "nom", "nom complet", "nom du contact"}},
		column{field: "first_name", names: []string{"first name", "given name", "prenom"}},
		column{field: "title", names: []string{"title", "job title", "role", "fonction", "poste"}},
		column{field: "email", names: []string{"email", "mail", "courriel", "adresse email", "adresse mail"}},
		column{field: "phone", names: []string{"phone", "phone number", "mobile", "telephone", "tel", "portable"}},
		column{field: "notes", names: []string{"notes", "note", "comments", "remarques", "commentaire", "commentaires"}},
		column{field: "retirement", names: []string{"retirement", "retirement date", "retraite", "date retraite", "date de retraite", "depart en retraite"}},
	),
	Revenue: append(accountRef[:2:2],
		column{field: "month", required: true, names: []string{"month", "period", "mois", "periode"}},
		column{field: "amount", required: true, names: []string{"amount", "amount eur", "revenue", "montant", "montant eur", "ca", "chiffre d affaires", "chiffre d affaires eur"}},
	),
}

// header is the position of each known field in the file's rows.
type header struct {
	index map[string]int // field → column position
	names []string       // the file's own header names, as written
}

// has reports whether the file has a column for field.
func (h header) has(field string) bool { _, ok := h.index[field]; return ok }

// mapHeader matches the file's header names to the fields of schema. It
// returns problems for missing required columns and for two columns giving
// the same field, and warnings for the columns it does not know.
func mapHeader(names []string, schema []column) (header, []Problem, []string) {
	byName := map[string]string{}
	for _, c := range schema {
		byName[fold(c.field)] = c.field
		for _, n := range c.names {
			byName[fold(n)] = c.field
		}
	}
	h := header{index: map[string]int{}, names: names}
	var probs []Problem
	var warns []string
	for i, n := range names {
		if strings.TrimSpace(n) == "" {
			warns = append(warns, fmt.Sprintf("column %d has no name and is ignored", i+1))
			continue
		}
		f, ok := byName[fold(n)]
		if !ok {
			warns = append(warns, fmt.Sprintf("column %q is not known and is ignored", n))
			continue
		}
		if j, dup := h.index[f]; dup {
			probs = append(probs, Problem{Line: 1, Field: f, Message: fmt.Sprintf("columns %q and %q both give %s; keep one", names[j], n, f)})
			continue
		}
		h.index[f] = i
	}
	for _, c := range schema {
		if c.required && !h.has(c.field) {
			probs = append(probs, Problem{Line: 1, Field: c.field, Message: fmt.Sprintf("missing required column %s (%s)", c.field, strings.Join(c.names, ", "))})
		}
	}
	return h, probs, warns
}
