// Finding accounts: by name, or by what their visit reports and contact
// notes say ("every account whose reports mention the competitor X"),
// anywhere or around the centre of the map; the results listed and drawn on
// the map.
import { api } from './api.js';
import { el, kindLabel, km } from './format.js';
import { plural, register, t } from './i18n.js';
import { createMarkers } from './markers.js';

register({
  fr: {
    'accounts.title': 'Comptes', 'accounts.q': 'Rechercher', 'accounts.q_placeholder': 'Nom, ou mots des comptes rendus',
    'accounts.in': 'Dans', 'accounts.by_name': 'les noms des comptes', 'accounts.by_reports': 'les comptes rendus et les notes',
    'accounts.where': 'Où', 'accounts.anywhere': 'Partout', 'accounts.around': 'À moins de {km} km du centre de la carte',
    'accounts.submit': 'Rechercher', 'accounts.searching': 'Recherche…',
    'accounts.found.one': '{n} compte', 'accounts.found.many': '{n} comptes',
    'accounts.more': '{n} premiers comptes : précisez la recherche pour voir les autres',
    'accounts.matches.one': '{n} mention', 'accounts.matches.many': '{n} mentions',
    'accounts.empty': 'Tapez au moins deux lettres.',
  },
  en: {
    'accounts.title': 'Accounts', 'accounts.q': 'Search', 'accounts.q_placeholder': 'Name, or words of the reports',
    'accounts.in': 'In', 'accounts.by_name': 'account names', 'accounts.by_reports': 'visit reports and notes',
    'accounts.where': 'Where', 'accounts.anywhere': 'Anywhere', 'accounts.around': 'Within {km} km of the centre of the map',
    'accounts.submit': 'Search', 'accounts.searching': 'Searching…',
    'accounts.found.one': '{n} account', 'accounts.found.many': '{n} accounts',
    'accounts.more': 'First {n} accounts: narrow the search to see the others',
    'accounts.matches.one': '{n} mention', 'accounts.matches.many': '{n} mentions',
    'accounts.empty': 'Type two letters at least.',
  },
});

const nameLimit = 100;
const radii = [10, 30, 100]; // km

export function createAccounts(section, { mapView, card }) {
  const map = mapView.map;
  const markers = createMarkers(map, (id) => card.open(id));
  let inflight = null;
  let shown = []; // the items listed, drawn again when the view returns

  const q = el('input', { type: 'search', id: 'accounts-q', name: 'q', autocomplete: 'off', placeholder: t('accounts.q_placeholder') });
  const mode = (value, label, checked) => el('label', { class: 'check' },
    el('input', { type: 'radio', name: 'mode', value, checked }), ' ', label);
  const where = el('select', { id: 'accounts-where', name: 'radius_km' }, el('option', { value: '' }, t('accounts.anywhere')),
    radii.map((r) => el('option', { value: String(r) }, t('accounts.around', { km: r }))));
  const form = el('form', { id: 'accounts-search', role: 'search', novalidate: true },
    el('label', { for: 'accounts-q' }, t('accounts.q')), q,
    el('fieldset', { class: 'checks' }, el('legend', {}, t('accounts.in')),
      mode('name', t('accounts.by_name'), true), mode('reports', t('accounts.by_reports'), false)),
    el('label', { for: 'accounts-where' }, t('accounts.where')), where,
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', id: 'accounts-submit' }, t('accounts.submit'))));
  const status = el('p', { id: 'accounts-status', class: 'muted', role: 'status' });
  const list = el('ol', { id: 'accounts-list', class: 'hits' });
  section.replaceChildren(el('h2', {}, t('accounts.title')), form, status, list);

  // The place only narrows report searches: the name list has no point.
  const byReports = () => form.elements.mode.value === 'reports';
  form.addEventListener('change', () => { where.disabled = !byReports(); });
  where.disabled = true;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    search();
  });

  async function search() {
    const text = q.value.trim();
    if (text.length < 2) {
      status.textContent = t('accounts.empty');
      return;
    }
    if (inflight) inflight.abort();
    inflight = new AbortController();
    section.dataset.loading = 'true';
    status.textContent = t('accounts.searching');
    try {
      if (byReports()) await reports(text, inflight.signal);
      else await names(text, inflight.signal);
    } catch (err) {
      if (err.name === 'AbortError') return;
      show([], err.message, () => null);
    }
    section.dataset.loading = 'false';
  }

  async function names(text, signal) {
    const page = await api('GET', `/api/v1/accounts?q=${encodeURIComponent(text)}&limit=${nameLimit}`, undefined, signal);
    const n = page.items.length;
    show(page.items, page.next_cursor ? t('accounts.more', { n }) : plural('accounts.found', n),
      (a) => el('span', { class: 'muted' }, kindLabel[a.kind] || a.kind, a.address?.city ? ` · ${a.address.city}` : ''));
  }

  async function reports(text, signal) {
    const p = new URLSearchParams({ q: text });
    if (where.value) {
      const c = map.getCenter();
      p.set('lat', c.lat.toFixed(6));
      p.set('lng', c.lng.toFixed(6));
      p.set('radius_m', String(Number(where.value) * 1000));
    }
    const res = await api('GET', `/api/v1/accounts/search?${p}`, undefined, signal);
    show(res.items, plural('accounts.found', res.items.length), (a) => [
      el('span', { class: 'muted' }, [kindLabel[a.kind] || a.kind, plural('accounts.matches', a.matches),
        a.distance_m != null ? km(a.distance_m) : ''].filter(Boolean).join(' · ')),
      el('span', { class: 'snippet' }, snippet(a.snippet))]);
  }

  // show lists items, each with what detail builds, and draws them.
  function show(items, message, detail) {
    shown = items;
    status.textContent = message;
    list.replaceChildren(...items.map((a, i) => {
      const b = el('button', { type: 'button', class: 'hit', 'data-account': String(a.id) },
        el('span', { class: `badge kind-${a.kind}` }, String(i + 1)),
        el('span', { class: 'hit-main' }, el('strong', {}, a.name), detail(a)));
      b.addEventListener('click', () => card.open(a.id));
      return el('li', {}, b);
    }));
    markers.show(items);
    markers.fit();
  }

  return {
    show() { if (shown.length) markers.show(shown); },
    hide() {
      if (inflight) inflight.abort();
      markers.clear();
    },
  };
}

// snippet turns the API's snippet — the text HTML-escaped, the matching
// words in <mark> — into nodes without parsing it as HTML: anything but
// <mark> stays text.
export function snippet(html) {
  const unescape = (s) => s.replace(/&(lt|gt|quot|#34|#39|amp);/g, (m, e) =>
    ({ lt: '<', gt: '>', quot: '"', '#34': '"', '#39': "'", amp: '&' })[e]);
  return (html || '').split(/(<mark>.*?<\/mark>)/s).filter(Boolean).map((part) => {
    const m = /^<mark>(.*)<\/mark>$/s.exec(part);
    return m ? el('mark', {}, unescape(m[1])) : document.createTextNode(unescape(part));
  });
}
