//! A person's own data (issue 35): everything the ledger holds about one
//! person, written out for them to keep ([`Qinqing::export_person`],
//! [`write_export`]), and the erasure of their documents and identifying
//! fields once nothing needs them ([`Qinqing::erase_person`]).
//!
//! **Who.** An export is the person's own act (their own paired computer,
//! or served in person at the kiosk), a parent's for a child under 16, or an
//! administrator's; an erasure is an administrator's, with a reason — see
//! the permission table ([`crate::access::authz`]). Each is audited; the
//! entries name the person by number only.
//!
//! **An export** is a folder (new or empty; owner-only on Unix): `person.json`
//! (the record with the full ID number, bindings, 家庭共济 relations,
//! settlements with their legs and what the person's account paid for
//! others, premiums, stays, filings, messages, and the list of documents),
//! `documents/` with each of the person's documents as stored (JPEG or PDF),
//! and a `README.txt`. Other people appear in it by number and masked name
//! only. Over the service interface the same bundle travels as JSON with
//! each document's bytes in base64, and the client writes the folder with
//! the same [`write_export`].
//!
//! **An erasure** keeps the ledger whole: the person's row stays (every
//! settlement, leg, roll-up, premium and binding row points at it, and the
//! fund's accounts must still add up) under a pseudonym — name `已删除#<id>`
//! and a resident ID no one can type ([`qinqing_domain::personal_data::pseudonym_resident_id`]) —
//! and loses what identifies or verifies them: documents (files included),
//! face and real-name checks, the payment password, the disability flag,
//! the e-voucher, their messages and pending payment codes; paired family
//! computers of theirs are unpaired. Their audit entries lose the name,
//! masked ID and any document note in their snapshots (migration 0014 lets
//! the trigger allow exactly that); the erasure's entry holds the reason
//! and counts. Amounts,
//! insurance type, status and region stay. A person a binding (draft,
//! submitted, active), a 家庭共济 relation (active, frozen) or an open
//! hospital stay still needs is refused, each with its own code. Erasing
//! again changes nothing (it finishes removing documents if an earlier run
//! was interrupted).

use crate::access::audit;
use crate::access::authz::Act;
use crate::app::document::{read_doc, Document, DOC_COLUMNS};
use crate::app::person::{self, Person};
use crate::app::service::Qinqing;
use crate::error::{Code, Error, Result};
use crate::params;
use crate::store::{Backend, Conn, OptionalExtension};
use crate::time;
use qinqing_domain::personal_data::{self as rule, ErasureFacts};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The export's format, named in `person.json`.
pub const EXPORT_FORMAT: &str = "qinqing-person-export/1";

/// Another person, as someone's export shows them: number and masked name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Other {
    pub id: i64,
    pub name_masked: String,
}

fn other(id: i64, name: &str) -> Other {
    Other { id, name_masked: crate::id::mask_name(name) }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportBinding {
    pub id: i64,
    /// `holder` or `member`: which side the person is on.
    pub role: String,
    pub other: Other,
    pub relation: String,
    pub status: String,
    pub created_at: String,
    pub submitted_at: Option<String>,
    pub decided_at: Option<String>,
    pub reject_reason: Option<String>,
    pub activated_at: Option<String>,
    pub unbound_at: Option<String>,
    /// The documents attached to it (numbers; the person's own are in `documents`).
    pub documents: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportAid {
    pub id: i64,
    /// `authorizer` or `beneficiary`.
    pub role: String,
    pub other: Other,
    pub relation: String,
    pub status: String,
    pub monthly_cap_fen: Option<i64>,
    pub online_daily_cap_fen: Option<i64>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportLeg {
    /// `fund`, `own_account`, `family_aid` or `cash`.
    pub source: String,
    /// Whose personal account paid (own account, 家庭共济).
    pub person: Option<i64>,
    pub aid: Option<i64>,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSettlement {
    pub id: i64,
    pub institution: i64,
    pub institution_name: String,
    pub bill_id: String,
    pub scenario: String,
    pub total_fen: i64,
    pub total_display: String,
    pub fund_fen: i64,
    pub deductible_fen: i64,
    pub ratio_pct: i64,
    pub cross_region: bool,
    pub emergency: bool,
    pub at: String,
    pub china_date: String,
    /// Who showed the code (the person, or their holder).
    pub shown_by: i64,
    pub stay: Option<i64>,
    pub legs: Vec<ExportLeg>,
}

/// What the person's own account paid towards someone else's bill (家庭共济).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportPaidForOther {
    pub settlement: i64,
    pub beneficiary: i64,
    pub china_date: String,
    pub scenario: String,
    pub aid: Option<i64>,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportPremium {
    pub id: i64,
    pub receipt_no: Option<String>,
    pub payer: i64,
    pub beneficiary: i64,
    pub year: i64,
    pub amount_fen: i64,
    pub region: Option<String>,
    pub tier: Option<String>,
    pub china_date: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportStay {
    pub id: i64,
    pub institution: i64,
    pub institution_name: String,
    pub admission_no: String,
    pub status: String,
    pub admitted_at: String,
    pub settlement: Option<i64>,
    pub cross_region: bool,
    pub emergency: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFiling {
    pub id: i64,
    pub region: String,
    pub from_date: String,
    pub to_date: String,
    pub reason: String,
    pub created_at: String,
    pub cancelled_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportMessage {
    pub id: i64,
    pub channel: String,
    pub body_zh: String,
    pub body_en: String,
    pub created_at: String,
}

/// One of the person's documents: its record, the file it is written to,
/// and (travelling over the service interface) its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportDocument {
    pub id: i64,
    pub kind: String,
    pub note: String,
    /// `jpeg` or `pdf`, as stored.
    pub media: String,
    pub mime: String,
    pub sha256: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bytes: i64,
    /// `pending`, `accepted` or `rejected` (by staff).
    pub status: String,
    pub reject_reason: Option<String>,
    pub binding: Option<i64>,
    pub created_at: String,
    /// Its file in the export's folder (`documents/000012-birth_certificate.jpg`).
    pub file: String,
    /// The stored bytes, base64 — in the service interface's answer only,
    /// never in `person.json` (the file is beside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_base64: Option<String>,
}

/// Everything the ledger holds about one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonExport {
    pub format: String,
    pub exported_at: String,
    pub exported_at_local: String,
    /// The record, with the full resident ID.
    pub person: Person,
    pub bindings: Vec<ExportBinding>,
    pub aid: Vec<ExportAid>,
    pub settlements: Vec<ExportSettlement>,
    pub paid_for_others: Vec<ExportPaidForOther>,
    pub premiums: Vec<ExportPremium>,
    pub stays: Vec<ExportStay>,
    pub filings: Vec<ExportFiling>,
    pub messages: Vec<ExportMessage>,
    pub documents: Vec<ExportDocument>,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportWritten {
    pub dir: String,
    /// The files written, relative to `dir`.
    pub files: Vec<String>,
    pub documents: usize,
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erased {
    pub person: i64,
    /// The name the record keeps now.
    pub pseudonym: String,
    pub erased_at: String,
    /// The person had been erased before: nothing more was changed.
    pub already: bool,
    pub documents_removed: u64,
    pub devices_unpaired: u64,
    pub messages_removed: u64,
    pub audit_entries_redacted: u64,
}

fn flag(v: i64) -> bool {
    v != 0
}

fn doc_file(d: &Document) -> String {
    let ext = crate::store::docstore::Media::parse(&d.media).map(|m| m.ext()).unwrap_or("bin");
    format!("documents/{:06}-{}.{ext}", d.id, d.kind.as_str())
}

impl Qinqing {
    /// Everything the ledger holds about person `id`, their documents' bytes
    /// included (base64), audited as `person.export`. The person
    /// themselves, a parent for a child under 16, or an administrator; for
    /// anyone else the person does not exist (`FORBIDDEN`, as for a number
    /// no one has).
    pub fn export_person(&self, id: i64) -> Result<PersonExport> {
        self.permit(Act::PersonExport { person: id })?;
        let conn = self.conn();
        let now = self.now();
        let p = person::load(conn, id)?.view(self.today(), true);
        let bindings = export_bindings(conn, id)?;
        let aid = conn
            .prepare(
                "SELECT a.id, a.authorizer_id, a.beneficiary_id, a.relation, a.status, a.monthly_cap_fen, a.online_daily_cap_fen,
                        a.created_at, a.revoked_at, au.name, be.name
                 FROM aid a JOIN person au ON au.id = a.authorizer_id JOIN person be ON be.id = a.beneficiary_id
                 WHERE a.authorizer_id = ?1 OR a.beneficiary_id = ?1 ORDER BY a.id",
            )?
            .query_map([id], |r| {
                let (au, be): (i64, i64) = (r.get(1)?, r.get(2)?);
                let mine = au == id;
                Ok(ExportAid {
                    id: r.get(0)?,
                    role: if mine { "authorizer" } else { "beneficiary" }.into(),
                    other: if mine { other(be, &r.get::<_, String>(10)?) } else { other(au, &r.get::<_, String>(9)?) },
                    relation: r.get(3)?,
                    status: r.get(4)?,
                    monthly_cap_fen: r.get(5)?,
                    online_daily_cap_fen: r.get(6)?,
                    created_at: r.get(7)?,
                    revoked_at: r.get(8)?,
                })
            })?
            .collect::<Result<Vec<_>>>()?;
        let settlements = export_settlements(conn, id)?;
        let paid_for_others = conn
            .prepare(
                "SELECT l.settlement_id, s.member_id, s.china_date, s.scenario, l.aid_id, l.amount_fen
                 FROM settlement_leg l JOIN settlement s ON s.id = l.settlement_id
                 WHERE l.person_id = ?1 AND s.member_id <> ?1 ORDER BY l.id",
            )?
            .query_map([id], |r| {
                Ok(ExportPaidForOther {
                    settlement: r.get(0)?,
                    beneficiary: r.get(1)?,
                    china_date: r.get(2)?,
                    scenario: r.get(3)?,
                    aid: r.get(4)?,
                    amount_fen: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>>>()?;
        let premiums = conn
            .prepare(
                "SELECT id, receipt_no, payer_id, beneficiary_id, year, amount_fen, region, tier, china_date, created_at
                 FROM premium WHERE payer_id = ?1 OR beneficiary_id = ?1 ORDER BY id",
            )?
            .query_map([id], |r| {
                Ok(ExportPremium {
                    id: r.get(0)?,
                    receipt_no: r.get(1)?,
                    payer: r.get(2)?,
                    beneficiary: r.get(3)?,
                    year: r.get(4)?,
                    amount_fen: r.get(5)?,
                    region: r.get(6)?,
                    tier: r.get(7)?,
                    china_date: r.get(8)?,
                    created_at: r.get(9)?,
                })
            })?
            .collect::<Result<Vec<_>>>()?;
        let stays = conn
            .prepare(
                "SELECT st.id, st.institution_id, i.name, st.admission_no, st.status, st.admitted_at, st.settlement_id, st.cross_region, st.emergency
                 FROM stay st JOIN institution i ON i.id = st.institution_id WHERE st.member_id = ?1 ORDER BY st.id",
            )?
            .query_map([id], |r| {
                Ok(ExportStay {
                    id: r.get(0)?,
                    institution: r.get(1)?,
                    institution_name: r.get(2)?,
                    admission_no: r.get(3)?,
                    status: r.get(4)?,
                    admitted_at: r.get(5)?,
                    settlement: r.get(6)?,
                    cross_region: flag(r.get(7)?),
                    emergency: flag(r.get(8)?),
                })
            })?
            .collect::<Result<Vec<_>>>()?;
        let filings = conn
            .prepare("SELECT id, region, from_date, to_date, reason, created_at, cancelled_at FROM filing WHERE person_id = ?1 ORDER BY id")?
            .query_map([id], |r| {
                Ok(ExportFiling {
                    id: r.get(0)?,
                    region: r.get(1)?,
                    from_date: r.get(2)?,
                    to_date: r.get(3)?,
                    reason: r.get(4)?,
                    created_at: r.get(5)?,
                    cancelled_at: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>>>()?;
        let messages = conn
            .prepare("SELECT id, channel, body_zh, body_en, created_at FROM outbox WHERE person_id = ?1 ORDER BY id")?
            .query_map([id], |r| Ok(ExportMessage { id: r.get(0)?, channel: r.get(1)?, body_zh: r.get(2)?, body_en: r.get(3)?, created_at: r.get(4)? }))?
            .collect::<Result<Vec<_>>>()?;
        let docs: Vec<Document> = conn
            .prepare(&format!("SELECT {DOC_COLUMNS} FROM document WHERE person_id = ?1 ORDER BY id"))?
            .query_map([id], read_doc)?
            .collect::<Result<Vec<_>>>()?;
        let mut documents = Vec::with_capacity(docs.len());
        for d in docs {
            // Through the document store's own reading (its permission, its decryption).
            let (mime, bytes) = self.document_bytes(d.id)?;
            documents.push(ExportDocument {
                id: d.id,
                kind: d.kind.as_str().to_string(),
                note: d.note.clone(),
                media: d.media.clone(),
                mime: mime.to_string(),
                sha256: d.sha256.clone(),
                width: d.width,
                height: d.height,
                bytes: d.bytes,
                status: serde_json::to_value(d.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                reject_reason: d.reject_reason.clone(),
                binding: d.binding_id,
                created_at: d.created_at.clone(),
                file: doc_file(&d),
                data_base64: Some({
                    use base64::Engine;
                    base64::engine::general_purpose::STANDARD.encode(&bytes)
                }),
            });
        }
        let counts = serde_json::json!({
            "bindings": bindings.len(), "aid": aid.len(), "settlements": settlements.len(), "premiums": premiums.len(),
            "stays": stays.len(), "filings": filings.len(), "messages": messages.len(), "documents": documents.len(),
        });
        audit::record(conn, &time::to_db(now), &self.actor(), "person.export", "person", Some(id), Some(id), None, Some(&counts))?;
        Ok(PersonExport {
            format: EXPORT_FORMAT.to_string(),
            exported_at: time::to_db(now),
            exported_at_local: time::display_china(now),
            person: p,
            bindings,
            aid,
            settlements,
            paid_for_others,
            premiums,
            stays,
            filings,
            messages,
            documents,
        })
    }

    /// [`Qinqing::export_person`] written into `dir` (new or empty; never
    /// inside the ledger's own data directory).
    pub fn export_person_to(&self, id: i64, dir: &Path) -> Result<ExportWritten> {
        // Who may ask comes first: a stranger learns nothing about the folder either.
        self.permit(Act::PersonExport { person: id })?;
        self.check_outside_data(dir)?;
        check_export_dir(dir)?;
        let bundle = self.export_person(id)?;
        write_export(&bundle, dir)
    }

    /// Erase person `id`'s documents and identifying data, keeping the
    /// ledger's amounts under a pseudonym (administrators, with a reason
    /// that does not name the person). Refused, with what to do, while a
    /// binding, a 家庭共济 relation or an open stay still needs the person.
    pub fn erase_person(&mut self, id: i64, reason: &str) -> Result<Erased> {
        self.permit(Act::PersonErase { person: id })?;
        if reason.trim().is_empty() {
            return Err(Error::erase_reason_empty());
        }
        let p = person::load(self.conn(), id)?;
        let before: Option<String> = self.conn().query_row("SELECT erased_at FROM person WHERE id = ?1", [id], |r| r.get(0))?;
        let mut out = match before {
            Some(at) => Erased {
                person: id,
                pseudonym: p.name.clone(),
                erased_at: at,
                already: true,
                documents_removed: 0,
                devices_unpaired: 0,
                messages_removed: 0,
                audit_entries_redacted: 0,
            },
            None => {
                let reason = rule::erase_reason(reason, &p.name, p.rid.as_str())?;
                crate::store::retry(|| self.erase_once(id, &reason))?
            }
        };
        // The documents go after the record (each in its own transaction,
        // through the document store): a run cut short is finished by the next.
        out.documents_removed = self.remove_documents_of(id)?;
        Ok(out)
    }

    fn erase_once(&mut self, id: i64, reason: &str) -> Result<Erased> {
        let now = time::to_db(self.now());
        let actor = self.actor();
        let backend = self.backend();
        let tx = self.conn().begin()?;
        // What still needs the person, read inside the transaction that erases.
        let (open_bindings, live_aid, open_stays): (i64, i64, i64) = tx.query_row(
            "SELECT (SELECT count(*) FROM binding WHERE (holder_id = ?1 OR member_id = ?1) AND status IN ('draft', 'submitted', 'active')),
                    (SELECT count(*) FROM aid WHERE (authorizer_id = ?1 OR beneficiary_id = ?1) AND status IN ('active', 'frozen')),
                    (SELECT count(*) FROM stay WHERE member_id = ?1 AND status = 'open')",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        rule::may_erase(&ErasureFacts { open_bindings: open_bindings as u64, live_aid: live_aid as u64, open_stays: open_stays as u64 })?;
        let pseudonym = rule::pseudonym_name(id);
        let changed = tx.execute(
            "UPDATE person SET name = ?2, resident_id = ?3, disabled = 0, voucher_activated = 0, face_verified_at = NULL,
                    real_name_checked_at = NULL, real_name_checked_by = NULL, pay_password_hash = NULL, pay_failed = 0,
                    pay_locked_until = NULL, updated_at = ?4, erased_at = ?4
             WHERE id = ?1 AND erased_at IS NULL",
            params![id, pseudonym, rule::pseudonym_resident_id(id)?, now],
        )?;
        if changed == 0 {
            // Erased meanwhile by someone else: theirs stands.
            let at: Option<String> = tx.query_row("SELECT erased_at FROM person WHERE id = ?1", [id], |r| r.get(0)).optional()?.flatten();
            return Ok(Erased {
                person: id,
                pseudonym,
                erased_at: at.unwrap_or(now),
                already: true,
                documents_removed: 0,
                devices_unpaired: 0,
                messages_removed: 0,
                audit_entries_redacted: 0,
            });
        }
        let documents: i64 = tx.query_row("SELECT count(*) FROM document WHERE person_id = ?1", [id], |r| r.get(0))?;
        let messages = tx.execute("DELETE FROM outbox WHERE person_id = ?1", [id])? as u64;
        tx.execute("DELETE FROM pay_code WHERE person_id = ?1", [id])?;
        let devices = tx.execute("UPDATE device SET revoked_at = ?2 WHERE holder_id = ?1 AND revoked_at IS NULL", params![id, now])? as u64;
        tx.execute("UPDATE pairing SET voided_at = ?2 WHERE holder_id = ?1 AND used_at IS NULL AND voided_at IS NULL", params![id, now])?;
        // A kiosk still serving them keeps their name in its stored session: ended.
        let kiosk_sessions = crate::access::kiosk::end_sessions_serving(&tx, id, &now)?;
        // The person's audit entries keep who, when, what and every amount,
        // without the name, masked ID and document notes (the trigger allows
        // this and nothing else, and only once the row above is erased).
        let redact = match backend {
            Backend::Sqlite => {
                "UPDATE audit SET before = json_remove(before, '$.name', '$.resident_id_masked', '$.note'),
                                  after = json_remove(after, '$.name', '$.resident_id_masked', '$.note')
                 WHERE person_id = ?1
                   AND (before LIKE '%\"name\"%' OR before LIKE '%\"resident_id_masked\"%' OR before LIKE '%\"note\"%'
                        OR after LIKE '%\"name\"%' OR after LIKE '%\"resident_id_masked\"%' OR after LIKE '%\"note\"%')"
            }
            Backend::Postgresql => {
                "UPDATE audit SET before = (before::jsonb - 'name' - 'resident_id_masked' - 'note')::text,
                                  after = (after::jsonb - 'name' - 'resident_id_masked' - 'note')::text
                 WHERE person_id = ?1
                   AND (before LIKE '%\"name\"%' OR before LIKE '%\"resident_id_masked\"%' OR before LIKE '%\"note\"%'
                        OR after LIKE '%\"name\"%' OR after LIKE '%\"resident_id_masked\"%' OR after LIKE '%\"note\"%')"
            }
        };
        let redacted = tx.execute(redact, [id])? as u64;
        let what = serde_json::json!({
            "reason": reason, "documents": documents, "devices_unpaired": devices, "messages_removed": messages, "audit_entries_redacted": redacted,
            "kiosk_sessions_ended": kiosk_sessions,
        });
        audit::record(&tx, &now, &actor, "person.erase", "person", Some(id), Some(id), None, Some(&what))?;
        tx.commit()?;
        Ok(Erased {
            person: id,
            pseudonym,
            erased_at: now,
            already: false,
            documents_removed: 0,
            devices_unpaired: devices,
            messages_removed: messages,
            audit_entries_redacted: redacted,
        })
    }

    /// Remove every document of an erased person (files included), each in
    /// its own transaction through the document store; audited as
    /// `document.erase` under whoever erased.
    fn remove_documents_of(&mut self, id: i64) -> Result<u64> {
        let who = self.actor();
        let at = time::to_db(self.now());
        let docs: Vec<i64> =
            self.conn().prepare("SELECT id FROM document WHERE person_id = ?1 ORDER BY id")?.query_map([id], |r| r.get(0))?.collect::<Result<_>>()?;
        let mut n = 0;
        for doc in docs {
            let release = |tx: &Conn, doc: i64| -> Result<()> {
                crate::app::retention::release_references(tx, doc)?;
                audit::record(tx, &at, &who, "document.erase", "document", Some(doc), Some(id), None, None)
            };
            match self.as_ledger(|q| q.remove_document(doc, &release)) {
                Ok(_) => n += 1,
                Err(e) if e.code == Code::DocNotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }
}

fn export_bindings(conn: &Conn, id: i64) -> Result<Vec<ExportBinding>> {
    let attached: Vec<(i64, i64)> = conn
        .prepare(
            "SELECT bd.binding_id, bd.document_id FROM binding_document bd JOIN binding b ON b.id = bd.binding_id
             WHERE b.holder_id = ?1 OR b.member_id = ?1 ORDER BY bd.document_id",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_>>()?;
    let mut out: Vec<ExportBinding> = conn
        .prepare(
            "SELECT b.id, b.holder_id, b.member_id, b.relation, b.status, b.created_at, b.submitted_at, b.decided_at, b.reject_reason,
                    b.activated_at, b.unbound_at, h.name, m.name
             FROM binding b JOIN person h ON h.id = b.holder_id JOIN person m ON m.id = b.member_id
             WHERE b.holder_id = ?1 OR b.member_id = ?1 ORDER BY b.id",
        )?
        .query_map([id], |r| {
            let (h, m): (i64, i64) = (r.get(1)?, r.get(2)?);
            let holder = h == id;
            Ok(ExportBinding {
                id: r.get(0)?,
                role: if holder { "holder" } else { "member" }.into(),
                other: if holder { other(m, &r.get::<_, String>(12)?) } else { other(h, &r.get::<_, String>(11)?) },
                relation: r.get(3)?,
                status: r.get(4)?,
                created_at: r.get(5)?,
                submitted_at: r.get(6)?,
                decided_at: r.get(7)?,
                reject_reason: r.get(8)?,
                activated_at: r.get(9)?,
                unbound_at: r.get(10)?,
                documents: Vec::new(),
            })
        })?
        .collect::<Result<_>>()?;
    for b in &mut out {
        b.documents = attached.iter().filter(|(bid, _)| *bid == b.id).map(|(_, d)| *d).collect();
    }
    Ok(out)
}

fn export_settlements(conn: &Conn, id: i64) -> Result<Vec<ExportSettlement>> {
    let legs: Vec<(i64, ExportLeg)> = conn
        .prepare(
            "SELECT l.settlement_id, l.source, l.person_id, l.aid_id, l.amount_fen
             FROM settlement_leg l JOIN settlement s ON s.id = l.settlement_id WHERE s.member_id = ?1 ORDER BY l.id",
        )?
        .query_map([id], |r| Ok((r.get(0)?, ExportLeg { source: r.get(1)?, person: r.get(2)?, aid: r.get(3)?, amount_fen: r.get(4)? })))?
        .collect::<Result<_>>()?;
    let mut out: Vec<ExportSettlement> = conn
        .prepare(
            "SELECT s.id, s.institution_id, i.name, s.bill_id, s.scenario, s.total_fen, s.fund_fen, s.deductible_fen, s.ratio_pct,
                    s.cross_region, s.emergency, s.at, s.china_date, s.shown_by, s.stay_id
             FROM settlement s JOIN institution i ON i.id = s.institution_id WHERE s.member_id = ?1 ORDER BY s.id",
        )?
        .query_map([id], |r| {
            let total: i64 = r.get(5)?;
            Ok(ExportSettlement {
                id: r.get(0)?,
                institution: r.get(1)?,
                institution_name: r.get(2)?,
                bill_id: r.get(3)?,
                scenario: r.get(4)?,
                total_fen: total,
                total_display: crate::money::format_fen(total),
                fund_fen: r.get(6)?,
                deductible_fen: r.get(7)?,
                ratio_pct: r.get(8)?,
                cross_region: flag(r.get(9)?),
                emergency: flag(r.get(10)?),
                at: r.get(11)?,
                china_date: r.get(12)?,
                shown_by: r.get(13)?,
                stay: r.get(14)?,
                legs: Vec::new(),
            })
        })?
        .collect::<Result<_>>()?;
    for s in &mut out {
        s.legs = legs.iter().filter(|(sid, _)| *sid == s.id).map(|(_, l)| l.clone()).collect();
    }
    Ok(out)
}

/// `dir` may take an export: it does not exist yet (its parent may not
/// either), or it is an empty folder.
pub fn check_export_dir(dir: &Path) -> Result<()> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::internal(format!("{}: {e}", dir.display()))),
        Ok(m) if m.is_dir() => {
            let mut entries = std::fs::read_dir(dir).map_err(|e| Error::internal(format!("{}: {e}", dir.display())))?;
            if entries.next().is_some() {
                Err(Error::person_export_dir_not_empty(&dir.display().to_string()))
            } else {
                Ok(())
            }
        }
        // A file, or a link (never followed: it could point anywhere).
        Ok(_) => Err(Error::person_export_dir_not_empty(&dir.display().to_string())),
    }
}

/// A folder only its owner may enter (Unix; elsewhere the user's folders'
/// own permissions apply).
fn make_private_dir(dir: &Path) -> Result<()> {
    let fail = |e: std::io::Error| Error::internal(format!("{}: {e}", dir.display()));
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
    }
    Ok(())
}

/// A new file only its owner may read (never over an existing one).
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |e: std::io::Error| Error::internal(format!("{}: {e}", path.display()));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path).map_err(fail)?;
    std::io::Write::write_all(&mut f, bytes).map_err(fail)?;
    f.sync_all().map_err(fail)
}

const README: &str = "亲情医保 Qinqing —— 个人数据导出 / personal data export\n\n\
person.json: 您在账本中的全部记录（档案、亲情账户绑定、家庭共济、结算及分项、代缴、住院、异地备案、消息、材料清单）。\
其他人只以编号和遮盖后的姓名出现。金额单位为分（100分 = 1元），时间为UTC（_local 为北京时间）。\n\
documents/: 您上传的材料，按账本保存的样子（JPEG图片或PDF）。\n\
这些文件含有身份证号和证件照片，请妥善保管，不要转发给他人。\n\n\
person.json: everything the ledger holds about you (record, family proxy bindings, family mutual aid, settlements and their parts, \
premiums, hospital stays, cross-region filings, messages, the list of documents). Other people appear by number and masked name only. \
Amounts are in fen (100 fen = 1 yuan); times are UTC (_local: China time).\n\
documents/: your documents as the ledger stores them (JPEG images or PDFs).\n\
These files hold your ID number and photos of your papers: keep them safe and do not pass them on.\n";

/// Write an export into `dir` (new or empty): `person.json`, `README.txt`
/// and `documents/…`, owner-only. On failure what was written is removed.
pub fn write_export(bundle: &PersonExport, dir: &Path) -> Result<ExportWritten> {
    check_export_dir(dir)?;
    let created_dir = !dir.exists();
    let mut written: Vec<std::path::PathBuf> = Vec::new();
    let result = (|| -> Result<Vec<String>> {
        make_private_dir(dir)?;
        let mut files = Vec::new();
        let mut listed = bundle.clone();
        if !bundle.documents.is_empty() {
            make_private_dir(&dir.join("documents"))?;
            written.push(dir.join("documents"));
        }
        for d in &mut listed.documents {
            use base64::Engine;
            let data = d.data_base64.take().unwrap_or_default();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data.trim().as_bytes())
                .map_err(|e| Error::doc_corrupt("file", &format!("document {}: not base64: {e}", d.id)))?;
            // Only a name of our own making: never a path from the answer.
            let file = format!(
                "documents/{:06}-{}.{}",
                d.id,
                crate::app::document::DocKind::parse(&d.kind).map(|k| k.as_str()).unwrap_or("document"),
                crate::store::docstore::Media::parse(&d.media).map(|m| m.ext()).unwrap_or("bin")
            );
            let path = dir.join(&file);
            write_private(&path, &bytes)?;
            written.push(path);
            d.file = file.clone();
            files.push(file);
        }
        let json = serde_json::to_vec_pretty(&listed).map_err(|e| Error::internal(format!("person.json: {e}")))?;
        let path = dir.join("person.json");
        write_private(&path, &json)?;
        written.push(path);
        files.push("person.json".to_string());
        let path = dir.join("README.txt");
        write_private(&path, README.as_bytes())?;
        written.push(path);
        files.push("README.txt".to_string());
        Ok(files)
    })();
    match result {
        Ok(files) => Ok(ExportWritten { dir: dir.display().to_string(), documents: bundle.documents.len(), files }),
        Err(e) => {
            for p in written.iter().rev() {
                let _ = if p.is_dir() { std::fs::remove_dir(p) } else { std::fs::remove_file(p) };
            }
            if created_dir {
                let _ = std::fs::remove_dir(dir);
            }
            Err(e)
        }
    }
}
