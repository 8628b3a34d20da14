// First run of a family's computer: the holder says who they are (name and
// resident ID as registered, e-voucher activated). Rust checks it and fixes
// the installation to that household; afterwards this screen is gone and
// only the operator (`qinqing-cli device …`) can change it.

import { call } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState, modeChanged } from '../state.js';
import { t, errText } from '../i18n.js';

const initial = () => ({ name: '', resident_id: '', error: null, busy: false });
const { state, reset } = screenState(initial);
export { reset };

let root = null;

export function mount(container) {
  root = container;
  render();
}

async function submit(ev) {
  ev.preventDefault();
  if (state.busy) return;
  state.busy = true;
  try {
    await call('setup_household', { name: state.name, residentId: state.resident_id });
    state.error = null;
    modeChanged();
  } catch (err) {
    state.error = err;
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
    el('h1', { class: 'screen-title', text: t('setup.title') }),
    el('p', { class: 'muted intro', text: t('setup.intro') }),
    el('form', { class: 'card form', attrs: { id: 'setup-form', novalidate: true }, on: { submit } }, [
      el('div', { class: 'field' }, [el('label', { text: t('setup.name'), attrs: { for: 'setup-name' } }), input('name', 'setup-name', { maxlength: 30 })]),
      el('div', { class: 'field' }, [el('label', { text: t('setup.id'), attrs: { for: 'setup-id' } }), input('resident_id', 'setup-id', { maxlength: 18, class: 'input mono' })]),
      err ? el('p', { class: 'form-error', text: `${errText(err)} (${err.code})`, attrs: { role: 'alert', id: 'setup-error', 'data-code': err.code } }) : null,
      el('button', { class: 'btn btn-primary', text: t('setup.submit'), attrs: { type: 'submit', id: 'setup-submit', disabled: state.busy } }),
      el('p', { class: 'muted', text: t('setup.note') }),
    ]),
  ]));
}
