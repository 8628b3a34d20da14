// 家庭共济, the authorizer's side: each relation with its monthly cap bar, what
// is left this month, the online-pharmacy daily cap, why it does not pay
// (lapse) and what to do; change caps, freeze / unfreeze / revoke after a
// confirmation; "add a relative" with the commitment letter shown in full and
// signed.

import { op } from '../api.js';
import { el } from '../dom.js';
import { t, lang } from '../i18n.js';
import { state, initial, view, render } from './aid-state.js';
import { load, firstNewRelative, act } from './aid-load.js';
import {
  AID_FIELDS, CAP_FIELDS, toFen, fenToInput, msg, personSelect, personPicker, relLabel,
  fieldErrorOf, otherErrors, field, payPasswordInput, textInput,
} from './aid-fields.js';

const RELATIONS = ['child', 'parent', 'spouse', 'parent_in_law', 'grandparent', 'grandchild', 'sibling'];

export function giveView() {
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
  const first = view.root && view.root.querySelector('#aid-flow select');
  if (first) first.focus();
}

/** The monthly cap: spent of cap as a bar, with Rust's figures, percentage and level. */
export function capView(a) {
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

export function onlineText(a) {
  if (a.online_daily_cap_display === null || a.online_daily_cap_display === undefined) return t('aid.online_channel');
  return t('aid.online_cap', { cap: a.online_daily_cap_display, spent: a.online_spent_today_display });
}

export function statusPill(a) {
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
  const yes = view.root && view.root.querySelector('.aid-confirm-yes');
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
  const first = view.root && view.root.querySelector('#aid-edit-monthly');
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
