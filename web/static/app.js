// The map page. It uses only the public API, as a mobile client would.
import { api } from './api.js';
import { createAccounts } from './accounts.js';
import { createAlerts } from './alerts.js';
import { createCard } from './card.js';
import { setTimeZone } from './format.js';
import { createMap } from './map.js';
import { createNearby } from './nearby.js';
import { createPipeline } from './pipeline.js';
import { createPlanner } from './planner.js';
import { createTerritories } from './territories.js';
import { lang, register, setLang, t, translate } from './i18n.js';
import { addView, allowTabs, currentView, startViews } from './views.js';

register({
  fr: {
    'nav.label': 'Vues', 'nav.plan': 'Planifier une tournée', 'nav.nearby': 'Autour de moi', 'nav.accounts': 'Comptes',
    'nav.pipeline': 'Pipeline', 'nav.alerts': 'Alertes', 'nav.territories': 'Territoires',
    'lang.switch': 'EN', 'lang.title': 'Switch to English',
    'signin.title': 'Connexion', 'signin.email': 'E-mail', 'signin.password': 'Mot de passe', 'signin.submit': 'Se connecter',
    'signin.session': 'Page carte', 'signout': 'Se déconnecter',
    'app.map': 'Carte des comptes et de la tournée',
  },
  en: {
    'nav.label': 'Views', 'nav.plan': 'Plan a trip', 'nav.nearby': 'Around me', 'nav.accounts': 'Accounts',
    'nav.pipeline': 'Pipeline', 'nav.alerts': 'Alerts', 'nav.territories': 'Territories',
    'lang.switch': 'FR', 'lang.title': 'Passer en français',
    'signin.title': 'Sign in', 'signin.email': 'E-mail', 'signin.password': 'Password', 'signin.submit': 'Sign in',
    'signin.session': 'Map page', 'signout': 'Sign out',
    'app.map': 'Map of the accounts and the trip',
  },
});

// signIn shows the sign-in form and resolves once the browser holds a
// session; the cookie is HttpOnly, so the page never sees the secret.
function signIn() {
  const section = document.getElementById('signin');
  const form = document.getElementById('signin-form');
  const error = document.getElementById('signin-error');
  section.hidden = false;
  document.body.dataset.signedIn = 'false';
  return new Promise((resolve) => {
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      try {
        const user = await api('POST', '/api/v1/auth/login',
          { email: form.email.value, password: form.password.value, name: t('signin.session') });
        form.password.value = '';
        section.hidden = true;
        resolve(user);
      } catch (err) {
        error.textContent = err.message;
      }
    });
  });
}

// whoAmI is the signed-in user, after signing in if need be.
async function whoAmI() {
  try {
    return await api('GET', '/api/v1/users/me');
  } catch (err) {
    if (err.status !== 401) throw err;
    return signIn();
  }
}

async function start() {
  translate();
  document.getElementById('lang').addEventListener('click', () => setLang(lang === 'fr' ? 'en' : 'fr'));
  const user = await whoAmI();
  document.body.dataset.signedIn = 'true';
  document.getElementById('who').textContent = user.name;
  const signout = document.getElementById('signout');
  signout.hidden = false;
  signout.addEventListener('click', async () => {
    try {
      await api('POST', '/api/v1/auth/logout');
    } catch (err) {
      console.warn('sign out:', err.message);
    }
    // Signed out on the server: nothing on the page may be used until the
    // next sign-in, which starts the page afresh.
    document.getElementById('who').textContent = '';
    signout.hidden = true;
    await signIn();
    window.location.reload();
  });

  let config = { tiles_url: '', tiles_attribution: '', time_zone: '' };
  try {
    config = await api('GET', '/api/v1/config');
  } catch (err) {
    // Without settings the map still works, on a plain background.
    console.warn('config:', err.message);
  }
  if (config.time_zone) setTimeZone(config.time_zone);
  const mapView = createMap(document.getElementById('map'), config);
  const card = createCard(document.getElementById('card'), mapView);
  const ctx = { user, config, mapView, card };
  const section = (name) => document.querySelector(`section[data-view="${name}"]`);

  // A view beside the map: the map may come back from behind a wide view
  // and must measure itself again; the card belongs to the view that
  // opened it.
  const beside = (v) => ({
    show() {
      mapView.map.invalidateSize();
      v.show();
    },
    hide() {
      card.close();
      v.hide();
    },
  });
  // Views in tab order; the first is shown when the address names none.
  const planner = createPlanner(mapView);
  addView('plan', beside(planner));
  addView('nearby', beside(createNearby(section('nearby'), ctx)));
  addView('accounts', beside(createAccounts(section('accounts'), ctx)));
  const pipeline = createPipeline(section('pipeline'), ctx);
  addView('pipeline', { show: pipeline.show, hide() { card.close(); pipeline.hide(); }, wide: true });
  addView('alerts', beside(createAlerts(section('alerts'), ctx)));
  addView('territories', beside(createTerritories(section('territories'), ctx)));
  // A click on an account of the map picks the appointment while planning,
  // and opens its card anywhere else.
  mapView.onAccountClick((id, latlng) => (currentView() === 'plan' ? planner.pick(id, latlng) : card.open(id)));
  allowTabs(user.role);
  // On a phone the tabs scroll sideways: keep the current one in sight.
  const showTab = () => document.querySelector('nav a[aria-current]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  window.addEventListener('hashchange', showTab);
  startViews();
  showTab();
  translate();
  document.body.dataset.ready = 'true';
}

start();
