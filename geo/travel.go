package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrUnavailable is wrapped by every error of a travel-time provider that is
// down, slow, or answers something that cannot be trusted (non-2xx status,
// malformed or partial answer). The HTTP layer answers 502, or 504 when the
// error also wraps context.DeadlineExceeded.
var ErrUnavailable = errors.New("travel-time provider unavailable")

// ErrNoRoute is wrapped when the provider answered but some pair of points
// cannot be joined by road (an island, a point far from any road). The
// message names the pair.
var ErrNoRoute = errors.New("no route")

// MaxTravelPoints bounds the points of one Matrix or Route request: a day's
// candidates fit, and a 500×500 matrix is 250,000 cells, about what OSRM and
// Valhalla answer in a few seconds. Servers must be configured to accept it
// (osrm-routed --max-table-size 500; Valhalla's
// service_limits.auto.max_matrix_location_pairs 250000).
const MaxTravelPoints = 500

// Travel gives driving times and distances between points.
//
// Implementations are safe for concurrent use. Errors wrap ErrInvalid (bad
// points or configuration), ErrNoRoute or ErrUnavailable; a provider never
// returns a partial or guessed answer.
type Travel interface {
	// Matrix returns the times and distances between every pair of points.
	Matrix(ctx context.Context, points []Point) (Matrix, error)
	// Route returns the road from the first point to the last through the
	// others, in order.
	Route(ctx context.Context, points []Point) (Route, error)
}

// Matrix holds travel times and distances between n points: Durations[i][j]
// is from point i to point j. Both are n×n; every value is finite and ≥ 0 and
// the diagonal is 0. They need not be symmetric (one-way streets) nor obey
// the triangle inequality (the per-stop overhead of StraightLine does not).
type Matrix struct {
	Durations  [][]time.Duration
	DistancesM [][]float64
}

// Route is a road through points. Legs[i] goes from point i to point i+1;
// Duration and DistanceM are their sums.
type Route struct {
	Geometry  Polyline
	Legs      []Leg
	Duration  time.Duration
	DistanceM float64
}

// Leg is the part of a Route between two consecutive points.
type Leg struct {
	Duration  time.Duration
	DistanceM float64
}

// Defaults of StraightLine.
const (
	DefaultDetour       = 1.3
	DefaultSpeedKmh     = 70
	DefaultStopOverhead = 5 * time.Minute
)

// StraightLine estimates travel without a road network: the great-circle
// distance times a detour factor, driven at a constant speed, plus a fixed
// overhead (parking, walking in) on every leg between two different
// locations. It needs nothing and never fails on valid points. Its zero value
// uses the defaults.
type StraightLine struct {
	// Detour is road distance over great-circle distance, ≥ 1; 0 means
	// DefaultDetour (1.3, typical of French roads between towns).
	Detour float64
	// SpeedKmh is the average driving speed; 0 means DefaultSpeedKmh.
	SpeedKmh float64
	// StopOverhead is added to each leg between different locations;
	// 0 means DefaultStopOverhead, a negative value means none.
	StopOverhead time.Duration
}

var _ Travel = StraightLine{}

// Validate reports whether s is usable, naming the bad field.
func (s StraightLine) Validate() error {
	if s.Detour != 0 && !(s.Detour >= 1 && s.Detour <= 10) {
		return fmt.Errorf("%w: detour factor must be between 1 and 10", ErrInvalid)
	}
	if s.SpeedKmh != 0 && !(s.SpeedKmh > 0 && s.SpeedKmh <= 300) {
		return fmt.Errorf("%w: speed must be between 0 and 300 km/h", ErrInvalid)
	}
	if s.StopOverhead > 24*time.Hour {
		return fmt.Errorf("%w: stop overhead must be at most 24 h", ErrInvalid)
	}
	return nil
}

// leg returns the estimated leg from p to q.
func (s StraightLine) leg(p, q Point) Leg {
	if p == q {
		return Leg{}
	}
	detour, speed, overhead := s.Detour, s.SpeedKmh, s.StopOverhead
	if detour == 0 {
		detour = DefaultDetour
	}
	if speed == 0 {
		speed = DefaultSpeedKmh
	}
	switch {
	case overhead == 0:
		overhead = DefaultStopOverhead
	case overhead < 0:
		overhead = 0
	}
	m := DistanceM(p, q) * detour
	// Whole milliseconds: exact enough, and plans print without noise.
	driveS := m / (speed / 3.6)
	return Leg{Duration: time.Duration(math.Round(driveS*1000))*time.Millisecond + overhead, DistanceM: m}
}

// Matrix implements Travel.
func (s StraightLine) Matrix(ctx context.Context, points []Point) (Matrix, error) {
	if err := s.Validate(); err != nil {
		return Matrix{}, err
	}
	if err := validateTravelPoints(points, 0); err != nil {
		return Matrix{}, err
	}
	m := newMatrix(len(points))
	for i, p := range points {
		for j, q := range points {
			l := s.leg(p, q)
			m.Durations[i][j], m.DistancesM[i][j] = l.Duration, l.DistanceM
		}
	}
	return m, nil
}

// Route implements Travel; the geometry is the points themselves.
func (s StraightLine) Route(ctx context.Context, points []Point) (Route, error) {
	if err := s.Validate(); err != nil {
		return Route{}, err
	}
	if err := validateTravelPoints(points, 2); err != nil {
		return Route{}, err
	}
	r := Route{Geometry: append(Polyline(nil), points...)}
	for i := 1; i < len(points); i++ {
		r.addLeg(s.leg(points[i-1], points[i]))
	}
	return r, nil
}

func (r *Route) addLeg(l Leg) {
	r.Legs = append(r.Legs, l)
	r.Duration += l.Duration
	r.DistanceM += l.DistanceM
}

func newMatrix(n int) Matrix {
	m := Matrix{Durations: make([][]time.Duration, n), DistancesM: make([][]float64, n)}
	durations, distances := make([]time.Duration, n*n), make([]float64, n*n)
	for i := range n {
		m.Durations[i], m.DistancesM[i] = durations[i*n:(i+1)*n:(i+1)*n], distances[i*n:(i+1)*n:(i+1)*n]
	}
	return m
}

// validateTravelPoints checks the size of a request and each point.
func validateTravelPoints(points []Point, min int) error {
	if len(points) < min {
		return fmt.Errorf("%w: a route needs at least %d points, got %d", ErrInvalid, min, len(points))
	}
	if len(points) > MaxTravelPoints {
		return fmt.Errorf("%w: at most %d points per travel request, got %d", ErrInvalid, MaxTravelPoints, len(points))
	}
	for i, p := range points {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("%w: point %d: %v", ErrInvalid, i, unwrapped(err))
		}
	}
	return nil
}
