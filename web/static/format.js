// Formatting for people, in the page's language: times in the
// organisation's zone (plan times arrive with an offset, booked activities
// in UTC), numbers and money as the language writes them.
import { locale, register, t } from './i18n.js';

register({
  fr: {
    'kind.client': 'Client', 'kind.prospect': 'Prospect', 'kind.former': 'Ancien client',
    'dur.min': '{m} min', 'dur.hm': '{h} h {m}',
    'score.potential': 'potentiel', 'score.overdue': 'visite en retard', 'score.rule': 'règle « {rule} »',
  },
  en: {
    'kind.client': 'Client', 'kind.prospect': 'Prospect', 'kind.former': 'Former client',
    'dur.min': '{m} min', 'dur.hm': '{h} h {m}',
    'score.potential': 'potential', 'score.overdue': 'overdue visit', 'score.rule': 'rule “{rule}”',
  },
});

let zone; // the organisation's, once known; the browser's until then
const formats = {};

// format is a cached Intl.DateTimeFormat of options in the zone.
function format(name, options) {
  if (!formats[name]) formats[name] = new Intl.DateTimeFormat(locale, { ...options, timeZone: zone });
  return formats[name];
}

export function setTimeZone(z) {
  try {
    new Intl.DateTimeFormat(locale, { timeZone: z }); // throws on an unknown zone
  } catch {
    return; // an unknown zone keeps the browser's: better than no times at all
  }
  zone = z;
  for (const k of Object.keys(formats)) delete formats[k];
}

export const clock = (v) => format('clock', { hour: '2-digit', minute: '2-digit' }).format(new Date(v));

// day is the date of an instant, in the zone: "24 nov. 2026".
export const day = (v) => format('day', { day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(v));

export const dayTime = (v) => format('dayTime', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' })
  .format(new Date(v));

// date is a calendar date of the API ("2026-11-24"), which has no zone.
export function date(d) {
  if (!d) return '';
  const f = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  return f.format(new Date(`${d}T00:00:00Z`));
}

// upToMinute rounds a time up to the whole minute. Plans are exact to the
// second but bookings take HH:MM: a visit booked at the truncated minute
// could start before the rep can be there.
export function upToMinute(v) {
  const d = new Date(v);
  if (d.getSeconds() || d.getMilliseconds()) d.setSeconds(60, 0);
  return d;
}

export function duration(seconds) {
  const m = Math.round(seconds / 60);
  if (m < 60) return t('dur.min', { m });
  return t('dur.hm', { h: Math.floor(m / 60), m: String(m % 60).padStart(2, '0') });
}

export const km = (metres) => `${(metres / 1000).toLocaleString(locale, { maximumFractionDigits: metres < 10000 ? 1 : 0 })} km`;

export const euros = (cents) => (cents / 100).toLocaleString(locale, { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });

export const points = (v) => v.toLocaleString(locale, { maximumFractionDigits: 1 });

// scorePart names one part of a priority score (see the API's why).
export function scorePart(p) {
  if (p.source === 'rule') return t('score.rule', { rule: p.rule || `#${p.rule_id}` });
  return t(`score.${p.source}`);
}

// el builds an element with text children only: API strings never reach
// innerHTML.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === 'class') e.className = v;
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

export const kindLabel = { client: t('kind.client'), prospect: t('kind.prospect'), former: t('kind.former') };
