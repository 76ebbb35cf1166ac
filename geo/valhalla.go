package geo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

// Valhalla asks a Valhalla server for driving times: POST /sources_to_targets
// with every point as source and target, and POST /route, whose shapes are
// polyline6 strings. Times are the engine's driving times, without any stop
// overhead. Valhalla refuses matrices whose points lie further apart than
// service_limits.auto.max_matrix_distance (400 km by default); such an
// answer is an ErrUnavailable, so raise the limit for long trips.
type Valhalla struct {
	// BaseURL is the server's address, such as http://localhost:8002.
	BaseURL string
	// Costing is the costing model; "" means "auto".
	Costing string
	// Client sends the requests; nil means a client with DefaultTravelTimeout.
	Client *http.Client
}

var _ Travel = (*Valhalla)(nil)

const valhallaName = "valhalla"

// Valhalla error codes that mean "no road joins these points"; others (such
// as 154, distance over the server's limit) are the server's configuration.
var valhallaNoRoute = []int{170, 171, 442, 443}

// Validate reports whether v is usable, naming the bad field.
func (v *Valhalla) Validate() error {
	_, err := baseURL(valhallaName, v.BaseURL)
	return err
}

type valhallaLocation struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

func valhallaLocations(points []Point) []valhallaLocation {
	locs := make([]valhallaLocation, len(points))
	for i, p := range points {
		locs[i] = valhallaLocation{Lat: p.Lat, Lon: p.Lng}
	}
	return locs
}

func (v *Valhalla) costing() string {
	if v.Costing == "" {
		return "auto"
	}
	return v.Costing
}

// post sends req as JSON to path and decodes a successful answer into out.
func (v *Valhalla) post(ctx context.Context, path string, req, out any) error {
	base, err := baseURL(valhallaName, v.BaseURL)
	if err != nil {
		return err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("%w: valhalla: %v", ErrInvalid, err)
	}
	status, data, err := fetch(ctx, httpClient(v.Client), valhallaName, http.MethodPost, base+path, body)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		// Errors come as {"error_code": 442, "error": "No path could be found for input", ...}.
		var e struct {
			Code    int    `json:"error_code"`
			Message string `json:"error"`
		}
		_ = json.Unmarshal(data, &e) // an unreadable error body is still an error
		if slices.Contains(valhallaNoRoute, e.Code) {
			return fmt.Errorf("%w: valhalla: %d: %s", ErrNoRoute, e.Code, e.Message)
		}
		return fmt.Errorf("%w: valhalla: HTTP %d: %d %s", ErrUnavailable, status, e.Code, e.Message)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return malformed(valhallaName, "%v", err)
	}
	return nil
}

// Matrix implements Travel with the matrix service.
func (v *Valhalla) Matrix(ctx context.Context, points []Point) (Matrix, error) {
	if err := validateTravelPoints(points, 0); err != nil {
		return Matrix{}, err
	}
	if err := v.Validate(); err != nil {
		return Matrix{}, err
	}
	n := len(points)
	if n <= 1 {
		return newMatrix(n), nil // nothing to ask
	}
	locs := valhallaLocations(points)
	req := map[string]any{
		"sources": locs, "targets": locs, "costing": v.costing(), "units": "kilometers",
		// The verbose answer is the documented default; asking for it keeps
		// its shape if a server changes the default.
		"verbose": true,
	}
	var r struct {
		// Row-major: SourcesToTargets[i][j] is from source i to target j.
		SourcesToTargets [][]struct {
			Distance  *float64 `json:"distance"` // km, null when unreachable
			Time      *float64 `json:"time"`     // seconds
			FromIndex int      `json:"from_index"`
			ToIndex   int      `json:"to_index"`
		} `json:"sources_to_targets"`
	}
	if err := v.post(ctx, "/sources_to_targets", req, &r); err != nil {
		return Matrix{}, err
	}
	rows := r.SourcesToTargets
	if len(rows) != n {
		return Matrix{}, malformed(valhallaName, "%d rows for %d points", len(rows), n)
	}
	for i, row := range rows {
		if len(row) != n {
			return Matrix{}, malformed(valhallaName, "row %d has %d cells for %d points", i, len(row), n)
		}
		for j, c := range row {
			if c.FromIndex != i || c.ToIndex != j {
				return Matrix{}, malformed(valhallaName, "cell [%d][%d] is from %d to %d", i, j, c.FromIndex, c.ToIndex)
			}
		}
	}
	return fillMatrix(valhallaName, n, func(i, j int) (*float64, *float64) {
		c := rows[i][j]
		if c.Distance == nil {
			return c.Time, nil
		}
		m := *c.Distance * 1000
		return c.Time, &m
	})
}

// Route implements Travel with the route service.
func (v *Valhalla) Route(ctx context.Context, points []Point) (Route, error) {
	if err := validateTravelPoints(points, 2); err != nil {
		return Route{}, err
	}
	req := map[string]any{
		"locations": valhallaLocations(points), "costing": v.costing(), "units": "kilometers",
		// Only the shape and summaries are used: no maneuvers.
		"directions_type": "none",
	}
	var r struct {
		Trip struct {
			Legs []struct {
				Shape   string `json:"shape"` // polyline6
				Summary struct {
					Time   *float64 `json:"time"`   // seconds
					Length *float64 `json:"length"` // km
				} `json:"summary"`
			} `json:"legs"`
		} `json:"trip"`
	}
	if err := v.post(ctx, "/route", req, &r); err != nil {
		return Route{}, err
	}
	if len(r.Trip.Legs) != len(points)-1 {
		return Route{}, malformed(valhallaName, "%d legs for %d points", len(r.Trip.Legs), len(points))
	}
	var route Route
	for i, l := range r.Trip.Legs {
		shape, err := decodePolyline(l.Shape, 6)
		if err != nil {
			return Route{}, malformed(valhallaName, "leg %d shape: %v", i, err)
		}
		if len(route.Geometry) > 0 && len(shape) > 0 && route.Geometry[len(route.Geometry)-1] == shape[0] {
			shape = shape[1:] // each leg starts where the previous one ends
		}
		route.Geometry = append(route.Geometry, shape...)
		if l.Summary.Time == nil || l.Summary.Length == nil {
			return Route{}, malformed(valhallaName, "leg %d has no time or length", i)
		}
		d, err := toDuration(valhallaName, *l.Summary.Time)
		if err != nil {
			return Route{}, err
		}
		m, err := toDistanceM(valhallaName, *l.Summary.Length*1000)
		if err != nil {
			return Route{}, err
		}
		route.addLeg(Leg{Duration: d, DistanceM: m})
	}
	if err := route.Geometry.Validate(); err != nil {
		return Route{}, malformed(valhallaName, "shape: %v", unwrapped(err))
	}
	return route, nil
}

// decodePolyline decodes Google's encoded polyline format at the given
// precision (5 for Google and OSRM's "polyline", 6 for Valhalla and
// "polyline6"): each coordinate is the zigzag-encoded difference to the
// previous one in 5-bit groups, lat before lng.
func decodePolyline(s string, precision int) (Polyline, error) {
	scale := 1.0
	for range precision {
		scale *= 10
	}
	var l Polyline
	var lat, lng int64
	for i := 0; i < len(s); {
		var delta [2]int64
		for k := range delta {
			var v int64
			var shift uint
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("truncated at byte %d", i)
				}
				b := int64(s[i]) - 63
				i++
				if b < 0 || b > 63 || shift > 60 {
					return nil, fmt.Errorf("bad byte %q at %d", s[i-1], i-1)
				}
				v |= (b & 0x1f) << shift
				shift += 5
				if b < 0x20 {
					break
				}
			}
			delta[k] = v >> 1
			if v&1 != 0 {
				delta[k] = ^delta[k]
			}
		}
		lat += delta[0]
		lng += delta[1]
		l = append(l, Point{Lat: float64(lat) / scale, Lng: float64(lng) / scale})
		if len(l) > MaxPolylinePoints {
			return nil, fmt.Errorf("more than %d positions", MaxPolylinePoints)
		}
	}
	return l, nil
}
