// Staff review of submitted binding applications: approve, or reject with a
// reason the holder will see. The reviewer's password is checked by Rust on
// every decision (log-in comes with the kiosk).

import { call } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';
import { t, errText, lang } from '../i18n.js';
import { gallery, viewer, loadThumbs } from '../docs.js';

// The screen's state; reset() puts it back (the kiosk wipes it between residents).
const initial = () => ({
  pending: [],
  recent: [],
  staff: [],
  staffId: '',
  password: '',
  reasons: {},
  errors: {}, // binding id → domain error ('' for the reviewer fields)
  notice: '',
  viewer: null,
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
    state.staff = (await call('staff_list')).filter((s) => s.active);
    if (!state.staffId && state.staff.length) state.staffId = String(state.staff[0].id);
    state.pending = (await call('binding_list', { query: { status: 'submitted' } })).reverse();
    const all = await call('binding_list', { query: {} });
    state.recent = all.filter((b) => b.status === 'active' || b.status === 'rejected').slice(0, 5);
  } catch (err) {
    state.errors[''] = err;
  }
  render();
}

async function decide(b, approve) {
  state.errors = {};
  state.notice = '';
  try {
    const args = { id: b.id, staff: Number(state.staffId), password: state.password };
    if (approve) {
      await call('binding_approve', args);
      state.notice = t('review.approved', { member: b.member.name });
    } else {
      await call('binding_reject', { ...args, reason: state.reasons[b.id] || '' });
      state.notice = t('review.rejected', { member: b.member.name });
    }
    delete state.reasons[b.id];
  } catch (err) {
    // Reviewer problems go next to the reviewer fields, the rest on the card.
    if (err.field === 'password' || err.field === 'staff') state.errors[''] = err;
    else state.errors[b.id] = err;
  }
  await load();
}

function render() {
  if (!root) return;
  clear(root);
  if (state.viewer) {
    root.append(viewer(state.viewer.doc, state.viewer.image, state.viewer.zoom, {
      onZoom: (z) => { state.viewer.zoom = z; render(); },
      onClose: () => { state.viewer = null; render(); },
    }));
  }
  root.append(el('section', { class: 'review' }, [
    el('div', { class: 'toolbar' }, [el('h2', { class: 'screen-title', text: t('review.title') })]),
    el('p', { class: 'muted intro', text: t('review.intro') }),
    reviewerView(),
    state.notice ? el('p', { class: 'notice', text: state.notice, attrs: { role: 'status', id: 'review-notice' } }) : null,
    state.pending.length
      ? el('div', { class: 'cards review-cards', attrs: { id: 'review-list' } }, state.pending.map(cardView))
      : el('p', { class: 'empty', text: t('review.empty'), attrs: { id: 'review-empty' } }),
    state.recent.length ? el('div', { class: 'recent' }, [
      el('h4', { class: 'section-title', text: t('review.recent') }),
      el('ul', { attrs: { id: 'review-recent' } }, state.recent.map((b) => el('li', {
        text: `${b.decided_at_local || ''} · ${b.holder.name} → ${b.member.name} · ${t(`bstatus.${b.status}`)}${b.reject_reason ? ` · ${b.reject_reason}` : ''}`,
      }))),
    ]) : null,
  ]));
}

function reviewerView() {
  if (!state.staff.length) return el('p', { class: 'form-error', text: t('review.no_staff'), attrs: { id: 'review-no-staff' } });
  const sel = el('select', { class: 'input', attrs: { id: 'review-staff' } }, state.staff.map((s) => el('option', { text: `#${s.id} ${s.name}`, attrs: { value: s.id, selected: String(s.id) === state.staffId } })));
  sel.addEventListener('change', () => { state.staffId = sel.value; });
  const pw = el('input', { class: 'input', attrs: { id: 'review-password', type: 'password', autocomplete: 'off' } });
  pw.value = state.password;
  pw.addEventListener('input', () => { state.password = pw.value; });
  const err = state.errors[''];
  return el('div', { class: 'card reviewer' + (err ? ' has-error' : '') }, [
    el('div', { class: 'field-row' }, [
      el('div', { class: 'field' }, [el('label', { text: t('review.staff'), attrs: { for: 'review-staff' } }), sel]),
      el('div', { class: 'field' }, [el('label', { text: t('review.password'), attrs: { for: 'review-password' } }), pw]),
    ]),
    err ? el('p', { class: 'field-error', text: errText(err), attrs: { 'data-error-for': err.field || 'reviewer', 'data-code': err.code, role: 'alert' } }) : null,
  ]);
}

function faceText(b) {
  if (b.face_method === 'staff') return t('review.face_staff', { id: b.face_staff_id });
  if (b.face_method === 'evidence') return t('review.face_evidence', { id: b.face_doc_id });
  if (b.remote_confirmed_at_local) return t('review.face_remote');
  return t('review.face_na');
}

function cardView(b) {
  const province = (p) => (lang() === 'en' ? p.province_en : p.province_zh);
  const reason = el('input', { class: 'input review-reason', attrs: { type: 'text', maxlength: 200, id: `review-reason-${b.id}`, 'aria-label': t('review.reason') } });
  reason.value = state.reasons[b.id] || '';
  reason.addEventListener('input', () => { state.reasons[b.id] = reason.value; });
  const err = state.errors[b.id];
  loadThumbs(b.documents, render);
  const rows = [
    [t('review.waiting'), t('review.days', { n: b.waiting_working_days ?? 0 })],
    [t('col.id'), b.member.resident_id_masked],
    [t('family.age'), t('review.member_age', { date: b.application_date, age: b.member_age })],
    [t('review.docs'), b.documents.map((d) => `#${d.id} ${t(`doc.${d.kind}`)}${d.note ? `（${d.note}）` : ''}`).join(lang() === 'en' ? '; ' : '；')],
    [t('review.face'), faceText(b)],
    [t('review.letter'), `${b.letter_version || ''} · ${b.letter_signed_at_local || ''}`],
  ];
  return el('article', { class: 'card review-card', attrs: { 'data-binding-id': b.id } }, [
    el('h3', { class: 'card-title', text: t('review.applicant', { holder: b.holder.name, member: b.member.name, relation: t(`rel.${b.relation}`) }) }),
    b.cross_province ? el('p', { class: 'muted', text: t('review.cross', { a: province(b.holder), b: province(b.member) }) }) : null,
    el('dl', { class: 'facts compact' }, rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })])),
    gallery(b.documents, {
      editable: false,
      onView: async (d) => {
        try {
          state.viewer = { doc: d, image: d.media === 'pdf' ? null : await call('document_image', { id: d.id }), zoom: 1 };
        } catch (e) { state.errors[b.id] = e; }
        render();
      },
      onDelete: () => {},
      onReplace: () => {},
    }),
    el('div', { class: 'field' + (err && err.field === 'reason' ? ' has-error' : '') }, [
      el('label', { text: t('review.reason'), attrs: { for: `review-reason-${b.id}` } }),
      reason,
    ]),
    err ? el('p', { class: 'field-error', text: `${errText(err)} (${err.code})`, attrs: { 'data-error-for': err.field || 'binding', 'data-code': err.code, role: 'alert' } }) : null,
    el('div', { class: 'actions' }, [
      el('button', { class: 'btn btn-primary review-approve', text: t('review.approve'), attrs: { type: 'button', id: `review-approve-${b.id}` }, on: { click: () => decide(b, true) } }),
      el('button', { class: 'btn btn-danger review-reject', text: t('review.reject'), attrs: { type: 'button', id: `review-reject-${b.id}` }, on: { click: () => decide(b, false) } }),
    ]),
  ]);
}
