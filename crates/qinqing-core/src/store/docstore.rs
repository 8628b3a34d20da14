//! The document pipeline: identify by content, bound the work, turn upright,
//! drop metadata, downscale, re-encode, thumbnail, and store content-addressed.
//!
//! Images are decoded to pixels and encoded again, so nothing of the original
//! file (EXIF with GPS, camera, times; ICC; comments) reaches the store. PDFs
//! are kept as they are after a size and structure check. The original upload
//! is never written anywhere.
//!
//! What is stored — the re-encoded image or the PDF, and the thumbnail — is
//! sealed under the ledger's documents' key on the way in and opened on the
//! way out ([`DocFiles`]; the format and the key in [`crate::store::sealed`]),
//! in the directory beside a SQLite ledger and in a PostgreSQL ledger's
//! `blob` table alike. A file is still named by the SHA-256 of its plain
//! bytes. Documents an earlier version stored plain are sealed once, on the
//! first opening that finds them ([`Blobs::seal_legacy`]).

use crate::error::{Error, Result};
use crate::store::sealed::{self, open, seal, DocKey};
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

/// The long side of a stored image, in pixels (never upscaled).
pub const STORE_LONG_SIDE: u32 = 2400;
/// The long side of a thumbnail.
pub const THUMB_LONG_SIDE: u32 = 320;
pub const JPEG_QUALITY: u8 = 85;
pub const THUMB_QUALITY: u8 = 80;

/// Bounds checked before and during decoding.
#[derive(Debug, Clone)]
pub struct IngestLimits {
    /// Largest accepted upload, in bytes (setting; default 20 MB).
    pub max_bytes: u64,
    /// Largest accepted width or height, in pixels.
    pub max_side: u32,
    /// Most memory the decoder may allocate.
    pub max_alloc: u64,
}

impl Default for IngestLimits {
    fn default() -> Self {
        IngestLimits { max_bytes: 20 * 1024 * 1024, max_side: 12_000, max_alloc: 256 * 1024 * 1024 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    Jpeg,
    Png,
    Webp,
    Pdf,
}

impl Media {
    pub fn as_str(self) -> &'static str {
        match self {
            Media::Jpeg => "jpeg",
            Media::Png => "png",
            Media::Webp => "webp",
            Media::Pdf => "pdf",
        }
    }
    pub fn ext(self) -> &'static str {
        match self {
            Media::Jpeg => "jpg",
            Media::Png => "png",
            Media::Webp => "webp",
            Media::Pdf => "pdf",
        }
    }
    pub fn mime(self) -> &'static str {
        match self {
            Media::Jpeg => "image/jpeg",
            Media::Png => "image/png",
            Media::Webp => "image/webp",
            Media::Pdf => "application/pdf",
        }
    }
    pub fn parse(s: &str) -> Option<Media> {
        [Media::Jpeg, Media::Png, Media::Webp, Media::Pdf].into_iter().find(|m| m.as_str() == s)
    }
}

/// What the bytes are, by their magic numbers (never by a file name).
pub fn sniff(b: &[u8]) -> Option<Media> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Media::Jpeg)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Media::Png)
    } else if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some(Media::Webp)
    } else if b.starts_with(b"%PDF-") {
        Some(Media::Pdf)
    } else {
        None
    }
}

/// The result of processing one upload, ready to store.
#[derive(Debug, Clone)]
pub struct Processed {
    pub source: Media,
    /// What is stored: `Jpeg` for every image, `Pdf` for a PDF.
    pub media: Media,
    pub stored: Vec<u8>,
    pub sha256: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub thumb: Option<Vec<u8>>,
}

pub fn sha256_hex(b: &[u8]) -> String {
    format!("{:x}", Sha256::digest(b))
}

fn corrupt(media: Media, detail: impl std::fmt::Display) -> Error {
    Error::doc_corrupt(media.as_str(), &detail.to_string())
}

/// Run the whole pipeline on an upload held in memory.
pub fn process(bytes: &[u8], limits: &IngestLimits) -> Result<Processed> {
    if bytes.is_empty() {
        return Err(Error::doc_empty());
    }
    if bytes.len() as u64 > limits.max_bytes {
        return Err(Error::doc_too_large(bytes.len() as u64, limits.max_bytes));
    }
    let media = sniff(bytes).ok_or_else(Error::doc_unsupported)?;
    // A file whose data stops before the picture is complete (an upload cut
    // off, an interrupted copy) is refused: decoders would fill the missing
    // part with grey and a reviewer might approve half a page.
    if !complete(media, bytes) {
        return Err(Error::doc_incomplete());
    }
    if media == Media::Pdf {
        return process_pdf(bytes);
    }
    let fmt = match media {
        Media::Jpeg => image::ImageFormat::Jpeg,
        Media::Png => image::ImageFormat::Png,
        _ => image::ImageFormat::WebP,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), fmt);
    let mut lim = Limits::default();
    lim.max_image_width = Some(limits.max_side);
    lim.max_image_height = Some(limits.max_side);
    lim.max_alloc = Some(limits.max_alloc);
    reader.limits(lim);
    let mut decoder = reader.into_decoder().map_err(|e| classify(media, e, limits))?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(corrupt(media, "zero-sized image"));
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| classify(media, e, limits))?;
    img.apply_orientation(orientation);
    // Documents are opaque: flatten any alpha onto white, then keep RGB.
    let rgb = flatten(img);
    let stored_img = shrink(&rgb, STORE_LONG_SIDE);
    let thumb_img = shrink(&stored_img, THUMB_LONG_SIDE);
    let stored = encode_jpeg(&stored_img, JPEG_QUALITY)?;
    let thumb = encode_jpeg(&thumb_img, THUMB_QUALITY)?;
    Ok(Processed {
        source: media,
        media: Media::Jpeg,
        sha256: sha256_hex(&stored),
        width: Some(stored_img.width()),
        height: Some(stored_img.height()),
        stored,
        thumb: Some(thumb),
    })
}

fn classify(media: Media, e: image::ImageError, limits: &IngestLimits) -> Error {
    match e {
        image::ImageError::Limits(_) => Error::doc_too_many_pixels(limits.max_side),
        other => corrupt(media, other),
    }
}

fn flatten(img: DynamicImage) -> image::RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = image::RgbImage::new(w, h);
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(p[3]);
        for c in 0..3 {
            o[c] = ((u16::from(p[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

/// At most `long` px on the long side; never upscaled. Area averaging
/// (`thumbnail`) is fast and keeps text legible when shrinking.
fn shrink(img: &image::RgbImage, long: u32) -> image::RgbImage {
    let (w, h) = img.dimensions();
    if w.max(h) <= long {
        return img.clone();
    }
    let (nw, nh) = if w >= h {
        (long, ((u64::from(h) * u64::from(long) + u64::from(w) / 2) / u64::from(w)).max(1) as u32)
    } else {
        (((u64::from(w) * u64::from(long) + u64::from(h) / 2) / u64::from(h)).max(1) as u32, long)
    };
    image::imageops::thumbnail(img, nw, nh)
}

fn encode_jpeg(img: &image::RgbImage, quality: u8) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity((img.width() * img.height() / 4) as usize);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(img).map_err(|e| Error::internal(format!("JPEG encoding: {e}")))?;
    Ok(out)
}

/// A PDF is kept byte for byte; it must at least look complete.
/// Whether the file's own structure says it ends where the picture ends.
/// - JPEG: its segments, walked from the start by their lengths, reach a
///   scan and then the end-of-image marker (FF D9). An EXIF thumbnail's own
///   markers lie inside its APP1 segment and are skipped with it, so a file
///   cut after the thumbnail but before the main picture is incomplete too.
/// - PNG: the IEND chunk, after at least one IDAT.
/// - WebP: the RIFF size field matches the bytes present (and the chunk
///   inside is whole).
/// - PDF: `%%EOF` in the last kilobyte.
pub fn complete(media: Media, b: &[u8]) -> bool {
    match media {
        Media::Jpeg => jpeg_complete(b),
        Media::Png => {
            let idat = b.windows(4).position(|w| w == b"IDAT");
            let iend = b.windows(4).rposition(|w| w == b"IEND");
            // IEND is the last chunk: its type, then its 4-byte CRC, end the file.
            matches!((idat, iend), (Some(d), Some(e)) if d < e && e + 8 <= b.len())
        }
        Media::Webp => {
            if b.len() < 20 {
                return false;
            }
            let riff = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
            let chunk = u32::from_le_bytes([b[16], b[17], b[18], b[19]]) as usize;
            riff + 8 <= b.len() && 20 + chunk <= b.len()
        }
        Media::Pdf => {
            let tail = &b[b.len().saturating_sub(1024)..];
            tail.windows(5).any(|w| w == b"%%EOF")
        }
    }
}

/// Whether a JPEG's data runs to its end-of-image marker after at least one
/// scan. Only a file that *ends early* is incomplete (false); a structure
/// this walk does not follow is left to the decoder (true), which calls a
/// damaged file corrupt.
fn jpeg_complete(b: &[u8]) -> bool {
    if b.len() < 4 || b[..2] != [0xFF, 0xD8] {
        return false;
    }
    let (mut i, mut scanned) = (2usize, false);
    loop {
        if i >= b.len() {
            return false;
        }
        if b[i] != 0xFF {
            return true; // not a marker where one belongs: the decoder decides
        }
        while i < b.len() && b[i] == 0xFF {
            i += 1; // fill bytes
        }
        let Some(&m) = b.get(i) else { return false };
        i += 1;
        match m {
            0xD9 => return scanned,
            0x01 | 0xD0..=0xD8 => {}
            _ => {
                let Some(len) = b.get(i..i + 2).map(|l| u16::from_be_bytes([l[0], l[1]]) as usize) else { return false };
                if len < 2 {
                    return true;
                }
                i += len;
                if i > b.len() {
                    return false;
                }
                if m == 0xDA {
                    scanned = true;
                    // Entropy-coded data: up to the next marker that is not a
                    // stuffed FF 00, a restart marker or a fill byte.
                    loop {
                        match b.get(i..i + 2) {
                            None => return false,
                            Some([0xFF, n]) if *n != 0 && !(0xD0..=0xD7).contains(n) && *n != 0xFF => break,
                            _ => i += 1,
                        }
                    }
                }
            }
        }
    }
}

fn process_pdf(bytes: &[u8]) -> Result<Processed> {
    Ok(Processed { source: Media::Pdf, media: Media::Pdf, sha256: sha256_hex(bytes), stored: bytes.to_vec(), width: None, height: None, thumb: None })
}

/// Content-addressed files: `<dir>/<aa>/<sha256>.<ext>`, owner-only. The
/// bytes are whatever the caller gives: sealed ones, through [`DocFiles`]
/// (the only way the rest of the app reads or writes document bytes).
#[derive(Debug, Clone)]
pub struct FileStore {
    pub dir: PathBuf,
}

impl FileStore {
    pub fn new(dir: PathBuf) -> Self {
        FileStore { dir }
    }

    pub fn path(&self, sha: &str, ext: &str) -> PathBuf {
        self.dir.join(&sha[..2]).join(format!("{sha}.{ext}"))
    }

    /// Write `bytes` under their name unless already there. The file appears
    /// only complete: written to a temporary name, synced, then renamed.
    /// Returns whether this call created it.
    pub(crate) fn put(&self, sha: &str, ext: &str, bytes: &[u8]) -> Result<bool> {
        let path = self.path(sha, ext);
        if path.exists() {
            return Ok(false);
        }
        let dir = path.parent().ok_or_else(|| Error::internal("file store path"))?;
        private_dir(&self.dir)?;
        private_dir(dir)?;
        let mut tmp = tempfile_in(dir)?;
        tmp.1.write_all(bytes).and_then(|_| tmp.1.sync_all()).map_err(|e| store_err(&tmp.0, e))?;
        drop(tmp.1);
        std::fs::rename(&tmp.0, &path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp.0);
            store_err(&path, e)
        })?;
        Ok(true)
    }

    /// Put `bytes` in place of the file `sha.ext` in one step (temporary
    /// file, synced, renamed over it): a reader sees the old file or the new
    /// one, and a crash leaves one of them, never half of either.
    fn replace(&self, sha: &str, ext: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(sha, ext);
        let dir = path.parent().ok_or_else(|| Error::internal("file store path"))?;
        let (tmp, mut f) = tempfile_in(dir)?;
        let r = f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| store_err(&tmp, e));
        drop(f);
        if let Err(e) = r.and_then(|_| std::fs::rename(&tmp, &path).map_err(|e| store_err(&path, e))) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(())
    }

    pub(crate) fn read(&self, sha: &str, ext: &str) -> Result<Vec<u8>> {
        let p = self.path(sha, ext);
        std::fs::read(&p).map_err(|e| store_err(&p, e))
    }

    pub fn remove(&self, sha: &str, ext: &str) {
        let _ = std::fs::remove_file(self.path(sha, ext));
    }

    /// The stored documents and thumbnails, as `(sha, ext)`: only files
    /// named `<aa>/<sha256>.<ext>` (not the `keys/` folder, not temporary
    /// files, not the marker).
    fn documents(&self) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        let top = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(store_err(&self.dir, e)),
        };
        for sub in top {
            let sub = sub.map_err(|e| store_err(&self.dir, e))?;
            let prefix = sub.file_name().to_string_lossy().into_owned();
            if prefix.len() != 2 || !prefix.bytes().all(is_hex) || !sub.path().is_dir() {
                continue;
            }
            for f in std::fs::read_dir(sub.path()).map_err(|e| store_err(&sub.path(), e))? {
                let f = f.map_err(|e| store_err(&sub.path(), e))?;
                let name = f.file_name().to_string_lossy().into_owned();
                if let Some((sha, ext)) = split_name(&name).filter(|(sha, _)| sha.starts_with(&prefix)) {
                    out.push((sha.to_string(), ext.to_string()));
                }
            }
        }
        Ok(out)
    }
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// `<sha256>.<ext>` → `(sha256, ext)`, for a stored document's name only.
fn split_name(name: &str) -> Option<(&str, &str)> {
    let (sha, ext) = name.split_once('.')?;
    (sha.len() == 64 && sha.bytes().all(is_hex) && !ext.is_empty()).then_some((sha, ext))
}

/// The first bytes of a file (fewer if it is shorter).
fn head(path: &Path, n: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut b = Vec::new();
    std::fs::File::open(path)?.take(n).read_to_end(&mut b)?;
    Ok(b)
}

fn store_err(p: &Path, e: std::io::Error) -> Error {
    Error::internal(format!("document store {}: {e}", p.display()))
}

pub(crate) fn tempfile_in(dir: &Path) -> Result<(PathBuf, std::fs::File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    for _ in 0..100 {
        let name = dir.join(format!(".tmp-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(&name) {
            Ok(f) => return Ok((name, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(store_err(&name, e)),
        }
    }
    Err(Error::internal("document store: no temporary name"))
}

/// Create `path` (owner-only) with `bytes`; fails if it already exists.
/// Write a file the user chose (an export): a new owner-only file written
/// beside the target and renamed over it, so a failure leaves nothing half
/// written and the result is never readable by others.
pub fn write_private_replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let (tmp, mut f) = tempfile_in(dir)?;
    let r = f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| store_err(&tmp, e));
    drop(f);
    if let Err(e) = r.and_then(|_| std::fs::rename(&tmp, path).map_err(|e| store_err(path, e))) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

pub fn write_private_new(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    let (tmp, mut f) = tempfile_in(path.parent().unwrap_or(Path::new(".")))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| store_err(&tmp, e))?;
    drop(f);
    // hard_link fails if the target exists: the first writer wins.
    let r = std::fs::hard_link(&tmp, path).map_err(|e| store_err(path, e));
    let _ = std::fs::remove_file(&tmp);
    r
}

pub(crate) fn private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| store_err(dir, e))
}

/// A small distinct test/demo image (PNG): a light page with a dark bar whose
/// position depends on `seed`, so different seeds give different hashes.
#[doc(hidden)]
pub fn sample_png(seed: u32, w: u32, h: u32) -> Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let bar = (seed.wrapping_mul(7919) % h.max(1), seed % 256);
        if y >= bar.0 && y < bar.0 + (h / 8).max(1) {
            image::Rgb([30, 40, bar.1 as u8])
        } else if (x / 8 + y / 8) % 2 == 0 {
            image::Rgb([245, 243, 236])
        } else {
            image::Rgb([235, 232, 222])
        }
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).map_err(|e| Error::internal(format!("PNG: {e}")))?;
    Ok(out)
}

/// Where a ledger's files (documents, thumbnails) live: a private directory
/// beside a SQLite file, or — for a shared PostgreSQL ledger, which has no
/// "beside" — the `blob` table, content-addressed and stored once, so every
/// server replica and every backup of the database has them. Only the place:
/// the bytes are read and written with the ledger's key through
/// [`Blobs::sealed`] ([`DocFiles`]).
pub enum Blobs<'a> {
    Files(&'a FileStore),
    Db(&'a crate::store::Conn),
}

/// The name (a file in the directory, a `blob` row) that records that a
/// store holds no plain document any more: written by the first opening that
/// found documents and none left plain ([`Blobs::seal_legacy`]), so later
/// openings look at one name instead of every file. It starts with
/// `installation.` like the store's other non-document names (the signing
/// key's), which are never documents.
pub const SEALED_MARKER: &str = "installation.documents-sealed-v1";
const MARKER_BYTES: &[u8] = b"documents sealed (QQE1)";
/// A document's name in the `blob` table (PostgreSQL's regular expression).
const PG_DOC_NAME: &str = "name ~ '^[0-9a-f]{64}[.]'";

/// What one look for documents stored plain found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sealing {
    /// The store was already marked as sealed: nothing was looked at.
    pub marked: bool,
    /// Documents and thumbnails looked at.
    pub seen: u64,
    /// Plain ones sealed now.
    pub sealed: u64,
    /// Plain ones that could not be sealed now (left as they were: tried
    /// again at the next opening, which is why the store is not marked).
    pub failed: u64,
}

impl<'a> Blobs<'a> {
    fn name(sha: &str, ext: &str) -> String {
        format!("{sha}.{ext}")
    }

    /// The files of this place under `key` (`None`: stored plain — the
    /// benchmarks' unencrypted side only).
    pub fn sealed(self, key: Option<DocKey>) -> DocFiles<'a> {
        DocFiles { at: self, key }
    }

    fn put_raw(&self, sha: &str, ext: &str, bytes: &[u8]) -> Result<bool> {
        match self {
            Blobs::Files(f) => f.put(sha, ext, bytes),
            Blobs::Db(c) => {
                Ok(c.execute("INSERT INTO blob (name, bytes) VALUES (?1, ?2) ON CONFLICT DO NOTHING", crate::params![Self::name(sha, ext), bytes])? == 1)
            }
        }
    }

    fn read_raw(&self, sha: &str, ext: &str) -> Result<Vec<u8>> {
        match self {
            Blobs::Files(f) => f.read(sha, ext),
            Blobs::Db(c) => {
                use crate::store::OptionalExtension;
                c.query_row("SELECT bytes FROM blob WHERE name = ?1", [Self::name(sha, ext)], |r| r.get(0))
                    .optional()?
                    .ok_or_else(|| Error::internal(format!("document store: {sha}.{ext} is missing")))
            }
        }
    }

    /// Remove a stored file no document row names any more.
    pub fn remove(&self, sha: &str, ext: &str) {
        match self {
            Blobs::Files(f) => f.remove(sha, ext),
            Blobs::Db(c) => {
                let _ = c.execute(
                    "DELETE FROM blob WHERE name = ?1
                       AND NOT EXISTS (SELECT 1 FROM document WHERE sha256 = ?2 OR thumb_sha256 = ?2)",
                    crate::params![Self::name(sha, ext), sha],
                );
            }
        }
    }

    /// Whether the store is marked as holding no plain document.
    pub fn is_marked_sealed(&self) -> Result<bool> {
        match self {
            Blobs::Files(f) => Ok(f.dir.join(SEALED_MARKER).exists()),
            Blobs::Db(c) => Ok(c.query_row("SELECT count(*) FROM blob WHERE name = ?1", [SEALED_MARKER], |r| r.get::<_, i64>(0))? > 0),
        }
    }

    /// Record that the store holds no plain document (see [`SEALED_MARKER`]).
    /// Idempotent; on PostgreSQL part of the caller's transaction, if any.
    pub(crate) fn mark_sealed(&self) -> Result<()> {
        match self {
            Blobs::Files(f) => match write_private_new(&f.dir.join(SEALED_MARKER), MARKER_BYTES) {
                // Another process marked it first.
                Err(_) if f.dir.join(SEALED_MARKER).exists() => Ok(()),
                r => r,
            },
            Blobs::Db(c) => {
                c.execute("INSERT INTO blob (name, bytes) VALUES (?1, ?2) ON CONFLICT DO NOTHING", crate::params![SEALED_MARKER, MARKER_BYTES])?;
                Ok(())
            }
        }
    }

    /// Seal, once, the documents and thumbnails an earlier version stored
    /// plain (issue 35), on every opening of a stored ledger until the store
    /// is marked: then one look at the marker is all an opening costs.
    ///
    /// `key` is asked for only when there is something plain to seal (on a
    /// PostgreSQL ledger it may read or make the signing key, which writes
    /// its public half into `blob`: a new, empty ledger — an export's target
    /// — is left untouched). A store with no document yet is not marked
    /// either, so it stays empty; looking at nothing costs nothing.
    ///
    /// Every file is sealed under its own name whether or not its bytes hash
    /// to it (a damaged one is still a person's document and must not stay
    /// readable on disk; reading it is refused either way, see
    /// [`DocFiles::read`]).
    ///
    /// - **Files:** each plain file is replaced by its sealed form in one
    ///   step (temporary file, synced, renamed over it), so a crash leaves the
    ///   plain file or the sealed one — both read. Two processes opening at
    ///   once may both seal a file; the last rename wins and either is right.
    ///   A file that cannot be sealed now (permissions, a full disk) is left
    ///   as it was and counted in `failed`: the store is not marked and the
    ///   next opening tries again, rather than this opening failing.
    /// - **PostgreSQL:** every plain row is updated, and the marker inserted,
    ///   in one transaction that holds the ledger's writer lock: a second
    ///   server opening at the same time waits, then sees the marker.
    pub(crate) fn seal_legacy(&self, key: impl FnOnce() -> Result<Option<DocKey>>) -> Result<Sealing> {
        if self.is_marked_sealed()? {
            return Ok(Sealing { marked: true, ..Sealing::default() });
        }
        match self {
            Blobs::Files(f) => self.seal_legacy_files(f, key),
            Blobs::Db(c) => self.seal_legacy_db(c, key),
        }
    }

    fn seal_legacy_files(&self, f: &FileStore, key: impl FnOnce() -> Result<Option<DocKey>>) -> Result<Sealing> {
        let mut done = Sealing::default();
        let mut key = Some(key);
        let mut k: Option<DocKey> = None;
        for (sha, ext) in f.documents()? {
            done.seen += 1;
            let path = f.path(&sha, &ext);
            match head(&path, sealed::MAGIC.len() as u64) {
                Ok(h) if sealed::is_sealed(&h) => continue,
                Ok(_) => {}
                // Deleted since it was listed: nothing to seal.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(_) => {
                    done.failed += 1;
                    continue;
                }
            }
            if let Some(get) = key.take() {
                match get()? {
                    Some(got) => k = Some(got),
                    None => return Ok(done), // the benchmarks' plain store: left plain
                }
            }
            let Some(k) = &k else { return Ok(done) };
            let r = f.read(&sha, &ext).and_then(|plain| seal(k, &Self::name(&sha, &ext), &plain)).and_then(|s| f.replace(&sha, &ext, &s));
            match r {
                Ok(()) => done.sealed += 1,
                Err(_) if !path.exists() => {}
                Err(_) => done.failed += 1,
            }
        }
        // A folder that cannot take the marker now (read-only) is simply
        // looked at again next time: nothing is lost, the ledger still opens.
        if done.seen > 0 && done.failed == 0 {
            let _ = self.mark_sealed();
        }
        Ok(done)
    }

    fn seal_legacy_db(&self, c: &crate::store::Conn, key: impl FnOnce() -> Result<Option<DocKey>>) -> Result<Sealing> {
        use crate::store::OptionalExtension;
        let seen: i64 = c.query_row(&format!("SELECT count(*) FROM blob WHERE {PG_DOC_NAME}"), [], |r| r.get(0))?;
        if seen == 0 {
            return Ok(Sealing::default());
        }
        let plain_rows = format!("SELECT name FROM blob WHERE {PG_DOC_NAME} AND substring(bytes FROM 1 FOR 4) <> decode('51514531', 'hex') ORDER BY name");
        let pending: Vec<String> = c.query_map(&plain_rows, [], |r| r.get(0))?.collect::<Result<_>>()?;
        let mut done = Sealing { seen: seen as u64, ..Sealing::default() };
        if pending.is_empty() {
            self.mark_sealed()?;
            return Ok(done);
        }
        let Some(k) = key()? else { return Ok(done) };
        let tx = c.begin()?;
        if self.is_marked_sealed()? {
            return Ok(Sealing { marked: true, ..Sealing::default() });
        }
        for name in pending {
            let Some(raw) = tx.query_row("SELECT bytes FROM blob WHERE name = ?1", [&name], |r| r.get::<_, Vec<u8>>(0)).optional()? else { continue };
            if sealed::is_sealed(&raw) {
                continue;
            }
            tx.execute("UPDATE blob SET bytes = ?2 WHERE name = ?1", crate::params![name, seal(&k, &name, &raw)?])?;
            done.sealed += 1;
        }
        self.mark_sealed()?;
        tx.commit()?;
        Ok(done)
    }
}

/// A ledger's document files under its documents' key: what the app reads
/// and writes is plain, what the store holds is sealed ([`crate::store::sealed`]).
/// Names stay the SHA-256 of the plain bytes, so deduplication and every
/// document row are as before.
pub struct DocFiles<'a> {
    at: Blobs<'a>,
    key: Option<DocKey>,
}

impl DocFiles<'_> {
    /// Store `plain` sealed under its name unless already there; whether this call stored it.
    pub fn put(&self, sha: &str, ext: &str, plain: &[u8]) -> Result<bool> {
        match &self.key {
            Some(k) => self.at.put_raw(sha, ext, &seal(k, &Blobs::name(sha, ext), plain)?),
            None => self.at.put_raw(sha, ext, plain),
        }
    }

    /// The plain bytes stored as `sha.ext`. Refused with `DOC_UNREADABLE`
    /// unless they hash to `sha` — checked for every file, sealed or not,
    /// so a plain file from an earlier version is read only if it is intact,
    /// and a damaged one sealed as it was is never shown as if it were whole.
    pub fn read(&self, sha: &str, ext: &str) -> Result<Vec<u8>> {
        let name = Blobs::name(sha, ext);
        let raw = self.at.read_raw(sha, ext)?;
        let plain = match (sealed::is_sealed(&raw), &self.key) {
            (true, Some(k)) => open(k, &name, raw)?,
            (true, None) => return Err(Error::doc_unreadable(&name)),
            (false, _) => raw,
        };
        if sha256_hex(&plain) != sha {
            return Err(Error::doc_unreadable(&name));
        }
        Ok(plain)
    }

    /// Remove a stored file no document row names any more.
    pub fn remove(&self, sha: &str, ext: &str) {
        self.at.remove(sha, ext)
    }

    /// Where the files are.
    pub fn place(&self) -> &Blobs<'_> {
        &self.at
    }
}
