// The 家庭共济 screen's form parts: money typed in, the person pickers, a
// labelled field with its hint and Rust's refusal, and which input each
// refusal belongs to.

import { call } from '../api.js';
import { el } from '../dom.js';
import { t, errText } from '../i18n.js';
import { state } from './aid-state.js';

// Which input a refusal belongs to, per form (Rust's field name → ours).
export const AID_FIELDS = { authorizer: 'authorizer', beneficiary: 'beneficiary', relation: 'relation', letter: 'letter', monthly_cap: 'monthly_cap', online_daily_cap: 'online_daily_cap', pay_password: 'pay_password' };
export const CAP_FIELDS = { monthly_cap: 'monthly_cap', online_daily_cap: 'online_daily_cap', pay_password: 'pay_password' };
export const PREMIUM_FIELDS = { payer: 'payer', beneficiary: 'beneficiary', region: 'region', year: 'year', tier: 'tier' };

// ---------------------------------------------------------------- money typed in

/**
 * Yuan as typed → fen, by Rust's one parser (`amount_parse`): `null` for an
 * empty field. A refusal comes back at `field`, in Rust's words.
 */
export async function toFen(raw, field) {
  try {
    return await call('amount_parse', { text: String(raw ?? '') });
  } catch (err) {
    throw { ...err, field };
  }
}

/** Fen as plain yuan digits, only to prefill an input with the current value
 *  (Rust parses what is typed back); amounts shown are Rust's display strings. */
export function fenToInput(fen) {
  if (fen === null || fen === undefined) return '';
  const s = String(Math.abs(fen)).padStart(3, '0');
  return `${fen < 0 ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
}

export function msg(err) {
  return errText(err);
}

export function personOption(p, selected) {
  return el('option', { text: `${p.name} · ${t(`insurance.${p.insurance}`)} · ${p.resident_id_masked}`, attrs: { value: p.id, selected } });
}

export function personSelect(id, labelKey, list, value, onPick) {
  const sel = el('select', { class: 'input', attrs: { id, 'aria-label': t(labelKey) } }, list.map((p) => personOption(p, p.id === value)));
  sel.addEventListener('change', () => onPick(Number(sel.value)));
  return sel;
}

export function personPicker(id, labelKey, value, onPick) {
  return el('label', { class: 'holder-picker aid-picker' }, [el('span', { text: t(labelKey) }), personSelect(id, labelKey, state.persons, value, onPick)]);
}

export function relLabel(r) { return t(`rel.${r}`); }

export function fieldErrorOf(err, fields, name) {
  if (!err) return null;
  return [err, ...(err.also || [])].find((e) => e.field && fields[e.field] === name) || null;
}

/** Errors that belong to no input of the form. */
export function otherErrors(err, fields, id) {
  if (!err) return [];
  return [err, ...(err.also || [])].filter((e) => !e.field || !fields[e.field])
    .map((e) => el('p', { class: 'form-error', text: `${msg(e)} (${e.code})`, attrs: { role: 'alert', id, 'data-code': e.code } }));
}

export function field(name, label, control, { hint = null, err = null, prefix = 'aid' } = {}) {
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
export function payPasswordInput(id, onInput) {
  const i = el('input', { class: 'input mono', attrs: { id, type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: '6' } });
  i.addEventListener('input', () => onInput(i.value));
  return i;
}

export function textInput(id, value, onInput, attrs = {}) {
  const i = el('input', { class: 'input mono', attrs: { id, type: 'text', inputmode: 'decimal', autocomplete: 'off', ...attrs } });
  i.value = value;
  i.addEventListener('input', () => onInput(i.value));
  return i;
}
