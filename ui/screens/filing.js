// 异地就医备案: file a member for care outside their pooling region (统筹区):
// destination city, reason, dates; list and cancel. While a filing is in
// force, the member's code settles at that city's networked institutions
// with the member's own (local) ratio. Every rule is Rust's; this screen asks.

import { visiblePersons } from '../session.js';
import { call, op } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';
import { t, errText } from '../i18n.js';

const REASONS = ['long_term_residence', 'work', 'temporary'];

const initial = () => ({
  persons: [],
  person: null,
  cities: [],
  filings: [],
  form: { region: '', filter: '', reason: 'temporary', from: '', to: '' },
  confirmCancel: null,
  notice: null,
  error: null,
  busy: false,
});
const { state, reset } = screenState(initial);
export { reset };

let root = null;

export function mount(container) {
  root = container;
  render();
  load();
}

async function load() {
  try {
    state.persons = visiblePersons(await op('person_list', {}));
    if (!state.persons.some((p) => p.id === state.person)) state.person = state.persons.length ? state.persons[0].id : null;
    if (!state.cities.length) state.cities = await call('region_cities');
    const info = await op('info');
    if (!state.form.from) state.form.from = info.today_china;
    await loadFilings();
  } catch (err) {
    state.error = err;
  }
  render();
}

async function loadFilings() {
  state.filings = state.person === null ? [] : await op('filing_list', { person: state.person });
}

async function submit(ev) {
  if (ev) ev.preventDefault();
  if (state.busy || state.person === null) return;
  state.busy = true;
  const f = state.form;
  try {
    const made = await op('filing_add', { person: state.person, region: f.region, reason: f.reason, from: f.from, to: f.to });
    state.error = null;
    state.notice = t('filing.added', { city: made.region.pooling_name_zh, to: made.to_date });
    state.form = { ...initial().form, from: f.from };
    await loadFilings();
  } catch (err) {
    state.error = err;
    state.notice = null;
  }
  state.busy = false;
  render();
}

async function cancel(id) {
  try {
    await op('filing_cancel', { id });
    state.confirmCancel = null;
    state.error = null;
    state.notice = t('filing.cancelled_notice');
    await loadFilings();
  } catch (err) {
    state.error = err;
  }
  render();
}

/** Every error of the last refusal (the primary one and `also`). */
function errors() {
  if (!state.error) return [];
  return [state.error, ...(state.error.also || [])];
}

function fieldError(name) {
  return errors().find((e) => e.field === name) || null;
}

function field(name, labelKey, control, id) {
  const err = fieldError(name);
  return el('div', { class: 'field' + (err ? ' has-error' : ''), attrs: { 'data-field': name } }, [
    el('label', { text: t(labelKey), attrs: { for: id } }),
    control,
    err ? el('p', { class: 'field-error', text: errText(err), attrs: { 'data-error-for': name, 'data-code': err.code, role: 'alert' } }) : null,
  ]);
}

function input(key, attrs) {
  const i = el('input', { class: 'input', attrs: { autocomplete: 'off', ...attrs } });
  i.value = state.form[key];
  i.addEventListener('input', () => { state.form[key] = i.value; });
  return i;
}

function citySelect() {
  const needle = state.form.filter.trim();
  const shown = state.cities.filter(([code, name]) => !needle || name.includes(needle) || code.startsWith(needle));
  const sel = el('select', { class: 'input', attrs: { id: 'f-region' } }, [
    el('option', { text: t('filing.pick_city'), attrs: { value: '' } }),
    ...shown.map(([code, name]) => el('option', { text: `${name}（${code}）`, attrs: { value: code, selected: code === state.form.region } })),
  ]);
  sel.addEventListener('change', () => { state.form.region = sel.value; });
  return sel;
}

function render() {
  if (!root) return;
  clear(root);
  const who = el('select', { class: 'input', attrs: { id: 'f-person' } }, state.persons.map((p) => el('option', {
    text: `${p.name}（${p.resident_id_masked}）`, attrs: { value: p.id, selected: p.id === state.person },
  })));
  who.addEventListener('change', async () => {
    state.person = Number(who.value);
    state.error = null;
    state.notice = null;
    state.confirmCancel = null;
    try { await loadFilings(); } catch (err) { state.error = err; }
    render();
  });
  const me = state.persons.find((p) => p.id === state.person);

  const filter = input('filter', { id: 'f-filter', type: 'search', placeholder: t('filing.filter_hint') });
  filter.addEventListener('input', () => {
    const sel = root.querySelector('#f-region');
    if (sel) sel.replaceWith(citySelect());
  });
  const reason = el('select', { class: 'input', attrs: { id: 'f-reason' } }, REASONS.map((r) => el('option', {
    text: t(`filing.reason.${r}`), attrs: { value: r, selected: r === state.form.reason },
  })));
  reason.addEventListener('change', () => { state.form.reason = reason.value; });
  const dateErr = fieldError('date');
  const general = state.error && !['region', 'reason', 'date'].includes(state.error.field) ? state.error : null;

  root.append(el('section', { class: 'filing' }, [
    el('div', { class: 'toolbar' }, [el('h1', { class: 'screen-title', text: t('filing.title') })]),
    el('p', { class: 'muted intro', text: t('filing.intro') }),
    el('div', { class: 'card form' }, [
      field('person', 'filing.person', who, 'f-person'),
      me ? el('p', { class: 'muted', attrs: { id: 'f-home' }, text: t('filing.home', { city: me.region.pooling_name_zh, code: me.region.code }) }) : null,
    ]),
    el('form', { class: 'card form', attrs: { id: 'filing-form', novalidate: true }, on: { submit } }, [
      el('h3', { class: 'card-title', text: t('filing.new') }),
      el('div', { class: 'field-row' }, [
        el('div', { class: 'field' }, [el('label', { text: t('filing.filter'), attrs: { for: 'f-filter' } }), filter]),
        field('region', 'filing.city', citySelect(), 'f-region'),
      ]),
      field('reason', 'filing.reason_label', reason, 'f-reason'),
      el('div', { class: 'field-row' + (dateErr ? ' has-error' : '') }, [
        el('div', { class: 'field' }, [el('label', { text: t('filing.from'), attrs: { for: 'f-from' } }), input('from', { id: 'f-from', type: 'date' })]),
        el('div', { class: 'field' }, [el('label', { text: t('filing.to'), attrs: { for: 'f-to' } }), input('to', { id: 'f-to', type: 'date' })]),
      ]),
      dateErr ? el('p', { class: 'field-error', text: errText(dateErr), attrs: { 'data-error-for': 'date', 'data-code': dateErr.code, role: 'alert' } }) : null,
      general ? el('p', { class: 'form-error', text: `${errText(general)} (${general.code})`, attrs: { role: 'alert', id: 'f-error', 'data-code': general.code } }) : null,
      el('button', { class: 'btn btn-primary', text: t('filing.submit'), attrs: { type: 'submit', id: 'f-submit', disabled: state.busy || state.person === null } }),
    ]),
    state.notice ? el('p', { class: 'banner banner-ok', text: state.notice, attrs: { id: 'f-notice', role: 'status' } }) : null,
    el('div', { class: 'card' }, [
      el('h3', { class: 'card-title', text: t('filing.list') }),
      state.filings.length
        ? el('ul', { class: 'filing-list', attrs: { id: 'filing-list' } }, state.filings.map(filingItem))
        : el('p', { class: 'muted', text: t('filing.none'), attrs: { id: 'filing-none' } }),
    ]),
  ]));
}

function filingItem(f) {
  const live = f.state === 'active' || f.state === 'upcoming';
  const actions = [];
  if (live && state.confirmCancel === f.id) {
    actions.push(
      el('span', { class: 'muted', text: t('filing.cancel_confirm_q') }),
      el('button', { class: 'btn btn-danger', text: t('filing.cancel_confirm'), attrs: { type: 'button', id: `f-cancel-yes-${f.id}` }, on: { click: () => cancel(f.id) } }),
      el('button', { class: 'btn', text: t('filing.keep'), attrs: { type: 'button' }, on: { click: () => { state.confirmCancel = null; render(); } } }),
    );
  } else if (live) {
    actions.push(el('button', { class: 'btn', text: t('filing.cancel'), attrs: { type: 'button', id: `f-cancel-${f.id}` }, on: { click: () => { state.confirmCancel = f.id; render(); } } }));
  }
  return el('li', { class: `filing-item filing-${f.state}`, attrs: { 'data-filing-id': f.id, 'data-state': f.state } }, [
    el('div', { class: 'filing-head' }, [
      el('strong', { text: `${f.region.pooling_name_zh}（${f.region.code}）` }),
      el('span', { class: `badge filing-badge-${f.state}`, text: t(`filing.state.${f.state}`) }),
    ]),
    el('p', { text: `${t(`filing.reason.${f.reason}`)} · ${f.from_date} – ${f.to_date}` }),
    live ? el('p', { class: 'muted filing-effect', text: t('filing.effect', { city: f.region.pooling_name_zh, from: f.from_date, to: f.to_date }) }) : null,
    f.cancelled_at_local ? el('p', { class: 'muted', text: t('filing.cancelled_at', { at: f.cancelled_at_local }) }) : null,
    actions.length ? el('div', { class: 'filing-actions' }, actions) : null,
  ]);
}
