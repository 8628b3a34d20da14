//! Documents people bring for binding: household register pages, birth
//! certificates, notarizations, proofs of insurance, medical certificates, ID
//! card sides, face captures. Each upload goes through the pipeline of
//! [`crate::store::docstore`]; the row and the file appear together or not at all.

use crate::access::audit;
use crate::access::authz::Act;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::store::docstore::{self, Media};
use crate::store::{Conn, OptionalExtension, Row};
use crate::time;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const MAX_NOTE: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    BirthCertificate,
    HouseholdRegister,
    RelationshipNotarization,
    ProofOfInsurance,
    MedicalCertificate,
    IdCardFront,
    IdCardBack,
    FaceCapture,
}

impl DocKind {
    pub const ALL: [DocKind; 8] = [
        DocKind::BirthCertificate,
        DocKind::HouseholdRegister,
        DocKind::RelationshipNotarization,
        DocKind::ProofOfInsurance,
        DocKind::MedicalCertificate,
        DocKind::IdCardFront,
        DocKind::IdCardBack,
        DocKind::FaceCapture,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::BirthCertificate => "birth_certificate",
            DocKind::HouseholdRegister => "household_register",
            DocKind::RelationshipNotarization => "relationship_notarization",
            DocKind::ProofOfInsurance => "proof_of_insurance",
            DocKind::MedicalCertificate => "medical_certificate",
            DocKind::IdCardFront => "id_card_front",
            DocKind::IdCardBack => "id_card_back",
            DocKind::FaceCapture => "face_capture",
        }
    }
    /// Short names accepted on the command line.
    fn alias(self) -> &'static str {
        match self {
            DocKind::HouseholdRegister => "hukou",
            DocKind::RelationshipNotarization => "notarization",
            DocKind::ProofOfInsurance => "insurance_proof",
            other => other.as_str(),
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            DocKind::BirthCertificate => "出生医学证明",
            DocKind::HouseholdRegister => "户口簿",
            DocKind::RelationshipNotarization => "关系公证书",
            DocKind::ProofOfInsurance => "参保证明",
            DocKind::MedicalCertificate => "医学证明",
            DocKind::IdCardFront => "身份证人像面",
            DocKind::IdCardBack => "身份证国徽面",
            DocKind::FaceCapture => "人脸照片",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            DocKind::BirthCertificate => "birth certificate",
            DocKind::HouseholdRegister => "household register",
            DocKind::RelationshipNotarization => "relationship notarization",
            DocKind::ProofOfInsurance => "proof of insurance",
            DocKind::MedicalCertificate => "medical certificate",
            DocKind::IdCardFront => "ID card (photo side)",
            DocKind::IdCardBack => "ID card (emblem side)",
            DocKind::FaceCapture => "face capture",
        }
    }
    pub fn parse(raw: &str) -> Result<DocKind> {
        let t = raw.trim();
        DocKind::ALL.into_iter().find(|k| k.as_str() == t || k.alias() == t || k.zh() == t).ok_or_else(|| Error::doc_kind_invalid(raw))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocStatus {
    Pending,
    Accepted,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    pub id: i64,
    pub person_id: i64,
    pub binding_id: Option<i64>,
    pub kind: DocKind,
    pub note: String,
    /// What is stored: `jpeg` (every image) or `pdf`.
    pub media: String,
    /// What was uploaded: `jpeg`, `png`, `webp` or `pdf`.
    pub source_media: String,
    pub sha256: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bytes: i64,
    pub status: DocStatus,
    pub reject_reason: Option<String>,
    pub created_at: String,
    pub created_at_local: String,
}

/// What an upload returns: the document, and whether it was already there.
#[derive(Debug, Clone, Serialize)]
pub struct Ingested {
    #[serde(flatten)]
    pub document: Document,
    /// The same bytes were already stored for this person: nothing new was written.
    pub duplicate: bool,
    /// The SHA-256 of the stored bytes (the same as `sha256`).
    pub hash: String,
}

pub(crate) const DOC_COLUMNS: &str =
    "id, person_id, binding_id, kind, note, media, source_media, sha256, width, height, bytes, status, reject_reason, created_at";

fn bad(col: usize, what: &str) -> Error {
    Error::internal(format!("column {col}: stored {what} is not valid"))
}

pub(crate) fn read_doc(r: &Row<'_>) -> crate::error::Result<Document> {
    let created_at: String = r.get(13)?;
    let status: String = r.get(11)?;
    Ok(Document {
        id: r.get(0)?,
        person_id: r.get(1)?,
        binding_id: r.get(2)?,
        kind: DocKind::parse(&r.get::<_, String>(3)?).map_err(|_| bad(3, "document kind"))?,
        note: r.get(4)?,
        media: r.get(5)?,
        source_media: r.get(6)?,
        sha256: r.get(7)?,
        width: r.get(8)?,
        height: r.get(9)?,
        bytes: r.get(10)?,
        status: match status.as_str() {
            "accepted" => DocStatus::Accepted,
            "rejected" => DocStatus::Rejected,
            _ => DocStatus::Pending,
        },
        reject_reason: r.get(12)?,
        created_at_local: time::from_db(&created_at).map(time::display_china).unwrap_or_default(),
        created_at,
    })
}

pub(crate) fn load_doc(conn: &Conn, id: i64) -> Result<Document> {
    conn.query_row(&format!("SELECT {DOC_COLUMNS} FROM document WHERE id = ?1"), [id], read_doc).optional()?.ok_or_else(|| Error::doc_not_found(id))
}

fn validate_note(note: &str) -> Result<String> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE {
        return Err(Error::note_too_long(MAX_NOTE));
    }
    if note.chars().any(|c| c.is_control()) {
        return Err(Error::name_invalid_char());
    }
    Ok(note.to_string())
}

fn ext(media: &str) -> &'static str {
    Media::parse(media).map(Media::ext).unwrap_or("bin")
}

/// A document, ready for an `<img>`: a `data:` URL (the CSP allows no other source).
#[derive(Debug, Clone, Serialize)]
pub struct DocImage {
    pub id: i64,
    pub mime: &'static str,
    pub data_url: String,
}

/// Write a document's bytes to a new file `out` (never over an existing one).
pub fn write_new(out: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(out).map_err(|e| Error::internal(format!("{}: {e}", out.display())))?;
    std::io::Write::write_all(&mut f, bytes).map_err(|e| Error::internal(format!("{}: {e}", out.display())))
}

/// A file's bytes as the service interface's `document_upload` carries
/// them (base64), refused before reading if it is over the size limit.
pub fn upload_file(path: &Path) -> Result<String> {
    let limit = crate::store::docstore::IngestLimits::default().max_bytes;
    let len = std::fs::metadata(path).map(|m| m.len()).map_err(|e| Error::doc_corrupt("file", &format!("{}: {e}", path.display())))?;
    if len > limit {
        return Err(Error::doc_too_large(len, limit));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::doc_corrupt("file", &format!("{}: {e}", path.display())))?;
    upload_bytes(&bytes)
}

/// Bytes in memory as `document_upload` carries them (base64), refused if
/// over the size limit.
pub fn upload_bytes(bytes: &[u8]) -> Result<String> {
    use base64::Engine;
    let limit = crate::store::docstore::IngestLimits::default().max_bytes;
    if bytes.len() as u64 > limit {
        return Err(Error::doc_too_large(bytes.len() as u64, limit));
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The bytes of an upload sent as base64 text (the service interface):
/// too large (before decoding, so nothing huge is decoded) or not base64 is
/// refused like any bad file.
pub fn decode_upload(data: &str, max_bytes: u64) -> Result<Vec<u8>> {
    use base64::Engine;
    let decoded_len = (data.len() as u64 / 4) * 3;
    if decoded_len > max_bytes + 2 {
        return Err(Error::doc_too_large(decoded_len, max_bytes));
    }
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(data.trim().as_bytes()).map_err(|e| Error::doc_corrupt("file", &format!("not base64: {e}")))?;
    if bytes.is_empty() {
        return Err(Error::doc_empty());
    }
    Ok(bytes)
}

/// An upload made for something the document store does not know about
/// (the caller's business): its id is recorded on the row (`binding_id`, the
/// application it was uploaded for) and in the audit entry; `check` runs
/// before the upload is processed (a cheap refusal); `link` runs inside the
/// transaction that stores the document, with the document's id, the time
/// and whether the same bytes were already stored, so that the document and
/// whatever `link` writes appear together or not at all.
pub(crate) struct UploadFor<'a> {
    pub id: i64,
    pub check: &'a dyn Fn(&Qinqing) -> Result<()>,
    pub link: &'a dyn Fn(&Conn, i64, &str, bool) -> Result<()>,
}

impl Qinqing {
    /// Store an upload of `person_id` from bytes in memory, permitted as
    /// [`Act::DocumentAdd`]. On any failure nothing is stored. The public
    /// entry points are `ingest_document` and `ingest_document_path`
    /// (binding.rs, which may attach the upload to an application).
    pub(crate) fn store_upload(&mut self, person_id: i64, kind: &str, bytes: &[u8], note: &str, upload_for: Option<&UploadFor<'_>>) -> Result<Ingested> {
        self.permit(Act::DocumentAdd { person: person_id, binding: upload_for.map(|u| u.id) })?;
        let kind = DocKind::parse(kind)?;
        let note = validate_note(note)?;
        // Cheap checks first: do not process an upload that cannot be stored.
        crate::app::person::load(self.conn(), person_id)?;
        if let Some(u) = upload_for {
            (u.check)(self)?;
        }
        let p = docstore::process(bytes, self.ingest_limits())?;
        self.store_processed(person_id, kind, &note, upload_for, p)
    }

    /// The bytes of an upload given as a file path (the native dialog,
    /// drag-and-drop, the CLI): never a file of the data directory, and the
    /// size cap is checked before the file is read.
    pub(crate) fn read_upload_file(&self, path: &Path) -> Result<Vec<u8>> {
        // Never another resident's stored file (or the ledger) picked from the data directory.
        self.check_outside_data(path)?;
        let meta = std::fs::metadata(path).map_err(|e| Error::doc_corrupt("file", &format!("{}: {e}", path.display())))?;
        if !meta.is_file() {
            return Err(Error::doc_corrupt("file", &format!("{} is not a file", path.display())));
        }
        if meta.len() > self.ingest_limits().max_bytes {
            return Err(Error::doc_too_large(meta.len(), self.ingest_limits().max_bytes));
        }
        std::fs::read(path).map_err(|e| Error::doc_corrupt("file", &format!("{}: {e}", path.display())))
    }

    fn store_processed(&mut self, person_id: i64, kind: DocKind, note: &str, upload_for: Option<&UploadFor<'_>>, p: docstore::Processed) -> Result<Ingested> {
        crate::store::retry(|| self.store_processed_once(person_id, kind, note, upload_for, p.clone()))
    }

    fn store_processed_once(
        &mut self,
        person_id: i64,
        kind: DocKind,
        note: &str,
        upload_for: Option<&UploadFor<'_>>,
        p: docstore::Processed,
    ) -> Result<Ingested> {
        let uploaded_for = upload_for.map(|u| u.id);
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let files = self.doc_files()?;
        let thumb_sha = p.thumb.as_ref().map(|t| docstore::sha256_hex(t));
        let tx = self.conn().begin()?;
        let existing: Option<i64> =
            tx.query_row("SELECT id FROM document WHERE person_id = ?1 AND sha256 = ?2", params![person_id, p.sha256], |r| r.get(0)).optional()?;
        if let Some(id) = existing {
            if let Some(u) = upload_for {
                (u.link)(&tx, id, &now, true)?;
            }
            let document = load_doc(&tx, id)?;
            tx.commit()?;
            let hash = document.sha256.clone();
            return Ok(Ingested { document, duplicate: true, hash });
        }
        // Files first (complete or absent), then the row; if the row fails,
        // the files this call created are removed again.
        let created_main = files.put(&p.sha256, p.media.ext(), &p.stored)?;
        let created_thumb = match (&p.thumb, &thumb_sha) {
            (Some(t), Some(s)) => files.put(s, "thumb.jpg", t).inspect_err(|_| {
                if created_main {
                    files.remove(&p.sha256, p.media.ext());
                }
            })?,
            _ => false,
        };
        let undo = |files: &docstore::DocFiles<'_>| {
            if created_main {
                files.remove(&p.sha256, p.media.ext());
            }
            if let (true, Some(s)) = (created_thumb, &thumb_sha) {
                files.remove(s, "thumb.jpg");
            }
        };
        let result = (|| -> Result<i64> {
            let id: i64 = tx.query_row(
                "INSERT INTO document (person_id, binding_id, kind, note, media, sha256, width, height, bytes, source_media,
                                       thumb_sha256, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
                params![
                    person_id,
                    uploaded_for,
                    kind.as_str(),
                    note,
                    p.media.as_str(),
                    p.sha256,
                    p.width,
                    p.height,
                    p.stored.len() as i64,
                    p.source.as_str(),
                    thumb_sha,
                    now
                ],
                |r| r.get(0),
            )?;
            if let Some(u) = upload_for {
                (u.link)(&tx, id, &now, false)?;
            }
            let snap = serde_json::json!({
                "kind": kind.as_str(), "note": note, "sha256": p.sha256, "media": p.media.as_str(),
                "width": p.width, "height": p.height, "bytes": p.stored.len(), "binding_id": uploaded_for,
            });
            audit::record(&tx, &now, &actor, "document.add", "document", Some(id), Some(person_id), None, Some(&snap))?;
            Ok(id)
        })();
        let id = match result {
            Ok(id) => id,
            Err(e) => {
                drop(tx);
                undo(&files);
                return Err(e);
            }
        };
        if let Err(e) = tx.commit() {
            undo(&files);
            return Err(e);
        }
        let document = load_doc(self.conn(), id)?;
        let hash = document.sha256.clone();
        Ok(Ingested { document, duplicate: false, hash })
    }

    pub fn get_document(&self, id: i64) -> Result<Document> {
        self.permit(Act::DocumentRead { document: id })?;
        load_doc(self.conn(), id)
    }

    /// Documents of one person, or all.
    pub fn list_documents(&self, person_id: Option<i64>) -> Result<Vec<Document>> {
        self.permit(Act::DocumentList { person: person_id })?;
        let mut stmt = self.conn().prepare_cached(&format!("SELECT {DOC_COLUMNS} FROM document WHERE (person_id = ?1 OR ?1 IS NULL) ORDER BY id"))?;
        let rows = stmt.query_map([person_id], read_doc)?;
        rows.collect::<crate::error::Result<Vec<_>>>()
    }

    /// The stored bytes of a document and their MIME type.
    pub fn document_bytes(&self, id: i64) -> Result<(&'static str, Vec<u8>)> {
        self.permit(Act::DocumentRead { document: id })?;
        let d = self.get_document(id)?;
        // Staff looking at a resident's photo is recorded: whose, by whom, when.
        if matches!(self.actor_ref(), crate::access::authz::Actor::Staff { .. }) {
            crate::access::audit::record(
                self.conn(),
                &crate::time::to_db(self.now()),
                &self.actor(),
                "document.view",
                "document",
                Some(id),
                Some(d.person_id),
                None,
                None,
            )?;
        }
        let media = Media::parse(&d.media).ok_or_else(|| Error::internal("stored media"))?;
        Ok((media.mime(), self.doc_files()?.read(&d.sha256, ext(&d.media))?))
    }

    /// The stored document as a data URL (the large view).
    pub fn document_image(&self, id: i64) -> Result<DocImage> {
        self.permit(Act::DocumentRead { document: id })?;
        let (mime, bytes) = self.document_bytes(id)?;
        Ok(DocImage { id, mime, data_url: format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)) })
    }

    /// The 320 px thumbnail as a data URL (`None` for a PDF).
    pub fn document_thumb(&self, id: i64) -> Result<Option<DocImage>> {
        self.permit(Act::DocumentRead { document: id })?;
        let sha: Option<String> =
            self.conn().query_row("SELECT thumb_sha256 FROM document WHERE id = ?1", [id], |r| r.get(0)).optional()?.ok_or_else(|| Error::doc_not_found(id))?;
        let Some(sha) = sha else { return Ok(None) };
        let bytes = self.doc_files()?.read(&sha, "thumb.jpg")?;
        Ok(Some(DocImage { id, mime: "image/jpeg", data_url: format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)) }))
    }

    /// Write the stored document to `out` (a new file; never overwrites).
    pub fn export_document(&self, id: i64, out: &Path) -> Result<Document> {
        self.permit(Act::DocumentRead { document: id })?;
        let d = self.get_document(id)?;
        let (_, bytes) = self.document_bytes(id)?;
        write_new(out, &bytes)?;
        Ok(d)
    }

    /// Delete a document, permitted as [`Act::DocumentDelete`]: its row and
    /// (when no other row uses them) its files. The audit entry remains.
    /// `release` runs first inside the deleting transaction, with the
    /// document's id: it may refuse (nothing is deleted) or remove what
    /// refers to the document. The public entry point is `delete_document`
    /// (binding.rs, which releases the document from applications).
    pub(crate) fn remove_document(&mut self, id: i64, release: &dyn Fn(&Conn, i64) -> Result<()>) -> Result<Document> {
        crate::store::retry(|| self.remove_document_once(id, release))
    }

    fn remove_document_once(&mut self, id: i64, release: &dyn Fn(&Conn, i64) -> Result<()>) -> Result<Document> {
        self.permit(Act::DocumentDelete { document: id })?;
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let files = self.blobs();
        let tx = self.conn().begin()?;
        let d = load_doc(&tx, id)?;
        let thumb: Option<String> = tx.query_row("SELECT thumb_sha256 FROM document WHERE id = ?1", [id], |r| r.get(0))?;
        // Whoever refers to it decides whether it may go (the caller's `release`).
        release(&tx, id)?;
        tx.execute("DELETE FROM document WHERE id = ?1", [id])?;
        let snap = serde_json::json!({ "kind": d.kind.as_str(), "sha256": d.sha256, "binding_id": d.binding_id });
        audit::record(&tx, &now, &actor, "document.delete", "document", Some(id), Some(d.person_id), Some(&snap), None)?;
        let still_main: i64 = tx.query_row("SELECT count(*) FROM document WHERE sha256 = ?1", [&d.sha256], |r| r.get(0))?;
        let still_thumb: i64 = match &thumb {
            Some(t) => tx.query_row("SELECT count(*) FROM document WHERE thumb_sha256 = ?1", [t], |r| r.get(0))?,
            None => 1,
        };
        tx.commit()?;
        if still_main == 0 {
            files.remove(&d.sha256, ext(&d.media));
        }
        if let (0, Some(t)) = (still_thumb, &thumb) {
            files.remove(t, "thumb.jpg");
        }
        Ok(d)
    }

    /// Staff judge a document: accepted, or rejected with a reason the
    /// holder sees.
    pub fn review_document(&mut self, id: i64, staff_id: i64, accept: bool, reason: &str) -> Result<Document> {
        crate::store::retry(|| self.review_document_once(id, staff_id, accept, reason))
    }

    fn review_document_once(&mut self, id: i64, staff_id: i64, accept: bool, reason: &str) -> Result<Document> {
        self.permit(Act::DocumentReview { document: id, staff: staff_id })?;
        let reason = reason.trim();
        if !accept && reason.is_empty() {
            return Err(Error::reject_reason_empty());
        }
        if reason.chars().count() > MAX_NOTE {
            return Err(Error::note_too_long(MAX_NOTE));
        }
        self.active_staff(staff_id)?;
        let now = time::to_db(self.now());
        let actor = format!("{}/staff:{staff_id}", self.actor());
        let tx = self.conn().begin()?;
        let before = load_doc(&tx, id)?;
        let (status, why) = if accept { ("accepted", None) } else { ("rejected", Some(reason)) };
        tx.execute("UPDATE document SET status = ?2, reject_reason = ?3 WHERE id = ?1", params![id, status, why])?;
        let after = load_doc(&tx, id)?;
        let snap = |d: &Document| serde_json::json!({ "status": d.status, "reject_reason": d.reject_reason });
        audit::record(&tx, &now, &actor, "document.review", "document", Some(id), Some(before.person_id), Some(&snap(&before)), Some(&snap(&after)))?;
        tx.commit()?;
        Ok(after)
    }

    /// A record for tests and demo data: a generated page image as the upload.
    #[doc(hidden)]
    pub fn add_sample_document(&mut self, person_id: i64, kind: &str, note: &str) -> Result<Document> {
        static SEED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
        let seed = SEED.fetch_add(1, std::sync::atomic::Ordering::Relaxed).wrapping_add(person_id as u32 * 1000);
        let png = docstore::sample_png(seed, 96, 64)?;
        Ok(self.store_upload(person_id, kind, &png, note, None)?.document)
    }
}

impl Qinqing {
    /// This ledger's document files under its documents' key (derived from
    /// [`Qinqing::at_rest_secret`], [`crate::store::sealed`]): every read and
    /// write of a document's or thumbnail's bytes goes through here, so the
    /// store only ever holds sealed files. Removing needs no key
    /// ([`Qinqing::blobs`]).
    pub fn doc_files(&self) -> Result<docstore::DocFiles<'_>> {
        Ok(self.blobs().sealed(self.doc_key()?))
    }

    pub(crate) fn doc_key(&self) -> Result<Option<crate::store::sealed::DocKey>> {
        Ok(self.at_rest_secret()?.map(|s| crate::store::sealed::DocKey::derive(&s)))
    }

    /// Run on every opening of a stored ledger (issue 35): documents an
    /// earlier version stored plain are sealed, once
    /// ([`docstore::Blobs::seal_legacy`]: after that, an opening looks at one
    /// marker). The key is read only if there is something to seal. Files
    /// that could not be sealed now are left readable as they were and tried
    /// again at the next opening; the ledger opens all the same.
    pub(crate) fn documents_on_open(&mut self) -> Result<()> {
        let done = self.blobs().seal_legacy(|| self.doc_key())?;
        if done.sealed > 0 || done.failed > 0 {
            eprintln!(
                "qinqing: documents stored plain by an earlier version: {} sealed now{}",
                done.sealed,
                if done.failed > 0 { format!(", {} left as they were (tried again at the next opening)", done.failed) } else { String::new() }
            );
        }
        Ok(())
    }
}
