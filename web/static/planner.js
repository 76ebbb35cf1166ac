// The trip planner panel: a rep, a date and an appointment in; the
// proposed day, its alternates, booking and the overnight comparison out.
import { api, all } from './api.js';
import { clock, day as dayOf, duration, el, euros, km, points, kindLabel, scorePart, upToMinute } from './format.js';
import { plural, register, t } from './i18n.js';

register({
  fr: {
    'plan.rep': 'Commercial', 'plan.loading': 'Chargement…', 'plan.date': 'Date', 'plan.start': 'Heure du rendez-vous',
    'plan.appt': 'Rendez-vous', 'plan.appt_placeholder': 'Nom du compte, ou cliquez sur la carte',
    'plan.submit': 'Planifier', 'plan.trip': 'Rester sur place ?', 'plan.day_title': 'Journée proposée',
    'plan.book': 'Réserver les visites cochées', 'plan.alternates': 'Écartés', 'plan.alternates_n': 'Écartés ({n})',
    'plan.trip_title': 'Rentrer ou rester ?',
    'plan.choose': 'Choisir…', 'plan.no_rep': 'Aucun commercial', 'plan.no_account': 'Aucun compte de ce nom',
    'plan.pick_appt': 'Choisissez le rendez-vous dans la liste ou sur la carte.',
    'plan.appt_first': 'Choisissez d\'abord le rendez-vous.',
    'plan.tick_one': 'Cochez au moins une visite.',
    'plan.booked.one': '{n} visite réservée :', 'plan.booked.many': '{n} visites réservées :',
    'plan.booked_tag': 'réservé',
    'plan.replan': 'Replanifiez pour voir la journée à jour.',
    'plan.suggested.one': '{n} visite proposée', 'plan.suggested.many': '{n} visites proposées',
    'plan.totals': '{km} · {driving} de route · {visits} (+{extraKm}, +{extraDriving}) · coût {cost}',
    'plan.alternate': 'score {score} · {reason}',
    'plan.leaves': 'départ {time}', 'plan.back': 'retour {time}',
    'plan.start_name': 'Départ', 'plan.end_name': 'Retour', 'plan.appt_name': 'Rendez-vous',
    'plan.seen': 'vu le {date}', 'plan.never': 'jamais visité', 'plan.none': 'aucun',
    'plan.visit': 'arrivée {arrival} · visite {start} – {end}',
    'plan.slot': 'créneau {from}–{to} · détour +{duration}, +{km}',
    'plan.why': 'score {score} ({parts}) · {kind} · potentiel {potential}/mois · {last}',
    'plan.same_day': 'Retour le soir même', 'plan.nights.one': '{n} nuit sur place', 'plan.nights.many': '{n} nuits sur place',
    'plan.show': 'Voir sur la carte', 'plan.recommended': 'Recommandé', 'plan.impossible': 'Impossible : {why}',
    'plan.visits': 'Visites', 'plan.value': 'Valeur', 'plan.distance': 'Distance', 'plan.driving': 'Route',
    'plan.cost': 'Coût', 'plan.net': 'Net', 'plan.pts': '{v} pts', 'plan.too_much': 'Trop de conduite sur une journée',
    'reason.closed': 'fermé ce jour-là', 'reason.unreachable': 'trop loin de la route', 'reason.no_value': 'rien à y gagner',
    'reason.no_time': 'plus de temps dans la journée', 'reason.limit': 'nombre de visites atteint',
    'reason.outside_corridor': 'hors du couloir de la route', 'reason.below_min_score': 'score trop bas',
    'reason.ranked_out': 'moins prioritaire que les visites retenues',
  },
  en: {
    'plan.rep': 'Rep', 'plan.loading': 'Loading…', 'plan.date': 'Date', 'plan.start': 'Appointment time',
    'plan.appt': 'Appointment', 'plan.appt_placeholder': 'Account name, or click on the map',
    'plan.submit': 'Plan', 'plan.trip': 'Stay overnight?', 'plan.day_title': 'Proposed day',
    'plan.book': 'Book the ticked visits', 'plan.alternates': 'Left out', 'plan.alternates_n': 'Left out ({n})',
    'plan.trip_title': 'Drive back or stay?',
    'plan.choose': 'Choose…', 'plan.no_rep': 'No rep', 'plan.no_account': 'No account of that name',
    'plan.pick_appt': 'Choose the appointment from the list or on the map.',
    'plan.appt_first': 'Choose the appointment first.',
    'plan.tick_one': 'Tick at least one visit.',
    'plan.booked.one': '{n} visit booked:', 'plan.booked.many': '{n} visits booked:',
    'plan.booked_tag': 'booked',
    'plan.replan': 'Plan again to see the day as it now is.',
    'plan.suggested.one': '{n} suggested visit', 'plan.suggested.many': '{n} suggested visits',
    'plan.totals': '{km} · {driving} driving · {visits} (+{extraKm}, +{extraDriving}) · cost {cost}',
    'plan.alternate': 'score {score} · {reason}',
    'plan.leaves': 'leaves {time}', 'plan.back': 'back {time}',
    'plan.start_name': 'Start', 'plan.end_name': 'Return', 'plan.appt_name': 'Appointment',
    'plan.seen': 'seen on {date}', 'plan.never': 'never visited', 'plan.none': 'none',
    'plan.visit': 'arrives {arrival} · visit {start} – {end}',
    'plan.slot': 'slot {from}–{to} · detour +{duration}, +{km}',
    'plan.why': 'score {score} ({parts}) · {kind} · potential {potential}/month · {last}',
    'plan.same_day': 'Back the same evening', 'plan.nights.one': '{n} night away', 'plan.nights.many': '{n} nights away',
    'plan.show': 'Show on the map', 'plan.recommended': 'Recommended', 'plan.impossible': 'Not possible: {why}',
    'plan.visits': 'Visits', 'plan.value': 'Value', 'plan.distance': 'Distance', 'plan.driving': 'Driving',
    'plan.cost': 'Cost', 'plan.net': 'Net', 'plan.pts': '{v} pts', 'plan.too_much': 'Too much driving in one day',
    'reason.closed': 'closed that day', 'reason.unreachable': 'too far from the route', 'reason.no_value': 'nothing to gain',
    'reason.no_time': 'no time left in the day', 'reason.limit': 'visit limit reached',
    'reason.outside_corridor': 'outside the route\'s corridor', 'reason.below_min_score': 'score too low',
    'reason.ranked_out': 'lower priority than the visits kept',
  },
});

// reason is why an account was left out, in the rep's words.
const reason = (r) => (r ? t(`reason.${r}`) : '');

// Request fields whose errors belong next to an input.
const fieldInputs = { rep_id: 'rep', date: 'date', 'appointments[0].start': 'start', 'appointments[0].account_id': 'appt' };

// createPlanner builds the planner in its section. It returns show and hide
// for its view, and pick, which offers a clicked account as the appointment.
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
  let drawn = null; // the plans on the map, drawn again when the view returns
  let showing = false;
  let centred = false; // the map has been brought to the rep once

  date.value = tomorrow();

  async function loadReps() {
    try {
      reps = await all('/api/v1/users?role=rep&limit=500');
    } catch (err) {
      showError(err);
      return;
    }
    rep.replaceChildren(el('option', { value: '' }, reps.length ? t('plan.choose') : t('plan.no_rep')),
      ...reps.map((u) => el('option', { value: String(u.id) }, u.name || u.email)));
    if (reps.length === 1) {
      rep.value = String(reps[0].id);
      // The map is the other views' too: move it only for the planner.
      if (showing) centreOnRep();
    }
  }

  function centreOnRep() {
    const u = reps.find((r) => String(r.id) === rep.value);
    if (u && u.home) mapView.centre(u.home.lat, u.home.lng);
    centred = true;
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
    if (page.items.length === 0) results.replaceChildren(el('li', { class: 'muted' }, t('plan.no_account')));
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

  function draw(plans) {
    drawn = plans;
    mapView.drawDays(plans);
  }

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
        throw Object.assign(new Error(t('plan.pick_appt')), { field: 'appointments[0].account_id' });
      }
      plan = await api('POST', '/api/v1/plans/day', planRequest);
      trip.hidden = true;
      showDay(plan);
      draw([plan]);
    });
  });

  $('trip').addEventListener('click', async () => {
    await busy($('trip'), async () => {
      if (!chosen) {
        throw Object.assign(new Error(t('plan.appt_first')), { field: 'appointments[0].account_id' });
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
      box.replaceChildren(el('p', {}, t('plan.tick_one')));
      return;
    }
    await busy($('book'), async () => {
      const { rep_id, date: d } = planRequest;
      try {
        const res = await api('POST', '/api/v1/plans/book', { rep_id, date: d, visits });
        box.className = 'booked ok';
        box.replaceChildren(el('p', {}, plural('plan.booked', res.items.length)),
          el('ul', {}, res.items.map((a) => el('li', {}, `${clock(a.start)} – ${clock(a.end)} · ${a.subject}`))));
        for (const c of day.querySelectorAll('input[type=checkbox]:checked')) {
          c.checked = false;
          c.disabled = true;
          c.closest('li').classList.add('is-booked');
          c.closest('label').append(' ', el('span', { class: 'booked-tag' }, t('plan.booked_tag')));
        }
      } catch (err) {
        if (err.status !== 409) throw err;
        // Someone else's booking or a new activity: the plan is stale.
        box.className = 'booked conflict';
        box.replaceChildren(el('p', {}, err.message), el('p', { class: 'muted' }, t('plan.replan')));
      }
      box.hidden = false;
    });
  });

  function showDay(p) {
    const tot = p.totals;
    $('totals').textContent = t('plan.totals', {
      km: km(tot.distance_m), driving: duration(tot.driving_s), visits: plural('plan.suggested', tot.suggestions),
      extraKm: km(tot.extra_distance_m), extraDriving: duration(tot.extra_driving_s), cost: euros(tot.cost_cents),
    });
    let n = 0;
    const times = bookingTimes(p.stops, null);
    $('stops').replaceChildren(...p.stops.map((s) => stopItem(s, s.type === 'suggestion' ? ++n : 0, times)));
    const alts = $('alternates');
    alts.querySelector('summary').textContent = t('plan.alternates_n', { n: p.alternates.length });
    alts.querySelector('ul').replaceChildren(...p.alternates.map((a) =>
      el('li', {}, el('span', {}, a.name), ' ', el('span', { class: 'muted' },
        t('plan.alternate', { score: points(a.score), reason: reason(a.reason) })))));
    alts.hidden = p.alternates.length === 0;
    $('book').disabled = n === 0;
    $('booked').hidden = true;
    day.hidden = false;
  }

  function stopItem(s, n, times) {
    const at = s.type === 'start' ? t('plan.leaves', { time: clock(s.start) }) : s.type === 'end' ? t('plan.back', { time: clock(s.arrival) })
      : `${clock(s.start)} – ${clock(s.end)}`;
    const name = s.name || t(s.type === 'start' ? 'plan.start_name' : s.type === 'end' ? 'plan.end_name' : 'plan.appt_name');
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
      .map((x) => `${scorePart(x)} ${points(x.value)}`).join(', ');
    const last = why.last_visit_at ? t('plan.seen', { date: dayOf(why.last_visit_at) }) : t('plan.never');
    return el('li', { class: 'stop-row suggestion' },
      el('span', { class: 'badge' }, String(n)),
      el('div', {},
        el('label', { for: id },
          el('input', { type: 'checkbox', id, checked: true, 'data-account': String(s.account_id) }),
          ' ', el('strong', {}, s.name)),
        el('div', {}, t('plan.visit', { arrival: clock(s.arrival), start: clock(begin), end: clock(end) })),
        el('div', { class: 'muted' }, t('plan.slot', { from: clock(upToMinute(s.slot.earliest)), to: clock(s.slot.latest),
          duration: duration(s.detour_s), km: km(s.detour_m) })),
        el('div', { class: 'muted' }, t('plan.why', { score: points(why.score), parts: parts || t('plan.none'),
          kind: kindLabel[why.kind] || why.kind, potential: euros(why.potential_cents), last }))));
  }

  function showTrip(out) {
    // The API's sentence starts with the option's name, in lower case.
    $('trip-why').textContent = out.why.charAt(0).toUpperCase() + out.why.slice(1);
    $('trip-options').replaceChildren(...out.options.map((o, i) => {
      const c = o.costing;
      const title = o.nights === 0 ? t('plan.same_day') : plural('plan.nights', o.nights);
      const show = el('button', { type: 'button' }, t('plan.show'));
      show.addEventListener('click', () => draw(o.plans));
      return el('article', { class: i === out.recommended ? 'option recommended' : 'option' },
        el('h3', {}, title, i === out.recommended ? el('span', { class: 'tag' }, t('plan.recommended')) : null),
        o.infeasible ? el('p', { class: 'error' }, t('plan.impossible', { why: o.infeasible })) : null,
        o.infeasible ? null : el('dl', {},
          el('dt', {}, t('plan.visits')), el('dd', {}, String(c.visits)),
          el('dt', {}, t('plan.value')), el('dd', {}, t('plan.pts', { v: points(c.value) })),
          el('dt', {}, t('plan.distance')), el('dd', {}, km(c.distance_m)),
          el('dt', {}, t('plan.driving')), el('dd', {}, duration(c.driving_s)),
          el('dt', {}, t('plan.cost')), el('dd', {}, euros(c.cost_cents)),
          el('dt', {}, t('plan.net')), el('dd', {}, euros(c.net_cents))),
        o.too_much_driving ? el('p', { class: 'warn' }, t('plan.too_much')) : null,
        o.plans.length ? show : null);
    }));
    // The recommended way is the answer to the question: show it.
    if (out.recommended >= 0) draw(out.options[out.recommended].plans);
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

  return {
    // The route is the planner's: it shows with the planner only.
    show() {
      showing = true;
      if (drawn) mapView.drawDays(drawn);
      else if (!centred && rep.value) centreOnRep();
    },
    hide() {
      showing = false;
      mapView.clearRoute();
    },
    pick(id, latlng) { mapView.popup(id, latlng, choose); },
  };
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
