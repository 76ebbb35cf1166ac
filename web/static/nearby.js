// "What is around": centred on the rep (the browser's geolocation), on an
// account or on the map, the accounts within a radius that pass the
// filters, nearest first, listed and drawn on the map.
import { api, shared } from './api.js';
import { el, kindLabel, km, points } from './format.js';
import { plural, register, t } from './i18n.js';
import { createMarkers } from './markers.js';

register({
  fr: {
    'nearby.title': 'Autour de moi', 'nearby.locate': 'Me localiser', 'nearby.map_centre': 'Centre de la carte',
    'nearby.account': 'Ou autour d\'un compte', 'nearby.account_placeholder': 'Nom du compte',
    'nearby.no_account': 'Aucun compte de ce nom',
    'nearby.radius': 'Rayon', 'nearby.limit': 'Au plus', 'nearby.kinds': 'Types',
    'nearby.min_score': 'Score minimum', 'nearby.not_visited': 'Pas visité depuis le',
    'nearby.segment': 'Segment', 'nearby.tag': 'Étiquette', 'nearby.owner': 'Responsable', 'nearby.anyone': 'Tous',
    'nearby.start': 'Choisissez où chercher : votre position, un compte ou le centre de la carte.',
    'nearby.locating': 'Localisation en cours…',
    'nearby.denied': 'Le navigateur ne donne pas votre position : choisissez un compte ou le centre de la carte.',
    'nearby.searching': 'Recherche…',
    'nearby.here': 'votre position', 'nearby.centre': 'le centre de la carte',
    'nearby.found.one': '{n} compte à moins de {radius} de {place}',
    'nearby.found.many': '{n} comptes à moins de {radius} de {place}',
    'nearby.no_kind': 'Cochez au moins un type de compte.',
    'nearby.item': '{kind} · {distance} · score {score}',
    'nearby.filters': 'Filtres', 'nearby.filters_on.one': 'Filtres ({n} actif)', 'nearby.filters_on.many': 'Filtres ({n} actifs)',
  },
  en: {
    'nearby.title': 'Around me', 'nearby.locate': 'Locate me', 'nearby.map_centre': 'Centre of the map',
    'nearby.account': 'Or around an account', 'nearby.account_placeholder': 'Account name',
    'nearby.no_account': 'No account of that name',
    'nearby.radius': 'Radius', 'nearby.limit': 'At most', 'nearby.kinds': 'Kinds',
    'nearby.min_score': 'Minimum score', 'nearby.not_visited': 'Not visited since',
    'nearby.segment': 'Segment', 'nearby.tag': 'Tag', 'nearby.owner': 'Owner', 'nearby.anyone': 'Anyone',
    'nearby.start': 'Choose where to look: your position, an account or the centre of the map.',
    'nearby.locating': 'Finding your position…',
    'nearby.denied': 'The browser does not give your position: choose an account or the centre of the map.',
    'nearby.searching': 'Searching…',
    'nearby.here': 'your position', 'nearby.centre': 'the centre of the map',
    'nearby.found.one': '{n} account within {radius} of {place}',
    'nearby.found.many': '{n} accounts within {radius} of {place}',
    'nearby.no_kind': 'Tick at least one kind of account.',
    'nearby.item': '{kind} · {distance} · score {score}',
    'nearby.filters': 'Filters', 'nearby.filters_on.one': 'Filters ({n} on)', 'nearby.filters_on.many': 'Filters ({n} on)',
  },
});

const L = window.L;
const radii = [2, 5, 10, 20, 50, 100]; // km
const limits = [20, 50, 100, 200];

export function createNearby(section, { mapView, card }) {
  const map = mapView.map;
  const markers = createMarkers(map, (id) => card.open(id));
  const around = L.layerGroup(); // the centre and the circle searched
  let centre = null; // { lat, lng, place }
  let inflight = null;

  const locate = el('button', { type: 'button', class: 'primary', id: 'nearby-locate' }, t('nearby.locate'));
  const mapCentre = el('button', { type: 'button', id: 'nearby-map-centre' }, t('nearby.map_centre'));
  const accountInput = el('input', { type: 'search', id: 'nearby-account', autocomplete: 'off', spellcheck: 'false',
    placeholder: t('nearby.account_placeholder'), role: 'combobox', 'aria-expanded': 'false',
    'aria-controls': 'nearby-account-results', 'aria-autocomplete': 'list' });
  const accountResults = el('ul', { id: 'nearby-account-results', class: 'combo-results', role: 'listbox', hidden: true });

  const select = (name, values, label, chosen) => el('select', { id: `nearby-${name}`, name },
    values.map((v) => el('option', { value: String(v), selected: v === chosen }, label(v))));
  const kinds = ['client', 'prospect', 'former'].map((k) =>
    el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'kind', value: k, checked: true }), ' ', kindLabel[k]));
  const owner = el('select', { id: 'nearby-owner_id', name: 'owner_id' }, el('option', { value: '' }, t('nearby.anyone')));
  const field = (id, label, input) => el('div', {}, el('label', { for: id }, label), input);
  // The radius is what changes most; the other filters fold away, so that
  // on a phone the list comes right after the buttons.
  const summary = el('summary', {}, t('nearby.filters'));
  const filters = el('form', { id: 'nearby-filters', novalidate: true },
    el('div', { class: 'row' },
      field('nearby-radius_km', t('nearby.radius'), select('radius_km', radii, (v) => `${v} km`, 20)),
      field('nearby-limit', t('nearby.limit'), select('limit', limits, String, 50))),
    el('details', { class: 'filters' }, summary,
    el('fieldset', { class: 'checks' }, el('legend', {}, t('nearby.kinds')), kinds),
    el('div', { class: 'row' },
      field('nearby-min_score', t('nearby.min_score'), el('input', { type: 'number', id: 'nearby-min_score', name: 'min_score', min: '0', step: 'any' })),
      field('nearby-not_visited_since', t('nearby.not_visited'), el('input', { type: 'date', id: 'nearby-not_visited_since', name: 'not_visited_since' }))),
    el('div', { class: 'row' },
      field('nearby-segment', t('nearby.segment'), el('input', { type: 'text', id: 'nearby-segment', name: 'segment' })),
      field('nearby-tag', t('nearby.tag'), el('input', { type: 'text', id: 'nearby-tag', name: 'tag' }))),
    field('nearby-owner_id', t('nearby.owner'), owner)));
  const status = el('p', { id: 'nearby-status', class: 'muted', role: 'status' }, t('nearby.start'));
  const list = el('ol', { id: 'nearby-list', class: 'hits' });

  section.replaceChildren(
    el('h2', {}, t('nearby.title')),
    el('div', { class: 'actions' }, locate, mapCentre),
    el('label', { for: 'nearby-account' }, t('nearby.account')),
    el('div', { class: 'combo' }, accountInput, accountResults),
    filters, status, list);

  locate.addEventListener('click', () => {
    if (!navigator.geolocation) {
      status.textContent = t('nearby.denied');
      return;
    }
    status.textContent = t('nearby.locating');
    navigator.geolocation.getCurrentPosition(
      (pos) => search({ lat: pos.coords.latitude, lng: pos.coords.longitude, place: t('nearby.here') }),
      () => { status.textContent = t('nearby.denied'); },
      { timeout: 15000, maximumAge: 60000 });
  });
  mapCentre.addEventListener('click', () => {
    const c = map.getCenter();
    search({ lat: c.lat, lng: c.lng, place: t('nearby.centre') });
  });
  // Any filter change asks again around the same centre.
  filters.addEventListener('change', () => {
    const f = filters.elements;
    const on = (filters.querySelector('input[name=kind]:not(:checked)') ? 1 : 0) +
      ['min_score', 'not_visited_since', 'segment', 'tag', 'owner_id'].filter((n) => f[n].value.trim()).length;
    summary.textContent = on ? plural('nearby.filters_on', on) : t('nearby.filters');
    if (centre) search(centre);
  });
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    if (centre) search(centre);
  });

  // Account search by name prefix, as the user types.
  let typing = 0;
  accountInput.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(findAccounts, 200);
  });
  accountInput.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeResults();
    if (e.key === 'ArrowDown' && !accountResults.hidden) {
      e.preventDefault();
      accountResults.querySelector('button')?.focus();
    }
  });
  async function findAccounts() {
    const text = accountInput.value.trim();
    if (text.length < 2) return closeResults();
    let page;
    try {
      page = await api('GET', `/api/v1/accounts?q=${encodeURIComponent(text)}&limit=8`);
    } catch (err) {
      status.textContent = err.message;
      return;
    }
    accountResults.replaceChildren(...page.items.map((a) => {
      const b = el('button', { type: 'button', role: 'option' }, el('strong', {}, a.name), ' ',
        el('span', { class: 'muted' }, kindLabel[a.kind] || a.kind, a.address?.city ? ` · ${a.address.city}` : ''));
      b.addEventListener('click', () => {
        accountInput.value = a.name;
        closeResults();
        search({ lat: a.lat, lng: a.lng, place: a.name });
      });
      return el('li', {}, b);
    }));
    if (!page.items.length) accountResults.replaceChildren(el('li', { class: 'muted' }, t('nearby.no_account')));
    accountResults.hidden = false;
    accountInput.setAttribute('aria-expanded', 'true');
  }
  function closeResults() {
    accountResults.hidden = true;
    accountInput.setAttribute('aria-expanded', 'false');
  }

  async function search(at) {
    centre = at;
    const f = filters.elements;
    const radius = Number(f.radius_km.value) * 1000;
    const picked = [...filters.querySelectorAll('input[name=kind]:checked')].map((i) => i.value);
    drawAround(at, radius);
    if (!picked.length) {
      show([], t('nearby.no_kind'));
      return;
    }
    const q = new URLSearchParams({ lat: at.lat.toFixed(6), lng: at.lng.toFixed(6), radius_m: String(radius), limit: f.limit.value });
    if (picked.length < 3) q.set('kind', picked.join(','));
    for (const name of ['min_score', 'not_visited_since', 'segment', 'tag', 'owner_id']) {
      if (f[name].value.trim()) q.set(name, f[name].value.trim());
    }
    if (inflight) inflight.abort();
    inflight = new AbortController();
    section.dataset.loading = 'true';
    status.textContent = t('nearby.searching');
    let res;
    try {
      res = await api('GET', `/api/v1/accounts/nearby?${q}`, undefined, inflight.signal);
    } catch (err) {
      if (err.name === 'AbortError') return;
      section.dataset.loading = 'false';
      show([], err.message);
      return;
    }
    show(res.items, plural('nearby.found', res.items.length, { radius: km(radius), place: at.place }));
    markers.fit(L.latLng(at.lat, at.lng).toBounds(radius * 2));
    section.dataset.loading = 'false';
  }

  function drawAround(at, radius) {
    around.clearLayers();
    around.addLayer(L.circle([at.lat, at.lng], { radius, className: 'nearby-radius', interactive: false }));
    around.addLayer(L.marker([at.lat, at.lng], { icon: L.divIcon({ className: 'centre-marker', iconSize: [16, 16] }),
      title: at.place, keyboard: false, interactive: false }));
    if (!map.hasLayer(around)) around.addTo(map);
  }

  function show(items, message) {
    status.textContent = message;
    list.replaceChildren(...items.map((a, i) => {
      const b = el('button', { type: 'button', class: 'hit', 'data-account': String(a.id) },
        el('span', { class: `badge kind-${a.kind}` }, String(i + 1)),
        el('span', { class: 'hit-main' }, el('strong', {}, a.name),
          el('span', { class: 'muted' }, t('nearby.item', { kind: kindLabel[a.kind] || a.kind, distance: km(a.distance_m),
            score: points(a.score) })),
          a.address?.city ? el('span', { class: 'muted' }, a.address.city) : null));
      b.addEventListener('click', () => card.open(a.id));
      return el('li', {}, b);
    }));
    markers.show(items);
  }

  // The owner filter lists the reps; without them it still works.
  shared('/api/v1/users?limit=500').then((users) => {
    owner.append(...users.filter((u) => u.role === 'rep')
      .map((u) => el('option', { value: String(u.id) }, u.name || u.email)));
  }).catch(() => {});

  return {
    show() {
      if (centre) {
        around.addTo(map);
        search(centre);
      }
    },
    hide() {
      if (inflight) inflight.abort();
      markers.clear();
      around.clearLayers();
      around.remove();
    },
  };
}
