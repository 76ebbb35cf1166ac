package geo

import (
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
)

// GenerateFranceZones returns a layer of territories that partition
// FranceBounds, the same for the same seed: a rows × cols grid with rows =
// ⌊√n⌋ and cols = ⌊n/rows⌋ (so exactly n territories when n is 100), ids
// 1..rows·cols row by row from the south-west, priority 0; n < 1 counts as 1. Grid nodes are
// jittered and the borders between them are wavy polylines of 32–156
// interior positions; each border is computed once and used, reversed as
// needed, by both of its territories, so that neighbours share exactly the
// same positions and every territory has 132–628 positions (the closing one
// apart). The outer borders are straight, along the bounds.
func GenerateFranceZones(seed uint64, n int) []Zone {
	rng := rand.New(rand.NewPCG(seed, 0x7a6f6e6573))
	rows := int(math.Sqrt(float64(max(n, 1))))
	cols := max(1, n/rows)
	fr := FranceBounds()
	cellW := (fr.Max.Lng - fr.Min.Lng) / float64(cols)
	cellH := (fr.Max.Lat - fr.Min.Lat) / float64(rows)

	// node[i][j] is the corner between rows i-1, i and columns j-1, j; nodes
	// on the bounds move only along them.
	node := make([][]orb.Point, rows+1)
	for i := range node {
		node[i] = make([]orb.Point, cols+1)
		for j := range node[i] {
			x, y := fr.Min.Lng, fr.Min.Lat
			switch {
			case j == cols:
				x = fr.Max.Lng
			case j > 0:
				x += (float64(j) + (rng.Float64()-0.5)*0.3) * cellW
			}
			switch {
			case i == rows:
				y = fr.Max.Lat
			case i > 0:
				y += (float64(i) + (rng.Float64()-0.5)*0.3) * cellH
			}
			node[i][j] = orb.Point{x, y}
		}
	}
	// south[i][j] runs west to east under cell (i, j); west[i][j] runs
	// south to north west of it.
	south := make([][][]orb.Point, rows+1)
	for i := range south {
		south[i] = make([][]orb.Point, cols)
		for j := range south[i] {
			south[i][j] = genBorder(rng, node[i][j], node[i][j+1], i > 0 && i < rows)
		}
	}
	west := make([][][]orb.Point, rows)
	for i := range west {
		west[i] = make([][]orb.Point, cols+1)
		for j := range west[i] {
			west[i][j] = genBorder(rng, node[i][j], node[i+1][j], j > 0 && j < cols)
		}
	}

	zs := make([]Zone, 0, rows*cols)
	for i := range rows {
		for j := range cols {
			// Counter-clockwise: south and east forwards, north and west
			// backwards, each border without its last position, which the
			// next one starts with.
			var ring orb.Ring
			ring = append(ring, south[i][j][:len(south[i][j])-1]...)
			ring = append(ring, west[i][j+1][:len(west[i][j+1])-1]...)
			ring = appendReversed(ring, south[i+1][j])
			ring = appendReversed(ring, west[i][j])
			ring = append(ring, ring[0])
			a, err := NewArea(orb.Polygon{ring})
			if err != nil {
				panic("geo: generated zone is invalid: " + err.Error())
			}
			zs = append(zs, Zone{ID: int64(len(zs) + 1), Area: a})
		}
	}
	return zs
}

// genBorder returns a polyline from a to b. A wavy one moves each position
// off the chord, perpendicularly: a polyline that is a function's graph over
// its chord cannot cross itself, and the sin(πt) envelope keeps it within
// about 15° of its chord near the grid nodes, so that the four borders
// meeting at a node do not cross either.
func genBorder(rng *rand.Rand, a, b orb.Point, wavy bool) []orb.Point {
	m := 32 + rng.IntN(125)
	dx, dy := b[0]-a[0], b[1]-a[1]
	length := math.Hypot(dx, dy)
	nx, ny := -dy/length, dx/length // unit normal
	amp := length * (0.03 + 0.05*rng.Float64())
	waves := float64(1 + rng.IntN(4))
	phase := rng.Float64() * 2 * math.Pi
	ps := make([]orb.Point, 0, m+2)
	ps = append(ps, a)
	for k := 1; k <= m; k++ {
		t := (float64(k) - 0.4 + 0.8*rng.Float64()) / float64(m+1)
		p := orb.Point{a[0] + t*dx, a[1] + t*dy}
		if wavy {
			d := math.Sin(math.Pi*t) * (amp*math.Sin(waves*math.Pi*t+phase) + length*0.004*(rng.Float64()-0.5))
			p = orb.Point{p[0] + d*nx, p[1] + d*ny}
		}
		ps = append(ps, p)
	}
	return append(ps, b)
}

// appendReversed appends border backwards, without its first position.
func appendReversed(ring orb.Ring, border []orb.Point) orb.Ring {
	for k := len(border) - 1; k > 0; k-- {
		ring = append(ring, border[k])
	}
	return ring
}
