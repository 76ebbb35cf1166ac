// Package geo holds Tournée's geometry: points, areas (GeoJSON polygons and
// multipolygons) and their validation and encodings.
//
// Coordinates are WGS84 (EPSG:4326) degrees. Outside this package a location is
// always a Point with explicit Lat and Lng fields; GeoJSON, WKB, orb and rtree
// all use [lng, lat] order and only this package converts between the two.
// Distances are in metres and computed on a sphere of the WGS84 mean radius.
//
// geo is the only package that imports orb, go-geom and tidwall/rtree.
package geo
