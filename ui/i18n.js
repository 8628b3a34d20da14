// Every UI string goes through here: t(), the language on screen, and the
// switch between languages. The strings themselves are one file per language in
// ./strings/ (zh-CN is the default). Error messages are not there: they come
// from Rust in both languages.

import { zh } from './strings/zh.js';
import { en } from './strings/en.js';

const STRINGS = {
  'zh-CN': zh,
  en,
};

const KEY = 'qinqing.lang';
let current = (() => {
  try {
    const saved = window.localStorage.getItem(KEY);
    return saved && STRINGS[saved] ? saved : 'zh-CN';
  } catch (_) {
    return 'zh-CN';
  }
})();

const listeners = new Set();

export function lang() {
  return current;
}

export function setLang(l) {
  if (!STRINGS[l] || l === current) return;
  current = l;
  try { window.localStorage.setItem(KEY, l); } catch (_) { /* private mode: not persisted */ }
  document.documentElement.lang = l;
  for (const fn of listeners) fn(l);
}

export function onLangChange(fn) {
  listeners.add(fn);
}

/** t('register.count', {n: 3}) */
export function t(key, params = {}) {
  let s = STRINGS[current][key] ?? STRINGS['zh-CN'][key] ?? key;
  // Counted strings: { one, other } chosen by the language's plural rules for `n`.
  if (typeof s === 'object') {
    const form = new Intl.PluralRules(current === 'en' ? 'en' : 'zh-CN').select(Number(params.n ?? 0));
    s = s[form] ?? s.other;
  }
  return s.replace(/\{(\w+)\}/g, (_, k) => (params[k] !== undefined ? String(params[k]) : `{${k}}`));
}

/** The message of a domain error in the current language. */
export function errText(err) {
  if (!err) return '';
  return current === 'en' ? (err.message_en || err.message_zh) : (err.message_zh || err.message_en);
}
