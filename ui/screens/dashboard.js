// The family spending dashboard: the year's medical expenses by fund source
// and scenario, a 12-month trend (uPlot, vendored), each member, the 家庭共济
// cap bars, anomaly hints with a one-click freeze, 代缴 premiums (apart from
// medical expenses), each member's deductible and ceiling progress, the
// transaction record (bills and premiums) with filters and CSV export, and a
// printable annual statement. All sums come from
// Rust in fen with their display text; this screen only lays them out.

import { visiblePersons } from '../session.js';
import { call, op } from '../api.js';
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';
import { t, errText, lang } from '../i18n.js';
import uPlot from '../vendor/uplot/uPlot.esm.js';

const SOURCES = ['fund', 'own_account', 'family_aid', 'cash'];
const SCENARIOS = ['outpatient', 'pharmacy', 'online_pharmacy', 'inpatient'];
// The record's scenario (and filter value) of a 代缴 premium row.
const PREMIUM = 'premium';

// The screen's state; reset() puts it back (the kiosk wipes it between residents).
const initial = () => ({
  persons: [],
  holder: null,
  year: null, // this year in China time, from Rust
  thisYear: null,
  data: null,
  tx: null,
  filters: { member: '', from: '', to: '', scenario: '', source: '', institution: '', page: 1 },
  institutions: [],
  open: null, // settlement id whose legs are shown
  legs: null,
  statement: null,
  notice: '',
  error: null,
});
const { state, reset } = screenState(initial);
export { reset };

let root = null;
let chart = null;

export function mount(container) {
  root = container;
  render();
  load();
}

export function unmount() {
  if (chart) { chart.destroy(); chart = null; }
  root = null;
}

async function load() {
  try {
    state.persons = visiblePersons(await op('person_list', {}));
    state.institutions = await op('institution_list');
    if (state.year === null) { state.year = Number((await op('info')).today_china.slice(0, 4)); state.thisYear = state.year; }
    if (state.holder === null && state.persons.length) {
      const holder = state.persons.find((p) => p.insurance === 'employee' && p.voucher_activated) || state.persons[0];
      state.holder = holder.id;
    }
    await refresh();
  } catch (err) {
    state.error = err;
    render();
  }
}

function txQuery() {
  const f = state.filters;
  return {
    member: f.member ? Number(f.member) : null,
    family: f.member ? null : state.holder,
    from: f.from || null, to: f.to || null,
    scenario: f.scenario || null, source: f.source || null,
    institution: f.institution ? Number(f.institution) : null,
    page: f.page, page_size: 10,
  };
}

async function refresh() {
  if (state.holder === null) { render(); return; }
  try {
    state.data = await op('dashboard', { holder: state.holder, year: state.year });
    state.tx = await op('tx_list', txQuery());
    state.error = null;
  } catch (err) {
    state.error = err;
  }
  render();
}

async function refreshTx() {
  try {
    state.tx = await op('tx_list', txQuery());
    state.error = null;
  } catch (err) {
    state.error = err;
  }
  render();
}

function render() {
  if (!root) return;
  if (chart) { chart.destroy(); chart = null; }
  clear(root);
  const d = state.data;
  const holder = el('select', { class: 'input', attrs: { id: 'dash-holder', 'aria-label': t('dash.holder') } },
    state.persons.map((p) => el('option', { text: `${p.name}  ${p.resident_id_masked}`, attrs: { value: p.id, selected: p.id === state.holder } })));
  holder.addEventListener('change', () => { state.holder = Number(holder.value); state.filters.member = ''; state.filters.page = 1; refresh(); });
  const thisYear = state.thisYear;
  const year = el('select', { class: 'input', attrs: { id: 'dash-year', 'aria-label': t('dash.year') } },
    thisYear ? [thisYear, thisYear - 1, thisYear - 2].map((y) => el('option', { text: String(y), attrs: { value: y, selected: y === state.year } })) : []);
  year.addEventListener('change', () => { state.year = Number(year.value); refresh(); });

  const section = el('section', { class: 'dashboard', attrs: { id: 'dashboard' } }, [
    el('div', { class: 'toolbar' }, [
      el('h1', { class: 'screen-title', text: t('dash.title') }),
      el('label', { class: 'holder-picker' }, [el('span', { text: t('dash.holder') }), holder]),
      thisYear ? year : null,
    ]),
    state.error ? el('p', { class: 'form-error', text: `${errText(state.error)} (${state.error.code})`, attrs: { role: 'alert', id: 'dash-error' } }) : null,
    state.notice ? el('p', { class: 'notice', text: state.notice, attrs: { role: 'status', id: 'dash-notice' } }) : null,
    d ? summaryView(d) : null,
    d ? el('div', { class: 'dash-grid' }, [trendCard(d), capsCard(d)]) : null,
    d && d.anomalies.length ? anomaliesCard(d) : null,
    d ? membersCard(d) : null,
    d && d.members.some((m) => m.fund_progress.length) ? fundCard(d) : null,
    state.tx ? txCard() : null,
  ]);
  root.append(section);
  if (d) drawTrend(d);
  if (state.statement) root.append(statementView(state.statement));
}

function summaryView(d) {
  const f = d.family;
  return el('div', { class: 'dash-summary', attrs: { id: 'dash-summary' } }, [
    el('div', { class: 'card stat stat-total' }, [
      el('p', { class: 'stat-label', text: t('dash.year_total', { year: d.year }) }),
      el('p', { class: 'stat-value mono', text: f.total_display, attrs: { id: 'dash-total' } }),
      el('p', { class: 'muted', text: t('dash.bills', { n: f.bills }) }),
      // 代缴: premiums are not medical bills, so they stand apart from the total.
      el('p', { class: 'dash-premiums', attrs: { id: 'dash-premiums' } }, [
        `${t('dash.premiums')} `, el('strong', { class: 'mono', text: d.premiums_display, attrs: { id: 'dash-premiums-sum' } }),
        el('span', { class: 'muted small', text: ` ${t('dash.premiums_note', { n: d.premiums_count, year: d.year })}` }),
      ]),
    ]),
    el('div', { class: 'card stat stat-sources' }, [
      el('p', { class: 'stat-label', text: t('dash.by_source') }),
      el('div', { class: 'stack', attrs: { role: 'img', 'aria-label': t('dash.by_source') } }, SOURCES.map((s) => {
        const seg = el('span', { class: `stack-seg seg-${s}` });
        seg.style.width = `${f.pct[s] || 0}%`;
        return seg;
      })),
      el('ul', { class: 'legend' }, SOURCES.map((s) => el('li', { attrs: { 'data-source': s } }, [
        el('span', { class: `dot seg-${s}`, attrs: { 'aria-hidden': 'true' } }),
        ` ${t(`leg.${s}`)} `, el('strong', { class: 'mono', text: f.display[s] }), ` (${f.pct[s]}%)`,
      ]))),
    ]),
    el('div', { class: 'card stat' }, [
      el('p', { class: 'stat-label', text: t('dash.by_scenario') }),
      el('ul', { class: 'legend' }, SCENARIOS.map((s) => el('li', {}, [`${t(`scenario.${s}`)} `, el('strong', { class: 'mono', text: f.display[s] || '¥0.00' })]))),
    ]),
  ]);
}

function trendCard(d) {
  return el('div', { class: 'card' }, [
    el('h3', { class: 'card-title', text: t('dash.trend') }),
    el('div', { class: 'trend', attrs: { id: 'dash-trend', role: 'img', 'aria-label': t('dash.trend') } }),
  ]);
}

function drawTrend(d) {
  const box = root && root.querySelector('#dash-trend');
  if (!box) return;
  const xs = d.family_trend.map((_, i) => i);
  // Month numbers, with the year where one begins (or on the first bar when
  // no January is shown), so twelve labels never run into each other.
  const jan = d.family_trend.some(([m]) => m.endsWith('-01'));
  const labels = d.family_trend.map(([m], i) => (m.endsWith('-01') || (i === 0 && !jan) ? m.slice(2).replace('-', '/') : m.slice(5)));
  const width = Math.max(280, box.clientWidth || 480);
  chart = new uPlot({
    width,
    height: 220,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false, range: [-0.6, xs.length - 0.4] } },
    axes: [
      { values: (u, vals) => vals.map((v) => labels[Math.round(v)] ?? ''), splits: () => xs, gap: 4, size: 30 },
      { values: (u, vals) => vals.map((v) => `¥${v >= 1000 ? `${Math.round(v / 100) / 10}k` : v}`), size: 56 },
    ],
    series: [
      {},
      { label: t('dash.trend'), fill: 'rgba(14,124,123,0.75)', stroke: '#0e7c7b', paths: uPlot.paths.bars({ size: [0.6, 48] }), points: { show: false } },
    ],
  }, [xs, d.family_trend_yuan], box);
}

function capsCard(d) {
  const rows = d.caps.map((c) => {
    const fill = el('span', { class: `bar-fill level-${c.level}` });
    fill.style.width = `${Math.min(100, c.used_pct ?? 0)}%`;
    return el('li', { class: 'cap', attrs: { 'data-aid-id': c.aid_id, 'data-level': c.level } }, [
      el('div', { class: 'cap-head' }, [
        el('span', { text: t('dash.cap_pair', { a: c.authorizer_name, b: c.beneficiary_name }) }),
        el('span', { class: 'mono', text: c.cap_display ? `${c.spent_display} / ${c.cap_display}` : t('dash.no_cap', { spent: c.spent_display }) }),
      ]),
      c.cap_display ? el('div', { class: 'bar' }, [fill]) : null,
      c.status === 'frozen' ? el('span', { class: 'pill bpill-submitted', text: t('dash.frozen') }) : null,
    ]);
  });
  const ch = d.channel_caps.filter((c) => c.spent_today_fen > 0);
  return el('div', { class: 'card' }, [
    el('h3', { class: 'card-title', text: t('dash.caps') }),
    rows.length ? el('ul', { class: 'caps', attrs: { id: 'dash-caps' } }, rows) : el('p', { class: 'muted', text: t('dash.no_aid') }),
    ch.length ? el('p', { class: 'muted small', text: ch.map((c) => t('dash.channel', { name: c.member_name })).join('；') }) : null,
  ]);
}

function anomaliesCard(d) {
  return el('div', { class: 'card anomalies', attrs: { id: 'dash-anomalies' } }, [
    el('h3', { class: 'card-title', text: t('dash.anomalies') }),
    el('ul', {}, d.anomalies.map((a) => el('li', { attrs: { 'data-kind': a.kind, 'data-settlement-id': a.settlement_id } }, [
      el('span', { class: 'mono', text: `${a.date} ` }),
      el('strong', { text: `${a.member_name} ` }),
      el('span', { text: lang() === 'en' ? a.explain_en : a.explain_zh }),
      a.aid_ids.length ? el('button', {
        class: 'btn btn-danger freeze', text: t('dash.freeze'), attrs: { type: 'button' },
        on: { click: async () => {
          try {
            for (const id of a.aid_ids) await op('aid_freeze', { id }).catch((e) => { if (e.code !== 'AID_WRONG_STATE') throw e; });
            state.notice = t('dash.frozen_done');
          } catch (err) { state.error = err; }
          refresh();
        } },
      }) : null,
    ]))),
  ]);
}

function membersCard(d) {
  return el('div', { class: 'card' }, [
    el('h3', { class: 'card-title', text: t('dash.members') }),
    el('div', { class: 'table-wrap' }, [el('table', { class: 'table', attrs: { id: 'dash-members' } }, [
      el('thead', {}, [el('tr', {}, ['dash.member', 'dash.year_col', 'leg.fund', 'leg.family_aid', 'dash.premiums_col', 'dash.prev', 'dash.largest', 'dash.actions_col'].map((k) => (k === 'dash.actions_col'
        ? el('th', {}, [el('span', { class: 'sr-only-text', text: t(k) })])
        : el('th', { text: t(k, { year: d.year }) }))))]),
      el('tbody', {}, d.members.map((m) => el('tr', { attrs: { 'data-member-id': m.id } }, [
        el('td', { text: m.name }),
        el('td', { class: 'num mono', text: m.year.total_display }),
        el('td', { class: 'num mono', text: m.year.display.fund }),
        el('td', { class: 'num mono', text: m.year.display.family_aid }),
        el('td', { class: 'num mono member-premiums', text: m.premiums_display }),
        el('td', { class: 'mono small', text: m.previous_years.map((p) => `${p.year}: ${p.display}`).join('  ') }),
        el('td', { class: 'small', text: m.largest.length ? `${m.largest[0].date} ${m.largest[0].institution} ${m.largest[0].total_display}` : '' }),
        el('td', {}, [el('button', { class: 'link statement', text: t('dash.statement'), attrs: { type: 'button' }, on: { click: () => openStatement(m.id) } })]),
      ]))),
    ])]),
  ]);
}

// One progress bar; the width goes through the CSSOM like the cap bars (the
// strict CSP forbids style= attributes), the figures as text.
function progressBar(kind, text, pct, level) {
  const fill = el('span', { class: `bar-fill fund-fill-${kind} level-${level}` });
  fill.style.width = `${Math.max(0, Math.min(100, pct ?? 0))}%`;
  return el('div', { class: `fund-line fund-${kind}`, attrs: { 'data-level': level } }, [
    el('span', { class: 'fund-text mono', text }),
    el('div', { class: 'bar', attrs: { role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(pct ?? 0), 'aria-label': text } }, [fill]),
  ]);
}

function fundCard(d) {
  return el('div', { class: 'card', attrs: { id: 'dash-fund' } }, [
    el('h3', { class: 'card-title', text: t('dash.fund') }),
    el('div', { class: 'fund-grid' }, d.members.filter((m) => m.fund_progress.length).map((m) => el('div', { class: 'fund-member', attrs: { 'data-member-id': m.id } }, [
      el('h4', { class: 'fund-name', text: m.name }),
      ...m.fund_progress.map((p) => el('div', { class: 'fund-scenario', attrs: { 'data-scenario': p.scenario } }, [
        el('p', { class: 'fund-scenario-name' }, [el('strong', { text: t(`scenario.${p.scenario}`) }), el('span', { class: 'muted small', text: ` ${t('dash.fund_ratio', { pct: p.ratio_pct })}` })]),
        progressBar('deductible', t('dash.deductible', { used: p.deductible_used_display, of: p.deductible_display }), p.deductible_pct, p.deductible_met ? 'met' : 'open'),
        p.ceiling_display
          ? progressBar('ceiling', t('dash.ceiling', { paid: p.fund_paid_display, of: p.ceiling_display }), p.ceiling_pct, p.ceiling_level)
          : el('p', { class: 'fund-line fund-ceiling muted small', attrs: { 'data-level': 'none' }, text: t('dash.no_ceiling', { paid: p.fund_paid_display }) }),
      ])),
    ]))),
    el('p', { class: 'muted small', text: t('dash.fund_note', { year: d.year }) }),
  ]);
}

function filterSelect(key, options, label) {
  const s = el('select', { class: 'input', attrs: { id: `tx-${key}`, 'aria-label': label } }, [
    el('option', { text: t('dash.all'), attrs: { value: '' } }),
    ...options.map(([v, text]) => el('option', { text, attrs: { value: v, selected: String(state.filters[key]) === String(v) } })),
  ]);
  s.addEventListener('change', () => { state.filters[key] = s.value; state.filters.page = 1; refreshTx(); });
  return s;
}

function dateInput(key) {
  const i = el('input', { class: 'input mono', attrs: { id: `tx-${key}`, type: 'date', 'aria-label': t(`dash.${key}`) } });
  i.value = state.filters[key];
  i.addEventListener('change', () => { state.filters[key] = i.value; state.filters.page = 1; refreshTx(); });
  return i;
}

function txCard() {
  const p = state.tx;
  const d = state.data;
  const members = d ? d.members.map((m) => [m.id, m.name]) : [];
  const pages = Math.max(1, Math.ceil(p.total_rows / p.page_size));
  const rows = [];
  for (const r of p.rows) {
    if (r.kind === PREMIUM) {
      // 代缴: no institution and no legs; the payer's personal account paid it.
      rows.push(el('tr', { class: 'tx-row tx-premium', attrs: { 'data-kind': PREMIUM, 'data-premium-id': r.id } }, [
        el('td', { class: 'mono', text: r.date }),
        el('td', { text: r.member_name }),
        el('td', { class: 'muted', text: t('dash.premium_payer', { name: r.payer_name || '' }) }),
        el('td', {}, [el('span', { class: 'pill tx-kind-premium', text: t('dash.scenario_premium') })]),
        el('td', { class: 'num mono', text: r.total_display }),
        el('td', {}),
      ]));
      continue;
    }
    rows.push(el('tr', { class: 'tx-row' + (state.open === r.id ? ' selected' : ''), attrs: { 'data-kind': 'settlement', 'data-settlement-id': r.id } }, [
      el('td', { class: 'mono', text: r.date }),
      el('td', { text: r.member_name }),
      el('td', { text: r.institution }),
      el('td', { text: t(`scenario.${r.scenario}`) }),
      el('td', { class: 'num mono', text: r.total_display }),
      el('td', {}, [el('button', { class: 'link legs-toggle', text: state.open === r.id ? t('dash.hide') : t('dash.legs'), attrs: { type: 'button' }, on: { click: () => toggleLegs(r.id) } })]),
    ]));
    if (state.open === r.id && state.legs) {
      rows.push(el('tr', { class: 'legs-row' }, [el('td', { attrs: { colspan: '6' } }, [
        el('ul', { class: 'legend' }, state.legs.legs.map((l) => el('li', {}, [`${t(`leg.${l.source}`)} ${l.person_name || ''} `, el('strong', { class: 'mono', text: l.amount_display })]))),
      ])]));
    }
  }
  return el('div', { class: 'card', attrs: { id: 'dash-tx' } }, [
    el('div', { class: 'detail-head' }, [
      el('h3', { class: 'card-title', text: t('dash.tx') }),
      el('button', { class: 'btn', text: t('dash.csv'), attrs: { type: 'button', id: 'dash-csv' }, on: { click: exportCsv } }),
    ]),
    el('div', { class: 'filters' }, [
      filterSelect('member', members, t('dash.member')),
      dateInput('from'), dateInput('to'),
      filterSelect('scenario', [...SCENARIOS.map((s) => [s, t(`scenario.${s}`)]), [PREMIUM, t('dash.scenario_premium')]], t('terminal.scenario')),
      filterSelect('source', SOURCES.map((s) => [s, t(`leg.${s}`)]), t('dash.source')),
      filterSelect('institution', state.institutions.map((i) => [i.id, i.name]), t('dash.institution')),
    ]),
    el('div', { class: 'table-wrap' }, [el('table', { class: 'table', attrs: { id: 'tx-table' } }, [el('tbody', {}, rows)])]),
    el('div', { class: 'pager' }, [
      el('button', { class: 'btn', text: '‹', attrs: { type: 'button', id: 'tx-prev', disabled: p.page <= 1, 'aria-label': t('dash.prev_page') }, on: { click: () => { state.filters.page -= 1; refreshTx(); } } }),
      el('span', {
        text: t('dash.page', { page: p.page, pages, n: p.total_rows, sum: p.sum_display })
          + (p.premium_rows ? ` · ${t('dash.page_premiums', { n: p.premium_rows, sum: p.premium_sum_display })}` : ''),
        attrs: { id: 'tx-page' },
      }),
      el('button', { class: 'btn', text: '›', attrs: { type: 'button', id: 'tx-next', disabled: p.page >= pages, 'aria-label': t('dash.next_page') }, on: { click: () => { state.filters.page += 1; refreshTx(); } } }),
    ]),
  ]);
}

async function toggleLegs(id) {
  if (state.open === id) { state.open = null; state.legs = null; render(); return; }
  try {
    state.legs = await op('settlement_get', { id });
    state.open = id;
  } catch (err) { state.error = err; }
  render();
}

async function exportCsv() {
  try {
    // Rust opens the save dialog and writes the file; the page learns the name only.
    const r = await call('tx_csv_export', { query: { ...txQuery(), page: null, page_size: null }, suggested: `qinqing-${state.year}.csv` });
    if (!r) return;
    state.notice = t('dash.csv_done', { n: r.rows, path: r.file_name });
  } catch (err) { state.error = err; }
  render();
}

async function openStatement(member) {
  try {
    state.statement = await op('annual_statement', { member, year: state.year });
  } catch (err) { state.error = err; }
  render();
}

function statementView(s) {
  const head = ['dash.month', 'dash.institution', 'leg.fund', 'leg.own_account', 'leg.family_aid', 'leg.cash', 'dash.sum'];
  return el('div', { class: 'statement-page', attrs: { id: 'statement', role: 'dialog', 'aria-modal': 'true' } }, [
    el('div', { class: 'statement-bar no-print' }, [
      el('button', { class: 'btn btn-primary', text: t('dash.print'), attrs: { type: 'button', id: 'statement-print' }, on: { click: () => window.print() } }),
      el('button', { class: 'btn', text: t('docs.close'), attrs: { type: 'button', id: 'statement-close' }, on: { click: () => { state.statement = null; render(); } } }),
    ]),
    el('h2', { text: t('dash.statement_title', { year: s.year, name: s.member.name }) }),
    el('p', { class: 'muted', text: `${s.member.resident_id_masked} · ${t(`insurance.${s.member.insurance}`)} · ${s.member.region} · ${t('dash.generated', { at: s.generated_at })}` }),
    el('table', { class: 'table statement-table' }, [
      el('thead', {}, [el('tr', {}, head.map((k) => el('th', { text: t(k) })))]),
      el('tbody', {}, s.rows.map((r) => el('tr', {}, [
        el('td', { class: 'mono', text: r.month }), el('td', { text: r.institution }),
        ...['fund', 'own_account', 'family_aid', 'cash', 'total'].map((k) => el('td', { class: 'num mono', text: r.display[k] })),
      ]))),
      el('tfoot', {}, [el('tr', {}, [
        el('th', { text: t('dash.sum') }), el('th', {}, [el('span', { class: 'sr-only-text', text: t('dash.institution_col') })]),
        ...['fund', 'own_account', 'family_aid', 'cash', 'total'].map((k) => el('th', { class: 'num mono', text: s.totals.display[k] })),
      ])]),
    ]),
    s.family_aid_by_payer.length ? el('p', { text: t('dash.paid_by', { list: s.family_aid_by_payer.map((p) => `${p.name} ${p.display}`).join('、') }) }) : null,
    el('p', { class: 'muted small', text: t('dash.statement_note') }),
  ]);
}
