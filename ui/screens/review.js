// Staff review of submitted binding applications: approve, or reject with a
// reason the holder will see. Decisions are taken by the logged-in staff
// member (Rust knows who; the page never names a reviewer), and the password
// typed to log in is dropped from the page at once.

import { call, op } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';
import { t, errText, lang } from '../i18n.js';
import { gallery, viewer, loadThumbs } from '../docs.js';

// The screen's state; reset() puts it back (the kiosk wipes it between residents).
const initial = () => ({
  pending: [],
  recent: [],
  reviewer: null, // the logged-in staff member (from Rust)
  staffNo: '',
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
    state.reviewer = (await call('kiosk_state')).staff || null;
    state.pending = (await op('binding_list', { status: 'submitted' })).reverse();
    const all = await op('binding_list', {});
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
    if (approve) {
      await call('binding_approve', { id: b.id });
      state.notice = t('review.approved', { member: b.member.name });
    } else {
      await call('binding_reject', { id: b.id, reason: state.reasons[b.id] || '' });
      state.notice = t('review.rejected', { member: b.member.name });
    }
    delete state.reasons[b.id];
  } catch (err) {
    // Reviewer problems go next to the reviewer fields, the rest on the card.
    if (err.field === 'password' || err.field === 'staff' || err.code === 'NOT_LOGGED_IN') state.errors[''] = err;
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
    el('div', { class: 'toolbar' }, [el('h1', { class: 'screen-title', text: t('review.title') })]),
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

async function login(ev) {
  ev.preventDefault();
  const pw = root.querySelector('#review-password');
  const password = pw ? pw.value : '';
  if (pw) pw.value = ''; // never kept in the page
  try {
    const k = await call('kiosk_login', { staff: Number(state.staffNo), password });
    state.reviewer = k.staff;
    state.errors = {};
  } catch (err) {
    state.errors[''] = err;
  }
  await load();
}

async function logout() {
  try { await call('kiosk_logout'); } catch (_) { /* ended anyway */ }
  state.reviewer = null;
  await load();
}

function reviewerView() {
  const err = state.errors[''];
  if (state.reviewer) {
    return el('div', { class: 'card reviewer' + (err ? ' has-error' : '') }, [
      el('p', { attrs: { id: 'review-reviewer' }, text: t('review.signed_in', { name: state.reviewer.name, id: state.reviewer.id }) }),
      err ? el('p', { class: 'field-error', text: errText(err), attrs: { 'data-error-for': err.field || 'reviewer', 'data-code': err.code, role: 'alert' } }) : null,
      el('button', { class: 'btn', text: t('review.logout'), attrs: { type: 'button', id: 'review-logout' }, on: { click: logout } }),
    ]);
  }
  const no = el('input', { class: 'input mono', attrs: { id: 'review-staff', type: 'text', inputmode: 'numeric', autocomplete: 'off' } });
  no.value = state.staffNo;
  no.addEventListener('input', () => { state.staffNo = no.value; });
  const pw = el('input', { class: 'input', attrs: { id: 'review-password', type: 'password', autocomplete: 'off' } });
  return el('form', { class: 'card reviewer' + (err ? ' has-error' : ''), attrs: { id: 'review-login-form', novalidate: true }, on: { submit: login } }, [
    el('p', { class: 'muted', text: t('review.login_intro') }),
    el('div', { class: 'field-row' }, [
      el('div', { class: 'field' }, [el('label', { text: t('review.staff'), attrs: { for: 'review-staff' } }), no]),
      el('div', { class: 'field' }, [el('label', { text: t('review.password'), attrs: { for: 'review-password' } }), pw]),
    ]),
    err ? el('p', { class: 'field-error', text: errText(err), attrs: { 'data-error-for': err.field || 'reviewer', 'data-code': err.code, role: 'alert' } }) : null,
    el('button', { class: 'btn btn-primary', text: t('review.login'), attrs: { type: 'submit', id: 'review-login' } }),
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
          state.viewer = { doc: d, image: d.media === 'pdf' ? null : await op('document_image', { id: d.id }), zoom: 1 };
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
