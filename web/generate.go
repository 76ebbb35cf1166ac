package web

// The map page's libraries (Leaflet, Leaflet-Geoman, Leaflet.markercluster)
// and its background data come from npm at the versions of
// frontend/package-lock.json, copied into static/ and committed, so that
// `go build` and `go run` need no npm. Regenerate with `go generate ./web`
// (needs Node.js and npm); vendor_test.go checks that the files match the
// lockfile.
//
//go:generate sh frontend/vendor.sh
