package geo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// OSRM asks an OSRM server (osrm-routed, HTTP API v1) for driving times:
// GET /table/v1/{profile}/{coordinates}?annotations=duration,distance and
// GET /route/v1/{profile}/{coordinates}?overview=full&geometries=geojson.
// Times are the engine's driving times, without any stop overhead.
type OSRM struct {
	// BaseURL is the server's address, such as http://localhost:5000.
	BaseURL string
	// Profile is the profile in the URL; "" means "driving".
	Profile string
	// Client sends the requests; nil means a client with DefaultTravelTimeout.
	Client *http.Client
}

var _ Travel = (*OSRM)(nil)

const osrmName = "osrm"

// Validate reports whether o is usable, naming the bad field.
func (o *OSRM) Validate() error {
	_, err := o.url("table", nil)
	return err
}

// url builds a service URL for points, in OSRM's lng,lat order.
func (o *OSRM) url(service string, points []Point) (string, error) {
	base, err := baseURL(osrmName, o.BaseURL)
	if err != nil {
		return "", err
	}
	profile := o.Profile
	if profile == "" {
		profile = "driving"
	}
	if strings.ContainsAny(profile, "/?#;") {
		return "", fmt.Errorf("%w: osrm profile %q", ErrInvalid, profile)
	}
	var b strings.Builder
	b.WriteString(base + "/" + service + "/v1/" + profile + "/")
	for i, p := range points {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(strconv.FormatFloat(p.Lng, 'f', -1, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(p.Lat, 'f', -1, 64))
	}
	return b.String(), nil
}

// osrmStatus is the part of every OSRM answer that says how it went.
type osrmStatus struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// get sends a request and decodes a successful answer into out.
func (o *OSRM) get(ctx context.Context, url string, out any) error {
	status, body, err := fetch(ctx, httpClient(o.Client), osrmName, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	// OSRM answers errors as JSON with a code, usually with status 400.
	var st osrmStatus
	jsonErr := json.Unmarshal(body, &st)
	switch {
	case st.Code == "NoRoute" || st.Code == "NoSegment" || st.Code == "NoTable":
		return fmt.Errorf("%w: osrm: %s: %s", ErrNoRoute, st.Code, st.Message)
	case status < 200 || status > 299:
		return fmt.Errorf("%w: osrm: HTTP %d: %s %s", ErrUnavailable, status, st.Code, st.Message)
	case jsonErr != nil:
		return malformed(osrmName, "%v", jsonErr)
	case st.Code != "Ok":
		return fmt.Errorf("%w: osrm: code %q: %s", ErrUnavailable, st.Code, st.Message)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return malformed(osrmName, "%v", err)
	}
	return nil
}

// Matrix implements Travel with the table service.
func (o *OSRM) Matrix(ctx context.Context, points []Point) (Matrix, error) {
	if err := validateTravelPoints(points, 0); err != nil {
		return Matrix{}, err
	}
	u, err := o.url("table", points)
	if err != nil {
		return Matrix{}, err
	}
	n := len(points)
	if n <= 1 {
		return newMatrix(n), nil // nothing to ask
	}
	var r struct {
		Durations [][]*float64 `json:"durations"` // seconds, null when unreachable
		Distances [][]*float64 `json:"distances"` // metres
	}
	if err := o.get(ctx, u+"?annotations=duration,distance", &r); err != nil {
		return Matrix{}, err
	}
	if err := squareCells(osrmName, "durations", r.Durations, n); err != nil {
		return Matrix{}, err
	}
	if err := squareCells(osrmName, "distances", r.Distances, n); err != nil {
		return Matrix{}, err
	}
	return fillMatrix(osrmName, n, func(i, j int) (*float64, *float64) {
		return r.Durations[i][j], r.Distances[i][j]
	})
}

// squareCells checks that an engine's table is n×n.
func squareCells(engine, name string, rows [][]*float64, n int) error {
	if len(rows) != n {
		return malformed(engine, "%s has %d rows for %d points", name, len(rows), n)
	}
	for i, row := range rows {
		if len(row) != n {
			return malformed(engine, "%s row %d has %d cells for %d points", name, i, len(row), n)
		}
	}
	return nil
}

// Route implements Travel with the route service.
func (o *OSRM) Route(ctx context.Context, points []Point) (Route, error) {
	if err := validateTravelPoints(points, 2); err != nil {
		return Route{}, err
	}
	u, err := o.url("route", points)
	if err != nil {
		return Route{}, err
	}
	var r struct {
		Routes []struct {
			Geometry json.RawMessage `json:"geometry"` // a GeoJSON LineString
			Legs     []struct {
				Duration *float64 `json:"duration"`
				Distance *float64 `json:"distance"`
			} `json:"legs"`
		} `json:"routes"`
	}
	if err := o.get(ctx, u+"?overview=full&geometries=geojson", &r); err != nil {
		return Route{}, err
	}
	if len(r.Routes) == 0 {
		return Route{}, malformed(osrmName, "no route in an Ok answer")
	}
	best := r.Routes[0] // OSRM orders routes best first
	if len(best.Legs) != len(points)-1 {
		return Route{}, malformed(osrmName, "%d legs for %d points", len(best.Legs), len(points))
	}
	geom, err := ParseLineString(best.Geometry)
	if err != nil {
		return Route{}, malformed(osrmName, "geometry: %v", unwrapped(err))
	}
	route := Route{Geometry: geom}
	for i, l := range best.Legs {
		if l.Duration == nil || l.Distance == nil {
			return Route{}, malformed(osrmName, "leg %d has no duration or distance", i)
		}
		d, err := toDuration(osrmName, *l.Duration)
		if err != nil {
			return Route{}, err
		}
		m, err := toDistanceM(osrmName, *l.Distance)
		if err != nil {
			return Route{}, err
		}
		route.addLeg(Leg{Duration: d, DistanceM: m})
	}
	return route, nil
}
