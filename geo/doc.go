// Package geo holds Tournée's geometry: points, areas (GeoJSON polygons and
// multipolygons) and their validation and encodings.
//
// Coordinates are WGS84 (EPSG:4326) degrees. Outside this package a location is
// always a Point with explicit Lat and Lng fields; GeoJSON, WKB, orb and rtree
// all use [lng, lat] order and only this package converts between the two.
// Distances are in metres and computed on a sphere of the WGS84 mean radius.
//
// Index (index.go) is the in-memory account index over tidwall/rtree:
// nearest-k, radius, box, area and route-corridor queries, each combinable
// with a Filter, in a deterministic order (ties broken by id). A Filter's
// Visible keeps what one user or team may see (assigned in any layer, or
// of an open kind with nobody in the owner layer), so that row-level
// visibility holds in spatial queries as in the store's lists. Corridor
// distances are measured in local flat projections of route pieces of at
// most 5 km: within about 0.03 % + 1 m at 5 km width. Routes are Polylines,
// parsed from GeoJSON LineStrings by ParseLineString. GenerateFrance makes
// realistic test data: accounts clustered like French businesses.
//
// Zones (zones.go) finds the territory of one layer that holds a point, for
// one point or for every account at once (AssignAll, on all cores).
// Territories are closed: a point on a border, a vertex or a hole's edge is
// inside, so a point on a border shared by two territories lies in both and
// the higher Priority, then the smaller area, then the lower id wins.
// Orientation tests are exact on float64 coordinates, so whether a point
// lies on a border, or on which side of it, never depends on rounding.
// GenerateFranceZones makes a matching test layer: a partition of
// FranceBounds into territories with wavy, exactly shared borders.
//
// Travel times come from a Travel provider: Matrix gives driving times and
// distances between every pair of up to MaxTravelPoints (500) points, Route
// the road through them in order. StraightLine, the default, needs nothing:
// great-circle distance × a detour factor (1.3) at a constant speed
// (70 km/h), plus a stop overhead (5 min, parking) on each leg between
// different locations. OSRM and Valhalla ask a routing engine over HTTP and
// give its driving times. A matrix is always square, finite, ≥ 0 with a zero
// diagonal; a provider never returns a partial or guessed answer:
// unreachable pairs give ErrNoRoute, an engine that is down, slow or answers
// something malformed gives ErrUnavailable (also wrapping
// context.DeadlineExceeded on timeouts).
//
// geo is the only package that imports orb, go-geom and tidwall/rtree.
package geo
