// A screen's state that can be put back to its start (the kiosk forgets a
// resident this way): `const { state, reset } = screenState(() => ({ … }));`
export function screenState(initial) {
  const state = initial();
  const reset = () => {
    for (const k of Object.keys(state)) delete state[k];
    Object.assign(state, initial());
  };
  return { state, reset };
}

// The installation's mode changed (set up, paired, connected): the shell
// (app.js) listens and shows the screens of the new mode. A screen says so
// with `modeChanged()` instead of importing the shell that imports it.
export const MODE_CHANGED = 'qinqing:mode-changed';
export function modeChanged() {
  document.dispatchEvent(new CustomEvent(MODE_CHANGED));
}
