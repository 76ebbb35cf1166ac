// The map: an optional XYZ tile layer (else a background of France drawn
// from local data), the accounts around the current view, clustered, and
// the planned route with its numbered stops.
import { api } from './api.js';
import { el, kindLabel } from './format.js';
import { locale, plural, register, t } from './i18n.js';

register({
  fr: {
    'map.background': 'Fond : Natural Earth',
    'map.loading': 'Chargement…',
    'map.unavailable': 'Comptes indisponibles : {message}',
    'map.accounts.one': '{n} compte ici',
    'map.accounts.many': '{n} comptes ici',
    'map.capped': '{n} comptes affichés : zoomez pour tous les voir',
    'map.cluster': '{n} comptes : cliquez pour zoomer',
    'map.pick': 'Rendez-vous ici',
    'map.start': 'Départ',
  },
  en: {
    'map.background': 'Background: Natural Earth',
    'map.loading': 'Loading…',
    'map.unavailable': 'Accounts unavailable: {message}',
    'map.accounts.one': '{n} account here',
    'map.accounts.many': '{n} accounts here',
    'map.capped': '{n} accounts shown: zoom in to see them all',
    'map.cluster': '{n} accounts: click to zoom in',
    'map.pick': 'Appointment here',
    'map.start': 'Start',
  },
});

const L = window.L;

// The search API answers at most this many accounts per request. A full
// answer means there may be more: the box is then cut in nine where the
// answer's accounts (the first by id, so a sample of the box) split in
// equal shares, and each part asked again, down to maxSplits times. A
// zoomed-out view of a large organisation thus loads every account
// (20,000 take two rounds of requests), while a view holding more than
// maxAccounts shows a sample of them and says so.
const pageSize = 5000;
const maxSplits = 2;
const maxAccounts = 40000;
const fields = ['id', 'kind', 'lat', 'lng', 'score'];

// Mainland France, until a rep is chosen.
const france = [[42.3, -4.8], [51.1, 8.2]];

const kinds = ['client', 'prospect', 'former'];

export function createMap(container, config) {
  // Leaflet-Geoman edits only the layers that ask for it (pmIgnore: false,
  // the territories being edited), never the accounts or the background.
  L.PM.setOptIn(true);
  const map = L.map(container, { minZoom: 3, maxZoom: 18, zoomControl: true, attributionControl: true, pmIgnore: false });
  // Scripts and browser tests reach the map (and Geoman's map.pm) here.
  container.leafletMap = map;
  map.attributionControl.setPrefix('Leaflet');
  if (config.tiles_url) {
    L.tileLayer(config.tiles_url, { attribution: config.tiles_attribution || '', maxZoom: 19 }).addTo(map);
  } else {
    container.classList.add('no-tiles');
    drawBackground(map);
  }
  map.fitBounds(france);

  // Clusters at low zoom, one marker per account once they stand apart.
  // Markers are DOM elements, but only those on screen and unclustered
  // exist: the plugin keeps the rest as data. Clustering stops at the zoom
  // of a town's streets: the plugin builds its clusters for every zoom up
  // front, and the last levels, where nearly every account stands alone,
  // cost the most (clustering 20,000 accounts takes less than half the
  // time without the four of them).
  // Adding runs in slices so that the page answers meanwhile.
  const accounts = L.markerClusterGroup({
    chunkedLoading: true,
    chunkInterval: 100,
    chunkDelay: 5,
    disableClusteringAtZoom: 14,
    showCoverageOnHover: false,
    iconCreateFunction: clusterIcon,
  }).addTo(map);
  const icons = Object.fromEntries(kinds.map((k) => [k, L.divIcon({ className: `account kind-${k}`, iconSize: [14, 14] })]));
  const markers = new Map(); // account id → marker, with .account, the item it shows
  // The route and its stops sit above the accounts, whatever was drawn first.
  map.createPane('route').style.zIndex = 450;
  const route = L.layerGroup().addTo(map);
  let onAccount = () => {};

  const legend = L.control({ position: 'bottomleft' });
  const count = el('span', { class: 'count' });
  legend.onAdd = () => el('div', { class: 'legend' },
    kinds.map((kind) => el('span', { class: 'key' }, el('i', { class: `dot kind-${kind}` }), kindLabel[kind])),
    count);
  legend.addTo(map);

  // What the layer holds: the accounts of a box around the view (larger
  // than it, so that panning and zooming in need no new request), and
  // whether that box's accounts are all there.
  let loaded = null; // { bounds, complete }
  let inflight = null;

  async function refresh() {
    // Hidden by a view, the layer loads again when it comes back.
    if (!map.hasLayer(accounts)) return;
    const view = map.getBounds();
    if (loaded && loaded.complete && loaded.bounds.contains(view)) {
      showCount();
      return;
    }
    if (inflight) inflight.abort();
    const ctl = new AbortController();
    inflight = ctl;
    container.dataset.loading = 'true';
    const bounds = clamp(view.pad(0.5));
    let res;
    try {
      res = await search(box(bounds), ctl.signal);
    } catch (err) {
      if (err.name === 'AbortError') return;
      count.textContent = t('map.unavailable', { message: err.message });
      container.dataset.loading = 'false';
      return;
    }
    await place(res.items);
    if (ctl !== inflight) return; // a newer view is on its way
    inflight = null;
    loaded = { bounds, complete: res.complete };
    showCount();
    container.dataset.loading = 'false';
  }

  // search loads the accounts of b, a round of requests at a time,
  // cutting the boxes whose answer is full.
  async function search(b, signal) {
    const items = [];
    let boxes = [b];
    let complete = true;
    for (let depth = 0; boxes.length; depth++) {
      const answers = await Promise.all(boxes.map((q) =>
        api('POST', '/api/v1/accounts/search', { box: q, limit: pageSize, fields }, signal)));
      const found = items.length + answers.reduce((n, a) => n + a.items.length, 0);
      const cut = depth < maxSplits && found < maxAccounts;
      const next = [];
      answers.forEach((a, i) => {
        const full = a.items.length === pageSize;
        if (full && cut) {
          next.push(...ninths(boxes[i], a.items));
          return;
        }
        items.push(...a.items);
        if (full) complete = false;
      });
      boxes = next;
    }
    return { items, complete };
  }

  // place makes the layer hold exactly items: markers already there stay,
  // so that a new view only adds and removes its difference. Changes run
  // one after the other: the plugin adds in slices, and removing a marker
  // whose slice is still to come would leave it on the map.
  let placing = Promise.resolve();
  function place(items) {
    placing = placing.then(() => replace(items));
    return placing;
  }

  function replace(items) {
    const next = new Map(items.map((a) => [a.id, a]));
    const gone = [];
    for (const [id, m] of markers) {
      const a = next.get(id);
      if (!a || a.kind !== m.account.kind || a.lat !== m.account.lat || a.lng !== m.account.lng) {
        gone.push(m);
        markers.delete(id);
      }
    }
    const added = [];
    for (const a of next.values()) {
      if (markers.has(a.id)) continue;
      const m = L.marker([a.lat, a.lng], { icon: icons[a.kind] || icons.former, keyboard: false });
      m.account = a;
      m.on('click', () => onAccount(a.id, m.getLatLng()));
      markers.set(a.id, m);
      added.push(m);
    }
    accounts.removeLayers(gone);
    // Off the map (hidden while this load ran), the plugin only queues
    // them, and reports no progress.
    if (added.length === 0 || !map.hasLayer(accounts)) {
      accounts.addLayers(added);
      return Promise.resolve();
    }
    // With chunkedLoading the plugin adds in slices between frames; the
    // last slice reports processed === total.
    return new Promise((resolve) => {
      accounts.options.chunkProgress = (processed, total) => {
        if (processed === total) resolve();
      };
      accounts.addLayers(added);
    });
  }

  // showCount says how many accounts the view holds.
  function showCount() {
    const view = map.getBounds();
    let n = 0;
    for (const m of markers.values()) {
      if (view.contains(m.getLatLng())) n++;
    }
    count.textContent = loaded && !loaded.complete
      ? t('map.capped', { n: n.toLocaleString(locale) })
      : plural('map.accounts', n);
    container.dataset.accounts = String(n);
  }

  // data-moving lets tests (and screenshots) wait for the view to settle.
  map.on('movestart', () => { container.dataset.moving = 'true'; });
  map.on('moveend', () => { container.dataset.moving = 'false'; });
  map.on('moveend', refresh);
  refresh();

  return {
    map,
    onAccountClick(fn) { onAccount = fn; },

    // showAccounts shows or hides the accounts layer (a view that draws
    // accounts of its own may want the map to itself).
    showAccounts(on) {
      if (on === map.hasLayer(accounts)) return;
      if (on) {
        accounts.addTo(map);
        legend.addTo(map);
        refresh();
      } else {
        accounts.remove();
        legend.remove();
      }
    },

    centre(lat, lng, zoom = 9) { map.setView([lat, lng], zoom); },

    // popup shows an account and a button that makes it the appointment.
    async popup(id, latlng, choose) {
      const content = el('div', { class: 'popup' }, t('map.loading'));
      const p = L.popup({ minWidth: 200 }).setLatLng(latlng).setContent(content).openOn(map);
      try {
        const a = await api('GET', `/api/v1/accounts/${id}`);
        const pick = el('button', { type: 'button', class: 'primary' }, t('map.pick'));
        pick.addEventListener('click', () => { choose(a); map.closePopup(p); });
        content.replaceChildren(
          el('strong', {}, a.name),
          el('div', { class: 'muted' }, kindLabel[a.kind] || a.kind, a.address && a.address.city ? ` · ${a.address.city}` : ''),
          pick);
      } catch (err) {
        content.replaceChildren(el('span', { class: 'error' }, err.message));
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
          // Above the accounts' markers, which share their pane.
          route.addLayer(L.marker([s.lat, s.lng], { icon, title: s.name || t('map.start'), keyboard: false, zIndexOffset: 1000 }));
        }
      });
      // More room at the bottom, where the legend is.
      if (bounds.isValid()) map.fitBounds(bounds, { paddingTopLeft: [40, 40], paddingBottomRight: [40, 80] });
    },

    clearRoute() { route.clearLayers(); },
  };
}

// clusterIcon is a disc sized by how many accounts it gathers.
function clusterIcon(cluster) {
  const n = cluster.getChildCount();
  const size = n < 10 ? 'small' : n < 100 ? 'medium' : n < 1000 ? 'large' : 'huge';
  const label = n < 1000 ? String(n) : `${(n / 1000).toLocaleString(locale, { maximumFractionDigits: n < 10000 ? 1 : 0 })} k`;
  const px = { small: 28, medium: 34, large: 40, huge: 46 }[size];
  return L.divIcon({
    className: `cluster cluster-${size}`,
    html: el('span', { title: t('map.cluster', { n: n.toLocaleString(locale) }) }, label),
    iconSize: [px, px],
  });
}

// drawBackground draws France, its départements and its neighbours from
// the page's own data (see static/data/ATTRIBUTION.md), under everything
// else: without tiles the accounts and routes still sit somewhere.
async function drawBackground(map) {
  const pane = map.createPane('background');
  pane.style.zIndex = 150;
  pane.style.pointerEvents = 'none';
  let data;
  try {
    const res = await fetch('/static/data/france.geojson');
    if (!res.ok) throw new Error(`${res.status}`);
    data = await res.json();
  } catch (err) {
    console.warn('map background:', err.message);
    return; // the plain ground of app.css remains
  }
  L.geoJSON(data, {
    pane: 'background',
    interactive: false,
    renderer: L.svg({ pane: 'background', padding: 0.5 }),
    style: (f) => ({ className: `ground ground-${f.properties.kind}`, smoothFactor: 1.5 }),
  }).addTo(map);
  map.attributionControl.addAttribution(t('map.background'));
}

function box(b) {
  return { min: { lat: b.getSouth(), lng: b.getWest() }, max: { lat: b.getNorth(), lng: b.getEast() } };
}

// clamp keeps b within the coordinates the API accepts.
function clamp(b) {
  return L.latLngBounds(
    [Math.max(b.getSouth(), -90), Math.max(b.getWest(), -180)],
    [Math.min(b.getNorth(), 90), Math.min(b.getEast(), 180)]);
}

// ninths cuts b in three by latitude and in three by longitude where the
// sample's accounts split in equal shares. Neighbouring parts share their
// edge: an account on it comes twice, and place keeps it once.
function ninths(b, sample) {
  const cuts = (lo, hi, values) => {
    values.sort((x, y) => x - y);
    const at = [1, 2].map((k) => values[Math.floor((k * (values.length - 1)) / 3)]);
    // Equal cuts (many accounts at one place) would make empty boxes.
    return [lo, ...at, hi].filter((v, i, all) => i === 0 || v > all[i - 1]);
  };
  const lats = cuts(b.min.lat, b.max.lat, sample.map((a) => a.lat));
  const lngs = cuts(b.min.lng, b.max.lng, sample.map((a) => a.lng));
  const out = [];
  for (let i = 1; i < lats.length; i++) {
    for (let j = 1; j < lngs.length; j++) {
      out.push({ min: { lat: lats[i - 1], lng: lngs[j - 1] }, max: { lat: lats[i], lng: lngs[j] } });
    }
  }
  return out;
}
