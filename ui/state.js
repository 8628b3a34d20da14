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
