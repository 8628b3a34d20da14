// App shell: navigation, language switch, status line. Screens are modules
// under screens/ with a `mount(root)` function; they re-render on language change.

import { call } from './api.js';
import { el, clear, $ } from './dom.js';
import { t, lang, setLang, onLangChange, errText } from './i18n.js';
import * as register from './screens/register.js';
import * as family from './screens/family.js';
import * as review from './screens/review.js';
import * as qr from './screens/qr.js';
import * as terminal from './screens/terminal.js';
import * as dashboard from './screens/dashboard.js';

const SCREENS = [
  { id: 'register', label: 'nav.register', module: register },
  { id: 'family', label: 'nav.family', module: family },
  { id: 'qr', label: 'nav.qr', module: qr },
  { id: 'dashboard', label: 'nav.dashboard', module: dashboard },
  { id: 'review', label: 'nav.review', module: review },
  { id: 'terminal', label: 'nav.terminal', module: terminal },
];

let active = SCREENS[0];

function renderChrome() {
  document.documentElement.lang = lang();
  document.title = t('app.title');
  $('#app-title').textContent = t('app.title');
  $('#lang-toggle').textContent = t('lang.switch');
  const nav = $('#nav');
  clear(nav);
  for (const s of SCREENS) {
    nav.append(el('button', {
      class: 'nav-item' + (s === active ? ' active' : ''),
      text: t(s.label),
      attrs: { type: 'button', 'data-screen': s.id, 'aria-current': s === active ? 'page' : false },
      on: { click: () => show(s) },
    }));
  }
}

export function showGlobalError(err) {
  const box = $('#global-error');
  if (!err) { box.hidden = true; box.textContent = ''; return; }
  box.textContent = `${errText(err)} (${err.code})`;
  box.hidden = false;
}

async function renderStatus() {
  const line = $('#status-line');
  try {
    const info = await call('app_info');
    line.textContent = `${t('status.db')}: ${info.db_path} · ${t('status.schema')} ${info.schema_version} · ${t('status.today')} ${info.today_china} · v${info.app_version}`;
    showGlobalError(null);
  } catch (err) {
    line.textContent = '';
    showGlobalError(err);
  }
}

function show(screen) {
  // A screen may hold timers (the QR code refreshes itself): stop them.
  if (active && typeof active.module.unmount === 'function') active.module.unmount();
  active = screen;
  renderChrome();
  const root = $('#screen');
  clear(root);
  root.dataset.screen = screen.id;
  screen.module.mount(root);
}

function start() {
  $('#lang-toggle').addEventListener('click', () => setLang(lang() === 'en' ? 'zh-CN' : 'en'));
  onLangChange(() => { show(active); renderStatus(); });
  show(active);
  renderStatus();
}

start();
