package geo

import (
	"cmp"
	"context"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// naiveLayer is the reference the index must agree with: every polygon's
// bounding box, then ray casting over every edge of every ring, with an
// explicit on-segment check and exact rational arithmetic wherever a float
// comparison cannot decide.
type naiveLayer struct {
	zs     []Zone
	areaM2 []float64
	bounds [][]orb.Bound // of each polygon of each zone
}

func newNaiveLayer(zs []Zone) naiveLayer {
	l := naiveLayer{zs: zs}
	for _, z := range zs {
		l.areaM2 = append(l.areaM2, z.Area.AreaM2())
		var bs []orb.Bound
		for _, poly := range z.Area.mp {
			bs = append(bs, poly.Bound())
		}
		l.bounds = append(l.bounds, bs)
	}
	return l
}

// all returns the ids of the zones holding p: higher priority, then smaller
// area, then lower id first.
func (l naiveLayer) all(p Point) []int64 {
	var in []int
	for i, z := range l.zs {
		for j, poly := range z.Area.mp {
			if naiveContains(poly, l.bounds[i][j], p) {
				in = append(in, i)
				break
			}
		}
	}
	slices.SortFunc(in, func(i, j int) int {
		return cmp.Or(cmp.Compare(l.zs[j].Priority, l.zs[i].Priority),
			cmp.Compare(l.areaM2[i], l.areaM2[j]), cmp.Compare(l.zs[i].ID, l.zs[j].ID))
	})
	var ids []int64
	for _, i := range in {
		ids = append(ids, l.zs[i].ID)
	}
	return ids
}

func (l naiveLayer) at(p Point) int64 {
	if ids := l.all(p); len(ids) > 0 {
		return ids[0]
	}
	return 0
}

// naiveContains: a point on any edge of the polygon (holes included) is in
// it; otherwise it is in it when the ray going east crosses an odd number of
// edges, an edge counting when exactly one of its ends lies north of p. A
// point with a NaN coordinate is nowhere.
func naiveContains(poly orb.Polygon, b orb.Bound, p Point) bool {
	if math.IsNaN(p.Lat) || math.IsNaN(p.Lng) ||
		p.Lng < b.Min[0] || p.Lng > b.Max[0] || p.Lat < b.Min[1] || p.Lat > b.Max[1] {
		return false
	}
	inside := false
	for _, ring := range poly {
		for i := 1; i < len(ring); i++ {
			a, b := ring[i-1], ring[i]
			if naiveOnSegment(a, b, p) {
				return true
			}
			if (a[1] > p.Lat) != (b[1] > p.Lat) && naiveCrossesEast(a, b, p) {
				inside = !inside
			}
		}
	}
	return inside
}

func naiveOnSegment(a, b orb.Point, p Point) bool {
	if p.Lng < min(a[0], b[0]) || p.Lng > max(a[0], b[0]) || p.Lat < min(a[1], b[1]) || p.Lat > max(a[1], b[1]) {
		return false
	}
	// (b-a)×(p-a) = 0
	l := new(big.Float).SetPrec(4400).Mul(floatSub(b[0], a[0]), floatSub(p.Lat, a[1]))
	r := new(big.Float).SetPrec(4400).Mul(floatSub(b[1], a[1]), floatSub(p.Lng, a[0]))
	return l.Cmp(r) == 0
}

// naiveCrossesEast reports whether ab, which straddles p's latitude, meets
// it east of p.
func naiveCrossesEast(a, b orb.Point, p Point) bool {
	switch {
	case p.Lng < min(a[0], b[0]):
		return true
	case p.Lng > max(a[0], b[0]):
		return false
	}
	// x = ax + (py-ay)·(bx-ax)/(by-ay)
	x := new(big.Rat).Mul(ratSub(p.Lat, a[1]), ratSub(b[0], a[0]))
	x.Quo(x, ratSub(b[1], a[1]))
	x.Add(x, new(big.Rat).SetFloat64(a[0]))
	return x.Cmp(new(big.Rat).SetFloat64(p.Lng)) > 0
}

// floatSub returns u-v exactly: 2,100 bits span every float64 exponent.
func floatSub(u, v float64) *big.Float {
	return new(big.Float).SetPrec(2200).Sub(big.NewFloat(u), big.NewFloat(v))
}

func ratSub(u, v float64) *big.Rat {
	return new(big.Rat).Sub(new(big.Rat).SetFloat64(u), new(big.Rat).SetFloat64(v))
}

func mustArea(t testing.TB, g orb.Geometry) Area {
	t.Helper()
	a, err := NewArea(g)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustZones(t testing.TB, zs []Zone) *Zones {
	t.Helper()
	z, err := NewZones(zs)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// boxRing returns the ring of the box from (lng0, lat0) to (lng1, lat1),
// counter-clockwise.
func boxRing(lng0, lat0, lng1, lat1 float64) orb.Ring {
	return orb.Ring{{lng0, lat0}, {lng1, lat0}, {lng1, lat1}, {lng0, lat1}, {lng0, lat0}}
}

// checkAll compares the index's At and All with the reference at p.
func checkAll(t *testing.T, z *Zones, ref naiveLayer, p Point) {
	t.Helper()
	want := ref.all(p)
	if got := z.All(p); !slices.Equal(got, want) {
		t.Errorf("All(%v) = %v, want %v", p, got, want)
	}
	got, ok := z.At(p)
	if want := ref.at(p); got != want || ok != (want != 0) {
		t.Errorf("At(%v) = %d, %t, want %d", p, got, ok, want)
	}
}

func TestZonesBoundaryRule(t *testing.T) {
	holed := orb.Polygon{boxRing(2, 44, 6, 48), boxRing(3, 45, 5, 47)}
	zs := []Zone{
		{ID: 1, Area: mustArea(t, holed)},
		{ID: 2, Area: mustArea(t, orb.Polygon{boxRing(3, 45, 5, 47)})}, // fills the hole of 1
		{ID: 3, Area: mustArea(t, orb.Polygon{{{10, 44}, {12, 46}, {10, 48}, {8, 46}, {10, 44}}})},
	}
	z := mustZones(t, zs)
	ref := newNaiveLayer(zs)
	tests := []struct {
		name string
		p    Point
		want []int64
	}{
		{"inside the shell", Point{46, 2.5}, []int64{1}},
		{"on a shell edge", Point{46, 2}, []int64{1}},
		{"on a shell vertex", Point{44, 2}, []int64{1}},
		{"in a hole, so in the zone filling it only", Point{46, 4}, []int64{2}},
		{"on a hole edge: in both, the smaller first", Point{46, 3}, []int64{2, 1}},
		{"on a hole vertex", Point{45, 3}, []int64{2, 1}},
		{"beyond a shell edge, on its line", Point{49, 2}, nil},
		{"west of everything", Point{46, 1}, nil},
		{"ray through two vertices, outside", Point{46, 7}, nil},
		{"ray through a vertex, inside", Point{46, 9}, []int64{3}},
		{"on a sloping edge", Point{45, 11}, []int64{3}},
		{"on a northernmost vertex", Point{48, 10}, []int64{3}},
		{"just north of it", Point{math.Nextafter(48, 49), 10}, nil},
		{"on a westernmost vertex", Point{46, 8}, []int64{3}},
		{"just west of it", Point{46, math.Nextafter(8, 7)}, nil},
		{"not a number", Point{math.NaN(), 4}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := z.All(tt.p); !slices.Equal(got, tt.want) {
				t.Errorf("All = %v, want %v", got, tt.want)
			}
			if got := ref.all(tt.p); !slices.Equal(got, tt.want) {
				t.Errorf("reference = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestZonesOrder(t *testing.T) {
	zs := []Zone{
		{ID: 1, Area: mustArea(t, orb.Polygon{boxRing(0, 40, 8, 48)})},
		{ID: 2, Area: mustArea(t, orb.Polygon{boxRing(1, 41, 3, 43)})},
		{ID: 3, Priority: 1, Area: mustArea(t, orb.Polygon{boxRing(2, 42, 6, 46)})},
		{ID: 4, Area: mustArea(t, orb.Polygon{boxRing(1, 41, 3, 43)})},              // as 2
		{ID: 5, Priority: 1, Area: mustArea(t, orb.Polygon{boxRing(2, 42, 6, 46)})}, // as 3
		{ID: 6, Area: mustArea(t, orb.Polygon{boxRing(8, 40, 10, 48)})},             // east of 1
		{ID: 7, Priority: -1, Area: mustArea(t, orb.Polygon{boxRing(0.5, 40.5, 1.5, 41.5)})},
	}
	// Listing the zones in another order changes nothing.
	shuffled := slices.Clone(zs)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	ref := newNaiveLayer(zs)
	tests := []struct {
		name string
		p    Point
		want []int64
	}{
		{"one zone", Point{40.25, 0.25}, []int64{1}},
		{"smaller area first, equal ones by id", Point{41.75, 1.75}, []int64{2, 4, 1}},
		{"higher priority before smaller area", Point{42.5, 2.5}, []int64{3, 5, 2, 4, 1}},
		{"on a corner inside a higher-priority zone", Point{43, 3}, []int64{3, 5, 2, 4, 1}},
		{"shared border: the smaller neighbour first", Point{44, 8}, []int64{6, 1}},
		{"lower priority last despite a smaller area", Point{41, 1}, []int64{2, 4, 1, 7}},
		{"nowhere", Point{44, 11}, nil},
	}
	for _, zs := range [][]Zone{zs, shuffled} {
		z := mustZones(t, zs)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := z.All(tt.p); !slices.Equal(got, tt.want) {
					t.Errorf("All = %v, want %v", got, tt.want)
				}
				if got := ref.all(tt.p); !slices.Equal(got, tt.want) {
					t.Errorf("reference = %v, want %v", got, tt.want)
				}
				want := int64(0)
				if len(tt.want) > 0 {
					want = tt.want[0]
				}
				if got, ok := z.At(tt.p); got != want || ok != (want != 0) {
					t.Errorf("At = %d, %t, want %d", got, ok, want)
				}
			})
		}
	}
}

// mixedLayer is a generated partition plus zones that overlap it: copies
// with equal and higher priority, a multipolygon, a ring with a hole and
// the zone filling that hole, and a low-priority zone over everything.
func mixedLayer(t testing.TB) []Zone {
	t.Helper()
	zs := GenerateFranceZones(3, 36)
	// A wobbly ring around Bourges and a hole in it, many edges each.
	circle := func(r float64, n int, hole bool) orb.Ring {
		var ring orb.Ring
		for k := range n {
			a := 2 * math.Pi * float64(k) / float64(n)
			if hole {
				a = -a
			}
			rr := r * (1 + 0.1*math.Sin(5*a))
			ring = append(ring, orb.Point{2.4 + rr*math.Cos(a)*1.5, 47.1 + rr*math.Sin(a)})
		}
		return append(ring, ring[0])
	}
	inner := circle(0.4, 48, true)
	mp := orb.MultiPolygon{zs[19].Area.mp[0], zs[21].Area.mp[0]}
	fr := FranceBounds()
	return append(zs,
		Zone{ID: 100, Area: zs[7].Area},
		Zone{ID: 101, Priority: 1, Area: zs[8].Area},
		Zone{ID: 102, Area: mustArea(t, orb.Polygon{circle(1.1, 96, false), inner})},
		Zone{ID: 103, Area: mustArea(t, orb.Polygon{inner})},
		Zone{ID: 104, Priority: 2, Area: mustArea(t, mp)},
		Zone{ID: 105, Priority: -1, Area: mustArea(t, orb.Polygon{boxRing(fr.Min.Lng, fr.Min.Lat, fr.Max.Lng, fr.Max.Lat)})},
	)
}

func TestZonesMatchReference(t *testing.T) {
	zs := mixedLayer(t)
	z := mustZones(t, zs)
	ref := newNaiveLayer(zs)
	rng := rand.New(rand.NewPCG(11, 12))
	fr := FranceBounds()
	uniform := func(n int, b Bounds) []Point {
		ps := make([]Point, n)
		for i := range ps {
			ps[i] = Point{b.Min.Lat + rng.Float64()*(b.Max.Lat-b.Min.Lat), b.Min.Lng + rng.Float64()*(b.Max.Lng-b.Min.Lng)}
		}
		return ps
	}
	var vertices, midpoints, offByOne []Point
	for _, z := range zs {
		for _, poly := range z.Area.mp {
			for _, ring := range poly {
				for i := 1; i < len(ring); i++ {
					a, b := ring[i-1], ring[i]
					vertices = append(vertices, Point{a[1], a[0]})
					midpoints = append(midpoints, Point{(a[1] + b[1]) / 2, (a[0] + b[0]) / 2})
					if i%8 == 0 {
						for _, d := range []float64{-1, 1} {
							offByOne = append(offByOne,
								Point{math.Nextafter(a[1], a[1]+d), a[0]},
								Point{a[1], math.Nextafter(a[0], a[0]+d)})
						}
					}
				}
			}
		}
	}
	tests := []struct {
		name   string
		ps     []Point
		shared bool // some points lie in two zones of the partition
	}{
		{"random over France and around it", uniform(4000, Bounds{Point{fr.Min.Lat - 0.5, fr.Min.Lng - 0.5}, Point{fr.Max.Lat + 0.5, fr.Max.Lng + 0.5}}), false},
		{"every vertex", vertices, true},
		{"every edge's midpoint", midpoints, true},
		{"one step of float64 off a vertex", offByOne, false},
		{"in and around the hole", uniform(1000, zs[len(zs)-3].Area.Bounds()), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shared := 0
			for _, p := range tt.ps {
				checkAll(t, z, ref, p)
				// Count the points on borders between zones 1..36, which
				// tile the bounds.
				in := 0
				for _, id := range z.All(p) {
					if id <= 36 {
						in++
					}
				}
				if in > 1 {
					shared++
				}
				if fr.Min.Lat <= p.Lat && p.Lat <= fr.Max.Lat && fr.Min.Lng <= p.Lng && p.Lng <= fr.Max.Lng && in == 0 {
					t.Errorf("All(%v) holds no zone of the partition", p)
				}
			}
			if tt.shared && shared == 0 {
				t.Errorf("got no point on a shared border, want some")
			}
		})
	}
}

func TestZonesAssignAll(t *testing.T) {
	zs := mixedLayer(t)
	z := mustZones(t, zs)
	es := GenerateFrance(5, 20_000)
	ps := make([]Point, len(es))
	for i, e := range es {
		ps[i] = e.Location
	}
	got, err := z.AssignAll(context.Background(), ps)
	if err != nil {
		t.Fatal(err)
	}
	assigned := 0
	for i, p := range ps {
		want, _ := z.At(p)
		if got[i] != want {
			t.Fatalf("AssignAll()[%d] = %d, want %d as At(%v)", i, got[i], want, p)
		}
		if want != 0 {
			assigned++
		}
	}
	if assigned == 0 || assigned == len(ps) {
		t.Errorf("got %d of %d points assigned, want some but not all (some are at sea)", assigned, len(ps))
	}
	if got, err := z.AssignAll(context.Background(), nil); len(got) != 0 || err != nil {
		t.Errorf("AssignAll(nil) = %v, %v, want [], nil", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := z.AssignAll(ctx, ps); got != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("AssignAll(cancelled) = %d ids, %v, want none, context.Canceled", len(got), err)
	}
}

func TestZonesAtDoesNotAllocate(t *testing.T) {
	z := mustZones(t, mixedLayer(t))
	// Paris, in a zone of the partition and under the zone over everything.
	if got := testing.AllocsPerRun(100, func() { z.At(Point{48.8566, 2.3522}) }); got != 0 {
		t.Errorf("At: got %v allocations, want 0", got)
	}
}

func TestNewZonesErrors(t *testing.T) {
	a := mustArea(t, orb.Polygon{boxRing(0, 40, 1, 41)})
	tests := []struct {
		name string
		zs   []Zone
	}{
		{"id 0", []Zone{{ID: 0, Area: a}}},
		{"same id twice", []Zone{{ID: 1, Area: a}, {ID: 1, Area: a}}},
		{"no area", []Zone{{ID: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewZones(tt.zs); !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
	}
	var empty Zones
	if id, ok := empty.At(Point{46, 2}); ok {
		t.Errorf("zero Zones: At = %d, true, want none", id)
	}
}

func TestExactOrient(t *testing.T) {
	// Points rounded onto a line sit within an ulp of it, where the float
	// formula's sign is noise: the filter must defer to exact arithmetic.
	rng := rand.New(rand.NewPCG(3, 4))
	floatWrong := 0
	for range 20_000 {
		ax, ay := -5+15*rng.Float64(), 41+10*rng.Float64()
		bx, by := -5+15*rng.Float64(), 41+10*rng.Float64()
		s := rng.Float64() * 2
		cx, cy := ax+s*(bx-ax), ay+s*(by-ay)
		if rng.IntN(2) == 0 {
			cx = math.Nextafter(cx, math.Inf(1))
		}
		got, want := exactOrient(ax, ay, bx, by, cx, cy), bigOrient(ax, ay, bx, by, cx, cy)
		if got != want {
			t.Fatalf("exactOrient(%v, %v, %v, %v, %v, %v) = %d, want %d", ax, ay, bx, by, cx, cy, got, want)
		}
		v := (bx-ax)*(cy-ay) - (by-ay)*(cx-ax)
		if (v > 0) != (want > 0) || (v < 0) != (want < 0) {
			floatWrong++
		}
	}
	if floatWrong == 0 {
		t.Errorf("got the plain float formula right on every near-collinear case, want a test that catches it")
	}
}

func TestGenerateFranceZones(t *testing.T) {
	zs := GenerateFranceZones(1, 100)
	if len(zs) != 100 {
		t.Fatalf("got %d zones, want 100", len(zs))
	}
	if again := GenerateFranceZones(1, 100); !slices.EqualFunc(zs, again, func(a, b Zone) bool {
		return a.ID == b.ID && slices.Equal(a.Area.mp[0][0], b.Area.mp[0][0])
	}) {
		t.Errorf("got different zones for the same seed, want the same")
	}
	fr := FranceBounds()
	onBounds := func(a, b orb.Point) bool {
		return a[0] == b[0] && (a[0] == fr.Min.Lng || a[0] == fr.Max.Lng) ||
			a[1] == b[1] && (a[1] == fr.Min.Lat || a[1] == fr.Max.Lat)
	}
	// Every edge belongs to two zones, once in each direction, unless it
	// lies on the bounds.
	edges := map[[2]orb.Point]int{}
	var sumM2 float64
	for _, z := range zs {
		if got := len(z.Area.mp); got != 1 || len(z.Area.mp[0]) != 1 {
			t.Fatalf("zone %d: got %d polygons, want one without holes", z.ID, got)
		}
		ring := z.Area.mp[0][0]
		if n := len(ring) - 1; n < 130 || n > 640 {
			t.Errorf("zone %d: got %d positions, want 130–640", z.ID, n)
		}
		for i := 1; i < len(ring); i++ {
			edges[[2]orb.Point{ring[i-1], ring[i]}]++
		}
		sumM2 += z.Area.AreaM2()
	}
	for e, n := range edges {
		twin := edges[[2]orb.Point{e[1], e[0]}]
		if n != 1 || twin != 1 && !(twin == 0 && onBounds(e[0], e[1])) {
			t.Fatalf("edge %v: got %d times and %d reversed, want once each way or once on the bounds", e, n, twin)
		}
	}
	// Shared borders cancel out: the zones' areas add up to the bounds'.
	whole := orbgeo.Area(boxRing(fr.Min.Lng, fr.Min.Lat, fr.Max.Lng, fr.Max.Lat))
	if math.Abs(sumM2-whole) > 1e-9*whole {
		t.Errorf("got %.0f m² in all, want %.0f", sumM2, whole)
	}
	if got := len(GenerateFranceZones(1, 30)); got != 30 {
		t.Errorf("GenerateFranceZones(1, 30): got %d zones, want 30 (5 × 6)", got)
	}
}
