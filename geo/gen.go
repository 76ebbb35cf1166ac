package geo

import (
	"math"
	"math/rand/v2"
	"time"
)

// FranceBounds returns the bounding box of metropolitan France (Corsica included).
func FranceBounds() Bounds {
	return Bounds{Min: Point{Lat: 41.3, Lng: -5.2}, Max: Point{Lat: 51.1, Lng: 9.6}}
}

// city is an urban area: centre and rough population, in thousands.
type city struct {
	name     string
	lat, lng float64
	popK     float64
}

// frenchCities are the largest French urban areas (unités urbaines, rounded).
var frenchCities = []city{
	{"Paris", 48.8566, 2.3522, 10800}, {"Lyon", 45.7640, 4.8357, 1700},
	{"Marseille", 43.2965, 5.3698, 1600}, {"Lille", 50.6292, 3.0573, 1050},
	{"Toulouse", 43.6047, 1.4442, 1000}, {"Bordeaux", 44.8378, -0.5792, 960},
	{"Nice", 43.7102, 7.2620, 940}, {"Nantes", 47.2184, -1.5536, 660},
	{"Toulon", 43.1242, 5.9280, 580}, {"Strasbourg", 48.5734, 7.7521, 500},
	{"Lens", 50.4329, 2.8330, 500}, {"Rouen", 49.4432, 1.0999, 470},
	{"Montpellier", 43.6108, 3.8767, 470}, {"Grenoble", 45.1885, 5.7245, 450},
	{"Saint-Étienne", 45.4397, 4.3872, 370}, {"Rennes", 48.1173, -1.6778, 360},
	{"Tours", 47.3941, 0.6848, 360}, {"Béthune", 50.5303, 2.6408, 360},
	{"Avignon", 43.9493, 4.8055, 340}, {"Valenciennes", 50.3570, 3.5235, 330},
	{"Metz", 49.1193, 6.1757, 290}, {"Nancy", 48.6921, 6.1844, 290},
	{"Bayonne", 43.4929, -1.4748, 290}, {"Orléans", 47.9030, 1.9093, 280},
	{"Clermont-Ferrand", 45.7772, 3.0870, 270}, {"Caen", 49.1829, -0.3707, 270},
	{"Dunkerque", 51.0344, 2.3768, 250}, {"Dijon", 47.3220, 5.0415, 245},
	{"Mulhouse", 47.7508, 7.3359, 245}, {"Angers", 47.4784, -0.5632, 240},
	{"Le Havre", 49.4944, 0.1079, 235}, {"Annecy", 45.8992, 6.1294, 230},
	{"Reims", 49.2583, 4.0317, 215}, {"Brest", 48.3904, -4.4861, 215},
	{"Le Mans", 48.0061, 0.1996, 215}, {"Perpignan", 42.6887, 2.8948, 200},
	{"Pau", 43.2951, -0.3708, 200}, {"Amiens", 49.8941, 2.2958, 180},
	{"Limoges", 45.8336, 1.2611, 180}, {"Nîmes", 43.8367, 4.3601, 175},
	{"Saint-Nazaire", 47.2735, -2.2138, 175}, {"Besançon", 47.2378, 6.0241, 170},
	{"La Rochelle", 46.1603, -1.1511, 165}, {"Chambéry", 45.5646, 5.9178, 140},
	{"Poitiers", 46.5802, 0.3404, 130}, {"Troyes", 48.2973, 4.0744, 130},
	{"Annemasse", 46.1934, 6.2342, 130}, {"Valence", 44.9334, 4.8924, 130},
	{"Lorient", 47.7483, -3.3700, 120}, {"Angoulême", 45.6484, 0.1562, 110},
	{"Colmar", 48.0794, 7.3585, 110}, {"Vannes", 47.6582, -2.7608, 110},
	{"Montbéliard", 47.5100, 6.7983, 110}, {"Béziers", 43.3442, 3.2158, 100},
	{"Calais", 50.9513, 1.8587, 100}, {"Niort", 46.3237, -0.4588, 100},
	{"Fréjus", 43.4330, 6.7370, 100}, {"Quimper", 47.9960, -4.0970, 90},
	{"Bourges", 47.0810, 2.3988, 90}, {"Chartres", 48.4439, 1.4890, 90},
	{"Arras", 50.2910, 2.7775, 90}, {"Ajaccio", 41.9192, 8.7386, 85},
	{"Saint-Brieuc", 48.5141, -2.7603, 85}, {"Cherbourg", 49.6337, -1.6222, 80},
	{"Tarbes", 43.2328, 0.0781, 75}, {"Agen", 44.2033, 0.6163, 70},
	{"Albi", 43.9289, 2.1464, 65}, {"Laval", 48.0707, -0.7734, 65},
	{"Blois", 47.5861, 1.3359, 65}, {"Bastia", 42.6977, 9.4508, 60},
}

// FrenchCities returns the centres of the urban areas GenerateFrance uses,
// largest first.
func FrenchCities() []Point {
	ps := make([]Point, len(frenchCities))
	for i, c := range frenchCities {
		ps[i] = Point{Lat: c.lat, Lng: c.lng}
	}
	return ps
}

var (
	genSegments = []string{"retail", "wholesale", "industry", "hospitality", "health",
		"construction", "agriculture", "services", "public", "automotive"}
	genTags = []string{"bio", "export", "franchise", "family-owned", "seasonal", "key-account",
		"new-owner", "competitor-x", "competitor-y", "tender", "eco", "premium", "discount",
		"chain", "independent", "24h", "delivery", "showroom", "workshop", "warehouse",
		"listed", "startup", "cooperative", "public-body"}
	genLayers = []string{"sales", "maintenance", "phone"}
)

// GenerateFrance returns n accounts (ids 1..n) spread like French businesses,
// the same for the same seed: 88 % in clusters around the largest urban
// areas, in proportion to their population and densest at their centres (a
// 10 km radius around Paris holds tens of thousands of 1,000,000 accounts),
// and 12 % uniformly over FranceBounds, sea included. Kinds are 0 (prospect,
// 55 %), 1 (client, 35 %) and 2 (former client); layers "sales" (95 % of
// accounts assigned), "maintenance" (35 %) and "phone" (15 %); ten segments,
// up to three of 24 tags, scores 0–100, potentials, and last visits within two
// years of 2026-01-01 for 65 % of accounts.
func GenerateFrance(seed uint64, n int) []Entry {
	rng := rand.New(rand.NewPCG(seed, 0x70757265))
	var total float64
	for _, c := range frenchCities {
		total += c.popK
	}
	cum := make([]float64, len(frenchCities))
	var acc float64
	for i, c := range frenchCities {
		acc += c.popK / total
		cum[i] = acc
	}
	fr := FranceBounds()
	ref := DayOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	out := make([]Entry, n)
	for i := range out {
		e := &out[i]
		e.ID = int64(i + 1)
		region := 0
		if rng.Float64() < 0.12 {
			e.Location = Point{
				Lat: fr.Min.Lat + rng.Float64()*(fr.Max.Lat-fr.Min.Lat),
				Lng: fr.Min.Lng + rng.Float64()*(fr.Max.Lng-fr.Min.Lng),
			}
			region = len(frenchCities) + int((e.Location.Lat-fr.Min.Lat)/2)*8 + int((e.Location.Lng-fr.Min.Lng)/2)
		} else {
			ci := min(len(cum)-1, searchFloat(cum, rng.Float64()))
			c := frenchCities[ci]
			// Radius ~ Gamma(2, s): the areal density peaks at the centre.
			s := 1500 * math.Pow(c.popK/100, 0.4)
			r := s * (rng.ExpFloat64() + rng.ExpFloat64())
			e.Location = destination(Point{Lat: c.lat, Lng: c.lng}, r, rng.Float64()*2*math.Pi)
			region = ci
		}
		e.Location.Lat = math.Max(-90, math.Min(90, e.Location.Lat))
		switch x := rng.Float64(); {
		case x < 0.55:
			e.Kind = 0
		case x < 0.90:
			e.Kind = 1
		default:
			e.Kind = 2
		}
		if rng.Float64() < 0.95 {
			e.Assignees = append(e.Assignees, Assignment{genLayers[0], int64(1000 + region*4 + rng.IntN(4))})
		}
		if rng.Float64() < 0.35 {
			e.Assignees = append(e.Assignees, Assignment{genLayers[1], int64(2000 + rng.IntN(40))})
		}
		if rng.Float64() < 0.15 {
			e.Assignees = append(e.Assignees, Assignment{genLayers[2], int64(3000 + rng.IntN(10))})
		}
		u := rng.Float64()
		e.Score = float32(math.Round(u*u*1000) / 10)
		if e.Kind != 0 || rng.Float64() < 0.7 {
			e.PotentialCents = int64(math.Exp(rng.NormFloat64()+math.Log(2000)) * 100)
		}
		e.Segment = genSegments[rng.IntN(len(genSegments))]
		for range rng.IntN(4) {
			e.Tags = append(e.Tags, genTags[rng.IntN(len(genTags))])
		}
		if rng.Float64() < 0.65 {
			e.LastVisit = ref - Day(rng.IntN(730))
		}
	}
	return out
}

// searchFloat returns the first index i with x < cum[i].
func searchFloat(cum []float64, x float64) int {
	lo, hi := 0, len(cum)
	for lo < hi {
		m := (lo + hi) / 2
		if x < cum[m] {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// destination returns the point dM metres from p along the initial bearing
// (radians clockwise from north), on the sphere.
func destination(p Point, dM, bearing float64) Point {
	φ1, λ1, δ := p.Lat*rad, p.Lng*rad, dM/EarthRadiusM
	φ2 := math.Asin(math.Sin(φ1)*math.Cos(δ) + math.Cos(φ1)*math.Sin(δ)*math.Cos(bearing))
	λ2 := λ1 + math.Atan2(math.Sin(bearing)*math.Sin(δ)*math.Cos(φ1), math.Cos(δ)-math.Sin(φ1)*math.Sin(φ2))
	return Point{Lat: φ2 / rad, Lng: wrapLng(λ2 / rad)}
}
