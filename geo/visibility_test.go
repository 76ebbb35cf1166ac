package geo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// sees is the reference of Visibility: a plain reading of its doc comment.
func (v *Visibility) sees(e Entry) bool {
	var holder int64
	for _, a := range e.Assignees {
		if a.UserID != 0 && slices.Contains(v.Users, a.UserID) {
			return true
		}
		if a.Layer == v.OpenLayer {
			holder = a.UserID
		}
	}
	return holder == 0 && slices.Contains(v.OpenKinds, e.Kind)
}

// Kinds and users of the visibility tests.
const (
	prospect Kind = 0
	client   Kind = 1
	former   Kind = 2

	rep      int64 = 10
	teammate int64 = 11
	other    int64 = 12
	stranger int64 = 99 // assigned nowhere
)

// visCentre is where the hand-made accounts of visibilityAccounts lie,
// within 500 m, among generated accounts around Lyon.
var visCentre = Point{Lat: 45.7640, Lng: 4.8357}

// visibilityAccounts returns one hand-made account of each situation the
// visibility must tell apart, ids 1 to 13, with scores of 10 × id.
func visibilityAccounts() []Entry {
	owner := func(u int64) Assignment { return Assignment{Layer: "owner", UserID: u} }
	upkeep := func(u int64) Assignment { return Assignment{Layer: "maintenance", UserID: u} }
	phone := func(u int64) Assignment { return Assignment{Layer: "phone", UserID: u} }
	es := []Entry{
		{ID: 1, Kind: client, Assignees: []Assignment{owner(rep)}},
		{ID: 2, Kind: client, Assignees: []Assignment{owner(other), upkeep(rep)}},
		{ID: 3, Kind: client, Assignees: []Assignment{owner(other)}},
		{ID: 4, Kind: prospect}, // open
		{ID: 5, Kind: client},   // unassigned, not open
		{ID: 6, Kind: prospect, Assignees: []Assignment{owner(other)}},  // held
		{ID: 7, Kind: prospect, Assignees: []Assignment{upkeep(other)}}, // open: nobody owns it
		{ID: 8, Kind: prospect, Assignees: []Assignment{owner(teammate)}},
		{ID: 9, Kind: former},
		{ID: 10, Kind: prospect, Assignees: []Assignment{owner(0), phone(other)}}, // 0 is nobody: open
		{ID: 11, Kind: client, Assignees: []Assignment{phone(rep)}},
		{ID: 12, Kind: prospect, Assignees: []Assignment{owner(rep)}},
		{ID: 13, Kind: client, Assignees: []Assignment{owner(other), upkeep(teammate), phone(rep)}},
	}
	for i := range es {
		es[i].Location = destination(visCentre, 40*float64(i+1), float64(i))
		es[i].Score = float32(10 * es[i].ID)
		es[i].Segment = []string{"retail", "industry"}[i%2]
	}
	return es
}

// TestVisibility runs every query kind with visibility filters over the
// hand-made accounts among 3,000 generated ones, and checks the hand-made
// accounts found against the expected ones and every answer against a
// linear scan.
func TestVisibility(t *testing.T) {
	hand := visibilityAccounts()
	es := GenerateFrance(11, 3_000)
	// Generated accounts: ids past the hand-made ones, "sales" renamed to
	// the owner layer, and some of their users in common with them.
	for i := range es {
		e := &es[i]
		e.ID += 100
		e.Assignees = slices.Clone(e.Assignees)
		for j := range e.Assignees {
			if a := &e.Assignees[j]; a.Layer == "sales" {
				a.Layer = "owner"
			}
		}
		if i%50 == 0 {
			e.Assignees = append(e.Assignees[:0], Assignment{Layer: "owner", UserID: []int64{rep, teammate, other}[i%3]})
		}
	}
	es = append(es, hand...)
	ix, err := NewIndex(es)
	if err != nil {
		t.Fatal(err)
	}
	m := model{}
	for _, e := range es {
		m[e.ID] = e
	}
	// A team of more than visInline known users: the generated owners.
	var bigTeam []int64
	for _, e := range es {
		for _, a := range e.Assignees {
			if a.Layer == "owner" && a.UserID >= 1000 && !slices.Contains(bigTeam, a.UserID) && len(bigTeam) < 3*visInline {
				bigTeam = append(bigTeam, a.UserID)
			}
		}
	}
	bigTeam = append(bigTeam, stranger, rep, rep)
	if len(bigTeam) <= visInline+3 {
		t.Fatalf("only %d users for the large team", len(bigTeam))
	}

	open := []Kind{prospect}
	tests := []struct {
		name string
		f    Filter
		want []int64 // hand-made accounts matching
	}{
		{"rep", Filter{Visible: &Visibility{Users: []int64{rep}}}, []int64{1, 2, 11, 12, 13}},
		{"rep and open prospects", Filter{Visible: &Visibility{Users: []int64{rep}, OpenKinds: open, OpenLayer: "owner"}},
			[]int64{1, 2, 4, 7, 10, 11, 12, 13}},
		{"teammate and open prospects", Filter{Visible: &Visibility{Users: []int64{teammate}, OpenKinds: open, OpenLayer: "owner"}},
			[]int64{4, 7, 8, 10, 13}},
		{"team", Filter{Visible: &Visibility{Users: []int64{rep, teammate}}}, []int64{1, 2, 8, 11, 12, 13}},
		{"team with an unknown user and duplicates", Filter{Visible: &Visibility{Users: []int64{stranger, teammate, rep, teammate}}},
			[]int64{1, 2, 8, 11, 12, 13}},
		{"large team", Filter{Visible: &Visibility{Users: bigTeam, OpenKinds: open, OpenLayer: "owner"}},
			[]int64{1, 2, 4, 7, 10, 11, 12, 13}},
		{"open prospects and former clients", Filter{Visible: &Visibility{OpenKinds: []Kind{prospect, former}, OpenLayer: "owner"}},
			[]int64{4, 7, 9, 10}},
		{"open in another layer", Filter{Visible: &Visibility{OpenKinds: []Kind{prospect, client}, OpenLayer: "maintenance"}},
			[]int64{1, 3, 4, 5, 6, 8, 10, 11, 12}},
		{"open in a layer nobody uses", Filter{Visible: &Visibility{OpenKinds: open, OpenLayer: "no-such-layer"}},
			[]int64{4, 6, 7, 8, 10, 12}},
		{"open layer without open kinds", Filter{Visible: &Visibility{Users: []int64{teammate}, OpenLayer: "owner"}},
			[]int64{8, 13}},
		{"unknown user", Filter{Visible: &Visibility{Users: []int64{stranger}}}, nil},
		{"unknown user and open prospects", Filter{Visible: &Visibility{Users: []int64{stranger}, OpenKinds: open, OpenLayer: "owner"}},
			[]int64{4, 7, 10}},
		{"user 0 is nobody", Filter{Visible: &Visibility{Users: []int64{0}}}, nil},
		{"empty visibility matches nothing", Filter{Visible: &Visibility{}}, nil},
		{"empty visibility with other filters", Filter{Visible: &Visibility{Users: []int64{}}, Kinds: open}, nil},
		{"and kinds", Filter{Kinds: []Kind{client}, Visible: &Visibility{Users: []int64{rep}, OpenKinds: open, OpenLayer: "owner"}},
			[]int64{1, 2, 11, 13}},
		{"and min score", Filter{MinScore: 70, Visible: &Visibility{Users: []int64{rep}, OpenKinds: open, OpenLayer: "owner"}},
			[]int64{7, 10, 11, 12, 13}},
		{"and segment", Filter{Segments: []string{"retail"}, Visible: &Visibility{Users: []int64{rep}, OpenKinds: open, OpenLayer: "owner"}},
			[]int64{1, 7, 11, 13}},
		{"and assignee in a layer", Filter{Layer: "maintenance", AssigneeIDs: []int64{rep}, Visible: &Visibility{Users: []int64{rep}}},
			[]int64{2}},
		{"and unassigned in the owner layer", Filter{Layer: "owner", Unassigned: true, Visible: &Visibility{Users: []int64{rep}, OpenKinds: open, OpenLayer: "owner"}},
			[]int64{4, 7, 10, 11}},
		{"and a filter matching nothing", Filter{TagsAll: []string{"no-such-tag"}, Visible: &Visibility{Users: []int64{rep}}}, nil},
	}
	area, err := ParseArea([]byte(squareGeoJSON(visCentre, 2_000)))
	if err != nil {
		t.Fatal(err)
	}
	west, east := destination(visCentre, 3_000, -math.Pi/2), destination(visCentre, 3_000, math.Pi/2)
	route := Polyline{west, destination(visCentre, 100, 0), east}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			// The hand-made accounts found by queries that cover them all.
			handMade := func(what string, hits []Hit, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				var got []int64
				for _, h := range hits {
					if h.ID <= 100 {
						got = append(got, h.ID)
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, tt.want) {
					t.Errorf("%s: got hand-made accounts %v, want %v", what, got, tt.want)
				}
			}
			// Check the expectations against the reference too.
			var want []int64
			for _, e := range hand {
				if m.match(e, f) {
					want = append(want, e.ID)
				}
			}
			if !slices.Equal(want, tt.want) {
				t.Fatalf("reference matches %v, want %v", want, tt.want)
			}

			must := func(hits []Hit, err error) []Hit {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				return hits
			}
			for _, k := range []int{1, 5, 40} {
				what := fmt.Sprintf("Nearest %d", k)
				checkHits(t, what, must(ix.Nearest(visCentre, k, f)), m.nearest(visCentre, k, f))
			}
			hits, err := ix.WithinRadius(visCentre, 1_000, f, 0)
			handMade("WithinRadius", hits, err)
			checkHits(t, "WithinRadius", hits, m.radius(visCentre, 1_000, f, 0))
			checkHits(t, "WithinRadius 30 km limit 20", must(ix.WithinRadius(visCentre, 30_000, f, 20)), m.radius(visCentre, 30_000, f, 20))

			b := area.Bounds()
			hits, err = ix.WithinBounds(b, f, 0)
			handMade("WithinBounds", hits, err)
			checkHits(t, "WithinBounds", hits, m.bounds(b, nil, f, 0))

			hits, err = ix.WithinArea(area, f, 0)
			handMade("WithinArea", hits, err)
			checkHits(t, "WithinArea", hits, m.bounds(b, &area, f, 0))

			hits, err = ix.AlongRoute(route, 1_000, f, 0)
			handMade("AlongRoute", hits, err)
			checkHits(t, "AlongRoute", hits, m.corridor(route, 1_000, f, 0))
			long := Polyline{west, visCentre, destination(visCentre, 60_000, 1)}
			checkHits(t, "AlongRoute 60 km", must(ix.AlongRoute(long, 5_000, f, 10)), m.corridor(long, 5_000, f, 10))
		})
	}
}

// squareGeoJSON returns a GeoJSON square of half-side rM metres around c.
func squareGeoJSON(c Point, rM float64) string {
	dLat := rM / EarthRadiusM / rad
	dLng := dLat / math.Cos(c.Lat*rad)
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}`,
		c.Lng-dLng, c.Lat-dLat, c.Lng+dLng, c.Lat-dLat, c.Lng+dLng, c.Lat+dLat, c.Lng-dLng, c.Lat+dLat, c.Lng-dLng, c.Lat-dLat)
}

// TestVisibilityFollowsWrites checks that a reassignment or a new user shows
// in the next query: the filter is resolved against the index per query.
func TestVisibilityFollowsWrites(t *testing.T) {
	ix, err := NewIndex(visibilityAccounts())
	if err != nil {
		t.Fatal(err)
	}
	ids := func(f Filter) []int64 {
		t.Helper()
		hits, err := ix.WithinRadius(visCentre, 1_000, f, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, h := range hits {
			got = append(got, h.ID)
		}
		slices.Sort(got)
		return got
	}
	newcomer := Filter{Visible: &Visibility{Users: []int64{stranger}, OpenKinds: []Kind{prospect}, OpenLayer: "owner"}}
	if got, want := ids(newcomer), []int64{4, 7, 10}; !slices.Equal(got, want) {
		t.Fatalf("before: got %v, want %v", got, want)
	}
	// The newcomer takes open prospect 4 and is given client 3.
	e4, _ := ix.Get(4)
	e4.Assignees = []Assignment{{Layer: "owner", UserID: stranger}}
	e3, _ := ix.Get(3)
	e3.Assignees = append(e3.Assignees, Assignment{Layer: "territory", UserID: stranger})
	for _, e := range []Entry{e4, e3} {
		if err := ix.Upsert(e); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := ids(newcomer), []int64{3, 4, 7, 10}; !slices.Equal(got, want) {
		t.Errorf("after: got %v, want %v", got, want)
	}
	repView := Filter{Visible: &Visibility{Users: []int64{rep}, OpenKinds: []Kind{prospect}, OpenLayer: "owner"}}
	if got, want := ids(repView), []int64{1, 2, 7, 10, 11, 12, 13}; !slices.Equal(got, want) {
		t.Errorf("rep after: got %v, want %v", got, want)
	}
}

func TestVisibilityRejects(t *testing.T) {
	ix, err := NewIndex(visibilityAccounts())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		v    Visibility
		want string
	}{
		{"open kinds without a layer", Visibility{Users: []int64{rep}, OpenKinds: []Kind{prospect}}, "open kinds need the layer"},
		{"open kind", Visibility{OpenKinds: []Kind{MaxKind + 1}, OpenLayer: "owner"}, "open kind must be at most 63"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ix.Nearest(visCentre, 3, Filter{Visible: &tt.v})
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want an ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

// randomVisibility makes a visibility from the users of es, unknown users
// and sometimes more users than a compiled filter holds inline.
func randomVisibility(rng *rand.Rand, es []Entry) *Visibility {
	v := &Visibility{}
	users := rng.IntN(4)
	if rng.IntN(8) == 0 {
		users = visInline + 1 + rng.IntN(20)
	}
	for range users {
		switch as := es[rng.IntN(len(es))].Assignees; {
		case rng.IntN(6) == 0:
			v.Users = append(v.Users, 424242)
		case len(as) > 0:
			v.Users = append(v.Users, as[rng.IntN(len(as))].UserID)
		}
	}
	if rng.IntN(2) == 0 {
		v.OpenKinds = []Kind{Kind(rng.IntN(3))}
		v.OpenLayer = []string{"sales", "sales", "maintenance", "unknown"}[rng.IntN(4)]
	}
	return v
}

// TestVisibilityAllocations checks that resolving and applying a visibility
// does not allocate for up to visInline users, and allocates once past them.
// (The queries themselves are measured by the benchmarks: a pool's reuse is
// not deterministic under the race detector.)
func TestVisibilityAllocations(t *testing.T) {
	es := GenerateFrance(5, 5_000)
	ix, err := NewIndex(es)
	if err != nil {
		t.Fatal(err)
	}
	var users []int64
	for _, e := range es {
		for _, a := range e.Assignees {
			if !slices.Contains(users, a.UserID) {
				users = append(users, a.UserID)
			}
		}
	}
	tests := []struct {
		name  string
		users []int64
		want  float64
	}{
		{"rep", users[:1], 0},
		{"team", users[:visInline], 0},
		{"large team", users[:visInline+1], 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Filter{MinScore: 1, Visible: &Visibility{Users: tt.users, OpenKinds: []Kind{0}, OpenLayer: "sales"}}
			matched := 0
			got := testing.AllocsPerRun(20, func() {
				ix.mu.RLock()
				defer ix.mu.RUnlock()
				flt, err := ix.compile(&f)
				if err != nil {
					t.Fatal(err)
				}
				matched = 0
				for i := range ix.entries {
					if ix.match(&flt, &ix.entries[i]) {
						matched++
					}
				}
			})
			if got != tt.want {
				t.Errorf("got %v allocations, want %v", got, tt.want)
			}
			if matched == 0 {
				t.Error("the filter matched no account")
			}
		})
	}
}
