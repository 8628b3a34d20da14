// The kiosk's start screen and staff desk: first-run setup of the
// administrator, staff log-in, starting a resident session after an
// in-person ID check, adding staff (admins), log-out, and leaving kiosk mode
// with an administrator's password.

import { call, op } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';
import { t, errText } from '../i18n.js';

const initial = () => ({ staff: [], form: {}, error: null, notice: '', exit: false, pairing: null, pairError: null, exporting: false, exportNotice: '', exportError: null });
const { state, reset } = screenState(initial);
export { reset };

let root = null;
let ctx = null; // { kstate, onChange(kstate) } from the app shell


export function configure(c) { ctx = c; }

export function mount(container) {
  root = container;
  render();
}

async function act(fn) {
  try {
    const k = await fn();
    state.error = null;
    state.form = {};
    if (k && ctx) ctx.onChange(k);
  } catch (err) {
    state.error = err;
    render();
  }
}

function input(key, attrs) {
  const i = el('input', { class: 'input', attrs: { autocomplete: 'off', ...attrs } });
  i.value = state.form[key] || '';
  i.addEventListener('input', () => { state.form[key] = i.value; });
  return i;
}

function field(labelKey, control, name) {
  const err = state.error && (state.error.field === name) ? state.error : null;
  return el('div', { class: 'field' + (err ? ' has-error' : '') }, [
    el('label', { text: t(labelKey), attrs: { for: control.id } }), control,
    err ? el('p', { class: 'field-error', text: errText(err), attrs: { 'data-error-for': name, 'data-code': err.code, role: 'alert' } }) : null,
  ]);
}

function formError(names) {
  const e = state.error;
  if (!e || names.includes(e.field)) return null;
  return el('p', { class: 'form-error', text: `${errText(e)} (${e.code})`, attrs: { role: 'alert', id: 'kiosk-error', 'data-code': e.code } });
}

/** A staff number, typed (or scanned from a badge): the kiosk lists no names. */
function staffNumber(id) {
  return input(id, { id, type: 'text', inputmode: 'numeric', maxlength: 9, class: 'input mono' });
}

function render() {
  if (!root || !ctx) return;
  clear(root);
  const k = ctx.kstate;
  let body;
  if (k.register) body = registerKiosk();
  else if (k.first_run) body = firstRun();
  else if (!k.staff) body = login();
  else body = desk(k);
  root.append(el('section', { class: 'kiosk', attrs: { id: 'kiosk' } }, [body]));
}

function firstRun() {
  const submit = (ev) => { ev.preventDefault(); act(() => call('kiosk_first_admin', { name: state.form.name || '', password: state.form.pw || '', again: state.form.pw2 || '' })); };
  return el('form', { class: 'card form kiosk-card', attrs: { id: 'kiosk-first-run', novalidate: true }, on: { submit } }, [
    el('h1', { class: 'card-title', text: t('kiosk.first_run') }),
    el('p', { class: 'muted', text: t('kiosk.first_run_hint') }),
    formError(['name', 'password']),
    field('kiosk.admin_name', input('name', { id: 'k-admin-name', type: 'text', maxlength: 30 }), 'name'),
    field('kiosk.password', input('pw', { id: 'k-admin-pw', type: 'password' }), 'password'),
    field('kiosk.password_again', input('pw2', { id: 'k-admin-pw2', type: 'password' }), 'password2'),
    el('button', { class: 'btn btn-primary', text: t('kiosk.create_admin'), attrs: { type: 'submit', id: 'k-admin-create' } }),
  ]);
}

/** A kiosk connected to the centre's server, first start: an administrator
 * logs in once and the server registers this kiosk. */
function registerKiosk() {
  const submit = (ev) => {
    ev.preventDefault();
    const password = state.form.rpw || '';
    state.form.rpw = '';
    act(async () => {
      await call('kiosk_register', { admin: Number(state.form['k-reg-admin']), password, label: state.form.rlabel || null });
      return call('kiosk_state');
    });
  };
  return el('form', { class: 'card form kiosk-card', attrs: { id: 'kiosk-register', novalidate: true }, on: { submit } }, [
    el('h1', { class: 'card-title', text: t('kiosk.register') }),
    el('p', { class: 'muted', text: t('kiosk.register_hint') }),
    formError(['password']),
    field('kiosk.admin', staffNumber('k-reg-admin'), 'staff'),
    field('kiosk.password', input('rpw', { id: 'k-reg-pw', type: 'password' }), 'password'),
    field('kiosk.register_label', input('rlabel', { id: 'k-reg-label', type: 'text', maxlength: 40 }), 'label'),
    el('button', { class: 'btn btn-primary', text: t('kiosk.register_do'), attrs: { type: 'submit', id: 'k-register' } }),
  ]);
}

function login() {
  const submit = (ev) => {
    ev.preventDefault();
    const password = state.form.pw || '';
    state.form.pw = ''; // never kept in the page
    act(() => call('kiosk_login', { staff: Number(state.form['k-staff']), password }));
  };
  return el('form', { class: 'card form kiosk-card', attrs: { id: 'kiosk-login', novalidate: true }, on: { submit } }, [
    el('h1', { class: 'card-title', text: t('kiosk.welcome') }),
    el('p', { class: 'muted', text: t('kiosk.login_hint') }),
    formError(['password']),
    field('kiosk.staff', staffNumber('k-staff'), 'staff'),
    field('kiosk.password', input('pw', { id: 'k-password', type: 'password' }), 'password'),
    el('button', { class: 'btn btn-primary', text: t('kiosk.login'), attrs: { type: 'submit', id: 'k-login' } }),
  ]);
}

function desk(k) {
  const attest = el('input', { attrs: { type: 'checkbox', id: 'k-attest', checked: !!state.form.attest } });
  attest.addEventListener('change', () => { state.form.attest = attest.checked; });
  const start = (ev) => { ev.preventDefault(); act(() => call('kiosk_start_resident', { residentId: state.form.rid || '', attested: !!state.form.attest })); };
  const addStaff = (ev) => { ev.preventDefault(); act(async () => { await call('kiosk_add_staff', { name: state.form.sname || '', role: state.form.srole || 'staff', password: state.form.spw || '', again: state.form.spw2 || '' }); state.notice = t('kiosk.staff_added'); return call('kiosk_state'); }); };
  const exit = (ev) => { ev.preventDefault(); act(() => call('kiosk_exit', { admin: Number(state.form['k-exit-admin']), password: state.form.xpw || '' })); };
  const role = el('select', { class: 'input', attrs: { id: 'k-srole' } }, [['staff', 'kiosk.role_staff'], ['admin', 'kiosk.role_admin']].map(([v, l]) => el('option', { text: t(l), attrs: { value: v, selected: (state.form.srole || 'staff') === v } })));
  role.addEventListener('change', () => { state.form.srole = role.value; });
  return el('div', { class: 'kiosk-desk' }, [
    el('div', { class: 'toolbar' }, [
      el('h1', { class: 'screen-title', text: t('kiosk.desk', { name: k.staff.name }) }),
      el('button', { class: 'btn', text: t('kiosk.logout'), attrs: { type: 'button', id: 'k-logout' }, on: { click: () => act(() => call('kiosk_logout')) } }),
    ]),
    state.notice ? el('p', { class: 'notice', text: state.notice }) : null,
    k.resident ? null : el('form', { class: 'card form kiosk-card', attrs: { id: 'kiosk-start-resident', novalidate: true }, on: { submit: start } }, [
      el('h3', { class: 'card-title', text: t('kiosk.serve') }),
      el('p', { class: 'muted', text: t('kiosk.serve_hint') }),
      formError(['resident_id', 'attest']),
      field('kiosk.resident_id', input('rid', { id: 'k-resident-id', type: 'text', maxlength: 40, class: 'input mono' }), 'resident_id'),
      el('div', { class: 'field field-check' + (state.error && state.error.field === 'attest' ? ' has-error' : '') }, [attest, el('label', { text: t('kiosk.attest'), attrs: { for: 'k-attest' } })]),
      state.error && state.error.field === 'attest' ? el('p', { class: 'field-error', text: errText(state.error), attrs: { 'data-error-for': 'attest', 'data-code': state.error.code } }) : null,
      el('button', { class: 'btn btn-primary', text: t('kiosk.start'), attrs: { type: 'submit', id: 'k-start' } }),
    ]),
    k.resident ? pairCard(k.resident) : null,
    k.resident ? exportCard(k.resident) : null,
    k.is_admin ? el('details', { class: 'card kiosk-card' }, [
      el('summary', { text: t('kiosk.add_staff') }),
      el('form', { class: 'form', attrs: { id: 'kiosk-add-staff', novalidate: true }, on: { submit: addStaff } }, [
        field('kiosk.staff_name', input('sname', { id: 'k-sname', type: 'text', maxlength: 30 }), 'name'),
        field('kiosk.role', role, 'role'),
        field('kiosk.password', input('spw', { id: 'k-spw', type: 'password' }), 'password'),
        field('kiosk.password_again', input('spw2', { id: 'k-spw2', type: 'password' }), 'password2'),
        el('button', { class: 'btn', text: t('kiosk.add'), attrs: { type: 'submit', id: 'k-add-staff' } }),
      ]),
    ]) : null,
    el('details', { class: 'card kiosk-card' }, [
      el('summary', { text: t('kiosk.exit') }),
      el('form', { class: 'form', attrs: { id: 'kiosk-exit', novalidate: true }, on: { submit: exit } }, [
        field('kiosk.admin', staffNumber('k-exit-admin'), 'staff'),
        field('kiosk.password', input('xpw', { id: 'k-exit-pw', type: 'password' }), 'password'),
        el('button', { class: 'btn btn-danger', text: t('kiosk.exit_do'), attrs: { type: 'submit', id: 'k-exit' } }),
      ]),
    ]),
  ]);
}

/** Issue 35: the served resident's own data, saved for them (onto a USB
 * stick, say) into a new folder staff choose; Rust decides that only the
 * resident served in person (or their child under 16) may be exported here. */
function exportCard(resident) {
  const run = async () => {
    state.exporting = true;
    state.exportNotice = '';
    state.exportError = null;
    render();
    try {
      const r = await call('person_export_save', { person: resident.person_id });
      if (r) state.exportNotice = t('export.done', { folder: r.folder, n: r.documents });
    } catch (err) {
      state.exportError = err;
    }
    state.exporting = false;
    render();
  };
  const err = state.exportError;
  return el('section', { class: 'card kiosk-card', attrs: { id: 'kiosk-export' } }, [
    el('h3', { class: 'card-title', text: t('export.kiosk_title') }),
    el('p', { class: 'muted', text: t('export.kiosk_hint') }),
    state.exportNotice ? el('p', { class: 'notice', text: state.exportNotice, attrs: { role: 'status', id: 'k-export-notice' } }) : null,
    err ? el('p', { class: 'form-error', text: `${errText(err)} (${err.code})`, attrs: { role: 'alert', id: 'k-export-error', 'data-code': err.code } }) : null,
    el('button', {
      class: 'btn', text: state.exporting ? t('export.working') : t('export.button_resident'),
      attrs: { type: 'button', id: 'k-export', disabled: state.exporting }, on: { click: run },
    }),
  ]);
}

/** Pairing the served resident's family computer: a one-time code, shown
 * large with the holder's masked name, to be typed at home within 10 minutes. */
function pairCard(resident) {
  const start = async () => {
    try {
      state.pairing = await op('pairing_start', { holder: resident.person_id });
      state.pairError = null;
    } catch (err) {
      state.pairing = null;
      state.pairError = err;
    }
    render();
  };
  const err = state.pairError;
  const p = state.pairing && state.pairing.holder === resident.person_id ? state.pairing : null;
  return el('section', { class: 'card kiosk-card', attrs: { id: 'kiosk-pairing' } }, [
    el('h3', { class: 'card-title', text: t('kiosk.pair_title') }),
    el('p', { class: 'muted', text: t('kiosk.pair_hint') }),
    p ? el('div', { class: 'pairing-code-box' }, [
      el('p', { text: t('kiosk.pair_for', { name: p.holder_name_masked }) }),
      // Read out letter by letter: a paragraph's aria-label is not exposed
      // (ARIA prohibits naming it), so the spelled-out code is hidden text.
      el('p', { class: 'pairing-code mono', text: p.code, attrs: { id: 'k-pairing-code', 'aria-hidden': 'true' } }),
      el('p', { class: 'sr-only-text', text: p.code.split('').join(' '), attrs: { id: 'k-pairing-code-spoken' } }),
      // People read China time (UTC+8); the UTC form only from an older server.
      el('p', {
        class: 'muted',
        attrs: { id: 'k-pairing-until' },
        text: p.expires_at_local
          ? t('kiosk.pair_until_local', { time: p.expires_at_local })
          : t('kiosk.pair_until', { time: p.expires_at.replace('T', ' ').replace('Z', ' UTC') }),
      }),
    ]) : null,
    err ? el('p', { class: 'form-error', text: `${errText(err)} (${err.code})`, attrs: { role: 'alert', id: 'k-pair-error', 'data-code': err.code } }) : null,
    el('button', { class: 'btn btn-primary', text: p ? t('kiosk.pair_again') : t('kiosk.pair_start'), attrs: { type: 'button', id: 'k-pair-start' }, on: { click: start } }),
  ]);
}
