package accounts

import (
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Report search finds accounts by what their activities (subject and
// report) and their contacts' notes say, and by their own names. It is
// French-aware: case and
// accents are ignored, and words are compared by stem, so that "livraison"
// finds "Livraisons retardées" and "rupture" finds "ruptures".
//
// Query syntax (ReportQuery.Text):
//
//   - words: every word is required, in any order and any field of the
//     record (AND);
//   - "a quoted phrase": its words in that order, next to each other;
//   - prefix*: a word whose stem starts with prefix (at least two letters),
//     compared without stemming the prefix: "livrai*" finds "livraisons";
//   - common French words (le, de, pas, ne...: the stop list of
//     PostgreSQL's french configuration) are ignored outside phrases;
//     a query left with nothing to search for is ErrInvalid;
//   - every other character separates words: there are no operators, so
//     that what a user types is always just text.
//
// Both stores stem: PostgreSQL with its french configuration (Snowball),
// SQLite with SearchText below, a light stemmer that conflates plurals,
// feminines, past participles and infinitives of a word ("retard",
// "retardées", "retarder") but keeps derived nouns apart ("livrer" and
// "livraison" differ, as they do in PostgreSQL), so that both stores give
// the same answers to ordinary queries.

// Limits of a report search.
const (
	MaxSearchRunes     = 200   // length of ReportQuery.Text
	MaxSearchTerms     = 16    // words, phrases and prefixes in one query
	DefaultReportHits  = 100   // ReportQuery.Limit when 0
	MaxReportHits      = 5000  // the most accounts one search returns
	MaxSearchAccountID = 20000 // the most ids ReportQuery.AccountIDs holds
)

// ReportQuery is a full-text search of activity reports, contact notes and
// account names.
type ReportQuery struct {
	Text string // see the query syntax above
	// AccountIDs, when not nil, keeps only the accounts listed (an empty,
	// non-nil list finds nothing): the answer of a spatial query.
	AccountIDs []int64
	Limit      int // accounts; 0 means DefaultReportHits
}

// ReportHit is one account whose records match a ReportQuery, with the
// record that matches best: an activity (ActivityID), a contact
// (ContactID), or, when neither is set, the account's name.
type ReportHit struct {
	AccountID  int64
	ActivityID int64 // the best matching activity (subject and report)
	ContactID  int64 // or the best matching contact (notes)
	// Matches counts the account's records that match, its name counting
	// as one.
	Matches int
	// Rank is the relevance of the best record, higher first; it orders
	// one answer and means nothing across stores or queries.
	Rank float64
	// Snippet is HTML: an excerpt of the best record, escaped, with the
	// matching words in <mark> elements.
	Snippet string
}

// SearchTerm is one required part of a parsed query. Text holds folded
// words (lower case, no accents) separated by single spaces: one word,
// the words of a phrase, or a prefix.
type SearchTerm struct {
	Text   string
	Phrase bool
	Prefix bool
}

// Validate checks q and fills its default limit.
func (q *ReportQuery) Validate() error {
	q.Text = strings.TrimSpace(q.Text)
	switch {
	case q.Text == "":
		return invalid("q", "q must not be empty")
	case !utf8.ValidString(q.Text):
		return invalid("q", "q must be UTF-8 text")
	case utf8.RuneCountInString(q.Text) > MaxSearchRunes:
		return invalid("q", "q must be at most %d characters", MaxSearchRunes)
	}
	if q.Limit == 0 {
		q.Limit = DefaultReportHits
	}
	if q.Limit < 1 || q.Limit > MaxReportHits {
		return invalid("limit", "limit must be between 1 and %d", MaxReportHits)
	}
	if len(q.AccountIDs) > MaxSearchAccountID {
		return invalid("account_ids", "a search covers at most %d accounts", MaxSearchAccountID)
	}
	terms := q.Terms()
	if len(terms) == 0 {
		return invalid("q", "q has no word to search for (common words such as le, de or pas are ignored)")
	}
	if len(terms) > MaxSearchTerms {
		return invalid("q", "q must hold at most %d words, phrases or prefixes", MaxSearchTerms)
	}
	for _, t := range terms {
		if t.Prefix && utf8.RuneCountInString(t.Text) < 2 {
			return invalid("q", "a prefix* needs at least two letters")
		}
	}
	return nil
}

// Terms parses q.Text into its required terms, without stop words; equal
// terms count once.
func (q ReportQuery) Terms() []SearchTerm {
	var out []SearchTerm
	add := func(t SearchTerm) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	words := func(chunk string) {
		tokens := searchTokens(chunk)
		prefix := strings.HasSuffix(chunk, "*")
		for i, tok := range tokens {
			switch {
			case prefix && i == len(tokens)-1:
				add(SearchTerm{Text: tok, Prefix: true})
			case !stopWord(tok):
				add(SearchTerm{Text: tok})
			}
		}
	}
	rest := q.Text
	for rest != "" {
		open := strings.IndexByte(rest, '"')
		if open < 0 {
			open = len(rest)
		}
		for _, chunk := range strings.Fields(rest[:open]) {
			words(chunk)
		}
		if open == len(rest) {
			break
		}
		rest = rest[open+1:]
		end := strings.IndexByte(rest, '"')
		if end < 0 {
			end = len(rest) // an unclosed quote runs to the end
		}
		phrase := searchTokens(rest[:end])
		switch {
		case len(phrase) == 1:
			words(phrase[0])
		case slices.ContainsFunc(phrase, func(w string) bool { return !stopWord(w) }):
			add(SearchTerm{Text: strings.Join(phrase, " "), Phrase: true})
		}
		rest = rest[min(end+1, len(rest)):]
	}
	return out
}

// SearchText is what a store indexes of a text for report search, and,
// applied to a term's words, what it looks for: the folded words, each
// stemmed unless it is a stop word, separated by spaces.
func SearchText(s string) string {
	tokens := searchTokens(s)
	for i, t := range tokens {
		tokens[i] = stemToken(t)
	}
	return strings.Join(tokens, " ")
}

// stemToken stems a folded token, leaving stop words as they are so that
// a phrase keeps them in place.
func stemToken(t string) string {
	if stopWord(t) {
		return t
	}
	return stemFR(t)
}

// searchTokens splits s into folded words: runs of letters and digits,
// lower case, accents removed; any other character separates words.
func searchTokens(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		out = append(out, w)
	}
	return out
}

// fold lowers s and removes its accents (é → e, ç → c, œ → oe), as
// unaccent does in PostgreSQL.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'œ':
			b.WriteString("oe")
		case r == 'æ':
			b.WriteString("ae")
		case r == 'ß':
			b.WriteString("ss")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// frenchStop is PostgreSQL's french stop list (Snowball's), without its
// accented words: PostgreSQL compares the unaccented text with the list,
// so that those never match there either.
var frenchStop = wordSet(`au aux avec ce ces dans de des du elle en et eux il je la le leur lui ma
		mais me mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton
		tu un une vos votre vous c d j l m n s t y suis es est sommes sont serai seras sera serons serez seront
		serais serait serions seriez seraient fus fut furent sois soit soyons soyez soient fusse fusses
		fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai as avons avez ont aurai auras
		aura aurons aurez auront aurais aurait aurions auriez auraient avais avait avions aviez avaient eut
		eurent aie aies ait ayons ayez aient eusse eusses eussions eussiez eussent`)

func wordSet(words string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(words) {
		set[w] = true
	}
	return set
}

func stopWord(t string) bool { return frenchStop[t] }

// stemFR is a light French stemmer over a folded word: it removes the
// plural, then one derivational suffix (-issement, -ement, -ation,
// -ateur, -atrice), then the endings of the feminine, the past participle
// and the infinitive (-ee, -er, -ez, -e). It keeps stems of at least three
// letters; words with digits stay whole.
func stemFR(w string) string {
	if len(w) <= 3 || strings.IndexFunc(w, unicode.IsDigit) >= 0 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "eaux"): // bureaux → bureau
		w = w[:len(w)-1]
	case strings.HasSuffix(w, "aux"): // journaux → journal
		w = w[:len(w)-3] + "al"
	case (strings.HasSuffix(w, "s") || strings.HasSuffix(w, "x")) && !strings.HasSuffix(w, "ss"):
		w = w[:len(w)-1]
	}
	cut := func(suffix string, keep int) bool {
		if strings.HasSuffix(w, suffix) && utf8.RuneCountInString(w)-len(suffix) >= keep {
			w = w[:len(w)-len(suffix)]
			return true
		}
		return false
	}
	_ = cut("issement", 3) || cut("ement", 4) || cut("ation", 3) || cut("ateur", 3) || cut("atrice", 3)
	_ = cut("ee", 3) || cut("er", 3) || cut("ez", 3) || cut("e", 3)
	return w
}

// ReportSnippet returns the HTML excerpt of text for a hit on terms: about
// snippetRunes characters around the first matching word, escaped, with
// the matching words in <mark> and … where the text was cut. Stores call it
// on the best record's text, so that both give the same excerpts.
func ReportSnippet(text string, terms []SearchTerm) string {
	text = strings.Join(strings.Fields(text), " ")
	stems, prefixes := map[string]bool{}, []string{}
	for _, t := range terms {
		if t.Prefix {
			prefixes = append(prefixes, t.Text)
			continue
		}
		for _, w := range strings.Fields(t.Text) {
			if !stopWord(w) {
				stems[stemFR(w)] = true
			}
		}
	}
	type span struct{ start, end int }
	var marks []span
	start := -1
	for i, r := range text + " " {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			for _, w := range searchTokens(text[start:i]) {
				match := !stopWord(w) && stems[stemFR(w)]
				for _, p := range prefixes {
					match = match || strings.HasPrefix(stemToken(w), p) || strings.HasPrefix(w, p)
				}
				if match {
					marks = append(marks, span{start, i})
					break
				}
			}
			start = -1
		}
	}
	// The window starts a little before the first match, at a word.
	from, to := 0, len(text)
	if len(marks) > 0 && marks[0].start > snippetLead {
		from = marks[0].start - snippetLead
		for from < marks[0].start && text[from-1] != ' ' {
			from++
		}
	}
	if utf8.RuneCountInString(text[from:]) > snippetRunes {
		to = from
		for n := 0; n < snippetRunes; n++ {
			_, size := utf8.DecodeRuneInString(text[to:])
			to += size
		}
		// Cut at a space unless the window is one long word.
		if cut := strings.LastIndexByte(text[from:to+1], ' '); cut > 0 {
			to = from + cut
		}
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, m := range marks {
		if m.start < from || m.end > to {
			continue
		}
		b.WriteString(html.EscapeString(text[at:m.start]))
		b.WriteString("<mark>" + html.EscapeString(text[m.start:m.end]) + "</mark>")
		at = m.end
	}
	b.WriteString(html.EscapeString(strings.TrimRight(text[at:to], " ")))
	if to < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

// Snippet sizes, in characters: the excerpt, and the context kept before
// its first match.
const (
	snippetRunes = 200
	snippetLead  = 60
)

// RecordText is the text a snippet is cut from: an activity's subject and
// report, or a contact's notes or an account's name (empty subject).
func RecordText(subject, body string) string {
	if subject == "" || body == "" {
		return subject + body
	}
	return subject + " — " + body
}
