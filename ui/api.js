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

/**
 * Send raw bytes (a file's contents) to a command, with JSON metadata in a
 * header. Used for uploads, so a 12 MB photo is not turned into JSON.
 */
export async function callRaw(cmd, bytes, meta) {
  const invoke = tauriInvoke();
  if (!invoke) throw asError('Tauri IPC is not available (open this page inside the Qinqing app).');
  const json = new TextEncoder().encode(JSON.stringify(meta));
  let bin = '';
  for (const b of json) bin += String.fromCharCode(b);
  try {
    return await invoke(cmd, bytes, { headers: { 'x-qinqing-upload': btoa(bin) } });
  } catch (e) {
    throw asError(e);
  }
}

/** Subscribe to a Tauri event (e.g. 'tauri://drag-drop'); no-op outside the app. */
export function onTauriEvent(name, fn) {
  const ev = window.__TAURI__ && window.__TAURI__.event;
  if (!ev || typeof ev.listen !== 'function') return;
  ev.listen(name, fn);
}

/**
 * One operation of the service interface — its name and arguments exactly as
 * the server takes them (crates/qinqing-core/src/app/api.rs declares each once):
 * the window's command `plugin:ops|<name>`, made from that declaration, with
 * its own permission `ops:allow-<name>`.
 */
export async function op(name, args = {}) {
  return call(`plugin:ops|${name}`, { args });
}
