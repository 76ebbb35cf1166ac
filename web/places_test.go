package web_test

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tournee/tournee/geo"
)

// placesFixture creates accounts on a line of latitude 45° N, one every
// 0.01° of longitude east of 4.80° E (about 786 m apart), alternating client
// and prospect, and returns their ids west to east.
func placesFixture(t *testing.T, s http.Handler, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		kind := []string{"client", "prospect"}[i%2]
		body := fmt.Sprintf(`{"kind":%q,"name":"Compte %02d","lat":45,"lng":%.2f,"potential_cents":%d,"tags":["t%d"]}`,
			kind, i, 4.80+0.01*float64(i), 100_000*(i+1), i%3)
		w := do(t, s, "POST", "/api/v1/accounts", body)
		wantStatus(t, w, http.StatusCreated)
		ids = append(ids, decode[struct{ ID int64 }](t, w).ID)
	}
	return ids
}

type placeItem struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Kind      string   `json:"kind"`
	DistanceM float64  `json:"distance_m"`
	AlongM    *float64 `json:"along_m"`
	Score     *float64 `json:"score"`
}

func items(t *testing.T, s http.Handler, method, path, body string) []placeItem {
	t.Helper()
	w := do(t, s, method, path, body)
	wantStatus(t, w, http.StatusOK)
	return decode[struct{ Items []placeItem }](t, w).Items
}

func ids(items []placeItem) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestNearby(t *testing.T) {
	s, _ := newServer(t)
	all := placesFixture(t, s, 10)
	origin := geo.Point{Lat: 45, Lng: 4.80}

	// The three nearest to the westernmost account are the first three.
	got := items(t, s, "GET", "/api/v1/accounts/nearby?lat=45&lng=4.80&limit=3", "")
	if !slices.Equal(ids(got), all[:3]) {
		t.Fatalf("nearest 3 = %v, want %v", ids(got), all[:3])
	}
	for i, it := range got {
		want := geo.DistanceM(origin, geo.Point{Lat: 45, Lng: 4.80 + 0.01*float64(i)})
		if math.Abs(it.DistanceM-want) > 0.01 || it.Name == "" || it.Score == nil {
			t.Errorf("item %d = %+v, want distance %.2f, a name and a score", i, it, want)
		}
	}

	// Within 2 km: accounts 0, 1 and 2 (0, 786 and 1,572 m), prospects only: 1.
	got = items(t, s, "GET", "/api/v1/accounts/nearby?lat=45&lng=4.80&radius_m=2000&kind=prospect", "")
	if !slices.Equal(ids(got), []int64{all[1]}) {
		t.Errorf("prospects within 2 km = %v, want [%d]", ids(got), all[1])
	}
	got = items(t, s, "GET", "/api/v1/accounts/nearby?lat=45&lng=4.80&radius_m=5000&tag=T2&min_potential_cents=300000", "")
	if !slices.Equal(ids(got), []int64{all[2], all[5]}) {
		t.Errorf("tag t2 and potential ≥ 3,000 € within 5 km = %v, want %v", ids(got), []int64{all[2], all[5]})
	}

	// A radius query may return more than a nearest query.
	wantStatus(t, do(t, s, "GET", "/api/v1/accounts/nearby?lat=45&lng=4.80&radius_m=1000&limit=600", ""), http.StatusOK)

	// fields trims each item to what a phone needs.
	w := do(t, s, "GET", "/api/v1/accounts/nearby?lat=45&lng=4.80&limit=1&fields=id,distance_m", "")
	wantStatus(t, w, http.StatusOK)
	if want := fmt.Sprintf(`{"items":[{"id":%d,"distance_m":0}]}`, all[0]); w.Body.String() != want {
		t.Errorf("trimmed = %s, want %s", w.Body, want)
	}
	w = do(t, s, "GET", "/api/v1/accounts/nearby?lat=45&lng=4.80&limit=1&fields=name,distance_m,name", "")
	if want := `{"items":[{"name":"Compte 00","distance_m":0}]}`; w.Body.String() != want {
		t.Errorf("trimmed with a store field = %s, want %s", w.Body, want)
	}

	// Full records come from a cache the read model keeps current: a
	// renamed account is served under its new name at once.
	first := fmt.Sprintf("/api/v1/accounts/%d", all[0])
	if got := items(t, s, "GET", "/api/v1/accounts/nearby?lat=45&lng=4.80&limit=1", ""); got[0].Name != "Compte 00" {
		t.Fatalf("before the rename: %+v", got)
	}
	wantStatus(t, do(t, s, "PATCH", first, `{"name":"Compte zéro"}`), http.StatusOK)
	if got := items(t, s, "GET", "/api/v1/accounts/nearby?lat=45&lng=4.80&limit=1", ""); got[0].Name != "Compte zéro" {
		t.Errorf("after the rename, nearby serves %q, want %q", got[0].Name, "Compte zéro")
	}

	// A client reads its own writes at once: moved, then deleted.
	path := fmt.Sprintf("/api/v1/accounts/%d", all[9])
	wantStatus(t, do(t, s, "PATCH", path, `{"lat":45,"lng":4.7999}`), http.StatusOK)
	got = items(t, s, "GET", "/api/v1/accounts/nearby?lat=45&lng=4.79&limit=1", "")
	if !slices.Equal(ids(got), []int64{all[9]}) {
		t.Errorf("after the move, nearest to 4.79° E = %v, want [%d]", ids(got), all[9])
	}
	wantStatus(t, do(t, s, "DELETE", path, ""), http.StatusNoContent)
	got = items(t, s, "GET", "/api/v1/accounts/nearby?lat=45&lng=4.79&limit=1", "")
	if !slices.Equal(ids(got), all[:1]) {
		t.Errorf("after the delete, nearest = %v, want %v", ids(got), all[:1])
	}
}

func TestSearch(t *testing.T) {
	s, _ := newServer(t)
	all := placesFixture(t, s, 10)

	got := items(t, s, "POST", "/api/v1/accounts/search", `{"box":{"min":{"lat":44.9,"lng":4.825},"max":{"lat":45.1,"lng":4.855}}}`)
	if !slices.Equal(ids(got), all[3:6]) {
		t.Errorf("box = %v, want %v", ids(got), all[3:6])
	}
	got = items(t, s, "POST", "/api/v1/accounts/search",
		`{"polygon":{"type":"Polygon","coordinates":[[[4.795,44.9],[4.825,44.9],[4.825,45.1],[4.795,45.1],[4.795,44.9]]]},"filter":{"kinds":["client"]}}`)
	if !slices.Equal(ids(got), []int64{all[0], all[2]}) {
		t.Errorf("clients in polygon = %v, want %v", ids(got), []int64{all[0], all[2]})
	}
	// A route 0.005° north of the line passes all of them in order; being a
	// great circle it bulges north, so the distances are cross-track ones.
	from, to := geo.Point{Lat: 45.005, Lng: 4.7}, geo.Point{Lat: 45.005, Lng: 5.0}
	got = items(t, s, "POST", "/api/v1/accounts/search", `{"route":{"type":"LineString","coordinates":[[4.7,45.005],[5.0,45.005]]},"width_m":1000,"limit":4}`)
	if !slices.Equal(ids(got), all[:4]) {
		t.Fatalf("along the route = %v, want %v", ids(got), all[:4])
	}
	for i, it := range got {
		p := geo.Point{Lat: 45, Lng: 4.80 + 0.01*float64(i)}
		want := crossTrackM(from, to, p)
		if it.AlongM == nil || math.Abs(it.DistanceM-want) > 1+want*0.0003 || i > 0 && *it.AlongM <= *got[i-1].AlongM {
			t.Errorf("route item %d = %+v, want distance %.2f m (± 1 m + 0.03 %%) and along_m increasing", i, it, want)
		}
	}
}

// crossTrackM is the distance from p to the great circle through a and b.
func crossTrackM(a, b, p geo.Point) float64 {
	const rad = math.Pi / 180
	bearing := func(x, y geo.Point) float64 {
		dLng := (y.Lng - x.Lng) * rad
		return math.Atan2(math.Sin(dLng)*math.Cos(y.Lat*rad),
			math.Cos(x.Lat*rad)*math.Sin(y.Lat*rad)-math.Sin(x.Lat*rad)*math.Cos(y.Lat*rad)*math.Cos(dLng))
	}
	d13 := geo.DistanceM(a, p) / geo.EarthRadiusM
	return math.Abs(math.Asin(math.Sin(d13)*math.Sin(bearing(a, p)-bearing(a, b)))) * geo.EarthRadiusM
}

func TestPlacesBadInput(t *testing.T) {
	s, _ := newServer(t)
	placesFixture(t, s, 2)
	tests := []struct {
		name, method, path, body, field, message string
	}{
		{"lat missing", "GET", "/api/v1/accounts/nearby?lng=4", "", "lat", "lat is required"},
		{"lat out of range", "GET", "/api/v1/accounts/nearby?lat=91&lng=4", "", "lat", "lat must be between -90 and 90"},
		{"lng not a number", "GET", "/api/v1/accounts/nearby?lat=45&lng=east", "", "lng", "lng must be a number"},
		{"radius too large", "GET", "/api/v1/accounts/nearby?lat=45&lng=4&radius_m=600000", "", "radius_m", "radius_m must be between 1 and 500000"},
		{"limit too large", "GET", "/api/v1/accounts/nearby?lat=45&lng=4&limit=501", "", "limit", "limit must be between 1 and 500"},
		{"unknown kind", "GET", "/api/v1/accounts/nearby?lat=45&lng=4&kind=client,friend", "", "kind", "kind must be one of"},
		{"bad date", "GET", "/api/v1/accounts/nearby?lat=45&lng=4&not_visited_since=May", "", "not_visited_since", "not_visited_since must be a date"},
		{"unknown field", "GET", "/api/v1/accounts/nearby?lat=45&lng=4&fields=id,colour", "", "fields", `unknown field "colour"`},
		{"unknown parameter", "GET", "/api/v1/accounts/nearby?lat=45&lng=4&radius=3", "", "radius", `unknown query parameter "radius"`},
		{"no shape", "POST", "/api/v1/accounts/search", `{"limit":3}`, "box", "give exactly one of box, polygon or route"},
		{"two shapes", "POST", "/api/v1/accounts/search", `{"box":{"min":{"lat":44,"lng":4},"max":{"lat":46,"lng":5}},"route":{"type":"LineString","coordinates":[[4,45],[5,45]]},"width_m":10}`, "box", "give exactly one"},
		{"self-intersecting polygon", "POST", "/api/v1/accounts/search", `{"polygon":{"type":"Polygon","coordinates":[[[4,45],[5,46],[5,45],[4,46],[4,45]]]}}`, "polygon", "polygon: exterior ring intersects itself"},
		{"route of one point", "POST", "/api/v1/accounts/search", `{"route":{"type":"LineString","coordinates":[[4,45]]},"width_m":1000}`, "route", "at least 2 are needed"},
		{"route without width", "POST", "/api/v1/accounts/search", `{"route":{"type":"LineString","coordinates":[[4,45],[5,45]]}}`, "width_m", "width_m must be between 1 and 50000"},
		{"route out of range", "POST", "/api/v1/accounts/search", `{"route":{"type":"LineString","coordinates":[[4,45],[200,45]]},"width_m":10}`, "route", "lng must be between -180 and 180"},
		{"box inverted", "POST", "/api/v1/accounts/search", `{"box":{"min":{"lat":46,"lng":4},"max":{"lat":44,"lng":5}}}`, "box", "box:"},
		{"negative minimum", "POST", "/api/v1/accounts/search", `{"box":{"min":{"lat":44,"lng":4},"max":{"lat":46,"lng":5}},"filter":{"min_score":-1}}`, "min_score", "must not be negative"},
		{"search limit", "POST", "/api/v1/accounts/search", `{"box":{"min":{"lat":44,"lng":4},"max":{"lat":46,"lng":5}},"limit":9999}`, "limit", "limit must be between 1 and 5000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, s, tt.method, tt.path, tt.body)
			wantStatus(t, w, http.StatusBadRequest)
			got := decode[struct {
				Error struct{ Code, Message, Field string }
			}](t, w).Error
			if got.Field != tt.field || !strings.Contains(got.Message, tt.message) {
				t.Errorf("error = %+v, want field %q and a message containing %q", got, tt.field, tt.message)
			}
		})
	}
}
