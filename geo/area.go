package geo

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// MaxAreaPositions bounds the size of one area so that validation, storage
// and point-in-polygon tests stay cheap. A French département drawn at 100 m
// resolution needs a few thousand positions.
const MaxAreaPositions = 100_000

// Bounds is a latitude/longitude box.
type Bounds struct {
	Min Point `json:"min"`
	Max Point `json:"max"`
}

// Area is a validated polygon or multipolygon. It is always held, stored and
// written as a MultiPolygon so that every store returns the same shape.
type Area struct {
	mp orb.MultiPolygon
}

// ParseArea decodes and validates a GeoJSON Polygon or MultiPolygon geometry.
func ParseArea(data []byte) (Area, error) {
	g, err := geojson.UnmarshalGeometry(data)
	if err != nil {
		return Area{}, fmt.Errorf("%w: geometry is not valid GeoJSON: %v", ErrInvalid, err)
	}
	return NewArea(g.Geometry())
}

// AreaFromWKB decodes an area from well-known binary, as stores keep it.
func AreaFromWKB(b []byte) (Area, error) {
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return Area{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return NewArea(g)
}

// NewArea validates g, which must be a Polygon or MultiPolygon.
func NewArea(g orb.Geometry) (Area, error) {
	var mp orb.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	case nil:
		return Area{}, fmt.Errorf("%w: geometry is missing", ErrInvalid)
	default:
		return Area{}, fmt.Errorf("%w: geometry must be a Polygon or MultiPolygon, not %s", ErrInvalid, g.GeoJSONType())
	}
	if err := validateMultiPolygon(mp); err != nil {
		return Area{}, err
	}
	return Area{mp: mp}, nil
}

// IsZero reports whether a holds no polygon.
func (a Area) IsZero() bool { return len(a.mp) == 0 }

// WKB encodes a as well-known binary (a MultiPolygon).
func (a Area) WKB() []byte {
	b, err := wkb.Marshal(a.mp)
	if err != nil { // only fails for unknown geometry types
		panic(err)
	}
	return b
}

// MarshalJSON writes a as a GeoJSON MultiPolygon geometry.
func (a Area) MarshalJSON() ([]byte, error) {
	if a.IsZero() {
		return []byte("null"), nil
	}
	return geojson.NewGeometry(a.mp).MarshalJSON()
}

// UnmarshalJSON parses and validates a GeoJSON Polygon or MultiPolygon.
func (a *Area) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*a = Area{}
		return nil
	}
	v, err := ParseArea(data)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Bounds returns the smallest box that holds a.
func (a Area) Bounds() Bounds {
	b := a.mp.Bound()
	return Bounds{Min: Point{Lat: b.Min.Lat(), Lng: b.Min.Lon()}, Max: Point{Lat: b.Max.Lat(), Lng: b.Max.Lon()}}
}

// AreaM2 returns the area of a on the sphere in square metres.
func (a Area) AreaM2() float64 { return orbgeo.Area(a.mp) }

// Contains reports whether p lies inside a (boundary points count as inside
// for shells and outside for holes, as planar ring tests do).
func (a Area) Contains(p Point) bool {
	return planar.MultiPolygonContains(a.mp, orb.Point{p.Lng, p.Lat})
}

func validateMultiPolygon(mp orb.MultiPolygon) error {
	if len(mp) == 0 {
		return fmt.Errorf("%w: geometry has no polygon", ErrInvalid)
	}
	total := 0
	for pi, poly := range mp {
		if len(poly) == 0 {
			return fmt.Errorf("%w: polygon %d has no ring", ErrInvalid, pi)
		}
		for ri, ring := range poly {
			where := ringName(len(mp), pi, ri)
			total += len(ring)
			if total > MaxAreaPositions {
				return fmt.Errorf("%w: geometry has more than %d positions", ErrInvalid, MaxAreaPositions)
			}
			if len(ring) < 4 {
				return fmt.Errorf("%w: %s has %d positions, at least 4 are needed", ErrInvalid, where, len(ring))
			}
			for i, p := range ring {
				if err := (Point{Lat: p.Lat(), Lng: p.Lon()}).Validate(); err != nil {
					return fmt.Errorf("%w: %s position %d: %v", ErrInvalid, where, i, unwrapped(err))
				}
			}
			if ring[0] != ring[len(ring)-1] {
				return fmt.Errorf("%w: %s is not closed (first and last positions differ)", ErrInvalid, where)
			}
		}
		// Crossings first: a bow tie's two halves cancel out to no area.
		if err := checkCrossings(poly, len(mp), pi); err != nil {
			return err
		}
		for ri, ring := range poly {
			if planar.Area(ring) == 0 {
				return fmt.Errorf("%w: %s has no area", ErrInvalid, ringName(len(mp), pi, ri))
			}
		}
	}
	return nil
}

func ringName(polys, pi, ri int) string {
	name := "exterior ring"
	if ri > 0 {
		name = fmt.Sprintf("hole %d", ri)
	}
	if polys > 1 {
		name = fmt.Sprintf("polygon %d %s", pi, name)
	}
	return name
}

// unwrapped drops the ErrInvalid prefix of a nested error message.
func unwrapped(err error) string {
	msg := err.Error()
	prefix := ErrInvalid.Error() + ": "
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		return msg[len(prefix):]
	}
	return msg
}

type segment struct {
	a, b       orb.Point
	ring, i, n int // ring index, segment index in the ring, segments in the ring
}

// checkCrossings finds two edges of one polygon that cross or overlap, other
// than consecutive edges of a ring meeting at their shared vertex. It sweeps
// the edges by their west end so that large rings cost O(n log n) plus the
// pairs whose longitude ranges overlap, instead of O(n²).
func checkCrossings(poly orb.Polygon, polys, pi int) error {
	var segs []segment
	for ri, ring := range poly {
		n := len(ring) - 1
		for i := 0; i < n; i++ {
			segs = append(segs, segment{a: ring[i], b: ring[i+1], ring: ri, i: i, n: n})
		}
	}
	minX := func(s segment) float64 { return math.Min(s.a[0], s.b[0]) }
	maxX := func(s segment) float64 { return math.Max(s.a[0], s.b[0]) }
	slices.SortFunc(segs, func(s, t segment) int { return cmp.Compare(minX(s), minX(t)) })
	var active []segment
	for _, s := range segs {
		lo := minX(s)
		kept := active[:0]
		for _, t := range active {
			if maxX(t) >= lo {
				kept = append(kept, t)
			}
		}
		active = kept
		for _, t := range active {
			if adjacent(s, t) {
				continue
			}
			if segmentsIntersect(s.a, s.b, t.a, t.b) {
				if s.ring == t.ring {
					return fmt.Errorf("%w: %s intersects itself near [%g, %g]", ErrInvalid, ringName(polys, pi, s.ring), s.a[0], s.a[1])
				}
				return fmt.Errorf("%w: %s crosses %s", ErrInvalid, ringName(polys, pi, min(s.ring, t.ring)), ringName(polys, pi, max(s.ring, t.ring)))
			}
		}
		active = append(active, s)
	}
	return nil
}

func adjacent(s, t segment) bool {
	if s.ring != t.ring {
		return false
	}
	d := s.i - t.i
	return d == 1 || d == -1 || d == s.n-1 || d == 1-s.n
}

// segmentsIntersect reports whether the closed segments pq and rs share a point.
func segmentsIntersect(p, q, r, s orb.Point) bool {
	o1, o2 := orient(p, q, r), orient(p, q, s)
	o3, o4 := orient(r, s, p), orient(r, s, q)
	if o1 != o2 && o3 != o4 {
		return true
	}
	return o1 == 0 && onSegment(p, r, q) || o2 == 0 && onSegment(p, s, q) ||
		o3 == 0 && onSegment(r, p, s) || o4 == 0 && onSegment(r, q, s)
}

func orient(a, b, c orb.Point) int {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// onSegment reports whether q, collinear with p and r, lies between them.
func onSegment(p, q, r orb.Point) bool {
	return q[0] <= math.Max(p[0], r[0]) && q[0] >= math.Min(p[0], r[0]) &&
		q[1] <= math.Max(p[1], r[1]) && q[1] >= math.Min(p[1], r[1])
}
