#!/bin/sh
# Vendors the map page's libraries and background data into web/static, from
# the exact versions of package-lock.json, so that building and running
# Tournée needs Go only. Run through `go generate ./web` (needs Node.js and
# npm, and the npm registry); commit what changes under web/static.
#
# To move to another version: edit package.json, run
# `npm install --package-lock-only` here, then `go generate ./web`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
static="$here/../static"
vendor="$static/vendor"

# npm installs outside the module: a package shipping .go files under
# web/ would otherwise become part of `go build ./...`.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/background.mjs" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
modules="$work/node_modules"

# put LIB PACKAGE FILE...: copies files of PACKAGE (paths relative to its
# folder) into vendor/LIB, by their base names.
put() {
	lib=$1
	from=$modules/$2
	shift 2
	mkdir -p "$vendor/$lib"
	for f in "$@"; do
		cp "$from/$f" "$vendor/$lib/$(basename "$f")"
	done
}

rm -rf "$vendor"
put leaflet leaflet LICENSE dist/leaflet.js dist/leaflet.css
mkdir -p "$vendor/leaflet/images"
cp "$modules"/leaflet/dist/images/*.png "$vendor/leaflet/images/"
# Geoman's bundle includes Turf, lodash and polyclip-ts (all MIT).
put leaflet-geoman @geoman-io/leaflet-geoman-free LICENSE dist/leaflet-geoman.min.js dist/leaflet-geoman.css
# The unminified build: it carries its version, and is small anyway.
put leaflet.markercluster leaflet.markercluster MIT-LICENCE.txt dist/leaflet.markercluster-src.js \
	dist/MarkerCluster.css dist/MarkerCluster.Default.css

# Some packages ship their files executable.
find "$vendor" -type f -exec chmod 644 {} +

# vendor.json records what was vendored, for the test that compares it
# with the lockfile and with the files (web/vendor_test.go).
(cd "$work" && node -e '
const fs = require("fs");
const crypto = require("crypto");
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
const libs = { "leaflet": "leaflet", "leaflet-geoman": "@geoman-io/leaflet-geoman-free", "leaflet.markercluster": "leaflet.markercluster" };
const out = {};
for (const [dir, name] of Object.entries(libs)) {
  const files = {};
  const walk = (d, prefix) => {
    for (const f of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (f.isDirectory()) walk(d + "/" + f.name, prefix + f.name + "/");
      else files[prefix + f.name] = crypto.createHash("sha256").update(fs.readFileSync(d + "/" + f.name)).digest("hex");
    }
  };
  walk(process.argv[1] + "/" + dir, "");
  out[dir] = { package: name, version: lock.packages["node_modules/" + name].version, files };
}
fs.writeFileSync(process.argv[1] + "/vendor.json", JSON.stringify(out, null, 2) + "\n");
' "$vendor")

mkdir -p "$static/data"
(cd "$work" && node background.mjs "$static/data/france.geojson")
