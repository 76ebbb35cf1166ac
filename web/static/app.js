// The map page. It uses only the public API, as a mobile client would.
import { api } from './api.js';
import { setTimeZone } from './format.js';
import { createMap } from './map.js';
import { createPlanner } from './planner.js';

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
          { email: form.email.value, password: form.password.value, name: 'Page carte' });
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
  createPlanner(mapView);
  document.body.dataset.ready = 'true';
}

start();
