// The counter terminal of a designated institution: a USB scanner types the
// code (scanners behave as keyboards) into the code field, staff enter the
// bill, and Rust settles it: pooled fund, own account, family aid, cash.

import { call } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';
import { t, errText } from '../i18n.js';

const SCENARIOS = ['outpatient', 'pharmacy', 'online_pharmacy', 'inpatient'];

// The screen's state; reset() puts it back (the kiosk wipes it between residents).
const initial = () => ({
  institutions: [],
  form: { institution: null, scenario: 'outpatient', total_yuan: '', bill_id: '', emergency: false, token: '' },
  result: null,
  error: null,
  busy: false,
});
const { state, reset } = screenState(initial);
export { reset };

let root = null;

export function mount(container) {
  root = container;
  render();
  call('institution_list').then((list) => {
    state.institutions = list;
    if (state.form.institution === null && list.length) state.form.institution = list[0].id;
    render();
  }).catch((err) => { state.error = err; render(); });
}

async function settle(ev) {
  if (ev) ev.preventDefault();
  if (state.busy) return;
  state.busy = true;
  const f = state.form;
  try {
    state.result = await call('settle', { request: {
      token: f.token.trim(), institution: Number(f.institution), scenario: f.scenario,
      total_fen: 0, total_yuan: f.total_yuan, bill_id: f.bill_id, emergency: f.emergency,
    } });
    state.error = null;
    state.form.token = '';
  } catch (err) {
    state.error = err;
    state.result = null;
  }
  state.busy = false;
  render();
  const token = root && root.querySelector('#t-token');
  if (token) token.focus();
}

function input(key, attrs) {
  const i = el('input', { class: 'input', attrs: { autocomplete: 'off', ...attrs } });
  i.value = state.form[key];
  i.addEventListener('input', () => { state.form[key] = i.value; });
  return i;
}

function field(name, labelKey, control) {
  const err = state.error && state.error.field === name ? state.error : null;
  return el('div', { class: 'field' + (err ? ' has-error' : ''), attrs: { 'data-field': name } }, [
    el('label', { text: t(labelKey), attrs: { for: control.id } }),
    control,
    err ? el('p', { class: 'field-error', text: errText(err), attrs: { 'data-error-for': name, 'data-code': err.code, role: 'alert' } }) : null,
  ]);
}

function render() {
  if (!root) return;
  clear(root);
  const inst = el('select', { class: 'input', attrs: { id: 't-institution' } }, state.institutions.map((i) => el('option', {
    text: `${i.name}（${i.region.code}${i.designated ? '' : ' · ' + t('terminal.not_designated')}${i.networked ? ' · ' + t('terminal.networked') : ''}）`,
    attrs: { value: i.id, selected: i.id === state.form.institution },
  })));
  inst.addEventListener('change', () => { state.form.institution = Number(inst.value); });
  const sc = el('select', { class: 'input', attrs: { id: 't-scenario' } }, SCENARIOS.map((s) => el('option', { text: t(`scenario.${s}`), attrs: { value: s, selected: s === state.form.scenario } })));
  sc.addEventListener('change', () => { state.form.scenario = sc.value; });
  const emergency = el('input', { attrs: { type: 'checkbox', id: 't-emergency', checked: state.form.emergency } });
  emergency.addEventListener('change', () => { state.form.emergency = emergency.checked; });
  const token = input('token', { id: 't-token', type: 'text', class: 'input mono', spellcheck: 'false', placeholder: t('terminal.scan_hint') });
  const shownError = state.error && !['total', 'bill', 'scenario', 'institution'].includes(state.error.field);

  root.append(el('section', { class: 'terminal' }, [
    el('div', { class: 'toolbar' }, [el('h2', { class: 'screen-title', text: t('terminal.title') })]),
    el('p', { class: 'muted intro', text: t('terminal.intro') }),
    el('form', { class: 'card form terminal-form', attrs: { id: 'terminal-form', novalidate: true }, on: { submit: settle } }, [
      field('institution', 'terminal.institution', inst),
      el('div', { class: 'field-row' }, [
        field('scenario', 'terminal.scenario', sc),
        field('total', 'terminal.total', input('total_yuan', { id: 't-total', type: 'text', inputmode: 'decimal', class: 'input mono' })),
        field('bill', 'terminal.bill', input('bill_id', { id: 't-bill', type: 'text', maxlength: 64, class: 'input mono' })),
      ]),
      el('div', { class: 'field field-check' }, [emergency, el('label', { text: t('terminal.emergency'), attrs: { for: 't-emergency' } })]),
      field('token', 'terminal.token', token),
      shownError ? el('p', { class: 'form-error', text: `${errText(state.error)} (${state.error.code})`, attrs: { role: 'alert', id: 't-error', 'data-code': state.error.code } }) : null,
      el('button', { class: 'btn btn-primary', text: t('terminal.settle'), attrs: { type: 'submit', id: 't-settle', disabled: state.busy } }),
    ]),
    state.result ? resultView(state.result) : null,
  ]));
}

function resultView(s) {
  return el('div', { class: 'card terminal-result', attrs: { id: 't-result', 'data-settlement-id': s.id } }, [
    el('h3', { class: 'card-title', text: s.replayed ? t('terminal.replayed', { bill: s.bill_id }) : t('terminal.done', { bill: s.bill_id }) }),
    s.emergency ? el('p', { class: 'missing', text: t('terminal.emergency_flag', { ratio: s.ratio_pct }) }) : null,
    el('table', { class: 'table legs' }, [
      el('tbody', {}, s.legs.map((l) => el('tr', { attrs: { 'data-source': l.source } }, [
        el('td', { text: t(`leg.${l.source}`) }),
        el('td', { text: l.person_name || '' }),
        el('td', { class: 'num mono', text: l.amount_display }),
      ]))),
    ]),
    el('p', { class: 'muted', text: t('terminal.total_line', { total: s.total_display, ratio: s.ratio_pct }) }),
  ]);
}
