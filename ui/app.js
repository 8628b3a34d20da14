// App shell: navigation, language switch, elder mode, status line, and — when
// started with --kiosk — the kiosk's sessions and idle wipe. Screens are
// modules under screens/ with `mount(root)` (and `reset()` to forget a
// resident); they re-render on language change.

import { call, op } from './api.js';
import { el, clear, $ } from './dom.js';
import { t, lang, setLang, onLangChange, errText } from './i18n.js';
import { session } from './session.js';
import { clearThumbs } from './docs.js';
import { MODE_CHANGED } from './state.js';
// A screen's module (and what it imports, such as the dashboard's chart
// library) is loaded when the screen is first shown, not at start: the
// window starts lighter (bench/memory.sh). `module` is set once loaded.
const SCREENS = [
  { id: 'register', label: 'nav.register', load: () => import('./screens/register.js') },
  { id: 'family', label: 'nav.family', load: () => import('./screens/family.js') },
  { id: 'qr', label: 'nav.qr', load: () => import('./screens/qr.js') },
  { id: 'aid', label: 'nav.aid', load: () => import('./screens/aid.js') },
  { id: 'filing', label: 'nav.filing', load: () => import('./screens/filing.js') },
  { id: 'dashboard', label: 'nav.dashboard', load: () => import('./screens/dashboard.js') },
  { id: 'review', label: 'nav.review', load: () => import('./screens/review.js') },
  { id: 'terminal', label: 'nav.terminal', load: () => import('./screens/terminal.js') },
  { id: 'audit', label: 'nav.audit', load: () => import('./screens/audit.js') },
];
const KIOSK = { id: 'kiosk', label: 'nav.kiosk', load: () => import('./screens/kiosk.js') };
const SETUP = { id: 'setup', label: 'nav.setup', load: () => import('./screens/setup.js') };
const PAIR = { id: 'pair', label: 'nav.pair', load: () => import('./screens/pair.js') };
// What staff reach at the kiosk (the counter terminal belongs to institutions);
// Register and Review are staff-only and leave the menu while a resident is served.
const KIOSK_SCREENS = ['family', 'aid', 'filing', 'qr', 'dashboard', 'review', 'audit', 'register'];
const STAFF_ONLY = ['review', 'register'];
// What each installation shows (Rust decides what each may do; the menu
// only leaves out what would be refused anyway).
const ROLE_SCREENS = {
  demo: SCREENS.map((s) => s.id),
  household: ['family', 'aid', 'filing', 'qr', 'dashboard', 'audit'],
  terminal: ['terminal'],
};

let active = SCREENS[0];
let kstate = null; // the kiosk's sessions (kiosk mode only)
let installation = { role: 'unset' };
let connection = null; // connected mode: the server, the pairing, online or not
let connTimer = null;

function screensNow() {
  if (!session.kiosk) {
    if (installation.role === 'unpaired') return [PAIR];
    const ids = ROLE_SCREENS[installation.role];
    return ids ? SCREENS.filter((s) => ids.includes(s.id)) : [SETUP];
  }
  if (!kstate || !kstate.staff) return [KIOSK];
  const ids = KIOSK_SCREENS.filter((id) => !(kstate.resident && STAFF_ONLY.includes(id)));
  return [KIOSK, ...SCREENS.filter((s) => ids.includes(s.id))];
}

/** After set-up: the installation's screens. */
async function reloadMode() {
  try {
    const mode = await call('app_mode');
    installation = mode.installation || { role: 'unset' };
    connection = mode.connection || null;
    session.role = installation.role;
  } catch (_) { /* keep */ }
  const screens = screensNow();
  show(screens[0]);
  renderStatus();
}

function renderChrome() {
  document.documentElement.lang = lang();
  document.title = t('app.title');
  $('#app-title').textContent = t('app.title');
  $('#lang-toggle').textContent = t('lang.switch');
  $('#elder-toggle').textContent = document.documentElement.classList.contains('elder') ? t('elder.off') : t('elder.on');
  const nav = $('#nav');
  clear(nav);
  for (const s of screensNow()) {
    nav.append(el('button', {
      class: 'nav-item' + (s === active ? ' active' : ''),
      text: t(s.label),
      attrs: { type: 'button', 'data-screen': s.id, 'aria-current': s === active ? 'page' : false },
      on: { click: () => show(s) },
    }));
  }
  renderResidentBar();
}

function renderResidentBar() {
  const bar = $('#resident-bar');
  clear(bar);
  const r = kstate && kstate.resident;
  bar.hidden = !r;
  if (!r) return;
  bar.append(
    el('span', { text: t('kiosk.serving', { name: r.name, id: r.resident_id_masked }), attrs: { id: 'resident-name' } }),
    el('button', { class: 'btn', text: t('kiosk.end'), attrs: { type: 'button', id: 'resident-end' }, on: { click: () => wipe('manual') } }),
  );
}

export function showGlobalError(err) {
  const box = $('#global-error');
  if (!err) { box.hidden = true; box.textContent = ''; return; }
  box.textContent = `${errText(err)} (${err.code})`;
  box.hidden = false;
}

/** Connected mode: which centre, paired with whom, reachable or not (and
 * since when the answers shown are from memory); "unpair this computer". */
function renderConnection(line, info) {
  const c = connection;
  clear(line);
  line.classList.toggle('offline', !c.online);
  const parts = [session.kiosk ? t('status.kiosk') : t(`status.role_${installation.role}`), `${t('conn.server')} ${c.server}`];
  parts.push(c.online ? t('conn.online') : t('conn.offline'));
  if (!c.online && c.stale_since) parts.push(t('conn.stale', { time: c.stale_since_local || c.stale_since }));
  if (c.paired && c.holder_name_masked) parts.push(t('conn.household', { name: c.holder_name_masked }));
  if (info) parts.push(`${t('status.today')} ${info.today_china}`);
  line.append(el('span', { text: parts.join(' · '), attrs: { id: 'conn-status', 'data-online': c.online ? '1' : '0' } }));
  if (c.paired && !session.kiosk) {
    line.append(el('button', { class: 'btn btn-small', text: t('conn.unpair'), attrs: { type: 'button', id: 'unpair' }, on: { click: () => askUnpair(line) } }));
  }
}

function askUnpair(line) {
  if ($('#unpair-confirm')) return;
  line.append(el('span', { class: 'unpair-confirm', attrs: { id: 'unpair-confirm', role: 'alert' } }, [
    el('span', { text: t('conn.unpair_confirm') }),
    el('button', { class: 'btn btn-small btn-danger', text: t('conn.unpair'), attrs: { type: 'button', id: 'unpair-yes' }, on: { click: unpair } }),
  ]));
}

async function unpair() {
  try {
    const r = await call('unpair_device');
    if (!r.revoked_on_server) showGlobalError({ code: 'SERVER_UNREACHABLE', message_zh: t('conn.unpaired_local'), message_en: t('conn.unpaired_local') });
    await reloadMode();
  } catch (err) {
    showGlobalError(err);
  }
}

/** While connected: notice the server going away and coming back (a read
 * every few seconds when it was lost), without a restart of the app. */
let lastAsked = 0;

function watchConnection() {
  if (connTimer) return;
  connTimer = setInterval(async () => {
    if (!connection) return;
    const was = connection.online;
    // A light read: every 3 s while the server is away, every 10 s otherwise.
    if (connection.paired && (!was || Date.now() - lastAsked >= 10000)) {
      lastAsked = Date.now();
      try { await op('info'); } catch (_) { /* still away */ }
    }
    try { connection = await call('connection_state'); } catch (_) { return; }
    if (connection.online !== was) {
      if (connection.online && active) show(active);
      renderStatus();
    }
  }, 3000);
}

async function renderStatus() {
  const line = $('#status-line');
  if (connection) {
    let info = null;
    if (connection.paired) {
      try { info = await op('info'); showGlobalError(null); } catch (_) { /* shown as offline */ }
    }
    try { connection = await call('connection_state'); } catch (_) { /* keep */ }
    renderConnection(line, info);
    return;
  }
  try {
    const info = await op('info');
    const role = session.kiosk ? t('status.kiosk') : t(`status.role_${installation.role}`);
    line.textContent = session.kiosk
      ? `${role} · ${t('status.today')} ${info.today_china} · v${info.app_version}`
      : `${role} · ${t('status.db')}: ${info.db_path} · ${t('status.schema')} ${info.schema_version} · ${t('status.today')} ${info.today_china} · v${info.app_version}`;
    showGlobalError(null);
  } catch (err) {
    line.textContent = '';
    showGlobalError(err);
  }
}

/** A screen's module, loaded the first time it is needed. */
async function loaded(screen) {
  if (!screen.module) screen.module = await screen.load();
  return screen.module;
}

let shown = 0; // counts show() calls, so a screen that loads late mounts only if still asked for

function show(screen) {
  // A screen may hold timers (the QR code refreshes itself): stop them.
  if (active && active.module && typeof active.module.unmount === 'function') active.module.unmount();
  active = screen;
  renderChrome();
  const root = $('#screen');
  clear(root);
  root.dataset.screen = screen.id;
  const asked = ++shown;
  if (screen.module) { screen.module.mount(root); return; }
  loaded(screen).then((m) => {
    // Mounted only if nothing else was shown while it loaded.
    if (asked === shown) m.mount(root);
  }).catch(() => { const text = t('screen.load_failed'); showGlobalError({ code: 'INTERNAL', message_zh: text, message_en: text }); });
}

// ---------------------------------------------------------------- elder mode

const ELDER_KEY = 'qinqing.elder';

function applyElder(on) {
  document.documentElement.classList.toggle('elder', on);
  try { window.localStorage.setItem(ELDER_KEY, on ? '1' : '0'); } catch (_) { /* not persisted */ }
}

function elderSaved() {
  try { return window.localStorage.getItem(ELDER_KEY) === '1'; } catch (_) { return false; }
}

// ---------------------------------------------------------------- kiosk

function onKiosk(k) {
  const hadResident = kstate && kstate.resident;
  const hadStaff = kstate && kstate.staff;
  kstate = k;
  if (hadStaff && !k.staff) {
    for (const s of [...SCREENS, KIOSK]) if (s.module && typeof s.module.reset === 'function') s.module.reset();
    clearThumbs();
  }
  session.residentId = k.resident ? k.resident.person_id : null;
  if (hadResident && !k.resident) { wipe(k.ended || 'ended'); return; }
  const screens = screensNow();
  show(screens.includes(active) ? active : screens[0]);
}

let lastInput = Date.now();
let lastTouchSent = 0;

function installIdle() {
  const activity = () => {
    lastInput = Date.now();
    hideWarning();
    if (kstate && (kstate.staff || kstate.resident) && Date.now() - lastTouchSent > 5000) {
      lastTouchSent = Date.now();
      call('kiosk_touch').catch(() => {});
    }
  };
  for (const ev of ['pointerdown', 'keydown', 'touchstart', 'wheel']) document.addEventListener(ev, activity, { capture: true, passive: true });
  // The staff log-in also ends after inactivity (a setting); Rust decides.
  setInterval(async () => {
    if (!kstate || !kstate.staff) return;
    try {
      const k = await call('kiosk_state');
      if (!k.staff || (kstate.resident && !k.resident)) onKiosk(k);
    } catch (_) { /* keep the screen */ }
  }, 15000);
  setInterval(() => {
    if (!kstate || !kstate.resident) { hideWarning(); return; }
    const idle = (Date.now() - lastInput) / 1000;
    const left = Math.ceil(kstate.idle_secs - idle);
    if (left <= 0) wipe('resident_idle');
    else if (left <= kstate.warning_secs) showWarning(left);
  }, 250);
}

function showWarning(left) {
  const box = $('#idle-warning');
  box.hidden = false;
  $('#idle-text').textContent = t('kiosk.idle_warning', { n: left });
}

function hideWarning() {
  const box = $('#idle-warning');
  if (box && !box.hidden) box.hidden = true;
}

/** End the resident session and forget everything about the resident. */
async function wipe(reason) {
  hideWarning();
  if (active && active.module && typeof active.module.unmount === 'function') active.module.unmount();
  for (const s of [...SCREENS, KIOSK]) if (s.module && typeof s.module.reset === 'function') s.module.reset();
  clearThumbs();
  clear($('#screen'));
  showGlobalError(null);
  session.residentId = null;
  for (const input of document.querySelectorAll('input, textarea, select')) {
    if (input.type === 'checkbox' || input.type === 'radio') input.checked = false; else input.value = '';
  }
  try {
    kstate = await call('kiosk_end_resident');
  } catch (_) {
    kstate = Object.assign({}, kstate, { resident: null });
  }
  active = KIOSK;
  document.body.dataset.lastWipe = reason;
  show(KIOSK);
}

// ---------------------------------------------------------------- start

async function start() {
  $('#lang-toggle').addEventListener('click', () => setLang(lang() === 'en' ? 'zh-CN' : 'en'));
  $('#elder-toggle').addEventListener('click', () => { applyElder(!document.documentElement.classList.contains('elder')); renderChrome(); });
  applyElder(elderSaved());
  onLangChange(() => { show(active); renderStatus(); });
  let mode = { kiosk: false, installation: { role: 'unset' } };
  try { mode = await call('app_mode'); } catch (_) { /* not in the app */ }
  session.kiosk = !!mode.kiosk;
  installation = mode.installation || { role: 'unset' };
  connection = mode.connection || null;
  session.role = installation.role;
  if (connection) {
    document.body.classList.add('connected');
    (await loaded(PAIR)).configure({ server: connection.server });
    watchConnection();
  }
  if (session.kiosk) {
    document.body.classList.add('kiosk-mode');
    document.addEventListener('contextmenu', (e) => e.preventDefault());
    (await loaded(KIOSK)).configure({ get kstate() { return kstate; }, onChange: onKiosk });
    try { kstate = await call('kiosk_state'); } catch (err) { showGlobalError(err); kstate = { first_run: false, staff: null, resident: null, idle_secs: 120, warning_secs: 10 }; }
    active = KIOSK;
    installIdle();
  } else {
    active = screensNow()[0];
  }
  show(active);
  renderStatus();
  document.body.dataset.ready = '1';
}

// A screen set up, paired or connected this installation (state.js).
document.addEventListener(MODE_CHANGED, () => { reloadMode(); });
start();
