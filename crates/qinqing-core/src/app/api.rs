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

/// Declares the operations once. Each line is one operation: whether it
/// changes the ledger (`write`) or not (`read`), its name as it travels
/// (`settle`), its variant of [`Call`] with the arguments, and what the
/// ledger does — one line into the rules. From it come [`Call`] (and so the
/// server's routes and its OpenAPI document, and the remote client),
/// [`Call::op`], [`Call::changes`], [`Qinqing::call`], [`OPERATIONS`], and
/// [`for_each_operation!`], from which the window makes one Tauri command
/// per operation (and the CLI's `op` subcommand dispatches any of them).
macro_rules! operations {
    (@changes write) => { true };
    (@changes read) => { false };
    ($d:tt $q:ident; $( $(#[$m:meta])* $kind:ident $op:ident = $V:ident $( ( $b:ident : $t:ty ) )? $( { $( $(#[$fm:meta])* $f:ident : $ft:ty ),* $(,)? } )? => $body:expr ; )* ) => {
        /// One operation and its arguments: `{"op": "settle", "args": {…}}`.
        #[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
        #[serde(tag = "op", content = "args", rename_all = "snake_case")]
        pub enum Call {
            $( $(#[$m])* $V $( ($t) )? $( { $( $(#[$fm])* $f: $ft ),* } )? , )*
        }

        /// Every operation's name, in the order declared.
        pub const OPERATIONS: &[&str] = &[ $( stringify!($op) ),* ];

        impl Call {
            /// The operation's name as it travels (`"settle"`).
            pub fn op(&self) -> &'static str {
                match self { $( Call::$V { .. } => stringify!($op), )* }
            }

            /// Whether the operation changes the ledger, as declared (a
            /// client never repeats a change on its own after a lost answer
            /// unless the operation is idempotent, as settlement is by bill
            /// number). Every operation says which, so none counts as a
            /// read by being forgotten.
            pub fn changes(&self) -> bool {
                match self { $( Call::$V { .. } => operations!(@changes $kind), )* }
            }
        }

        impl Qinqing {
            /// Answer one call as the current actor: the JSON the operation returns.
            pub fn call(&mut self, call: Call) -> Result<serde_json::Value> {
                let $q = self;
                match call {
                    $( Call::$V $( ($b) )? $( { $( $f ),* } )? => $body, )*
                }
            }
        }

        /// `for_each_operation!(m)` expands to `m! { info person_list … }`:
        /// every operation's name, for a face to make its commands from.
        #[macro_export]
        macro_rules! for_each_operation {
            ($d cb:ident) => { $d cb! { $( $op )* } };
        }
    };
}

operations! { $ q;
    /// What this ledger is: backend, versions, counts.
    read info = Info => json(q.info()?);
    /// The register of insured persons (resident IDs masked).
    read person_list = PersonList(query: PersonQuery) => json(q.list_persons(&query)?);
    /// One person.
    read person_get = PersonGet { id: i64 } => json(q.get_person(id)?);
    /// Register a person (staff).
    write person_add = PersonAdd(p: PersonInput) => json(q.add_person(&p)?);
    /// Designated medical institutions.
    read institution_list = InstitutionList => json(q.list_institutions()?);
    /// Add or update an institution (administrators).
    write institution_add = InstitutionAdd { name: String, region: String, #[serde(default)] designated: bool, #[serde(default)] networked: bool } => json(q.add_institution(&name, &region, designated, networked)?);
    /// Settle a scanned code at a counter (its institution's terminal).
    write settle = Settle(r: SettleRequest) => json(q.settle(&r)?);
    /// Send the payer a one-time code for this bill (where the scenario's
    /// policy takes one: by default outpatient).
    write settle_send_code = SettleSendCode(r: SettleRequest) => json(q.send_pay_code(&r)?);
    /// How each scenario's payments are confirmed (policy data).
    read confirm_policy = ConfirmPolicy => json(q.confirm_policy()?);
    /// 住院: the member's code opens a stay at this institution.
    write admit = Admit(r: AdmitRequest) => json(q.admit(&r)?);
    /// Stays at an institution and/or of a member, newest first.
    read stay_list = StayList { #[serde(default)] institution: Option<i64>, #[serde(default)] member: Option<i64>, #[serde(default)] open: bool } => json(q.list_stays(institution, member, open)?);
    /// One settlement.
    read settlement_get = SettlementGet { id: i64 } => json(q.get_settlement(id)?);
    /// A member's settlements, newest first.
    read settlement_list = SettlementList { #[serde(default)] member: Option<i64>, #[serde(default = "fifty")] limit: u32 } => json(q.list_settlements(member, limit)?);
    /// A member's dynamic insurance code (医保码), shown by the member or a holder.
    read qr_issue = QrIssue { member: i64, #[serde(default)] holder: Option<i64> } => json(q.issue_qr(member, holder)?);
    /// Check a scanned code without using it.
    read qr_verify = QrVerify { token: String } => json(q.verify_qr(&token)?);
    /// A family's spending dashboard for a China year.
    read dashboard = Dashboard { holder: i64, year: i32 } => json(q.dashboard(holder, year)?);
    /// The audit trail, newest first.
    read audit_list = AuditList(query: AuditQuery) => json(q.audit_list(&query)?);
    /// Correct a person's details (staff).
    write person_edit = PersonEdit { id: i64, edit: PersonEdit } => json(q.edit_person(id, &edit)?);
    /// Set a person's insurance status: active | suspended | lapsed (staff).
    write person_set_status = PersonSetStatus { id: i64, status: String } => json(q.set_status(id, &status)?);
    /// Activate a person's electronic insurance voucher (医保电子凭证).
    write voucher_activate = VoucherActivate { id: i64 } => json(q.activate_voucher(id)?);
    /// A holder applies to bind a relative (by name, resident ID and relation).
    write binding_apply = BindingApply { holder: i64, entry: MemberEntry } => json(q.apply_binding_entry(holder, &entry)?);
    /// Submit a drafted application for review.
    write binding_submit = BindingSubmit { id: i64 } => json(q.submit_binding(id)?);
    /// Staff approve an application.
    write binding_approve = BindingApprove { id: i64, staff: i64 } => json(q.approve_binding(id, staff)?);
    /// Staff reject an application, saying why.
    write binding_reject = BindingReject { id: i64, staff: i64, reason: String } => json(q.reject_binding(id, staff, &reason)?);
    /// End a binding (the holder or the member).
    write binding_unbind = BindingUnbind { id: i64, by_person: i64 } => json(q.unbind(id, by_person)?);
    /// One binding.
    read binding_get = BindingGet { id: i64 } => json(q.get_binding(id)?);
    /// Bindings of a holder and/or member, by status.
    read binding_list = BindingList(query: BindingQuery) => json(q.list_bindings(&query)?);
    /// 家庭共济: an employee authorizes a relative, signing the commitment letter.
    write aid_authorize = AidAuthorize(r: AidRequest) => json(q.authorize_aid_request(&r)?);
    /// 家庭共济 relations of an authorizer and/or beneficiary.
    read aid_list = AidList(query: AidQuery) => json(q.list_aid(&query)?);
    /// One relation.
    read aid_get = AidGet { id: i64 } => json(q.get_aid(id)?);
    /// Pause a relation.
    write aid_freeze = AidFreeze { id: i64 } => json(q.freeze_aid(id)?);
    /// Resume a paused relation (the authorizer, with their payment password).
    write aid_unfreeze = AidUnfreeze { id: i64, #[serde(default)] pay_password: Option<String> } => json(q.unfreeze_aid(id, pay_password.as_deref())?);
    /// End a relation.
    write aid_revoke = AidRevoke { id: i64 } => json(q.revoke_aid(id)?);
    /// Set a relation's monthly cap (null: none); raising it needs the authorizer's payment password.
    write aid_set_cap = AidSetCap { id: i64, #[serde(default)] cap_fen: Option<i64>, #[serde(default)] pay_password: Option<String> } => json(q.set_aid_cap(id, cap_fen, pay_password.as_deref())?);
    /// Set a relation's own online-pharmacy daily cap (null: none); raising it needs the authorizer's payment password.
    write aid_set_online_cap = AidSetOnlineCap { id: i64, #[serde(default)] cap_fen: Option<i64>, #[serde(default)] pay_password: Option<String> } => json(q.set_aid_online_cap(id, cap_fen, pay_password.as_deref())?);
    /// Who pays a beneficiary's self-pay part, in paying order.
    read aid_payers = AidPayers { beneficiary: i64 } => json(q.aid_payers(beneficiary)?);
    /// 异地就医备案: file a cross-region treatment.
    write filing_add = FilingAdd(r: FilingRequest) => json(q.add_filing_request(&r)?);
    /// A person's filings.
    read filing_list = FilingList { #[serde(default)] person: Option<i64> } => json(q.list_filings(person)?);
    /// One filing.
    read filing_get = FilingGet { id: i64 } => json(q.get_filing(id)?);
    /// Cancel a filing.
    write filing_cancel = FilingCancel { id: i64 } => json(q.cancel_filing(id)?);
    /// 代缴: what paying a relative's premium would take.
    read premium_check = PremiumCheck(r: PremiumRequest) => json(q.premium_check(&r)?);
    /// 代缴: pay a relative's resident-insurance premium from the payer's account.
    write premium_pay = PremiumPay(r: PremiumRequest) => json(q.pay_premium_tier(&r)?);
    /// Premium receipts of a person.
    read premium_list = PremiumList { person: i64 } => json(q.list_premiums(person)?);
    /// The premium tiers of a region and year.
    read premium_tiers = PremiumTiers { region: String, year: i64 } => json(q.premium_tiers(&region, year)?);
    /// One person's dashboard for a China year.
    read person_dashboard = PersonDashboard { person: i64, year: i32 } => json(q.person_dashboard(person, year)?);
    /// The transaction record (filters, pages).
    read tx_list = TxList(query: TxQuery) => json(q.tx_list(&query)?);
    /// A member's annual statement.
    read annual_statement = AnnualStatement { member: i64, year: i32 } => q.annual_statement(member, year);
    /// One hospital stay.
    read stay_get = StayGet { id: i64 } => json(q.get_stay(id)?);
    /// Documents of a person (without their bytes).
    read document_list = DocumentList { #[serde(default)] person: Option<i64> } => json(q.list_documents(person)?);
    /// One document's record.
    read document_get = DocumentGet { id: i64 } => json(q.get_document(id)?);
    /// Messages sent to a person (the stand-in for SMS).
    read outbox = Outbox { person: i64 } => json(q.outbox(person)?);
    /// The staff register.
    read staff_list = StaffList => json(q.list_staff()?);
    /// One staff member.
    read staff_get = StaffGet { id: i64 } => json(q.staff_member(id)?);
    /// Disable or enable a staff account (administrators).
    write staff_set_active = StaffSetActive { id: i64, active: bool } => json(q.set_staff_active(id, active)?);
    /// Lift a staff member's lock-out (administrators).
    write staff_unlock = StaffUnlock { id: i64 } => json(q.unlock_staff(id)?);
    /// Settings and their values.
    read setting_list = SettingList => json(q.settings()?);
    /// Change a setting (administrators; range checked).
    write setting_set = SettingSet { key: String, value: String } => json(q.set_setting(&key, &value)?);
    /// The pooled fund's policy table.
    read fund_policies = FundPolicies => json(q.fund_policies()?);
    /// Which relations each region allows.
    read region_policies = RegionPolicies => json(q.region_policies()?);
    /// Requests the permission table refused.
    read denied_list = DeniedList { #[serde(default = "fifty")] limit: u32 } => json(q.denied_list(limit)?);
    /// Issue a key to an institution's counter terminal (administrators); shown once.
    write terminal_add = TerminalAdd { institution: i64, #[serde(default)] label: Option<String> } => json(q.terminal_add(institution, label.as_deref())?);
    /// Every terminal key issued (without the keys).
    read terminal_list = TerminalList => json(q.terminal_list()?);
    /// Revoke a terminal key.
    write terminal_revoke = TerminalRevoke { id: i64 } => json(q.terminal_revoke(id)?);
    /// Start pairing a family computer with a holder (staff): a one-time code, valid 10 minutes.
    write pairing_start = PairingStart { holder: i64 } => json(q.pairing_start(holder)?);
    /// The computers paired with a holder.
    read device_list = DeviceList { holder: i64 } => json(q.device_list(holder)?);
    /// Unpair a computer (staff, or the household itself).
    write device_revoke = DeviceRevoke { id: i64 } => json(q.device_revoke(id)?);
    /// The commitment letter a holder signs for a binding.
    read binding_letter = BindingLetter => json(q.binding_letter());
    /// The commitment letter an authorizer signs for 家庭共济.
    read aid_letter = AidLetter => json(crate::app::settle::aid_letter());
    /// Attach an uploaded document to a drafted application.
    write binding_attach = BindingAttach { id: i64, doc: i64 } => json(q.attach_document(id, doc)?);
    /// The holder signs the commitment letter of an application.
    write binding_sign = BindingSign { id: i64 } => json(q.sign_letter(id)?);
    /// Staff compared the member's face with the ID card, in person.
    write binding_face_staff = BindingFaceStaff { id: i64, staff: i64 } => json(q.verify_face_by_staff(id, staff)?);
    /// A photo of the member holding the ID card stands for the face check.
    write binding_face_evidence = BindingFaceEvidence { id: i64, doc: i64 } => json(q.verify_face_by_evidence(id, doc)?);
    /// Send the member a code to confirm a binding from afar.
    write binding_send_remote_code = BindingSendRemoteCode { id: i64 } => json(q.send_remote_code(id)?);
    /// The member's code confirms the binding.
    write binding_confirm_remote = BindingConfirmRemote { id: i64, code: String } => json(q.confirm_remote(id, &code)?);
    /// The child's parent activates the child's e-voucher once the binding is approved
    /// (at the kiosk, staff with the guardian present may do it on a draft).
    write binding_guardian_voucher = BindingGuardianVoucher { id: i64 } => json(q.guardian_activate_voucher(id)?);
    /// Staff confirm that the holder's household register attached to an application shows the member.
    write binding_doc_shows_member = BindingDocShowsMember { id: i64, doc: i64, staff: i64 } => json(q.mark_shows_member(id, doc, staff)?);
    /// The holder ends a binding.
    write binding_unbind_as_holder = BindingUnbindAsHolder { id: i64 } => json(q.unbind_as_holder(id)?);
    /// Set a person's payment password (typed twice); changing one needs the current one.
    write pay_password_set = PayPasswordSet { id: i64, password: String, again: String, #[serde(default)] current: Option<String> } => json(q.change_pay_password(id, current.as_deref(), &password, &again).map(|()| true)?);
    /// Whether a person has a payment password.
    read pay_password_is = PayPasswordIs { id: i64 } => json(q.has_pay_password(id)?);
    /// A person's full resident ID (audited).
    read person_reveal_id = PersonRevealId { id: i64 } => json(q.reveal_resident_id(id)?);
    /// Staff compared the person with the ID card in person.
    write person_verify_face = PersonVerifyFace { id: i64, staff: i64 } => json(q.verify_face_in_person(id, staff)?);
    /// Staff checked a holder's identity from uploaded ID card photos (front, back) and face.
    write person_real_name_check = PersonRealNameCheck { id: i64, staff: i64 } => json(q.check_real_name(id, staff)?);
    /// Upload a document (a photo or a PDF, base64) of a person, optionally into an application.
    write document_upload = DocumentUpload { person: i64, kind: String, #[serde(default)] note: String, #[serde(default)] binding: Option<i64>, #[doc = "The file's bytes, base64 (at most 20 MB before encoding)."] data_base64: String } => json(q.ingest_document(
                person,
                &kind,
                &crate::app::document::decode_upload(&data_base64, q.ingest_limits().max_bytes)?,
                &note,
                binding,
            )?);
    /// A document as an image to show (a data: URL).
    read document_image = DocumentImage { id: i64 } => json(q.document_image(id)?);
    /// A document's thumbnail, if it has one.
    read document_thumb = DocumentThumb { id: i64 } => json(q.document_thumb(id)?);
    /// Delete an uploaded document (its owner's family).
    write document_delete = DocumentDelete { id: i64 } => json(q.delete_document(id)?);
    /// Staff accept or reject a document, saying why when rejecting.
    write document_review = DocumentReview { id: i64, staff: i64, accept: bool, #[serde(default)] reason: String } => json(q.review_document(id, staff, accept, &reason)?);
    /// The transaction record as CSV text (UTF-8 with BOM).
    read tx_csv = TxCsv(query: TxQuery) => json(q.tx_csv(&query)?);
    /// Add a staff member (administrators).
    write staff_add = StaffAdd { name: String, role: String, password: String, again: String } => json(q.add_staff(&name, &role, &password, &again)?);
    /// 代缴 of a given amount.
    write premium_pay_amount = PremiumPayAmount { payer: i64, beneficiary: i64, amount_fen: i64, year: i64, #[serde(default)] pay_password: Option<String> } => {
                q.pay_premium(payer, beneficiary, amount_fen, year, pay_password.as_deref())
            };
    /// A holder applies to bind a registered person (by number) as a
    /// relative: the operator's own tools only (a household or staff types
    /// the member's name and ID number: `binding_apply`).
    write binding_apply_member = BindingApplyMember { holder: i64, member: i64, relation: String } => json(q.apply_binding(holder, member, &relation)?);
    /// One setting and its value.
    read setting_get = SettingGet { key: String } => json(q.get_setting(&key)?);
    /// The ledger's code-signing public key (Ed25519, hex), for counters that verify offline.
    read public_key = PublicKey => {
                // Public by nature (counters verify codes with it): reference data.
                q.permit(crate::access::authz::Act::Reference)?;
                json(serde_json::json!({ "public_key": q.public_key_hex()?, "algorithm": "ed25519" }))
            };
    /// Set which relations a region (prefix) allows, and how many relatives' premiums one payer may pay (administrators).
    write region_policy_set = RegionPolicySet { prefix: String, relations: Vec<String>, #[serde(default)] note: String, #[serde(default)] premium_max: Option<i64> } => {
                let rels = relations.iter().map(|r| crate::Relation::parse(r)).collect::<Result<Vec<_>>>()?;
                json(q.set_region_policy_full(&prefix, &rels, &note, premium_max)?)
            };
    /// Set the pooled fund's policy for a region (prefix), scenario and insurance (administrators).
    write fund_policy_set = FundPolicySet { prefix: String, scenario: String, insurance: String, deductible_fen: i64, ratio_pct: i64, #[serde(default)] ceiling_fen: Option<i64> } => {
                json(q.set_fund_policy(&prefix, &scenario, &insurance, crate::app::fund::FundPolicy { deductible_fen, ratio_pct, ceiling_fen })?)
            };
    /// A document's stored bytes (base64), as uploaded after processing.
    read document_bytes = DocumentBytes { id: i64 } => {
                let (media, bytes) = q.document_bytes(id)?;
                json(serde_json::json!({ "document": q.get_document(id)?, "mime": media, "data_base64": crate::app::document::upload_bytes(&bytes)? }))
            };
    /// Register one of the centre's kiosks (administrators): its key, shown once.
    write kiosk_register = KioskRegister { #[serde(default)] label: Option<String> } => json(q.kiosk_register(label.as_deref())?);
    /// The centre's kiosks.
    read kiosk_list = KioskList => json(q.kiosk_list()?);
    /// This kiosk's sessions, after its inactivity rules (a kiosk's key).
    write kiosk_state = KioskState => json(q.with_kiosk(|k, q| k.state(q))?);
    /// Someone touched the kiosk's screen: its sessions stay alive.
    write kiosk_touch = KioskTouch => json(q.with_kiosk(|k, q| k.touch(q))?);
    /// A staff member logs in at this kiosk.
    write kiosk_login = KioskLogin { staff: i64, password: String } => json(q.with_kiosk(|k, q| k.login(q, staff, &password))?);
    /// The staff member at this kiosk logs out (a resident session ends too).
    write kiosk_logout = KioskLogout => json(q.with_kiosk(|k, q| k.logout(q))?);
    /// Staff start serving a resident after comparing them with their ID card in person.
    write kiosk_start_resident = KioskStartResident { resident_id: String, attested: bool } => json(q.with_kiosk(|k, q| k.start_resident(q, &resident_id, attested))?);
    /// End the resident session; the staff log-in is locked with it.
    write kiosk_end_resident = KioskEndResident => json(q.with_kiosk(|k, q| k.end_resident(q))?);
    /// An administrator's password lets this kiosk leave kiosk mode.
    write kiosk_exit = KioskExit { admin: i64, password: String } => json(q.with_kiosk(|k, q| k.authorize_exit(q, admin, &password).map(|()| true))?);
    /// Who the asker is to the ledger (`{"kind": "terminal", "institution": 1}`, …).
    read who_am_i = WhoAmI => json(q.actor_ref());
    /// Everything the ledger holds about one person, their documents' bytes in
    /// base64 (issue 35): the person themselves, a parent for a child under
    /// 16, or an administrator. `write`: each export is recorded in the audit
    /// trail, and one is never answered from a client's memory.
    write person_export = PersonExport { id: i64 } => json(q.export_person(id)?);
    /// Erase a person's documents and identifying data, keeping the ledger's
    /// amounts under a pseudonym (administrators, with a reason that does not name them).
    write person_erase = PersonErase { id: i64, reason: String } => json(q.erase_person(id, &reason)?);
    /// The documents the retention rule would purge now, and why the rest stay (administrators).
    read document_purge_plan = DocumentPurgePlan { #[serde(default = "fifty")] limit: u32 } => json(q.document_purge_plan(limit)?);
    /// Purge due documents, at most `limit`, from after document `after`; call
    /// again with the answer's `next` until it is null (administrators; audited).
    write document_purge = DocumentPurge { #[serde(default = "fifty")] limit: u32, #[serde(default)] after: Option<i64> } => json(q.purge_documents(limit, after)?);
    // A kiosk's sessions change with every one of its calls (the
    // inactivity rules end them): the kiosk operations above are `write`,
    // never answered from memory.
}

impl Call {
    /// The call named `op` with `args`, as a face takes it from someone
    /// (the window's page, the CLI's `op`): a field the operation does not
    /// know is refused (`REQUEST_MALFORMED`), as the server refuses it.
    pub fn from_args(op: &str, args: serde_json::Value) -> Result<Call> {
        let mut unknown = Vec::new();
        let call = Call::parse(op, args, &mut unknown)?;
        if !unknown.is_empty() {
            return Err(Error::request_malformed(&format!("unknown fields: {}", unknown.join(", "))));
        }
        Ok(call)
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
        // Every variant is in the schema, under the name it is declared with
        // (serde's name for the variant and the declared name agree).
        let schema = openapi_schema();
        let travels: std::collections::BTreeSet<String> = schema["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|v| v["properties"]["op"]["enum"].as_array().cloned().unwrap_or_default())
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let declared: std::collections::BTreeSet<String> = OPERATIONS.iter().map(|s| s.to_string()).collect();
        assert_eq!(travels, declared);
        assert_eq!(declared.len(), OPERATIONS.len(), "no name declared twice");
        assert!(OPERATIONS.len() > 100);
        assert_eq!(Call::Settle(Default::default()).op(), "settle");
        assert!(Call::KioskState.changes() && !Call::WhoAmI.changes());
    }
}
