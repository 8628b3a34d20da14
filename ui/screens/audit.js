// The audit trail: every change, who made it and when. Read-only: entries
// cannot be edited or deleted through the app (the database refuses it too).

import { op } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';
import { t, errText } from '../i18n.js';
import { session } from '../session.js';

const initial = () => ({ entries: [], person: '', since: '', error: null });
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
    const person = session.residentId ?? (state.person ? Number(state.person) : null);
    state.entries = await op('audit_list', { person_id: person, since: state.since || null, limit: 300 });
    state.error = null;
  } catch (err) { state.error = err; }
  render();
}

function render() {
  if (!root) return;
  clear(root);
  const person = el('input', { class: 'input mono', attrs: { id: 'audit-person', type: 'number', min: 1, placeholder: t('audit.person'), disabled: session.residentId !== null } });
  person.value = state.person;
  person.addEventListener('change', () => { state.person = person.value; load(); });
  const since = el('input', { class: 'input mono', attrs: { id: 'audit-since', type: 'date', 'aria-label': t('audit.since') } });
  since.value = state.since;
  since.addEventListener('change', () => { state.since = since.value; load(); });
  root.append(el('section', { class: 'audit', attrs: { id: 'audit' } }, [
    el('div', { class: 'toolbar' }, [el('h1', { class: 'screen-title', text: t('audit.title') }), person, since]),
    el('p', { class: 'muted intro', text: t('audit.intro') }),
    state.error ? el('p', { class: 'form-error', text: errText(state.error) }) : null,
    el('div', { class: 'table-wrap' }, [el('table', { class: 'table', attrs: { id: 'audit-table' } }, [
      el('thead', {}, [el('tr', {}, ['audit.at', 'audit.actor', 'audit.action', 'audit.entity'].map((k) => el('th', { text: t(k) })))]),
      el('tbody', {}, state.entries.map((e) => el('tr', { attrs: { 'data-action': e.action } }, [
        el('td', { class: 'mono', text: e.at_local }),
        el('td', { text: e.actor }),
        el('td', { text: t(`audit.${e.action}`) === `audit.${e.action}` ? e.action : t(`audit.${e.action}`) }),
        el('td', { class: 'mono', text: `${e.entity}#${e.entity_id ?? ''}` }),
      ]))),
    ])]),
  ]));
}
