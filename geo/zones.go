// The territory lookup.
//
// Zones answers "which territory of this layer holds this point" for every
// account of an organisation at once, so it must be both exact and fast.
//
// Exact: a territory is a closed set. A point on a polygon's boundary (on an
// edge or a vertex) is inside it, and since holes are open sets a point on a
// hole's boundary is inside the polygon too. A point on a border that two
// territories share therefore belongs to both, and the winning order
// (priority, then area, then id) decides, instead of the rounding of a
// floating-point test. Orientation tests are exact on the float64
// coordinates: a floating-point filter with a proven error bound, and exact
// arithmetic (math/big) in the rare cases the filter cannot decide.
//
// Fast: each polygon is prepared once. Its edges are sorted into horizontal
// (latitude) bands, each band listing the edges whose latitude range meets
// it, so that the crossing test for a point looks only at the few edges of
// the band holding its latitude instead of every edge of the polygon. The
// band count is chosen from the polygon's edges so that the bands hold at
// most four times as many edge copies as the polygon has edges. An R-tree
// over the polygons' bounding boxes picks the polygons to test.

package geo

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/big"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Zone is one territory of a layer as the lookup sees it.
type Zone struct {
	ID int64 // not 0: AssignAll uses 0 for "no territory"
	// Priority decides between overlapping territories: the higher wins.
	Priority int
	Area     Area
}

// Zones finds the territories of one layer that hold a point. When several
// hold it (territories may overlap, and a shared border belongs to both
// sides) the winning order is: higher Priority, then smaller AreaM2, then
// lower ID. A point with a NaN coordinate lies in none. The zero Zones holds
// no territory.
//
// A Zones is immutable, so any number of goroutines may use it at once; a
// territory edit builds a new one (NewZones takes a few milliseconds for a
// hundred territories of a few hundred positions each).
type Zones struct {
	ids   []int64 // by rank in the winning order: ids[0] wins over every other
	polys []prepared
	tree  rtree.RTreeGN[float64, int32] // polygon bounds as [lng, lat]; data: index in polys
}

// prepared is one polygon (shell and holes) ready for point tests.
type prepared struct {
	rank        int32   // of its zone in the winning order
	lat0, scale float64 // a latitude y lies in band int((y-lat0)*scale), clamped
	starts      []int32 // band b holds edges[starts[b]:starts[b+1]]
	edges       []edge
}

// edge is a ring edge with x = lng and y = lat, from its lower end (x0, y0)
// to its upper end (x1, y1).
type edge struct{ x0, y0, x1, y1 float64 }

// NewZones prepares the territories of one layer. IDs must be distinct and
// not 0, and every area set.
func NewZones(zs []Zone) (*Zones, error) {
	order := make([]int, len(zs))
	areas := make([]float64, len(zs))
	seen := make(map[int64]bool, len(zs))
	for i, z := range zs {
		switch {
		case z.ID == 0:
			return nil, fmt.Errorf("%w: zone %d has id 0", ErrInvalid, i)
		case seen[z.ID]:
			return nil, fmt.Errorf("%w: zone id %d appears twice", ErrInvalid, z.ID)
		case z.Area.IsZero():
			return nil, fmt.Errorf("%w: zone %d has no area", ErrInvalid, z.ID)
		}
		seen[z.ID] = true
		order[i] = i
		areas[i] = z.Area.AreaM2()
	}
	slices.SortFunc(order, func(i, j int) int {
		return cmp.Or(
			cmp.Compare(zs[j].Priority, zs[i].Priority),
			cmp.Compare(areas[i], areas[j]),
			cmp.Compare(zs[i].ID, zs[j].ID))
	})
	z := &Zones{ids: make([]int64, len(zs))}
	for rank, i := range order {
		z.ids[rank] = zs[i].ID
		for _, poly := range zs[i].Area.mp {
			b := poly.Bound()
			z.tree.Insert(b.Min, b.Max, int32(len(z.polys)))
			z.polys = append(z.polys, prepare(poly, int32(rank)))
		}
	}
	return z, nil
}

// At returns the winning territory holding p.
func (z *Zones) At(p Point) (id int64, ok bool) {
	best := int32(len(z.ids))
	z.search(p, func(i int32) {
		if pp := &z.polys[i]; pp.rank < best && pp.contains(p.Lng, p.Lat) {
			best = pp.rank
		}
	})
	if best == int32(len(z.ids)) {
		return 0, false
	}
	return z.ids[best], true
}

// All returns every territory holding p, the winner first, or nil.
func (z *Zones) All(p Point) []int64 {
	var ranks []int32
	z.search(p, func(i int32) {
		if pp := &z.polys[i]; !slices.Contains(ranks, pp.rank) && pp.contains(p.Lng, p.Lat) {
			ranks = append(ranks, pp.rank)
		}
	})
	slices.Sort(ranks)
	var ids []int64
	for _, r := range ranks {
		ids = append(ids, z.ids[r])
	}
	return ids
}

// AssignAll returns, for each point, the id of the winning territory holding
// it or 0. It spreads the points over all cores, and returns ctx's error and
// no result if ctx ends before every point is assigned.
func (z *Zones) AssignAll(ctx context.Context, ps []Point) ([]int64, error) {
	// Chunks are small enough to share the work evenly and to notice a
	// cancellation within a millisecond, large enough to make the shared
	// counter cheap.
	const chunk = 4096
	out := make([]int64, len(ps))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), (len(ps)+chunk-1)/chunk) {
		wg.Go(func() {
			for ctx.Err() == nil {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(ps) {
					return
				}
				for i := lo; i < min(lo+chunk, len(ps)); i++ {
					out[i], _ = z.At(ps[i])
				}
			}
		})
	}
	wg.Wait()
	// A chunk once taken is always finished, so every point is assigned
	// when the counter went past the end.
	if next.Load() < int64(len(ps)) {
		return nil, ctx.Err()
	}
	return out, nil
}

// search calls f with every polygon whose bounding box holds p.
func (z *Zones) search(p Point, f func(i int32)) {
	if math.IsNaN(p.Lat) || math.IsNaN(p.Lng) {
		return // a NaN would pass the tree's box tests
	}
	at := [2]float64{p.Lng, p.Lat}
	z.tree.Search(at, at, func(_, _ [2]float64, i int32) bool {
		f(i)
		return true
	})
}

// prepare sorts the edges of poly into latitude bands.
func prepare(poly orb.Polygon, rank int32) prepared {
	n := 0
	for _, ring := range poly {
		n += len(ring) - 1
	}
	es := make([]edge, 0, n)
	var sumH float64 // sum of the edges' heights
	for _, ring := range poly {
		for i := 1; i < len(ring); i++ {
			a, b := ring[i-1], ring[i]
			if a[1] > b[1] {
				a, b = b, a
			}
			es = append(es, edge{a[0], a[1], b[0], b[1]})
			sumH += b[1] - a[1]
		}
	}
	bound := poly.Bound()
	h := bound.Max[1] - bound.Min[1]
	// sumH/h edges cross an average latitude. With n bands an edge lies in
	// at most 2 + height·n/h of them, so n = 2·len(es)·h/sumH keeps the
	// copies below 4·len(es) whatever the shape, and a band holds about one
	// and a half times as many edges as a latitude crosses.
	if sumH > 0 {
		n = int(min(float64(n), 2*float64(n)*h/sumH))
	}
	n = max(n, 1)
	pp := prepared{rank: rank, lat0: bound.Min[1], scale: float64(n) / h, starts: make([]int32, n+1)}
	if h == 0 { // not a valid area, but keep the band arithmetic finite
		pp.scale = 0
	}
	// Counting sort. band is monotonic in the latitude, so the bands of a
	// point's latitude always list every edge whose range holds it.
	for _, e := range es {
		for b := pp.band(e.y0); b <= pp.band(e.y1); b++ {
			pp.starts[b+1]++
		}
	}
	for b := range n {
		pp.starts[b+1] += pp.starts[b]
	}
	pp.edges = make([]edge, pp.starts[n])
	fill := slices.Clone(pp.starts[:n])
	for _, e := range es {
		for b := pp.band(e.y0); b <= pp.band(e.y1); b++ {
			pp.edges[fill[b]] = e
			fill[b]++
		}
	}
	return pp
}

func (pp *prepared) band(lat float64) int {
	return max(0, min(int((lat-pp.lat0)*pp.scale), len(pp.starts)-2))
}

// contains reports whether (x, y) lies in the polygon or on its boundary.
// It counts the edges crossed by the ray going east from the point, the lower
// end of an edge counting as crossed and the upper end not, so that a ray
// through a vertex counts it once or not at all, as it enters or grazes.
func (pp *prepared) contains(x, y float64) bool {
	b := pp.band(y)
	inside := false
	for _, e := range pp.edges[pp.starts[b]:pp.starts[b+1]] {
		if y < e.y0 || y > e.y1 {
			continue
		}
		xmin, xmax := e.x0, e.x1
		if xmin > xmax {
			xmin, xmax = xmax, xmin
		}
		switch {
		case x > xmax:
			// The edge is west of the point: not crossed, not touched.
		case x < xmin:
			if y < e.y1 {
				inside = !inside
			}
		default:
			switch exactOrient(e.x0, e.y0, e.x1, e.y1, x, y) {
			case 0: // on the edge's line within its box: on the edge
				return true
			case 1: // west of the upward edge: the ray crosses it
				if y < e.y1 {
					inside = !inside
				}
			}
		}
	}
	return inside
}

// exactOrient returns the sign of the cross product (b-a)×(c-a): 1 when c lies
// left of the line from a to b, -1 when right and 0 when on it, exactly.
// The float64 result is trusted when it is further from zero than its
// rounding error can reach, (3 + 16ε)ε times the sum of the two products'
// magnitudes (the classic bound for this formula) plus a margin for
// underflow; otherwise exact arithmetic decides.
func exactOrient(ax, ay, bx, by, cx, cy float64) int {
	const errBound = (3 + 16*0x1p-53) * 0x1p-53
	l := (bx - ax) * (cy - ay)
	r := (by - ay) * (cx - ax)
	det := l - r
	bound := errBound*(math.Abs(l)+math.Abs(r)) + 0x1p-1000
	switch {
	case det > bound:
		return 1
	case det < -bound:
		return -1
	}
	return bigOrient(ax, ay, bx, by, cx, cy)
}

// bigOrient is exactOrient in exact arithmetic. A big.Float holds the
// difference of two float64 values exactly when its precision spans both
// exponents (2,100 bits at most), and a product of two such exactly in twice
// that; math/big allocates only the bits a value needs.
func bigOrient(ax, ay, bx, by, cx, cy float64) int {
	const prec = 4400
	sub := func(u, v float64) *big.Float {
		return new(big.Float).SetPrec(prec).Sub(big.NewFloat(u), big.NewFloat(v))
	}
	l := new(big.Float).SetPrec(prec).Mul(sub(bx, ax), sub(cy, ay))
	r := new(big.Float).SetPrec(prec).Mul(sub(by, ay), sub(cx, ax))
	return l.Cmp(r)
}
