// The pipeline board: a column per stage, a card per open opportunity the
// user may see. A card moves by drag and drop, or with its stage list from
// the keyboard; the move is saved at once (with the version read, so that
// a change made meanwhile is not overwritten) and undone if it fails.
import { all, api, ifMatch } from './api.js';
import { date, el, euros } from './format.js';
import { plural, register, t } from './i18n.js';

register({
  fr: {
    'pipeline.title': 'Pipeline', 'pipeline.loading': 'Chargement…', 'pipeline.stage': 'Étape',
    'pipeline.summary.one': '{n} affaire en cours · {total} · pondéré {weighted}',
    'pipeline.summary.many': '{n} affaires en cours · {total} · pondéré {weighted}',
    'pipeline.column': '{deals} · {total} · {probability} %',
    'pipeline.deals.one': '{n} affaire', 'pipeline.deals.many': '{n} affaires',
    'pipeline.closes': 'clôture le {date}', 'pipeline.no_stages': 'Aucune étape de pipeline n\'est configurée.',
    'pipeline.moved': '« {name} » passe en « {stage} ».',
    'pipeline.failed': '« {name} » reste en « {stage} » : {why}',
    'pipeline.stale': '« {name} » reste en « {stage} » : l\'affaire a changé entre-temps, voici le tableau à jour.',
    'pipeline.drop': 'Déposez ici', 'pipeline.empty': 'Aucune affaire',
  },
  en: {
    'pipeline.title': 'Pipeline', 'pipeline.loading': 'Loading…', 'pipeline.stage': 'Stage',
    'pipeline.summary.one': '{n} open deal · {total} · weighted {weighted}',
    'pipeline.summary.many': '{n} open deals · {total} · weighted {weighted}',
    'pipeline.column': '{deals} · {total} · {probability} %',
    'pipeline.deals.one': '{n} deal', 'pipeline.deals.many': '{n} deals',
    'pipeline.closes': 'closes on {date}', 'pipeline.no_stages': 'No pipeline stage is configured.',
    'pipeline.moved': '“{name}” moves to “{stage}”.',
    'pipeline.failed': '“{name}” stays in “{stage}”: {why}',
    'pipeline.stale': '“{name}” stays in “{stage}”: the deal changed meanwhile; here is the board as it now is.',
    'pipeline.drop': 'Drop here', 'pipeline.empty': 'No deal',
  },
});

export function createPipeline(section, { card }) {
  let stages = [];
  let deals = new Map(); // id → opportunity with account_name, as last saved
  let dragged = 0; // the id of the card being dragged
  const saving = new Set(); // ids of the deals whose move is being saved
  let loaded = false;

  const summary = el('p', { id: 'pipeline-summary', class: 'muted' });
  const message = el('p', { id: 'pipeline-message', role: 'status' });
  const board = el('div', { id: 'board', class: 'board' });
  section.replaceChildren(el('div', { class: 'board-head' }, el('h2', {}, t('pipeline.title')), summary), message, board);

  async function load() {
    section.dataset.ready = 'false';
    summary.textContent = t('pipeline.loading');
    try {
      const [s, opps] = await Promise.all([all('/api/v1/stages'), all('/api/v1/pipeline?status=open&limit=500')]);
      stages = s;
      deals = new Map(opps.map((o) => [o.id, o]));
    } catch (err) {
      summary.textContent = '';
      say(err.message, true);
      return;
    }
    render();
    loaded = true;
    section.dataset.ready = 'true';
  }

  function render() {
    if (!stages.length) {
      board.replaceChildren(el('p', { class: 'muted' }, t('pipeline.no_stages')));
      return;
    }
    board.replaceChildren(...stages.map((s) => {
      const cards = el('ul', { class: 'column-cards', 'aria-label': s.name });
      const col = el('section', { class: 'column', 'data-stage': String(s.id) },
        el('header', {}, el('h3', {}, s.name), el('span', { class: 'muted column-total' })), cards);
      col.addEventListener('dragover', (e) => {
        if (!dragged) return;
        e.preventDefault(); // allows the drop
        e.dataTransfer.dropEffect = 'move';
        col.classList.add('drop-target');
      });
      col.addEventListener('dragleave', (e) => {
        if (!col.contains(e.relatedTarget)) col.classList.remove('drop-target');
      });
      col.addEventListener('drop', (e) => {
        e.preventDefault();
        col.classList.remove('drop-target');
        const id = Number(e.dataTransfer.getData('text/plain')) || dragged;
        dragged = 0;
        // dragend does not always follow a drop (a headless browser's).
        for (const c of board.querySelectorAll('.dragging')) c.classList.remove('dragging');
        if (id) move(id, s.id);
      });
      return col;
    }));
    for (const o of deals.values()) column(o.stage_id)?.querySelector('.column-cards').append(dealCard(o));
    totals();
  }

  const column = (stageId) => board.querySelector(`.column[data-stage="${stageId}"]`);
  const stageName = (id) => stages.find((s) => s.id === id)?.name || `#${id}`;

  function dealCard(o) {
    const id = `deal-${o.id}-stage`;
    const stage = el('select', { id, class: 'deal-stage' },
      stages.map((s) => el('option', { value: String(s.id), selected: s.id === o.stage_id }, s.name)));
    stage.addEventListener('change', () => move(o.id, Number(stage.value)));
    const account = el('button', { type: 'button', class: 'link deal-account' }, o.account_name);
    account.addEventListener('click', () => card.open(o.account_id));
    const li = el('li', { class: 'deal', draggable: 'true', 'data-opportunity': String(o.id) },
      account,
      el('div', { class: 'deal-name' }, o.name),
      el('div', { class: 'muted' }, [euros(o.amount_cents),
        o.expected_close ? t('pipeline.closes', { date: date(o.expected_close) }) : ''].filter(Boolean).join(' · ')),
      el('label', { for: id, class: 'visually-hidden' }, t('pipeline.stage')), stage);
    li.addEventListener('dragstart', (e) => {
      dragged = o.id;
      e.dataTransfer.setData('text/plain', String(o.id));
      e.dataTransfer.effectAllowed = 'move';
      li.classList.add('dragging');
    });
    li.addEventListener('dragend', () => {
      li.classList.remove('dragging');
      for (const c of board.querySelectorAll('.drop-target')) c.classList.remove('drop-target');
    });
    return li;
  }

  // move puts a deal in a stage on the board at once and saves it; a
  // failure puts it back where it was and says why.
  async function move(id, stageId) {
    const o = deals.get(id);
    // One move at a time per deal: a second would be sent with the
    // version the first one is about to replace.
    if (!o || o.stage_id === stageId || saving.has(id)) return;
    saving.add(id);
    const li = board.querySelector(`.deal[data-opportunity="${id}"]`);
    place(li, stageId);
    li.setAttribute('aria-busy', 'true');
    try {
      const saved = await api('PATCH', `/api/v1/opportunities/${id}`, { stage_id: stageId }, ifMatch(o));
      deals.set(id, { ...saved, account_name: o.account_name });
      say(t('pipeline.moved', { name: o.name, stage: stageName(stageId) }), false);
    } catch (err) {
      place(li, o.stage_id);
      if (err.status === 412) {
        // Someone else's change came first: show it rather than overwrite it.
        await load();
        say(t('pipeline.stale', { name: o.name, stage: stageName(o.stage_id) }), true);
        return;
      }
      say(t('pipeline.failed', { name: o.name, stage: stageName(o.stage_id), why: err.message }), true);
    } finally {
      saving.delete(id);
      li.removeAttribute('aria-busy');
    }
    totals();
  }

  function place(li, stageId) {
    column(stageId).querySelector('.column-cards').append(li);
    li.querySelector('.deal-stage').value = String(stageId);
    totals();
  }

  // totals sums each column as it stands on the board.
  function totals() {
    let n = 0;
    let total = 0;
    let weighted = 0;
    for (const s of stages) {
      const ids = [...column(s.id).querySelectorAll('.deal')].map((li) => Number(li.dataset.opportunity));
      const sum = ids.reduce((acc, id) => acc + deals.get(id).amount_cents, 0);
      n += ids.length;
      total += sum;
      weighted += sum * s.probability / 100;
      column(s.id).querySelector('.column-total').textContent =
        t('pipeline.column', { deals: plural('pipeline.deals', ids.length), total: euros(sum), probability: s.probability });
    }
    summary.textContent = plural('pipeline.summary', n, { total: euros(total), weighted: euros(weighted) });
  }

  function say(text, error) {
    message.textContent = text;
    message.className = error ? 'error' : 'ok';
  }

  return {
    // Read afresh each time the board shows: deals move on other screens.
    show() {
      if (!loaded) board.replaceChildren();
      say('', false);
      load();
    },
    hide() {},
  };
}
