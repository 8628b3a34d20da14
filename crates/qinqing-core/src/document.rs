//! Documents a person brings for binding (household register, birth
//! certificate, …). Here a document is a record of its kind and owner; the
//! documents issue adds the image itself.

use crate::audit;
use crate::error::{Error, Result};
use crate::service::Qinqing;
use crate::time;
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::{Deserialize, Serialize};

pub const MAX_NOTE: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    BirthCertificate,
    HouseholdRegister,
    RelationshipNotarization,
    ProofOfInsurance,
    MedicalCertificate,
    FaceCapture,
}

impl DocKind {
    pub const ALL: [DocKind; 6] = [
        DocKind::BirthCertificate,
        DocKind::HouseholdRegister,
        DocKind::RelationshipNotarization,
        DocKind::ProofOfInsurance,
        DocKind::MedicalCertificate,
        DocKind::FaceCapture,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::BirthCertificate => "birth_certificate",
            DocKind::HouseholdRegister => "household_register",
            DocKind::RelationshipNotarization => "relationship_notarization",
            DocKind::ProofOfInsurance => "proof_of_insurance",
            DocKind::MedicalCertificate => "medical_certificate",
            DocKind::FaceCapture => "face_capture",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            DocKind::BirthCertificate => "出生医学证明",
            DocKind::HouseholdRegister => "户口簿",
            DocKind::RelationshipNotarization => "关系公证书",
            DocKind::ProofOfInsurance => "参保证明",
            DocKind::MedicalCertificate => "医学证明",
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
            DocKind::FaceCapture => "face capture",
        }
    }
    pub fn parse(raw: &str) -> Result<DocKind> {
        let t = raw.trim();
        DocKind::ALL.into_iter().find(|k| k.as_str() == t || k.zh() == t).ok_or_else(|| Error::doc_kind_invalid(raw))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    pub id: i64,
    pub person_id: i64,
    pub kind: DocKind,
    pub note: String,
    pub created_at: String,
    pub created_at_local: String,
}

pub(crate) fn read_doc(r: &Row<'_>) -> rusqlite::Result<Document> {
    let kind: String = r.get(2)?;
    let created_at: String = r.get(4)?;
    Ok(Document {
        id: r.get(0)?,
        person_id: r.get(1)?,
        kind: DocKind::parse(&kind)
            .map_err(|_| rusqlite::Error::InvalidColumnType(2, "document kind".into(), rusqlite::types::Type::Text))?,
        note: r.get(3)?,
        created_at_local: time::from_db(&created_at).map(time::display_china).unwrap_or_default(),
        created_at,
    })
}

pub(crate) const DOC_COLUMNS: &str = "id, person_id, kind, note, created_at";

pub(crate) fn load_doc(conn: &rusqlite::Connection, id: i64) -> Result<Document> {
    conn.query_row(&format!("SELECT {DOC_COLUMNS} FROM document WHERE id = ?1"), [id], read_doc)
        .optional()?
        .ok_or_else(|| Error::doc_not_found(id))
}

impl Qinqing {
    /// Record a document of a person.
    pub fn add_document(&mut self, person_id: i64, kind: &str, note: &str) -> Result<Document> {
        let kind = DocKind::parse(kind)?;
        let note = note.trim();
        if note.chars().count() > MAX_NOTE {
            return Err(Error::note_too_long(MAX_NOTE));
        }
        if note.chars().any(|c| c.is_control()) {
            return Err(Error::name_invalid_char());
        }
        let now = time::to_db(self.now());
        let actor = self.actor().to_string();
        let tx = self.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: Option<i64> = tx.query_row("SELECT id FROM person WHERE id = ?1", [person_id], |r| r.get(0)).optional()?;
        if exists.is_none() {
            return Err(Error::person_not_found(person_id));
        }
        tx.execute(
            "INSERT INTO document (person_id, kind, note, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![person_id, kind.as_str(), note, now],
        )?;
        let id = tx.last_insert_rowid();
        let snap = serde_json::json!({ "kind": kind.as_str(), "note": note });
        audit::record(&tx, &now, &actor, "document.add", "document", Some(id), Some(person_id), None, Some(&snap))?;
        let d = load_doc(&tx, id)?;
        tx.commit()?;
        Ok(d)
    }

    pub fn get_document(&self, id: i64) -> Result<Document> {
        load_doc(self.conn(), id)
    }

    pub fn list_documents(&self, person_id: i64) -> Result<Vec<Document>> {
        let mut stmt =
            self.conn().prepare_cached(&format!("SELECT {DOC_COLUMNS} FROM document WHERE person_id = ?1 ORDER BY id"))?;
        let rows = stmt.query_map([person_id], read_doc)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
