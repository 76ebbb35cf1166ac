// The territory editor, for managers and admins: the territories of a
// layer on the map, coloured by a balance measure, their figures in a
// table, the accounts that nobody holds, and Leaflet-Geoman's tools to
// draw, reshape, cut and delete a territory. Every change shows what it
// would reassign (the API's preview) before it is saved.
import { api, ifMatch, shared } from './api.js';
import { el, euros } from './format.js';
import { lang, locale, plural, register, t } from './i18n.js';

register({
  fr: {
    'ter.title': 'Territoires',
    'ter.layer': 'Couche',
    'ter.newLayer': 'Nouvelle couche…',
    'ter.newLayerName': 'Nom de la nouvelle couche',
    'ter.newLayerOk': 'Créer',
    'ter.defaultLayer': 'ventes',
    'ter.measure': 'Couleurs selon',
    'ter.m.accounts': 'Comptes',
    'ter.m.potential': 'Potentiel (€/mois)',
    'ter.m.workload': 'Charge de visite (h/mois)',
    'ter.hours': '{n} h',
    'ter.unassigned.one': '{n} compte non affecté dans cette couche',
    'ter.unassigned.many': '{n} comptes non affectés dans cette couche',
    'ter.showUnassigned': 'Montrer les non affectés',
    'ter.showAccounts': 'Montrer tous les comptes',
    'ter.draw': 'Dessiner un territoire',
    'ter.hint': 'Dessinez un polygone (outils en haut à gauche de la carte), ou choisissez un territoire sur la carte ou dans le tableau pour le modifier, le découper ou le supprimer.',
    'ter.new': 'Nouveau territoire',
    'ter.edit': 'Modifier « {name} »',
    'ter.name': 'Nom',
    'ter.priority': 'Priorité',
    'ter.priorityHelp': 'Là où des territoires se chevauchent, le plus prioritaire l’emporte.',
    'ter.assignee': 'Commercial',
    'ter.nobody': 'personne',
    'ter.none': 'Aucun',
    'ter.save': 'Enregistrer',
    'ter.cancel': 'Annuler',
    'ter.delete': 'Supprimer',
    'ter.confirm': 'Supprimer « {name} » ? Ses comptes passent au territoire voisin qui les couvre, ou à personne (détail ci-dessous).',
    'ter.confirmYes': 'Supprimer le territoire',
    'ter.confirmNo': 'Garder',
    'ter.unsaved': 'Enregistrez ou annulez d’abord les changements en cours.',
    'ter.saved': '« {name} » enregistré.',
    'ter.deleted': '« {name} » supprimé.',
    'ter.stale': 'Ce territoire a été modifié entre-temps : rechargez la page.',
    'ter.previewing': 'Calcul des changements…',
    'ter.after.one': 'Une fois enregistré : {n} compte dans ce territoire.',
    'ter.after.many': 'Une fois enregistré : {n} comptes dans ce territoire.',
    'ter.gained': '+{n} gagnés',
    'ter.lost': '−{n} perdus',
    'ter.moves': 'Changent de commercial :',
    'ter.move': '{n} de {from} à {to}',
    'ter.noMove': 'Aucun compte ne change de commercial.',
    'ter.moreMoves': '… et {n} autres mouvements',
    'ter.overlaps': 'Chevauche : {names} (la priorité départage).',
    'ter.col.name': 'Territoire',
    'ter.col.accounts': 'Comptes',
    'ter.col.potential': 'Potentiel',
    'ter.col.workload': 'Charge',
    'ter.outside': 'Hors territoire',
    'ter.empty': 'Aucun territoire dans cette couche : dessinez le premier.',
    'ter.legendUnassigned': 'compte non affecté',
    'ter.legendNone': 'sans comptes',
  },
  en: {
    'ter.title': 'Territories',
    'ter.layer': 'Layer',
    'ter.newLayer': 'New layer…',
    'ter.newLayerName': 'Name of the new layer',
    'ter.newLayerOk': 'Create',
    'ter.defaultLayer': 'sales',
    'ter.measure': 'Colour by',
    'ter.m.accounts': 'Accounts',
    'ter.m.potential': 'Potential (€/month)',
    'ter.m.workload': 'Visit workload (h/month)',
    'ter.hours': '{n} h',
    'ter.unassigned.one': '{n} account unassigned in this layer',
    'ter.unassigned.many': '{n} accounts unassigned in this layer',
    'ter.showUnassigned': 'Show unassigned',
    'ter.showAccounts': 'Show all accounts',
    'ter.draw': 'Draw a territory',
    'ter.hint': 'Draw a polygon (tools at the top left of the map), or pick a territory on the map or in the table to reshape, cut or delete it.',
    'ter.new': 'New territory',
    'ter.edit': 'Edit “{name}”',
    'ter.name': 'Name',
    'ter.priority': 'Priority',
    'ter.priorityHelp': 'Where territories overlap, the higher priority wins.',
    'ter.assignee': 'Rep',
    'ter.nobody': 'nobody',
    'ter.none': 'None',
    'ter.save': 'Save',
    'ter.cancel': 'Cancel',
    'ter.delete': 'Delete',
    'ter.confirm': 'Delete “{name}”? Its accounts go to the neighbouring territory that covers them, or to nobody (details below).',
    'ter.confirmYes': 'Delete the territory',
    'ter.confirmNo': 'Keep',
    'ter.unsaved': 'Save or cancel the changes under way first.',
    'ter.saved': '“{name}” saved.',
    'ter.deleted': '“{name}” deleted.',
    'ter.stale': 'This territory changed meanwhile: reload the page.',
    'ter.previewing': 'Working out the changes…',
    'ter.after.one': 'Once saved: {n} account in this territory.',
    'ter.after.many': 'Once saved: {n} accounts in this territory.',
    'ter.gained': '+{n} gained',
    'ter.lost': '−{n} lost',
    'ter.moves': 'Changing rep:',
    'ter.move': '{n} from {from} to {to}',
    'ter.noMove': 'No account changes rep.',
    'ter.moreMoves': '… and {n} other moves',
    'ter.overlaps': 'Overlaps: {names} (priority decides).',
    'ter.col.name': 'Territory',
    'ter.col.accounts': 'Accounts',
    'ter.col.potential': 'Potential',
    'ter.col.workload': 'Workload',
    'ter.outside': 'Outside territories',
    'ter.empty': 'No territory in this layer yet: draw the first one.',
    'ter.legendUnassigned': 'unassigned account',
    'ter.legendNone': 'no accounts',
  },
});

const L = window.L;

// The balance measures: how to read one from a territory's figures, and
// how to write it.
const measures = {
  accounts: { of: (s) => s.accounts, show: (v) => v.toLocaleString(locale) },
  potential: { of: (s) => s.potential_cents, show: (v) => euros(v) },
  workload: { of: (s) => s.workload_hours, show: (v) => t('ter.hours', { n: Math.round(v).toLocaleString(locale) }) },
};

// Five classes, light to dark (the darker steps of ColorBrewer's BuPu, so
// that the lightest still reads as filled): apart from the kinds' green,
// orange and grey and from the route's blue. Path colours are SVG
// attributes, which the page's CSP allows; no stylesheet can set them per
// territory.
const scale = ['#bfd3e6', '#9ebcda', '#8c96c6', '#8856a7', '#810f7c'];
const emptyFill = '#ffffff';
const outline = '#4d2a6b';
const selectedOutline = '#d9822b';

// The unassigned accounts of a view, at most.
const maxUnassigned = 5000;

export function createTerritories(section, { mapView, card }) {
  const map = mapView.map;
  let built = false;
  let active = false;

  const state = {
    layers: [], // layer names, sorted
    layer: '',
    measure: 'accounts',
    features: [], // the layer's territories as GeoJSON features
    stats: { territories: [], unassigned: 0 },
    users: new Map(), // id → name, for assignees and moves
    reps: [],
    // The territory in the form: { id (0 when new), version, name,
    // priority, assignee_id, geometry, dirty }.
    selected: null,
  };

  // Map layers, made once and added while the view shows.
  const group = L.featureGroup();
  let draft = null; // the selected territory's polygon, the only editable one
  map.createPane('unassigned');
  const unassignedPane = map.getPane('unassigned');
  // Above the territories, below the accounts' markers; the dots are
  // information, not targets: clicks go through to what lies beneath.
  unassignedPane.style.zIndex = 450;
  unassignedPane.style.pointerEvents = 'none';
  const unassigned = L.layerGroup();
  const dots = L.canvas({ pane: 'unassigned' });
  const legend = L.control({ position: 'bottomright' });
  const legendBox = el('div', { class: 'legend ter-legend', id: 'ter-legend' });
  legend.onAdd = () => legendBox;

  // The panel's elements.
  const layerSelect = el('select', { id: 'ter-layer' });
  const newLayerName = el('input', { id: 'ter-new-layer', autocomplete: 'off', 'aria-label': t('ter.newLayerName'), placeholder: t('ter.newLayerName') });
  const newLayerOk = el('button', { type: 'button' }, t('ter.newLayerOk'));
  const newLayerRow = el('div', { class: 'ter-new-layer', hidden: true }, newLayerName, newLayerOk);
  const layerError = el('p', { class: 'field-error', id: 'ter-layer-error', hidden: true });
  const measureSelect = el('select', { id: 'ter-measure' },
    Object.keys(measures).map((m) => el('option', { value: m }, t(`ter.m.${m}`))));
  const unassignedCount = el('p', { id: 'ter-unassigned', class: 'ter-unassigned' });
  const showUnassigned = el('input', { type: 'checkbox', id: 'ter-show-unassigned', checked: true });
  // The accounts' clusters would hide the balance colours: off at first.
  const showAccounts = el('input', { type: 'checkbox', id: 'ter-show-accounts', checked: false });
  const drawButton = el('button', { type: 'button', id: 'ter-draw', class: 'primary' }, t('ter.draw'));
  const start = el('div', { class: 'ter-start' },
    el('div', { class: 'actions' }, drawButton),
    el('p', { class: 'muted', id: 'ter-hint' }, t('ter.hint')));
  const status = el('p', { id: 'ter-status', class: 'ter-status', role: 'status', hidden: true });

  const formTitle = el('h3', { id: 'ter-form-title' });
  const nameInput = el('input', { id: 'ter-name', name: 'name', autocomplete: 'off', required: true });
  const priorityInput = el('input', { id: 'ter-priority', name: 'priority', type: 'number', step: '1', value: '0' });
  const assigneeSelect = el('select', { id: 'ter-assignee', name: 'assignee_id' });
  const fieldErrors = {
    name: el('p', { class: 'field-error', id: 'ter-name-error', hidden: true }),
    priority: el('p', { class: 'field-error', id: 'ter-priority-error', hidden: true }),
    assignee_id: el('p', { class: 'field-error', id: 'ter-assignee-error', hidden: true }),
  };
  const fieldInputs = { name: nameInput, priority: priorityInput, assignee_id: assigneeSelect };
  const geometryError = el('p', { class: 'error', id: 'ter-geometry-error', role: 'alert', hidden: true });
  const preview = el('div', { id: 'ter-preview', class: 'ter-preview', 'aria-live': 'polite' });
  const saveButton = el('button', { type: 'submit', id: 'ter-save', class: 'primary' }, t('ter.save'));
  const cancelButton = el('button', { type: 'button', id: 'ter-cancel' }, t('ter.cancel'));
  const deleteButton = el('button', { type: 'button', id: 'ter-delete', class: 'danger' }, t('ter.delete'));
  const confirmText = el('p');
  const confirmYes = el('button', { type: 'button', id: 'ter-confirm-yes', class: 'danger' }, t('ter.confirmYes'));
  const confirmNo = el('button', { type: 'button', id: 'ter-confirm-no' }, t('ter.confirmNo'));
  const confirmBox = el('div', { id: 'ter-confirm', class: 'ter-confirm', role: 'alertdialog', hidden: true },
    confirmText, el('div', { class: 'actions' }, confirmYes, confirmNo));
  const form = el('form', { id: 'ter-form', class: 'ter-form', novalidate: true, hidden: true },
    formTitle,
    el('label', { for: 'ter-name' }, t('ter.name')), nameInput, fieldErrors.name,
    el('div', { class: 'row' },
      el('div', {}, el('label', { for: 'ter-priority' }, t('ter.priority')), priorityInput),
      el('div', {}, el('label', { for: 'ter-assignee' }, t('ter.assignee')), assigneeSelect)),
    fieldErrors.priority, fieldErrors.assignee_id,
    el('p', { class: 'muted' }, t('ter.priorityHelp')),
    geometryError,
    preview,
    el('div', { class: 'actions' }, saveButton, cancelButton, deleteButton),
    confirmBox);
  const table = el('table', { id: 'ter-table', class: 'ter-table' });

  function build() {
    section.replaceChildren(
      el('h2', {}, t('ter.title')),
      el('div', { class: 'row' },
        el('div', {}, el('label', { for: 'ter-layer' }, t('ter.layer')), layerSelect),
        el('div', {}, el('label', { for: 'ter-measure' }, t('ter.measure')), measureSelect)),
      newLayerRow, layerError,
      status,
      // The form comes first while a territory is being edited: its
      // preview is what to watch.
      form,
      unassignedCount,
      el('div', { class: 'ter-toggles' },
        el('label', {}, showUnassigned, ' ', t('ter.showUnassigned')),
        el('label', {}, showAccounts, ' ', t('ter.showAccounts'))),
      start,
      table);

    layerSelect.addEventListener('change', () => {
      if (layerSelect.value === '') {
        newLayerRow.hidden = false;
        newLayerName.focus();
        return;
      }
      if (!leave()) {
        layerSelect.value = state.layer;
        return;
      }
      state.layer = layerSelect.value;
      load();
    });
    newLayerName.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') newLayerOk.click();
    });
    newLayerOk.addEventListener('click', () => {
      const name = newLayerName.value.trim().toLowerCase();
      if (!name || !leave()) return;
      if (!state.layers.includes(name)) state.layers = [...state.layers, name].sort();
      state.layer = name;
      newLayerRow.hidden = true;
      newLayerName.value = '';
      load();
    });
    measureSelect.addEventListener('change', () => {
      state.measure = measureSelect.value;
      drawTerritories();
      renderTable();
    });
    showUnassigned.addEventListener('change', refreshUnassigned);
    showAccounts.addEventListener('change', () => mapView.showAccounts(showAccounts.checked));
    drawButton.addEventListener('click', () => {
      if (!leave()) return;
      map.pm.enableDraw('Polygon');
    });

    nameInput.addEventListener('input', () => edited({ name: nameInput.value }));
    priorityInput.addEventListener('input', () => edited({ priority: Number(priorityInput.value) || 0 }));
    assigneeSelect.addEventListener('change', () => edited({ assignee_id: assigneeSelect.value ? Number(assigneeSelect.value) : null }));
    form.addEventListener('submit', save);
    cancelButton.addEventListener('click', () => {
      state.selected = null;
      closeForm();
    });
    deleteButton.addEventListener('click', askDelete);
    confirmYes.addEventListener('click', remove);
    confirmNo.addEventListener('click', () => {
      confirmBox.hidden = true;
      drawSelected(); // back on the map if the removal tool took it off
    });

    // Geoman's events: a polygon drawn becomes a new territory; a cut or
    // a removal of the selected one is an edit of it.
    map.on('pm:create', (e) => {
      if (!active) return;
      const geometry = geometryOf(e.layer);
      e.layer.remove();
      if (state.selected && state.selected.dirty) {
        say(t('ter.unsaved'), 'warn');
        return;
      }
      state.selected = { id: 0, version: 0, name: '', priority: 0, assignee_id: null, geometry, dirty: true };
      openForm();
      nameInput.focus();
    });
    map.on('pm:cut', (e) => {
      if (!active || e.originalLayer !== draft) return;
      state.selected.geometry = geometryOf(e.layer);
      e.layer.remove();
      drawSelected();
      changed();
    });
    map.on('pm:remove', (e) => {
      if (!active || e.layer !== draft) return;
      if (state.selected.id) askDelete();
      else {
        state.selected = null;
        closeForm();
      }
    });
    map.on('moveend', () => {
      if (active) refreshUnassigned();
    });
    built = true;
  }

  async function show() {
    if (!built) build();
    active = true;
    group.addTo(map);
    unassigned.addTo(map);
    legend.addTo(map);
    mapView.showAccounts(showAccounts.checked);
    map.pm.setLang(lang === 'en' ? 'en' : 'fr');
    map.pm.addControls({
      position: 'topleft',
      drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawCircle: false, drawText: false,
      drawRectangle: true, drawPolygon: true,
      editMode: true, dragMode: false, cutPolygon: true, removalMode: true, rotateMode: false,
    });
    // Geoman refuses to finish a polygon that crosses itself; the API
    // checks again (and names the ring) in case one slips through.
    map.pm.setGlobalOptions({ allowSelfIntersection: false, snappable: true, snapDistance: 15 });
    await load();
  }

  function hide() {
    active = false;
    stopTools();
    map.pm.removeControls();
    group.remove();
    unassigned.remove();
    legend.remove();
    mapView.showAccounts(true);
  }

  const toolOn = () => map.pm.globalDrawModeEnabled() || map.pm.globalCutModeEnabled() ||
    map.pm.globalEditModeEnabled() || map.pm.globalRemovalModeEnabled();

  // stopTools ends any Geoman mode under way. (Geoman warns when asked to
  // end a mode that is not on.)
  function stopTools() {
    const pm = map.pm;
    if (pm.globalDrawModeEnabled()) pm.disableDraw();
    if (pm.globalCutModeEnabled()) pm.disableGlobalCutMode();
    if (pm.globalEditModeEnabled()) pm.disableGlobalEditMode();
    if (pm.globalRemovalModeEnabled()) pm.disableGlobalRemovalMode();
  }

  // load reads the layers, the chosen layer's territories and figures, and
  // the users, then draws everything.
  async function load() {
    section.dataset.loading = 'true';
    try {
      const [collection, reps, users] = await Promise.all([
        api('GET', '/api/v1/territories.geojson'),
        shared('/api/v1/users?role=rep&limit=500'),
        shared('/api/v1/users?limit=500'),
      ]);
      state.reps = reps;
      state.users = new Map(users.map((u) => [u.id, u.name || u.email]));
      const names = new Set(state.layers);
      for (const f of collection.features) names.add(f.properties.layer);
      if (!state.layer) state.layer = [...names].sort()[0] || t('ter.defaultLayer');
      names.add(state.layer);
      state.layers = [...names].sort();
      state.features = collection.features.filter((f) => f.properties.layer === state.layer);
      state.stats = await api('GET', `/api/v1/territories/stats?layer=${encodeURIComponent(state.layer)}`);
      layerError.hidden = true;
    } catch (err) {
      layerError.textContent = err.message;
      layerError.hidden = false;
    }
    renderLayers();
    renderAssignees();
    drawTerritories();
    renderTable();
    refreshUnassigned();
    section.dataset.loading = 'false';
  }

  function renderLayers() {
    layerSelect.replaceChildren(
      ...state.layers.map((l) => el('option', { value: l }, l)),
      el('option', { value: '' }, t('ter.newLayer')));
    layerSelect.value = state.layer;
  }

  function renderAssignees() {
    const value = assigneeSelect.value;
    assigneeSelect.replaceChildren(el('option', { value: '' }, t('ter.none')),
      ...state.reps.map((u) => el('option', { value: String(u.id) }, u.name || u.email)));
    assigneeSelect.value = value;
  }

  const statsOf = (id) => state.stats.territories.find((s) => s.territory_id === id);
  const userName = (id) => (id == null ? t('ter.nobody') : state.users.get(id) || `#${id}`);

  // classes splits the layer's values of the measure into equal steps
  // from the lowest to the highest; colourOf picks a territory's.
  function classes() {
    const m = measures[state.measure];
    const values = state.stats.territories.filter((s) => s.territory_id !== 0).map(m.of);
    return { min: Math.min(...values), max: Math.max(...values), of: m.of };
  }

  function colourOf(id, c) {
    const s = statsOf(id);
    if (!s || !s.accounts) return emptyFill;
    const v = c.of(s);
    if (c.max === c.min) return scale[2];
    return scale[Math.min(scale.length - 1, Math.floor(((v - c.min) / (c.max - c.min)) * scale.length))];
  }

  function drawTerritories() {
    group.clearLayers();
    draft = null;
    const c = classes();
    for (const f of state.features) {
      if (state.selected && f.id === state.selected.id) continue;
      const polygon = L.polygon(latLngs(f.geometry), {
        pmIgnore: true, color: outline, weight: 1.5, fillColor: colourOf(f.id, c), fillOpacity: 0.6, className: 'territory',
      });
      polygon.bindTooltip(el('span', {}, f.properties.name), { permanent: true, direction: 'center', className: 'territory-label' });
      polygon.on('click', () => {
        if (!toolOn()) select(f.id); // a click while drawing or cutting is the tool's
      });
      group.addLayer(polygon);
    }
    drawSelected();
    renderLegend(c);
  }

  // drawSelected draws the territory in the form, the one that Geoman's
  // tools edit, cut and remove.
  function drawSelected() {
    if (draft) group.removeLayer(draft);
    draft = null;
    const sel = state.selected;
    if (!sel) return;
    draft = L.polygon(latLngs(sel.geometry), {
      pmIgnore: false, color: selectedOutline, weight: 3, dashArray: '8 5',
      fillColor: sel.id ? colourOf(sel.id, classes()) : emptyFill, fillOpacity: 0.45, className: 'territory territory-selected',
    });
    if (sel.name) draft.bindTooltip(el('span', {}, sel.name), { permanent: true, direction: 'center', className: 'territory-label' });
    draft.on('pm:edit', () => {
      if (!state.selected) return;
      state.selected.geometry = geometryOf(draft);
      if (draft.getTooltip()) draft.getTooltip().setLatLng(draft.getCenter());
      changed();
    });
    group.addLayer(draft);
    // The cutting tool cuts this territory only, not its neighbours.
    map.pm.setGlobalOptions({ layersToCut: [draft] });
  }

  function renderLegend(c) {
    const m = measures[state.measure];
    const rows = [];
    if (c.max > -Infinity) {
      const steps = c.max === c.min ? [[c.min, c.max, scale[2]]]
        : scale.map((colour, i) => [c.min + ((c.max - c.min) * i) / scale.length, c.min + ((c.max - c.min) * (i + 1)) / scale.length, colour]);
      for (const [from, to, colour] of steps) {
        const swatch = el('i', { class: 'swatch' });
        swatch.style.backgroundColor = colour; // CSSOM, which the CSP allows
        const [a, b] = [Math.round(from), Math.round(to)];
        rows.push(el('span', { class: 'key' }, swatch, a === b ? m.show(a) : `${m.show(a)} – ${m.show(b)}`));
      }
    }
    const none = el('i', { class: 'swatch' });
    none.style.backgroundColor = emptyFill;
    rows.push(el('span', { class: 'key' }, none, t('ter.legendNone')));
    rows.push(el('span', { class: 'key' }, el('i', { class: 'unassigned-dot' }), t('ter.legendUnassigned')));
    legendBox.replaceChildren(el('strong', {}, t(`ter.m.${state.measure}`)), ...rows);
  }

  function renderTable() {
    const m = measures;
    const rows = [...state.stats.territories].sort((a, b) =>
      (a.territory_id === 0) - (b.territory_id === 0) || a.name.localeCompare(b.name, locale));
    const c = classes();
    table.replaceChildren(
      el('thead', {}, el('tr', {},
        el('th', { scope: 'col' }, t('ter.col.name')),
        el('th', { scope: 'col', class: 'num' }, t('ter.col.accounts')),
        el('th', { scope: 'col', class: 'num' }, t('ter.col.potential')),
        el('th', { scope: 'col', class: 'num' }, t('ter.col.workload')))),
      el('tbody', {}, rows.map((s) => {
        const swatch = el('i', { class: s.territory_id ? 'swatch' : 'swatch none' });
        if (s.territory_id) swatch.style.backgroundColor = colourOf(s.territory_id, c);
        const name = s.territory_id
          ? el('button', { type: 'button', class: 'link', 'data-territory': String(s.territory_id) }, s.name)
          : el('em', {}, t('ter.outside'));
        if (s.territory_id) name.addEventListener('click', () => select(s.territory_id));
        return el('tr', { class: state.selected && state.selected.id === s.territory_id ? 'selected' : '', 'data-territory': String(s.territory_id) },
          el('td', {}, el('span', { class: 'ter-name' }, swatch, name),
            s.territory_id ? el('span', { class: 'ter-rep' }, userName(s.assignee_id)) : null),
          el('td', { class: 'num' }, m.accounts.show(s.accounts)),
          el('td', { class: 'num' }, m.potential.show(s.potential_cents)),
          el('td', { class: 'num' }, m.workload.show(s.workload_hours)));
      })));
    if (!state.features.length) table.append(el('caption', {}, t('ter.empty')));
    unassignedCount.replaceChildren(plural('ter.unassigned', state.stats.unassigned));
    unassignedCount.dataset.count = String(state.stats.unassigned);
  }

  // refreshUnassigned draws the accounts of the view that nobody holds in
  // the layer.
  let unassignedCtl = null;
  async function refreshUnassigned() {
    if (unassignedCtl) unassignedCtl.abort();
    if (!showUnassigned.checked || !state.layer) {
      unassigned.clearLayers();
      section.dataset.unassignedShown = '0';
      return;
    }
    const ctl = new AbortController();
    unassignedCtl = ctl;
    const b = map.getBounds().pad(0.2);
    const box = {
      min: { lat: Math.max(b.getSouth(), -90), lng: Math.max(b.getWest(), -180) },
      max: { lat: Math.min(b.getNorth(), 90), lng: Math.min(b.getEast(), 180) },
    };
    let res;
    try {
      res = await api('POST', '/api/v1/accounts/search', {
        box, limit: maxUnassigned, fields: ['id', 'lat', 'lng'], filter: { layer: state.layer, unassigned: true },
      }, ctl.signal);
    } catch (err) {
      if (err.name !== 'AbortError') console.warn('unassigned accounts:', err.message);
      return;
    }
    unassigned.clearLayers();
    // Smaller when zoomed out, where thousands may share the screen.
    const zoom = map.getZoom();
    const size = zoom <= 7 ? { radius: 2, weight: 1 } : zoom <= 10 ? { radius: 3, weight: 1.5 } : { radius: 4, weight: 2 };
    for (const a of res.items) {
      unassigned.addLayer(L.circleMarker([a.lat, a.lng], {
        renderer: dots, interactive: false, ...size, color: '#b3261e', fillColor: '#ffffff', fillOpacity: 1,
      }));
    }
    section.dataset.unassignedShown = String(res.items.length);
  }

  // select opens territory id in the form.
  function select(id) {
    if (state.selected && state.selected.id === id) return;
    if (!leave()) return;
    const f = state.features.find((x) => x.id === id);
    if (!f) return;
    const p = f.properties;
    state.selected = { id, version: p.version, name: p.name, priority: p.priority, assignee_id: p.assignee_id, geometry: f.geometry, dirty: false };
    openForm();
  }

  // leave says whether the form may be left: not with unsaved changes.
  function leave() {
    if (!state.selected || !state.selected.dirty) {
      if (state.selected) {
        state.selected = null;
        closeForm();
      }
      return true;
    }
    say(t('ter.unsaved'), 'warn');
    return false;
  }

  function openForm() {
    const sel = state.selected;
    formTitle.textContent = sel.id ? t('ter.edit', { name: sel.name }) : t('ter.new');
    nameInput.value = sel.name;
    priorityInput.value = String(sel.priority);
    assigneeSelect.value = sel.assignee_id == null ? '' : String(sel.assignee_id);
    deleteButton.hidden = !sel.id;
    confirmBox.hidden = true;
    clearErrors();
    form.hidden = false;
    start.hidden = true;
    status.hidden = true;
    form.scrollIntoView({ block: 'nearest' });
    drawTerritories();
    renderTable();
    if (sel.dirty) schedulePreview();
    else showPreview(null);
    const bounds = L.geoJSON(sel.geometry).getBounds();
    if (bounds.isValid() && !map.getBounds().contains(bounds)) map.fitBounds(bounds, { padding: [40, 40] });
  }

  function closeForm() {
    form.hidden = true;
    start.hidden = false;
    clearTimeout(previewTimer);
    if (previewCtl) previewCtl.abort();
    stopTools();
    drawTerritories();
    renderTable();
  }

  // edited applies a change of the form's fields.
  function edited(fields) {
    if (!state.selected) return;
    Object.assign(state.selected, fields);
    changed();
  }

  function changed() {
    state.selected.dirty = true;
    schedulePreview();
  }

  // The preview follows every change, a moment after the last one.
  let previewTimer = 0;
  let previewCtl = null;
  function schedulePreview() {
    clearTimeout(previewTimer);
    preview.dataset.state = 'pending';
    preview.replaceChildren(el('p', { class: 'muted' }, t('ter.previewing')));
    previewTimer = setTimeout(runPreview, 250);
  }

  async function runPreview() {
    if (previewCtl) previewCtl.abort();
    const ctl = new AbortController();
    previewCtl = ctl;
    try {
      const p = await api('POST', '/api/v1/territories/preview', feature(true), ctl.signal);
      clearErrors();
      showPreview(p);
    } catch (err) {
      if (err.name === 'AbortError') return;
      showError(err);
      preview.replaceChildren();
      preview.dataset.state = 'error';
    }
  }

  // showPreview writes what saving would change (nothing before a change).
  function showPreview(p) {
    if (!p) {
      preview.replaceChildren();
      delete preview.dataset.state;
      return;
    }
    const groups = new Map(); // "from→to" → count
    for (const mv of p.moves || []) {
      const key = `${mv.from ?? ''}→${mv.to ?? ''}`;
      groups.set(key, (groups.get(key) || 0) + 1);
    }
    const sorted = [...groups].sort((a, b) => b[1] - a[1]);
    const shown = sorted.slice(0, 6);
    const rest = sorted.slice(6).reduce((n, [, c]) => n + c, 0);
    const id = (s) => (s === '' ? null : Number(s));
    const overlaps = (p.overlaps || []).map((o) => state.features.find((f) => f.id === o)?.properties.name || `#${o}`);
    preview.replaceChildren(...[
      el('p', { class: 'ter-after' }, plural('ter.after', p.accounts)),
      el('p', {}, el('span', { class: 'gained' }, t('ter.gained', { n: p.gained.toLocaleString(locale) })), ' · ',
        el('span', { class: 'lost' }, t('ter.lost', { n: p.lost.toLocaleString(locale) }))),
      shown.length
        ? el('div', {}, el('p', {}, t('ter.moves')), el('ul', { class: 'ter-moves' }, shown.map(([key, n]) => {
          const [from, to] = key.split('→');
          return el('li', {}, t('ter.move', { n: n.toLocaleString(locale), from: userName(id(from)), to: userName(id(to)) }));
        }), rest ? el('li', { class: 'muted' }, t('ter.moreMoves', { n: rest.toLocaleString(locale) })) : null))
        : el('p', { class: 'muted' }, t('ter.noMove')),
      overlaps.length ? el('p', { class: 'warn' }, t('ter.overlaps', { names: overlaps.join(', ') })) : null,
    ].filter(Boolean));
    Object.assign(preview.dataset, { state: 'ready', gained: String(p.gained), lost: String(p.lost), accounts: String(p.accounts), moves: String((p.moves || []).length) });
  }

  // feature is the territory of the form as the API reads it. For the
  // preview (forPreview) it carries the id of an edited territory, and a
  // stand-in name while the new one has none: what would move does not
  // depend on it, and saving still requires one.
  function feature(forPreview) {
    const sel = state.selected;
    const name = sel.name.trim() || (forPreview ? t('ter.new') : '');
    const f = {
      type: 'Feature',
      geometry: sel.geometry,
      properties: { layer: state.layer, name, priority: sel.priority, assignee_id: sel.assignee_id },
    };
    if (forPreview && sel.id) f.id = sel.id;
    return f;
  }

  async function save(ev) {
    ev.preventDefault();
    const sel = state.selected;
    if (!sel) return;
    saveButton.disabled = true;
    try {
      if (sel.id) await api('PATCH', `/api/v1/territories/${sel.id}`, feature(false), ifMatch(sel));
      else await api('POST', '/api/v1/territories', feature(false));
      state.selected = null;
      closeForm();
      await load();
      say(t('ter.saved', { name: sel.name.trim() }), 'ok');
    } catch (err) {
      showError(err);
    } finally {
      saveButton.disabled = false;
    }
  }

  // askDelete asks for confirmation, with what the deletion would move
  // shown as the preview of an edit is.
  async function askDelete() {
    const sel = state.selected;
    if (!sel || !sel.id) return;
    confirmText.textContent = t('ter.confirm', { name: sel.name });
    confirmBox.hidden = false;
    confirmYes.focus();
    clearTimeout(previewTimer);
    if (previewCtl) previewCtl.abort();
    preview.dataset.state = 'pending';
    preview.replaceChildren(el('p', { class: 'muted' }, t('ter.previewing')));
    try {
      showPreview(await api('GET', `/api/v1/territories/${sel.id}/deletion`));
    } catch (err) {
      showError(err);
      preview.replaceChildren();
      preview.dataset.state = 'error';
    }
  }

  async function remove() {
    const sel = state.selected;
    try {
      await api('DELETE', `/api/v1/territories/${sel.id}`, undefined, ifMatch(sel));
      state.selected = null;
      closeForm();
      await load();
      say(t('ter.deleted', { name: sel.name }), 'ok');
    } catch (err) {
      confirmBox.hidden = true;
      showError(err);
    }
  }

  // showError puts an API error next to the field it names; errors of the
  // geometry (which name the ring at fault) and others go above the
  // preview.
  function showError(err) {
    clearErrors();
    const field = (err.field || '').replace(/^properties\./, '');
    if (err.status === 409 || err.status === 412) {
      geometryError.textContent = t('ter.stale');
      geometryError.hidden = false;
    } else if (fieldErrors[field]) {
      fieldErrors[field].textContent = err.message;
      fieldErrors[field].hidden = false;
      fieldInputs[field].setAttribute('aria-invalid', 'true');
    } else if (field === 'layer') {
      layerError.textContent = err.message;
      layerError.hidden = false;
    } else {
      geometryError.textContent = err.message;
      geometryError.hidden = false;
    }
  }

  function clearErrors() {
    for (const [f, p] of Object.entries(fieldErrors)) {
      p.hidden = true;
      fieldInputs[f].removeAttribute('aria-invalid');
    }
    geometryError.hidden = true;
    layerError.hidden = true;
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = `ter-status ${kind}`;
    status.hidden = false;
  }

  return { show, hide };
}

// geometryOf is the GeoJSON geometry of a drawn or edited layer. A cut
// may leave several pieces as a group of layers: they make one
// MultiPolygon, as the territory stays one.
function geometryOf(layer) {
  const g = layer.toGeoJSON();
  if (g.type !== 'FeatureCollection') return g.geometry;
  return {
    type: 'MultiPolygon',
    coordinates: g.features.flatMap((f) => (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates)),
  };
}

// latLngs turns a GeoJSON Polygon or MultiPolygon ([lng, lat]) into
// Leaflet's nested [lat, lng] arrays.
function latLngs(geometry) {
  return L.GeoJSON.coordsToLatLngs(geometry.coordinates, geometry.type === 'MultiPolygon' ? 2 : 1);
}
