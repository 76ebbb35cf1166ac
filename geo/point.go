package geo

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalid is wrapped by every validation error of this package.
var ErrInvalid = errors.New("invalid geometry")

// EarthRadiusM is the WGS84 mean radius (2a+b)/3 in metres.
const EarthRadiusM = 6371008.8

// Point is a WGS84 position in degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Validate reports whether p is a finite position on Earth. The error names
// the offending coordinate so that it can be shown to the user as it is.
func (p Point) Validate() error {
	switch {
	case math.IsNaN(p.Lat) || p.Lat < -90 || p.Lat > 90:
		return fmt.Errorf("%w: lat must be between -90 and 90", ErrInvalid)
	case math.IsNaN(p.Lng) || p.Lng < -180 || p.Lng > 180:
		return fmt.Errorf("%w: lng must be between -180 and 180", ErrInvalid)
	}
	return nil
}

// IsZero reports whether p is the zero value, which callers treat as "no
// location" (0,0 lies in the Gulf of Guinea, where no account is).
func (p Point) IsZero() bool { return p.Lat == 0 && p.Lng == 0 }

// DistanceM returns the great-circle (haversine) distance between p and q in metres.
func DistanceM(p, q Point) float64 {
	const rad = math.Pi / 180
	dLat := (q.Lat - p.Lat) * rad
	dLng := (q.Lng - p.Lng) * rad
	s1, s2 := math.Sin(dLat/2), math.Sin(dLng/2)
	h := s1*s1 + math.Cos(p.Lat*rad)*math.Cos(q.Lat*rad)*s2*s2
	return 2 * EarthRadiusM * math.Asin(math.Sqrt(math.Min(1, h)))
}
