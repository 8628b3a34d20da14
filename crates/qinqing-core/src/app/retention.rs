//! Document retention (issue 35): documents are kept while an application
//! or binding needs them and for `doc_retention_days` after that, then
//! purged — the rule itself is pure ([`qinqing_domain::personal_data`]);
//! this file loads its facts, and removes what it says is due through the
//! document store's own removal ([`Qinqing::remove_document`], which also
//! removes the stored files, however they are stored).
//!
//! One function does the purge, [`Qinqing::purge_documents`]: the app at
//! start, the server every hour, and `qinqing-cli doc purge --apply` all
//! call it. It never holds the ledger's writer lock for long: documents are
//! found by reading (no lock), and each due document is removed in its own
//! short write transaction, in which the rule is asked again over the facts
//! as they are then — an application that took the document up in the
//! meantime keeps it. A call removes at most `limit` documents and says
//! where to go on (`next`), so a long purge is many short calls.
//!
//! Each purged document leaves two audit entries: `document.purge` (why:
//! what started its period, when it was due, the period; named after whoever
//! ran the purge) and the store's own `document.delete`.

use crate::access::audit;
use crate::access::authz::{Act, Actor};
use crate::app::document::DocKind;
use crate::app::service::Qinqing;
use crate::error::{Code, Error, Result};
use crate::store::Conn;
use crate::time;
use chrono::{DateTime, Utc};
use qinqing_domain::personal_data::{self as rule, DocFacts, Ties, Use, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The setting: days a document is kept once nothing needs it.
pub const RETENTION_SETTING: &str = "doc_retention_days";
/// Documents read per page while looking for due ones (a read: no lock).
const PAGE: i64 = 200;
/// How many documents one purge call removes by default: each in its own
/// short transaction, and the call itself short enough for a request.
pub const PURGE_BATCH: u32 = 50;

/// One document the rule finds due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueDocument {
    pub document: i64,
    pub person: i64,
    pub kind: String,
    /// What started its retention period: `uploaded`, `rejected` or `ended`.
    pub since: String,
    pub since_at: String,
    pub due_at: String,
    pub due_at_local: String,
}

/// What a purge would do now (`qinqing-cli doc purge --dry-run`): nothing is changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PurgePlan {
    pub retention_days: i64,
    pub now: String,
    /// Documents uploaded long enough ago to be due at all, looked at.
    pub checked: u64,
    /// How many are due.
    pub due_total: u64,
    /// The first `limit` of them, in document order.
    pub due: Vec<DueDocument>,
    /// Old enough but kept, by why (`pending_application`, `active_binding`,
    /// `aid_relation`), and `not_yet` for those whose period has not run.
    pub kept: BTreeMap<String, u64>,
}

/// What one purge call did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Purged {
    pub retention_days: i64,
    pub purged: Vec<DueDocument>,
    /// Found due but no longer due (or already gone) when its turn came: left alone.
    pub skipped: u64,
    /// Where the next call goes on (its `after`); `None`: the ledger was gone through.
    pub next: Option<i64>,
}

/// A document as the purge reads it.
struct DocRow {
    id: i64,
    person: i64,
    kind: String,
    uploaded_at: String,
}

fn read_page(conn: &Conn, after: i64, cutoff: &str) -> Result<Vec<DocRow>> {
    conn.prepare_cached("SELECT id, person_id, kind, created_at FROM document WHERE id > ?1 AND created_at <= ?2 ORDER BY id LIMIT ?3")?
        .query_map(crate::params![after, cutoff, PAGE], |r| Ok(DocRow { id: r.get(0)?, person: r.get(1)?, kind: r.get(2)?, uploaded_at: r.get(3)? }))?
        .collect()
}

fn read_one(conn: &Conn, id: i64) -> Result<Option<DocRow>> {
    use crate::store::OptionalExtension;
    conn.prepare_cached("SELECT id, person_id, kind, created_at FROM document WHERE id = ?1")?
        .query_row([id], |r| Ok(DocRow { id: r.get(0)?, person: r.get(1)?, kind: r.get(2)?, uploaded_at: r.get(3)? }))
        .optional()
}

/// Every application that refers to the documents numbered `lo..=hi`:
/// uploaded into it, attached to it, or its face evidence.
fn uses_between(conn: &Conn, lo: i64, hi: i64) -> Result<HashMap<i64, Vec<Use>>> {
    let rows: Vec<(i64, String, Option<String>)> = conn
        .prepare_cached(
            "SELECT u.doc, b.status,
                    CASE b.status WHEN 'rejected' THEN coalesce(b.decided_at, b.submitted_at, b.created_at)
                                  ELSE coalesce(b.unbound_at, b.activated_at, b.created_at) END
             FROM (SELECT id AS doc, binding_id AS bid FROM document WHERE binding_id IS NOT NULL AND id BETWEEN ?1 AND ?2
                   UNION SELECT document_id, binding_id FROM binding_document WHERE document_id BETWEEN ?1 AND ?2
                   UNION SELECT face_doc_id, id FROM binding WHERE face_doc_id BETWEEN ?1 AND ?2) u
             JOIN binding b ON b.id = u.bid",
        )?
        .query_map(crate::params![lo, hi], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_>>()?;
    let mut out: HashMap<i64, Vec<Use>> = HashMap::new();
    for (doc, status, at) in rows {
        let at = at.as_deref().and_then(time::from_db);
        let u = match (status.as_str(), at) {
            ("active", _) => Use::Active,
            ("rejected", Some(at)) => Use::Rejected(at),
            ("unbound", Some(at)) => Use::Ended(at),
            // Draft, submitted — or a decision whose time cannot be read:
            // kept, as an application still in progress is.
            _ => Use::Pending,
        };
        out.entry(doc).or_default().push(u);
    }
    Ok(out)
}

/// What `person` is a party to now (identity documents are kept meanwhile).
fn ties_of(conn: &Conn, person: i64) -> Result<Ties> {
    let (pending, active, aid): (i64, i64, i64) = conn
        .prepare_cached(
            "SELECT (SELECT count(*) FROM binding WHERE (holder_id = ?1 OR member_id = ?1) AND status IN ('draft', 'submitted')),
                (SELECT count(*) FROM binding WHERE (holder_id = ?1 OR member_id = ?1) AND status = 'active'),
                (SELECT count(*) FROM aid WHERE (authorizer_id = ?1 OR beneficiary_id = ?1) AND status IN ('active', 'frozen'))",
        )?
        .query_row([person], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(Ties { pending_application: pending > 0, active_binding: active > 0, aid_relation: aid > 0 })
}

/// ID card sides and face photos show who their person is.
fn proves_identity(kind: &str) -> bool {
    matches!(DocKind::parse(kind), Ok(DocKind::IdCardFront | DocKind::IdCardBack | DocKind::FaceCapture))
}

/// The rule's facts about one document (the ties are read only where they count).
fn facts(conn: &Conn, d: &DocRow, uses: Vec<Use>, now: DateTime<Utc>) -> Result<DocFacts> {
    // An upload time that cannot be read: as if uploaded now (kept a full period).
    let uploaded_at = time::from_db(&d.uploaded_at).unwrap_or(now);
    let identity = proves_identity(&d.kind);
    let ties = if identity { ties_of(conn, d.person)? } else { Ties::default() };
    Ok(DocFacts { uploaded_at, uses, proves_identity: identity, ties })
}

fn due(d: &DocRow, since: rule::Since, at: DateTime<Utc>, due_at: DateTime<Utc>) -> DueDocument {
    DueDocument {
        document: d.id,
        person: d.person,
        kind: d.kind.clone(),
        since: since.as_str().to_string(),
        since_at: time::to_db(at),
        due_at: time::to_db(due_at),
        due_at_local: time::display_china(due_at),
    }
}

/// Refused inside a removal: the document is needed again (the purge leaves it alone).
fn still_needed() -> Error {
    Error::doc_in_use("仍需保留", "still needed")
}

impl Qinqing {
    /// The retention period now (the setting, within its range).
    pub fn retention_days(&self) -> Result<i64> {
        Ok(rule::retention_days(self.setting(RETENTION_SETTING)?))
    }

    /// What a purge would remove now, and why the rest stays (administrators;
    /// nothing is changed).
    pub fn document_purge_plan(&self, limit: u32) -> Result<PurgePlan> {
        self.permit(Act::DocumentPurge { apply: false })?;
        let days = self.retention_days()?;
        let now = self.now();
        let cutoff = time::to_db(rule::upload_cutoff(days, now));
        let mut plan = PurgePlan { retention_days: days, now: time::to_db(now), checked: 0, due_total: 0, due: Vec::new(), kept: BTreeMap::new() };
        let mut after = 0;
        loop {
            let page = read_page(self.conn(), after, &cutoff)?;
            let (Some(first), Some(last)) = (page.first(), page.last()) else { return Ok(plan) };
            let mut uses = uses_between(self.conn(), first.id, last.id)?;
            for d in &page {
                plan.checked += 1;
                let f = facts(self.conn(), d, uses.remove(&d.id).unwrap_or_default(), now)?;
                match rule::judge(&f, days, now) {
                    Verdict::Purge { since, at, due: due_at } => {
                        plan.due_total += 1;
                        if plan.due.len() < limit as usize {
                            plan.due.push(due(d, since, at, due_at));
                        }
                    }
                    Verdict::Keep(k) => *plan.kept.entry(k.as_str().to_string()).or_default() += 1,
                    Verdict::Retain { .. } => *plan.kept.entry("not_yet".to_string()).or_default() += 1,
                }
            }
            after = last.id;
        }
    }

    /// Purge the documents the retention rule finds due, at most `limit`,
    /// looking at documents numbered above `after` (administrators and the
    /// ledger's own schedule; audited). Call again with `next` until it is
    /// `None`.
    pub fn purge_documents(&mut self, limit: u32, after: Option<i64>) -> Result<Purged> {
        self.permit(Act::DocumentPurge { apply: true })?;
        let days = self.retention_days()?;
        let now = self.now();
        let cutoff = time::to_db(rule::upload_cutoff(days, now));
        let who = self.actor();
        let limit = limit.max(1) as usize;
        let mut out = Purged { retention_days: days, purged: Vec::new(), skipped: 0, next: None };
        let mut cursor = after.unwrap_or(0);
        loop {
            let page = read_page(self.conn(), cursor, &cutoff)?;
            let (Some(first), Some(last)) = (page.first(), page.last()) else { return Ok(out) };
            let mut uses = uses_between(self.conn(), first.id, last.id)?;
            for d in &page {
                let f = facts(self.conn(), d, uses.remove(&d.id).unwrap_or_default(), now)?;
                if let Verdict::Purge { .. } = rule::judge(&f, days, now) {
                    if out.purged.len() >= limit {
                        // This one is the next call's first.
                        out.next = Some(cursor);
                        return Ok(out);
                    }
                    match self.purge_one(d.id, days, now, &who) {
                        Ok(done) => out.purged.push(done),
                        Err(e) if matches!(e.code, Code::DocInUse | Code::DocNotFound) => out.skipped += 1,
                        Err(e) => return Err(e),
                    }
                }
                cursor = d.id;
            }
        }
    }

    /// Everything due now, in short calls (the app at start; tests). How
    /// many documents were purged.
    pub fn purge_all_due_documents(&mut self) -> Result<u64> {
        let mut after = None;
        let mut n = 0;
        loop {
            let done = self.purge_documents(PURGE_BATCH, after)?;
            n += done.purged.len() as u64;
            match done.next {
                Some(next) => after = Some(next),
                None => return Ok(n),
            }
        }
    }

    /// Remove one document the rule found due, asking the rule again inside
    /// the removing transaction.
    fn purge_one(&mut self, id: i64, days: i64, now: DateTime<Utc>, who: &str) -> Result<DueDocument> {
        let found = std::cell::RefCell::new(None);
        let release = |tx: &Conn, doc: i64| -> Result<()> {
            let d = read_one(tx, doc)?.ok_or_else(|| Error::doc_not_found(doc))?;
            let f = facts(tx, &d, uses_between(tx, doc, doc)?.remove(&doc).unwrap_or_default(), now)?;
            let Verdict::Purge { since, at, due: due_at } = rule::judge(&f, days, now) else { return Err(still_needed()) };
            let entry = due(&d, since, at, due_at);
            let why = serde_json::json!({
                "kind": entry.kind, "since": entry.since, "since_at": entry.since_at, "due_at": entry.due_at, "retention_days": days,
            });
            audit::record(tx, &time::to_db(now), who, "document.purge", "document", Some(doc), Some(d.person), Some(&why), None)?;
            release_references(tx, doc)?;
            *found.borrow_mut() = Some(entry);
            Ok(())
        };
        self.as_ledger(|q| q.remove_document(id, &release))?;
        found.into_inner().ok_or_else(|| Error::internal("purged without a verdict"))
    }

    /// Run `f` as the ledger itself (the local operator), then as whoever
    /// asked again: the document store removes a document only for its
    /// owner's family, but a document the retention rule or an erasure has
    /// already decided on (each permitted as its own act first) is removed
    /// by the ledger, whoever started it.
    pub(crate) fn as_ledger<T>(&mut self, f: impl FnOnce(&mut Qinqing) -> Result<T>) -> Result<T> {
        struct Back<'a>(&'a mut Qinqing, Actor);
        impl Drop for Back<'_> {
            fn drop(&mut self) {
                let was = self.1.clone();
                self.0.set_actor(was);
            }
        }
        let was = self.actor_ref().clone();
        self.set_actor(Actor::Operator);
        let back = Back(self, was);
        f(&mut *back.0)
    }
}

/// A document about to be removed (inside the removing transaction): what
/// refers to it lets go — applications that are over keep their rows and
/// lose the link; an application in progress or a binding in effect
/// refuses (the caller checked, but the transaction is where it counts).
pub(crate) fn release_references(tx: &Conn, doc: i64) -> Result<()> {
    let live: i64 = tx.query_row(
        "SELECT count(*) FROM binding b WHERE b.status IN ('draft', 'submitted', 'active')
           AND (b.face_doc_id = ?1 OR b.id IN (SELECT binding_id FROM binding_document WHERE document_id = ?1)
                OR b.id = (SELECT binding_id FROM document WHERE id = ?1))",
        [doc],
        |r| r.get(0),
    )?;
    if live > 0 {
        return Err(still_needed());
    }
    tx.execute("DELETE FROM binding_document WHERE document_id = ?1", [doc])?;
    tx.execute("UPDATE binding SET face_doc_id = NULL WHERE face_doc_id = ?1", [doc])?;
    Ok(())
}
