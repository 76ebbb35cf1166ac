package csvimport

import (
	"bufio"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/tournee/tournee/accounts"
)

func TestFold(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Code postal", "codepostal"},
		{"code_postal", "codepostal"},
		{"CODE-POSTAL", "codepostal"},
		{"Durée visite (min)", "dureevisitemin"},
		{"Secteur d'activité", "secteurdactivite"},
		{"  Téléphone ", "telephone"},
		{"E-mail", "email"},
		{"Œuvre", "oeuvre"},
	} {
		if got := fold(c.in); got != c.want {
			t.Errorf("fold(%q): got %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseEuros(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"30000", 3000000},
		{"30 000,50", 3000050},
		{"30\u00a0000,50", 3000050}, // no-break space, as Excel writes it in French
		{"30\u202f000,5", 3000050},  // narrow no-break space
		{"30000.50", 3000050},
		{"30000,5 €", 3000050},
		{"1.234,56", 123456},
		{"1,234.56", 123456},
		{"1.234.567", 123456700},
		{"30000.500", 3000050},
		{",5", 50},
		{"0", 0},
		{"-12,30", -1230},
		{"+7 EUR", 700},
	} {
		got, err := parseEuros("potential", c.in)
		if err != nil || got != c.want {
			t.Errorf("parseEuros(%q): got %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "abc", "12a", "1,234,5.6.7", "1.2345", "--5", "€", "1e6", "9999999999999999"} {
		if got, err := parseEuros("potential", in); err == nil {
			t.Errorf("parseEuros(%q): got %d, want an error", in, got)
		}
	}
}

func TestParseDegrees(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
	}{
		{"45.7640", 45.764}, {"45,7640", 45.764}, {"-0.5", -0.5}, {"+4", 4}, {".5", 0.5},
	} {
		got, err := parseDegrees("lat", c.in)
		if err != nil || got != c.want {
			t.Errorf("parseDegrees(%q): got %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"NaN", "Inf", "1e3", "0x10", "45.1.2", "45,1,2", "-", "--4", "4°"} {
		if got, err := parseDegrees("lat", in); err == nil {
			t.Errorf("parseDegrees(%q): got %v, want an error", in, got)
		}
	}
}

func TestParseDateAndMonth(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"15/07/2026", "2026-07-15"}, {"5/7/2026", "2026-07-05"}, {"15-07-2026", "2026-07-15"},
		{"15.07.2026", "2026-07-15"}, {"2026-07-15", "2026-07-15"},
	} {
		got, err := parseDate("retirement", c.in)
		if err != nil || got != accounts.Date(c.want) {
			t.Errorf("parseDate(%q): got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"31/02/2026", "2026-13-01", "07/2026", "demain", "15/07/26"} {
		if got, err := parseDate("retirement", in); err == nil {
			t.Errorf("parseDate(%q): got %q, want an error", in, got)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"2024-03", "2024-03"}, {"03/2024", "2024-03"}, {"3/2024", "2024-03"}, {"2024/3", "2024-03"},
		{"01/03/2024", "2024-03"}, {"2024-03-01", "2024-03"},
	} {
		got, err := parseMonth("month", c.in)
		if err != nil || got != accounts.Month(c.want) {
			t.Errorf("parseMonth(%q): got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"13/2024", "2024-13", "mars 2024", "2024", ""} {
		if got, err := parseMonth("month", in); err == nil {
			t.Errorf("parseMonth(%q): got %q, want an error", in, got)
		}
	}
}

func TestParseKindAndMinutes(t *testing.T) {
	for in, want := range map[string]accounts.Kind{
		"client": accounts.KindClient, "Client": accounts.KindClient, "PROSPECT": accounts.KindProspect,
		"former": accounts.KindFormer, "Ancien client": accounts.KindFormer, "ex-client": accounts.KindFormer,
	} {
		if got, err := parseKind(in); err != nil || got != want {
			t.Errorf("parseKind(%q): got %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := parseKind("fournisseur"); err == nil {
		t.Error(`parseKind("fournisseur"): got nil, want an error`)
	}
	for in, want := range map[string]time.Duration{"45": 45 * time.Minute, "30 min": 30 * time.Minute, "90mn": 90 * time.Minute} {
		if got, err := parseMinutes("visit_duration_min", in); err != nil || got != want {
			t.Errorf("parseMinutes(%q): got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "721", "1h", "-5"} {
		if _, err := parseMinutes("visit_duration_min", in); err == nil {
			t.Errorf("parseMinutes(%q): got nil, want an error", in)
		}
	}
}

func TestMapHeader(t *testing.T) {
	h, probs, warns := mapHeader([]string{"Raison sociale", "CP", "Latitude", "Long", "Couleur", "", "Durée visite"}, schemas[Accounts])
	if len(probs) != 0 {
		t.Errorf("problems: got %v, want none", probs)
	}
	want := map[string]int{"name": 0, "postal_code": 1, "lat": 2, "lng": 3, "visit_duration_min": 6}
	for f, i := range want {
		if got, ok := h.index[f]; !ok || got != i {
			t.Errorf("index[%s]: got %d, %v; want %d", f, got, ok, i)
		}
	}
	if len(h.index) != len(want) {
		t.Errorf("index: got %v, want %v", h.index, want)
	}
	if len(warns) != 2 || !strings.Contains(warns[0], `"Couleur"`) || !strings.Contains(warns[1], "column 6") {
		t.Errorf("warnings: got %q, want Couleur and column 6", warns)
	}

	_, probs, _ = mapHeader([]string{"nom", "name", "lat"}, schemas[Accounts])
	if len(probs) != 2 || probs[0].Field != "name" || probs[1].Field != "lng" {
		t.Errorf("problems: got %v, want a duplicate name and a missing lng", probs)
	}
}

func TestOpenDetectsEncoding(t *testing.T) {
	latin := func(s string) string {
		b, err := charmap.Windows1252.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const text = "nom;ville\nSociété Générale d'Équipement;Béziers\n"
	for _, c := range []struct {
		name, in, enc string
		wantEnc       string
		seek          bool
	}{
		{"utf-8 file", text, "", UTF8, true},
		{"utf-8 pipe", text, "", UTF8, false},
		{"utf-8 with BOM", "\xef\xbb\xbf" + text, "", UTF8, true},
		{"windows-1252 file", latin(text), "", Windows1252, true},
		{"windows-1252 pipe", latin(text), "", Windows1252, false},
		{"forced windows-1252", latin(text), Windows1252, Windows1252, true},
		{"forced latin-9", latin(text), ISO885915, ISO885915, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r interface{ Read([]byte) (int, error) } = strings.NewReader(c.in)
			if !c.seek {
				r = bufio.NewReader(strings.NewReader(c.in)) // not a Seeker
			}
			in, err := open(r, c.enc)
			if err != nil {
				t.Fatal(err)
			}
			if in.encoding != c.wantEnc {
				t.Errorf("encoding: got %s, want %s", in.encoding, c.wantEnc)
			}
			var b strings.Builder
			if _, err := in.text.WriteTo(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != text {
				t.Errorf("text: got %q, want %q", b.String(), text)
			}
		})
	}
}

func TestSniffSep(t *testing.T) {
	for _, c := range []struct {
		in   string
		want rune
	}{
		{"nom;ville;cp\na,b;c;d\n", ';'},
		{"name,city,zip\n", ','},
		{"\"a;b\",c,d\n", ','},
		{"name\tcity\n", '\t'},
		{"name\n", ','},
		{"a;b,c\n", ';'},
	} {
		if got := sniffSep(bufio.NewReader(strings.NewReader(c.in))); got != c.want {
			t.Errorf("sniffSep(%q): got %q, want %q", c.in, got, c.want)
		}
	}
}
