// Numbered markers for a listed set of accounts, in a layer group of their
// own so that a view can clear exactly what it drew. The numbers match the
// list beside the map.
import { el } from './format.js';

const L = window.L;

export function createMarkers(map, onPick) {
  const layer = L.layerGroup();

  return {
    // show replaces the markers with one per item ({id, name, kind, lat, lng}).
    show(items) {
      layer.clearLayers();
      items.forEach((a, i) => {
        const icon = L.divIcon({ className: `hit-marker kind-${a.kind}`, iconSize: [24, 24],
          html: el('span', { 'data-account': String(a.id) }, String(i + 1)) });
        // Above the map's own account markers, which show the same places.
        const m = L.marker([a.lat, a.lng], { icon, title: a.name, riseOnHover: true, zIndexOffset: 1000 });
        m.on('click', () => onPick(a.id));
        layer.addLayer(m);
      });
      if (!map.hasLayer(layer)) layer.addTo(map);
    },

    // fit shows every marker, with bounds (such as a search circle) too.
    fit(bounds) {
      const b = L.latLngBounds([]);
      layer.eachLayer((m) => b.extend(m.getLatLng()));
      if (bounds) b.extend(bounds);
      if (!b.isValid()) return;
      if (b.getNorthEast().equals(b.getSouthWest())) map.setView(b.getCenter(), 13);
      else map.fitBounds(b, { padding: [30, 30], maxZoom: 15 });
    },

    clear() {
      layer.clearLayers();
      layer.remove();
    },
  };
}
