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
//
// This module is the screen (mount, reset, unmount) and its frame with the
// tabs; the parts beside it: aid-state.js (the state they share),
// aid-load.js (loading and acting), aid-fields.js (form parts), aid-give.js,
// aid-payers.js and aid-premium.js (one per tab).

import { el, clear } from '../dom.js';
import { t, errText } from '../i18n.js';
import { state, resetState, view, setRender } from './aid-state.js';
import { load } from './aid-load.js';
import { giveView } from './aid-give.js';
import { payersView } from './aid-payers.js';
import { premiumView, receiptView } from './aid-premium.js';

const TABS = ['give', 'payers', 'premium'];

setRender(render);

export function reset() {
  resetState();
  view.regionEl = null;
  // Answers still on their way belong to the person before: drop them.
  view.seq += 1;
  view.tierSeq += 1;
  view.epoch += 1;
}

export function mount(container) {
  view.root = container;
  state.notice = ''; // a notice is about what was just done, not about coming back
  render();
  load();
}

export function unmount() {
  view.root = null;
}

// ---------------------------------------------------------------- rendering

function render() {
  if (!view.root) return;
  clear(view.root);
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
  view.root.append(section);
  if (state.receipt) view.root.append(receiptView(state.receipt));
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
