// Calls to the JSON API. Every failure becomes an ApiError carrying the
// API's own code, message and field, so that the page can show the user
// the same words a mobile client would. Requests name the page's language,
// in which the API writes the sentences meant for people.
import { lang, register, t } from './i18n.js';

register({
  fr: { 'api.network': 'Le serveur ne répond pas.', 'api.status': 'Erreur {status}' },
  en: { 'api.network': 'The server does not answer.', 'api.status': 'Error {status}' },
});

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || '';
  }
}

// api sends one request. options is an AbortSignal, or { signal, headers }
// for requests that need more (If-Match).
export async function api(method, path, body, options) {
  const { signal, headers = {} } = options instanceof AbortSignal ? { signal: options } : options || {};
  const init = { method, headers: { Accept: 'application/json', 'Accept-Language': lang, ...headers }, signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', t('api.network'), '');
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      // A proxy's HTML error page: fall through to the generic message.
    }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, e.code || 'http_' + res.status,
      e.message || t('api.status', { status: res.status }), e.field);
  }
  return data;
}

// all follows next_cursor until the last page of a list.
export async function all(path, signal) {
  const items = [];
  let cursor = '';
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', path + (cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''), undefined, signal);
    items.push(...page.items);
    if (!page.next_cursor) return items;
    cursor = page.next_cursor;
  }
}

// shared reads a list that changes seldom (stages, users) once per page
// load, for every module that needs it; a failure is forgotten, so that
// the next caller tries again.
const lists = new Map();
export function shared(path) {
  if (!lists.has(path)) {
    const p = all(path);
    p.catch(() => lists.delete(path));
    lists.set(path, p);
  }
  return lists.get(path);
}

// ifMatch is the header that makes a write apply to the version read.
export const ifMatch = (record) => ({ headers: { 'If-Match': `"${record.version}"` } });
