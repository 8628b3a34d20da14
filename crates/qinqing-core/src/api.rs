//! The service interface (ARCHITECTURE.md): the operations a client may ask
//! of a ledger, as data. The local `Qinqing` answers a [`Call`] directly
//! ([`Qinqing::call`]); `qinqing-server` answers the same call over HTTP at
//! `POST /api/v1/{op}` with `args` as the JSON body; `qinqing-cli --server`
//! sends it there. One operation is one variant: the server's routes, its
//! OpenAPI document and the remote client all follow from this enum, and
//! each operation is one line into the rules (nothing is written twice).
//!
//! Every call is decided by the permission table for the actor asking
//! ([`crate::access::authz`]): a family device, a counter terminal and staff see
//! different parts of the ledger through the same operations.

use crate::access::audit::AuditQuery;
use crate::app::binding::{BindingQuery, MemberEntry};
use crate::app::person::{PersonEdit, PersonInput, PersonQuery};
use crate::app::premium::PremiumRequest;
use crate::app::report::TxQuery;
use crate::app::service::Qinqing;
use crate::app::settle::{AdmitRequest, AidQuery, AidRequest, FilingRequest, SettleRequest};
use crate::error::{Error, Result};
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
    /// Send the payer a one-time code for this bill (where the scenario's
    /// policy takes one: by default outpatient).
    SettleSendCode(SettleRequest),
    /// How each scenario's payments are confirmed (policy data).
    ConfirmPolicy,
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
    /// Correct a person's details (staff).
    PersonEdit { id: i64, edit: PersonEdit },
    /// Set a person's insurance status: active | suspended | lapsed (staff).
    PersonSetStatus { id: i64, status: String },
    /// Activate a person's electronic insurance voucher (医保电子凭证).
    VoucherActivate { id: i64 },
    /// A holder applies to bind a relative (by name, resident ID and relation).
    BindingApply { holder: i64, entry: MemberEntry },
    /// Submit a drafted application for review.
    BindingSubmit { id: i64 },
    /// Staff approve an application.
    BindingApprove { id: i64, staff: i64 },
    /// Staff reject an application, saying why.
    BindingReject { id: i64, staff: i64, reason: String },
    /// End a binding (the holder or the member).
    BindingUnbind { id: i64, by_person: i64 },
    /// One binding.
    BindingGet { id: i64 },
    /// Bindings of a holder and/or member, by status.
    BindingList(BindingQuery),
    /// 家庭共济: an employee authorizes a relative, signing the commitment letter.
    AidAuthorize(AidRequest),
    /// 家庭共济 relations of an authorizer and/or beneficiary.
    AidList(AidQuery),
    /// One relation.
    AidGet { id: i64 },
    /// Pause a relation.
    AidFreeze { id: i64 },
    /// Resume a paused relation (the authorizer, with their payment password).
    AidUnfreeze {
        id: i64,
        #[serde(default)]
        pay_password: Option<String>,
    },
    /// End a relation.
    AidRevoke { id: i64 },
    /// Set a relation's monthly cap (null: none); raising it needs the authorizer's payment password.
    AidSetCap {
        id: i64,
        #[serde(default)]
        cap_fen: Option<i64>,
        #[serde(default)]
        pay_password: Option<String>,
    },
    /// Set a relation's own online-pharmacy daily cap (null: none); raising it needs the authorizer's payment password.
    AidSetOnlineCap {
        id: i64,
        #[serde(default)]
        cap_fen: Option<i64>,
        #[serde(default)]
        pay_password: Option<String>,
    },
    /// Who pays a beneficiary's self-pay part, in paying order.
    AidPayers { beneficiary: i64 },
    /// 异地就医备案: file a cross-region treatment.
    FilingAdd(FilingRequest),
    /// A person's filings.
    FilingList {
        #[serde(default)]
        person: Option<i64>,
    },
    /// One filing.
    FilingGet { id: i64 },
    /// Cancel a filing.
    FilingCancel { id: i64 },
    /// 代缴: what paying a relative's premium would take.
    PremiumCheck(PremiumRequest),
    /// 代缴: pay a relative's resident-insurance premium from the payer's account.
    PremiumPay(PremiumRequest),
    /// Premium receipts of a person.
    PremiumList { person: i64 },
    /// The premium tiers of a region and year.
    PremiumTiers { region: String, year: i64 },
    /// One person's dashboard for a China year.
    PersonDashboard { person: i64, year: i32 },
    /// The transaction record (filters, pages).
    TxList(TxQuery),
    /// A member's annual statement.
    AnnualStatement { member: i64, year: i32 },
    /// One hospital stay.
    StayGet { id: i64 },
    /// Documents of a person (without their bytes).
    DocumentList {
        #[serde(default)]
        person: Option<i64>,
    },
    /// One document's record.
    DocumentGet { id: i64 },
    /// Messages sent to a person (the stand-in for SMS).
    Outbox { person: i64 },
    /// The staff register.
    StaffList,
    /// One staff member.
    StaffGet { id: i64 },
    /// Disable or enable a staff account (administrators).
    StaffSetActive { id: i64, active: bool },
    /// Lift a staff member's lock-out (administrators).
    StaffUnlock { id: i64 },
    /// Settings and their values.
    SettingList,
    /// Change a setting (administrators; range checked).
    SettingSet { key: String, value: String },
    /// The pooled fund's policy table.
    FundPolicies,
    /// Which relations each region allows.
    RegionPolicies,
    /// Requests the permission table refused.
    DeniedList {
        #[serde(default = "fifty")]
        limit: u32,
    },
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
    /// Start pairing a family computer with a holder (staff): a one-time code, valid 10 minutes.
    PairingStart { holder: i64 },
    /// The computers paired with a holder.
    DeviceList { holder: i64 },
    /// Unpair a computer (staff, or the household itself).
    DeviceRevoke { id: i64 },
    /// The commitment letter a holder signs for a binding.
    BindingLetter,
    /// The commitment letter an authorizer signs for 家庭共济.
    AidLetter,
    /// Attach an uploaded document to a drafted application.
    BindingAttach { id: i64, doc: i64 },
    /// The holder signs the commitment letter of an application.
    BindingSign { id: i64 },
    /// Staff compared the member's face with the ID card, in person.
    BindingFaceStaff { id: i64, staff: i64 },
    /// A photo of the member holding the ID card stands for the face check.
    BindingFaceEvidence { id: i64, doc: i64 },
    /// Send the member a code to confirm a binding from afar.
    BindingSendRemoteCode { id: i64 },
    /// The member's code confirms the binding.
    BindingConfirmRemote { id: i64, code: String },
    /// The child's parent activates the child's e-voucher once the binding is approved
    /// (at the kiosk, staff with the guardian present may do it on a draft).
    BindingGuardianVoucher { id: i64 },
    /// Staff confirm that the holder's household register attached to an application shows the member.
    BindingDocShowsMember { id: i64, doc: i64, staff: i64 },
    /// The holder ends a binding.
    BindingUnbindAsHolder { id: i64 },
    /// Set a person's payment password (typed twice); changing one needs the current one.
    PayPasswordSet {
        id: i64,
        password: String,
        again: String,
        #[serde(default)]
        current: Option<String>,
    },
    /// Whether a person has a payment password.
    PayPasswordIs { id: i64 },
    /// A person's full resident ID (audited).
    PersonRevealId { id: i64 },
    /// Staff compared the person with the ID card in person.
    PersonVerifyFace { id: i64, staff: i64 },
    /// Staff checked a holder's identity from uploaded ID card photos (front, back) and face.
    PersonRealNameCheck { id: i64, staff: i64 },
    /// Upload a document (a photo or a PDF, base64) of a person, optionally into an application.
    DocumentUpload {
        person: i64,
        kind: String,
        #[serde(default)]
        note: String,
        #[serde(default)]
        binding: Option<i64>,
        /// The file's bytes, base64 (at most 20 MB before encoding).
        data_base64: String,
    },
    /// A document as an image to show (a data: URL).
    DocumentImage { id: i64 },
    /// A document's thumbnail, if it has one.
    DocumentThumb { id: i64 },
    /// Delete an uploaded document (its owner's family).
    DocumentDelete { id: i64 },
    /// Staff accept or reject a document, saying why when rejecting.
    DocumentReview {
        id: i64,
        staff: i64,
        accept: bool,
        #[serde(default)]
        reason: String,
    },
    /// The transaction record as CSV text (UTF-8 with BOM).
    TxCsv(TxQuery),
    /// Add a staff member (administrators).
    StaffAdd { name: String, role: String, password: String, again: String },
    /// 代缴 of a given amount.
    PremiumPayAmount {
        payer: i64,
        beneficiary: i64,
        amount_fen: i64,
        year: i64,
        #[serde(default)]
        pay_password: Option<String>,
    },
    /// A holder applies to bind a registered person (by number) as a
    /// relative: the operator's own tools only (a household or staff types
    /// the member's name and ID number: `binding_apply`).
    BindingApplyMember { holder: i64, member: i64, relation: String },
    /// One setting and its value.
    SettingGet { key: String },
    /// The ledger's code-signing public key (Ed25519, hex), for counters that verify offline.
    PublicKey,
    /// Set which relations a region (prefix) allows, and how many relatives' premiums one payer may pay (administrators).
    RegionPolicySet {
        prefix: String,
        relations: Vec<String>,
        #[serde(default)]
        note: String,
        #[serde(default)]
        premium_max: Option<i64>,
    },
    /// Set the pooled fund's policy for a region (prefix), scenario and insurance (administrators).
    FundPolicySet {
        prefix: String,
        scenario: String,
        insurance: String,
        deductible_fen: i64,
        ratio_pct: i64,
        #[serde(default)]
        ceiling_fen: Option<i64>,
    },
    /// A document's stored bytes (base64), as uploaded after processing.
    DocumentBytes { id: i64 },
    /// Register one of the centre's kiosks (administrators): its key, shown once.
    KioskRegister {
        #[serde(default)]
        label: Option<String>,
    },
    /// The centre's kiosks.
    KioskList,
    /// This kiosk's sessions, after its inactivity rules (a kiosk's key).
    KioskState,
    /// Someone touched the kiosk's screen: its sessions stay alive.
    KioskTouch,
    /// A staff member logs in at this kiosk.
    KioskLogin { staff: i64, password: String },
    /// The staff member at this kiosk logs out (a resident session ends too).
    KioskLogout,
    /// Staff start serving a resident after comparing them with their ID card in person.
    KioskStartResident { resident_id: String, attested: bool },
    /// End the resident session; the staff log-in is locked with it.
    KioskEndResident,
    /// An administrator's password lets this kiosk leave kiosk mode.
    KioskExit { admin: i64, password: String },
    /// Who the asker is to the ledger (`{"kind": "terminal", "institution": 1}`, …).
    WhoAmI,
}

impl Call {
    /// The operation's name, as in its path (`/api/v1/{op}`).
    pub fn op(&self) -> String {
        // (An upload is not written out whole just to read its name.)
        if matches!(self, Call::DocumentUpload { .. }) {
            return "document_upload".into();
        }
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
            Call::PersonAdd(_)
                | Call::PersonEdit { .. }
                | Call::PersonSetStatus { .. }
                | Call::VoucherActivate { .. }
                | Call::InstitutionAdd { .. }
                | Call::Settle(_)
                | Call::SettleSendCode(_)
                | Call::Admit(_)
                | Call::BindingApply { .. }
                | Call::BindingSubmit { .. }
                | Call::BindingApprove { .. }
                | Call::BindingReject { .. }
                | Call::BindingUnbind { .. }
                | Call::AidAuthorize(_)
                | Call::AidFreeze { .. }
                | Call::AidUnfreeze { .. }
                | Call::AidRevoke { .. }
                | Call::AidSetCap { .. }
                | Call::AidSetOnlineCap { .. }
                | Call::FilingAdd(_)
                | Call::FilingCancel { .. }
                | Call::PremiumPay(_)
                | Call::StaffSetActive { .. }
                | Call::StaffUnlock { .. }
                | Call::SettingSet { .. }
                | Call::TerminalAdd { .. }
                | Call::TerminalRevoke { .. }
                | Call::PairingStart { .. }
                | Call::DeviceRevoke { .. }
                | Call::BindingAttach { .. }
                | Call::BindingSign { .. }
                | Call::BindingFaceStaff { .. }
                | Call::BindingFaceEvidence { .. }
                | Call::BindingDocShowsMember { .. }
                | Call::PersonRealNameCheck { .. }
                | Call::BindingSendRemoteCode { .. }
                | Call::BindingConfirmRemote { .. }
                | Call::BindingGuardianVoucher { .. }
                | Call::BindingUnbindAsHolder { .. }
                | Call::PayPasswordSet { .. }
                | Call::PersonVerifyFace { .. }
                | Call::DocumentUpload { .. }
                | Call::DocumentDelete { .. }
                | Call::DocumentReview { .. }
                | Call::StaffAdd { .. }
                | Call::PremiumPayAmount { .. }
                | Call::BindingApplyMember { .. }
                | Call::RegionPolicySet { .. }
                | Call::FundPolicySet { .. }
                | Call::KioskRegister { .. }
                // A kiosk's sessions change with every one of its calls
                // (the inactivity rules end them): never answered from memory.
                | Call::KioskState
                | Call::KioskTouch
                | Call::KioskLogin { .. }
                | Call::KioskLogout
                | Call::KioskStartResident { .. }
                | Call::KioskEndResident
                | Call::KioskExit { .. }
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
        let empty = sent.as_ref().is_some_and(|a| a.as_object().is_some_and(|o| o.is_empty()));
        let call: Call = match serde_json::from_value(serde_json::Value::Object(doc)) {
            Ok(c) => c,
            // An operation without arguments also takes `{}`.
            Err(_) if empty => serde_json::from_value(serde_json::json!({ "op": op })).map_err(|e| Error::request_malformed(&e.to_string()))?,
            Err(e) => return Err(Error::request_malformed(&e.to_string())),
        };
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
            Call::SettleSendCode(r) => json(self.send_pay_code(&r)?),
            Call::ConfirmPolicy => json(self.confirm_policy()?),
            Call::StayList { institution, member, open } => json(self.list_stays(institution, member, open)?),
            Call::SettlementGet { id } => json(self.get_settlement(id)?),
            Call::SettlementList { member, limit } => json(self.list_settlements(member, limit)?),
            Call::QrIssue { member, holder } => json(self.issue_qr(member, holder)?),
            Call::QrVerify { token } => json(self.verify_qr(&token)?),
            Call::Dashboard { holder, year } => json(self.dashboard(holder, year)?),
            Call::AuditList(q) => json(self.audit_list(&q)?),
            Call::PersonEdit { id, edit } => json(self.edit_person(id, &edit)?),
            Call::PersonSetStatus { id, status } => json(self.set_status(id, &status)?),
            Call::VoucherActivate { id } => json(self.activate_voucher(id)?),
            Call::BindingApply { holder, entry } => json(self.apply_binding_entry(holder, &entry)?),
            Call::BindingSubmit { id } => json(self.submit_binding(id)?),
            Call::BindingApprove { id, staff } => json(self.approve_binding(id, staff)?),
            Call::BindingReject { id, staff, reason } => json(self.reject_binding(id, staff, &reason)?),
            Call::BindingUnbind { id, by_person } => json(self.unbind(id, by_person)?),
            Call::BindingGet { id } => json(self.get_binding(id)?),
            Call::BindingList(q) => json(self.list_bindings(&q)?),
            Call::AidAuthorize(r) => json(self.authorize_aid_request(&r)?),
            Call::AidList(q) => json(self.list_aid(&q)?),
            Call::AidGet { id } => json(self.get_aid(id)?),
            Call::AidFreeze { id } => json(self.freeze_aid(id)?),
            Call::AidUnfreeze { id, pay_password } => json(self.unfreeze_aid(id, pay_password.as_deref())?),
            Call::AidRevoke { id } => json(self.revoke_aid(id)?),
            Call::AidSetCap { id, cap_fen, pay_password } => json(self.set_aid_cap(id, cap_fen, pay_password.as_deref())?),
            Call::AidSetOnlineCap { id, cap_fen, pay_password } => json(self.set_aid_online_cap(id, cap_fen, pay_password.as_deref())?),
            Call::AidPayers { beneficiary } => json(self.aid_payers(beneficiary)?),
            Call::FilingAdd(r) => json(self.add_filing_request(&r)?),
            Call::FilingList { person } => json(self.list_filings(person)?),
            Call::FilingGet { id } => json(self.get_filing(id)?),
            Call::FilingCancel { id } => json(self.cancel_filing(id)?),
            Call::PremiumCheck(r) => json(self.premium_check(&r)?),
            Call::PremiumPay(r) => json(self.pay_premium_tier(&r)?),
            Call::PremiumList { person } => json(self.list_premiums(person)?),
            Call::PremiumTiers { region, year } => json(self.premium_tiers(&region, year)?),
            Call::PersonDashboard { person, year } => json(self.person_dashboard(person, year)?),
            Call::TxList(q) => json(self.tx_list(&q)?),
            Call::AnnualStatement { member, year } => self.annual_statement(member, year),
            Call::StayGet { id } => json(self.get_stay(id)?),
            Call::DocumentList { person } => json(self.list_documents(person)?),
            Call::DocumentGet { id } => json(self.get_document(id)?),
            Call::Outbox { person } => json(self.outbox(person)?),
            Call::StaffList => json(self.list_staff()?),
            Call::StaffGet { id } => json(self.staff_member(id)?),
            Call::StaffSetActive { id, active } => json(self.set_staff_active(id, active)?),
            Call::StaffUnlock { id } => json(self.unlock_staff(id)?),
            Call::SettingList => json(self.settings()?),
            Call::SettingSet { key, value } => json(self.set_setting(&key, &value)?),
            Call::FundPolicies => json(self.fund_policies()?),
            Call::RegionPolicies => json(self.region_policies()?),
            Call::DeniedList { limit } => json(self.denied_list(limit)?),
            Call::TerminalAdd { institution, label } => json(self.terminal_add(institution, label.as_deref())?),
            Call::TerminalList => json(self.terminal_list()?),
            Call::TerminalRevoke { id } => json(self.terminal_revoke(id)?),
            Call::PairingStart { holder } => json(self.pairing_start(holder)?),
            Call::DeviceList { holder } => json(self.device_list(holder)?),
            Call::DeviceRevoke { id } => json(self.device_revoke(id)?),
            Call::BindingLetter => json(self.binding_letter()),
            Call::AidLetter => json(crate::app::settle::aid_letter()),
            Call::BindingAttach { id, doc } => json(self.attach_document(id, doc)?),
            Call::BindingSign { id } => json(self.sign_letter(id)?),
            Call::BindingFaceStaff { id, staff } => json(self.verify_face_by_staff(id, staff)?),
            Call::BindingFaceEvidence { id, doc } => json(self.verify_face_by_evidence(id, doc)?),
            Call::BindingSendRemoteCode { id } => json(self.send_remote_code(id)?),
            Call::BindingConfirmRemote { id, code } => json(self.confirm_remote(id, &code)?),
            Call::BindingGuardianVoucher { id } => json(self.guardian_activate_voucher(id)?),
            Call::BindingDocShowsMember { id, doc, staff } => json(self.mark_shows_member(id, doc, staff)?),
            Call::BindingUnbindAsHolder { id } => json(self.unbind_as_holder(id)?),
            Call::PayPasswordSet { id, password, again, current } => json(self.change_pay_password(id, current.as_deref(), &password, &again).map(|()| true)?),
            Call::PayPasswordIs { id } => json(self.has_pay_password(id)?),
            Call::PersonRevealId { id } => json(self.reveal_resident_id(id)?),
            Call::PersonVerifyFace { id, staff } => json(self.verify_face_in_person(id, staff)?),
            Call::PersonRealNameCheck { id, staff } => json(self.check_real_name(id, staff)?),
            Call::DocumentUpload { person, kind, note, binding, data_base64 } => json(self.ingest_document(
                person,
                &kind,
                &crate::app::document::decode_upload(&data_base64, self.ingest_limits().max_bytes)?,
                &note,
                binding,
            )?),
            Call::DocumentImage { id } => json(self.document_image(id)?),
            Call::DocumentThumb { id } => json(self.document_thumb(id)?),
            Call::DocumentDelete { id } => json(self.delete_document(id)?),
            Call::DocumentReview { id, staff, accept, reason } => json(self.review_document(id, staff, accept, &reason)?),
            Call::TxCsv(q) => json(self.tx_csv(&q)?),
            Call::StaffAdd { name, role, password, again } => json(self.add_staff(&name, &role, &password, &again)?),
            Call::PremiumPayAmount { payer, beneficiary, amount_fen, year, pay_password } => {
                self.pay_premium(payer, beneficiary, amount_fen, year, pay_password.as_deref())
            }
            Call::BindingApplyMember { holder, member, relation } => json(self.apply_binding(holder, member, &relation)?),
            Call::SettingGet { key } => json(self.get_setting(&key)?),
            Call::PublicKey => {
                // Public by nature (counters verify codes with it): reference data.
                self.permit(crate::access::authz::Act::Reference)?;
                json(serde_json::json!({ "public_key": self.public_key_hex()?, "algorithm": "ed25519" }))
            }
            Call::RegionPolicySet { prefix, relations, note, premium_max } => {
                let rels = relations.iter().map(|r| crate::Relation::parse(r)).collect::<Result<Vec<_>>>()?;
                json(self.set_region_policy_full(&prefix, &rels, &note, premium_max)?)
            }
            Call::FundPolicySet { prefix, scenario, insurance, deductible_fen, ratio_pct, ceiling_fen } => {
                json(self.set_fund_policy(&prefix, &scenario, &insurance, crate::app::fund::FundPolicy { deductible_fen, ratio_pct, ceiling_fen })?)
            }
            Call::WhoAmI => json(self.actor_ref()),
            Call::KioskRegister { label } => json(self.kiosk_register(label.as_deref())?),
            Call::KioskList => json(self.kiosk_list()?),
            Call::KioskState => json(self.with_kiosk(|k, q| k.state(q))?),
            Call::KioskTouch => json(self.with_kiosk(|k, q| k.touch(q))?),
            Call::KioskLogin { staff, password } => json(self.with_kiosk(|k, q| k.login(q, staff, &password))?),
            Call::KioskLogout => json(self.with_kiosk(|k, q| k.logout(q))?),
            Call::KioskStartResident { resident_id, attested } => json(self.with_kiosk(|k, q| k.start_resident(q, &resident_id, attested))?),
            Call::KioskEndResident => json(self.with_kiosk(|k, q| k.end_resident(q))?),
            Call::KioskExit { admin, password } => json(self.with_kiosk(|k, q| k.authorize_exit(q, admin, &password).map(|()| true))?),
            Call::DocumentBytes { id } => {
                let (media, bytes) = self.document_bytes(id)?;
                json(serde_json::json!({ "document": self.get_document(id)?, "mime": media, "data_base64": crate::app::document::upload_bytes(&bytes)? }))
            }
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
        assert!(matches!(Call::parse("info", serde_json::json!({}), &mut Vec::new()).unwrap(), Call::Info));
        assert_eq!(Call::parse("info", serde_json::json!({ "x": 1 }), &mut Vec::new()).unwrap_err().code, crate::Code::RequestMalformed);
        assert_eq!(Call::parse("no_such_op", serde_json::Value::Null, &mut Vec::new()).unwrap_err().code, crate::Code::RequestMalformed);
        assert_eq!(Call::parse("person_get", serde_json::json!({ "id": "seven" }), &mut Vec::new()).unwrap_err().code, crate::Code::RequestMalformed);
        // Every variant is in the schema, under its name.
        let s = openapi_schema().to_string();
        for op in ["info", "person_list", "settle", "terminal_revoke", "dashboard"] {
            assert!(s.contains(&format!("\"{op}\"")), "{op}");
        }
    }
}
