// 家庭共济 and 代缴 (DOMAIN §3). Three views:
// - the authorizer's relations: each with its monthly cap bar, what is left
//   this month, the online-pharmacy daily cap, why it does not pay (lapse) and
//   what to do; change caps, freeze / unfreeze / revoke after a confirmation;
//   "add a relative" with the commitment letter shown in full and signed;
// - the beneficiary's side: who pays for me, in paying order, and how much
//   each can still pay this month;
// - 代缴: payer, relative, insured region, year and tier, the check
//   (代缴信息校验), payment, a printable receipt, and past premiums.
// Every rule and every amount on screen is Rust's; this screen sends what was
// typed (yuan turned into integer fen, digit by digit) and lays out the answer.

import { session, visiblePersons } from '../session.js';
import { call, op } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';
import { t, errText, lang } from '../i18n.js';

const RELATIONS = ['child', 'parent', 'spouse', 'parent_in_law', 'grandparent', 'grandchild', 'sibling'];
const TABS = ['give', 'payers', 'premium'];

// Which input a refusal belongs to, per form (Rust's field name → ours).
const AID_FIELDS = { authorizer: 'authorizer', beneficiary: 'beneficiary', relation: 'relation', letter: 'letter', monthly_cap: 'monthly_cap', online_daily_cap: 'online_daily_cap', pay_password: 'pay_password' };
const CAP_FIELDS = { monthly_cap: 'monthly_cap', online_daily_cap: 'online_daily_cap', pay_password: 'pay_password' };
const PREMIUM_FIELDS = { payer: 'payer', beneficiary: 'beneficiary', region: 'region', year: 'year', tier: 'tier' };

// The screen's state; reset() puts it back (the kiosk wipes it between residents).
const initial = () => ({
  tab: 'give',
  persons: [], // who this screen may pick as "me" (the resident only, at the kiosk)
  relatives: [], // whom "me" may pick as the relative
  thisYear: null,
  letter: null,
  notice: '',
  error: null,
  busy: false,
  // the authorizer's side
  authorizer: null,
  aids: [],
  adding: false,
  form: { beneficiary: '', relation: 'child', monthly: '', online: '', agree: false },
  formError: null,
  editing: null, // aid id whose caps are being changed
  edit: { monthly: '', online: '' },
  editError: null,
  confirm: null, // { id, action }
  // the beneficiary's side
  beneficiary: null,
  payers: [],
  // 代缴
  payer: null,
  relative: null,
  pform: { region: '', year: null, tier: '' },
  tiers: [],
  check: null,
  checked: null, // the request that was checked
  receipt: null,
  premiums: [],
  perror: null,
});
const { state, reset: resetState } = screenState(initial);

let root = null;
let seq = 0; // answers to an older load are dropped
let tierSeq = 0;
let epoch = 0; // bumped by reset(): an answer to an older epoch is someone else's
// The insured-region input outlives a render: leaving it reloads the tiers and
// re-renders, and the person typing (or tabbing back) keeps the same field.
let regionEl = null;

export function reset() {
  resetState();
  regionEl = null;
  // Answers still on their way belong to the person before: drop them.
  seq += 1;
  tierSeq += 1;
  epoch += 1;
}

export function mount(container) {
  root = container;
  state.notice = ''; // a notice is about what was just done, not about coming back
  render();
  load();
}

export function unmount() {
  root = null;
}

// ---------------------------------------------------------------- money typed in

/**
 * Yuan as typed → fen, by Rust's one parser (`amount_parse`): `null` for an
 * empty field. A refusal comes back at `field`, in Rust's words.
 */
async function toFen(raw, field) {
  try {
    return await call('amount_parse', { text: String(raw ?? '') });
  } catch (err) {
    throw { ...err, field };
  }
}

/** Fen as plain yuan digits, only to prefill an input with the current value
 *  (Rust parses what is typed back); amounts shown are Rust's display strings. */
function fenToInput(fen) {
  if (fen === null || fen === undefined) return '';
  const s = String(Math.abs(fen)).padStart(3, '0');
  return `${fen < 0 ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
}

function msg(err) {
  return errText(err);
}

// ---------------------------------------------------------------- loading

async function load() {
  const my = ++seq;
  try {
    const everyone = await op('person_list', {});
    if (state.thisYear === null) state.thisYear = Number((await op('info')).today_china.slice(0, 4));
    if (state.pform.year === null) state.pform.year = state.thisYear;
    if (!state.letter) state.letter = await op('aid_letter');
    if (my !== seq) return;
    state.persons = visiblePersons(everyone);
    const ids = new Set(state.persons.map((p) => p.id));
    const employee = state.persons.find((p) => p.insurance === 'employee') || state.persons[0];
    if (!ids.has(state.authorizer)) state.authorizer = employee ? employee.id : null;
    if (!ids.has(state.payer)) state.payer = employee ? employee.id : null;
    if (!ids.has(state.beneficiary)) {
      const resident = state.persons.find((p) => p.insurance === 'resident') || state.persons[0];
      state.beneficiary = resident ? resident.id : null;
    }
    // Fetch first, then take the answer only if no newer load started meanwhile.
    const tab = state.tab;
    const got = tab === 'give' ? await fetchGive(state.authorizer, everyone)
      : tab === 'payers' ? await fetchPayers(state.beneficiary)
        : await fetchPremium(state.payer, everyone);
    if (my !== seq) return;
    Object.assign(state, got.data);
    if (tab === 'give' && !state.relatives.some((p) => String(p.id) === state.form.beneficiary)) state.form.beneficiary = firstNewRelative();
    if (tab === 'premium') {
      if (!state.relatives.some((p) => p.id === state.relative)) {
        // Start with a relative this payer already shares the account with.
        const shared = state.relatives.find((p) => p.insurance === 'resident' && got.payerAids.some((a) => a.beneficiary_id === p.id && a.status === 'active'));
        const first = shared || state.relatives.find((p) => p.insurance === 'resident') || state.relatives[0];
        pickRelative(first ? first.id : null);
      }
      await loadTiers();
      if (my !== seq) return;
    }
    state.error = null;
  } catch (err) {
    if (my !== seq) return;
    state.error = err;
  }
  render();
}

/** The relatives `self` may pick: anyone registered, or at the kiosk only
 *  the resident's own family (bound members and aid relations). */
async function relativesOf(self, everyone) {
  if (self === null) return [];
  if (session.residentId === null) return everyone.filter((p) => p.id !== self);
  const ids = new Set();
  for (const b of await op('binding_list', { holder: self, status: 'active' })) ids.add(b.member.id);
  for (const a of await op('aid_list', { authorizer: self })) ids.add(a.beneficiary_id);
  for (const a of await op('aid_list', { beneficiary: self })) ids.add(a.authorizer_id);
  return everyone.filter((p) => p.id !== self && ids.has(p.id));
}

async function fetchGive(authorizer, everyone) {
  if (authorizer === null) return { data: { aids: [], relatives: [] } };
  const aids = await op('aid_list', { authorizer });
  const relatives = await relativesOf(authorizer, everyone);
  return { data: { aids, relatives } };
}

async function fetchPayers(beneficiary) {
  if (beneficiary === null) return { data: { payers: [] } };
  const payers = await op('aid_payers', { beneficiary });
  return { data: { payers } };
}

async function fetchPremium(payer, everyone) {
  if (payer === null) return { data: { relatives: [], premiums: [] }, payerAids: [] };
  const relatives = await relativesOf(payer, everyone);
  const payerAids = await op('aid_list', { authorizer: payer });
  const premiums = await op('premium_list', { person: payer });
  return { data: { relatives, premiums }, payerAids };
}

/** Start the "add" form with a relative this authorizer does not share with yet. */
function firstNewRelative() {
  const live = new Set(state.aids.filter((a) => a.status !== 'revoked').map((a) => a.beneficiary_id));
  const p = state.relatives.find((r) => !live.has(r.id)) || state.relatives[0];
  return p ? String(p.id) : '';
}

function pickRelative(id) {
  state.relative = id;
  const p = state.relatives.find((r) => r.id === id);
  state.pform.region = p ? p.region.code : '';
  state.pform.tier = '';
  state.check = null;
  state.checked = null;
}

/** The tiers of the region and year on the form (the latest asked wins). */
async function loadTiers() {
  const my = ++tierSeq;
  const region = state.pform.region.trim();
  let tiers = [];
  let err = null;
  if (region) {
    try { tiers = await op('premium_tiers', { region, year: state.pform.year }); } catch (e) { err = e; }
  }
  if (my !== tierSeq) return;
  state.tiers = tiers;
  if (err) state.perror = err;
  else if (state.perror && PREMIUM_FIELDS[state.perror.field] === 'region') state.perror = null;
  if (!tiers.some((x) => x.tier === state.pform.tier)) state.pform.tier = tiers.length === 1 ? tiers[0].tier : '';
}

/** Run a call that changes something; refresh the tab or keep its error. */
async function act(fn, onError, notice) {
  if (state.busy) return null;
  state.busy = true;
  const mine = epoch;
  try {
    const r = await fn();
    if (mine !== epoch) return null;
    state.busy = false;
    state.notice = notice ? notice(r) : '';
    await load();
    return r;
  } catch (err) {
    if (mine !== epoch) return null;
    state.busy = false;
    onError(err);
    render();
    const bad = root && root.querySelector('.has-error input, .has-error select');
    if (bad) bad.focus();
    return null;
  }
}

// ---------------------------------------------------------------- rendering

function render() {
  if (!root) return;
  clear(root);
  const section = el('section', { class: 'aid-screen', attrs: { id: 'aid', 'data-tab': state.tab } }, [
    el('div', { class: 'toolbar' }, [el('h1', { class: 'screen-title', text: t('aid.title') })]),
    el('div', { class: 'aid-tabs', attrs: { role: 'tablist', 'aria-label': t('aid.title') } }, TABS.map((k) => el('button', {
      class: 'btn aid-tab', text: t(`aid.tab_${k}`),
      attrs: { type: 'button', role: 'tab', id: `aid-tab-${k}`, 'data-tab': k, 'aria-selected': state.tab === k ? 'true' : 'false' },
      on: { click: () => switchTab(k) },
    }))),
    el('p', { class: 'muted intro', text: t(`aid.intro_${state.tab}`) }),
    state.notice ? el('p', { class: 'notice', text: state.notice, attrs: { role: 'status', id: 'aid-notice' } }) : null,
    state.error ? el('p', { class: 'form-error', text: `${errText(state.error)} (${state.error.code})`, attrs: { role: 'alert', id: 'aid-error', 'data-code': state.error.code } }) : null,
    state.persons.length === 0 ? el('p', { class: 'empty', text: t('aid.no_persons') }) : null,
    state.persons.length && state.tab === 'give' ? giveView() : null,
    state.persons.length && state.tab === 'payers' ? payersView() : null,
    state.persons.length && state.tab === 'premium' ? premiumView() : null,
  ]);
  root.append(section);
  if (state.receipt) root.append(receiptView(state.receipt));
}

function switchTab(k) {
  if (state.tab === k) return;
  state.tab = k;
  state.relatives = []; // whose relatives differs by tab: shown once loaded
  state.notice = '';
  state.error = null;
  state.formError = null;
  state.editError = null;
  state.perror = null;
  state.confirm = null;
  state.editing = null;
  render();
  load();
}

function personOption(p, selected) {
  return el('option', { text: `${p.name} · ${t(`insurance.${p.insurance}`)} · ${p.resident_id_masked}`, attrs: { value: p.id, selected } });
}

function personSelect(id, labelKey, list, value, onPick) {
  const sel = el('select', { class: 'input', attrs: { id, 'aria-label': t(labelKey) } }, list.map((p) => personOption(p, p.id === value)));
  sel.addEventListener('change', () => onPick(Number(sel.value)));
  return sel;
}

function personPicker(id, labelKey, value, onPick) {
  return el('label', { class: 'holder-picker aid-picker' }, [el('span', { text: t(labelKey) }), personSelect(id, labelKey, state.persons, value, onPick)]);
}

function relLabel(r) { return t(`rel.${r}`); }

function fieldErrorOf(err, fields, name) {
  if (!err) return null;
  return [err, ...(err.also || [])].find((e) => e.field && fields[e.field] === name) || null;
}

/** Errors that belong to no input of the form. */
function otherErrors(err, fields, id) {
  if (!err) return [];
  return [err, ...(err.also || [])].filter((e) => !e.field || !fields[e.field])
    .map((e) => el('p', { class: 'form-error', text: `${msg(e)} (${e.code})`, attrs: { role: 'alert', id, 'data-code': e.code } }));
}

function field(name, label, control, { hint = null, err = null, prefix = 'aid' } = {}) {
  const id = `${prefix}-f-${name}`;
  if (!control.id) control.id = id;
  if (err) control.setAttribute('aria-invalid', 'true');
  return el('div', { class: 'field' + (err ? ' has-error' : ''), attrs: { 'data-field': name } }, [
    el('label', { text: label, attrs: { for: control.id } }),
    control,
    hint ? el('p', { class: 'hint', text: hint }) : null,
    err ? el('p', { class: 'field-error', text: msg(err), attrs: { 'data-error-for': name, 'data-code': err.code, role: 'alert' } }) : null,
  ]);
}

/**
 * The owner's 6-digit payment password: opening or widening a flow of their
 * own money is confirmed with it (Rust decides when it is needed; the page
 * only passes what was typed, and never keeps it).
 */
function payPasswordInput(id, onInput) {
  const i = el('input', { class: 'input mono', attrs: { id, type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: '6' } });
  i.addEventListener('input', () => onInput(i.value));
  return i;
}

function textInput(id, value, onInput, attrs = {}) {
  const i = el('input', { class: 'input mono', attrs: { id, type: 'text', inputmode: 'decimal', autocomplete: 'off', ...attrs } });
  i.value = value;
  i.addEventListener('input', () => onInput(i.value));
  return i;
}

// ---------------------------------------------------------------- the authorizer's side

function giveView() {
  const me = state.persons.find((p) => p.id === state.authorizer);
  const live = state.aids.filter((a) => a.status !== 'revoked');
  const ended = state.aids.filter((a) => a.status === 'revoked');
  return el('div', { class: 'aid-layout' }, [
    el('div', { class: 'aid-main' }, [
      el('div', { class: 'toolbar' }, [
        personPicker('aid-authorizer', 'aid.authorizer', state.authorizer, (id) => {
          state.authorizer = id;
          state.relatives = [];
          state.adding = false;
          state.formError = null;
          state.editing = null;
          state.confirm = null;
          state.notice = '';
          load();
        }),
        el('button', {
          class: 'btn btn-primary', text: t('aid.add'),
          attrs: { type: 'button', id: 'aid-add', disabled: state.authorizer === null },
          on: { click: openAdd },
        }),
      ]),
      me ? el('p', { class: 'aid-who', attrs: { id: 'aid-who' } }, [
        el('strong', { text: me.name }), ` · ${t(`insurance.${me.insurance}`)} · ${t('aid.balance')} `,
        el('strong', { class: 'mono', text: me.balance_display }),
      ]) : null,
      live.length === 0 ? el('p', { class: 'empty', text: t('aid.none'), attrs: { id: 'aid-empty' } }) : null,
      el('div', { class: 'cards', attrs: { id: 'aid-cards' } }, live.map(aidCard)),
      ended.length ? el('details', { class: 'unbound aid-ended', attrs: { id: 'aid-ended' } }, [
        el('summary', { text: `${t('aid.ended')} (${ended.length})` }),
        el('ul', {}, ended.map((a) => el('li', { attrs: { 'data-aid-id': a.id }, text: `${a.beneficiary_name} · ${relLabel(a.relation)} · ${a.created_at_local}` }))),
      ]) : null,
    ]),
    state.adding ? addView() : null,
  ]);
}

function openAdd() {
  state.adding = true;
  state.formError = null;
  state.notice = '';
  state.form = { ...initial().form, beneficiary: firstNewRelative() };
  render();
  const first = root && root.querySelector('#aid-flow select');
  if (first) first.focus();
}

/** The monthly cap: spent of cap as a bar, with Rust's figures, percentage and level. */
function capView(a) {
  const capped = a.monthly_cap_display !== null && a.monthly_cap_display !== undefined;
  const parts = [
    el('div', { class: 'aid-cap-head' }, [
      el('span', { text: t('aid.month_cap') }),
      el('span', {
        class: 'aid-cap-text mono',
        text: capped ? t('aid.spent_of', { spent: a.spent_this_month_display, cap: a.monthly_cap_display }) : t('aid.spent_no_cap', { spent: a.spent_this_month_display }),
      }),
    ]),
  ];
  if (capped) {
    const pct = String(a.cap_used_pct ?? 0);
    // The width goes through the CSSOM (the strict CSP forbids style= attributes).
    const fill = el('span', { class: `bar-fill level-${a.cap_level}` });
    fill.style.width = `${pct}%`;
    parts.push(el('div', {
      class: 'bar aid-bar',
      attrs: { role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': pct, 'aria-label': t('aid.month_cap'), 'data-level': a.cap_level },
    }, [fill]));
  }
  parts.push(el('p', { class: 'aid-left-line' }, [`${t('aid.left')} `, el('strong', { class: 'aid-left mono', text: a.left_this_month_display })]));
  return el('div', { class: 'aid-cap', attrs: { 'data-level': a.cap_level } }, parts);
}

function onlineText(a) {
  if (a.online_daily_cap_display === null || a.online_daily_cap_display === undefined) return t('aid.online_channel');
  return t('aid.online_cap', { cap: a.online_daily_cap_display, spent: a.online_spent_today_display });
}

function statusPill(a) {
  if (a.status === 'frozen') return el('span', { class: 'pill bpill-submitted aid-pill', text: t('aid.status_frozen') });
  if (a.status === 'revoked') return el('span', { class: 'pill bpill-unbound aid-pill', text: t('aid.status_revoked') });
  if (a.lapsed) return el('span', { class: 'pill pill-lapsed aid-pill', text: t('aid.status_lapsed') });
  return el('span', { class: 'pill bpill-active aid-pill', text: t('aid.status_active') });
}

function lapseView(a) {
  if (!a.lapsed) return null;
  return el('div', { class: 'aid-lapsed', attrs: { role: 'note', 'data-lapsed': a.lapsed } }, [
    el('p', { text: lang() === 'en' ? a.lapsed_en : a.lapsed_zh }),
    el('p', { class: 'aid-todo', text: t(`aid.todo_${a.lapsed}`) }),
  ]);
}

function aidCard(a) {
  const confirming = state.confirm && state.confirm.id === a.id ? state.confirm.action : null;
  const editing = state.editing === a.id;
  const actions = [];
  if (!confirming && !editing) {
    actions.push(el('button', { class: 'btn aid-edit', text: t('aid.change_caps'), attrs: { type: 'button' }, on: { click: () => openEdit(a) } }));
    if (a.status === 'active') actions.push(el('button', { class: 'btn aid-freeze', text: t('aid.freeze'), attrs: { type: 'button' }, on: { click: () => askConfirm(a.id, 'freeze') } }));
    if (a.status === 'frozen') actions.push(el('button', { class: 'btn btn-primary aid-unfreeze', text: t('aid.unfreeze'), attrs: { type: 'button' }, on: { click: () => askConfirm(a.id, 'unfreeze') } }));
    actions.push(el('button', { class: 'btn aid-revoke', text: t('aid.revoke'), attrs: { type: 'button' }, on: { click: () => askConfirm(a.id, 'revoke') } }));
  }
  return el('article', {
    class: `card aid-card aid-status-${a.status}${a.lapsed ? ' aid-is-lapsed' : ''}`,
    attrs: { 'data-aid-id': a.id, 'data-status': a.status, 'data-beneficiary-id': a.beneficiary_id, 'data-lapsed': a.lapsed || false },
  }, [
    el('div', { class: 'detail-head' }, [
      el('h3', { class: 'card-title aid-name', text: a.beneficiary_name }),
      statusPill(a),
    ]),
    el('dl', { class: 'facts compact' }, [
      el('dt', { text: t('aid.relation') }), el('dd', { text: relLabel(a.relation) }),
      el('dt', { text: t('aid.since') }), el('dd', { text: a.created_at_local }),
    ]),
    capView(a),
    el('p', { class: 'aid-online muted', text: onlineText(a) }),
    a.status === 'frozen' ? el('p', { class: 'aid-frozen-note', text: t('aid.frozen_note') }) : null,
    lapseView(a),
    confirming ? confirmView(a, confirming) : null,
    editing ? editView(a) : null,
    actions.length ? el('div', { class: 'actions' }, actions) : null,
  ]);
}

function askConfirm(id, action) {
  state.confirm = { id, action };
  state.editing = null;
  state.notice = '';
  render();
  const yes = root && root.querySelector('.aid-confirm-yes');
  if (yes) yes.focus();
}

const CONFIRM = {
  freeze: { cmd: 'aid_freeze', done: 'aid.frozen_done', danger: true },
  unfreeze: { cmd: 'aid_unfreeze', done: 'aid.unfrozen_done', danger: false },
  revoke: { cmd: 'aid_revoke', done: 'aid.revoked_done', danger: true },
};

function confirmView(a, action) {
  const c = CONFIRM[action];
  const names = { name: a.beneficiary_name, auth: a.authorizer_name };
  let pw = '';
  // Unfreezing lets the money flow again: the authorizer's own password.
  const pwInput = action === 'unfreeze' ? payPasswordInput('aid-unfreeze-pw', (v) => { pw = v; }) : null;
  return el('div', { class: 'confirm aid-confirm', attrs: { role: 'alertdialog', 'data-action': action } }, [
    el('p', { text: t(`aid.${action}_confirm`, names) }),
    pwInput ? field('pay_password', t('aid.pay_password', { name: a.authorizer_name }), pwInput, { hint: t('aid.pay_password_hint') }) : null,
    el('div', { class: 'actions' }, [
      el('button', {
        class: `btn ${c.danger ? 'btn-danger' : 'btn-primary'} aid-confirm-yes`, text: t(`aid.${action}_yes`), attrs: { type: 'button' },
        on: { click: () => {
          state.confirm = null;
          act(() => op(c.cmd, pwInput ? { id: a.id, pay_password: pw || null } : { id: a.id }), (err) => { state.error = err; }, () => t(c.done, names));
        } },
      }),
      el('button', { class: 'btn aid-confirm-no', text: t('aid.keep'), attrs: { type: 'button' }, on: { click: () => { state.confirm = null; render(); } } }),
    ]),
  ]);
}

function openEdit(a) {
  state.editing = a.id;
  state.confirm = null;
  state.editError = null;
  state.notice = '';
  state.edit = { monthly: fenToInput(a.monthly_cap_fen), online: fenToInput(a.online_daily_cap_fen) };
  render();
  const first = root && root.querySelector('#aid-edit-monthly');
  if (first) first.focus();
}

function editView(a) {
  const err = state.editError;
  const monthly = textInput('aid-edit-monthly', state.edit.monthly, (v) => { state.edit.monthly = v; });
  const online = textInput('aid-edit-online', state.edit.online, (v) => { state.edit.online = v; });
  let pw = '';
  const pwInput = payPasswordInput('aid-edit-pay-password', (v) => { pw = v; });
  const save = async (ev) => {
    ev.preventDefault();
    let monthlyFen;
    let onlineFen;
    try {
      monthlyFen = await toFen(state.edit.monthly, 'monthly_cap');
      onlineFen = await toFen(state.edit.online, 'online_daily_cap');
    } catch (err) {
      state.editError = err;
      render();
      return;
    }
    await act(async () => {
      let r = a;
      const payPassword = pw || null;
      if (monthlyFen !== a.monthly_cap_fen) r = await op('aid_set_cap', { id: a.id, cap_fen: monthlyFen, pay_password: payPassword });
      if (onlineFen !== a.online_daily_cap_fen) r = await op('aid_set_online_cap', { id: a.id, cap_fen: onlineFen, pay_password: payPassword });
      state.editing = null;
      state.editError = null;
      return r;
    }, (e) => { state.editError = e; }, () => t('aid.caps_saved', { name: a.beneficiary_name }));
  };
  return el('form', { class: 'aid-edit-form', attrs: { id: 'aid-edit-form', novalidate: true }, on: { submit: save } }, [
    ...otherErrors(err, CAP_FIELDS, 'aid-edit-error'),
    field('monthly_cap', t('aid.monthly_label'), monthly, { hint: t('aid.monthly_hint'), err: fieldErrorOf(err, CAP_FIELDS, 'monthly_cap') }),
    field('online_daily_cap', t('aid.online_label'), online, { hint: t('aid.online_hint'), err: fieldErrorOf(err, CAP_FIELDS, 'online_daily_cap') }),
    field('pay_password', t('aid.pay_password', { name: a.authorizer_name }), pwInput, { hint: t('aid.pay_password_raise_hint'), err: fieldErrorOf(err, CAP_FIELDS, 'pay_password') }),
    el('div', { class: 'actions' }, [
      el('button', { class: 'btn btn-primary', text: t('aid.save'), attrs: { type: 'submit', id: 'aid-edit-save' } }),
      el('button', { class: 'btn', text: t('aid.cancel'), attrs: { type: 'button', id: 'aid-edit-cancel' }, on: { click: () => { state.editing = null; state.editError = null; render(); } } }),
    ]),
  ]);
}

function addView() {
  const err = state.formError;
  const f = state.form;
  const me = state.persons.find((p) => p.id === state.authorizer);
  const letter = state.letter;
  const who = personSelect('aid-beneficiary', 'aid.beneficiary', state.relatives, Number(f.beneficiary), (id) => { f.beneficiary = String(id); });
  const rel = el('select', { class: 'input', attrs: { id: 'aid-relation' } }, RELATIONS.map((r) => el('option', { text: relLabel(r), attrs: { value: r, selected: f.relation === r } })));
  rel.addEventListener('change', () => { f.relation = rel.value; });
  const monthly = textInput('aid-monthly', f.monthly, (v) => { f.monthly = v; });
  const online = textInput('aid-online', f.online, (v) => { f.online = v; });
  const pwInput = payPasswordInput('aid-pay-password', (v) => { f.payPassword = v; });
  const agree = el('input', { attrs: { type: 'checkbox', id: 'aid-letter-agree', checked: f.agree } });
  agree.addEventListener('change', () => { f.agree = agree.checked; });
  const letterErr = fieldErrorOf(err, AID_FIELDS, 'letter');
  const authErr = fieldErrorOf(err, AID_FIELDS, 'authorizer');

  const submit = async (ev) => {
    ev.preventDefault();
    let monthlyFen;
    let onlineFen;
    try {
      monthlyFen = await toFen(f.monthly, 'monthly_cap');
      onlineFen = await toFen(f.online, 'online_daily_cap');
    } catch (err) {
      state.formError = err;
      render();
      return;
    }
    const request = {
      authorizer: state.authorizer,
      beneficiary: Number(f.beneficiary) || 0,
      relation: f.relation,
      monthly_cap_fen: monthlyFen,
      online_daily_cap_fen: onlineFen,
      // Signing is sending the hash of the text shown; unsigned, Rust refuses.
      letter_sha256: f.agree && letter ? letter.sha256 : '',
      pay_password: f.payPassword || null,
    };
    await act(async () => {
      const a = await op('aid_authorize', request);
      state.adding = false;
      state.formError = null;
      return a;
    }, (e) => { state.formError = e; }, (a) => t('aid.authorized', { name: a.beneficiary_name }));
  };

  return el('aside', { class: 'card flow aid-flow', attrs: { id: 'aid-flow' } }, [
    el('h3', { class: 'card-title', text: t('aid.add_title') }),
    el('form', { class: 'aid-form', attrs: { id: 'aid-form', novalidate: true }, on: { submit } }, [
      ...otherErrors(err, AID_FIELDS, 'aid-form-error'),
      el('div', { class: 'field' + (authErr ? ' has-error' : ''), attrs: { 'data-field': 'authorizer' } }, [
        el('p', { class: 'aid-form-who' }, [`${t('aid.form_who')} `, el('strong', { text: me ? me.name : '' }), me ? ` · ${t(`insurance.${me.insurance}`)} · ${me.balance_display}` : '']),
        authErr ? el('p', { class: 'field-error', text: msg(authErr), attrs: { 'data-error-for': 'authorizer', 'data-code': authErr.code, role: 'alert' } }) : null,
      ]),
      state.relatives.length
        ? field('beneficiary', t('aid.beneficiary'), who, { err: fieldErrorOf(err, AID_FIELDS, 'beneficiary') })
        : el('p', { class: 'empty', text: t('aid.no_relatives'), attrs: { id: 'aid-no-relatives' } }),
      field('relation', t('aid.relation_label'), rel, { hint: t('aid.relation_hint'), err: fieldErrorOf(err, AID_FIELDS, 'relation') }),
      field('monthly_cap', t('aid.monthly_label'), monthly, { hint: t('aid.monthly_hint'), err: fieldErrorOf(err, AID_FIELDS, 'monthly_cap') }),
      field('online_daily_cap', t('aid.online_label'), online, { hint: t('aid.online_hint'), err: fieldErrorOf(err, AID_FIELDS, 'online_daily_cap') }),
      el('h4', { class: 'step-title aid-letter-title', text: t('aid.letter_title') }),
      // The letter in full, in the language on screen; its hash is what is signed.
      el('div', { class: 'letter aid-letter', text: letter ? (lang() === 'en' ? letter.text_en : letter.text_zh) : '', attrs: { id: 'aid-letter-text', tabindex: '0' } }),
      letter ? el('p', { class: 'muted small', text: t('aid.letter_version', { v: letter.version }) }) : null,
      el('div', { class: 'field field-check aid-check' + (letterErr ? ' has-error' : ''), attrs: { 'data-field': 'letter' } }, [
        agree, el('label', { text: t('aid.letter_agree'), attrs: { for: 'aid-letter-agree' } }),
      ]),
      letterErr ? el('p', { class: 'field-error', text: msg(letterErr), attrs: { 'data-error-for': 'letter', 'data-code': letterErr.code, role: 'alert' } }) : null,
      field('pay_password', t('aid.pay_password', { name: me ? me.name : '' }), pwInput, { hint: t('aid.pay_password_hint'), err: fieldErrorOf(err, AID_FIELDS, 'pay_password') }),
      el('div', { class: 'actions' }, [
        el('button', { class: 'btn btn-primary', text: t('aid.submit'), attrs: { type: 'submit', id: 'aid-submit' } }),
        el('button', { class: 'btn', text: t('aid.close'), attrs: { type: 'button', id: 'aid-close' }, on: { click: () => { state.adding = false; state.formError = null; render(); } } }),
      ]),
    ]),
  ]);
}

// ---------------------------------------------------------------- the beneficiary's side

function payersView() {
  const me = state.persons.find((p) => p.id === state.beneficiary);
  const paying = state.payers.filter((p) => p.order > 0);
  const idle = state.payers.filter((p) => p.order === 0);
  return el('div', { class: 'aid-payers-view' }, [
    el('div', { class: 'toolbar' }, [
      personPicker('aid-beneficiary-pick', 'aid.beneficiary', state.beneficiary, (id) => { state.beneficiary = id; state.notice = ''; load(); }),
    ]),
    me ? el('p', { class: 'aid-order-note', attrs: { id: 'aid-order-note' } }, [
      t('aid.order_note', { name: me.name }), ' ',
      el('strong', { class: 'mono', text: me.balance_display }), t('aid.order_note_rest', { name: me.name }),
    ]) : null,
    state.payers.length === 0 ? el('p', { class: 'empty', text: t('aid.no_payers'), attrs: { id: 'aid-no-payers' } }) : null,
    paying.length ? el('ol', { class: 'aid-payers', attrs: { id: 'aid-payers' } }, paying.map(payerView)) : null,
    idle.length ? el('div', { class: 'aid-idle' }, [
      el('h3', { class: 'section-title', text: t('aid.not_paying') }),
      el('ul', { class: 'aid-payers', attrs: { id: 'aid-not-paying' } }, idle.map(payerView)),
    ]) : null,
  ]);
}

function payerView(p) {
  const why = p.status === 'frozen' ? t('aid.why_frozen', { name: p.authorizer_name }) : (lang() === 'en' ? p.lapsed_en : p.lapsed_zh);
  return el('li', { class: 'card aid-payer', attrs: { 'data-order': p.order, 'data-aid-id': p.id, 'data-authorizer-id': p.authorizer_id, 'data-status': p.status } }, [
    el('span', {
      class: 'aid-order' + (p.order ? '' : ' aid-order-none'), text: p.order ? String(p.order) : '–',
      attrs: { 'aria-label': p.order ? t('aid.order_n', { n: p.order }) : t('aid.not_paying') },
    }),
    el('div', { class: 'aid-payer-body' }, [
      el('div', { class: 'detail-head' }, [
        el('h3', { class: 'card-title aid-name', text: p.authorizer_name }),
        statusPill(p),
      ]),
      el('p', { class: 'muted small aid-payer-rel', text: t('aid.payer_rel', { rel: relLabel(p.relation), since: p.created_at_local }) }),
      p.order ? capView(p) : null,
      p.order ? el('p', { class: 'aid-online muted', text: onlineText(p) }) : null,
      p.order ? null : el('p', { class: 'aid-why', text: why || t('aid.why_other') }),
      p.order ? null : (p.lapsed ? el('p', { class: 'aid-todo', text: t(`aid.todo_${p.lapsed}`) }) : null),
    ]),
  ]);
}

// ---------------------------------------------------------------- 代缴

function premiumRequest() {
  return { payer: state.payer, beneficiary: state.relative || 0, region: state.pform.region.trim(), year: state.pform.year, tier: state.pform.tier };
}

function uncheck() {
  state.check = null;
  state.checked = null;
}

function premiumView() {
  const err = state.perror;
  const rel = state.relatives.find((p) => p.id === state.relative);
  const who = personSelect('premium-beneficiary', 'premium.relative', state.relatives, state.relative, async (id) => {
    pickRelative(id);
    state.perror = null;
    await loadTiers();
    render();
  });
  if (!regionEl) {
    const r = el('input', { class: 'input mono', attrs: { id: 'premium-region', type: 'text', inputmode: 'numeric', maxlength: 12, autocomplete: 'off' } });
    r.addEventListener('input', () => { state.pform.region = r.value; });
    // Leaving the field (before any click lands) drops a check of other details.
    r.addEventListener('change', async () => { state.pform.region = r.value; uncheck(); await loadTiers(); render(); });
    regionEl = r;
  }
  const region = regionEl;
  if (document.activeElement !== region && region.value !== state.pform.region) region.value = state.pform.region;
  region.removeAttribute('aria-invalid');
  const years = state.thisYear ? [state.thisYear, state.thisYear + 1] : [];
  const year = el('select', { class: 'input', attrs: { id: 'premium-year' } }, years.map((y) => el('option', { text: String(y), attrs: { value: y, selected: y === state.pform.year } })));
  year.addEventListener('change', async () => { state.pform.year = Number(year.value); uncheck(); await loadTiers(); render(); });

  const tierErr = fieldErrorOf(err, PREMIUM_FIELDS, 'tier');
  const tiers = el('div', { class: 'premium-tiers', attrs: { id: 'premium-tiers', role: 'radiogroup', 'aria-label': t('premium.tier') } },
    state.tiers.map((x) => {
      const r = el('input', { attrs: { type: 'radio', name: 'premium-tier', value: x.tier, checked: x.tier === state.pform.tier } });
      r.addEventListener('change', () => { state.pform.tier = x.tier; uncheck(); render(); });
      return el('label', { class: 'premium-tier' + (x.tier === state.pform.tier ? ' premium-tier-chosen' : ''), attrs: { 'data-tier': x.tier } }, [
        r, el('span', { class: 'premium-tier-label', text: lang() === 'en' ? x.label_en : x.label_zh }),
        el('strong', { class: 'premium-tier-amount mono', text: x.amount_display }),
      ]);
    }));

  const doCheck = async (ev) => {
    ev.preventDefault();
    if (state.busy) return;
    state.busy = true;
    const req = premiumRequest();
    const mine = epoch;
    try {
      const check = await op('premium_check', req);
      if (mine !== epoch) return;
      state.check = check;
      state.checked = req;
      state.perror = null;
      state.notice = '';
    } catch (e) {
      if (mine !== epoch) return;
      uncheck();
      state.perror = e;
    }
    state.busy = false;
    render();
    const target = root && root.querySelector(state.check ? '#premium-pay' : '.has-error input, .has-error select');
    if (target) target.focus();
  };

  return el('div', { class: 'premium-layout' }, [
    el('form', { class: 'card form premium-form', attrs: { id: 'premium-form', novalidate: true }, on: { submit: doCheck } }, [
      el('h3', { class: 'card-title', text: t('premium.form_title') }),
      ...otherErrors(err, PREMIUM_FIELDS, 'premium-error'),
      field('payer', t('premium.payer'), personSelect('premium-payer', 'premium.payer', state.persons, state.payer, (id) => {
        state.payer = id;
        state.relatives = [];
        state.relative = null;
        state.perror = null;
        uncheck();
        load();
      }), { err: fieldErrorOf(err, PREMIUM_FIELDS, 'payer'), hint: payerHint(), prefix: 'premium' }),
      state.relatives.length
        ? field('beneficiary', t('premium.relative'), who, { err: fieldErrorOf(err, PREMIUM_FIELDS, 'beneficiary'), prefix: 'premium' })
        : el('p', { class: 'empty', text: t('aid.no_relatives') }),
      field('region', t('premium.region'), region, {
        err: fieldErrorOf(err, PREMIUM_FIELDS, 'region'), prefix: 'premium',
        hint: rel ? t('premium.region_hint', { name: rel.name, code: rel.region.code, place: placeName(rel.region) }) : null,
      }),
      field('year', t('premium.year'), year, { err: fieldErrorOf(err, PREMIUM_FIELDS, 'year'), prefix: 'premium' }),
      el('div', { class: 'field' + (tierErr ? ' has-error' : ''), attrs: { 'data-field': 'tier' } }, [
        el('p', { class: 'premium-label', text: t('premium.tier') }),
        state.tiers.length ? tiers : el('p', { class: 'muted', text: t('premium.no_tiers'), attrs: { id: 'premium-no-tiers' } }),
        tierErr ? el('p', { class: 'field-error', text: msg(tierErr), attrs: { 'data-error-for': 'tier', 'data-code': tierErr.code, role: 'alert' } }) : null,
      ]),
      el('div', { class: 'actions' }, [
        el('button', { class: 'btn btn-primary', text: t('premium.check'), attrs: { type: 'submit', id: 'premium-check' } }),
      ]),
    ]),
    el('div', { class: 'premium-side' }, [
      state.check ? checkView(state.check) : el('div', { class: 'card premium-steps' }, [
        el('h3', { class: 'card-title', text: t('premium.steps_title') }),
        el('ol', { class: 'premium-step-list' }, ['premium.step1', 'premium.step2', 'premium.step3'].map((k) => el('li', { text: t(k) }))),
      ]),
      historyView(),
    ]),
  ]);
}

/** A division as words: province, then the division's own name (Chinese only in the data). */
function placeName(r) {
  const province = lang() === 'en' ? r.province_en : r.province_zh;
  return r.name_zh === r.province_zh ? province : `${province} ${r.name_zh}`;
}

function payerHint() {
  const p = state.persons.find((x) => x.id === state.payer);
  return p ? t('premium.payer_hint', { balance: p.balance_display }) : null;
}

/** A paid premium's tier as Rust recorded it (zh, en). */
function receiptTier(r) {
  return (lang() === 'en' ? r.tier_label_en : r.tier_label_zh) || '';
}

function checkView(c) {
  const tierText = `${lang() === 'en' ? c.tier.label_en : c.tier.label_zh}`;
  const rows = [
    ['premium.c_payer', c.payer_name],
    ['premium.c_relative', `${c.beneficiary_name} ${c.beneficiary_id_masked}`],
    ['premium.c_region', `${c.region} ${c.region_name}`],
    ['premium.c_year', String(c.year)],
    ['premium.c_tier', tierText],
    ['premium.c_after', c.payer_balance_after_display],
    ['premium.c_count', t('premium.count', { n: c.paid_relatives, max: c.max_relatives, year: c.year })],
  ];
  return el('div', { class: 'card premium-checked', attrs: { id: 'premium-checked' } }, [
    el('h3', { class: 'card-title', text: t('premium.checked_title') }),
    el('p', { class: 'done', text: `✓ ${t('premium.checked_ok')}` }),
    el('p', { class: 'premium-amount' }, [`${t('premium.c_amount')} `, el('strong', { class: 'mono', text: c.tier.amount_display, attrs: { id: 'premium-amount' } })]),
    el('dl', { class: 'facts' }, rows.flatMap(([k, v]) => [el('dt', { text: t(k) }), el('dd', { text: v })])),
    field('pay_password', t('aid.pay_password', { name: c.payer_name }), payPasswordInput('premium-pay-password', (v) => { state.payPassword = v; }), { hint: t('aid.pay_password_hint') }),
    el('div', { class: 'actions' }, [
      el('button', {
        class: 'btn btn-primary', text: t('premium.pay', { amount: c.tier.amount_display, name: c.payer_name }), attrs: { type: 'button', id: 'premium-pay' },
        on: { click: pay },
      }),
      el('button', { class: 'btn', text: t('premium.back'), attrs: { type: 'button', id: 'premium-back' }, on: { click: () => { uncheck(); render(); } } }),
    ]),
  ]);
}

async function pay() {
  if (state.busy || !state.checked) return;
  state.busy = true;
  const mine = epoch;
  try {
    const r = await op('premium_pay', { ...state.checked, pay_password: state.payPassword || null });
    state.payPassword = '';
    if (mine !== epoch) return;
    state.receipt = r;
    state.perror = null;
    state.notice = t('premium.paid', { no: r.receipt_no });
    uncheck();
    const premiums = await op('premium_list', { person: state.payer });
    // The payer's balance on screen follows.
    const persons = visiblePersons(await op('person_list', {}));
    if (mine !== epoch) return;
    state.premiums = premiums;
    state.persons = persons;
  } catch (e) {
    if (mine !== epoch) return;
    state.perror = e;
    uncheck();
  }
  state.busy = false;
  render();
  const print = root && root.querySelector('#premium-print');
  if (print) print.focus();
}

function historyView() {
  const rows = state.premiums;
  return el('div', { class: 'card premium-history', attrs: { id: 'premium-history' } }, [
    el('h3', { class: 'card-title', text: t('premium.history') }),
    rows.length === 0 ? el('p', { class: 'muted', text: t('premium.history_none') }) : el('ul', { class: 'premium-list' }, rows.map((r) => el('li', {
      class: 'premium-row', attrs: { 'data-receipt': r.receipt_no, 'data-premium-id': r.id },
    }, [
      el('div', { class: 'premium-row-text' }, [
        el('p', { class: 'premium-row-main' }, [
          el('strong', { text: r.beneficiary_name }), ` · ${t('premium.h_year')} ${r.year} · `,
          receiptTier(r) ? el('span', { class: 'premium-row-tier', text: `${receiptTier(r)} · ` }) : null,
          el('strong', { class: 'mono', text: r.amount_display }),
        ]),
        el('p', { class: 'premium-row-sub muted small', text: `${t('premium.h_no')} ${r.receipt_no} · ${t('premium.h_date')} ${r.china_date}` }),
      ]),
      el('button', { class: 'btn premium-view', text: t('premium.view'), attrs: { type: 'button' }, on: { click: () => { state.receipt = r; render(); } } }),
    ]))),
  ]);
}

/** The receipt as a printable page (the dashboard's statement pattern). */
function receiptView(r) {
  const rows = [
    ['premium.r_no', r.receipt_no, 'premium-r-no'],
    ['premium.r_amount', r.amount_display, 'premium-r-amount'],
    ['premium.r_at', r.paid_at_local, 'premium-r-at'],
    ['premium.r_relative', `${r.beneficiary_name} ${r.beneficiary_id_masked}`, null],
    ['premium.r_region', r.region ? `${r.region} ${r.region_name || ''}` : '', null],
    ['premium.r_year', String(r.year), null],
    ['premium.r_tier', receiptTier(r), null],
    ['premium.r_payer', t('premium.r_payer_text', { name: r.payer_name }), null],
  ];
  return el('div', { class: 'statement-page premium-receipt-page', attrs: { id: 'premium-receipt', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'premium-receipt-title' } }, [
    el('div', { class: 'statement-bar no-print' }, [
      el('button', { class: 'btn btn-primary', text: t('premium.print'), attrs: { type: 'button', id: 'premium-print' }, on: { click: () => window.print() } }),
      el('button', { class: 'btn', text: t('premium.close'), attrs: { type: 'button', id: 'premium-receipt-close' }, on: { click: () => { state.receipt = null; render(); } } }),
    ]),
    el('div', { class: 'premium-receipt' }, [
      el('h2', { class: 'premium-receipt-title', text: t('premium.receipt_title'), attrs: { id: 'premium-receipt-title' } }),
      el('dl', { class: 'facts premium-receipt-facts' }, rows.flatMap(([k, v, id]) => [el('dt', { text: t(k) }), el('dd', { class: id ? `mono ${id}` : '', text: v, attrs: { id } })])),
      el('p', { class: 'muted small', text: t('premium.receipt_note') }),
    ]),
  ]);
}
