// Connected mode, not yet paired: the only screen. The resident types the
// one-time code staff gave at the service centre (valid 10 minutes, once);
// Rust redeems it with the server, keeps the credential, and from then on
// the window shows that household only. Until then the server refuses
// every data command anyway.

import { call } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState, modeChanged } from '../state.js';
import { t, errText } from '../i18n.js';

const initial = () => ({ code: '', label: '', key: '', error: null, keyError: null, busy: false });
const { state, reset } = screenState(initial);
export { reset };

let root = null;
let server = '';

export function configure(opts) {
  server = (opts && opts.server) || '';
}

export function mount(container) {
  root = container;
  render();
}

async function submit(ev) {
  ev.preventDefault();
  if (state.busy) return;
  state.busy = true;
  render();
  try {
    await call('pair_device', { code: state.code, label: state.label || null });
    state.error = null;
    state.busy = false;
    state.code = '';
    modeChanged();
  } catch (err) {
    state.error = err;
    state.busy = false;
    render();
  }
}

async function connectCounter(ev) {
  ev.preventDefault();
  if (state.busy) return;
  state.busy = true;
  const key = state.key;
  state.key = ''; // never kept in the page
  try {
    await call('connect_counter', { key });
    state.keyError = null;
    state.busy = false;
    modeChanged();
  } catch (err) {
    state.keyError = err;
    state.busy = false;
    render();
  }
}

function input(key, id, attrs = {}) {
  const i = el('input', { class: 'input', attrs: { id, autocomplete: 'off', ...attrs } });
  i.value = state[key];
  i.addEventListener('input', () => { state[key] = i.value; });
  return i;
}

function render() {
  if (!root) return;
  clear(root);
  const err = state.error;
  root.append(el('section', { class: 'setup' }, [
    el('h1', { class: 'screen-title', text: t('pair.title') }),
    el('p', { class: 'muted intro', text: t('pair.intro', { server }) }),
    el('form', { class: 'card form', attrs: { id: 'pair-form', novalidate: true }, on: { submit } }, [
      el('div', { class: 'field' }, [
        el('label', { text: t('pair.code'), attrs: { for: 'pair-code' } }),
        input('code', 'pair-code', { maxlength: 12, class: 'input mono pair-code', placeholder: 'ABCD-EFGH', autocapitalize: 'characters', spellcheck: 'false' }),
      ]),
      el('div', { class: 'field' }, [
        el('label', { text: t('pair.label'), attrs: { for: 'pair-label' } }),
        input('label', 'pair-label', { maxlength: 40 }),
      ]),
      err ? el('p', { class: 'form-error', text: `${errText(err)} (${err.code})`, attrs: { role: 'alert', id: 'pair-error', 'data-code': err.code } }) : null,
      el('button', { class: 'btn btn-primary', text: state.busy ? t('pair.busy') : t('pair.submit'), attrs: { type: 'submit', id: 'pair-submit', disabled: state.busy } }),
      el('p', { class: 'muted', text: t('pair.note') }),
    ]),
    el('details', { class: 'card form', attrs: { id: 'counter-card', open: !!state.keyError } }, [
      el('summary', { text: t('pair.counter') }),
      el('form', { class: 'form', attrs: { id: 'counter-form', novalidate: true }, on: { submit: connectCounter } }, [
        el('p', { class: 'muted', text: t('pair.counter_hint') }),
        el('div', { class: 'field' }, [
          el('label', { text: t('pair.counter_key'), attrs: { for: 'counter-key' } }),
          input('key', 'counter-key', { type: 'password', class: 'input mono', spellcheck: 'false' }),
        ]),
        state.keyError ? el('p', { class: 'form-error', text: `${errText(state.keyError)} (${state.keyError.code})`, attrs: { role: 'alert', id: 'counter-error', 'data-code': state.keyError.code } }) : null,
        el('button', { class: 'btn', text: t('pair.counter_connect'), attrs: { type: 'submit', id: 'counter-connect', disabled: state.busy } }),
      ]),
    ]),
  ]));
}
