package geo

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// model is the brute-force reference: a plain map of entries, scanned linearly.
type model map[int64]Entry

func (m model) match(e Entry, f Filter) bool {
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, e.Kind) {
		return false
	}
	if f.Layer != "" && (len(f.AssigneeIDs) > 0 || f.Unassigned) {
		var user int64
		for _, a := range e.Assignees {
			if a.Layer == f.Layer {
				user = a.UserID
			}
		}
		if f.Unassigned && user != 0 || !f.Unassigned && (user == 0 || !slices.Contains(f.AssigneeIDs, user)) {
			return false
		}
	}
	if e.Score < f.MinScore || e.PotentialCents < f.MinPotentialCents {
		return false
	}
	if len(f.Segments) > 0 && !slices.Contains(f.Segments, e.Segment) {
		return false
	}
	for _, t := range f.TagsAll {
		if !slices.Contains(e.Tags, t) {
			return false
		}
	}
	if len(f.TagsAny) > 0 && !slices.ContainsFunc(f.TagsAny, func(t string) bool { return t != "" && slices.Contains(e.Tags, t) }) {
		return false
	}
	if f.Visible != nil && !f.Visible.sees(e) {
		return false
	}
	return f.NotVisitedSince == 0 || e.LastVisit == 0 || e.LastVisit < f.NotVisitedSince
}

// query scans every entry; measure returns the hit for e, or false.
func (m model) query(f Filter, measure func(e Entry) (Hit, bool)) []Hit {
	var hits []Hit
	for _, e := range m {
		if !m.match(e, f) {
			continue
		}
		if h, ok := measure(e); ok {
			h.ID, h.Location = e.ID, e.Location
			hits = append(hits, h)
		}
	}
	return hits
}

func limited(hits []Hit, limit int) []Hit {
	if limit > 0 && len(hits) > limit {
		return hits[:limit]
	}
	return hits
}

func (m model) nearest(p Point, k int, f Filter) []Hit {
	hits := m.query(f, func(e Entry) (Hit, bool) { return Hit{DistanceM: DistanceM(p, e.Location)}, true })
	slices.SortFunc(hits, byDistanceThenID)
	return limited(hits, k)
}

func (m model) radius(p Point, r float64, f Filter, limit int) []Hit {
	hits := m.query(f, func(e Entry) (Hit, bool) {
		d := DistanceM(p, e.Location)
		return Hit{DistanceM: d}, d <= r
	})
	slices.SortFunc(hits, byDistanceThenID)
	return limited(hits, limit)
}

func (m model) bounds(b Bounds, a *Area, f Filter, limit int) []Hit {
	hits := m.query(f, func(e Entry) (Hit, bool) {
		p := e.Location
		in := p.Lat >= b.Min.Lat && p.Lat <= b.Max.Lat && p.Lng >= b.Min.Lng && p.Lng <= b.Max.Lng
		return Hit{}, in && (a == nil || a.Contains(p))
	})
	slices.SortFunc(hits, byID)
	return limited(hits, limit)
}

func (m model) corridor(route Polyline, w float64, f Filter, limit int) []Hit {
	c := newCorridor(route, w)
	hits := m.query(f, func(e Entry) (Hit, bool) {
		d, along, ok := c.measure(e.Location)
		return Hit{DistanceM: d, AlongM: along}, ok
	})
	slices.SortFunc(hits, func(a, b Hit) int {
		if a.AlongM != b.AlongM {
			return cmpFloat(a.AlongM, b.AlongM)
		}
		return cmpFloat(float64(a.ID), float64(b.ID))
	})
	return limited(hits, limit)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// dataset builds random entries: generated French accounts, piles of
// duplicates at one spot, points on and near the edges of France's box and,
// for world, points anywhere including near the poles and the antimeridian.
func dataset(rng *rand.Rand, n int, world bool) []Entry {
	es := GenerateFrance(rng.Uint64(), n)
	fr := FranceBounds()
	next := int64(n + 1)
	add := func(p Point) {
		e := es[rng.IntN(len(es))] // copy attributes
		e.ID, e.Location = next, p
		next++
		es = append(es, e)
	}
	for range 20 { // duplicates
		p := es[rng.IntN(len(es))].Location
		for range 1 + rng.IntN(30) {
			add(p)
		}
	}
	for range 100 { // edges and corners of the box
		lat := fr.Min.Lat + rng.Float64()*(fr.Max.Lat-fr.Min.Lat)
		lng := fr.Min.Lng + rng.Float64()*(fr.Max.Lng-fr.Min.Lng)
		switch rng.IntN(5) {
		case 0:
			lat = fr.Min.Lat
		case 1:
			lat = fr.Max.Lat
		case 2:
			lng = fr.Min.Lng
		case 3:
			lng = fr.Max.Lng
		default:
			lat, lng = []float64{fr.Min.Lat, fr.Max.Lat}[rng.IntN(2)], []float64{fr.Min.Lng, fr.Max.Lng}[rng.IntN(2)]
		}
		add(Point{Lat: lat + (rng.Float64()-0.5)*1e-6*float64(rng.IntN(2)), Lng: lng})
	}
	if world {
		for range n / 4 {
			add(randomWorldPoint(rng))
		}
		for _, p := range []Point{{90, 0}, {-90, 0}, {0, 180}, {0, -180}, {10, 179.999}, {-10, -179.999}, {89.99, 45}} {
			add(p)
		}
	}
	rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	return es
}

func randomWorldPoint(rng *rand.Rand) Point {
	return Point{Lat: math.Asin(2*rng.Float64()-1) / rad, Lng: rng.Float64()*360 - 180}
}

// randomPoint picks a query point: an account's spot, near a city, on the
// box's edge, anywhere in France or, for world, anywhere.
func randomPoint(rng *rand.Rand, es []Entry, world bool) Point {
	fr := FranceBounds()
	switch rng.IntN(6) {
	case 0, 1:
		return es[rng.IntN(len(es))].Location
	case 2:
		cs := FrenchCities()
		return destination(cs[rng.IntN(len(cs))], rng.Float64()*20_000, rng.Float64()*2*math.Pi)
	case 3:
		return Point{Lat: fr.Max.Lat, Lng: fr.Min.Lng + rng.Float64()*(fr.Max.Lng-fr.Min.Lng)}
	case 4:
		if world {
			return randomWorldPoint(rng)
		}
	}
	return Point{Lat: fr.Min.Lat + rng.Float64()*(fr.Max.Lat-fr.Min.Lat), Lng: fr.Min.Lng + rng.Float64()*(fr.Max.Lng-fr.Min.Lng)}
}

// randomFilter sets each field of a filter with some probability, from the
// values in es and from values the index has never seen.
func randomFilter(rng *rand.Rand, es []Entry) Filter {
	var f Filter
	pick := func() Entry { return es[rng.IntN(len(es))] }
	if rng.IntN(3) != 0 {
		return f
	}
	if rng.IntN(4) == 0 {
		f.Kinds = []Kind{Kind(rng.IntN(3))}
		if rng.IntN(2) == 0 {
			f.Kinds = append(f.Kinds, Kind(rng.IntN(4)))
		}
	}
	if rng.IntN(4) == 0 {
		f.Layer = []string{"sales", "maintenance", "phone", "unknown"}[rng.IntN(4)]
		if rng.IntN(4) == 0 {
			f.Unassigned = true
		} else {
			for range 1 + rng.IntN(3) {
				if as := pick().Assignees; len(as) > 0 {
					f.AssigneeIDs = append(f.AssigneeIDs, as[rng.IntN(len(as))].UserID)
				} else {
					f.AssigneeIDs = append(f.AssigneeIDs, 424242)
				}
			}
		}
	}
	if rng.IntN(4) == 0 {
		f.MinScore = float32(rng.IntN(100))
	}
	if rng.IntN(4) == 0 {
		f.MinPotentialCents = pick().PotentialCents
	}
	if rng.IntN(4) == 0 {
		f.Segments = []string{pick().Segment}
		if rng.IntN(3) == 0 {
			f.Segments = append(f.Segments, "no-such-segment")
		}
	}
	if rng.IntN(4) == 0 {
		if ts := pick().Tags; len(ts) > 0 {
			f.TagsAll = []string{ts[0]}
		}
		if rng.IntN(5) == 0 {
			f.TagsAll = append(f.TagsAll, "no-such-tag")
		}
	}
	if rng.IntN(4) == 0 {
		f.TagsAny = []string{genTags[rng.IntN(len(genTags))], genTags[rng.IntN(len(genTags))]}
		if rng.IntN(3) == 0 {
			f.TagsAny = append(f.TagsAny, "no-such-tag")
		}
	}
	if rng.IntN(4) == 0 {
		f.NotVisitedSince = pick().LastVisit
	}
	if rng.IntN(4) == 0 {
		f.Visible = randomVisibility(rng, es)
	}
	return f
}

// randomArea returns a star-shaped polygon (never self-intersecting) around c,
// sometimes with a hole.
func randomArea(t *testing.T, rng *rand.Rand, c Point) Area {
	t.Helper()
	n := 3 + rng.IntN(12)
	hole := n >= 6 && rng.IntN(3) == 0
	inner := 0.3
	if hole { // then no edge comes near the centre
		inner = 0.5
	}
	r := 1_000 + rng.Float64()*80_000
	var ring []string
	var first string
	for i := range n {
		a := 2 * math.Pi * (float64(i) + rng.Float64()*0.8) / float64(n)
		p := destination(c, r*(inner+rng.Float64()*(1-inner)), a)
		s := fmt.Sprintf("[%v,%v]", p.Lng, p.Lat)
		if i == 0 {
			first = s
		}
		ring = append(ring, s)
	}
	ring = append(ring, first)
	rings := "[" + strings.Join(ring, ",") + "]"
	if hole { // a small square hole at the centre
		d := r * 0.1 / EarthRadiusM / rad
		rings += fmt.Sprintf(",[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]",
			c.Lng-d, c.Lat-d, c.Lng-d, c.Lat+d, c.Lng+d, c.Lat+d, c.Lng+d, c.Lat-d, c.Lng-d, c.Lat-d)
	}
	a, err := ParseArea([]byte(`{"type":"Polygon","coordinates":[` + rings + `]}`))
	if err != nil {
		t.Fatalf("random area: %v", err)
	}
	return a
}

func randomRoute(rng *rand.Rand, start Point) Polyline {
	route := Polyline{start}
	p := start
	for range 1 + rng.IntN(20) {
		if rng.IntN(8) == 0 { // a repeated position: a zero-length segment
			route = append(route, p)
			continue
		}
		p = destination(p, rng.Float64()*[]float64{500, 5_000, 60_000}[rng.IntN(3)], rng.Float64()*2*math.Pi)
		p.Lat = math.Max(-90, math.Min(90, p.Lat))
		route = append(route, p)
	}
	return route
}

func checkHits(t *testing.T, what string, got, want []Hit) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d hits, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: hit %d = %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

var seeds = flag.Int("seeds", 6, "random data sets of TestIndexMatchesBruteForce")

// TestIndexMatchesBruteForce runs random queries of every kind, with random
// filters and limits, against an index and a linear scan of the same
// accounts, before and after random moves, edits and deletions.
func TestIndexMatchesBruteForce(t *testing.T) {
	seeds, queries := *seeds, 150
	if testing.Short() {
		seeds, queries = min(seeds, 2), 40
	}
	for seed := range seeds {
		world := seed%3 == 2
		t.Run(fmt.Sprintf("seed=%d/world=%v", seed, world), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(seed), 99))
			es := dataset(rng, 4_000, world)
			ix, err := NewIndex(es)
			if err != nil {
				t.Fatal(err)
			}
			m := model{}
			for _, e := range es {
				m[e.ID] = e
			}
			for round := range 2 {
				if round == 1 {
					mutate(t, rng, ix, m, es)
				}
				if ix.Len() != len(m) {
					t.Fatalf("Len = %d, want %d", ix.Len(), len(m))
				}
				for _, e := range es {
					got, ok := ix.Get(e.ID)
					if want, in := m[e.ID]; ok != in || ok && (got.Location != want.Location || got.Score != want.Score) {
						t.Fatalf("Get(%d) = %+v, %v; want %+v, %v", e.ID, got, ok, want, in)
					}
				}
				for q := range queries {
					runQuery(t, rng, ix, m, es, world, fmt.Sprintf("round %d query %d", round, q))
				}
			}
		})
	}
}

// mutate moves, edits, deletes and re-adds accounts in both ix and m.
func mutate(t *testing.T, rng *rand.Rand, ix *Index, m model, es []Entry) {
	t.Helper()
	for range len(es) / 2 {
		e := es[rng.IntN(len(es))]
		switch rng.IntN(4) {
		case 0:
			if got, want := ix.Delete(e.ID), m[e.ID].ID != 0; got != want {
				t.Fatalf("Delete(%d) = %v, want %v", e.ID, got, want)
			}
			delete(m, e.ID)
		case 1: // move, maybe onto another account's spot
			e.Location = es[rng.IntN(len(es))].Location
			if rng.IntN(2) == 0 {
				e.Location = destination(e.Location, rng.Float64()*5_000, rng.Float64()*2*math.Pi)
			}
			fallthrough
		default: // edit attributes, or re-add a deleted account
			o := es[rng.IntN(len(es))]
			e.Kind, e.Score, e.Tags, e.Assignees = o.Kind, o.Score, o.Tags, o.Assignees
			if err := ix.Upsert(e); err != nil {
				t.Fatal(err)
			}
			m[e.ID] = e
		}
	}
}

func runQuery(t *testing.T, rng *rand.Rand, ix *Index, m model, es []Entry, world bool, name string) {
	t.Helper()
	p := randomPoint(rng, es, world)
	f := randomFilter(rng, es)
	limit := []int{0, 1, 10, 100}[rng.IntN(4)]
	what := fmt.Sprintf("%s at %v filter %+v limit %d", name, p, f, limit)
	must := func(hits []Hit, err error) []Hit {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return hits
	}
	k := 1 + rng.IntN(50)
	checkHits(t, "Nearest "+what, must(ix.Nearest(p, k, f)), m.nearest(p, k, f))

	r := math.Exp(rng.Float64() * math.Log(300_000))
	if world && rng.IntN(4) == 0 {
		r = rng.Float64() * 3_000_000
	}
	checkHits(t, fmt.Sprintf("WithinRadius %g m %s", r, what), must(ix.WithinRadius(p, r, f, limit)), m.radius(p, r, f, limit))

	q := randomPoint(rng, es, world)
	b := Bounds{Min: Point{Lat: min(p.Lat, q.Lat), Lng: min(p.Lng, q.Lng)}, Max: Point{Lat: max(p.Lat, q.Lat), Lng: max(p.Lng, q.Lng)}}
	checkHits(t, fmt.Sprintf("WithinBounds %+v %s", b, what), must(ix.WithinBounds(b, f, limit)), m.bounds(b, nil, f, limit))

	if math.Abs(p.Lat) < 80 && math.Abs(p.Lng) < 170 {
		a := randomArea(t, rng, p)
		ab := a.Bounds()
		checkHits(t, "WithinArea "+what, must(ix.WithinArea(a, f, limit)), m.bounds(ab, &a, f, limit))
	}

	route := randomRoute(rng, p)
	w := rng.Float64() * []float64{100, 5_000, MaxWidthM}[rng.IntN(3)]
	checkHits(t, fmt.Sprintf("AlongRoute %v width %g %s", route, w, what), must(ix.AlongRoute(route, w, f, limit)), m.corridor(route, w, f, limit))
}

func TestIndexEntriesRoundTrip(t *testing.T) {
	es := GenerateFrance(1, 500)
	ix, err := NewIndex(es)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range es {
		got, ok := ix.Get(want.ID)
		if !ok {
			t.Fatalf("Get(%d): missing", want.ID)
		}
		slices.Sort(want.Tags)
		want.Tags = slices.Compact(want.Tags)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("Get(%d) = %+v, want %+v", want.ID, got, want)
		}
	}
	if _, ok := ix.Get(-1); ok {
		t.Error("Get(-1) found an entry")
	}
	if ix.Delete(-1) {
		t.Error("Delete(-1) = true")
	}
}

func TestZeroIndex(t *testing.T) {
	var ix Index
	if hits, err := ix.Nearest(Point{45, 4}, 5, Filter{}); err != nil || len(hits) != 0 {
		t.Fatalf("Nearest on an empty index = %v, %v", hits, err)
	}
	if err := ix.Upsert(Entry{ID: 7, Location: Point{45, 4}}); err != nil {
		t.Fatal(err)
	}
	hits, err := ix.Nearest(Point{46, 4}, 5, Filter{})
	if err != nil || len(hits) != 1 || hits[0].ID != 7 {
		t.Fatalf("Nearest = %v, %v", hits, err)
	}
	if want := DistanceM(Point{46, 4}, Point{45, 4}); hits[0].DistanceM != want {
		t.Errorf("DistanceM = %v, want %v", hits[0].DistanceM, want)
	}
}

func TestIndexRejects(t *testing.T) {
	var ix Index
	layers := func(n int) []Assignment {
		var as []Assignment
		for i := range n {
			as = append(as, Assignment{Layer: fmt.Sprint("layer", i), UserID: 1})
		}
		return as
	}
	route := Polyline{{45, 4}, {46, 4}}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"latitude", ix.Upsert(Entry{ID: 1, Location: Point{91, 0}}), "account 1: lat must be between -90 and 90"},
		{"kind", ix.Upsert(Entry{ID: 1, Kind: 64}), "kind must be at most 63"},
		{"score", ix.Upsert(Entry{ID: 1, Score: float32(math.NaN())}), "score must be a finite number"},
		{"potential", ix.Upsert(Entry{ID: 1, PotentialCents: -1}), "potential must not be negative"},
		{"same layer twice", ix.Upsert(Entry{ID: 1, Assignees: []Assignment{{"a", 1}, {"a", 2}}}), `two assignees in layer "a"`},
		{"too many layers", ix.Upsert(Entry{ID: 1, Assignees: layers(MaxLayers + 1)}), "more than 8 distinct territory layers"},
		{"duplicate ids", func() error { _, err := NewIndex([]Entry{{ID: 3}, {ID: 3}}); return err }(), "account 3 appears twice"},
		{"k", func() error { _, err := ix.Nearest(Point{}, 0, Filter{}); return err }(), "must be positive"},
		{"radius", func() error { _, err := ix.WithinRadius(Point{}, -1, Filter{}, 0); return err }(), "radius must be between"},
		{"NaN radius", func() error { _, err := ix.WithinRadius(Point{}, math.NaN(), Filter{}, 0); return err }(), "radius must be between"},
		{"limit", func() error { _, err := ix.WithinRadius(Point{}, 1, Filter{}, -1); return err }(), "limit must not be negative"},
		{"bounds", func() error {
			_, err := ix.WithinBounds(Bounds{Min: Point{1, 1}, Max: Point{0, 2}}, Filter{}, 0)
			return err
		}(), "min must be south-west of max"},
		{"empty area", func() error { _, err := ix.WithinArea(Area{}, Filter{}, 0); return err }(), "area is empty"},
		{"short route", func() error { _, err := ix.AlongRoute(route[:1], 10, Filter{}, 0); return err }(), "route has 1 positions, at least 2"},
		{"width", func() error { _, err := ix.AlongRoute(route, MaxWidthM+1, Filter{}, 0); return err }(), "corridor width must be between"},
		{"filter kind", func() error { _, err := ix.Nearest(Point{}, 1, Filter{Kinds: []Kind{99}}); return err }(), "kind must be at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil || !errors.Is(tt.err, ErrInvalid) || !strings.Contains(tt.err.Error(), tt.want) {
				t.Errorf("error = %v, want an ErrInvalid containing %q", tt.err, tt.want)
			}
		})
	}
}

func TestParseLineString(t *testing.T) {
	tests := []struct {
		name, geojson, want string
	}{
		{"route", `{"type":"LineString","coordinates":[[2.35,48.85],[4.83,45.76]]}`, ""},
		{"not JSON", `[`, "route is not valid GeoJSON"},
		{"polygon", `{"type":"Polygon","coordinates":[[[4,45],[5,45],[5,46],[4,45]]]}`, "route must be a LineString, not Polygon"},
		{"one position", `{"type":"LineString","coordinates":[[2.35,48.85]]}`, "route has 1 positions, at least 2 are needed"},
		{"no position", `{"type":"LineString","coordinates":[]}`, "route has 0 positions"},
		{"longitude", `{"type":"LineString","coordinates":[[2.35,48.85],[200,45]]}`, "route position 1: lng must be between -180 and 180"},
		{"latitude", `{"type":"LineString","coordinates":[[2.35,-91],[2,45]]}`, "route position 0: lat must be between -90 and 90"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ParseLineString([]byte(tt.geojson))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if l[0] != (Point{Lat: 48.85, Lng: 2.35}) {
					t.Errorf("first position = %v, want lat 48.85 lng 2.35", l[0])
				}
				back, err := l.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				if again, err := ParseLineString(back); err != nil || !slices.Equal(again, l) {
					t.Errorf("round trip = %v, %v; want %v", again, err, l)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseLineString = %v, want an ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

// sphereDistanceToSegment returns the great-circle distance from p to the
// great-circle segment ab, by a golden-section search along the arc.
func sphereDistanceToSegment(p, a, b Point) float64 {
	f := func(t float64) float64 { return DistanceM(p, interpolate(a, b, t)) }
	lo, hi := 0.0, 1.0
	g := (math.Sqrt(5) - 1) / 2
	for range 100 {
		m1, m2 := hi-g*(hi-lo), lo+g*(hi-lo)
		if f(m1) < f(m2) {
			hi = m2
		} else {
			lo = m1
		}
	}
	return math.Min(f((lo+hi)/2), math.Min(f(0), f(1)))
}

// TestCorridorPrecision checks the documented precision of the local
// projections against distances measured on the sphere.
func TestCorridorPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, widthM := range []float64{5_000, MaxWidthM} {
		worst := 0.0
		for range 2_000 {
			a := randomPoint(rng, GenerateFrance(1, 10), false)
			b := destination(a, rng.Float64()*300_000, rng.Float64()*2*math.Pi)
			route := Polyline{a, b}
			c := newCorridor(route, widthM)
			along := rng.Float64() * route.LengthM()
			p := destination(interpolate(a, b, along/route.LengthM()), rng.Float64()*widthM, rng.Float64()*2*math.Pi)
			got, _, _ := c.measure(p)
			want := sphereDistanceToSegment(p, a, b)
			// Pieces are straight in their plane: about 1 m off the arc.
			if err := (math.Abs(got-want) - 1) / want; err > worst {
				worst = err
			}
		}
		limit := map[float64]float64{5_000: 0.001, MaxWidthM: 0.01}[widthM]
		t.Logf("width %g m: worst relative error %.5f", widthM, worst)
		if worst > limit {
			t.Errorf("width %g m: worst relative error %.5f, documented under %g", widthM, worst, limit)
		}
	}
}

// TestConcurrentReadsAndWrites is for the race detector: queries run while
// one writer moves and deletes accounts.
func TestConcurrentReadsAndWrites(t *testing.T) {
	es := GenerateFrance(3, 5_000)
	ix, err := NewIndex(es)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := range 3 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 1))
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := es[rng.IntN(len(es))].Location
				if _, err := ix.Nearest(p, 10, Filter{}); err != nil {
					t.Error(err)
				}
				if _, err := ix.AlongRoute(Polyline{p, destination(p, 20_000, 1)}, 2_000, Filter{}, 0); err != nil {
					t.Error(err)
				}
			}
		})
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range 3_000 {
		e := es[rng.IntN(len(es))]
		if i%3 == 0 {
			ix.Delete(e.ID)
			continue
		}
		e.Location = destination(e.Location, 1_000, 2)
		if err := ix.Upsert(e); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

func TestGenerateFrance(t *testing.T) {
	a, b := GenerateFrance(42, 20_000), GenerateFrance(42, 20_000)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("GenerateFrance is not deterministic for a seed")
	}
	if fmt.Sprint(GenerateFrance(43, 10)) == fmt.Sprint(a[:10]) {
		t.Error("seeds 42 and 43 give the same accounts")
	}
	paris := Point{Lat: 48.8566, Lng: 2.3522}
	near := 0
	for _, e := range a {
		if err := validateEntry(&e); err != nil {
			t.Fatal(err)
		}
		if DistanceM(paris, e.Location) <= 10_000 {
			near++
		}
	}
	// Tens of thousands of a million: hundreds of 20,000.
	if near < 200 || near > 4_000 {
		t.Errorf("%d of %d accounts within 10 km of Paris", near, len(a))
	}
}
