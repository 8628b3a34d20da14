// 家庭共济, the beneficiary's side: who pays for me, in paying order, how much
// each can still pay this month, and why one does not pay.

import { el } from '../dom.js';
import { t, lang } from '../i18n.js';
import { state } from './aid-state.js';
import { load } from './aid-load.js';
import { personPicker, relLabel } from './aid-fields.js';
import { capView, onlineText, statusPill } from './aid-give.js';

export function payersView() {
  const me = state.persons.find((p) => p.id === state.beneficiary);
  const paying = state.payers.filter((p) => p.order > 0);
  const idle = state.payers.filter((p) => p.order === 0);
  return el('div', { class: 'aid-payers-view' }, [
    el('div', { class: 'toolbar' }, [
      personPicker('aid-beneficiary-pick', 'aid.beneficiary', state.beneficiary, (id) => { state.beneficiary = id; state.notice = ''; load(); }),
    ]),
    me ? el('p', { class: 'aid-order-note', attrs: { id: 'aid-order-note' } }, [
      t('aid.order_note', { name: me.name }), ' ',
      el('strong', { class: 'mono', text: me.balance_display }), t('aid.order_note_rest', { name: me.name }),
    ]) : null,
    state.payers.length === 0 ? el('p', { class: 'empty', text: t('aid.no_payers'), attrs: { id: 'aid-no-payers' } }) : null,
    paying.length ? el('ol', { class: 'aid-payers', attrs: { id: 'aid-payers' } }, paying.map(payerView)) : null,
    idle.length ? el('div', { class: 'aid-idle' }, [
      el('h3', { class: 'section-title', text: t('aid.not_paying') }),
      el('ul', { class: 'aid-payers', attrs: { id: 'aid-not-paying' } }, idle.map(payerView)),
    ]) : null,
  ]);
}

function payerView(p) {
  const why = p.status === 'frozen' ? t('aid.why_frozen', { name: p.authorizer_name }) : (lang() === 'en' ? p.lapsed_en : p.lapsed_zh);
  return el('li', { class: 'card aid-payer', attrs: { 'data-order': p.order, 'data-aid-id': p.id, 'data-authorizer-id': p.authorizer_id, 'data-status': p.status } }, [
    el('span', {
      class: 'aid-order' + (p.order ? '' : ' aid-order-none'), text: p.order ? String(p.order) : '–',
      attrs: { 'aria-label': p.order ? t('aid.order_n', { n: p.order }) : t('aid.not_paying') },
    }),
    el('div', { class: 'aid-payer-body' }, [
      el('div', { class: 'detail-head' }, [
        el('h3', { class: 'card-title aid-name', text: p.authorizer_name }),
        statusPill(p),
      ]),
      el('p', { class: 'muted small aid-payer-rel', text: t('aid.payer_rel', { rel: relLabel(p.relation), since: p.created_at_local }) }),
      p.order ? capView(p) : null,
      p.order ? el('p', { class: 'aid-online muted', text: onlineText(p) }) : null,
      p.order ? null : el('p', { class: 'aid-why', text: why || t('aid.why_other') }),
      p.order ? null : (p.lapsed ? el('p', { class: 'aid-todo', text: t(`aid.todo_${p.lapsed}`) }) : null),
    ]),
  ]);
}
