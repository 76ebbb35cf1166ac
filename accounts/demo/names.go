package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
)

// The word lists below are read-only tables. They mix the most common French
// first names and surnames of the generations now at work so that the demo
// reads like a real French customer file.
var (
	firstNamesF = []string{
		"Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sandrine", "Valérie", "Christine",
		"Céline", "Stéphanie", "Véronique", "Sophie", "Aurélie", "Julie", "Émilie", "Caroline",
		"Laetitia", "Virginie", "Camille", "Laura", "Manon", "Pauline", "Élodie", "Audrey",
		"Anne", "Hélène", "Chantal", "Martine", "Françoise", "Brigitte", "Claire", "Mélanie",
		"Sarah", "Léa", "Chloé", "Charlotte", "Marion", "Amandine", "Karine", "Patricia",
		"Corinne", "Delphine", "Florence", "Agnès", "Lucie", "Inès", "Nadia", "Fatima",
	}
	firstNamesM = []string{
		"Jean", "Philippe", "Michel", "Alain", "Patrick", "Nicolas", "Christophe", "Pierre",
		"Christian", "Éric", "Frédéric", "Laurent", "Stéphane", "David", "Olivier", "Julien",
		"Sébastien", "Thierry", "Pascal", "Vincent", "Franck", "Guillaume", "Thomas", "Antoine",
		"Jérôme", "Bruno", "Didier", "Gilles", "Dominique", "François", "Mathieu", "Romain",
		"Alexandre", "Maxime", "Kevin", "Benoît", "Yannick", "Fabrice", "Hervé", "Gérard",
		"Bernard", "Daniel", "Lucas", "Hugo", "Karim", "Mehdi", "Yann", "Loïc",
	}
	lastNames = []string{
		"Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
		"Moreau", "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David",
		"Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
		"Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc",
		"Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
		"Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu",
		"Gautier", "Masson", "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire",
		"Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard", "Giraud", "Joly",
		"Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martinez", "Gérard",
		"Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
		"Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix",
		"Olivier", "Philippe", "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet",
		"Rolland", "Leclercq", "Guillaume", "Lecomte", "Lopez", "Jean", "Dupuy", "Guillot",
		"Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin", "Louis", "Deschamps",
		"Le Gall", "Le Goff", "Kerbrat", "Huet", "Vasseur", "Perret", "Collet", "Weber",
		"Tessier", "Charpentier", "Baron", "Prévost", "Marty", "Bailly", "Hamon", "Poirier",
	}
)

// person returns a random first and last name.
func person(r *rand.Rand) (first, last string) {
	first, last, _ = personG(r)
	return first, last
}

// personG returns a random first and last name and whether the first name
// is a woman's, for the titles that agree with it.
func personG(r *rand.Rand) (first, last string, female bool) {
	if female = r.IntN(2) == 0; female {
		first = pick(r, firstNamesF)
	} else {
		first = pick(r, firstNamesM)
	}
	return first, pick(r, lastNames), female
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// Words that company names are made of, by segment.
var (
	artisanTrades = []string{
		"Menuiserie", "Plomberie", "Électricité", "Carrosserie", "Garage", "Serrurerie",
		"Chauffage", "Maçonnerie", "Couverture", "Ébénisterie", "Mécanique", "Métallerie",
		"Peinture", "Charpente", "Climatisation", "Soudure", "Ferronnerie", "Motoculture",
	}
	pmeWords = []string{
		"Industrie", "Usinage", "Mécanique", "Tôlerie", "Emballages", "Transports",
		"Plasturgie", "Chaudronnerie", "Hydraulique", "Automatismes", "Maintenance", "Fonderie",
		"Découpe", "Traitement de Surface", "Agencement", "Bâtiment", "Travaux Publics", "Électromécanique",
	}
	distribWords = []string{
		"Négoce", "Comptoir", "Quincaillerie", "Matériaux", "Fournitures", "Distribution",
		"Outillage", "Dépôt", "Centrale d'Achat", "Agri-Services", "Bricolage", "Pro Équipement",
	}
	groupWords = []string{
		"Groupe", "Industries", "Métallurgie", "Aéronautique", "Agroalimentaire", "Énergies",
		"Construction", "Logistique", "Papeteries", "Verreries", "Ciments", "Forges",
	}
	acronymLetters  = "ABCDEFGHIJKLMNOPRSTV"
	publicBuyers    = []string{"Services techniques de la ville de", "Centre hospitalier de", "Syndicat des eaux de", "Lycée professionnel de", "Communauté de communes de"}
	artisanForms    = []string{"EURL", "SARL", "SARL", "SASU", "EI"}
	companyForms    = []string{"SAS", "SAS", "SARL", "SA", "SARL"}
	streetKinds     = []string{"rue", "rue", "rue", "avenue", "boulevard", "chemin", "route", "allée", "impasse", "place"}
	streetNames     = []string{"de la République", "Jean Jaurès", "Victor Hugo", "du Général de Gaulle", "Pasteur", "de la Gare", "des Écoles", "du Moulin", "de l'Église", "Gambetta", "de la Paix", "des Tilleuls", "Jules Ferry", "du Stade", "de Verdun", "des Acacias", "du Maréchal Foch", "de Paris", "Émile Zola", "Voltaire", "des Lilas", "de la Liberté", "du 8 Mai 1945", "Anatole France", "des Prés", "de la Croix", "du Château", "des Artisans", "de l'Industrie", "Ampère"}
	zoneKinds       = []string{"ZI", "ZA", "ZAC", "Parc d'activités"}
	zoneNames       = []string{"des Bruyères", "du Moulin", "de la Plaine", "Nord", "Sud", "des Champs", "du Bois", "de la Gare", "des Grands Prés", "de l'Écluse", "Les Portes", "du Val", "de la Croix Blanche", "des Sablons"}
	placeAdjectives = []string{"du Centre", "de l'Ouest", "de l'Est", "du Val", "des Deux Rives", "du Plateau", "de la Vallée"}
)

// companyName invents the name of a business of segment seg in commune c.
// Artisans carry their founder's name, distributors and public buyers the
// town's, larger firms an acronym or a family name.
func companyName(r *rand.Rand, seg string, c commune) string {
	_, last := person(r)
	town := shortTown(c.Name)
	switch seg {
	case segArtisans:
		trade := pick(r, artisanTrades)
		switch r.IntN(4) {
		case 0:
			return fmt.Sprintf("%s %s %s", trade, pick(r, placeAdjectives), pick(r, artisanForms))
		case 1:
			return fmt.Sprintf("%s %s et Fils", trade, last)
		default:
			return fmt.Sprintf("%s %s %s", trade, last, pick(r, artisanForms))
		}
	case segDistribution:
		w := pick(r, distribWords)
		switch r.IntN(3) {
		case 0:
			return fmt.Sprintf("%s %s %s", w, town, pick(r, companyForms))
		case 1:
			return fmt.Sprintf("%s %s %s", w, last, pick(r, companyForms))
		default:
			return fmt.Sprintf("%s %s", strings.ToUpper(last), w)
		}
	case segGrandsComptes:
		w := pick(r, groupWords)
		if r.IntN(2) == 0 {
			return fmt.Sprintf("%s %s SA", w, acronym(r))
		}
		return fmt.Sprintf("%s %s %s", w, last, pick(r, []string{"SA", "SAS"}))
	case segPublic:
		return fmt.Sprintf("%s %s", pick(r, publicBuyers), c.Name)
	default: // PME
		w := pick(r, pmeWords)
		switch r.IntN(4) {
		case 0:
			return fmt.Sprintf("%s %s %s", acronym(r), w, pick(r, companyForms))
		case 1:
			return fmt.Sprintf("%s %s %s", w, de(town), pick(r, companyForms))
		case 2:
			return fmt.Sprintf("Établissements %s", last)
		default:
			return fmt.Sprintf("%s %s %s", w, last, pick(r, companyForms))
		}
	}
}

// shortTown drops the tail of a long commune name ("Saint-Herblain" stays,
// "Cherbourg-en-Cotentin" becomes "Cherbourg") as firms do in their names.
func shortTown(name string) string {
	for _, sep := range []string{"-sur-", "-en-", "-lès-", "-les-", "-le-", "-la-", "-de-"} {
		if i := strings.Index(name, sep); i > 0 {
			return name[:i]
		}
	}
	return name
}

// de writes "de Lyon", "d'Angers" or "du Mans".
func de(town string) string {
	switch {
	case strings.HasPrefix(town, "Le "):
		return "du " + town[3:]
	case strings.HasPrefix(town, "Les "):
		return "des " + town[4:]
	case strings.HasPrefix(town, "La "), strings.HasPrefix(town, "L'"):
		return "de " + town
	}
	if first, _ := firstRune(town); strings.ContainsRune("AEIOUYÉÈÊÎÔaeiouy", first) {
		return "d'" + town
	}
	return "de " + town
}

func firstRune(s string) (rune, bool) {
	for _, c := range s {
		return c, true
	}
	return 0, false
}

func acronym(r *rand.Rand) string {
	n := 2 + r.IntN(3)
	b := make([]byte, n)
	for i := range b {
		b[i] = acronymLetters[r.IntN(len(acronymLetters))]
	}
	return string(b)
}

// street invents a street address; businesses of larger segments sit in an
// industrial zone.
func street(r *rand.Rand, seg string) string {
	if seg == segPME || seg == segGrandsComptes || seg == segDistribution {
		if r.IntN(3) > 0 {
			return fmt.Sprintf("%d %s %s, %s %s", 1+r.IntN(60), pick(r, streetKinds), pick(r, streetNames), pick(r, zoneKinds), pick(r, zoneNames))
		}
	}
	return fmt.Sprintf("%d %s %s", 1+r.IntN(120), pick(r, streetKinds), pick(r, streetNames))
}

// postalCode returns the commune's postal code, with a random
// arrondissement for the three cities that have them.
func postalCode(r *rand.Rand, c commune) string {
	switch c.INSEE {
	case "75056":
		return fmt.Sprintf("750%02d", 1+r.IntN(20))
	case "69123":
		return fmt.Sprintf("6900%d", 1+r.IntN(9))
	case "13055":
		return fmt.Sprintf("130%02d", 1+r.IntN(16))
	}
	return c.PostalCode
}

// siret returns a 14-digit SIRET-like number that passes the Luhn check,
// as real SIRETs do, and is not in used.
func siret(r *rand.Rand, used map[string]bool) string {
	for {
		d := make([]int, 14)
		for i := range 8 {
			d[i] = r.IntN(10)
		}
		d[0] = 1 + r.IntN(8) // SIRENs do not start with 0 or 9 in practice
		d[8] = luhnCheck(d[:8])
		// Establishment number: head office 0001x or a branch 000nx.
		d[9], d[10], d[11], d[12] = 0, 0, 0, 1+r.IntN(3)
		d[13] = luhnCheck(d[:13])
		var b strings.Builder
		for _, x := range d {
			b.WriteByte(byte('0' + x))
		}
		if s := b.String(); !used[s] {
			used[s] = true
			return s
		}
	}
}

// luhnCheck returns the digit that makes digits followed by it pass Luhn.
func luhnCheck(digits []int) int {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		x := digits[i]
		if (len(digits)-i)%2 == 1 { // doubled: every second digit from the check digit
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	return (10 - sum%10) % 10
}

// luhnValid reports whether the digit string s passes the Luhn check.
func luhnValid(s string) bool {
	d := make([]int, len(s))
	for i, c := range s {
		if c < '0' || c > '9' {
			return false
		}
		d[i] = int(c - '0')
	}
	return len(d) > 1 && luhnCheck(d[:len(d)-1]) == d[len(d)-1]
}

// mobile returns a French mobile number in international notation.
func mobile(r *rand.Rand) string {
	return fmt.Sprintf("+33 %d %02d %02d %02d %02d", 6+r.IntN(2), r.IntN(100), r.IntN(100), r.IntN(100), r.IntN(100))
}

// landline returns a landline number with the regional prefix of département
// dept (1 Île-de-France, 2 north-west, 3 north-east, 4 south-east, 5
// south-west).
func landline(r *rand.Rand, dept string) string {
	return fmt.Sprintf("+33 %d %02d %02d %02d %02d", phoneZone(dept), 10+r.IntN(90), r.IntN(100), r.IntN(100), r.IntN(100))
}

func phoneZone(dept string) int {
	switch dept {
	case "75", "77", "78", "91", "92", "93", "94", "95":
		return 1
	case "14", "18", "22", "27", "28", "29", "35", "36", "37", "41", "44", "45", "49", "50", "53", "56", "61", "72", "76", "85":
		return 2
	case "02", "08", "10", "21", "25", "39", "51", "52", "54", "55", "57", "58", "59", "60", "62", "67", "68", "70", "71", "80", "88", "89", "90":
		return 3
	case "09", "11", "12", "16", "17", "19", "23", "24", "31", "32", "33", "40", "46", "47", "64", "65", "79", "81", "82", "86", "87":
		return 5
	}
	return 4
}

// slug turns a name into an e-mail-safe lower-case ASCII word.
func slug(s string) string {
	s = unaccent.Replace(strings.ToLower(s))
	var b strings.Builder
	dash := false
	for _, c := range s {
		if c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)) {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

var unaccent = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "a", "ç", "c", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "ô", "o", "ö", "o", "ù", "u", "û", "u", "ü", "u", "ÿ", "y",
	"œ", "oe", "æ", "ae",
)

// emailDomain is the invented mail domain of company, under a reserved
// top-level domain so that no real mailbox can be reached.
func emailDomain(company string) string {
	s := slug(company)
	for _, form := range []string{"-sarl", "-sas", "-sasu", "-sa", "-eurl", "-ei"} {
		s = strings.TrimSuffix(s, form)
	}
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	return s + ".test"
}
