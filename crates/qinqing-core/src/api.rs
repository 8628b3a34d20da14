//! The service interface (ARCHITECTURE.md): the operations a client may ask
//! of a ledger, as data. The local `Qinqing` answers a [`Call`] directly
//! ([`Qinqing::call`]); `qinqing-server` answers the same call over HTTP at
//! `POST /api/v1/{op}` with `args` as the JSON body; `qinqing-cli --server`
//! sends it there. One operation is one variant: the server's routes, its
//! OpenAPI document and the remote client all follow from this enum, and
//! each operation is one line into the rules (nothing is written twice).
//!
//! Every call is decided by the permission table for the actor asking
//! ([`crate::authz`]): a family device, a counter terminal and staff see
//! different parts of the ledger through the same operations.

use crate::audit::AuditQuery;
use crate::error::{Error, Result};
use crate::person::{PersonInput, PersonQuery};
use crate::service::Qinqing;
use crate::settle::{AdmitRequest, SettleRequest};
use serde::{Deserialize, Serialize};

fn fifty() -> u32 {
    50
}

/// One operation and its arguments: `{"op": "settle", "args": {…}}`.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "op", content = "args", rename_all = "snake_case")]
pub enum Call {
    /// What this ledger is: backend, versions, counts.
    Info,
    /// The register of insured persons (resident IDs masked).
    PersonList(PersonQuery),
    /// One person.
    PersonGet { id: i64 },
    /// Register a person (staff).
    PersonAdd(PersonInput),
    /// Designated medical institutions.
    InstitutionList,
    /// Add or update an institution (administrators).
    InstitutionAdd {
        name: String,
        region: String,
        #[serde(default)]
        designated: bool,
        #[serde(default)]
        networked: bool,
    },
    /// Settle a scanned code at a counter (its institution's terminal).
    Settle(SettleRequest),
    /// 住院: the member's code opens a stay at this institution.
    Admit(AdmitRequest),
    /// Stays at an institution and/or of a member, newest first.
    StayList {
        #[serde(default)]
        institution: Option<i64>,
        #[serde(default)]
        member: Option<i64>,
        #[serde(default)]
        open: bool,
    },
    /// One settlement.
    SettlementGet { id: i64 },
    /// A member's settlements, newest first.
    SettlementList {
        #[serde(default)]
        member: Option<i64>,
        #[serde(default = "fifty")]
        limit: u32,
    },
    /// A member's dynamic insurance code (医保码), shown by the member or a holder.
    QrIssue {
        member: i64,
        #[serde(default)]
        holder: Option<i64>,
    },
    /// Check a scanned code without using it.
    QrVerify { token: String },
    /// A family's spending dashboard for a China year.
    Dashboard { holder: i64, year: i32 },
    /// The audit trail, newest first.
    AuditList(AuditQuery),
    /// Issue a key to an institution's counter terminal (administrators); shown once.
    TerminalAdd {
        institution: i64,
        #[serde(default)]
        label: Option<String>,
    },
    /// Every terminal key issued (without the keys).
    TerminalList,
    /// Revoke a terminal key.
    TerminalRevoke { id: i64 },
}

impl Call {
    /// The operation's name, as in its path (`/api/v1/{op}`).
    pub fn op(&self) -> String {
        match serde_json::to_value(self) {
            Ok(v) => v["op"].as_str().unwrap_or_default().to_string(),
            Err(_) => String::new(),
        }
    }

    /// Whether the operation changes the ledger (a client never repeats a
    /// change on its own after a lost answer unless the operation is
    /// idempotent, as settlement is by bill number).
    pub fn changes(&self) -> bool {
        matches!(
            self,
            Call::PersonAdd(_) | Call::InstitutionAdd { .. } | Call::Settle(_) | Call::Admit(_) | Call::TerminalAdd { .. } | Call::TerminalRevoke { .. }
        )
    }

    /// The call named `op` with `args` (the JSON body; `null` when there is
    /// none). Unknown fields in `args` are reported through `unknown`.
    pub fn parse(op: &str, args: serde_json::Value, unknown: &mut Vec<String>) -> Result<Call> {
        let mut doc = serde_json::Map::new();
        doc.insert("op".into(), serde_json::Value::String(op.to_string()));
        if !args.is_null() {
            doc.insert("args".into(), args);
        }
        let sent = doc.get("args").cloned();
        let call: Call = serde_json::from_value(serde_json::Value::Object(doc)).map_err(|e| Error::request_malformed(&e.to_string()))?;
        // A field the operation does not know is reported, not silently
        // dropped: whatever was sent (not null) and does not come back when
        // the call is written out again.
        let back = serde_json::to_value(&call).map_err(|e| Error::internal(format!("call: {e}")))?;
        if let Some(sent) = &sent {
            unknown_fields(sent, back.get("args").unwrap_or(&serde_json::Value::Null), "", unknown);
        }
        Ok(call)
    }
}

fn unknown_fields(sent: &serde_json::Value, known: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    if let Some(fields) = sent.as_object() {
        for (k, v) in fields {
            let path = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
            match known.get(k) {
                None if !v.is_null() => out.push(path),
                Some(kv) => unknown_fields(v, kv, &path, out),
                None => {}
            }
        }
    }
}

fn json<T: Serialize>(v: T) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| Error::internal(format!("answer: {e}")))
}

impl Qinqing {
    /// Answer one call as the current actor: the JSON the operation returns.
    pub fn call(&mut self, call: Call) -> Result<serde_json::Value> {
        match call {
            Call::Info => json(self.info()?),
            Call::PersonList(q) => json(self.list_persons(&q)?),
            Call::PersonGet { id } => json(self.get_person(id)?),
            Call::PersonAdd(p) => json(self.add_person(&p)?),
            Call::InstitutionList => json(self.list_institutions()?),
            Call::InstitutionAdd { name, region, designated, networked } => json(self.add_institution(&name, &region, designated, networked)?),
            Call::Settle(r) => json(self.settle(&r)?),
            Call::Admit(r) => json(self.admit(&r)?),
            Call::StayList { institution, member, open } => json(self.list_stays(institution, member, open)?),
            Call::SettlementGet { id } => json(self.get_settlement(id)?),
            Call::SettlementList { member, limit } => json(self.list_settlements(member, limit)?),
            Call::QrIssue { member, holder } => json(self.issue_qr(member, holder)?),
            Call::QrVerify { token } => json(self.verify_qr(&token)?),
            Call::Dashboard { holder, year } => json(self.dashboard(holder, year)?),
            Call::AuditList(q) => json(self.audit_list(&q)?),
            Call::TerminalAdd { institution, label } => json(self.terminal_add(institution, label.as_deref())?),
            Call::TerminalList => json(self.terminal_list()?),
            Call::TerminalRevoke { id } => json(self.terminal_revoke(id)?),
        }
    }
}

/// The schema of every call, in OpenAPI 3.0's dialect (`oneOf` one per
/// operation, `definitions` to go under `components/schemas`), from which the
/// server writes its OpenAPI document.
pub fn openapi_schema() -> serde_json::Value {
    let root = schemars::gen::SchemaSettings::openapi3().into_generator().into_root_schema_for::<Call>();
    serde_json::to_value(root).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_travel_as_op_and_args_and_unknown_fields_are_reported() {
        let c = Call::TerminalAdd { institution: 3, label: None };
        assert_eq!(c.op(), "terminal_add");
        assert!(c.changes() && !Call::TerminalList.changes());
        let mut unknown = Vec::new();
        let back = Call::parse("terminal_add", serde_json::json!({ "institution": 3, "lable": "x" }), &mut unknown).unwrap();
        assert!(matches!(back, Call::TerminalAdd { institution: 3, label: None }));
        assert_eq!(unknown, vec!["lable".to_string()]);
        assert!(matches!(Call::parse("info", serde_json::Value::Null, &mut Vec::new()).unwrap(), Call::Info));
        assert_eq!(Call::parse("no_such_op", serde_json::Value::Null, &mut Vec::new()).unwrap_err().code, crate::Code::RequestMalformed);
        assert_eq!(
            Call::parse("person_get", serde_json::json!({ "id": "seven" }), &mut Vec::new()).unwrap_err().code,
            crate::Code::RequestMalformed
        );
        // Every variant is in the schema, under its name.
        let s = openapi_schema().to_string();
        for op in ["info", "person_list", "settle", "terminal_revoke", "dashboard"] {
            assert!(s.contains(&format!("\"{op}\"")), "{op}");
        }
    }
}
