// Document upload and viewing, used by the binding flow: a file input, the
// native file dialog, drag-and-drop onto the window, thumbnails, a large
// view with zoom, replace and delete. Rust does all the processing and every
// check; this only moves bytes and shows the answer (the file dialog is
// opened by Rust, so no file-system path ever reaches the page).

import { call, callRaw, op } from './api.js';
import { el } from './dom.js';
import { t, errText } from './i18n.js';

const thumbs = new Map(); // document id → data URL, or '' for a PDF
let dropTarget = null;

/** Forget every cached thumbnail (the kiosk wipes them between residents). */
export function clearThumbs() {
  thumbs.clear();
  dropTarget = null;
}
 // { upload(files) } while an uploader is on screen
let listening = false;

/** Fetch the thumbnails not yet cached, then call `done` to re-render. */
export function loadThumbs(docs, done) {
  const missing = docs.filter((d) => !thumbs.has(d.id));
  if (!missing.length) return;
  Promise.all(missing.map((d) => op('document_thumb', { id: d.id })
    .then((img) => thumbs.set(d.id, img ? img.data_url : ''))
    .catch(() => thumbs.set(d.id, ''))))
    .then(done);
}

// Files dropped onto the window arrive as the page's own File objects
// (Tauri's path-giving drop handler is off: dragDropEnabled = false), and
// their bytes go to Rust like a picked file's — no path ever crosses.
function listenForDrops() {
  if (listening) return;
  listening = true;
  document.addEventListener('dragover', (ev) => { if (dropTarget) ev.preventDefault(); });
  document.addEventListener('drop', (ev) => {
    if (!dropTarget) return;
    ev.preventDefault();
    const files = [...((ev.dataTransfer && ev.dataTransfer.files) || [])];
    if (files.length) dropTarget.upload(files);
  });
}

/**
 * The uploader. `opts`: { person, binding, kind, note, busy, error,
 * onBusy(bool), onDone(result), onError(err), replacing }.
 */
export function uploader(opts) {
  listenForDrops();
  const meta = () => ({ person: opts.person, kind: opts.kind(), note: opts.note(), binding: opts.binding });
  const run = async (work) => {
    opts.onBusy(true);
    try {
      const r = await work();
      opts.onDone(r);
    } catch (err) {
      opts.onError(err);
    }
  };
  const uploadFiles = (files) => run(async () => {
    let last = null;
    for (const f of files) last = await callRaw('document_upload', new Uint8Array(await f.arrayBuffer()), meta());
    return last;
  });
  dropTarget = { upload: uploadFiles };

  const file = el('input', {
    class: 'file-input',
    attrs: { type: 'file', id: 'doc-file', accept: 'image/jpeg,image/png,image/webp,application/pdf' },
  });
  file.addEventListener('change', () => {
    const f = file.files && file.files[0];
    if (!f) return;
    // The bytes go to Rust as they are; Rust sniffs, checks and processes them.
    run(async () => callRaw('document_upload', new Uint8Array(await f.arrayBuffer()), meta()));
  });
  const pick = el('button', {
    class: 'btn', text: t('docs.pick'), attrs: { type: 'button', id: 'doc-pick', disabled: opts.busy },
    on: {
      // The system's file dialog is opened by Rust; the page learns only the result.
      click: async () => {
        const m = meta();
        opts.onBusy(true);
        try {
          const r = await call('document_pick', { person: m.person, kind: m.kind, note: m.note, binding: m.binding });
          if (r) opts.onDone(r); else opts.onBusy(false); // cancelled
        } catch (err) {
          opts.onError(err);
        }
      },
    },
  });
  const label = el('label', { class: 'btn btn-primary file-label' + (opts.busy ? ' disabled' : ''), text: t('docs.choose'), attrs: { for: 'doc-file' } });
  return el('div', { class: 'uploader' + (opts.error ? ' has-error' : ''), attrs: { id: 'doc-uploader' } }, [
    el('div', { class: 'dropzone' }, [
      file, label, pick,
      el('span', { class: 'muted', text: t('docs.drop') }),
    ]),
    opts.busy ? el('p', { class: 'progress', attrs: { id: 'doc-progress', role: 'status' } }, [el('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }), ' ', t('docs.busy')]) : null,
    opts.error ? el('p', { class: 'field-error', text: errText(opts.error), attrs: { 'data-error-for': 'file', 'data-code': opts.error.code, role: 'alert', id: 'doc-error' } }) : null,
  ]);
}

/** Thumbnails of `docs` with view / replace / delete. */
export function gallery(docs, { onView, onDelete, onReplace, editable }) {
  if (!docs.length) return el('p', { class: 'muted', text: t('flow.docs_none'), attrs: { id: 'bind-docs-empty' } });
  return el('ul', { class: 'gallery', attrs: { id: 'bind-docs' } }, docs.map((d) => {
    const src = thumbs.get(d.id);
    const pic = src
      ? el('img', { class: 'thumb', attrs: { src, alt: t(`doc.${d.kind}`), 'data-doc-id': d.id } })
      : el('span', { class: 'thumb thumb-pdf', text: d.media === 'pdf' ? 'PDF' : '…' });
    const rejected = d.status === 'rejected';
    return el('li', { class: 'gallery-item' + (rejected ? ' doc-is-rejected' : ''), attrs: { 'data-doc-id': d.id, 'data-kind': d.kind, 'data-status': d.status } }, [
      el('button', { class: 'thumb-button', attrs: { type: 'button', 'aria-label': t('docs.view') }, on: { click: () => onView(d) } }, [pic]),
      el('span', { class: 'doc-kind', text: t(`doc.${d.kind}`) }),
      d.note ? el('span', { class: 'doc-note muted', text: d.note }) : null,
      // A rejected document counts for nothing (Rust's rule); say so, with the reason.
      rejected ? el('span', { class: 'doc-rejected', text: t('docs.rejected', { reason: d.reject_reason || '' }) }) : null,
      el('span', { class: 'doc-size muted', text: d.width ? `${d.width}×${d.height}` : `${Math.ceil(d.bytes / 1024)} KB` }),
      editable ? el('span', { class: 'doc-actions' }, [
        el('button', { class: 'link doc-replace', text: t('docs.replace'), attrs: { type: 'button' }, on: { click: () => onReplace(d) } }),
        el('button', { class: 'link doc-delete', text: t('docs.delete'), attrs: { type: 'button' }, on: { click: () => onDelete(d) } }),
      ]) : null,
    ]);
  }));
}

/** The large view: fit to the window, click or ± to zoom. */
export function viewer(doc, image, zoom, { onZoom, onClose }) {
  const body = image && image.mime.startsWith('image/')
    ? el('img', { class: `viewer-img zoom-${zoom}`, attrs: { src: image.data_url, alt: t(`doc.${doc.kind}`), id: 'doc-viewer-img' }, on: { click: () => onZoom(zoom === 1 ? 2 : 1) } })
    : el('p', { class: 'viewer-pdf', text: t('docs.pdf', { kb: Math.ceil(doc.bytes / 1024) }) });
  return el('div', { class: 'viewer', attrs: { id: 'doc-viewer', role: 'dialog', 'aria-modal': 'true', 'aria-label': t(`doc.${doc.kind}`) } }, [
    el('div', { class: 'viewer-bar' }, [
      el('span', { class: 'viewer-title', text: `${t(`doc.${doc.kind}`)} · ${doc.width ? `${doc.width}×${doc.height}` : 'PDF'}` }),
      el('button', { class: 'btn', text: '−', attrs: { type: 'button', id: 'doc-zoom-out', 'aria-label': t('docs.zoom_out'), disabled: zoom <= 1 }, on: { click: () => onZoom(Math.max(1, zoom - 1)) } }),
      el('button', { class: 'btn', text: '+', attrs: { type: 'button', id: 'doc-zoom-in', 'aria-label': t('docs.zoom_in'), disabled: zoom >= 3 }, on: { click: () => onZoom(Math.min(3, zoom + 1)) } }),
      el('button', { class: 'btn', text: t('docs.close'), attrs: { type: 'button', id: 'doc-viewer-close' }, on: { click: onClose } }),
    ]),
    el('div', { class: 'viewer-body' }, [body]),
  ]);
}
