// 医保码: show a member's dynamic code — by the member, or by a holder for a
// bound relative. The code is valid 60 seconds and this screen asks Rust for a
// fresh one when it runs out; leaving the screen stops issuing.

import { visiblePersons } from '../session.js';
import { op } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';
import { t, errText } from '../i18n.js';

// The screen's state; reset() puts it back (the kiosk wipes it between residents).
const initial = () => ({
  persons: [],
  shownBy: null,
  member: null,
  options: [], // [{ member, label }]
  issued: null,
  payError: null,
  payNotice: null,
  left: 0,
  balance: null,
  error: null,
});
const { state, reset } = screenState(initial);
export { reset };

let root = null;
let tick = null;
let poll = null;

export function mount(container) {
  root = container;
  render();
  load();
}

export function unmount() {
  stop();
  root = null;
}

function stop() {
  clearInterval(tick);
  clearInterval(poll);
  tick = null;
  poll = null;
}

async function load() {
  try {
    state.persons = visiblePersons(await op('person_list', {}));
    if (state.shownBy === null && state.persons.length) {
      const holder = state.persons.find((p) => p.insurance === 'employee' && p.voucher_activated) || state.persons[0];
      state.shownBy = holder.id;
    }
    await loadOptions();
  } catch (err) {
    state.error = err;
  }
  render();
}

async function loadOptions() {
  const me = state.persons.find((p) => p.id === state.shownBy);
  const bound = state.shownBy === null ? [] : await op('binding_list', { holder: state.shownBy, status: 'active' });
  state.options = [];
  if (me) state.options.push({ member: me.id, name: me.name, label: t('qr.self', { name: me.name }) });
  for (const b of bound) state.options.push({ member: b.member.id, name: b.member.name, label: t('qr.for', { name: b.member.name, relation: t(`rel.${b.relation}`) }) });
  if (!state.options.some((o) => o.member === state.member)) state.member = state.options.length ? state.options[0].member : null;
}

async function issue() {
  if (!root || state.member === null) return;
  try {
    state.issued = await op('qr_issue', { member: state.member, holder: state.shownBy === state.member ? null : state.shownBy });
    state.balance = state.issued.balance_display;
    state.error = null;
    const expires = Date.parse(state.issued.expires_at);
    state.left = Math.max(0, Math.round((expires - Date.now()) / 1000));
    if (!tick) {
      tick = setInterval(() => {
        if (!state.issued) return;
        state.left = Math.max(0, Math.round((Date.parse(state.issued.expires_at) - Date.now()) / 1000));
        if (state.left <= 0) issue(); else renderCountdown();
      }, 1000);
      // The balance on screen follows payments made at the counter.
      poll = setInterval(refreshBalance, 2000);
    }
  } catch (err) {
    stop();
    state.issued = null;
    state.error = err;
  }
  render();
}

async function refreshBalance() {
  if (!state.issued || !root) return;
  try {
    const p = await op('person_get', { id: state.issued.member });
    if (p.balance_display !== state.balance) { state.balance = p.balance_display; render(); }
  } catch (_) { /* keep the last figure */ }
}

function renderCountdown() {
  const c = root && root.querySelector('#qr-countdown');
  if (c) c.textContent = t('qr.countdown', { n: state.left });
}

function svgUrl(svg) {
  const bytes = new TextEncoder().encode(svg);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `data:image/svg+xml;base64,${btoa(bin)}`;
}

function render() {
  if (!root) return;
  clear(root);
  const who = el('select', { class: 'input', attrs: { id: 'qr-shown-by', 'aria-label': t('qr.shown_by') } },
    state.persons.map((p) => el('option', { text: `${p.name}  ${p.resident_id_masked}`, attrs: { value: p.id, selected: p.id === state.shownBy } })));
  who.addEventListener('change', async () => {
    stop();
    state.shownBy = Number(who.value);
    state.issued = null;
    state.error = null;
    await loadOptions();
    render();
  });
  const whose = el('select', { class: 'input', attrs: { id: 'qr-member', 'aria-label': t('qr.member') } },
    state.options.map((o) => el('option', { text: o.label, attrs: { value: o.member, selected: o.member === state.member } })));
  whose.addEventListener('change', () => { stop(); state.member = Number(whose.value); state.issued = null; state.error = null; state.payError = null; state.payNotice = null; render(); });

  const i = state.issued;
  root.append(el('section', { class: 'qr-screen' }, [
    el('div', { class: 'toolbar' }, [el('h1', { class: 'screen-title', text: t('qr.title') })]),
    el('p', { class: 'muted intro', text: t('qr.intro') }),
    el('div', { class: 'field-row qr-pickers' }, [
      el('div', { class: 'field' }, [el('label', { text: t('qr.shown_by'), attrs: { for: 'qr-shown-by' } }), who]),
      el('div', { class: 'field' }, [el('label', { text: t('qr.member'), attrs: { for: 'qr-member' } }), whose]),
    ]),
    el('button', { class: 'btn btn-primary', text: i ? t('qr.refresh') : t('qr.show'), attrs: { type: 'button', id: 'qr-show', disabled: state.member === null }, on: { click: issue } }),
    state.error ? el('p', { class: 'form-error', text: `${errText(state.error)} (${state.error.code})`, attrs: { role: 'alert', id: 'qr-error', 'data-code': state.error.code } }) : null,
    i ? el('div', { class: 'card qr-card', attrs: { id: 'qr-card', 'data-member-id': i.member } }, [
      el('h3', { class: 'card-title', text: i.member_name }),
      el('img', { class: 'qr-img', attrs: { src: svgUrl(i.svg), alt: t('qr.alt', { name: i.member_name }), id: 'qr-img' } }),
      el('p', { class: 'qr-countdown', text: t('qr.countdown', { n: state.left }), attrs: { id: 'qr-countdown', 'aria-live': 'polite' } }),
      el('p', { class: 'qr-balance' }, [t('qr.balance'), ' ', el('strong', { class: 'mono', text: state.balance || '', attrs: { id: 'qr-balance' } })]),
      el('p', { class: 'muted small', text: i.shown_by === i.member ? t('qr.own') : t('qr.proxy') }),
      i.offline ? el('p', { class: 'notice qr-offline', text: t('qr.offline'), attrs: { id: 'qr-offline' } }) : null,
    ]) : null,
    payPasswordCard(),
  ]));
}

/** The member's payment password, which confirms a payment at the counter.
 *  Rust decides who may set it (the person, or the holder of a child under
 *  16); the typed digits leave the page with the request. */
function payPasswordCard() {
  if (state.member === null) return null;
  const opt = state.options.find((o) => o.member === state.member);
  const pw = el('input', { class: 'input mono', attrs: { id: 'pay-pw', type: 'password', inputmode: 'numeric', maxlength: 6, autocomplete: 'new-password' } });
  const again = el('input', { class: 'input mono', attrs: { id: 'pay-pw2', type: 'password', inputmode: 'numeric', maxlength: 6, autocomplete: 'new-password' } });
  // A change needs the current password (Rust says when: PAY_PASSWORD_CURRENT_REQUIRED);
  // a forgotten one is reset in person at the service centre.
  const current = el('input', { class: 'input mono', attrs: { id: 'pay-pw-current', type: 'password', inputmode: 'numeric', maxlength: 6, autocomplete: 'current-password' } });
  const submit = async (ev) => {
    ev.preventDefault();
    const a = pw.value;
    const b = again.value;
    const c = current.value;
    pw.value = '';
    again.value = '';
    current.value = '';
    try {
      await op('pay_password_set', { id: state.member, password: a, again: b, current: c || null });
      state.payError = null;
      state.payNotice = t('qr.pay_set');
    } catch (err) {
      state.payError = err;
      state.payNotice = null;
    }
    render();
  };
  const err = state.payError;
  return el('form', { class: 'card form qr-pay', attrs: { id: 'pay-form', novalidate: true }, on: { submit } }, [
    el('h3', { class: 'card-title', text: t('qr.pay_title', { name: opt ? opt.name : '' }) }),
    el('p', { class: 'muted', text: t('qr.pay_hint') }),
    el('div', { class: 'field-row' + (err ? ' has-error' : '') }, [
      el('div', { class: 'field' }, [el('label', { text: t('qr.pay_current'), attrs: { for: 'pay-pw-current' } }), current]),
      el('div', { class: 'field' }, [el('label', { text: t('qr.pay_new'), attrs: { for: 'pay-pw' } }), pw]),
      el('div', { class: 'field' }, [el('label', { text: t('qr.pay_again'), attrs: { for: 'pay-pw2' } }), again]),
    ]),
    err ? el('p', { class: 'field-error', text: `${errText(err)} (${err.code})`, attrs: { 'data-error-for': 'pay_password', 'data-code': err.code, role: 'alert' } }) : null,
    state.payNotice ? el('p', { class: 'notice', text: state.payNotice, attrs: { id: 'pay-notice', role: 'status' } }) : null,
    el('button', { class: 'btn', text: t('qr.pay_save'), attrs: { type: 'submit', id: 'pay-save' } }),
  ]);
}
