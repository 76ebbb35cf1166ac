// The account card: one account in a side panel (the whole screen on a
// phone) — details, why its priority is what it is, contacts, pipeline,
// the timeline of its activities with their reports, its tasks — and an
// edit form that shows the API's validation messages next to the fields
// they name. Every view opens it; it closes when the view changes.
import { api, all, ifMatch, shared } from './api.js';
import { date, day, dayTime, el, euros, kindLabel, points, scorePart } from './format.js';
import { register, t } from './i18n.js';

register({
  fr: {
    'card.loading': 'Chargement…', 'card.close': 'Fermer la fiche', 'card.edit': 'Modifier', 'card.locate': 'Voir sur la carte',
    'card.details': 'Détails', 'card.address': 'Adresse', 'card.potential': 'Potentiel', 'card.per_month': '{v} / mois',
    'card.segment': 'Segment', 'card.tags': 'Étiquettes', 'card.owner': 'Responsable', 'card.nobody': 'personne',
    'card.last_visit': 'Dernière visite', 'card.never': 'jamais', 'card.visit_duration': 'Durée de visite',
    'card.minutes': '{n} min', 'card.qualification': 'Qualification',
    'card.why': 'Priorité', 'card.score': 'Score {score}',
    'card.why_help': 'Le potentiel compte en k€ par mois ; une visite en retard l\'augmente (jusqu\'au triple six mois après le troisième mois sans visite) ; les règles ajoutent ou fixent des points.',
    'card.contacts': 'Contacts', 'card.no_contacts': 'Aucun contact.',
    'card.pipeline': 'Opportunités', 'card.no_opportunities': 'Aucune opportunité.',
    'card.closes': 'clôture le {date}', 'status.open': 'en cours', 'status.won': 'gagnée', 'status.lost': 'perdue',
    'card.timeline': 'Activités', 'card.no_activities': 'Aucune activité.',
    'type.visit': 'Visite', 'type.call': 'Appel', 'type.email': 'E-mail', 'type.note': 'Note',
    'card.done': 'faite', 'card.planned': 'prévue',
    'card.tasks': 'Tâches', 'card.no_tasks': 'Aucune tâche.', 'card.due': 'pour le {date}',
    'task.open': 'à faire', 'task.done': 'faite', 'task.cancelled': 'annulée', 'card.overdue': 'en retard',
    'card.assignee': 'pour {name}',
    'card.save': 'Enregistrer', 'card.cancel': 'Annuler', 'card.saved': 'Enregistré.',
    'card.stale': 'Ce compte a été modifié entre-temps : voici sa version à jour. Refaites votre modification si elle tient toujours.',
    'field.name': 'Nom', 'field.kind': 'Type', 'field.potential_cents': 'Potentiel (€ par mois)', 'field.segment': 'Segment',
    'field.tags': 'Étiquettes (séparées par des virgules)', 'field.address.street': 'Rue',
    'field.address.postal_code': 'Code postal', 'field.address.city': 'Ville',
    'field.visit_duration_s': 'Durée de visite (minutes)',
    'field.qualification.size': 'Taille', 'field.qualification.sector': 'Secteur',
  },
  en: {
    'card.loading': 'Loading…', 'card.close': 'Close the card', 'card.edit': 'Edit', 'card.locate': 'Show on the map',
    'card.details': 'Details', 'card.address': 'Address', 'card.potential': 'Potential', 'card.per_month': '{v} / month',
    'card.segment': 'Segment', 'card.tags': 'Tags', 'card.owner': 'Owner', 'card.nobody': 'nobody',
    'card.last_visit': 'Last visit', 'card.never': 'never', 'card.visit_duration': 'Visit duration',
    'card.minutes': '{n} min', 'card.qualification': 'Qualification',
    'card.why': 'Priority', 'card.score': 'Score {score}',
    'card.why_help': 'Potential counts in k€ a month; an overdue visit raises it (up to three times, six months after the third month without a visit); rules add or set points.',
    'card.contacts': 'Contacts', 'card.no_contacts': 'No contact.',
    'card.pipeline': 'Opportunities', 'card.no_opportunities': 'No opportunity.',
    'card.closes': 'closes on {date}', 'status.open': 'open', 'status.won': 'won', 'status.lost': 'lost',
    'card.timeline': 'Activities', 'card.no_activities': 'No activity.',
    'type.visit': 'Visit', 'type.call': 'Call', 'type.email': 'E-mail', 'type.note': 'Note',
    'card.done': 'done', 'card.planned': 'planned',
    'card.tasks': 'Tasks', 'card.no_tasks': 'No task.', 'card.due': 'due {date}',
    'task.open': 'to do', 'task.done': 'done', 'task.cancelled': 'cancelled', 'card.overdue': 'overdue',
    'card.assignee': 'for {name}',
    'card.save': 'Save', 'card.cancel': 'Cancel', 'card.saved': 'Saved.',
    'card.stale': 'This account was changed meanwhile: here is its current version. Make your change again if it still holds.',
    'field.name': 'Name', 'field.kind': 'Kind', 'field.potential_cents': 'Potential (€ a month)', 'field.segment': 'Segment',
    'field.tags': 'Tags (separated by commas)', 'field.address.street': 'Street',
    'field.address.postal_code': 'Postal code', 'field.address.city': 'City',
    'field.visit_duration_s': 'Visit duration (minutes)',
    'field.qualification.size': 'Size', 'field.qualification.sector': 'Sector',
  },
});

// The fields of the edit form, by the API's name (which a 400's
// error.field gives): how the input shows the account's value, and how it
// puts the value back into the PATCH body. Money is edited in euros and
// durations in minutes, as people think of them.
const text = (path) => ({
  get: (a) => path.reduce((o, k) => o?.[k], a) ?? '',
  put: (b, v) => { path.slice(0, -1).reduce((o, k) => o[k], b)[path.at(-1)] = v.trim(); },
});
const fields = [
  { name: 'name', ...text(['name']), required: true },
  { name: 'kind', options: ['client', 'prospect', 'former'], ...text(['kind']) },
  { name: 'potential_cents', type: 'number', get: (a) => a.potential_cents / 100,
    put: (b, v) => { b.potential_cents = v.trim() === '' ? 0 : Math.round(Number(v) * 100); } },
  { name: 'segment', ...text(['segment']) },
  { name: 'tags', get: (a) => (a.tags || []).join(', '),
    put: (b, v) => { b.tags = v.split(',').map((s) => s.trim()).filter(Boolean); } },
  { name: 'address.street', ...text(['address', 'street']) },
  { name: 'address.postal_code', ...text(['address', 'postal_code']) },
  { name: 'address.city', ...text(['address', 'city']) },
  { name: 'visit_duration_s', type: 'number', get: (a) => Math.round(a.visit_duration_s / 60),
    put: (b, v) => { b.visit_duration_s = Math.round(Number(v) * 60); } },
  { name: 'qualification.size', ...text(['qualification', 'size']) },
  { name: 'qualification.sector', ...text(['qualification', 'sector']) },
];

// fieldFor is the input an API error field belongs to: "address" (the
// whole address is checked at once) goes to its first line.
const fieldFor = (name) => fields.find((f) => f.name === name || f.name.startsWith(`${name}.`));

export function createCard(box, mapView) {
  let account = null;
  let loading = null; // the AbortController of the card being read

  // open shows account id; status, when given, is said once it is shown.
  async function open(id, status = '') {
    if (loading) loading.abort();
    const ctl = new AbortController();
    loading = ctl;
    box.hidden = false;
    box.dataset.account = String(id);
    box.dataset.ready = 'false';
    document.body.classList.add('card-open');
    const closer = el('button', { type: 'button', class: 'card-close', 'aria-label': t('card.close'), title: t('card.close') }, '×');
    closer.addEventListener('click', close);
    box.replaceChildren(el('div', { class: 'card-head' }, el('h2', { id: 'card-title' }, t('card.loading')), closer));
    let a;
    try {
      a = await api('GET', `/api/v1/accounts/${id}`, undefined, ctl.signal);
    } catch (err) {
      if (err.name === 'AbortError') return;
      box.append(el('p', { class: 'error', role: 'alert' }, err.message));
      return;
    }
    account = a;
    keepInSight(a);
    const sections = {
      details: section('details', t('card.details')),
      why: section('why', t('card.why')),
      contacts: section('contacts', t('card.contacts')),
      pipeline: section('pipeline', t('card.pipeline')),
      timeline: section('timeline', t('card.timeline')),
      tasks: section('tasks', t('card.tasks')),
    };
    const edit = el('button', { type: 'button', id: 'card-edit' }, t('card.edit'));
    edit.addEventListener('click', () => showForm(sections.details));
    const locate = el('button', { type: 'button', class: 'card-locate' }, t('card.locate'));
    locate.addEventListener('click', () => {
      mapView.centre(a.lat, a.lng, 14);
      // On a phone the card covers the map: make way for it.
      if (window.matchMedia('(max-width: 760px)').matches) close();
    });
    box.replaceChildren(
      el('div', { class: 'card-head' },
        el('div', {},
          el('h2', { id: 'card-title', tabindex: '-1' }, a.name),
          el('p', { class: 'muted' }, el('span', { class: `kind kind-${a.kind}` }, kindLabel[a.kind] || a.kind),
            a.address?.city ? ` · ${a.address.city}` : '')),
        closer),
      el('div', { class: 'actions' }, edit, locate),
      el('p', { id: 'card-status', class: 'card-status', role: 'status' }, status),
      ...Object.values(sections));
    showDetails(sections.details, a);
    // Keyboard and screen reader users land on the card they opened.
    box.querySelector('#card-title').focus({ preventScroll: true });
    const signal = ctl.signal;
    await Promise.all([
      fill(sections.why, () => why(a, signal)),
      fill(sections.contacts, () => contacts(a, signal)),
      fill(sections.pipeline, () => opportunities(a, signal)),
      fill(sections.timeline, () => timeline(a, signal)),
      fill(sections.tasks, () => tasks(a, signal)),
    ]);
    if (loading === ctl) box.dataset.ready = 'true';
  }

  // keepInSight pans the map so that the account is not hidden behind the
  // card, where the card sits beside the map.
  function keepInSight(a) {
    const map = mapView.map;
    const beside = !document.body.classList.contains('wide') && !window.matchMedia('(max-width: 760px)').matches;
    if (!beside || !map.getBounds().contains([a.lat, a.lng])) return;
    map.panInside([a.lat, a.lng], { paddingTopLeft: [40, 40], paddingBottomRight: [box.offsetWidth + 40, 60] });
  }

  function close() {
    if (loading) loading.abort();
    loading = null;
    account = null;
    box.hidden = true;
    box.replaceChildren();
    delete box.dataset.account;
    document.body.classList.remove('card-open');
  }

  function section(part, title) {
    return el('section', { class: 'card-section', 'data-part': part }, el('h3', {}, title),
      el('div', { class: 'card-body' }, el('p', { class: 'muted' }, t('card.loading'))));
  }

  // fill replaces a section's body with what make builds, or its error:
  // one part failing leaves the others readable.
  async function fill(sec, make) {
    const body = sec.querySelector('.card-body');
    try {
      body.replaceChildren(...[await make()].flat());
    } catch (err) {
      if (err.name === 'AbortError') return;
      body.replaceChildren(el('p', { class: 'error' }, err.message));
    }
  }

  async function userName(id) {
    if (!id) return t('card.nobody');
    try {
      const u = (await shared('/api/v1/users?limit=500')).find((x) => x.id === id);
      return u ? u.name || u.email : `#${id}`;
    } catch {
      return `#${id}`;
    }
  }

  async function showDetails(sec, a) {
    const addr = a.address || {};
    const place = [addr.street, [addr.postal_code, addr.city].filter(Boolean).join(' ')].filter(Boolean).join(', ');
    const q = a.qualification || {};
    const rows = [
      [t('card.address'), place],
      [t('card.potential'), t('card.per_month', { v: euros(a.potential_cents) })],
      [t('card.segment'), a.segment],
      [t('card.tags'), (a.tags || []).join(', ')],
      [t('card.owner'), await userName(a.owner_id)],
      [t('card.last_visit'), a.last_visit_at ? day(a.last_visit_at) : t('card.never')],
      [t('card.visit_duration'), t('card.minutes', { n: Math.round(a.visit_duration_s / 60) })],
      [t('card.qualification'), [q.size, q.sector].filter(Boolean).join(' · ')],
    ].filter(([, v]) => v);
    sec.querySelector('.card-body').replaceChildren(
      el('dl', { class: 'facts' }, rows.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])));
  }

  async function why(a, signal) {
    const s = await api('GET', `/api/v1/accounts/${a.id}/score`, undefined, signal);
    return [
      el('p', { class: 'score' }, t('card.score', { score: points(s.score) })),
      el('ul', { class: 'parts' }, s.parts.map((p, i) => el('li', { 'data-source': p.source },
        el('span', {}, scorePart(p)), ' ',
        el('strong', {}, p.mode === 'set' ? `= ${points(p.value)}` : `${i > 0 && p.value >= 0 ? '+' : ''}${points(p.value)}`)))),
      el('p', { class: 'muted' }, t('card.why_help')),
    ];
  }

  async function contacts(a, signal) {
    const list = await all(`/api/v1/contacts?account_id=${a.id}&limit=500`, signal);
    if (!list.length) return el('p', { class: 'muted' }, t('card.no_contacts'));
    return el('ul', { class: 'records' }, list.map((c) => el('li', {},
      el('strong', {}, c.name), c.title ? el('span', { class: 'muted' }, ` · ${c.title}`) : null,
      c.phone || c.email ? el('div', {},
        c.phone ? el('a', { href: `tel:${c.phone.replace(/[^+\d]/g, '')}` }, c.phone) : null,
        c.phone && c.email ? ' · ' : null,
        c.email ? el('a', { href: `mailto:${c.email}` }, c.email) : null) : null,
      (c.dates || []).map((d) => el('div', { class: 'muted' }, `${d.label} : ${date(d.date)}`)),
      c.notes ? el('p', { class: 'note' }, c.notes) : null)));
  }

  async function opportunities(a, signal) {
    const [list, stages] = await Promise.all([
      all(`/api/v1/opportunities?account_id=${a.id}&limit=500`, signal), shared('/api/v1/stages')]);
    if (!list.length) return el('p', { class: 'muted' }, t('card.no_opportunities'));
    const stage = (id) => stages.find((s) => s.id === id)?.name || `#${id}`;
    return el('ul', { class: 'records' }, list.map((o) => el('li', { class: `status-${o.status}` },
      el('strong', {}, o.name), ' ', el('span', { class: 'tag' }, stage(o.stage_id)),
      el('div', { class: 'muted' }, [euros(o.amount_cents), t(`status.${o.status}`),
        o.expected_close ? t('card.closes', { date: date(o.expected_close) }) : ''].filter(Boolean).join(' · ')))));
  }

  async function timeline(a, signal) {
    const list = await all(`/api/v1/activities?account_id=${a.id}&limit=500`, signal);
    if (!list.length) return el('p', { class: 'muted' }, t('card.no_activities'));
    list.sort((x, y) => Date.parse(y.start) - Date.parse(x.start));
    return el('ol', { class: 'timeline' }, list.map((v) => el('li', { class: v.done ? 'done' : 'planned' },
      el('div', { class: 'when' }, el('strong', {}, t(`type.${v.type}`)), ` · ${dayTime(v.start)} · `,
        el('span', { class: 'muted' }, t(v.done ? 'card.done' : 'card.planned'))),
      v.subject ? el('div', {}, v.subject) : null,
      v.report ? el('p', { class: 'report' }, v.report) : null)));
  }

  async function tasks(a, signal) {
    const list = await all(`/api/v1/tasks?account_id=${a.id}&limit=500`, signal);
    if (!list.length) return el('p', { class: 'muted' }, t('card.no_tasks'));
    const today = new Date().toISOString().slice(0, 10);
    return el('ul', { class: 'records' }, await Promise.all(list.map(async (k) => {
      const late = k.status === 'open' && k.due && k.due < today;
      return el('li', { class: `task-${k.status}` },
        el('strong', {}, k.title), ' ', el('span', { class: late ? 'tag late' : 'muted' },
          late ? t('card.overdue') : t(`task.${k.status}`)),
        el('div', { class: 'muted' }, [k.due ? t('card.due', { date: date(k.due) }) : '',
          t('card.assignee', { name: await userName(k.assignee_id) })].filter(Boolean).join(' · ')),
        k.notes ? el('p', { class: 'note' }, k.notes) : null);
    })));
  }

  // showForm puts the edit form in place of the details.
  function showForm(sec) {
    const a = account;
    const inputs = fields.map((f) => {
      const id = `card-f-${f.name.replace('.', '-')}`;
      const error = el('p', { class: 'field-error', id: `${id}-error`, hidden: true });
      const input = f.options
        ? el('select', { id, name: f.name }, f.options.map((o) => el('option', { value: o }, kindLabel[o] || o)))
        : el('input', { id, name: f.name, type: f.type || 'text', step: f.type === 'number' ? 'any' : null, required: f.required });
      input.value = String(f.get(a));
      input.dataset.field = f.name;
      return el('div', { class: 'field' }, el('label', { for: id }, t(`field.${f.name}`)), input, error);
    });
    const cancel = el('button', { type: 'button' }, t('card.cancel'));
    const formError = el('p', { class: 'error', role: 'alert', hidden: true });
    const form = el('form', { id: 'card-form', novalidate: true }, inputs, formError,
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, t('card.save')), cancel));
    cancel.addEventListener('click', () => showDetails(sec, account));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      save(form, formError);
    });
    sec.querySelector('.card-body').replaceChildren(form);
    form.querySelector('input').focus();
  }

  async function save(form, formError) {
    const a = account;
    for (const i of form.querySelectorAll('[aria-invalid]')) {
      i.removeAttribute('aria-invalid');
      i.removeAttribute('aria-describedby');
    }
    for (const p of form.querySelectorAll('.field-error')) p.hidden = true;
    formError.hidden = true;
    const body = { address: { ...a.address }, qualification: { ...a.qualification } };
    for (const f of fields) f.put(body, form.elements[f.name].value);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      account = await api('PATCH', `/api/v1/accounts/${a.id}`, body, ifMatch(a));
    } catch (err) {
      if (err.status === 412) {
        // Someone else's change came first: show it rather than overwrite it.
        await open(a.id, t('card.stale'));
        return;
      }
      const f = err.field && fieldFor(err.field);
      if (f) {
        const input = form.elements[f.name];
        const p = document.getElementById(`${input.id}-error`);
        p.textContent = err.message;
        p.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', p.id);
        input.focus();
      } else {
        formError.textContent = err.message;
        formError.hidden = false;
      }
      return;
    } finally {
      button.disabled = false;
    }
    await open(account.id, t('card.saved'));
  }

  box.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
  });

  return { open, close, current: () => account };
}
