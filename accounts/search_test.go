package accounts

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestSearchText(t *testing.T) {
	for _, tt := range []struct {
		words []string // all with the same stem
		other string   // a word with another stem, if any
	}{
		{[]string{"livraison", "livraisons", "Livraisons"}, "livrer"},
		{[]string{"livrer", "livré", "livrée", "livrés", "livrées", "livrez"}, "livraison"},
		{[]string{"rupture", "ruptures", "RUPTURES"}, ""},
		{[]string{"éléments", "elements", "élément", "ÉLÉMENT"}, ""},
		{[]string{"intéressée", "interesse", "intéressés", "intéressé"}, ""},
		{[]string{"retard", "retardées", "retardée", "retarder"}, ""},
		{[]string{"journal", "journaux"}, ""},
		{[]string{"bureau", "bureaux"}, ""},
		{[]string{"information", "informations", "informateur"}, ""},
		{[]string{"Cœur", "coeur", "cœurs"}, ""},
		{[]string{"rapide", "rapides", "rapidement"}, "rapidité"},
		{[]string{"A4", "a4"}, "a"},
	} {
		want := SearchText(tt.words[0])
		for _, w := range tt.words[1:] {
			if got := SearchText(w); got != want {
				t.Errorf("SearchText(%q) = %q, want %q, as for %q", w, got, want, tt.words[0])
			}
		}
		if tt.other != "" && SearchText(tt.other) == want {
			t.Errorf("SearchText(%q) = %q, the stem of %q too", tt.other, want, tt.words[0])
		}
		if strings.ContainsAny(want, " ") || len(want) < 2 {
			t.Errorf("SearchText(%q) = %q, want one stem", tt.words[0], want)
		}
	}
	// Stop words stay, unstemmed, so that phrases keep their place.
	if got, want := SearchText("Rexalor ne peut pas livrer d'éléments."), "rexalor ne peut pas livr d element"; got != want {
		t.Errorf("SearchText = %q, want %q", got, want)
	}
}

func TestReportQueryTerms(t *testing.T) {
	for _, tt := range []struct {
		text string
		want []SearchTerm
	}{
		{"Rexalor livraison", []SearchTerm{{Text: "rexalor"}, {Text: "livraison"}}},
		{"la rupture de stock", []SearchTerm{{Text: "rupture"}, {Text: "stock"}}},
		{`"ne peut pas livrer" Rexalor`, []SearchTerm{{Text: "ne peut pas livrer", Phrase: true}, {Text: "rexalor"}}},
		{`"livraison" "de"`, []SearchTerm{{Text: "livraison"}}},
		{`livrai* "l'entrepôt`, []SearchTerm{{Text: "livrai", Prefix: true}, {Text: "l entrepot", Phrase: true}}},
		{"rexalor REXALOR Rexalor", []SearchTerm{{Text: "rexalor"}}},
		{"'; DROP TABLE activities; --", []SearchTerm{{Text: "drop"}, {Text: "table"}, {Text: "activities"}}},
		{"le de pas", nil},
	} {
		if got := (ReportQuery{Text: tt.text}).Terms(); !slices.Equal(got, tt.want) {
			t.Errorf("Terms(%q) = %+v, want %+v", tt.text, got, tt.want)
		}
	}
}

func TestReportQueryValidate(t *testing.T) {
	q := ReportQuery{Text: "  rexalor  "}
	if err := q.Validate(); err != nil || q.Text != "rexalor" || q.Limit != DefaultReportHits {
		t.Errorf("Validate: %v, %+v; want the text trimmed and the default limit", err, q)
	}
	for _, q := range []ReportQuery{
		{},
		{Text: "de la"},
		{Text: strings.Repeat("é", MaxSearchRunes+1)},
		{Text: "zéro deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dixsept"},
		{Text: "x*"},
		{Text: "rexalor", Limit: -1},
		{Text: "rexalor", AccountIDs: make([]int64, MaxSearchAccountID+1)},
		{Text: "\xff"},
	} {
		if err := q.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("Validate(%q): got %v, want ErrInvalid", q.Text, err)
		}
	}
	// Distinct words under the term limit pass, even when repeated.
	if err := (&ReportQuery{Text: strings.Repeat("mot ", 40)}).Validate(); err != nil {
		t.Errorf("a repeated word: %v", err)
	}
}

func TestReportSnippet(t *testing.T) {
	terms := ReportQuery{Text: `livraison "peut pas" rexa*`}.Terms()
	for _, tt := range []struct{ text, want string }{
		{"Livraisons retardées : Rexalor ne peut pas livrer.",
			"<mark>Livraisons</mark> retardées : <mark>Rexalor</mark> ne <mark>peut</mark> pas livrer."}, // a stop word is not marked
		{"Rien <b>ici</b> & là", "Rien &lt;b&gt;ici&lt;/b&gt; &amp; là"},
		{strings.Repeat("blabla ", 20) + "enfin une livraison " + strings.Repeat("suite ", 60),
			"…" + strings.Repeat("blabla ", 7) + "enfin une <mark>livraison</mark> " +
				strings.TrimSpace(strings.Repeat("suite ", 22)) + "…"},
	} {
		if got := ReportSnippet(tt.text, terms); got != tt.want {
			t.Errorf("ReportSnippet(%q)\n got %q\nwant %q", tt.text, got, tt.want)
		}
	}
}
