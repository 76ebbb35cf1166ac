package geo

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// The benchmarks share one index of 1,000,000 generated accounts, built once
// per test process: go test -run '^$' -bench . -benchtime 20000x ./geo

const benchN = 1_000_000

var bench struct {
	entries     sync.Once
	es          []Entry
	index       sync.Once
	ix          *Index
	heapPerAcct float64
}

func benchEntries() []Entry {
	bench.entries.Do(func() { bench.es = GenerateFrance(1, benchN) })
	return bench.es
}

// benchIndex returns the shared index and the heap it takes per account.
func benchIndex(b *testing.B) (*Index, float64) {
	b.Helper()
	es := benchEntries()
	bench.index.Do(func() {
		var err error
		bench.ix, bench.heapPerAcct, err = buildMeasured(es)
		if err != nil {
			b.Fatal(err)
		}
	})
	return bench.ix, bench.heapPerAcct
}

// buildMeasured builds an index of es and measures the live heap it adds,
// the entries being alive before and after.
func buildMeasured(es []Entry) (*Index, float64, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix, err := NewIndex(es)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(es)
	return ix, float64(after.HeapAlloc-before.HeapAlloc) / float64(len(es)), err
}

// timed runs q once per iteration over the points and reports the median and
// 99th percentile latency besides the mean.
func timed(b *testing.B, points []Point, q func(p Point) int) {
	b.Helper()
	var lat []time.Duration
	hits := 0
	b.ResetTimer()
	i := 0
	for b.Loop() {
		p := points[i%len(points)]
		i++
		start := time.Now()
		hits += q(p)
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(hits)/float64(len(lat)), "hits/op")
}

// accountPoints returns n query points: half at accounts (a rep at a
// client), half uniform over France (countryside, sea included).
func accountPoints(n int) []Point {
	es := benchEntries()
	rng := rand.New(rand.NewPCG(7, 7))
	fr := FranceBounds()
	ps := make([]Point, n)
	for i := range ps {
		if i%2 == 0 {
			ps[i] = es[rng.IntN(len(es))].Location
		} else {
			ps[i] = Point{Lat: fr.Min.Lat + rng.Float64()*(fr.Max.Lat-fr.Min.Lat), Lng: fr.Min.Lng + rng.Float64()*(fr.Max.Lng-fr.Min.Lng)}
		}
	}
	return ps
}

func BenchmarkNearest10(b *testing.B) {
	ix, _ := benchIndex(b)
	timed(b, accountPoints(4096), func(p Point) int {
		hits, err := ix.Nearest(p, 10, Filter{})
		if err != nil {
			b.Fatal(err)
		}
		return len(hits)
	})
}

func BenchmarkNearest10Filtered(b *testing.B) {
	ix, _ := benchIndex(b)
	f := Filter{Kinds: []Kind{1}, MinScore: 20, TagsAny: []string{"export", "bio"}}
	timed(b, accountPoints(4096), func(p Point) int {
		hits, err := ix.Nearest(p, 10, f)
		if err != nil {
			b.Fatal(err)
		}
		return len(hits)
	})
}

// repFilters returns, for each point, a filter of the sales rep of the
// nearest assigned account: a rep querying around their own territory.
func repFilters(b *testing.B, ix *Index, points []Point, filter func(rep int64) Filter) []Filter {
	b.Helper()
	fs := make([]Filter, len(points))
	for i, p := range points {
		hits, err := ix.Nearest(p, 50, Filter{})
		if err != nil {
			b.Fatal(err)
		}
		for _, h := range hits {
			e, _ := ix.Get(h.ID)
			if j := slices.IndexFunc(e.Assignees, func(a Assignment) bool { return a.Layer == "sales" }); j >= 0 {
				fs[i] = filter(e.Assignees[j].UserID)
				break
			}
		}
	}
	return fs
}

// benchNearestPerPoint runs Nearest with 10 accounts and the filter of each point.
func benchNearestPerPoint(b *testing.B, filter func(rep int64) Filter) {
	ix, _ := benchIndex(b)
	points := accountPoints(4096)
	fs := repFilters(b, ix, points, filter)
	i := 0
	timed(b, points, func(p Point) int {
		hits, err := ix.Nearest(p, 10, fs[i%len(fs)])
		i++
		if err != nil {
			b.Fatal(err)
		}
		return len(hits)
	})
}

// BenchmarkNearest10Assignee asks for one rep's accounts in one layer.
func BenchmarkNearest10Assignee(b *testing.B) {
	benchNearestPerPoint(b, func(rep int64) Filter { return Filter{Layer: "sales", AssigneeIDs: []int64{rep}} })
}

// BenchmarkNearest10VisibleRep asks for what a rep follows in any layer:
// the same accounts as BenchmarkNearest10Assignee in the generated data.
func BenchmarkNearest10VisibleRep(b *testing.B) {
	benchNearestPerPoint(b, func(rep int64) Filter { return Filter{Visible: &Visibility{Users: []int64{rep}}} })
}

// BenchmarkNearest10Visible asks for what a rep may see: theirs and the
// prospects nobody owns.
func BenchmarkNearest10Visible(b *testing.B) {
	benchNearestPerPoint(b, func(rep int64) Filter {
		return Filter{Visible: &Visibility{Users: []int64{rep}, OpenKinds: []Kind{0}, OpenLayer: "sales"}}
	})
}

// BenchmarkNearest10VisibleTeam asks for what a manager of four reps (the
// generator's reps of one region) may see.
func BenchmarkNearest10VisibleTeam(b *testing.B) {
	benchNearestPerPoint(b, func(rep int64) Filter {
		first := 1000 + (rep-1000)/4*4
		return Filter{Visible: &Visibility{Users: []int64{first, first + 1, first + 2, first + 3}, OpenKinds: []Kind{0}, OpenLayer: "sales"}}
	})
}

// cityPoints returns n points 2–20 km from the generator's city centres, each
// city equally likely: towns of every size, Paris's suburbs among them.
func cityPoints(n int) []Point {
	rng := rand.New(rand.NewPCG(8, 8))
	cs := FrenchCities()
	ps := make([]Point, n)
	for i := range ps {
		ps[i] = destination(cs[rng.IntN(len(cs))], 2_000+rng.Float64()*18_000, rng.Float64()*2*math.Pi)
	}
	return ps
}

func BenchmarkWithin10km(b *testing.B) {
	ix, _ := benchIndex(b)
	timed(b, cityPoints(1024), func(p Point) int {
		hits, err := ix.WithinRadius(p, 10_000, Filter{}, 0)
		if err != nil {
			b.Fatal(err)
		}
		return len(hits)
	})
}

func BenchmarkWithin10kmVisible(b *testing.B) {
	ix, _ := benchIndex(b)
	points := cityPoints(1024)
	fs := repFilters(b, ix, points, func(rep int64) Filter {
		return Filter{Visible: &Visibility{Users: []int64{rep}, OpenKinds: []Kind{0}, OpenLayer: "sales"}}
	})
	i := 0
	timed(b, points, func(p Point) int {
		hits, err := ix.WithinRadius(p, 10_000, fs[i%len(fs)], 0)
		i++
		if err != nil {
			b.Fatal(err)
		}
		return len(hits)
	})
}

// benchRoute is Paris → Reims → Metz (about 300 km) with a position every
// 500 m and a few hundred metres of bends, like a simplified road geometry.
func benchRoute() Polyline {
	stops := []Point{{48.8566, 2.3522}, {49.2583, 4.0317}, {49.1193, 6.1757}}
	var route Polyline
	for i := 1; i < len(stops); i++ {
		a, b := stops[i-1], stops[i]
		n := int(DistanceM(a, b) / 500)
		for j := range n {
			p := interpolate(a, b, float64(j)/float64(n))
			route = append(route, destination(p, 300*math.Sin(float64(j)/7), 0))
		}
	}
	return append(route, stops[len(stops)-1])
}

func BenchmarkCorridor300km5km(b *testing.B) {
	ix, _ := benchIndex(b)
	route := benchRoute()
	b.ReportMetric(route.LengthM()/1000, "route-km")
	timed(b, []Point{{}}, func(Point) int {
		hits, err := ix.AlongRoute(route, 5_000, Filter{}, 0)
		if err != nil {
			b.Fatal(err)
		}
		return len(hits)
	})
}

// BenchmarkBuild builds the 1,000,000-account index from its entries and
// reports the heap it holds per account.
func BenchmarkBuild(b *testing.B) {
	es := benchEntries()
	var perAcct float64
	for b.Loop() {
		b.StopTimer()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		ix, err := NewIndex(es)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(ix)
		perAcct = float64(after.HeapAlloc-before.HeapAlloc) / float64(len(es))
		b.StartTimer()
	}
	b.ReportMetric(perAcct, "heap-B/account")
}
