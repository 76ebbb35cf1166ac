package geo

import (
	"context"
	"runtime"
	"sync"
	"testing"
)

// The territory benchmarks assign the 1,000,000 generated accounts to the
// 100 generated territories: go test ./geo -run '^$' -bench Zones -benchtime 3x
// for the bulk ones; single lookups need more iterations for their
// percentiles to mean something: -bench ZonesAt -benchtime 200000x.

var zonesBench struct {
	once sync.Once
	zs   []Zone
	ps   []Point
}

func benchZones(b *testing.B) ([]Zone, []Point) {
	b.Helper()
	zonesBench.once.Do(func() {
		zonesBench.zs = GenerateFranceZones(1, 100)
		es := benchEntries()
		zonesBench.ps = make([]Point, len(es))
		for i, e := range es {
			zonesBench.ps[i] = e.Location
		}
	})
	return zonesBench.zs, zonesBench.ps
}

func BenchmarkZonesAssign1M(b *testing.B) {
	zs, ps := benchZones(b)
	z := mustZones(b, zs)
	var ids []int64
	for b.Loop() {
		var err error
		if ids, err = z.AssignAll(context.Background(), ps); err != nil {
			b.Fatal(err)
		}
	}
	reportPerPoint(b, len(ps))
	assigned := 0
	for _, id := range ids {
		if id != 0 {
			assigned++
		}
	}
	b.ReportMetric(100*float64(assigned)/float64(len(ps)), "assigned-%")
}

func BenchmarkZonesAt(b *testing.B) {
	zs, ps := benchZones(b)
	z := mustZones(b, zs)
	timed(b, ps[:100_000], func(p Point) int {
		if _, ok := z.At(p); ok {
			return 1
		}
		return 0
	})
}

// BenchmarkZonesAssignNaive assigns every 100th account by testing every
// edge of every territory whose bounding box holds it, on all cores as
// AssignAll does, and reports the time that would take for 1,000,000.
func BenchmarkZonesAssignNaive(b *testing.B) {
	zs, all := benchZones(b)
	ps := make([]Point, 0, len(all)/100)
	for i := 0; i < len(all); i += 100 {
		ps = append(ps, all[i])
	}
	ref := newNaiveLayer(zs)
	z := mustZones(b, zs)
	want, err := z.AssignAll(context.Background(), ps)
	if err != nil {
		b.Fatal(err)
	}
	var got []int64
	for b.Loop() {
		got = make([]int64, len(ps))
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(ps); i += workers {
					got[i] = ref.at(ps[i])
				}
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	for i := range ps {
		if got[i] != want[i] {
			b.Fatalf("point %d %v: naive %d, index %d", i, ps[i], got[i], want[i])
		}
	}
	perPoint := reportPerPoint(b, len(ps))
	b.ReportMetric(perPoint*1e6/1e9, "s/1M-points")
}

func BenchmarkZonesBuild(b *testing.B) {
	zs, _ := benchZones(b)
	for b.Loop() {
		mustZones(b, zs)
	}
}

// reportPerPoint reports and returns the time per point of an operation
// over n points.
func reportPerPoint(b *testing.B, n int) float64 {
	b.Helper()
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(n)
	b.ReportMetric(ns, "ns/point")
	return ns
}
