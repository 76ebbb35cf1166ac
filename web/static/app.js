// The map page. It uses only the public API, as a mobile client would.
import { api } from './api.js';
import { setTimeZone } from './format.js';
import { createMap } from './map.js';
import { createPlanner } from './planner.js';

async function start() {
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
