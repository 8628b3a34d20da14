// 亲情账户: the holder's bound family members as cards, and the guided flow
// to add one (member → documents → letter → identity check → submit).
// Every rule is Rust's: this screen sends what was typed and shows the answer.

import { visiblePersons, session } from '../session.js';
import { call, callRaw, op } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';
import { t, errText, lang } from '../i18n.js';
import { uploader, gallery, viewer, loadThumbs } from '../docs.js';

const RELATIONS = ['child', 'parent', 'spouse', 'parent_in_law', 'grandparent', 'grandchild', 'sibling'];
const DOC_KINDS = ['birth_certificate', 'household_register', 'relationship_notarization', 'proof_of_insurance', 'medical_certificate', 'id_card_front', 'id_card_back'];
const ENTRY_FIELDS = ['name', 'resident_id', 'relation'];

// The screen's state; reset() puts it back (the kiosk wipes it between residents).
const initial = () => ({
  persons: [],
  holder: null,
  bindings: [],
  staff: [],
  letter: null,
  flow: null, // null | { binding: Binding | null }
  entry: { name: '', resident_id: '', relation: 'child' },
  docKind: '',
  docNote: '',
  faceStaff: null, // the logged-in staff member, if any (kiosk or review desk)
  letterAgree: false,
  confirmUnbind: null,
  docBusy: false,
  docError: null,
  replacing: null,
  viewer: null, // { doc, image, zoom }
  errors: null,
  notice: '',
  selfId: null, // the household's own holder (a family's computer), if any
  exporting: false,
  exportNotice: '',
  exportError: null,
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
    if (state.holder === null || !state.persons.some((p) => p.id === state.holder)) {
      state.holder = state.persons.length ? state.persons[0].id : null;
      const employee = state.persons.find((p) => p.insurance === 'employee' && p.voucher_activated);
      if (employee) state.holder = employee.id;
    }
    state.faceStaff = (await call('kiosk_state')).staff || null;
    const mode = await call('app_mode');
    state.selfId = (mode.installation && mode.installation.holder) || null;
    if (!state.letter) state.letter = await op('binding_letter');
    await refresh();
  } catch (err) {
    state.errors = err;
    render();
  }
}

async function refresh() {
  if (state.holder !== null) {
    state.bindings = await op('binding_list', { holder: state.holder });
  } else {
    state.bindings = [];
  }
  if (state.flow && state.flow.binding) {
    state.flow.binding = await op('binding_get', { id: state.flow.binding.id });
  }
  render();
}

/** Run a call that changes something; show its error or refresh. */
async function act(fn, notice = '') {
  try {
    const result = await fn();
    state.errors = null;
    state.notice = notice;
    if (result && result.id && state.flow && state.flow.binding && result.id === state.flow.binding.id) state.flow.binding = result;
    await refresh();
    return result;
  } catch (err) {
    state.errors = err;
    render();
    const bad = root.querySelector('.has-error input, .has-error select');
    if (bad) bad.focus();
    return null;
  }
}

function openFlow(binding) {
  state.flow = { binding: binding || null };
  state.entry = { name: '', resident_id: '', relation: 'child' };
  state.errors = null;
  state.notice = '';
  state.letterAgree = false;
  state.docKind = '';
  state.docNote = '';
  render();
  const first = root.querySelector('#bind-flow input, #bind-flow select');
  if (first) first.focus();
}

function closeFlow() {
  state.flow = null;
  state.errors = null;
  render();
}

// ---------------------------------------------------------------- rendering

function render() {
  if (!root) return;
  clear(root);
  root.append(el('section', { class: 'family' }, [mainView(), state.flow ? flowView() : null]));
  if (state.viewer) {
    root.append(viewer(state.viewer.doc, state.viewer.image, state.viewer.zoom, {
      onZoom: (z) => { state.viewer.zoom = z; render(); },
      onClose: () => { state.viewer = null; render(); },
    }));
  }
}

function relLabel(r) { return t(`rel.${r}`); }

function missingText(b) {
  return b.missing.map((k) => t(`req.${k}`)).join(lang() === 'en' ? '; ' : '；');
}

function holderPicker() {
  const sel = el('select', { class: 'input', attrs: { id: 'holder-select', 'aria-label': t('family.holder') } },
    state.persons.map((p) => el('option', { text: `${p.name}  ${p.resident_id_masked}`, attrs: { value: p.id, selected: p.id === state.holder } })));
  sel.addEventListener('change', () => {
    state.holder = Number(sel.value);
    state.flow = null;
    state.errors = null;
    state.notice = '';
    state.confirmUnbind = null;
    refresh();
  });
  return el('label', { class: 'holder-picker' }, [el('span', { text: t('family.holder') }), sel]);
}

function mainView() {
  const shown = state.bindings.filter((b) => b.status !== 'unbound');
  const unbound = state.bindings.filter((b) => b.status === 'unbound');
  const globalError = state.errors && !state.flow ? el('p', { class: 'form-error', text: `${errText(state.errors)} (${state.errors.code})`, attrs: { role: 'alert', id: 'family-error', 'data-code': state.errors.code } }) : null;
  return el('div', { class: 'family-main' }, [
    el('div', { class: 'toolbar' }, [
      el('h1', { class: 'screen-title', text: t('family.title') }),
      state.persons.length ? holderPicker() : null,
      el('button', {
        class: 'btn btn-primary', text: t('family.add'),
        attrs: { id: 'family-add', type: 'button', disabled: state.holder === null },
        on: { click: () => openFlow(null) },
      }),
    ]),
    el('p', { class: 'muted intro', text: t('family.intro') }),
    exportBox(),
    state.notice && !state.flow ? el('p', { class: 'notice', text: state.notice, attrs: { role: 'status', id: 'family-notice' } }) : null,
    globalError,
    state.persons.length === 0 ? el('p', { class: 'empty', text: t('family.no_persons'), attrs: { id: 'family-empty' } }) : null,
    state.persons.length && shown.length === 0 ? el('p', { class: 'empty', text: t('family.empty'), attrs: { id: 'family-empty' } }) : null,
    el('div', { class: 'cards', attrs: { id: 'member-cards' } }, shown.map(cardView)),
    unbound.length ? el('details', { class: 'unbound' }, [
      el('summary', { text: `${t('family.history')} (${unbound.length})` }),
      el('ul', {}, unbound.map((b) => el('li', { text: `${b.member.name} · ${relLabel(b.relation)} · ${b.unbound_at_local || ''}` }))),
    ]) : null,
  ]);
}

/** Whose data "export my data" writes out: the resident served at the
 * kiosk, the household's own holder, or (the all-in-one demo) the holder
 * picked. Rust decides who may: the person, or a parent for a young child. */
function exportTarget() {
  if (session.residentId !== null) return session.residentId;
  if (state.selfId !== null) return state.selfId;
  return state.holder;
}

/** Issue 35: everything the ledger holds about the person, saved into a new
 * folder they choose (the dialog is Rust's; only the folder's name comes back). */
async function exportData(person) {
  state.exporting = true;
  state.exportNotice = '';
  state.exportError = null;
  render();
  try {
    const r = await call('person_export_save', { person });
    if (r) state.exportNotice = t('export.done', { folder: r.folder, n: r.documents });
  } catch (err) {
    state.exportError = err;
  }
  state.exporting = false;
  render();
}

function exportBox() {
  // At the kiosk, only while a resident is served in person.
  if (session.kiosk && session.residentId === null) return null;
  const person = exportTarget();
  if (person === null) return null;
  const err = state.exportError;
  return el('div', { class: 'export-box', attrs: { id: 'export-box' } }, [
    el('p', { class: 'muted', text: t('export.hint') }),
    el('button', {
      class: 'btn', text: state.exporting ? t('export.working') : t('export.button'),
      attrs: { type: 'button', id: 'export-my-data', 'data-person-id': person, disabled: state.exporting },
      on: { click: () => exportData(person) },
    }),
    state.exportNotice ? el('p', { class: 'notice', text: state.exportNotice, attrs: { role: 'status', id: 'export-notice' } }) : null,
    err ? el('p', { class: 'form-error', text: `${errText(err)} (${err.code})`, attrs: { role: 'alert', id: 'export-error', 'data-code': err.code } }) : null,
  ]);
}

function cardView(b) {
  const m = b.member;
  const confirming = state.confirmUnbind === b.id;
  const rows = [
    [t('family.relation'), relLabel(b.relation)],
    [t('col.id'), m.resident_id_masked],
    [t('family.age'), t('age.years', { n: m.age })],
  ];
  if (b.status === 'active' && b.activated_at_local) rows.push([t('family.since'), b.activated_at_local]);
  const actions = [];
  if (b.status === 'draft') {
    actions.push(el('button', { class: 'btn btn-primary continue', text: t('family.continue'), attrs: { type: 'button' }, on: { click: () => openFlow(b) } }));
  }
  // A child's e-voucher: the parent activates it once the binding is approved (Rust says when).
  if (b.guardian_activation_allowed) {
    actions.push(el('button', {
      class: 'btn btn-primary guardian-voucher', text: t('flow.guardian_voucher'), attrs: { type: 'button', 'data-binding-id': b.id },
      on: { click: () => act(() => op('binding_guardian_voucher', { id: b.id }), t('family.voucher_done', { name: m.name })) },
    }));
  }
  if (b.status === 'active' && !confirming) {
    actions.push(el('button', { class: 'btn unbind', text: t('family.unbind'), attrs: { type: 'button' }, on: { click: () => { state.confirmUnbind = b.id; render(); } } }));
  }
  return el('article', { class: `card member-card status-${b.status}`, attrs: { 'data-binding-id': b.id, 'data-member-id': m.id, 'data-status': b.status } }, [
    el('div', { class: 'detail-head' }, [
      el('h3', { class: 'card-title member-name', text: m.name }),
      el('span', { class: `pill bpill-${b.status}`, text: t(`bstatus.${b.status}`) }),
    ]),
    el('dl', { class: 'facts compact' }, rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })])),
    b.status === 'draft' && b.missing.length ? el('p', { class: 'missing', text: t('family.missing', { list: missingText(b) }) }) : null,
    b.guardian_activation_allowed ? el('p', { class: 'missing', text: t('family.voucher_needed') }) : null,
    b.status === 'rejected' && b.reject_reason ? el('p', { class: 'reason', text: t('family.reason', { reason: b.reject_reason }) }) : null,
    confirming ? el('div', { class: 'confirm', attrs: { role: 'alertdialog' } }, [
      el('p', { text: t('family.unbind_confirm', { name: m.name }) }),
      el('div', { class: 'actions' }, [
        el('button', {
          class: 'btn btn-danger unbind-yes', text: t('family.unbind_yes'), attrs: { type: 'button' },
          on: { click: () => { state.confirmUnbind = null; act(() => op('binding_unbind_as_holder', { id: b.id }), t('family.unbound_done', { name: m.name })); } },
        }),
        el('button', { class: 'btn unbind-no', text: t('family.unbind_no'), attrs: { type: 'button' }, on: { click: () => { state.confirmUnbind = null; render(); } } }),
      ]),
    ]) : null,
    actions.length ? el('div', { class: 'actions' }, actions) : null,
  ]);
}

// ---------------------------------------------------------------- the flow

function allErrors() {
  return state.errors ? [state.errors, ...(state.errors.also || [])] : [];
}

function fieldError(name) {
  return allErrors().find((e) => e.field === name) || null;
}

function field(name, labelKey, control, hintKey) {
  const err = fieldError(name);
  const id = `b-${name}`;
  control.id = id;
  if (err) control.setAttribute('aria-invalid', 'true');
  return el('div', { class: 'field' + (err ? ' has-error' : ''), attrs: { 'data-field': name } }, [
    el('label', { text: t(labelKey), attrs: { for: id } }),
    control,
    hintKey ? el('p', { class: 'hint', text: t(hintKey) }) : null,
    err ? el('p', { class: 'field-error', text: errText(err), attrs: { 'data-error-for': name, 'data-code': err.code, role: 'alert' } }) : null,
  ]);
}

/** Errors that belong to no field of the current step. */
function flowError(fields) {
  const rest = allErrors().filter((e) => !e.field || !fields.includes(e.field));
  return rest.map((e) => el('p', { class: 'form-error', text: `${errText(e)} (${e.code})`, attrs: { role: 'alert', id: 'bind-flow-error', 'data-code': e.code } }));
}

function input(key, attrs = {}) {
  const i = el('input', { class: 'input', attrs: { type: 'text', autocomplete: 'off', ...attrs } });
  i.value = state.entry[key] || '';
  i.addEventListener('input', () => { state.entry[key] = i.value; });
  return i;
}

function stepEntry() {
  const rel = el('select', { class: 'input' }, RELATIONS.map((r) => el('option', { text: relLabel(r), attrs: { value: r, selected: state.entry.relation === r } })));
  rel.addEventListener('change', () => { state.entry.relation = rel.value; });
  const submit = async (ev) => {
    ev.preventDefault();
    const b = await act(() => op('binding_apply', { holder: state.holder, entry: { ...state.entry } }));
    if (b) { state.flow.binding = b; render(); }
  };
  return el('form', { class: 'step', attrs: { id: 'bind-entry', novalidate: true }, on: { submit } }, [
    el('h4', { class: 'step-title', text: t('flow.step1') }),
    ...flowError(ENTRY_FIELDS),
    field('name', 'flow.name', input('name', { maxlength: 60 })),
    field('resident_id', 'flow.id', input('resident_id', { maxlength: 40, class: 'input mono' })),
    field('relation', 'flow.relation', rel, 'flow.relation_hint'),
    el('div', { class: 'actions' }, [
      el('button', { class: 'btn btn-primary', text: t('flow.next'), attrs: { type: 'submit', id: 'bind-next' } }),
      el('button', { class: 'btn', text: t('flow.close'), attrs: { type: 'button', id: 'bind-close' }, on: { click: closeFlow } }),
    ]),
  ]);
}

function reqList(b) {
  return el('ul', { class: 'reqs', attrs: { id: 'bind-reqs' } }, b.requirements.map((r) => el('li', {
    class: r.satisfied ? 'ok' : 'todo',
    attrs: { 'data-req': r.key, 'data-ok': r.satisfied ? '1' : '0' },
  }, [el('span', { class: 'tick', text: r.satisfied ? '✓' : '○', attrs: { 'aria-hidden': 'true' } }), ' ', t(`req.${r.key}`)])));
}

function stepDocuments(b) {
  const needed = b.requirements.filter((r) => r.kinds.length && r.key !== 'face' && !r.satisfied).flatMap((r) => r.kinds);
  const kinds = needed.length ? [...new Set([...needed, ...DOC_KINDS])] : DOC_KINDS;
  if (!kinds.includes(state.docKind)) state.docKind = kinds[0];
  const kindSel = el('select', { class: 'input', attrs: { id: 'doc-kind' } }, kinds.map((k) => el('option', { text: t(`doc.${k}`), attrs: { value: k, selected: k === state.docKind } })));
  kindSel.addEventListener('change', () => { state.docKind = kindSel.value; });
  const note = el('input', { class: 'input', attrs: { id: 'doc-note', type: 'text', maxlength: 200, autocomplete: 'off' } });
  note.value = state.docNote;
  note.addEventListener('input', () => { state.docNote = note.value; });
  loadThumbs(b.documents, render);
  const upload = uploader({
    person: b.member.id,
    binding: b.id,
    kind: () => state.docKind,
    note: () => state.docNote,
    busy: state.docBusy,
    error: state.docError,
    onBusy: (v) => { state.docBusy = v; state.docError = null; render(); },
    onDone: async () => {
      const old = state.replacing;
      state.replacing = null;
      state.docBusy = false;
      state.docNote = '';
      if (old) await op('document_delete', { id: old }).catch((err) => { state.docError = err; });
      await refresh();
    },
    onError: (err) => { state.docBusy = false; state.docError = err; render(); },
  });
  return el('div', { class: 'step', attrs: { id: 'bind-step-docs' } }, [
    el('h4', { class: 'step-title', text: t('flow.step2') }),
    el('p', { class: 'muted', text: t('flow.requirements') }),
    reqList(b),
    gallery(b.documents, {
      editable: true,
      onView: async (d) => {
        try {
          const image = d.media === 'pdf' ? null : await op('document_image', { id: d.id });
          state.viewer = { doc: d, image, zoom: 1 };
          render();
        } catch (err) { state.docError = err; render(); }
      },
      onDelete: (d) => act(() => op('document_delete', { id: d.id })),
      onReplace: (d) => {
        state.replacing = d.id;
        state.docKind = d.kind;
        render();
        const input = root.querySelector('#doc-file');
        if (input) input.click();
      },
    }),
    state.replacing ? el('p', { class: 'notice', text: t('docs.replacing'), attrs: { id: 'doc-replacing' } }) : null,
    el('div', { class: 'field-row' }, [
      el('div', { class: 'field' }, [el('label', { text: t('flow.doc_kind'), attrs: { for: 'doc-kind' } }), kindSel]),
      el('div', { class: 'field' }, [el('label', { text: t('flow.doc_note'), attrs: { for: 'doc-note' } }), note]),
    ]),
    upload,
  ]);
}

function stepLetter(b) {
  const l = state.letter;
  const text = l ? (lang() === 'en' ? l.text_en : l.text_zh) : '';
  if (b.letter_signed_at_local) {
    return el('div', { class: 'step', attrs: { id: 'bind-step-letter' } }, [
      el('h4', { class: 'step-title', text: t('flow.step3') }),
      el('p', { class: 'done', text: `✓ ${t('flow.letter_signed', { v: b.letter_version, at: b.letter_signed_at_local })}`, attrs: { id: 'letter-signed' } }),
    ]);
  }
  const agree = el('input', { attrs: { type: 'checkbox', id: 'letter-agree', checked: state.letterAgree } });
  const sign = el('button', { class: 'btn btn-primary', text: t('flow.letter_sign'), attrs: { type: 'button', id: 'letter-sign', disabled: !state.letterAgree } });
  agree.addEventListener('change', () => { state.letterAgree = agree.checked; sign.disabled = !agree.checked; });
  sign.addEventListener('click', () => act(() => op('binding_sign', { id: b.id })));
  return el('div', { class: 'step', attrs: { id: 'bind-step-letter' } }, [
    el('h4', { class: 'step-title', text: t('flow.step3') }),
    el('div', { class: 'letter', text: text, attrs: { tabindex: '0', id: 'letter-text' } }),
    el('div', { class: 'field field-check' }, [agree, el('label', { text: t('flow.letter_agree'), attrs: { for: 'letter-agree' } })]),
    sign,
  ]);
}

function stepFace(b) {
  const needsFace = b.requirements.some((r) => r.key === 'face');
  const parts = [el('h4', { class: 'step-title', text: t('flow.step4') })];
  if (!needsFace) {
    parts.push(el('p', { class: 'muted', text: t('flow.face_none') }));
    return el('div', { class: 'step', attrs: { id: 'bind-step-face' } }, parts);
  }
  if (b.face_method === 'staff') parts.push(el('p', { class: 'done', text: `✓ ${t('flow.face_done_staff', { id: b.face_staff_id, at: b.face_at_local })}` }));
  if (b.face_method === 'evidence') parts.push(el('p', { class: 'done', text: `✓ ${t('flow.face_done_evidence', { id: b.face_doc_id, at: b.face_at_local })}` }));
  if (b.remote_confirmed_at_local) parts.push(el('p', { class: 'done', text: `✓ ${t('flow.remote_done', { at: b.remote_confirmed_at_local })}` }));

  // A staff member compares face and ID card in person, as themselves: only
  // when one is logged in here (the kiosk, or the demo's review desk).
  const staffErr = fieldError('password') || fieldError('staff');
  parts.push(
    el('p', { class: 'sub', text: t('flow.face_staff') }),
    state.faceStaff
      ? el('button', {
        class: 'btn', text: t('flow.face_staff_btn_as', { name: state.faceStaff.name }), attrs: { type: 'button', id: 'face-staff-btn' },
        on: { click: () => act(() => call('binding_face_staff', { id: b.id })) },
      })
      : el('p', { class: 'muted', text: t('flow.face_staff_none'), attrs: { id: 'face-staff-none' } }),
    staffErr ? el('p', { class: 'field-error', text: errText(staffErr), attrs: { 'data-error-for': staffErr.field, 'data-code': staffErr.code, role: 'alert' } }) : null,
    el('p', { class: 'sub', text: t('flow.face_evidence') }),
    faceInput(b),
    el('label', { class: 'btn file-label', text: t('flow.face_evidence_btn'), attrs: { for: 'face-file', id: 'face-evidence-btn' } }),
  );
  if (b.remote_allowed && !b.remote_confirmed_at_local) {
    // The member confirms: a one-time code goes to the member (not to this
    // screen); the member reads it out and the holder types it here.
    parts.push(
      el('p', { class: 'sub', text: t('flow.remote') }),
      el('button', { class: 'btn', text: t(b.remote_code_pending ? 'flow.remote_resend' : 'flow.remote_send'), attrs: { type: 'button', id: 'remote-send' }, on: { click: () => act(() => op('binding_send_remote_code', { id: b.id })) } }),
    );
    if (b.remote_code_pending) {
      const codeErr = fieldError('code');
      const code = el('input', { class: 'input mono', attrs: { id: 'remote-code', type: 'text', inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code' } });
      parts.push(
        el('p', { class: 'muted', text: t('flow.remote_sent'), attrs: { id: 'remote-sent' } }),
        el('div', { class: 'field' + (codeErr ? ' has-error' : '') }, [el('label', { text: t('flow.remote_code'), attrs: { for: 'remote-code' } }), code]),
        codeErr ? el('p', { class: 'field-error', text: errText(codeErr), attrs: { 'data-error-for': 'code', 'data-code': codeErr.code, role: 'alert' } }) : null,
        el('button', { class: 'btn', text: t('flow.remote_btn'), attrs: { type: 'button', id: 'remote-confirm' }, on: { click: () => act(() => op('binding_confirm_remote', { id: b.id, code: code.value })) } }),
      );
    }
  }
  return el('div', { class: 'step', attrs: { id: 'bind-step-face' } }, parts);
}

/** A face photo of the member: uploaded as a face_capture document of this
 *  application, then recorded as the evidence the reviewer judges. */
function faceInput(b) {
  const input = el('input', { class: 'file-input', attrs: { type: 'file', id: 'face-file', accept: 'image/jpeg,image/png,image/webp' } });
  input.addEventListener('change', () => {
    const f = input.files && input.files[0];
    if (!f) return;
    act(async () => {
      const r = await callRaw('document_upload', new Uint8Array(await f.arrayBuffer()), { person: b.member.id, kind: 'face_capture', note: '', binding: b.id });
      return op('binding_face_evidence', { id: b.id, doc: r.id });
    });
  });
  return input;
}

function stepSubmit(b) {
  return el('div', { class: 'step', attrs: { id: 'bind-step-submit' } }, [
    el('h4', { class: 'step-title', text: t('flow.step5') }),
    el('p', { class: b.complete ? 'done' : 'missing', text: b.complete ? t('flow.ready') : t('flow.not_ready', { list: missingText(b) }) }),
    el('div', { class: 'actions' }, [
      el('button', {
        class: 'btn btn-primary', text: t('flow.submit'), attrs: { type: 'button', id: 'bind-submit' },
        on: { click: async () => {
          const r = await act(() => op('binding_submit', { id: b.id }), t('family.submitted_note'));
          if (r) { state.flow = null; render(); }
        } },
      }),
      el('button', { class: 'btn', text: t('flow.close'), attrs: { type: 'button', id: 'bind-close' }, on: { click: closeFlow } }),
    ]),
  ]);
}

function flowView() {
  const b = state.flow.binding;
  const title = b ? t('flow.title_draft', { name: b.member.name }) : t('flow.title');
  const body = [el('h3', { class: 'card-title', text: title })];
  if (!b) {
    body.push(stepEntry());
  } else {
    body.push(
      el('p', { class: 'done', attrs: { id: 'bind-entered' }, text: `✓ ${t('flow.entered', { name: b.member.name, relation: relLabel(b.relation), age: b.member_age, id: b.member.resident_id_masked })}` }),
      ...flowError(['password', 'staff']),
      stepDocuments(b),
      stepLetter(b),
      stepFace(b),
      stepSubmit(b),
    );
  }
  return el('aside', { class: 'card flow', attrs: { id: 'bind-flow', 'data-binding-id': b ? b.id : '' } }, body);
}
