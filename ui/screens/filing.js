// Placeholder: replaced by the filing screen.
import { el, clear } from '../dom.js';
import { screenState } from '../state.js';

const { state, reset } = screenState(() => ({}));
export { reset };

export function mount(container) {
  clear(container);
  container.append(el('section', { class: 'filing' }, []));
  return state;
}
