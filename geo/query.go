package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
)

const rad = math.Pi / 180

// box is a latitude/longitude box in degrees. Its longitudes may run past
// ±180 (a box across the antimeridian); search splits it.
type box struct {
	minLat, minLng, maxLat, maxLng float64
}

// fullLng widens b to every longitude.
func (b *box) fullLng() { b.minLng, b.maxLng = -180, 180 }

// capBox returns a box holding every point within rM metres of p on the
// sphere (the spherical cap), with a small outward margin for rounding.
func capBox(p Point, rM float64) box {
	d := rM / EarthRadiusM * (1 + 1e-9) // angular radius
	if d >= math.Pi {
		return box{-90, -180, 90, 180}
	}
	const margin = 1e-9 // degrees
	lat := p.Lat * rad
	b := box{minLat: (lat-d)/rad - margin, maxLat: (lat+d)/rad + margin}
	if b.minLat <= -90 || b.maxLat >= 90 {
		// The cap holds a pole: every longitude.
		b.minLat, b.maxLat = max(b.minLat, -90), min(b.maxLat, 90)
		b.fullLng()
		return b
	}
	// Widest longitude of the cap (its tangent meridians).
	dLng := math.Asin(math.Min(1, math.Sin(d)/math.Cos(lat)))/rad*(1+1e-9) + margin
	b.minLng, b.maxLng = p.Lng-dLng, p.Lng+dLng
	if dLng >= 180 {
		b.fullLng()
	}
	return b
}

// search calls fn for each slot whose point may lie in b (a superset: the
// tree holds float32 rectangles); fn returns false to stop.
func (ix *Index) search(b box, fn func(slot uint32) bool) {
	iter := func(_, _ [2]float32, slot uint32) bool { return fn(slot) }
	if b.maxLng-b.minLng >= 360 {
		b.fullLng()
	}
	lo := [2]float32{down32(b.minLng), down32(b.minLat)}
	hi := [2]float32{up32(b.maxLng), up32(b.maxLat)}
	switch {
	case b.minLng < -180:
		ix.tree.Search([2]float32{down32(b.minLng + 360), lo[1]}, [2]float32{180, hi[1]}, iter)
		lo[0] = -180
	case b.maxLng > 180:
		ix.tree.Search([2]float32{-180, lo[1]}, [2]float32{up32(b.maxLng - 360), hi[1]}, iter)
		hi[0] = 180
	}
	ix.tree.Search(lo, hi, iter)
}

// scratch holds a query's buffers, reused through a pool.
type scratch struct {
	slots []uint32
	hits  []Hit
	seen  []int32 // AlongRoute: slot → 1 + index in hits
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	s.slots, s.hits = s.slots[:0], s.hits[:0]
	scratchPool.Put(s)
}

func byDistanceThenID(a, b Hit) int {
	if c := cmp.Compare(a.DistanceM, b.DistanceM); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func byID(a, b Hit) int { return cmp.Compare(a.ID, b.ID) }

// result copies the first limit hits (all if limit <= 0) to a new slice.
func result(hits []Hit, limit int) []Hit {
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	return slices.Clone(hits)
}

func validateLimit(limit int) error {
	if limit < 0 {
		return fmt.Errorf("%w: limit must not be negative", ErrInvalid)
	}
	return nil
}

// Nearest returns the k accounts matching f closest to p by great-circle
// distance, nearest first, ties broken by id.
//
// It searches boxes around p of a growing radius r (at most doubling, so
// that a box never overshoots into a dense city), sized from the number of
// matching accounts the previous box held, until at least k matching accounts lie
// within r of p: every account outside the box is farther than r, so the
// answer is exact. Very selective filters make it widen the box further.
func (ix *Index) Nearest(p Point, k int, f Filter) ([]Hit, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, fmt.Errorf("%w: the number of accounts must be positive", ErrInvalid)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	flt, err := ix.compile(&f)
	if err != nil || flt.none || ix.tree.Len() == 0 {
		return nil, err
	}
	s := getScratch()
	defer putScratch(s)
	const world = math.Pi * EarthRadiusM
	r := ix.startRadiusM(k)
	grown := false
	for shrinks := 0; ; {
		whole := r >= world
		s.slots = s.slots[:0]
		ix.search(capBox(p, r), func(slot uint32) bool {
			if ix.match(&flt, &ix.entries[slot]) {
				s.slots = append(s.slots, slot)
			}
			return true
		})
		n := len(s.slots)
		switch {
		case whole:
		case n < k:
			grown = true
			r = math.Min(world, r*math.Min(2, math.Max(1.25, math.Sqrt(2*float64(k)/math.Max(float64(n), 0.5)))))
			continue
		case n > 16*k && shrinks < 3 && !grown:
			// Many more candidates than needed: a dense centre. (Once the
			// box has been too small, the answer lies between the two.)
			shrinks++
			r *= math.Sqrt(2 * float64(k) / float64(n))
			continue
		}
		s.hits = s.hits[:0]
		within := 0
		for _, slot := range s.slots {
			e := &ix.entries[slot]
			q := Point{Lat: e.lat, Lng: e.lng}
			d := DistanceM(p, q)
			if d <= r || whole {
				within++
				s.hits = append(s.hits, Hit{ID: e.id, Location: q, DistanceM: d})
			}
		}
		if within < k && !whole {
			grown = true
			r = math.Min(world, r*math.Min(2, math.Max(1.25, 1.2*math.Sqrt(float64(k)/math.Max(float64(within), 0.5)))))
			continue
		}
		slices.SortFunc(s.hits, byDistanceThenID)
		return result(s.hits, k), nil
	}
}

// startRadiusM guesses a radius holding about k/16 accounts were they spread
// evenly over the index's bounding box: accounts cluster, and doubling from
// too small a box costs less than scanning too large a one in a city.
func (ix *Index) startRadiusM(k int) float64 {
	lo, hi := ix.tree.Bounds()
	midLat := (float64(lo[1]) + float64(hi[1])) / 2 * rad
	w := math.Max(float64(hi[0]-lo[0])*rad*math.Cos(midLat)*EarthRadiusM, 1)
	h := math.Max(float64(hi[1]-lo[1])*rad*EarthRadiusM, 1)
	r := math.Sqrt(w * h * float64(k) / (16 * math.Pi * float64(ix.tree.Len())))
	return math.Max(r, 10)
}

// MaxRadiusM bounds WithinRadius; larger questions are not "nearby".
const MaxRadiusM = 20_000_000

// WithinRadius returns the accounts matching f within radiusM metres of p by
// great-circle distance, nearest first, ties broken by id; limit <= 0 means
// no limit.
func (ix *Index) WithinRadius(p Point, radiusM float64, f Filter, limit int) ([]Hit, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if !(radiusM >= 0 && radiusM <= MaxRadiusM) {
		return nil, fmt.Errorf("%w: radius must be between 0 and %d m", ErrInvalid, MaxRadiusM)
	}
	if err := validateLimit(limit); err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	flt, err := ix.compile(&f)
	if err != nil || flt.none {
		return nil, err
	}
	s := getScratch()
	defer putScratch(s)
	ix.search(capBox(p, radiusM), func(slot uint32) bool {
		e := &ix.entries[slot]
		if !ix.match(&flt, e) {
			return true
		}
		q := Point{Lat: e.lat, Lng: e.lng}
		if d := DistanceM(p, q); d <= radiusM {
			s.hits = append(s.hits, Hit{ID: e.id, Location: q, DistanceM: d})
		}
		return true
	})
	slices.SortFunc(s.hits, byDistanceThenID)
	return result(s.hits, limit), nil
}

// ValidateBounds reports whether b is a box of valid positions with Min at
// its south-west corner (boxes across the antimeridian are not supported).
func ValidateBounds(b Bounds) error {
	if err := b.Min.Validate(); err != nil {
		return fmt.Errorf("%w: min: %v", ErrInvalid, unwrapped(err))
	}
	if err := b.Max.Validate(); err != nil {
		return fmt.Errorf("%w: max: %v", ErrInvalid, unwrapped(err))
	}
	if b.Min.Lat > b.Max.Lat || b.Min.Lng > b.Max.Lng {
		return fmt.Errorf("%w: min must be south-west of max", ErrInvalid)
	}
	return nil
}

// WithinBounds returns the accounts matching f inside b (edges included),
// ordered by id; limit <= 0 means no limit.
func (ix *Index) WithinBounds(b Bounds, f Filter, limit int) ([]Hit, error) {
	if err := ValidateBounds(b); err != nil {
		return nil, err
	}
	return ix.within(b, nil, f, limit)
}

// WithinArea returns the accounts matching f inside a (see Area.Contains),
// ordered by id; limit <= 0 means no limit.
func (ix *Index) WithinArea(a Area, f Filter, limit int) ([]Hit, error) {
	if a.IsZero() {
		return nil, fmt.Errorf("%w: area is empty", ErrInvalid)
	}
	return ix.within(a.Bounds(), &a, f, limit)
}

func (ix *Index) within(b Bounds, a *Area, f Filter, limit int) ([]Hit, error) {
	if err := validateLimit(limit); err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	flt, err := ix.compile(&f)
	if err != nil || flt.none {
		return nil, err
	}
	s := getScratch()
	defer putScratch(s)
	ix.search(box{b.Min.Lat, b.Min.Lng, b.Max.Lat, b.Max.Lng}, func(slot uint32) bool {
		e := &ix.entries[slot]
		q := Point{Lat: e.lat, Lng: e.lng}
		if q.Lat < b.Min.Lat || q.Lat > b.Max.Lat || q.Lng < b.Min.Lng || q.Lng > b.Max.Lng ||
			!ix.match(&flt, e) || a != nil && !a.Contains(q) {
			return true
		}
		s.hits = append(s.hits, Hit{ID: e.id, Location: q})
		return true
	})
	slices.SortFunc(s.hits, byID)
	return result(s.hits, limit), nil
}
