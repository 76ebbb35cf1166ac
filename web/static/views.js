// The page's views: each is a section of the side panel (or, for a wide
// view, the whole main area) with a tab in the header, chosen by the
// location's hash (#plan, #nearby…) so that the back button and links work.
// The map is shared: a view draws on its own layers and clears them when
// hidden.

const views = new Map(); // name → { section, tab, show, hide, wide }
let current = '';

// addView registers a view. section is its element (data-view=name); show
// and hide are called as it appears and disappears; wide views hide the
// map. roles, when given, limits the tab to those roles.
export function addView(name, { show = () => {}, hide = () => {}, wide = false } = {}) {
  const section = document.querySelector(`[data-view="${name}"]`);
  const tab = document.querySelector(`nav a[href="#${name}"]`);
  views.set(name, { section, tab, show, hide, wide });
}

// allowTabs hides the tabs that user's role may not use.
export function allowTabs(role) {
  for (const a of document.querySelectorAll('nav a[data-roles]')) {
    a.hidden = !a.dataset.roles.split(' ').includes(role);
  }
}

// go shows the view of the hash (the first allowed view when it names
// none); it is called on every hash change.
export function go() {
  let name = window.location.hash.slice(1).split('/')[0];
  const v = views.get(name);
  if (!v || (v.tab && v.tab.hidden)) name = views.keys().next().value;
  if (name === current) return;
  const before = views.get(current);
  if (before) before.hide();
  current = name;
  for (const [n, w] of views) {
    if (w.section) w.section.hidden = n !== name;
    if (w.tab) {
      if (n === name) w.tab.setAttribute('aria-current', 'page');
      else w.tab.removeAttribute('aria-current');
    }
  }
  const now = views.get(name);
  // Not data-view, which marks the sections: [data-view="x"] must find
  // the section, never the body.
  document.body.dataset.current = name;
  document.body.classList.toggle('wide', now.wide);
  now.show();
}

export function startViews() {
  window.addEventListener('hashchange', go);
  go();
}

// currentView is the name of the view on screen.
export const currentView = () => current;
