package geo

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	tParis   = Point{Lat: 48.8566, Lng: 2.3522}
	tOrleans = Point{Lat: 47.903, Lng: 1.9093}
	tLyon    = Point{Lat: 45.764, Lng: 4.8357}
	tTrip    = []Point{tParis, tOrleans, tLyon}
)

// The replay fixtures hold these values, in seconds and metres.
var (
	wantDurS  = [][]float64{{0, 5712.3, 15903.1}, {5690.8, 0, 15588.4}, {15950.2, 15601.7, 0}}
	wantDistM = [][]float64{{0, 133012.4, 465311.9}, {132870.1, 0, 451200.3}, {466001.2, 450980.7, 0}}
)

func TestStraightLine(t *testing.T) {
	same := Point{Lat: tParis.Lat, Lng: tParis.Lng}
	tests := []struct {
		name     string
		s        StraightLine
		detour   float64
		speedKmh float64
		overhead time.Duration
	}{
		{"zero value uses the defaults", StraightLine{}, 1.3, 70, 5 * time.Minute},
		{"configured", StraightLine{Detour: 1.5, SpeedKmh: 90, StopOverhead: 10 * time.Minute}, 1.5, 90, 10 * time.Minute},
		{"negative overhead means none", StraightLine{Detour: 1, StopOverhead: -1}, 1, 70, 0},
	}
	points := []Point{tParis, tOrleans, tLyon, same}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.s.Matrix(context.Background(), points)
			if err != nil {
				t.Fatal(err)
			}
			checkMatrixShape(t, m, len(points))
			for i, p := range points {
				for j, q := range points {
					wantM := DistanceM(p, q) * tt.detour
					wantD := time.Duration(wantM/(tt.speedKmh/3.6)*float64(time.Second)) + tt.overhead
					if p == q {
						wantM, wantD = 0, 0 // same place: no parking again
					}
					if got := m.DistancesM[i][j]; math.Abs(got-wantM) > 1e-6 {
						t.Errorf("DistancesM[%d][%d] = %.3f, want %.3f", i, j, got, wantM)
					}
					if got := m.Durations[i][j]; (got - wantD).Abs() > time.Millisecond {
						t.Errorf("Durations[%d][%d] = %v, want %v", i, j, got, wantD)
					}
				}
			}
			r, err := tt.s.Route(context.Background(), tTrip)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Geometry) != 3 || r.Geometry[0] != tParis || r.Geometry[2] != tLyon {
				t.Errorf("Geometry = %v, want the points", r.Geometry)
			}
			if len(r.Legs) != 2 || r.Legs[1].Duration != m.Durations[1][2] || r.Legs[1].DistanceM != m.DistancesM[1][2] {
				t.Errorf("Legs = %v, want the matrix cells", r.Legs)
			}
			if want := m.Durations[0][1] + m.Durations[1][2]; r.Duration != want {
				t.Errorf("Duration = %v, want %v", r.Duration, want)
			}
		})
	}
}

func TestStraightLineRejects(t *testing.T) {
	tests := []struct {
		name   string
		s      StraightLine
		points []Point
		want   string
	}{
		{"detour below 1", StraightLine{Detour: 0.5}, tTrip, "detour factor"},
		{"negative speed", StraightLine{SpeedKmh: -70}, tTrip, "speed"},
		{"bad point", StraightLine{}, []Point{tParis, {Lat: 91}}, "point 1: lat must be between -90 and 90"},
		{"too many points", StraightLine{}, make([]Point, MaxTravelPoints+1), "at most 500 points"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.s.Matrix(context.Background(), tt.points)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Matrix error = %v, want ErrInvalid with %q", err, tt.want)
			}
		})
	}
	if _, err := (StraightLine{}).Route(context.Background(), tTrip[:1]); !errors.Is(err, ErrInvalid) {
		t.Errorf("Route of one point: error = %v, want ErrInvalid", err)
	}
}

// request is what a replay server received.
type request struct {
	method, path, query string
	body                []byte
}

// replay starts a loopback server that answers every request with status
// and body and records the last request.
func replay(t *testing.T, status int, body []byte) (*httptest.Server, *request) {
	t.Helper()
	got := new(request)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*got = request{r.Method, r.URL.Path, r.URL.RawQuery, b}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkMatrixShape(t *testing.T, m Matrix, n int) {
	t.Helper()
	if len(m.Durations) != n || len(m.DistancesM) != n {
		t.Fatalf("matrix has %d×%d rows, want %d", len(m.Durations), len(m.DistancesM), n)
	}
	for i := range n {
		if len(m.Durations[i]) != n || len(m.DistancesM[i]) != n {
			t.Fatalf("row %d has %d and %d cells, want %d", i, len(m.Durations[i]), len(m.DistancesM[i]), n)
		}
		if m.Durations[i][i] != 0 || m.DistancesM[i][i] != 0 {
			t.Errorf("diagonal [%d][%d] = %v, %v m, want 0", i, i, m.Durations[i][i], m.DistancesM[i][i])
		}
	}
}

func checkFixtureMatrix(t *testing.T, m Matrix, durTolS float64) {
	t.Helper()
	checkMatrixShape(t, m, 3)
	for i := range 3 {
		for j := range 3 {
			if got := m.Durations[i][j].Seconds(); math.Abs(got-wantDurS[i][j]) > durTolS {
				t.Errorf("Durations[%d][%d] = %v s, want %v s", i, j, got, wantDurS[i][j])
			}
			if got := m.DistancesM[i][j]; math.Abs(got-wantDistM[i][j]) > 1 {
				t.Errorf("DistancesM[%d][%d] = %v, want %v", i, j, got, wantDistM[i][j])
			}
		}
	}
}

const tTripCoords = "2.3522,48.8566;1.9093,47.903;4.8357,45.764" // lng,lat as OSRM wants

func TestOSRMMatrix(t *testing.T) {
	srv, got := replay(t, http.StatusOK, fixture(t, "osrm_table.json"))
	o := &OSRM{BaseURL: srv.URL + "/"}
	m, err := o.Matrix(context.Background(), tTrip)
	if err != nil {
		t.Fatal(err)
	}
	if want := "/table/v1/driving/" + tTripCoords; got.method != "GET" || got.path != want {
		t.Errorf("request %s %s, want GET %s", got.method, got.path, want)
	}
	if want := "annotations=duration,distance"; got.query != want {
		t.Errorf("query %q, want %q", got.query, want)
	}
	checkFixtureMatrix(t, m, 0.001)
}

func TestOSRMRoute(t *testing.T) {
	srv, got := replay(t, http.StatusOK, fixture(t, "osrm_route.json"))
	o := &OSRM{BaseURL: srv.URL, Profile: "car"}
	r, err := o.Route(context.Background(), tTrip)
	if err != nil {
		t.Fatal(err)
	}
	if want := "/route/v1/car/" + tTripCoords; got.path != want {
		t.Errorf("path %s, want %s", got.path, want)
	}
	if want := "overview=full&geometries=geojson"; got.query != want {
		t.Errorf("query %q, want %q", got.query, want)
	}
	checkFixtureRoute(t, r, 0.01)
}

func checkFixtureRoute(t *testing.T, r Route, distTolM float64) {
	t.Helper()
	wantGeom := Polyline{tParis, {48.4, 2.1}, tOrleans, {46.9, 3.2}, {46.3, 4.5}, tLyon}
	if len(r.Geometry) != len(wantGeom) {
		t.Fatalf("Geometry = %v, want %v", r.Geometry, wantGeom)
	}
	for i, p := range r.Geometry {
		if math.Abs(p.Lat-wantGeom[i].Lat) > 1e-9 || math.Abs(p.Lng-wantGeom[i].Lng) > 1e-9 {
			t.Errorf("Geometry[%d] = %v, want %v", i, p, wantGeom[i])
		}
	}
	wantLegs := []Leg{{5712300 * time.Millisecond, 133012.4}, {15588400 * time.Millisecond, 451200.3}}
	if len(r.Legs) != 2 {
		t.Fatalf("Legs = %v, want %v", r.Legs, wantLegs)
	}
	for i, l := range r.Legs {
		if l.Duration != wantLegs[i].Duration || math.Abs(l.DistanceM-wantLegs[i].DistanceM) > distTolM {
			t.Errorf("Legs[%d] = %v, want %v", i, l, wantLegs[i])
		}
	}
	if want := 21300700 * time.Millisecond; r.Duration != want || math.Abs(r.DistanceM-584212.7) > distTolM {
		t.Errorf("total %v, %v m, want %v, 584212.7 m", r.Duration, r.DistanceM, want)
	}
}

// checkValhallaBody checks the JSON a Valhalla server received.
func checkValhallaBody(t *testing.T, got *request, path, locKey string, want map[string]any) {
	t.Helper()
	if got.method != "POST" || got.path != path {
		t.Errorf("request %s %s, want POST %s", got.method, got.path, path)
	}
	var body map[string]any
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatalf("body %s: %v", got.body, err)
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("body %s = %v, want %v", k, body[k], v)
		}
	}
	locs, _ := body[locKey].([]any)
	if len(locs) != 3 {
		t.Fatalf("body %s = %v, want 3 locations", locKey, body[locKey])
	}
	if first, _ := locs[0].(map[string]any); first["lat"] != tParis.Lat || first["lon"] != tParis.Lng {
		t.Errorf("body %s[0] = %v, want lat %v lon %v", locKey, locs[0], tParis.Lat, tParis.Lng)
	}
}

func TestValhallaMatrix(t *testing.T) {
	srv, got := replay(t, http.StatusOK, fixture(t, "valhalla_matrix.json"))
	v := &Valhalla{BaseURL: srv.URL}
	m, err := v.Matrix(context.Background(), tTrip)
	if err != nil {
		t.Fatal(err)
	}
	checkValhallaBody(t, got, "/sources_to_targets", "sources", map[string]any{"costing": "auto", "units": "kilometers"})
	checkValhallaBody(t, got, "/sources_to_targets", "targets", nil)
	checkFixtureMatrix(t, m, 0.5) // Valhalla answers whole seconds
}

func TestValhallaRoute(t *testing.T) {
	srv, got := replay(t, http.StatusOK, fixture(t, "valhalla_route.json"))
	v := &Valhalla{BaseURL: srv.URL, Costing: "truck"}
	r, err := v.Route(context.Background(), tTrip)
	if err != nil {
		t.Fatal(err)
	}
	checkValhallaBody(t, got, "/route", "locations", map[string]any{"costing": "truck", "units": "kilometers"})
	checkFixtureRoute(t, r, 1) // Valhalla answers whole metres (3 decimals of km)
}

// Every way an engine can fail gives a sentinel, never a matrix.
func TestTravelErrors(t *testing.T) {
	two := []Point{tParis, tLyon}
	osrmTable := func(durations, distances string) string {
		return `{"code":"Ok","durations":` + durations + `,"distances":` + distances + `}`
	}
	vCell := func(i, j int, dist, time string) string {
		return `{"distance":` + dist + `,"time":` + time + `,"from_index":` + strconv.Itoa(i) + `,"to_index":` + strconv.Itoa(j) + `}`
	}
	vMatrix := func(c01, c10 string) string {
		return `{"sources_to_targets":[[` + vCell(0, 0, "0", "0") + `,` + c01 + `],[` + c10 + `,` + vCell(1, 1, "0", "0") + `]]}`
	}
	okCell01, okCell10 := vCell(0, 1, "465.3", "15903"), vCell(1, 0, "466.0", "15950")
	tests := []struct {
		name   string
		engine string // "osrm" or "valhalla"
		route  bool   // Route rather than Matrix
		status int
		body   string
		want   error
		msg    string
	}{
		{"osrm 500", "osrm", false, 500, `Internal Server Error`, ErrUnavailable, "HTTP 500"},
		{"osrm 502 from a proxy", "osrm", true, 502, `<html>Bad Gateway</html>`, ErrUnavailable, "HTTP 502"},
		{"osrm malformed JSON", "osrm", false, 200, `{"code":"Ok","durations":[[0,`, ErrUnavailable, "malformed"},
		{"osrm null cell", "osrm", false, 200, osrmTable(`[[0,15903],[null,0]]`, `[[0,465311],[466001,0]]`), ErrNoRoute, "from point 1 to point 0"},
		{"osrm wrong size", "osrm", false, 200, osrmTable(`[[0,15903]]`, `[[0,465311]]`), ErrUnavailable, "1 rows for 2 points"},
		{"osrm short row", "osrm", false, 200, osrmTable(`[[0,15903],[0]]`, `[[0,465311],[466001,0]]`), ErrUnavailable, "row 1 has 1 cells"},
		{"osrm no distances", "osrm", false, 200, `{"code":"Ok","durations":[[0,15903],[15950,0]]}`, ErrUnavailable, "distances has 0 rows"},
		{"osrm negative duration", "osrm", false, 200, osrmTable(`[[0,-1],[15950,0]]`, `[[0,465311],[466001,0]]`), ErrUnavailable, "out of range"},
		{"osrm code not Ok", "osrm", false, 200, `{"code":"InvalidOptions","message":"bad"}`, ErrUnavailable, "InvalidOptions"},
		{"osrm too big", "osrm", false, 400, `{"code":"TooBig","message":"Too many table coordinates"}`, ErrUnavailable, "TooBig"},
		{"osrm NoRoute", "osrm", true, 400, `{"code":"NoRoute","message":"Impossible route between points"}`, ErrNoRoute, "Impossible route"},
		{"osrm NoSegment", "osrm", false, 400, `{"code":"NoSegment","message":"Could not find a matching segment for coordinate 1"}`, ErrNoRoute, "coordinate 1"},
		{"osrm route without routes", "osrm", true, 200, `{"code":"Ok","routes":[]}`, ErrUnavailable, "no route in an Ok answer"},
		{"osrm route missing a leg", "osrm", true, 200, `{"code":"Ok","routes":[{"geometry":{"type":"LineString","coordinates":[[2.35,48.85],[4.83,45.76]]},"legs":[]}]}`, ErrUnavailable, "0 legs for 2 points"},
		{"osrm route bad geometry", "osrm", true, 200, `{"code":"Ok","routes":[{"geometry":{"type":"Point","coordinates":[2.35,48.85]},"legs":[{"duration":1,"distance":1}]}]}`, ErrUnavailable, "must be a LineString"},
		{"valhalla 500", "valhalla", false, 500, `{}`, ErrUnavailable, "HTTP 500"},
		{"valhalla malformed JSON", "valhalla", false, 200, `{"sources_to_targets":[[`, ErrUnavailable, "malformed"},
		{"valhalla null cell", "valhalla", false, 200, vMatrix(vCell(0, 1, "null", "null"), okCell10), ErrNoRoute, "from point 0 to point 1"},
		{"valhalla wrong size", "valhalla", false, 200, `{"sources_to_targets":[[` + vCell(0, 0, "0", "0") + `,` + okCell01 + `]]}`, ErrUnavailable, "1 rows for 2 points"},
		{"valhalla cells out of order", "valhalla", false, 200, vMatrix(okCell10, okCell01), ErrUnavailable, "cell [0][1] is from 1 to 0"},
		{"valhalla no path", "valhalla", true, 400, `{"error_code":442,"error":"No path could be found for input","status_code":400,"status":"Bad Request"}`, ErrNoRoute, "No path"},
		{"valhalla over the distance limit", "valhalla", false, 400, `{"error_code":154,"error":"Path distance exceeds the max distance limit","status_code":400,"status":"Bad Request"}`, ErrUnavailable, "max distance limit"},
		{"valhalla bad shape", "valhalla", true, 200, `{"trip":{"legs":[{"shape":"_p~iF~ps|U_","summary":{"time":1,"length":1}}]}}`, ErrUnavailable, "truncated"},
		{"valhalla missing leg", "valhalla", true, 200, `{"trip":{"legs":[]}}`, ErrUnavailable, "0 legs for 2 points"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := replay(t, tt.status, []byte(tt.body))
			var p Travel = &OSRM{BaseURL: srv.URL}
			if tt.engine == "valhalla" {
				p = &Valhalla{BaseURL: srv.URL}
			}
			var err error
			if tt.route {
				_, err = p.Route(context.Background(), two)
			} else {
				var m Matrix
				m, err = p.Matrix(context.Background(), two)
				if m.Durations != nil {
					t.Errorf("got a matrix with the error: %v", m)
				}
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error = %v, want %v with %q", err, tt.want, tt.msg)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error = %v, not a timeout", err)
			}
		})
	}
}

// A stuck engine gives ErrUnavailable and context.DeadlineExceeded (504),
// whether the caller's context or the client's timeout ends the wait.
func TestTravelTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server notices a client leaving only once the body is read.
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done(): // the client gave up
		case <-release: // the test is over
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	short := &http.Client{Timeout: 20 * time.Millisecond}
	providers := []struct {
		name     string
		p        Travel
		deadline bool // on the context rather than the client
	}{
		{"osrm context", &OSRM{BaseURL: srv.URL}, true},
		{"osrm client timeout", &OSRM{BaseURL: srv.URL, Client: short}, false},
		{"valhalla context", &Valhalla{BaseURL: srv.URL}, true},
		{"valhalla client timeout", &Valhalla{BaseURL: srv.URL, Client: short}, false},
	}
	for _, tt := range providers {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.deadline {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
				defer cancel()
			}
			_, err := tt.p.Matrix(ctx, tTrip)
			if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Matrix error = %v, want ErrUnavailable and DeadlineExceeded", err)
			}
		})
	}
}

func TestTravelEngineDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	for _, p := range []Travel{&OSRM{BaseURL: url}, &Valhalla{BaseURL: url}} {
		_, err := p.Route(context.Background(), tTrip)
		if !errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%T: error = %v, want ErrUnavailable, not a timeout", p, err)
		}
	}
}

// Bad requests are refused before anything is sent.
func TestTravelRejects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name   string
		p      Travel
		points []Point
		want   string
	}{
		{"osrm too many points", &OSRM{BaseURL: srv.URL}, make([]Point, MaxTravelPoints+1), "at most 500 points"},
		{"valhalla too many points", &Valhalla{BaseURL: srv.URL}, make([]Point, MaxTravelPoints+1), "at most 500 points"},
		{"osrm bad point", &OSRM{BaseURL: srv.URL}, []Point{tParis, {Lng: 200}}, "point 1: lng"},
		{"osrm no base URL", &OSRM{}, tTrip, "osrm URL"},
		{"valhalla bad base URL", &Valhalla{BaseURL: "localhost:8002"}, tTrip, "valhalla URL"},
		{"osrm bad profile", &OSRM{BaseURL: srv.URL, Profile: "car/../x"}, tTrip, "profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.p.Matrix(context.Background(), tt.points)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want ErrInvalid with %q", err, tt.want)
			}
		})
	}
	// One point needs no engine.
	for _, p := range []Travel{&OSRM{BaseURL: srv.URL}, &Valhalla{BaseURL: srv.URL}} {
		m, err := p.Matrix(context.Background(), tTrip[:1])
		if err != nil {
			t.Fatal(err)
		}
		checkMatrixShape(t, m, 1)
	}
}

func TestDecodePolyline(t *testing.T) {
	// Google's documented example ("Encoded Polyline Algorithm Format"); the
	// same integers read at precision 6 are ten times smaller.
	const google = "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
	tests := []struct {
		name      string
		s         string
		precision int
		want      Polyline
		err       string
	}{
		{"precision 5", google, 5, Polyline{{38.5, -120.2}, {40.7, -120.95}, {43.252, -126.453}}, ""},
		{"precision 6", google, 6, Polyline{{3.85, -12.02}, {4.07, -12.095}, {4.3252, -12.6453}}, ""},
		{"empty", "", 6, nil, ""},
		{"truncated", google[:len(google)-1], 6, nil, "truncated"},
		{"lat without lng", "_p~iF", 6, nil, "truncated"},
		{"bad byte", "_p~iF ", 6, nil, "bad byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodePolyline(tt.s, tt.precision)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if math.Abs(got[i].Lat-tt.want[i].Lat) > 1e-9 || math.Abs(got[i].Lng-tt.want[i].Lng) > 1e-9 {
					t.Errorf("point %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
