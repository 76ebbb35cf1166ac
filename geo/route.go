package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// MaxPolylinePoints bounds the size of one route: a day's drive as an OSRM
// geometry at full resolution holds a few thousand positions.
const MaxPolylinePoints = 100_000

// MaxWidthM bounds the corridor width of AlongRoute, which keeps its local
// projections precise (see AlongRoute).
const MaxWidthM = 50_000

// maxPieceM is the longest piece a route is cut into, along great circles,
// before AlongRoute projects each piece on its own plane.
const maxPieceM = 5_000

// Polyline is a route: positions joined by great-circle segments.
type Polyline []Point

// ParseLineString decodes and validates a GeoJSON LineString geometry
// ([lng, lat] positions) as a route.
func ParseLineString(data []byte) (Polyline, error) {
	g, err := geojson.UnmarshalGeometry(data)
	if err != nil {
		return nil, fmt.Errorf("%w: route is not valid GeoJSON: %v", ErrInvalid, err)
	}
	ls, ok := g.Geometry().(orb.LineString)
	if !ok {
		if g.Geometry() == nil {
			return nil, fmt.Errorf("%w: route geometry is missing", ErrInvalid)
		}
		return nil, fmt.Errorf("%w: route must be a LineString, not %s", ErrInvalid, g.Geometry().GeoJSONType())
	}
	if len(ls) > MaxPolylinePoints {
		return nil, fmt.Errorf("%w: route has more than %d positions", ErrInvalid, MaxPolylinePoints)
	}
	l := make(Polyline, len(ls))
	for i, p := range ls {
		l[i] = Point{Lat: p.Lat(), Lng: p.Lon()}
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return l, nil
}

// Validate reports whether l is a route of 2 to MaxPolylinePoints valid positions.
func (l Polyline) Validate() error {
	if len(l) < 2 {
		return fmt.Errorf("%w: route has %d positions, at least 2 are needed", ErrInvalid, len(l))
	}
	if len(l) > MaxPolylinePoints {
		return fmt.Errorf("%w: route has more than %d positions", ErrInvalid, MaxPolylinePoints)
	}
	for i, p := range l {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("%w: route position %d: %v", ErrInvalid, i, unwrapped(err))
		}
	}
	return nil
}

// LengthM returns the great-circle length of l in metres.
func (l Polyline) LengthM() float64 {
	var m float64
	for i := 1; i < len(l); i++ {
		m += DistanceM(l[i-1], l[i])
	}
	return m
}

// MarshalJSON writes l as a GeoJSON LineString.
func (l Polyline) MarshalJSON() ([]byte, error) {
	ls := make(orb.LineString, len(l))
	for i, p := range l {
		ls[i] = orb.Point{p.Lng, p.Lat}
	}
	return geojson.NewGeometry(ls).MarshalJSON()
}

// piece is a short stretch of a route in its own equirectangular plane:
// x = (lng-lng₀)·kx, y = (lat-lat₀)·ky in metres, from its start (lat₀, lng₀)
// and scaled at its middle latitude.
type piece struct {
	lat0, lng0 float64
	kx, ky     float64 // metres per degree
	bx, by     float64 // end of the piece in the plane
	len2       float64 // bx² + by²
	alongM     float64 // route length before the piece
	lenM       float64 // great-circle length of the piece
	box        box     // points within the width; longitudes may pass ±180
}

// measure returns the distance from (lat, lng) to the piece in its plane and
// the position along the route of the closest point.
func (pc *piece) measure(lat, lng float64) (dM, alongM float64) {
	dx := wrapLng(lng-pc.lng0) * pc.kx
	dy := (lat - pc.lat0) * pc.ky
	var t float64
	if pc.len2 > 0 {
		t = math.Min(1, math.Max(0, (dx*pc.bx+dy*pc.by)/pc.len2))
	}
	ex, ey := dx-t*pc.bx, dy-t*pc.by
	return math.Sqrt(ex*ex + ey*ey), pc.alongM + t*pc.lenM
}

func (b *box) holds(lat, lng float64) bool {
	if lat < b.minLat || lat > b.maxLat {
		return false
	}
	return lng >= b.minLng && lng <= b.maxLng ||
		lng+360 >= b.minLng && lng+360 <= b.maxLng ||
		lng-360 >= b.minLng && lng-360 <= b.maxLng
}

// wrapLng brings a longitude difference into [-180, 180].
func wrapLng(d float64) float64 {
	switch {
	case d > 180:
		return d - 360
	case d < -180:
		return d + 360
	}
	return d
}

// corridor is a route cut into pieces, grouped in chunks searched together.
type corridor struct {
	widthM float64
	pieces []piece
	chunks []chunk
}

type chunk struct {
	first, end int // pieces[first:end]
	box        box
}

func newCorridor(route Polyline, widthM float64) *corridor {
	c := &corridor{widthM: widthM}
	var along float64
	for i := 1; i < len(route); i++ {
		a, b := route[i-1], route[i]
		n := max(1, int(math.Ceil(DistanceM(a, b)/maxPieceM)))
		for j := 0; j < n; j++ {
			p, q := a, b
			if n > 1 {
				p, q = interpolate(a, b, float64(j)/float64(n)), interpolate(a, b, float64(j+1)/float64(n))
			}
			pc := newPiece(p, q, widthM, along)
			along += pc.lenM
			c.pieces = append(c.pieces, pc)
		}
	}
	// Chunks of about the width in length: each account is then visited by a
	// few searches, not by every short piece whose box holds it.
	chunkM := math.Max(widthM, 1_000)
	for first := 0; first < len(c.pieces); {
		ch := chunk{first: first, end: first + 1, box: c.pieces[first].box}
		length := c.pieces[first].lenM
		if !wraps(ch.box) {
			for ch.end < len(c.pieces) && ch.end-first < 64 && length < chunkM && !wraps(c.pieces[ch.end].box) {
				b := c.pieces[ch.end].box
				ch.box = box{min(ch.box.minLat, b.minLat), min(ch.box.minLng, b.minLng), max(ch.box.maxLat, b.maxLat), max(ch.box.maxLng, b.maxLng)}
				length += c.pieces[ch.end].lenM
				ch.end++
			}
		}
		c.chunks = append(c.chunks, ch)
		first = ch.end
	}
	return c
}

// wraps reports whether b reaches past ±180 or spans every longitude.
func wraps(b box) bool { return b.minLng < -180 || b.maxLng > 180 || b.maxLng-b.minLng >= 360 }

func newPiece(p, q Point, widthM, alongM float64) piece {
	midLat := (p.Lat + q.Lat) / 2
	ky := EarthRadiusM * rad
	kx := ky * math.Cos(midLat*rad)
	dLng := wrapLng(q.Lng - p.Lng)
	pc := piece{
		lat0: p.Lat, lng0: p.Lng, kx: kx, ky: ky,
		bx: dLng * kx, by: (q.Lat - p.Lat) * ky,
		alongM: alongM, lenM: DistanceM(p, q),
	}
	pc.len2 = pc.bx*pc.bx + pc.by*pc.by
	const margin = 1e-9 // degrees, for rounding
	w := widthM * (1 + 1e-9)
	pc.box = box{
		minLat: math.Max(-90, min(p.Lat, q.Lat)-w/ky-margin),
		maxLat: math.Min(90, max(p.Lat, q.Lat)+w/ky+margin),
	}
	if kx < 1 || w/kx >= 180 {
		pc.box.fullLng()
		return pc
	}
	lo, hi := p.Lng, p.Lng+dLng
	if hi < lo {
		lo, hi = hi, lo
	}
	pc.box.minLng, pc.box.maxLng = lo-w/kx-margin, hi+w/kx+margin
	return pc
}

// interpolate returns the point at fraction f of the great circle from a to b.
func interpolate(a, b Point, f float64) Point {
	φ1, λ1, φ2, λ2 := a.Lat*rad, a.Lng*rad, b.Lat*rad, b.Lng*rad
	d := DistanceM(a, b) / EarthRadiusM
	if d == 0 {
		return a
	}
	s := math.Sin(d)
	wa, wb := math.Sin((1-f)*d)/s, math.Sin(f*d)/s
	x := wa*math.Cos(φ1)*math.Cos(λ1) + wb*math.Cos(φ2)*math.Cos(λ2)
	y := wa*math.Cos(φ1)*math.Sin(λ1) + wb*math.Cos(φ2)*math.Sin(λ2)
	z := wa*math.Sin(φ1) + wb*math.Sin(φ2)
	return Point{Lat: math.Atan2(z, math.Hypot(x, y)) / rad, Lng: math.Atan2(y, x) / rad}
}

// measure returns the distance from p to the route and the position along
// it of the closest point, if p lies within the width (linear in the number
// of pieces: the index searches instead; tests compare both).
func (c *corridor) measure(p Point) (dM, alongM float64, ok bool) {
	dM = math.Inf(1)
	for i := range c.pieces {
		pc := &c.pieces[i]
		if !pc.box.holds(p.Lat, p.Lng) {
			continue
		}
		if d, a := pc.measure(p.Lat, p.Lng); d < dM {
			dM, alongM = d, a
		}
	}
	return dM, alongM, dM <= c.widthM
}

// AlongRoute returns the accounts matching f within widthM metres of route,
// each with its distance to the route (DistanceM) and the position along the
// route of the closest point (AlongM, metres from the start). Hits are ordered
// by AlongM then id; limit <= 0 means no limit.
//
// The route's segments are great circles. AlongRoute cuts them into pieces
// of at most 5 km and measures an account's distance to each piece in a local
// equirectangular plane scaled at the piece's middle latitude φ. Against the
// distance on the sphere, the error of a distance d is about
// tan φ · (d + 2.5 km) / R relative plus up to 1 m (a piece is straight in
// its plane, not along the great circle): measured in France, under 0.03 %
// + 1 m for a 5 km corridor and under 0.2 % + 1 m at MaxWidthM (50 km). AlongM
// sums great-circle piece lengths, to the same precision within a piece.
// Precision degrades towards the poles (beyond about ±80°).
func (ix *Index) AlongRoute(route Polyline, widthM float64, f Filter, limit int) ([]Hit, error) {
	if err := route.Validate(); err != nil {
		return nil, err
	}
	if !(widthM >= 0 && widthM <= MaxWidthM) {
		return nil, fmt.Errorf("%w: corridor width must be between 0 and %d m", ErrInvalid, MaxWidthM)
	}
	if err := validateLimit(limit); err != nil {
		return nil, err
	}
	c := newCorridor(route, widthM)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	flt, err := ix.compile(&f)
	if err != nil || flt.none {
		return nil, err
	}
	s := getScratch()
	defer putScratch(s)
	if len(s.seen) < len(ix.entries) {
		s.seen = make([]int32, len(ix.entries))
	}
	for ci := range c.chunks {
		ch := &c.chunks[ci]
		pieces := c.pieces[ch.first:ch.end]
		ix.search(ch.box, func(slot uint32) bool {
			e := &ix.entries[slot]
			bestD, bestA := math.Inf(1), 0.0
			for i := range pieces {
				pc := &pieces[i]
				if !pc.box.holds(e.lat, e.lng) {
					continue
				}
				if d, a := pc.measure(e.lat, e.lng); d < bestD {
					bestD, bestA = d, a
				}
			}
			if bestD > widthM {
				return true
			}
			if h := s.seen[slot]; h != 0 {
				// Found by an earlier chunk: keep the closest, then the earliest.
				hit := &s.hits[h-1]
				if bestD < hit.DistanceM {
					hit.DistanceM, hit.AlongM = bestD, bestA
				}
				return true
			}
			if !ix.match(&flt, e) {
				return true
			}
			s.hits = append(s.hits, Hit{ID: e.id, Location: Point{Lat: e.lat, Lng: e.lng}, DistanceM: bestD, AlongM: bestA})
			s.seen[slot] = int32(len(s.hits))
			s.slots = append(s.slots, slot)
			return true
		})
	}
	for _, slot := range s.slots {
		s.seen[slot] = 0
	}
	slices.SortFunc(s.hits, func(a, b Hit) int {
		if c := cmp.Compare(a.AlongM, b.AlongM); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return result(s.hits, limit), nil
}
