// The register of insured persons: list, detail, add and edit.
// All validation happens in Rust; this screen shows its answers next to the
// field they concern.

import { call, op } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';
import { t, errText, lang } from '../i18n.js';

const EMPTY_DRAFT = {
  name: '', resident_id: '', insurance: 'resident', region: '', status: 'active',
  balance_yuan: '0', voucher_activated: false,
};

// Screen state survives a language switch (the screen is re-mounted).
// The screen's state; reset() puts it back (the kiosk wipes it between residents).
const initial = () => ({
  list: [],
  query: '',
  selectedId: null,
  mode: 'none', // none | detail | add | edit
  detail: null,
  history: [],
  revealId: null, // the full ID, fetched on request (Rust records each viewing)
  draft: { ...EMPTY_DRAFT },
  errors: null, // the last domain error of the form
  notice: '',
  provinces: [],
});
const { state, reset } = screenState(initial);
export { reset };

let root = null;

export function mount(container) {
  root = container;
  render();
  refresh();
  if (state.provinces.length === 0) {
    call('region_provinces').then((p) => { state.provinces = p; render(); }).catch(() => {});
  }
}

async function refresh() {
  try {
    state.list = await op('person_list', { name: state.query || null });
  } catch (err) {
    state.list = [];
    state.errors = err;
  }
  render();
}

async function select(id) {
  state.selectedId = id;
  state.mode = 'detail';
  state.revealId = null;
  state.errors = null;
  state.notice = '';
  try {
    state.detail = await op('person_get', { id });
    state.history = await op('audit_list', { person_id: id, limit: 20 });
  } catch (err) {
    state.detail = null;
    state.errors = err;
  }
  render();
}

function startAdd() {
  state.mode = 'add';
  state.selectedId = null;
  state.draft = { ...EMPTY_DRAFT };
  state.errors = null;
  state.notice = '';
  render();
  focusFirst();
}

function startEdit() {
  const p = state.detail;
  if (!p) return;
  state.mode = 'edit';
  state.draft = {
    name: p.name, resident_id: p.resident_id_masked, insurance: p.insurance, region: p.region.code,
    status: p.status, balance_yuan: p.balance_yuan, voucher_activated: p.voucher_activated,
  };
  state.errors = null;
  state.notice = '';
  render();
  focusFirst();
}

function focusFirst() {
  const input = root && root.querySelector('#person-form input:not([disabled])');
  if (input) input.focus();
}

async function save(ev) {
  ev.preventDefault();
  const d = state.draft;
  try {
    let saved;
    if (state.mode === 'add') {
      saved = await op('person_add', {
        name: d.name, resident_id: d.resident_id, insurance: d.insurance, region: d.region,
        status: d.status, balance_yuan: d.balance_yuan, voucher_activated: d.voucher_activated,
      });
    } else {
      saved = await op('person_edit', { id: state.selectedId, edit: {
        name: d.name, insurance: d.insurance, region: d.region, status: d.status,
        balance_yuan: d.balance_yuan, voucher_activated: d.voucher_activated,
      } });
    }
    state.errors = null;
    await refresh();
    await select(saved.id);
    state.notice = t('form.saved');
    render();
  } catch (err) {
    state.errors = err;
    render();
    const firstBad = root.querySelector('.field.has-error input, .field.has-error select');
    if (firstBad) firstBad.focus();
  }
}

async function activate() {
  try {
    state.detail = await op('voucher_activate', { id: state.selectedId });
    state.history = await op('audit_list', { person_id: state.selectedId, limit: 20 });
    state.errors = null;
    await refresh();
  } catch (err) {
    state.errors = err;
    render();
  }
}

// ---------------------------------------------------------------- rendering

function render() {
  if (!root) return;
  clear(root);
  const panel = panelView();
  // With the side panel open the list is narrower: the columns the panel
  // repeats (gender, age, e-voucher) step aside so nothing is clipped.
  const open = !panel.classList.contains('hidden-panel');
  root.append(el('section', { class: 'register' + (open ? ' panel-open' : '') }, [listView(), panel]));
}

function label(kind, value) {
  return t(`${kind}.${value}`);
}

function listView() {
  const search = el('input', {
    class: 'input search',
    attrs: { id: 'person-search', type: 'search', placeholder: t('register.search'), 'aria-label': t('register.search'), value: state.query },
  });
  let timer = null;
  search.addEventListener('input', () => {
    state.query = search.value;
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  });

  const optional = ['col.gender', 'col.age', 'col.voucher'];
  const head = el('tr', {}, ['col.name', 'col.id', 'col.gender', 'col.age', 'col.insurance', 'col.region', 'col.status', 'col.balance', 'col.voucher']
    .map((k) => el('th', { text: t(k), attrs: { scope: 'col', class: [k === 'col.balance' || k === 'col.age' ? 'num' : '', optional.includes(k) ? 'col-optional' : ''].join(' ').trim() || false } })));

  const rows = state.list.map((p) => el('tr', {
    class: p.id === state.selectedId ? 'selected' : '',
    attrs: { 'data-person-id': p.id },
  }, [
    el('td', {}, [el('button', { class: 'link person-name', text: p.name, attrs: { type: 'button' }, on: { click: () => select(p.id) } })]),
    el('td', { class: 'mono', text: p.resident_id_masked }),
    el('td', { class: 'col-optional', text: label('gender', p.gender) }),
    el('td', { class: 'num col-optional', text: p.age }),
    el('td', { text: label('insurance', p.insurance) }),
    el('td', { class: 'col-wrap', text: regionText(p.region), attrs: { title: p.region.full_zh || false } }),
    el('td', {}, [el('span', { class: `pill pill-${p.status}`, text: label('status', p.status) })]),
    el('td', { class: 'num mono', text: p.balance_display }),
    el('td', { class: 'col-optional', text: p.voucher_activated ? t('voucher.yes') : t('voucher.no') }),
  ]));

  let emptyText = '';
  if (state.list.length === 0) {
    emptyText = state.query ? t('register.none_found', { q: state.query }) : t('register.empty');
  }

  return el('div', { class: 'register-list' }, [
    el('div', { class: 'toolbar' }, [
      el('h1', { class: 'screen-title', text: t('register.title') }),
      search,
      el('button', { class: 'btn btn-primary', text: t('register.add'), attrs: { id: 'person-add-btn', type: 'button' }, on: { click: startAdd } }),
    ]),
    el('p', { class: 'muted count', text: t('register.count', { n: state.list.length }) }),
    el('div', { class: 'table-wrap' }, [
      el('table', { class: 'table', attrs: { id: 'person-table' } }, [el('thead', {}, [head]), el('tbody', {}, rows)]),
    ]),
    emptyText ? el('p', { class: 'empty', text: emptyText, attrs: { id: 'person-empty' } }) : null,
  ]);
}

// A region as people recognise it: the city and district (340104 合肥市蜀山区),
// not only the province. The division list has Chinese names only, so English
// shows the Chinese name with the province's English name (340104 合肥市蜀山区,
// Anhui); a province-level code is just the province (340000 Anhui).
function regionText(region, full = false) {
  const zh = (full && lang() !== 'en' ? region.full_zh : region.label_zh) || region.province_zh;
  if (lang() !== 'en') return `${region.code} ${zh}`;
  return zh === region.province_zh ? `${region.code} ${region.province_en}` : `${region.code} ${zh}, ${region.province_en}`;
}

function panelView() {
  let content = null;
  if (state.mode === 'add' || state.mode === 'edit') content = formView();
  else if (state.mode === 'detail' && state.detail) content = detailView(state.detail);
  else if (state.errors) content = el('p', { class: 'form-error', text: errText(state.errors), attrs: { role: 'alert' } });
  return el('aside', { class: 'register-panel' + (content ? '' : ' hidden-panel'), attrs: { id: 'person-panel' } }, content ? [content] : []);
}

function allErrors() {
  if (!state.errors) return [];
  return [state.errors, ...(state.errors.also || [])];
}

function errorFor(field) {
  return allErrors().find((e) => e.field === field) || null;
}

function field(name, labelKey, control, hintKey) {
  const err = errorFor(name);
  const id = `f-${name}`;
  control.id = id;
  if (err) {
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', `${id}-error`);
  }
  return el('div', { class: 'field' + (err ? ' has-error' : ''), attrs: { 'data-field': name } }, [
    el('label', { text: t(labelKey), attrs: { for: id } }),
    control,
    hintKey ? el('p', { class: 'hint', text: t(hintKey) }) : null,
    err ? el('p', { class: 'field-error', text: errText(err), attrs: { id: `${id}-error`, 'data-error-for': name, 'data-code': err.code, role: 'alert' } }) : null,
  ]);
}

function bindInput(input, key) {
  input.value = state.draft[key] ?? '';
  input.addEventListener('input', () => { state.draft[key] = input.value; });
  input.addEventListener('change', () => { state.draft[key] = input.value; });
  return input;
}

function select_(key, options) {
  const s = el('select', { class: 'input', attrs: { name: key } }, options.map(([v, k]) => el('option', { text: t(k), attrs: { value: v } })));
  return bindInput(s, key);
}

function formView() {
  const isAdd = state.mode === 'add';
  const d = state.draft;
  const nameInput = bindInput(el('input', { class: 'input', attrs: { name: 'name', type: 'text', autocomplete: 'off', maxlength: 60 } }), 'name');
  const idInput = el('input', { class: 'input mono', attrs: { name: 'resident_id', type: 'text', autocomplete: 'off', inputmode: 'text', maxlength: 40, disabled: !isAdd } });
  bindInput(idInput, 'resident_id');
  const regionInput = bindInput(el('input', { class: 'input mono', attrs: { name: 'region', type: 'text', list: 'province-list', autocomplete: 'off', maxlength: 12 } }), 'region');
  const balanceInput = bindInput(el('input', { class: 'input mono', attrs: { name: 'balance_yuan', type: 'text', inputmode: 'decimal', autocomplete: 'off', maxlength: 20 } }), 'balance_yuan');
  const voucher = el('input', { attrs: { name: 'voucher_activated', type: 'checkbox', id: 'f-voucher', checked: d.voucher_activated } });
  voucher.addEventListener('change', () => { state.draft.voucher_activated = voucher.checked; });

  const formLevel = allErrors().filter((e) => !e.field || !['name', 'resident_id', 'insurance', 'region', 'status', 'balance'].includes(e.field));
  const nFieldErrors = allErrors().length - formLevel.length;

  const datalist = el('datalist', { attrs: { id: 'province-list' } },
    state.provinces.map(([code, zh, en]) => el('option', { attrs: { value: `${code}0000` }, text: lang() === 'en' ? en : zh })));

  return el('form', { class: 'card form', attrs: { id: 'person-form', novalidate: true }, on: { submit: save } }, [
    el('h3', { class: 'card-title', text: isAdd ? t('form.add_title') : t('form.edit_title', { name: state.detail ? state.detail.name : '' }) }),
    nFieldErrors > 0 ? el('p', { class: 'form-summary', text: t('form.error_summary', { n: nFieldErrors }), attrs: { role: 'status' } }) : null,
    ...formLevel.map((e) => el('p', { class: 'form-error', text: `${errText(e)} (${e.code})`, attrs: { role: 'alert', id: 'form-error' } })),
    field('name', 'form.name', nameInput, 'form.name_hint'),
    field('resident_id', 'form.id', idInput, isAdd ? 'form.id_hint' : 'form.id_locked'),
    el('div', { class: 'field-row' }, [
      field('insurance', 'form.insurance', select_('insurance', [['employee', 'insurance.employee'], ['resident', 'insurance.resident']])),
      field('status', 'form.status', select_('status', [['active', 'status.active'], ['suspended', 'status.suspended'], ['lapsed', 'status.lapsed']])),
    ]),
    field('region', 'form.region', regionInput, 'form.region_hint'),
    datalist,
    field('balance', 'form.balance', balanceInput, 'form.balance_hint'),
    el('div', { class: 'field field-check' }, [voucher, el('label', { text: t('form.voucher'), attrs: { for: 'f-voucher' } })]),
    el('div', { class: 'actions' }, [
      el('button', { class: 'btn btn-primary', text: t('form.save'), attrs: { type: 'submit', id: 'person-save' } }),
      el('button', {
        class: 'btn', text: t('form.cancel'), attrs: { type: 'button', id: 'person-cancel' },
        on: { click: () => { state.errors = null; if (state.selectedId) select(state.selectedId); else { state.mode = 'none'; render(); } } },
      }),
    ]),
  ]);
}

function detailView(p) {
  const idText = state.revealId || p.resident_id_masked;
  const row = (k, v, cls) => [el('dt', { text: t(k) }), el('dd', { class: cls || '', text: v })];
  const history = state.history.length
    ? el('ol', { class: 'history' }, state.history.map((h) => el('li', {}, [
      el('span', { class: 'muted mono', text: h.at_local }), ' ',
      el('span', { text: t(`audit.${h.action}`) }),
    ])))
    : el('p', { class: 'muted', text: t('detail.no_history') });

  return el('div', { class: 'card detail', attrs: { id: 'person-detail', 'data-person-id': p.id } }, [
    el('div', { class: 'detail-head' }, [
      el('h3', { class: 'card-title', text: p.name }),
      el('span', { class: `pill pill-${p.status}`, text: label('status', p.status) }),
    ]),
    state.notice ? el('p', { class: 'notice', text: state.notice, attrs: { role: 'status' } }) : null,
    el('dl', { class: 'facts' }, [
      ...row('col.id', idText, 'mono'),
      ...row('detail.birth', p.birth_date, 'mono'),
      ...row('detail.gender_age', `${label('gender', p.gender)} / ${t('age.years', { n: p.age })}`),
      ...row('col.insurance', label('insurance', p.insurance)),
      ...row('col.region', regionText(p.region, true)),
      ...row('col.balance', p.balance_display, 'mono money'),
      ...row('col.voucher', p.voucher_activated ? t('voucher.yes') : t('voucher.no')),
      ...row('detail.real_name', p.real_name_checked_at_local ? t('detail.real_name_done', { at: p.real_name_checked_at_local }) : t('detail.real_name_none')),
      ...row('detail.created', p.created_at_local, 'mono'),
      ...row('detail.updated', p.updated_at_local, 'mono'),
    ]),
    el('div', { class: 'actions' }, [
      el('button', { class: 'btn btn-primary', text: t('detail.edit'), attrs: { type: 'button', id: 'person-edit' }, on: { click: startEdit } }),
      p.voucher_activated ? null : el('button', { class: 'btn', text: t('detail.activate'), attrs: { type: 'button', id: 'person-activate' }, on: { click: activate } }),
      el('button', {
        class: 'btn btn-ghost', text: state.revealId ? t('detail.hide_id') : t('detail.show_id'), attrs: { type: 'button', id: 'person-reveal' },
        on: {
          click: async () => {
            if (state.revealId) { state.revealId = null; render(); return; }
            try { state.revealId = await op('person_reveal_id', { id: p.id }); } catch (err) { state.errors = err; }
            render();
          },
        },
      }),
      el('button', {
        class: 'btn btn-ghost', text: t('detail.close'), attrs: { type: 'button' },
        on: { click: () => { state.mode = 'none'; state.selectedId = null; state.detail = null; render(); } },
      }),
    ]),
    el('h4', { class: 'section-title', text: t('detail.history') }),
    history,
  ]);
}
