package accounts_test

import (
	"cmp"
	"context"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tournee/tournee/accounts"
	"github.com/tournee/tournee/accounts/sqlite"
	"github.com/tournee/tournee/geo"
)

// franceLayer is the generated partition of France as one layer's
// territories, territory i assigned to user 1000+i.
func franceLayer(t testing.TB) []accounts.Territory {
	t.Helper()
	var ts []accounts.Territory
	for _, z := range geo.GenerateFranceZones(1, 100) {
		user := 1000 + z.ID
		ts = append(ts, accounts.Territory{Meta: accounts.Meta{ID: z.ID}, Layer: "sales", Geometry: z.Area,
			Priority: z.Priority, AssigneeID: &user})
	}
	return ts
}

// randomLocated spreads n accounts over France, the same for the same seed.
func randomLocated(n int, seed uint64) []accounts.Located {
	rng := rand.New(rand.NewPCG(seed, 1))
	fr := geo.FranceBounds()
	ls := make([]accounts.Located, n)
	for i := range ls {
		ls[i] = accounts.Located{ID: int64(i + 1), Point: geo.Point{
			Lat: fr.Min.Lat + rng.Float64()*(fr.Max.Lat-fr.Min.Lat),
			Lng: fr.Min.Lng + rng.Float64()*(fr.Max.Lng-fr.Min.Lng),
		}}
	}
	return ls
}

// ringPositions returns every position of the territories' rings as a
// point: each lies exactly on a border, most on one that two territories
// share.
func ringPositions(t *testing.T, ts []accounts.Territory) []geo.Point {
	t.Helper()
	var out []geo.Point
	for _, tr := range ts {
		b, err := json.Marshal(tr.Geometry)
		if err != nil {
			t.Fatal(err)
		}
		var g struct{ Coordinates [][][][2]float64 }
		if err := json.Unmarshal(b, &g); err != nil {
			t.Fatal(err)
		}
		for _, poly := range g.Coordinates {
			for _, ring := range poly {
				for _, p := range ring {
					out = append(out, geo.Point{Lat: p[1], Lng: p[0]})
				}
			}
		}
	}
	return out
}

// winningOrder sorts territories by priority, then area, then id.
func winningOrder(ts []accounts.Territory) []accounts.Territory {
	order := slices.Clone(ts)
	slices.SortStableFunc(order, func(a, b accounts.Territory) int {
		return cmp.Or(cmp.Compare(b.Priority, a.Priority),
			cmp.Compare(a.Geometry.AreaM2(), b.Geometry.AreaM2()), cmp.Compare(a.ID, b.ID))
	})
	return order
}

// naiveWinner tests every territory of order, in order, with the plain
// point-in-polygon of geo.Area (boundaries inside).
func naiveWinner(order []accounts.Territory, boxes []geo.Bounds, p geo.Point) int64 {
	for i, t := range order {
		// The box only skips what cannot contain p; Contains decides.
		b := boxes[i]
		if p.Lat < b.Min.Lat || p.Lat > b.Max.Lat || p.Lng < b.Min.Lng || p.Lng > b.Max.Lng {
			continue
		}
		if t.Geometry.Contains(p) {
			return t.ID
		}
	}
	return 0
}

func TestPlanLayerMatchesNaive(t *testing.T) {
	ts := franceLayer(t)
	// A few overlapping territories too, so that priority and area decide.
	fr := geo.FranceBounds()
	big := ts[44]
	big.ID, big.Priority = 101, 1
	small := ts[55]
	small.ID = 102
	ts = append(ts, big, small)
	borders := ringPositions(t, ts)
	order := winningOrder(ts)
	boxes := make([]geo.Bounds, len(order))
	for i, t := range order {
		boxes[i] = t.Geometry.Bounds()
	}
	random := randomLocated(20_000, 7)
	outside := []geo.Point{{Lat: fr.Min.Lat - 1, Lng: fr.Min.Lng}, {Lat: 0, Lng: 0}}
	tests := []struct {
		name   string
		points []geo.Point
	}{
		{"random", func() []geo.Point {
			ps := make([]geo.Point, len(random))
			for i, l := range random {
				ps[i] = l.Point
			}
			return ps
		}()},
		{"ring positions, on shared borders", borders},
		{"outside", outside},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ls := make([]accounts.Located, len(tc.points))
			for i, p := range tc.points {
				ls[i] = accounts.Located{ID: int64(i + 1), Point: p}
			}
			plan, err := accounts.PlanLayer(context.Background(), "sales", ts, ls, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int64]int64{}
			for _, a := range plan.Put {
				got[a.AccountID] = *a.TerritoryID
			}
			mismatches := 0
			for _, l := range ls {
				if want := naiveWinner(order, boxes, l.Point); got[l.ID] != want {
					if mismatches++; mismatches <= 5 {
						t.Errorf("account at %+v: got territory %d, want %d", l.Point, got[l.ID], want)
					}
				}
			}
			if mismatches > 0 {
				t.Errorf("%d of %d accounts differ from the naive test", mismatches, len(ls))
			}
		})
	}
}

func TestPlanLayerPinsAndMoves(t *testing.T) {
	ts := franceLayer(t)
	ls := randomLocated(1000, 3)
	first, err := accounts.PlanLayer(context.Background(), "sales", ts, ls, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(first.Moved), len(first.Put); got != want {
		t.Fatalf("first assignment: got %d moves, want one per assignment, %d", got, want)
	}
	cur := slices.Clone(first.Put)
	pinned := int64(7)
	cur[0].UserID, cur[0].Pinned = &pinned, true
	// Territory 1 changes hands: only its unpinned accounts move.
	moved := *ts[0].AssigneeID + 500
	ts[0].AssigneeID = &moved
	next, err := accounts.PlanLayer(context.Background(), "sales", ts, ls, cur)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range next.Moved {
		if m.AccountID == cur[0].AccountID {
			t.Errorf("pinned account %d: got a move to %v, want none", m.AccountID, m.To)
		}
		if *m.TerritoryID != 1 || *m.To != moved {
			t.Errorf("account %d: got a move to %v in territory %v, want only territory 1's accounts to user %d", m.AccountID, *m.To, *m.TerritoryID, moved)
		}
	}
}

// BenchmarkPlanLayer1M reassigns 1,000,000 accounts against the 100
// generated territories of France: first assignment, and after every
// territory changed hands (every account moves).
func BenchmarkPlanLayer1M(b *testing.B) {
	ts := franceLayer(b)
	ls := randomLocated(1_000_000, 11)
	ctx := context.Background()
	first, err := accounts.PlanLayer(ctx, "sales", ts, ls, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			if _, err := accounts.PlanLayer(ctx, "sales", ts, ls, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("all move", func(b *testing.B) {
		moved := slices.Clone(ts)
		for i := range moved {
			u := *moved[i].AssigneeID + 1
			moved[i].AssigneeID = &u
		}
		for b.Loop() {
			if _, err := accounts.PlanLayer(ctx, "sales", moved, ls, first.Put); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTerritoriesAt is the point lookup of GET /territories/at once the
// zones are cached: the 100 generated territories of France in one layer.
func BenchmarkTerritoriesAt(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "tournee.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	svc := accounts.NewService(db)
	for _, tr := range franceLayer(b) {
		tr.Meta, tr.AssigneeID, tr.Name = accounts.Meta{}, nil, "zone"
		if _, err := svc.CreateTerritory(ctx, tr); err != nil {
			b.Fatal(err)
		}
	}
	ls := randomLocated(4096, 5)
	if _, err := svc.TerritoriesAt(ctx, ls[0].Point); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if _, err := svc.TerritoriesAt(ctx, ls[i%len(ls)].Point); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
