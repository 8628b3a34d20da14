// The 家庭共济 screen's state, shared by the screen (aid.js) and its parts
// (aid-*.js). The parts import this module, never aid.js, so no import runs
// in a circle: the screen hands its render() here with setRender().

import { screenState } from '../state.js';

// The screen's state; reset() puts it back (the kiosk wipes it between residents).
export const initial = () => ({
  tab: 'give',
  persons: [], // who this screen may pick as "me" (the resident only, at the kiosk)
  relatives: [], // whom "me" may pick as the relative
  thisYear: null,
  letter: null,
  notice: '',
  error: null,
  busy: false,
  // the authorizer's side
  authorizer: null,
  aids: [],
  adding: false,
  form: { beneficiary: '', relation: 'child', monthly: '', online: '', agree: false },
  formError: null,
  editing: null, // aid id whose caps are being changed
  edit: { monthly: '', online: '' },
  editError: null,
  confirm: null, // { id, action }
  // the beneficiary's side
  beneficiary: null,
  payers: [],
  // 代缴
  payer: null,
  relative: null,
  pform: { region: '', year: null, tier: '' },
  tiers: [],
  check: null,
  checked: null, // the request that was checked
  receipt: null,
  premiums: [],
  perror: null,
});
export const { state, reset: resetState } = screenState(initial);

// What lives beside the state and is not data: the container on screen and
// the counters that tell a stale answer.
export const view = {
  root: null,
  seq: 0, // answers to an older load are dropped
  tierSeq: 0,
  epoch: 0, // bumped by reset(): an answer to an older epoch is someone else's
  // The insured-region input outlives a render: leaving it reloads the tiers and
  // re-renders, and the person typing (or tabbing back) keeps the same field.
  regionEl: null,
};

let draw = () => {};

/** aid.js says how the screen is drawn; the parts redraw through render(). */
export function setRender(fn) {
  draw = fn;
}

export function render() {
  draw();
}
