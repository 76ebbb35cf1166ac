// Formatting for people: times in the organisation's zone (plan times
// arrive with an offset, booked activities in UTC), French numbers.

let timeFormat = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit' });

export function setTimeZone(zone) {
  try {
    timeFormat = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', timeZone: zone });
  } catch {
    // An unknown zone keeps the browser's: better than no times at all.
  }
}

export const clock = (t) => timeFormat.format(new Date(t));

// upToMinute rounds a time up to the whole minute. Plans are exact to the
// second but bookings take HH:MM: a visit booked at the truncated minute
// could start before the rep can be there.
export function upToMinute(t) {
  const d = new Date(t);
  if (d.getSeconds() || d.getMilliseconds()) d.setSeconds(60, 0);
  return d;
}

export function duration(seconds) {
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')}`;
}

export const km = (metres) => `${(metres / 1000).toLocaleString('fr-FR', { maximumFractionDigits: metres < 10000 ? 1 : 0 })} km`;

export const euros = (cents) => (cents / 100).toLocaleString('fr-FR', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });

export const points = (v) => v.toLocaleString('fr-FR', { maximumFractionDigits: 1 });

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
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

export const kindLabel = { client: 'Client', prospect: 'Prospect', former: 'Ancien client' };
