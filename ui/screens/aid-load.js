// The 家庭共济 screen's loading: the persons, the open tab's data, the tiers
// of the 代缴 form, and act(), which runs a change and loads again. An answer
// to an older load (or to the resident before, at the kiosk) is dropped.

import { session, visiblePersons } from '../session.js';
import { op } from '../api.js';
import { state, view, render } from './aid-state.js';
import { PREMIUM_FIELDS } from './aid-fields.js';

export async function load() {
  const my = ++view.seq;
  try {
    const everyone = await op('person_list', {});
    if (state.thisYear === null) state.thisYear = Number((await op('info')).today_china.slice(0, 4));
    if (state.pform.year === null) state.pform.year = state.thisYear;
    if (!state.letter) state.letter = await op('aid_letter');
    if (my !== view.seq) return;
    state.persons = visiblePersons(everyone);
    const ids = new Set(state.persons.map((p) => p.id));
    const employee = state.persons.find((p) => p.insurance === 'employee') || state.persons[0];
    if (!ids.has(state.authorizer)) state.authorizer = employee ? employee.id : null;
    if (!ids.has(state.payer)) state.payer = employee ? employee.id : null;
    if (!ids.has(state.beneficiary)) {
      const resident = state.persons.find((p) => p.insurance === 'resident') || state.persons[0];
      state.beneficiary = resident ? resident.id : null;
    }
    // Fetch first, then take the answer only if no newer load started meanwhile.
    const tab = state.tab;
    const got = tab === 'give' ? await fetchGive(state.authorizer, everyone)
      : tab === 'payers' ? await fetchPayers(state.beneficiary)
        : await fetchPremium(state.payer, everyone);
    if (my !== view.seq) return;
    Object.assign(state, got.data);
    if (tab === 'give' && !state.relatives.some((p) => String(p.id) === state.form.beneficiary)) state.form.beneficiary = firstNewRelative();
    if (tab === 'premium') {
      if (!state.relatives.some((p) => p.id === state.relative)) {
        // Start with a relative this payer already shares the account with.
        const shared = state.relatives.find((p) => p.insurance === 'resident' && got.payerAids.some((a) => a.beneficiary_id === p.id && a.status === 'active'));
        const first = shared || state.relatives.find((p) => p.insurance === 'resident') || state.relatives[0];
        pickRelative(first ? first.id : null);
      }
      await loadTiers();
      if (my !== view.seq) return;
    }
    state.error = null;
  } catch (err) {
    if (my !== view.seq) return;
    state.error = err;
  }
  render();
}

/** The relatives `self` may pick: anyone registered, or at the kiosk only
 *  the resident's own family (bound members and aid relations). */
async function relativesOf(self, everyone) {
  if (self === null) return [];
  if (session.residentId === null) return everyone.filter((p) => p.id !== self);
  const ids = new Set();
  for (const b of await op('binding_list', { holder: self, status: 'active' })) ids.add(b.member.id);
  for (const a of await op('aid_list', { authorizer: self })) ids.add(a.beneficiary_id);
  for (const a of await op('aid_list', { beneficiary: self })) ids.add(a.authorizer_id);
  return everyone.filter((p) => p.id !== self && ids.has(p.id));
}

async function fetchGive(authorizer, everyone) {
  if (authorizer === null) return { data: { aids: [], relatives: [] } };
  const aids = await op('aid_list', { authorizer });
  const relatives = await relativesOf(authorizer, everyone);
  return { data: { aids, relatives } };
}

async function fetchPayers(beneficiary) {
  if (beneficiary === null) return { data: { payers: [] } };
  const payers = await op('aid_payers', { beneficiary });
  return { data: { payers } };
}

async function fetchPremium(payer, everyone) {
  if (payer === null) return { data: { relatives: [], premiums: [] }, payerAids: [] };
  const relatives = await relativesOf(payer, everyone);
  const payerAids = await op('aid_list', { authorizer: payer });
  const premiums = await op('premium_list', { person: payer });
  return { data: { relatives, premiums }, payerAids };
}

/** Start the "add" form with a relative this authorizer does not share with yet. */
export function firstNewRelative() {
  const live = new Set(state.aids.filter((a) => a.status !== 'revoked').map((a) => a.beneficiary_id));
  const p = state.relatives.find((r) => !live.has(r.id)) || state.relatives[0];
  return p ? String(p.id) : '';
}

export function pickRelative(id) {
  state.relative = id;
  const p = state.relatives.find((r) => r.id === id);
  state.pform.region = p ? p.region.code : '';
  state.pform.tier = '';
  state.check = null;
  state.checked = null;
}

/** The tiers of the region and year on the form (the latest asked wins). */
export async function loadTiers() {
  const my = ++view.tierSeq;
  const region = state.pform.region.trim();
  let tiers = [];
  let err = null;
  if (region) {
    try { tiers = await op('premium_tiers', { region, year: state.pform.year }); } catch (e) { err = e; }
  }
  if (my !== view.tierSeq) return;
  state.tiers = tiers;
  if (err) state.perror = err;
  else if (state.perror && PREMIUM_FIELDS[state.perror.field] === 'region') state.perror = null;
  if (!tiers.some((x) => x.tier === state.pform.tier)) state.pform.tier = tiers.length === 1 ? tiers[0].tier : '';
}

/** Run a call that changes something; refresh the tab or keep its error. */
export async function act(fn, onError, notice) {
  if (state.busy) return null;
  state.busy = true;
  const mine = view.epoch;
  try {
    const r = await fn();
    if (mine !== view.epoch) return null;
    state.busy = false;
    state.notice = notice ? notice(r) : '';
    await load();
    return r;
  } catch (err) {
    if (mine !== view.epoch) return null;
    state.busy = false;
    onError(err);
    render();
    const bad = view.root && view.root.querySelector('.has-error input, .has-error select');
    if (bad) bad.focus();
    return null;
  }
}
