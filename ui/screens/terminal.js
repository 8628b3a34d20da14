// The counter terminal of a designated institution: a USB scanner types the
// code (scanners behave as keyboards) into the code field, staff enter the
// bill, and Rust settles it: pooled fund, own account, family aid, cash.
// Inpatient (DOMAIN §4): the code is scanned at admission, which opens a
// stay; at discharge the cashier picks the open stay and settles it — no code.
// How the payer confirms is the scenario's policy, asked of Rust
// (`confirm_policy`): the screen shows the fields for those ways, in order —
// a one-time code sent to the payer, the payment password, a face check, or
// the ID card and face checked in person.

import { op } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';
import { t, errText } from '../i18n.js';

const SCENARIOS = ['outpatient', 'pharmacy', 'online_pharmacy', 'inpatient'];

// The screen's state; reset() puts it back (the kiosk wipes it between residents).
const initial = () => ({
  institutions: [],
  form: { institution: null, scenario: 'outpatient', total_yuan: '', bill_id: '', emergency: false, token: '', mode: 'admit', admission_no: '', stay: null, id_face_checked: false, face_checked: false },
  policy: {},
  codeSent: null,
  stays: [],
  admitted: null,
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
  op('institution_list').then((list) => {
    state.institutions = list;
    if (state.form.institution === null && list.length) state.form.institution = list[0].id;
    render();
    loadStays();
  }).catch((err) => { state.error = err; render(); });
  op('confirm_policy').then((list) => {
    state.policy = Object.fromEntries(list.map((x) => [x.scenario, x.methods]));
    render();
  }).catch((err) => { state.error = err; render(); });
}

/** The ways this scenario's payments are confirmed (Rust's policy), in order. */
function methods() {
  return state.policy[state.form.scenario] || [];
}

// Open stays at this institution, for discharge.
function loadStays() {
  if (state.form.scenario !== 'inpatient' || state.form.institution === null) return;
  op('stay_list', { institution: Number(state.form.institution), open: true }).then((list) => {
    state.stays = list;
    if (!list.some((x) => x.id === state.form.stay)) state.form.stay = list.length ? list[0].id : null;
    render();
  }).catch((err) => { state.error = err; render(); });
}

/** A secret typed into a field (the payer's password, the code sent to
 * them): taken once at submit, never kept in the page. */
function take(selector) {
  const i = root && root.querySelector(selector);
  const v = i ? i.value : '';
  if (i) i.value = '';
  return v;
}
const takePayPassword = () => take('#t-paypw');

/** Send the payer a one-time code for the bill as filled in (to their record). */
async function sendCode() {
  if (state.busy) return;
  state.busy = true;
  const f = state.form;
  try {
    state.codeSent = await op('settle_send_code', {
      token: f.token.trim(), institution: Number(f.institution), scenario: f.scenario,
      total_fen: 0, total_yuan: f.total_yuan, bill_id: f.bill_id, emergency: f.emergency,
    });
    state.error = null;
  } catch (err) {
    state.error = err;
    state.codeSent = null;
  }
  state.busy = false;
  render();
  const code = root && root.querySelector('#t-smscode');
  if (code && state.codeSent) code.focus();
}

async function admit(ev) {
  if (ev) ev.preventDefault();
  if (state.busy) return;
  state.busy = true;
  const f = state.form;
  const payPassword = takePayPassword();
  try {
    state.admitted = await op('admit', {
      token: f.token.trim(), institution: Number(f.institution), admission_no: f.admission_no, emergency: f.emergency,
      pay_password: payPassword || null, id_face_checked: !!f.id_face_checked,
    });
    state.error = null;
    state.result = null;
    state.form.token = '';
  } catch (err) {
    state.error = err;
    state.admitted = null;
  }
  state.busy = false;
  render();
  loadStays();
}

async function settle(ev) {
  if (ev) ev.preventDefault();
  if (state.busy) return;
  state.busy = true;
  const f = state.form;
  const payPassword = takePayPassword();
  const smsCode = take('#t-smscode');
  try {
    const discharge = f.scenario === 'inpatient';
    state.result = await op('settle', {
      token: discharge ? '' : f.token.trim(), institution: Number(f.institution), scenario: f.scenario,
      total_fen: 0, total_yuan: f.total_yuan, bill_id: f.bill_id, emergency: f.emergency,
      stay: discharge ? f.stay : null,
      pay_password: discharge ? null : (payPassword || null),
      sms_code: discharge ? null : (smsCode || null),
      face_checked: !discharge && !!f.face_checked,
      id_face_checked: !discharge && !!f.id_face_checked,
    });
    state.error = null;
    state.admitted = null;
    state.codeSent = null;
    state.form.token = '';
    state.form.id_face_checked = false;
    state.form.face_checked = false;
    if (discharge) loadStays();
  } catch (err) {
    state.error = err;
    state.result = null;
  }
  state.busy = false;
  render();
  const token = root && root.querySelector('#t-token');
  if (token) token.focus();
}

/** The payer types their 6-digit payment password (DOMAIN §4); it is read once at submit. */
function payPasswordField() {
  const pw = el('input', { class: 'input mono', attrs: { id: 't-paypw', type: 'password', inputmode: 'numeric', maxlength: 6, autocomplete: 'off' } });
  return field('pay_password', 'terminal.pay_password', pw);
}

/** The one-time code: the cashier sends it to the payer, the payer reads it out. */
function smsCodeField() {
  const code = el('input', { class: 'input mono', attrs: { id: 't-smscode', type: 'text', inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code', spellcheck: 'false' } });
  const send = el('button', { class: 'btn', text: t('terminal.send_code'), attrs: { type: 'button', id: 't-send-code', disabled: state.busy }, on: { click: sendCode } });
  const err = state.error && state.error.field === 'sms_code' ? state.error : null;
  const sent = state.codeSent;
  return el('div', { class: 'field' + (err ? ' has-error' : ''), attrs: { 'data-field': 'sms_code' } }, [
    el('label', { text: t('terminal.sms_code'), attrs: { for: 't-smscode' } }),
    el('div', { class: 'code-row' }, [code, send]),
    sent ? el('p', { class: 'notice', attrs: { id: 't-code-sent' }, text: t('terminal.code_sent', { to: sent.sent_to, until: sent.expires_at_local, left: sent.sends_left }) }) : null,
    err ? el('p', { class: 'field-error', text: errText(err), attrs: { 'data-error-for': 'sms_code', 'data-code': err.code, role: 'alert' } }) : null,
  ]);
}

/** The fields of the ways this scenario is confirmed, after a line that says which. */
function confirmFields() {
  const list = methods();
  if (!list.length) return [];
  const ways = list.map((m) => t(`confirm.${m}`)).join(t('terminal.or'));
  return [
    el('p', { class: 'muted', attrs: { id: 't-confirm-by', 'data-methods': list.join(',') }, text: t(list.length > 1 ? 'terminal.confirm_by' : 'terminal.confirm_by_one', { ways }) }),
    ...list.map((m) => {
      if (m === 'pay_password') return payPasswordField();
      if (m === 'sms_code') return smsCodeField();
      if (m === 'face') return checkField('face_checked', 't-face', 'terminal.face_checked');
      return checkField('id_face_checked', 't-idface', 'terminal.id_face_checked');
    }),
  ];
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
  inst.addEventListener('change', () => { state.form.institution = Number(inst.value); loadStays(); });
  const sc = el('select', { class: 'input', attrs: { id: 't-scenario' } }, SCENARIOS.map((s) => el('option', { text: t(`scenario.${s}`), attrs: { value: s, selected: s === state.form.scenario } })));
  sc.addEventListener('change', () => { state.form.scenario = sc.value; state.error = null; state.codeSent = null; render(); loadStays(); });
  const inpatient = state.form.scenario === 'inpatient';
  const emergency = el('input', { attrs: { type: 'checkbox', id: 't-emergency', checked: state.form.emergency } });
  emergency.addEventListener('change', () => { state.form.emergency = emergency.checked; });
  const token = input('token', { id: 't-token', type: 'text', class: 'input mono', spellcheck: 'false', placeholder: t('terminal.scan_hint') });
  const shownError = state.error && !['total', 'bill', 'scenario', 'institution', 'pay_password', 'sms_code', 'face_checked', 'id_face_checked'].includes(state.error.field);

  const errorLine = shownError ? el('p', { class: 'form-error', text: `${errText(state.error)} (${state.error.code})`, attrs: { role: 'alert', id: 't-error', 'data-code': state.error.code } }) : null;

  let body;
  if (!inpatient) {
    body = el('form', { class: 'card form terminal-form', attrs: { id: 'terminal-form', novalidate: true }, on: { submit: settle } }, [
      field('institution', 'terminal.institution', inst),
      el('div', { class: 'field-row' }, [
        field('scenario', 'terminal.scenario', sc),
        field('total', 'terminal.total', input('total_yuan', { id: 't-total', type: 'text', inputmode: 'decimal', class: 'input mono' })),
        field('bill', 'terminal.bill', input('bill_id', { id: 't-bill', type: 'text', maxlength: 64, class: 'input mono' })),
      ]),
      el('div', { class: 'field field-check' }, [emergency, el('label', { text: t('terminal.emergency'), attrs: { for: 't-emergency' } })]),
      field('token', 'terminal.token', token),
      ...confirmFields(),
      errorLine,
      el('button', { class: 'btn btn-primary', text: t('terminal.settle'), attrs: { type: 'submit', id: 't-settle', disabled: state.busy } }),
    ]);
  } else {
    const modes = el('div', { class: 'mode-switch', attrs: { role: 'group' } }, ['admit', 'discharge'].map((m) => el('button', {
      class: 'btn' + (state.form.mode === m ? ' btn-primary' : ''), text: t(`terminal.mode_${m}`),
      attrs: { type: 'button', id: `t-mode-${m}`, 'aria-pressed': state.form.mode === m ? 'true' : 'false' },
      on: { click: () => { state.form.mode = m; state.error = null; render(); } },
    })));
    let form;
    if (state.form.mode === 'admit') {
      form = el('form', { class: 'card form terminal-form', attrs: { id: 'terminal-admit', novalidate: true }, on: { submit: admit } }, [
        field('institution', 'terminal.institution', inst),
        el('div', { class: 'field-row' }, [
          field('scenario', 'terminal.scenario', sc),
          field('bill', 'terminal.admission_no', input('admission_no', { id: 't-admission', type: 'text', maxlength: 64, class: 'input mono' })),
        ]),
        el('div', { class: 'field field-check' }, [emergency, el('label', { text: t('terminal.emergency'), attrs: { for: 't-emergency' } })]),
        field('token', 'terminal.token', token),
        ...confirmFields(),
        errorLine,
        el('button', { class: 'btn btn-primary', text: t('terminal.admit'), attrs: { type: 'submit', id: 't-admit', disabled: state.busy } }),
      ]);
    } else {
      const stay = el('select', { class: 'input', attrs: { id: 't-stay' } }, state.stays.map((x) => el('option', {
        text: t('terminal.stay_option', { no: x.admission_no, name: x.member_name, at: x.admitted_at_local }),
        attrs: { value: x.id, selected: x.id === state.form.stay },
      })));
      stay.addEventListener('change', () => { state.form.stay = Number(stay.value); });
      form = el('form', { class: 'card form terminal-form', attrs: { id: 'terminal-discharge', novalidate: true }, on: { submit: settle } }, [
        field('institution', 'terminal.institution', inst),
        el('div', { class: 'field-row' }, [
          field('scenario', 'terminal.scenario', sc),
          field('stay', 'terminal.stay', stay),
        ]),
        state.stays.length ? null : el('p', { class: 'muted', text: t('terminal.no_stays'), attrs: { id: 't-no-stays' } }),
        el('div', { class: 'field-row' }, [
          field('total', 'terminal.total', input('total_yuan', { id: 't-total', type: 'text', inputmode: 'decimal', class: 'input mono' })),
          field('bill', 'terminal.bill', input('bill_id', { id: 't-bill', type: 'text', maxlength: 64, class: 'input mono' })),
        ]),
        errorLine,
        el('button', { class: 'btn btn-primary', text: t('terminal.discharge'), attrs: { type: 'submit', id: 't-discharge', disabled: state.busy || !state.stays.length } }),
      ]);
    }
    body = el('div', {}, [el('p', { class: 'muted', text: t('terminal.inpatient_intro') }), modes, form]);
  }

  root.append(el('section', { class: 'terminal' }, [
    el('div', { class: 'toolbar' }, [el('h1', { class: 'screen-title', text: t('terminal.title') })]),
    el('p', { class: 'muted intro', text: t('terminal.intro') }),
    body,
    state.admitted ? admittedView(state.admitted) : null,
    state.result ? resultView(state.result) : null,
  ]));
}

/** The counter's attestation (a face check, or ID card and face in person). */
function checkField(key, id, labelKey) {
  const box = el('input', { attrs: { type: 'checkbox', id, checked: !!state.form[key] } });
  box.addEventListener('change', () => { state.form[key] = box.checked; });
  const err = state.error && state.error.field === key ? state.error : null;
  return el('div', { class: 'field field-check' + (err ? ' has-error' : '') }, [
    box, el('label', { text: t(labelKey), attrs: { for: id } }),
    err ? el('p', { class: 'field-error', text: errText(err), attrs: { 'data-error-for': key, 'data-code': err.code, role: 'alert' } }) : null,
  ]);
}

function admittedView(x) {
  return el('div', { class: 'card terminal-result', attrs: { id: 't-admitted', 'data-stay-id': x.id } }, [
    el('h3', { class: 'card-title', text: x.replayed ? t('terminal.admit_replayed', { no: x.admission_no }) : t('terminal.admitted', { no: x.admission_no, name: x.member_name }) }),
    el('p', { class: 'muted', text: t('terminal.admitted_note', { at: x.admitted_at_local }) }),
  ]);
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
    s.deductible_fen > 0 ? el('p', { class: 'muted', attrs: { id: 't-deductible' }, text: t('terminal.deductible_line', { amount: s.deductible_display }) }) : null,
  ]);
}
