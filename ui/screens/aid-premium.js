// 代缴: payer, relative, insured region, year and tier, the check
// (代缴信息校验), payment, a printable receipt, and past premiums.

import { visiblePersons } from '../session.js';
import { op } from '../api.js';
import { el } from '../dom.js';
import { t, lang } from '../i18n.js';
import { state, view, render } from './aid-state.js';
import { load, pickRelative, loadTiers } from './aid-load.js';
import { PREMIUM_FIELDS, msg, personSelect, fieldErrorOf, otherErrors, field, payPasswordInput } from './aid-fields.js';

function premiumRequest() {
  return { payer: state.payer, beneficiary: state.relative || 0, region: state.pform.region.trim(), year: state.pform.year, tier: state.pform.tier };
}

function uncheck() {
  state.check = null;
  state.checked = null;
}

export function premiumView() {
  const err = state.perror;
  const rel = state.relatives.find((p) => p.id === state.relative);
  const who = personSelect('premium-beneficiary', 'premium.relative', state.relatives, state.relative, async (id) => {
    pickRelative(id);
    state.perror = null;
    await loadTiers();
    render();
  });
  if (!view.regionEl) {
    const r = el('input', { class: 'input mono', attrs: { id: 'premium-region', type: 'text', inputmode: 'numeric', maxlength: 12, autocomplete: 'off' } });
    r.addEventListener('input', () => { state.pform.region = r.value; });
    // Leaving the field (before any click lands) drops a check of other details.
    r.addEventListener('change', async () => { state.pform.region = r.value; uncheck(); await loadTiers(); render(); });
    view.regionEl = r;
  }
  const region = view.regionEl;
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
    const mine = view.epoch;
    try {
      const check = await op('premium_check', req);
      if (mine !== view.epoch) return;
      state.check = check;
      state.checked = req;
      state.perror = null;
      state.notice = '';
    } catch (e) {
      if (mine !== view.epoch) return;
      uncheck();
      state.perror = e;
    }
    state.busy = false;
    render();
    const target = view.root && view.root.querySelector(state.check ? '#premium-pay' : '.has-error input, .has-error select');
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
  const mine = view.epoch;
  try {
    const r = await op('premium_pay', { ...state.checked, pay_password: state.payPassword || null });
    state.payPassword = '';
    if (mine !== view.epoch) return;
    state.receipt = r;
    state.perror = null;
    state.notice = t('premium.paid', { no: r.receipt_no });
    uncheck();
    const premiums = await op('premium_list', { person: state.payer });
    // The payer's balance on screen follows.
    const persons = visiblePersons(await op('person_list', {}));
    if (mine !== view.epoch) return;
    state.premiums = premiums;
    state.persons = persons;
  } catch (e) {
    if (mine !== view.epoch) return;
    state.perror = e;
    uncheck();
  }
  state.busy = false;
  render();
  const print = view.root && view.root.querySelector('#premium-print');
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
export function receiptView(r) {
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
