//! The documents that go with an application: uploaded straight into a
//! draft, attached, marked by staff as showing the member (a shared
//! household register), and released when deleted.

use super::model::{Binding, BindingStatus};
use crate::access::authz::Act;
use crate::app::document::{load_doc, DocKind, Document, Ingested, UploadFor};
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::params;
use crate::store::{Conn, OptionalExtension};

/// DOMAIN §2 "Whose documents": of the holder's own documents only a
/// household register may go with a member's application (a shared
/// register, which counts once staff mark that it shows the member); the
/// holder's birth certificate, face or proof of insurance never stand for
/// the member's.
fn holder_doc_allowed(holders_own: bool, kind: DocKind) -> Result<()> {
    if holders_own && kind != DocKind::HouseholdRegister {
        return Err(Error::doc_not_members());
    }
    Ok(())
}

/// A document is about to be deleted (in `tx`): refused while a submitted,
/// active or decided application relies on it; otherwise drafts forget it.
fn release_document(tx: &Conn, id: i64) -> Result<()> {
    let used: Option<String> = tx
        .query_row(
            "SELECT b.status FROM binding b WHERE b.status <> 'draft' AND (b.face_doc_id = ?1 OR b.id IN
               (SELECT binding_id FROM binding_document WHERE document_id = ?1)) LIMIT 1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(s) = used {
        let s = BindingStatus::parse(&s)?;
        return Err(Error::doc_in_use(s.zh(), s.en()));
    }
    tx.execute("DELETE FROM binding_document WHERE document_id = ?1", [id])?;
    tx.execute("UPDATE binding SET face_method = NULL, face_doc_id = NULL, face_at = NULL WHERE face_doc_id = ?1 AND status = 'draft'", [id])?;
    Ok(())
}

/// A document just uploaded for application `binding` joins it (inside the
/// transaction that stored it). The same bytes uploaded again for it are
/// attached once.
fn attach_uploaded(tx: &Conn, binding: i64, document: i64, now: &str, duplicate: bool) -> Result<()> {
    if duplicate {
        tx.execute(
            "INSERT INTO binding_document (binding_id, document_id, attached_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![binding, document, now],
        )?;
    } else {
        tx.execute("INSERT INTO binding_document (binding_id, document_id, attached_at) VALUES (?1, ?2, ?3)", params![binding, document, now])?;
    }
    Ok(())
}

impl Qinqing {
    /// Whether a document of `person_id` may be added to application
    /// `binding` now: only to a draft, only the holder's or the member's.
    fn check_attachable(&self, binding: i64, person_id: i64, kind: &str) -> Result<()> {
        let (holder, member, status): (i64, i64, String) = self
            .conn()
            .query_row("SELECT holder_id, member_id, status FROM binding WHERE id = ?1", [binding], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?
            .ok_or_else(|| Error::binding_not_found(binding))?;
        let status = BindingStatus::parse(&status)?;
        if status != BindingStatus::Draft {
            return Err(Error::binding_wrong_state(status.zh(), status.en(), "再添加材料", "given more documents"));
        }
        if person_id != holder && person_id != member {
            return Err(Error::doc_wrong_person());
        }
        holder_doc_allowed(person_id == holder, DocKind::parse(kind)?)
    }

    /// Upload a document of `person_id` from bytes in memory (stored by
    /// [`crate::app::document`]). With `binding`, it is also attached to that
    /// draft application (in the same transaction). On any failure nothing
    /// is stored.
    pub fn ingest_document(&mut self, person_id: i64, kind: &str, bytes: &[u8], note: &str, binding: Option<i64>) -> Result<Ingested> {
        let Some(b) = binding else { return self.store_upload(person_id, kind, bytes, note, None) };
        let check = |q: &Qinqing| q.check_attachable(b, person_id, kind);
        let link = |tx: &Conn, document: i64, now: &str, duplicate: bool| attach_uploaded(tx, b, document, now, duplicate);
        self.store_upload(person_id, kind, bytes, note, Some(&UploadFor { id: b, check: &check, link: &link }))
    }

    /// Upload from a file path (the native dialog, drag-and-drop, the CLI),
    /// as [`Qinqing::ingest_document`]. The size cap is checked before the
    /// file is read.
    pub fn ingest_document_path(&mut self, person_id: i64, kind: &str, path: &std::path::Path, note: &str, binding: Option<i64>) -> Result<Ingested> {
        self.permit(Act::DocumentAdd { person: person_id, binding })?;
        let bytes = self.read_upload_file(path)?;
        self.ingest_document(person_id, kind, &bytes, note, binding)
    }

    /// Delete a document: its row and (when no other row uses them) its
    /// files ([`crate::app::document`]). A document of a submitted, active or
    /// decided application stays; drafts forget it, in the same transaction.
    /// The audit entry remains.
    pub fn delete_document(&mut self, id: i64) -> Result<Document> {
        self.remove_document(id, &release_document)
    }

    /// Attach a document (of the member or the holder) to a draft.
    pub fn attach_document(&mut self, id: i64, doc_id: i64) -> Result<Binding> {
        self.permit(Act::BindingAsHolder { binding: id })?;
        // Only a document this actor may see (not another family's, by its number).
        self.permit(Act::DocumentRead { document: doc_id })?;
        self.change_binding(id, "binding.attach_document", |tx, l, now, _| {
            Self::require_draft(l, "再添加材料", "given more documents")?;
            let d = load_doc(tx, doc_id)?;
            if d.person_id != l.row.member_id && d.person_id != l.row.holder_id {
                return Err(Error::doc_wrong_person());
            }
            holder_doc_allowed(d.person_id == l.row.holder_id && d.person_id != l.row.member_id, d.kind)?;
            tx.execute(
                "INSERT INTO binding_document (binding_id, document_id, attached_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![l.row.id, doc_id, now],
            )?;
            Ok(())
        })
    }

    /// Staff mark that the holder's household register, attached to this
    /// application, shows the member (a shared register): only then does it
    /// meet the member's requirement. Staff act as themselves.
    pub fn mark_shows_member(&mut self, id: i64, doc_id: i64, staff_id: i64) -> Result<Binding> {
        self.permit(Act::BindingReview { binding: id, staff: staff_id })?;
        self.active_staff(staff_id)?;
        self.change_binding(id, "binding.doc_shows_member", |tx, l, _, _| {
            if !matches!(l.row.status, BindingStatus::Draft | BindingStatus::Submitted) {
                return Err(Error::binding_wrong_state(l.row.status.zh(), l.row.status.en(), "确认材料", "have its documents confirmed"));
            }
            let d = l.docs.iter().find(|d| d.id == doc_id).ok_or_else(|| Error::doc_not_found(doc_id))?;
            if d.person_id != l.row.holder_id || d.kind != DocKind::HouseholdRegister {
                return Err(Error::doc_not_members());
            }
            tx.execute("UPDATE binding_document SET shows_member_by = ?3 WHERE binding_id = ?1 AND document_id = ?2", params![l.row.id, doc_id, staff_id])?;
            Ok(())
        })
    }
}
