package demo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/tournee/tournee/geo"
)

//go:embed communes.csv
var communesCSV []byte

// commune is a French municipality from communes.csv.
type commune struct {
	INSEE      string
	Name       string
	PostalCode string
	Dept       string
	geo.Point
	Population int
}

// radiusM is how far from its centre a commune's businesses spread: about
// 1 km for a village of 2,000 people, 6 km for Paris.
func (c commune) radiusM() float64 {
	return 1000 * math.Pow(float64(c.Population)/2000, 0.26)
}

// communes is the parsed table with the lookups placement needs.
type communes struct {
	all    []commune // most populous first
	byCode map[string]int
	cumPop []float64 // cumPop[i] is the population of all[:i+1]
}

// loadCommunes parses the embedded table. It is called once per Seed, which
// keeps the package free of mutable globals at the cost of a few
// milliseconds.
func loadCommunes() (*communes, error) {
	recs, err := csv.NewReader(bytes.NewReader(communesCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("demo: communes.csv: %w", err)
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("demo: communes.csv is empty")
	}
	cs := &communes{byCode: make(map[string]int, len(recs))}
	total := 0.0
	for i, r := range recs[1:] { // skip the header
		if len(r) != 7 {
			return nil, fmt.Errorf("demo: communes.csv line %d: want 7 fields, got %d", i+2, len(r))
		}
		lat, err1 := strconv.ParseFloat(r[4], 64)
		lng, err2 := strconv.ParseFloat(r[5], 64)
		pop, err3 := strconv.Atoi(r[6])
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("demo: communes.csv line %d: bad number", i+2)
		}
		cs.byCode[r[0]] = len(cs.all)
		cs.all = append(cs.all, commune{INSEE: r[0], Name: r[1], PostalCode: r[2], Dept: r[3], Point: geo.Point{Lat: lat, Lng: lng}, Population: pop})
		total += float64(pop)
		cs.cumPop = append(cs.cumPop, total)
	}
	return cs, nil
}

// get returns the commune with INSEE code code; the codes the demo names are
// all in the table, which a test checks.
func (cs *communes) get(code string) (commune, bool) {
	i, ok := cs.byCode[code]
	if !ok {
		return commune{}, false
	}
	return cs.all[i], true
}

// byPopulation maps u in [0,1) to a commune with probability proportional
// to its population.
func (cs *communes) byPopulation(u float64) commune {
	x := u * cs.cumPop[len(cs.cumPop)-1]
	i := sort.SearchFloat64s(cs.cumPop, x)
	return cs.all[min(i, len(cs.all)-1)]
}

// nearest returns the commune closest to p.
func (cs *communes) nearest(p geo.Point) commune {
	best, bestD := 0, math.Inf(1)
	for i, c := range cs.all {
		if d := geo.DistanceM(p, c.Point); d < bestD {
			best, bestD = i, d
		}
	}
	return cs.all[best]
}

// offset returns the point dNorthM metres north and dEastM metres east of p,
// on a local flat approximation that is exact enough within tens of
// kilometres.
func offset(p geo.Point, dNorthM, dEastM float64) geo.Point {
	const mPerDeg = geo.EarthRadiusM * math.Pi / 180
	return geo.Point{
		Lat: p.Lat + dNorthM/mPerDeg,
		Lng: p.Lng + dEastM/(mPerDeg*math.Cos(p.Lat*math.Pi/180)),
	}
}

// Metropolitan France, Corsica included, with a margin of a few kilometres;
// every demo account lies inside.
const (
	metroMinLat, metroMaxLat = 41.3, 51.15
	metroMinLng, metroMaxLng = -5.2, 9.6
)

func inMetro(p geo.Point) bool {
	return p.Lat >= metroMinLat && p.Lat <= metroMaxLat && p.Lng >= metroMinLng && p.Lng <= metroMaxLng
}
