// The alert feed: the signed-in user's alerts, newest first, a page at a
// time, and the count of unread ones on the tab. Opening an alert's account
// marks it read, as reading it does.
import { api } from './api.js';
import { dayTime, el } from './format.js';
import { register, t } from './i18n.js';

register({
  fr: {
    'alerts.title': 'Alertes', 'alerts.unread_only': 'Non lues seulement', 'alerts.refresh': 'Actualiser',
    'alerts.more': 'Alertes plus anciennes', 'alerts.none': 'Aucune alerte.', 'alerts.none_unread': 'Aucune alerte non lue.',
    'alerts.open': 'Ouvrir la fiche', 'alerts.read': 'Marquer comme lue', 'alerts.is_read': 'lue le {date}',
    'alerts.count': '{n} alertes non lues',
  },
  en: {
    'alerts.title': 'Alerts', 'alerts.unread_only': 'Unread only', 'alerts.refresh': 'Refresh',
    'alerts.more': 'Older alerts', 'alerts.none': 'No alert.', 'alerts.none_unread': 'No unread alert.',
    'alerts.open': 'Open the card', 'alerts.read': 'Mark as read', 'alerts.is_read': 'read on {date}',
    'alerts.count': '{n} unread alerts',
  },
});

const pageSize = 20;
// The badge counts up to one page of unread alerts; past it, "99+".
const countLimit = 100;

export function createAlerts(section, { card }) {
  const badge = document.getElementById('alerts-count');
  const unreadOnly = el('input', { type: 'checkbox', id: 'alerts-unread' });
  const refresh = el('button', { type: 'button', id: 'alerts-refresh' }, t('alerts.refresh'));
  const status = el('p', { id: 'alerts-status', class: 'muted', role: 'status' });
  const list = el('ul', { id: 'alerts-list', class: 'alerts' });
  const more = el('button', { type: 'button', id: 'alerts-more', hidden: true }, t('alerts.more'));
  section.replaceChildren(el('h2', {}, t('alerts.title')),
    el('div', { class: 'actions' }, el('label', { class: 'check', for: 'alerts-unread' }, unreadOnly, ' ', t('alerts.unread_only')), refresh),
    status, list, more);

  let oldest = 0; // id of the last alert listed: the next page is before it

  async function load(append) {
    const q = new URLSearchParams({ limit: String(pageSize) });
    if (unreadOnly.checked) q.set('unread', 'true');
    if (append && oldest) q.set('before', String(oldest));
    let page;
    try {
      page = await api('GET', `/api/v1/alerts?${q}`);
    } catch (err) {
      status.textContent = err.message;
      return;
    }
    if (!append) list.replaceChildren();
    list.append(...page.items.map(item));
    if (page.items.length) oldest = page.items.at(-1).id;
    more.hidden = page.items.length < pageSize;
    status.textContent = list.children.length ? '' : t(unreadOnly.checked ? 'alerts.none_unread' : 'alerts.none');
    section.dataset.ready = 'true';
  }

  function item(a) {
    const li = el('li', { class: a.read_at ? 'alert' : 'alert unread', 'data-alert': String(a.id) },
      el('p', { class: 'alert-message' }, a.message),
      el('p', { class: 'muted' }, dayTime(a.created_at), a.read_at ? ` · ${t('alerts.is_read', { date: dayTime(a.read_at) })}` : ''));
    const actions = el('div', { class: 'actions' });
    if (a.account_id) {
      const open = el('button', { type: 'button', class: 'alert-open' }, t('alerts.open'));
      open.addEventListener('click', () => {
        card.open(a.account_id);
        if (!a.read_at) markRead(a, li);
      });
      actions.append(open);
    }
    if (!a.read_at) {
      const read = el('button', { type: 'button', class: 'alert-read' }, t('alerts.read'));
      read.addEventListener('click', () => markRead(a, li));
      actions.append(read);
    }
    li.append(actions);
    return li;
  }

  async function markRead(a, li) {
    try {
      const done = await api('POST', `/api/v1/alerts/${a.id}/read`);
      li.replaceWith(item(done));
    } catch (err) {
      status.textContent = err.message;
    }
    count();
  }

  // count shows the number of unread alerts on the tab.
  async function count() {
    try {
      const page = await api('GET', `/api/v1/alerts?unread=true&limit=${countLimit}`);
      const n = page.items.length;
      badge.textContent = n >= countLimit ? '99+' : String(n);
      badge.hidden = n === 0;
      badge.setAttribute('aria-label', t('alerts.count', { n: badge.textContent }));
    } catch {
      // The badge is a hint: without it the feed still says it all.
    }
  }

  unreadOnly.addEventListener('change', () => load(false));
  refresh.addEventListener('click', () => { load(false); count(); });
  more.addEventListener('click', () => load(true));
  count();
  // New alerts come from rules run on the server: look again now and then.
  setInterval(count, 60_000);

  return {
    show() { load(false); count(); },
    hide() {},
  };
}
