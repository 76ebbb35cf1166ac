// The map: an optional XYZ tile layer, the accounts of the current view,
// and the planned route with its numbered stops.
import { api } from './api.js';
import { el, kindLabel } from './format.js';

const L = window.L;

// The accounts of a view come from the index only (no store read); past
// this many the view is too wide to read anyway, and the page says so.
const maxAccounts = 2000;

// Mainland France, until a rep is chosen.
const france = [[42.3, -4.8], [51.1, 8.2]];

// The canvas needs colours as values; app.css repeats them for the legend,
// since the page's CSP allows no inline styles.
const kindColour = { client: '#1f7a4d', prospect: '#d9822b', former: '#8a94a0' };

export function createMap(container, config) {
  const map = L.map(container, { minZoom: 3, maxZoom: 18, zoomControl: true, attributionControl: true });
  map.attributionControl.setPrefix('Leaflet');
  if (config.tiles_url) {
    L.tileLayer(config.tiles_url, { attribution: config.tiles_attribution || '', maxZoom: 19 }).addTo(map);
  } else {
    container.classList.add('no-tiles');
    map.attributionControl.addAttribution('Sans fond de carte');
  }
  map.fitBounds(france);

  // Accounts are many: a canvas draws thousands of dots where SVG would not.
  const dots = L.canvas({ padding: 0.2 });
  const accounts = L.layerGroup().addTo(map);
  // The route and its stops sit above the accounts, whatever was drawn first.
  map.createPane('route').style.zIndex = 450;
  const route = L.layerGroup().addTo(map);
  let onAccount = () => {};

  const legend = L.control({ position: 'bottomleft' });
  const count = el('span', { class: 'count' });
  legend.onAdd = () => el('div', { class: 'legend' },
    Object.entries(kindColour).map(([kind, colour]) =>
      el('span', { class: 'key' }, el('i', { class: `dot kind-${kind}` }), kindLabel[kind])),
    count);
  legend.addTo(map);

  let inflight = null;
  async function refresh() {
    if (inflight) inflight.abort();
    container.dataset.loading = 'true';
    inflight = new AbortController();
    const b = map.getBounds();
    const box = {
      min: { lat: Math.max(b.getSouth(), -90), lng: Math.max(b.getWest(), -180) },
      max: { lat: Math.min(b.getNorth(), 90), lng: Math.min(b.getEast(), 180) },
    };
    let res;
    try {
      res = await api('POST', '/api/v1/accounts/search',
        { box, limit: maxAccounts, fields: ['id', 'kind', 'lat', 'lng', 'score'] }, inflight.signal);
    } catch (err) {
      if (err.name === 'AbortError') return;
      count.textContent = 'Comptes indisponibles : ' + err.message;
      return;
    }
    accounts.clearLayers();
    for (const a of res.items) {
      const dot = L.circleMarker([a.lat, a.lng], {
        renderer: dots, radius: 5, weight: 1,
        color: '#ffffff', fillColor: colour(a.kind), fillOpacity: 0.85,
      });
      dot.on('click', () => onAccount(a.id, dot.getLatLng()));
      accounts.addLayer(dot);
    }
    const n = res.items.length;
    count.textContent = n >= maxAccounts
      ? `${n.toLocaleString('fr-FR')} comptes affichés : zoomez pour tous les voir`
      : `${n.toLocaleString('fr-FR')} comptes`;
    container.dataset.accounts = String(n);
    container.dataset.loading = 'false';
  }
  // data-moving lets tests (and screenshots) wait for the view to settle.
  map.on('movestart', () => { container.dataset.moving = 'true'; });
  map.on('moveend', () => { container.dataset.moving = 'false'; });
  map.on('moveend', refresh);
  refresh();

  return {
    map,
    onAccountClick(fn) { onAccount = fn; },

    centre(lat, lng, zoom = 9) { map.setView([lat, lng], zoom); },

    // popup shows an account and a button that makes it the appointment.
    async popup(id, latlng, choose) {
      const box = el('div', { class: 'popup' }, 'Chargement…');
      const p = L.popup({ minWidth: 200 }).setLatLng(latlng).setContent(box).openOn(map);
      try {
        const a = await api('GET', `/api/v1/accounts/${id}`);
        const pick = el('button', { type: 'button', class: 'primary' }, 'Rendez-vous ici');
        pick.addEventListener('click', () => { choose(a); map.closePopup(p); });
        box.replaceChildren(
          el('strong', {}, a.name),
          el('div', { class: 'muted' }, kindLabel[a.kind] || a.kind, a.address && a.address.city ? ` · ${a.address.city}` : ''),
          pick);
      } catch (err) {
        box.replaceChildren(el('span', { class: 'error' }, err.message));
      }
    },

    // drawDays draws one or more planned days: the route of each, its
    // appointments and numbered suggestions, and fits the view to them.
    drawDays(plans) {
      route.clearLayers();
      const bounds = L.latLngBounds([]);
      let n = 0; // numbered across the days of a trip, in driving order
      plans.forEach((plan, day) => {
        const line = plan.geometry.coordinates.map(([lng, lat]) => [lat, lng]);
        const cls = plans.length > 1 ? `route route-day${day % 3}` : 'route';
        route.addLayer(L.polyline(line, { pane: 'route', className: cls, weight: 5, opacity: 0.9 }));
        line.forEach((p) => bounds.extend(p));
        for (const s of plan.stops) {
          let label = '';
          if (s.type === 'suggestion') label = String(++n);
          else if (s.type === 'appointment') label = '★';
          else if (s.type === 'start' && day === 0) label = '⌂';
          else continue;
          const icon = L.divIcon({ className: `stop stop-${s.type}`, html: el('span', {}, label), iconSize: [26, 26] });
          route.addLayer(L.marker([s.lat, s.lng], { icon, title: s.name || 'Départ', keyboard: false }));
        }
      });
      // More room at the bottom, where the legend is.
      if (bounds.isValid()) map.fitBounds(bounds, { paddingTopLeft: [40, 40], paddingBottomRight: [40, 80] });
    },

    clearRoute() { route.clearLayers(); },
  };
}

function colour(kind) {
  return kindColour[kind] || '#555';
}
