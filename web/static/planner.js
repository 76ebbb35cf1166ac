// The trip planner panel: a rep, a date and an appointment in; the
// proposed day, its alternates, booking and the overnight comparison out.
import { api, all } from './api.js';
import { clock, duration, el, euros, km, points, kindLabel, upToMinute } from './format.js';

// Why an account was left out, in the rep's words.
const reasons = {
  closed: 'fermé ce jour-là',
  unreachable: 'trop loin de la route',
  no_value: 'rien à y gagner',
  no_time: 'plus de temps dans la journée',
  limit: 'nombre de visites atteint',
  outside_corridor: 'hors du couloir de la route',
  below_min_score: 'score trop bas',
  ranked_out: 'moins prioritaire que les visites retenues',
};

const scoreParts = { potential: 'potentiel', overdue: 'visite en retard' };

// Request fields whose errors belong next to an input.
const fieldInputs = { rep_id: 'rep', date: 'date', 'appointments[0].start': 'start', 'appointments[0].account_id': 'appt' };

export function createPlanner(mapView) {
  const $ = (id) => document.getElementById(id);
  const form = $('plan-form');
  const rep = $('rep');
  const date = $('date');
  const start = $('start');
  const appt = $('appt');
  const results = $('appt-results');
  const errorBox = $('error');
  const day = $('day');
  const trip = $('trip-result');

  let reps = [];
  let chosen = null; // the appointment's account: {id, name, lat, lng}
  let plan = null; // the last day plan, with the request that made it
  let planRequest = null;

  date.value = tomorrow();

  async function loadReps() {
    try {
      reps = await all('/api/v1/users?role=rep&limit=500');
    } catch (err) {
      showError(err);
      return;
    }
    rep.replaceChildren(el('option', { value: '' }, reps.length ? 'Choisir…' : 'Aucun commercial'),
      ...reps.map((u) => el('option', { value: String(u.id) }, u.name || u.email)));
    if (reps.length === 1) {
      rep.value = String(reps[0].id);
      centreOnRep();
    }
  }

  function centreOnRep() {
    const u = reps.find((r) => String(r.id) === rep.value);
    if (u && u.home) mapView.centre(u.home.lat, u.home.lng);
  }
  rep.addEventListener('change', centreOnRep);

  // Appointment search by name prefix, as the user types.
  let typing = 0;
  let searching = null;
  appt.addEventListener('input', () => {
    chosen = null;
    clearTimeout(typing);
    typing = setTimeout(searchAccounts, 200);
  });
  appt.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeResults();
    if (e.key === 'ArrowDown' && !results.hidden) {
      e.preventDefault();
      results.querySelector('button')?.focus();
    }
  });

  async function searchAccounts() {
    const text = appt.value.trim();
    if (text.length < 2) return closeResults();
    if (searching) searching.abort();
    searching = new AbortController();
    let page;
    try {
      page = await api('GET', `/api/v1/accounts?q=${encodeURIComponent(text)}&limit=8`, undefined, searching.signal);
    } catch (err) {
      if (err.name !== 'AbortError') showError(err);
      return;
    }
    results.replaceChildren(...page.items.map((a) => {
      const b = el('button', { type: 'button', role: 'option' },
        el('strong', {}, a.name), ' ', el('span', { class: 'muted' }, kindLabel[a.kind] || a.kind,
          a.address && a.address.city ? ` · ${a.address.city}` : ''));
      b.addEventListener('click', () => choose(a));
      return el('li', {}, b);
    }));
    if (page.items.length === 0) results.replaceChildren(el('li', { class: 'muted' }, 'Aucun compte de ce nom'));
    results.hidden = false;
    appt.setAttribute('aria-expanded', 'true');
  }

  function closeResults() {
    results.hidden = true;
    appt.setAttribute('aria-expanded', 'false');
  }

  function choose(a) {
    chosen = { id: a.id, name: a.name, lat: a.lat, lng: a.lng };
    appt.value = a.name;
    appt.removeAttribute('aria-invalid');
    closeResults();
  }

  mapView.onAccountClick((id, latlng) => mapView.popup(id, latlng, choose));

  function request() {
    const body = { rep_id: Number(rep.value) || 0, date: date.value, appointments: [] };
    if (chosen) body.appointments.push({ account_id: chosen.id, start: start.value });
    return body;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    planRequest = request();
    await busy($('plan'), async () => {
      if (appt.value.trim() && !chosen) {
        throw Object.assign(new Error('Choisissez le rendez-vous dans la liste ou sur la carte.'), { field: 'appointments[0].account_id' });
      }
      plan = await api('POST', '/api/v1/plans/day', planRequest);
      trip.hidden = true;
      showDay(plan);
      mapView.drawDays([plan]);
    });
  });

  $('trip').addEventListener('click', async () => {
    await busy($('trip'), async () => {
      if (!chosen) {
        throw Object.assign(new Error('Choisissez d\'abord le rendez-vous.'), { field: 'appointments[0].account_id' });
      }
      const out = await api('POST', '/api/v1/plans/trip', request());
      showTrip(out);
    });
  });

  $('book').addEventListener('click', async () => {
    const picked = new Set([...day.querySelectorAll('input[type=checkbox]:checked')].map((box) => Number(box.dataset.account)));
    const times = bookingTimes(plan.stops, picked);
    const visits = [...picked].map((id) => ({ account_id: id, start: clock(times.get(id)) }));
    const box = $('booked');
    if (visits.length === 0) {
      box.hidden = false;
      box.replaceChildren(el('p', {}, 'Cochez au moins une visite.'));
      return;
    }
    await busy($('book'), async () => {
      const { rep_id, date: d } = planRequest;
      try {
        const res = await api('POST', '/api/v1/plans/book', { rep_id, date: d, visits });
        box.className = 'booked ok';
        box.replaceChildren(el('p', {}, `${res.items.length} visite${res.items.length > 1 ? 's' : ''} réservée${res.items.length > 1 ? 's' : ''} :`),
          el('ul', {}, res.items.map((a) => el('li', {}, `${clock(a.start)} – ${clock(a.end)} · ${a.subject}`))));
        for (const c of day.querySelectorAll('input[type=checkbox]:checked')) {
          c.checked = false;
          c.disabled = true;
          c.closest('li').classList.add('is-booked');
        }
      } catch (err) {
        if (err.status !== 409) throw err;
        // Someone else's booking or a new activity: the plan is stale.
        box.className = 'booked conflict';
        box.replaceChildren(el('p', {}, err.message), el('p', { class: 'muted' }, 'Replanifiez pour voir la journée à jour.'));
      }
      box.hidden = false;
    });
  });

  function showDay(p) {
    const t = p.totals;
    $('totals').textContent = `${km(t.distance_m)} · ${duration(t.driving_s)} de route · ` +
      `${t.suggestions} visite${t.suggestions > 1 ? 's' : ''} proposée${t.suggestions > 1 ? 's' : ''} ` +
      `(+${km(t.extra_distance_m)}, +${duration(t.extra_driving_s)}) · coût ${euros(t.cost_cents)}`;
    let n = 0;
    const times = bookingTimes(p.stops, null);
    $('stops').replaceChildren(...p.stops.map((s) => stopItem(s, s.type === 'suggestion' ? ++n : 0, times)));
    const alts = $('alternates');
    alts.querySelector('summary').textContent = `Écartés (${p.alternates.length})`;
    alts.querySelector('ul').replaceChildren(...p.alternates.map((a) =>
      el('li', {}, el('span', {}, a.name), ' ', el('span', { class: 'muted' },
        `score ${points(a.score)} · ${reasons[a.reason] || a.reason}`))));
    alts.hidden = p.alternates.length === 0;
    $('book').disabled = n === 0;
    $('booked').hidden = true;
    day.hidden = false;
  }

  function stopItem(s, n, times) {
    const at = s.type === 'start' ? `départ ${clock(s.start)}` : s.type === 'end' ? `retour ${clock(s.arrival)}`
      : `${clock(s.start)} – ${clock(s.end)}`;
    const name = s.name || (s.type === 'start' ? 'Départ' : s.type === 'end' ? 'Retour' : 'Rendez-vous');
    if (s.type !== 'suggestion') {
      return el('li', { class: `stop-row ${s.type}` },
        el('span', { class: 'badge' }, s.type === 'appointment' ? '★' : '⌂'),
        el('div', {}, el('strong', {}, name), el('div', { class: 'muted' }, at)));
    }
    const id = `visit-${s.account_id}`;
    const begin = times.get(s.account_id);
    const end = new Date(begin.getTime() + (Date.parse(s.end) - Date.parse(s.start)));
    const why = s.why;
    const parts = why.parts.filter((x) => x.value > 0)
      .map((x) => `${scoreParts[x.source] || x.source} ${points(x.value)}`).join(', ');
    const last = why.last_visit_at ? `vu le ${new Date(why.last_visit_at).toLocaleDateString('fr-FR')}` : 'jamais visité';
    return el('li', { class: 'stop-row suggestion' },
      el('span', { class: 'badge' }, String(n)),
      el('div', {},
        el('label', { for: id },
          el('input', { type: 'checkbox', id, checked: true, 'data-account': String(s.account_id) }),
          ' ', el('strong', {}, s.name)),
        el('div', {}, `arrivée ${clock(s.arrival)} · visite ${clock(begin)} – ${clock(end)}`),
        el('div', { class: 'muted' }, `créneau ${clock(upToMinute(s.slot.earliest))}–${clock(s.slot.latest)} · ` +
          `détour +${duration(s.detour_s)}, +${km(s.detour_m)}`),
        el('div', { class: 'muted' }, `score ${points(why.score)} (${parts || 'aucun'}) · ${kindLabel[why.kind] || why.kind} · ` +
          `potentiel ${euros(why.potential_cents)}/mois · ${last}`)));
  }

  function showTrip(out) {
    $('trip-why').textContent = out.why;
    $('trip-options').replaceChildren(...out.options.map((o, i) => {
      const c = o.costing;
      const title = o.nights === 0 ? 'Retour le soir même' : `${o.nights} nuit${o.nights > 1 ? 's' : ''} sur place`;
      const show = el('button', { type: 'button' }, 'Voir sur la carte');
      show.addEventListener('click', () => mapView.drawDays(o.plans));
      return el('article', { class: i === out.recommended ? 'option recommended' : 'option' },
        el('h3', {}, title, i === out.recommended ? el('span', { class: 'tag' }, 'Recommandé') : null),
        o.infeasible ? el('p', { class: 'error' }, `Impossible : ${o.infeasible}`) : null,
        o.infeasible ? null : el('dl', {},
          el('dt', {}, 'Visites'), el('dd', {}, String(c.visits)),
          el('dt', {}, 'Valeur'), el('dd', {}, `${points(c.value)} pts`),
          el('dt', {}, 'Distance'), el('dd', {}, km(c.distance_m)),
          el('dt', {}, 'Route'), el('dd', {}, duration(c.driving_s)),
          el('dt', {}, 'Coût'), el('dd', {}, euros(c.cost_cents)),
          el('dt', {}, 'Net'), el('dd', {}, euros(c.net_cents))),
        o.too_much_driving ? el('p', { class: 'warn' }, 'Trop de conduite sur une journée') : null,
        o.plans.length ? show : null);
    }));
    // The recommended way is the answer to the question: show it.
    if (out.recommended >= 0) mapView.drawDays(out.options[out.recommended].plans);
    trip.hidden = false;
    trip.scrollIntoView({ block: 'nearest' });
  }

  // busy disables button while fn runs and shows fn's API errors.
  async function busy(button, fn) {
    clearError();
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      await fn();
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  function showError(err) {
    errorBox.textContent = err.message || String(err);
    errorBox.hidden = false;
    const input = fieldInputs[err.field];
    if (input) {
      $(input).setAttribute('aria-invalid', 'true');
      $(input).focus();
    }
  }

  function clearError() {
    errorBox.hidden = true;
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  }

  loadReps();
}

// bookingTimes gives the start to book for each suggestion in picked (all
// when null). Plans are exact to the second and bookings take HH:MM, so each
// start is rounded up to the minute; the minutes a visit gains push the
// visits that follow it without waiting, up to the next fixed appointment.
function bookingTimes(stops, picked) {
  const out = new Map();
  let delay = 0; // ms later than planned the rep leaves the last stop
  for (const s of stops) {
    if (s.type !== 'suggestion') {
      delay = 0; // appointments do not move; the plan left them the slack
      continue;
    }
    if (picked && !picked.has(s.account_id)) continue;
    const planned = Date.parse(s.start);
    const start = upToMinute(planned + Math.max(0, delay - s.wait_s * 1000));
    out.set(s.account_id, start);
    delay = start.getTime() - planned;
  }
  return out;
}

function tomorrow() {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
