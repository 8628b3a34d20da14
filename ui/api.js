// The only door to Rust. Every rule lives in the domain library; the UI asks
// and shows the answer. Errors arrive as {code, field, message_zh, message_en, also}.

function tauriInvoke() {
  const t = window.__TAURI__;
  if (!t || !t.core || typeof t.core.invoke !== 'function') return null;
  return t.core.invoke;
}

/** Normalize anything thrown into a domain-shaped error. */
export function asError(e) {
  if (e && typeof e === 'object' && typeof e.code === 'string') return e;
  const text = typeof e === 'string' ? e : (e && e.message) || String(e);
  return { code: 'INTERNAL', kind: 'internal', message_zh: text, message_en: text, also: [] };
}

export async function call(cmd, args = {}) {
  const invoke = tauriInvoke();
  if (!invoke) {
    throw asError('Tauri IPC is not available (open this page inside the Qinqing app).');
  }
  try {
    return await invoke(cmd, args);
  } catch (e) {
    throw asError(e);
  }
}
