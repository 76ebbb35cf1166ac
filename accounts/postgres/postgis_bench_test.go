package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tournee/tournee/geo"
)

// BenchmarkPostGIS compares PostgreSQL+PostGIS with geo.Index on the same
// 1,000,000 generated accounts and the same query points, in one run:
//
//	TOURNEE_POSTGIS_BENCH=1 go test -run '^$' -bench PostGIS -benchtime 2000x ./accounts/postgres
//
// It loads the accounts into a scratch database (dropped at the end) with a
// geography column and a GiST index, checks with EXPLAIN that the queries
// use that index and that both sides return the same ids, then times
// nearest-10 (KNN with <->) and within 10 km (ST_DWithin) one query at a
// time, and prints the ratio PostGIS time / index time. Both measure on a
// sphere of the same mean radius: <-> on geography always does, and
// ST_DWithin is asked to (use_spheroid false), so that the ids agree.
// PostGIS returns ids only; the index also computes and sorts distances.
func BenchmarkPostGIS(b *testing.B) {
	if os.Getenv("TOURNEE_POSTGIS_BENCH") != "1" {
		b.Skip("set TOURNEE_POSTGIS_BENCH=1 to load 1,000,000 accounts into a scratch PostgreSQL database")
	}
	const n = 1_000_000
	ctx := context.Background()
	es := geo.GenerateFrance(1, n)

	start := time.Now()
	ix, err := geo.NewIndex(es)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("geo.NewIndex: %d accounts in %s", ix.Len(), time.Since(start).Round(time.Millisecond))

	conn := scratchPostGIS(b, ctx)
	start = time.Now()
	loadBenchAccounts(b, ctx, conn, es)
	b.Logf("PostGIS: %d accounts loaded and indexed in %s", n, time.Since(start).Round(time.Millisecond))

	nearPoints := benchNearPoints(es, 4096)
	withinPoints := benchWithinPoints(1024)
	const knnSQL = `SELECT id FROM bench_accounts
		ORDER BY location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography LIMIT 10`
	const withinSQL = `SELECT id FROM bench_accounts
		WHERE ST_DWithin(location, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, 10000, false)`
	requireIndexScan(b, ctx, conn, knnSQL, nearPoints[0])
	requireIndexScan(b, ctx, conn, withinSQL, withinPoints[0])

	pgNearest := func(p geo.Point) []int64 { return queryIDs(b, ctx, conn, knnSQL, p) }
	ixNearest := func(p geo.Point) []int64 {
		hits, err := ix.Nearest(p, 10, geo.Filter{})
		if err != nil {
			b.Fatal(err)
		}
		return hitIDs(hits)
	}
	pgWithin := func(p geo.Point) []int64 { return queryIDs(b, ctx, conn, withinSQL, p) }
	ixWithin := func(p geo.Point) []int64 {
		hits, err := ix.WithinRadius(p, 10_000, geo.Filter{}, 0)
		if err != nil {
			b.Fatal(err)
		}
		return hitIDs(hits)
	}
	// Sanity: the same answers on a few points. KNN returns the nearest
	// first (ties are practically absent with float coordinates), and
	// ST_DWithin in no particular order, so those ids are compared sorted.
	for i := range 20 {
		if got, want := pgNearest(nearPoints[i]), ixNearest(nearPoints[i]); !slices.Equal(got, want) {
			b.Fatalf("nearest-10 at %v: PostGIS ids %v, index ids %v", nearPoints[i], got, want)
		}
		got, want := pgWithin(withinPoints[i]), ixWithin(withinPoints[i])
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			b.Fatalf("within 10 km of %v: PostGIS %d ids, index %d ids, differing", withinPoints[i], len(got), len(want))
		}
	}

	for _, c := range []struct {
		name        string
		points      []geo.Point
		pgis, index func(geo.Point) []int64
	}{
		{"Nearest10", nearPoints, pgNearest, ixNearest},
		{"Within10km", withinPoints, pgWithin, ixWithin},
	} {
		var pgisP50, indexP50 time.Duration
		b.Run(c.name+"/postgis", func(b *testing.B) { pgisP50 = timeQueries(b, c.points, c.pgis) })
		b.Run(c.name+"/index", func(b *testing.B) { indexP50 = timeQueries(b, c.points, c.index) })
		if pgisP50 > 0 && indexP50 > 0 {
			fmt.Printf("%s: median PostGIS %s, index %s, ratio %.0f×\n",
				c.name, pgisP50, indexP50, float64(pgisP50)/float64(indexP50))
		}
	}
}

// timeQueries runs q over the points, one per iteration, reports the median
// and 99th percentile latency and hits per query, and returns the median.
func timeQueries(b *testing.B, points []geo.Point, q func(geo.Point) []int64) time.Duration {
	var lat []time.Duration
	hits := 0
	for b.Loop() {
		p := points[len(lat)%len(points)]
		start := time.Now()
		hits += len(q(p))
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	p50 := lat[len(lat)/2]
	b.ReportMetric(float64(p50.Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(hits)/float64(len(lat)), "hits/op")
	return p50
}

// scratchPostGIS creates a database with PostGIS on the test server
// (TEST_DATABASE_URL or DefaultTestURL) and drops it when b ends.
func scratchPostGIS(b *testing.B, ctx context.Context) *pgx.Conn {
	b.Helper()
	server := os.Getenv("TEST_DATABASE_URL")
	if server == "" {
		server = DefaultTestURL
	}
	admin, err := connectAdmin(ctx, server)
	if err != nil {
		b.Fatalf("PostgreSQL at %s: %v", redact(server), err)
	}
	name := "tournee_bench_" + randomHex(4)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+quote(name)); err != nil {
		admin.Close(ctx)
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx := context.Background()
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
			b.Errorf("drop scratch database %s: %v", name, err)
		}
		admin.Close(ctx)
	})
	conn, err := pgx.Connect(ctx, withDatabase(server, name))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) }) // runs before the drop
	if _, err := conn.Exec(ctx, "CREATE EXTENSION postgis"); err != nil {
		b.Fatalf("PostGIS: %v", err)
	}
	return conn
}

// loadBenchAccounts copies es into bench_accounts, then builds the GiST index
// (faster than maintaining it row by row) and the planner's statistics.
func loadBenchAccounts(b *testing.B, ctx context.Context, conn *pgx.Conn, es []geo.Entry) {
	b.Helper()
	const table = `CREATE UNLOGGED TABLE bench_accounts (
		id bigint PRIMARY KEY,
		lat double precision NOT NULL,
		lng double precision NOT NULL,
		location geography(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography) STORED)`
	if _, err := conn.Exec(ctx, table); err != nil {
		b.Fatal(err)
	}
	rows := pgx.CopyFromSlice(len(es), func(i int) ([]any, error) {
		return []any{es[i].ID, es[i].Location.Lat, es[i].Location.Lng}, nil
	})
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"bench_accounts"}, []string{"id", "lat", "lng"}, rows); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		"CREATE INDEX bench_accounts_location ON bench_accounts USING gist (location)",
		"VACUUM ANALYZE bench_accounts",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
}

// requireIndexScan fails b unless the plan of query at p uses the GiST index.
func requireIndexScan(b *testing.B, ctx context.Context, conn *pgx.Conn, query string, p geo.Point) {
	b.Helper()
	rows, err := conn.Query(ctx, "EXPLAIN "+query, p.Lng, p.Lat)
	if err != nil {
		b.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	b.Logf("EXPLAIN %s\n%s", strings.Join(strings.Fields(query), " "), plan)
	if !strings.Contains(plan, "bench_accounts_location") {
		b.Fatalf("the plan does not use the GiST index:\n%s", plan)
	}
}

// queryIDs runs query at p (parameters lng, lat) and returns the ids.
func queryIDs(b *testing.B, ctx context.Context, conn *pgx.Conn, query string, p geo.Point) []int64 {
	rows, err := conn.Query(ctx, query, p.Lng, p.Lat)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

func hitIDs(hits []geo.Hit) []int64 {
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return ids
}

// benchNearPoints returns n points: half at accounts (a rep at a client),
// half uniform over France (countryside, sea included), as geo's own
// benchmarks use.
func benchNearPoints(es []geo.Entry, n int) []geo.Point {
	rng := rand.New(rand.NewPCG(7, 7))
	fr := geo.FranceBounds()
	ps := make([]geo.Point, n)
	for i := range ps {
		if i%2 == 0 {
			ps[i] = es[rng.IntN(len(es))].Location
		} else {
			ps[i] = geo.Point{Lat: fr.Min.Lat + rng.Float64()*(fr.Max.Lat-fr.Min.Lat), Lng: fr.Min.Lng + rng.Float64()*(fr.Max.Lng-fr.Min.Lng)}
		}
	}
	return ps
}

// benchWithinPoints returns n points within about 15 km of the generator's
// city centres, each city equally likely: towns of every size and Paris's
// suburbs, where a 10 km circle holds from a few to tens of thousands of
// accounts.
func benchWithinPoints(n int) []geo.Point {
	rng := rand.New(rand.NewPCG(8, 8))
	cs := geo.FrenchCities()
	ps := make([]geo.Point, n)
	for i := range ps {
		c := cs[rng.IntN(len(cs))]
		ps[i] = geo.Point{Lat: c.Lat + (rng.Float64()*2-1)*0.13, Lng: c.Lng + (rng.Float64()*2-1)*0.18}
	}
	return ps
}
