// Labels in French (the default) and English. Each module registers its
// own strings next to its code; t looks a key up in the chosen language,
// falling back to French, then to the key itself so that a missing label
// shows rather than breaks. The language is kept in the browser and a
// switch reloads the page: every label is built once, in one language.

const storageKey = 'tournee.lang';
export const languages = ['fr', 'en'];
const strings = { fr: {}, en: {} };

function stored() {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null; // storage disabled: French
  }
}

export const lang = languages.includes(stored()) ? stored() : 'fr';
export const locale = lang === 'en' ? 'en-GB' : 'fr-FR';

// register adds a module's labels: { fr: { key: 'texte' }, en: { key: 'text' } }.
export function register(dict) {
  for (const l of languages) Object.assign(strings[l], dict[l] || {});
}

// t is the label of key, with {name} placeholders filled from vars.
export function t(key, vars) {
  const s = strings[lang][key] ?? strings.fr[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s;
}

// plural picks key.one or key.many for n and fills {n}.
export function plural(key, n, vars) {
  return t(n > 1 || n === 0 && lang === 'en' ? `${key}.many` : `${key}.one`, { n: n.toLocaleString(locale), ...vars });
}

// translate fills the static labels of the page: data-i18n sets the text,
// data-i18n-placeholder, data-i18n-title and data-i18n-aria-label the
// attributes.
export function translate(root = document) {
  document.documentElement.lang = lang;
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const attr of ['placeholder', 'title', 'aria-label']) {
    const data = 'i18n' + attr.replace(/(^|-)(\w)/g, (m, d, c) => c.toUpperCase());
    for (const e of root.querySelectorAll(`[data-i18n-${attr}]`)) e.setAttribute(attr, t(e.dataset[data]));
  }
}

export function setLang(l) {
  try {
    localStorage.setItem(storageKey, l);
  } catch {
    // Nothing to keep it in: the switch lasts this page only.
  }
  window.location.reload();
}
