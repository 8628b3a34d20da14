//! `qinqing-cli`: the Qinqing ledger from the command line. Each subcommand is
//! a one-line call into `qinqing-core`; this file only parses and prints.
//!
//! Exit codes: 0 ok, 2 usage, 3 refused by a rule (or not found), 1 internal.

use clap::{Args, Parser, Subcommand};
use qinqing_core::api::Call;
use qinqing_core::audit::AuditQuery;
use qinqing_core::credential::{Session, TerminalKey};
use qinqing_core::idcheck::{self, IdCheck};
use qinqing_core::time::{Clock, SystemClock};
use qinqing_core::report::TxQuery;
use qinqing_core::settle::{AidQuery, SettleRequest, Settlement};
use qinqing_core::{db, time, BindingQuery, Error, Kind, Person, PersonEdit, PersonInput, PersonQuery, Qinqing};
use serde::Serialize;
use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use unicode_width::UnicodeWidthStr;

#[derive(Parser, Debug)]
#[command(name = "qinqing-cli", version, about = "亲情医保 Qinqing — command-line access to the family insurance ledger")]
struct Cli {
    /// Database file (default: $QINQING_DB, else the app-data directory shared with the app).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Print one JSON document on stdout; errors as {"error":{…}} on stderr.
    #[arg(long, global = true)]
    json: bool,
    /// Log each operation (its duration, its error code) to stderr; RUST_LOG sets the level.
    #[arg(short = 'v', long, global = true)]
    verbose: bool,
    /// Language of messages and labels.
    #[arg(long, global = true, value_parser = ["zh", "en"], default_value = "zh")]
    lang: String,
    /// A service centre's server (https://…): run the command there, as the
    /// holder of --token, instead of on a local ledger ($QINQING_SERVER).
    #[arg(long, global = true, env = "QINQING_SERVER", value_name = "URL")]
    server: Option<String>,
    /// The bearer token for --server: a staff session (from `login`) or a
    /// counter terminal's key ($QINQING_TOKEN).
    #[arg(long, global = true, env = "QINQING_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The certificate authority (PEM) of the server's TLS certificate, when
    /// it is not a public one ($QINQING_SERVER_CA).
    #[arg(long, global = true, env = "QINQING_SERVER_CA", value_name = "FILE")]
    server_ca: Option<PathBuf>,
    /// Pretend it is this instant (RFC 3339). Debug and test builds only.
    #[cfg(debug_assertions)]
    #[arg(long, global = true, value_name = "RFC3339")]
    now: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Database path, schema version, counts.
    Info,
    /// The register of insured persons.
    #[command(subcommand)]
    Person(PersonCmd),
    /// Resident ID numbers.
    #[command(subcommand)]
    Id(IdCmd),
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCmd),
    /// The audit trail (newest first).
    #[command(subcommand)]
    Audit(AuditCmd),
    /// 亲情账户: bind family members to a holder's account.
    #[command(subcommand)]
    Bind(BindCmd),
    /// The staff register of the service centre.
    #[command(subcommand)]
    Staff(StaffCmd),
    /// Documents brought for binding (household register, birth certificate, …).
    #[command(subcommand)]
    Doc(DocCmd),
    /// Regional policy: which relations a region allows.
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// Create the database and the installation's signing key if missing.
    Init,
    /// The installation's QR signing key.
    #[command(subcommand)]
    Key(KeyCmd),
    /// Dynamic insurance QR codes (医保码).
    #[command(subcommand)]
    Qr(QrCmd),
    /// Settle a bill at a designated institution with a scanned code (inpatient: --stay, no code).
    Settle(SettleArgs),
    /// 住院: admission with the member's code opens a stay; discharge settles it.
    #[command(subcommand)]
    Stay(StayCmd),
    /// Settings an administrator may change (ranges checked, audited).
    #[command(subcommand)]
    Setting(SettingCmd),
    /// The pooled fund's policy: deductible, ratio and ceiling per region, scenario, insurance.
    #[command(subcommand)]
    Fund(FundCmd),
    /// What this installation of the desktop app is: demo | household --holder N | terminal --institution N.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Requests the permission table refused (who, what, when).
    Denied {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Messages sent to a person (the stand-in for SMS): e.g. a remote-confirmation code.
    #[command(subcommand)]
    Outbox(OutboxCmd),
    /// 家庭共济: share an employee's personal account with relatives.
    #[command(subcommand)]
    Aid(AidCmd),
    /// 代缴: pay a relative's resident-insurance premium.
    #[command(subcommand)]
    Premium(PremiumCmd),
    /// 异地就医备案: cross-region treatment filings.
    #[command(subcommand)]
    Filing(FilingCmd),
    /// Designated medical institutions.
    #[command(subcommand)]
    Institution(InstitutionCmd),
    /// Counter-terminal keys of the centre's service (administrators).
    #[command(subcommand)]
    Terminal(TerminalCmd),
    /// Pairing family computers with a holder (staff start; the family app pairs).
    #[command(subcommand)]
    Pairing(PairingCmd),
    /// On a family computer: redeem the one-time code staff gave; prints the
    /// device's token (under `token`), which acts for that household only.
    Pair {
        /// The code, e.g. ABCD-EFGH.
        #[arg(long)]
        code: String,
        #[arg(long)]
        label: Option<String>,
        /// This computer's Ed25519 public key (64 hex characters).
        #[arg(long)]
        public_key: Option<String>,
    },
    /// A staff member logs in (the password is read from stdin): a session
    /// token (with --server: on the service centre's server).
    Login {
        #[arg(long)]
        staff: i64,
    },
    /// End the session of --token on the server (--server).
    Logout,
    /// Copy the database (online, the app may run) to OUT.
    Backup { out: PathBuf },
    /// Replace the database's content with a backup.
    Restore { backup: PathBuf },
    /// Move this whole ledger (rows, documents, signing key) into an empty
    /// PostgreSQL database, checked by counts and sums before it commits.
    Export {
        /// The target, postgres://user@host/database
        #[arg(long)]
        to: PathBuf,
    },
    /// Reports: the yearly spending of a person or a family.
    #[command(subcommand)]
    Report(ReportCmd),
    /// The transaction record (交易记录).
    #[command(subcommand)]
    Tx(TxCmd),
    /// Settlements, newest first.
    Settlements {
        #[arg(long)]
        member: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Subcommand, Debug)]
enum ReportCmd {
    /// This year's (or --year's) spending: by fund source, scenario, month.
    Year {
        #[arg(long, conflicts_with = "family", required_unless_present = "family")]
        person: Option<i64>,
        /// The holder whose family to report on.
        #[arg(long)]
        family: Option<i64>,
        #[arg(long)]
        year: Option<i32>,
        /// Write the year's transaction record as CSV (UTF-8 with BOM).
        #[arg(long)]
        csv: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum TxCmd {
    List {
        #[arg(long)]
        member: Option<i64>,
        #[arg(long)]
        family: Option<i64>,
        /// YYYY-MM-DD (China time), inclusive
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        scenario: Option<String>,
        #[arg(long)]
        institution: Option<i64>,
        /// fund | own_account | family_aid | cash
        #[arg(long)]
        source: Option<String>,
        #[arg(long, default_value_t = 1)]
        page: u32,
        #[arg(long, default_value_t = 50)]
        page_size: u32,
        /// Write all matching rows as CSV (UTF-8 with BOM) instead.
        #[arg(long)]
        csv: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum KeyCmd {
    /// Print the public key (hex) that terminals use to verify codes offline.
    Export,
}

#[derive(Subcommand, Debug)]
enum QrCmd {
    /// Issue a code (valid 60 s) for a member, shown by the member or a holder.
    Issue {
        #[arg(long)]
        member: i64,
        #[arg(long)]
        holder: Option<i64>,
        /// Also write the QR image as PNG.
        #[arg(long)]
        png: Option<PathBuf>,
        /// Also write the QR image as SVG.
        #[arg(long)]
        svg: Option<PathBuf>,
    },
    /// Check a code's signature and time; print what it says.
    Verify { code: String },
    /// A counter without a connection: check a code (the ledger's or a paired
    /// computer's) against the ledger's public key alone (`key export`), and
    /// its time. The ledger still decides at settlement.
    Check {
        code: String,
        /// The ledger's public key, hex.
        #[arg(long)]
        public_key: String,
    },
}

#[derive(Subcommand, Debug)]
enum StayCmd {
    /// Admission: the member's code (shown once) opens a stay.
    Admit {
        /// The member's scanned code.
        #[arg(long)]
        code: String,
        #[arg(long)]
        institution: i64,
        /// The hospital's admission number (住院号).
        #[arg(long)]
        admission: String,
        #[arg(long)]
        emergency: bool,
        /// Read the payer's payment password from stdin (one line).
        #[arg(long)]
        pay_password_stdin: bool,
        /// The cashier checked the patient's ID card and face in person.
        #[arg(long)]
        id_face_checked: bool,
    },
    /// Discharge: settle the stay's bill (no fresh code).
    Discharge {
        stay: i64,
        #[arg(long)]
        institution: i64,
        /// Total in fen.
        #[arg(long)]
        total: i64,
        #[arg(long)]
        bill: String,
    },
    List {
        #[arg(long)]
        institution: Option<i64>,
        #[arg(long)]
        member: Option<i64>,
        #[arg(long)]
        open: bool,
    },
}

#[derive(Subcommand, Debug)]
enum SettingCmd {
    List,
    Get { key: String },
    Set { key: String, value: String },
}

#[derive(Subcommand, Debug)]
enum FundCmd {
    List,
    /// Set a region prefix's policy ("" national, 2/4/6 digits) for one scenario and insurance type (money in fen).
    Set {
        prefix: String,
        #[arg(long)]
        scenario: String,
        #[arg(long)]
        insurance: String,
        #[arg(long)]
        deductible: i64,
        #[arg(long)]
        ratio: i64,
        /// Yearly ceiling on what the fund pays; omit for none.
        #[arg(long)]
        ceiling: Option<i64>,
    },
}

#[derive(Subcommand, Debug)]
enum DeviceCmd {
    /// Show the installation's role.
    Show,
    /// The all-in-one demo: every screen.
    Demo,
    /// A family's computer: this holder's family only.
    Household {
        #[arg(long)]
        holder: i64,
    },
    /// The counter of one institution.
    Terminal {
        #[arg(long)]
        institution: i64,
    },
}

#[derive(Subcommand, Debug)]
enum OutboxCmd {
    List {
        #[arg(long)]
        person: i64,
    },
}

#[derive(Args, Debug)]
struct SettleArgs {
    /// The scanned code (not for inpatient: use --stay).
    #[arg(long, default_value = "")]
    code: String,
    /// Inpatient: the stay opened at admission.
    #[arg(long)]
    stay: Option<i64>,
    #[arg(long)]
    institution: i64,
    /// outpatient | pharmacy | online_pharmacy | inpatient
    #[arg(long)]
    scenario: String,
    /// The bill's total, in fen.
    #[arg(long)]
    total: i64,
    /// The institution's bill number (a bill is charged once).
    #[arg(long)]
    bill: String,
    /// Emergency treatment without a cross-region filing (lower ratio).
    #[arg(long)]
    emergency: bool,
    /// Read the payer's 6-digit payment password from stdin (one line): the payer's confirmation.
    #[arg(long)]
    pay_password_stdin: bool,
}

#[derive(Subcommand, Debug)]
enum AidCmd {
    Authorize {
        #[arg(long)]
        authorizer: i64,
        #[arg(long)]
        beneficiary: i64,
        #[arg(long)]
        relation: String,
        #[arg(long, value_name = "FEN")]
        monthly_cap: Option<i64>,
    },
    /// Set the monthly cap in fen, or clear it with --none.
    Cap {
        aid: i64,
        #[arg(long, value_name = "FEN", required_unless_present = "none", allow_negative_numbers = true)]
        fen: Option<i64>,
        #[arg(long)]
        none: bool,
    },
    /// This relation's own online-pharmacy daily cap in fen (0–200000), or --none.
    OnlineCap {
        aid: i64,
        #[arg(long, value_name = "FEN", required_unless_present = "none", allow_negative_numbers = true)]
        fen: Option<i64>,
        #[arg(long)]
        none: bool,
    },
    /// The commitment letter the authorizer signs (text and hash).
    Letter,
    /// Who pays for a beneficiary, in paying order, with what is left this month.
    Payers { beneficiary: i64 },
    Freeze { aid: i64 },
    Unfreeze { aid: i64 },
    Revoke { aid: i64 },
    List {
        #[arg(long)]
        authorizer: Option<i64>,
        #[arg(long)]
        beneficiary: Option<i64>,
    },
}

#[derive(Subcommand, Debug)]
enum PremiumCmd {
    /// Pay: with --tier (and --region, the relative's insured region) the amount is the tier's; or --amount in fen.
    #[command(group(clap::ArgGroup::new("how").required(true).args(["tier", "amount"])))]
    Pay {
        #[arg(long)]
        payer: i64,
        #[arg(long)]
        beneficiary: i64,
        #[arg(long, value_name = "FEN")]
        amount: Option<i64>,
        #[arg(long)]
        tier: Option<String>,
        /// The relative's insured region (default: their record's).
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        year: i64,
    },
    /// 代缴信息校验: check everything, pay nothing.
    Check {
        #[arg(long)]
        payer: i64,
        #[arg(long)]
        beneficiary: i64,
        #[arg(long)]
        tier: String,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        year: i64,
    },
    /// Contribution tiers of an insured region in a year.
    Tiers {
        #[arg(long)]
        region: String,
        #[arg(long)]
        year: i64,
    },
    /// Premiums paid by or for a person, with their receipts.
    List {
        #[arg(long)]
        person: i64,
    },
}

#[derive(Subcommand, Debug)]
enum FilingCmd {
    Add {
        #[arg(long)]
        person: i64,
        #[arg(long)]
        region: String,
        /// long_term_residence | work | temporary
        #[arg(long, default_value = "temporary")]
        reason: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
    List {
        #[arg(long)]
        person: Option<i64>,
    },
    /// Cancel a filing (kept for the record; covers nothing from now on).
    #[command(alias = "expire")]
    Cancel { filing: i64 },
}

#[derive(Subcommand, Debug)]
enum TerminalCmd {
    /// Issue a key to one institution's counter terminal (shown once, as `key`).
    Add {
        #[arg(long)]
        institution: i64,
        #[arg(long)]
        label: Option<String>,
    },
    List,
    /// Revoke a terminal's key: its next request is refused.
    Revoke { id: i64 },
}

#[derive(Subcommand, Debug)]
enum PairingCmd {
    /// Staff: a one-time code (10 minutes) for the holder to type into the family app.
    Start {
        #[arg(long)]
        holder: i64,
    },
    /// The computers paired with a holder.
    List {
        #[arg(long)]
        holder: i64,
    },
    /// Unpair a computer (or a kiosk): its next request is refused.
    Revoke { id: i64 },
    /// Administrators: register one of the centre's kiosks; prints its key (under `token`) once.
    Kiosk {
        #[arg(long)]
        label: Option<String>,
    },
    /// The centre's registered kiosks.
    Kiosks,
}

#[derive(Subcommand, Debug)]
enum InstitutionCmd {
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        region: String,
        #[arg(long)]
        designated: bool,
        #[arg(long)]
        networked: bool,
    },
    List,
    /// Import name,region,designated,networked rows (all or nothing).
    Import { file: PathBuf },
}

#[derive(Subcommand, Debug)]
enum BindCmd {
    /// Start an application (a draft); prints it (JSON: an object with `id`).
    Apply {
        #[arg(long)]
        holder: i64,
        #[arg(long)]
        member: i64,
        /// spouse | parent | child | parent_in_law | grandparent | grandchild | sibling
        #[arg(long)]
        relation: String,
    },
    /// Attach a document to a draft.
    Attach {
        app: i64,
        #[arg(long)]
        doc: i64,
    },
    /// The holder signs the commitment letter (shown with `bind letter`).
    Sign { app: i64 },
    /// Record the member's face verification: attested in person by staff, or a face_capture document.
    #[command(group(clap::ArgGroup::new("how").required(true).args(["staff", "evidence"])))]
    VerifyFace {
        app: i64,
        #[arg(long)]
        staff: Option<i64>,
        #[arg(long)]
        evidence: Option<i64>,
    },
    /// Remote confirmation (member aged 60+), step 1: send the member a one-time code.
    SendRemoteCode { app: i64 },
    /// Remote confirmation, step 2: the code the member received and read out.
    ConfirmRemote {
        app: i64,
        #[arg(long)]
        code: String,
    },
    /// The holder, as guardian, activates the e-voucher of a member under 16.
    ActivateVoucher { app: i64 },
    /// Submit a complete draft for review (all rules are checked again).
    Submit { app: i64 },
    /// Staff approve a submitted application.
    Approve {
        app: i64,
        #[arg(long)]
        staff: i64,
    },
    /// Staff reject a submitted application with a reason.
    Reject {
        app: i64,
        #[arg(long)]
        staff: i64,
        #[arg(long)]
        reason: String,
    },
    /// The holder ends an active binding (effective at once).
    Unbind {
        binding: i64,
        #[arg(long)]
        by: i64,
    },
    /// One application or binding, with what it still needs.
    Show { app: i64 },
    /// Applications and bindings, newest first.
    List {
        #[arg(long)]
        holder: Option<i64>,
        #[arg(long)]
        member: Option<i64>,
        /// draft | submitted | active | rejected | unbound
        #[arg(long)]
        status: Option<String>,
    },
    /// The commitment letter's current text and version.
    Letter,
}

#[derive(Subcommand, Debug)]
enum StaffCmd {
    /// Add a staff member; the password is read twice from stdin (one per line).
    Add {
        #[arg(long)]
        name: String,
        /// admin | staff
        #[arg(long)]
        role: String,
    },
    List,
    /// Disable a staff account (it can no longer log in or act).
    Disable { staff: i64 },
    /// Enable a disabled staff account again.
    Enable { staff: i64 },
    /// Lift a lock-out and reset its escalation.
    Unlock { staff: i64 },
}

#[derive(Subcommand, Debug)]
enum DocCmd {
    /// Upload a document of a person from FILE (JPEG, PNG, WebP or PDF, by content).
    /// Images are turned upright, stripped of metadata, downscaled and re-encoded.
    Add {
        #[arg(long)]
        person: i64,
        /// hukou | birth_certificate | notarization | insurance_proof | medical_certificate |
        /// id_card_front | id_card_back | face_capture
        #[arg(long)]
        kind: String,
        file: PathBuf,
        /// Attach it to this draft binding application.
        #[arg(long)]
        application: Option<i64>,
        #[arg(long, default_value = "")]
        note: String,
    },
    List {
        #[arg(long)]
        person: Option<i64>,
    },
    Show {
        doc: i64,
    },
    /// Write the stored document to OUT (must not exist).
    Export {
        doc: i64,
        out: PathBuf,
    },
    /// Delete a document (its file and row; the audit entry remains).
    Rm {
        doc: i64,
    },
    /// Staff judge a document: accept, or reject with a reason.
    Review {
        doc: i64,
        #[arg(long)]
        staff: i64,
        /// accept | reject
        #[arg(value_parser = ["accept", "reject"])]
        verdict: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
}

#[derive(Subcommand, Debug)]
enum PolicyCmd {
    List,
    /// Set the relations a region (code prefix: "", 2, 4 or 6 digits) allows.
    Set {
        prefix: String,
        /// Comma-separated relation keys.
        #[arg(long, value_delimiter = ',')]
        relations: Vec<String>,
        #[arg(long, default_value = "")]
        note: String,
        /// 代缴: relatives one payer may pay premiums for per year (1–10).
        #[arg(long)]
        premium_max: Option<i64>,
    },
}

#[derive(Subcommand, Debug)]
enum PersonCmd {
    /// Register a person; prints the new id.
    Add(AddArgs),
    /// Change name, insurance, region, status or balance.
    Edit(EditArgs),
    /// Activate the person's e-voucher (医保电子凭证).
    Activate { pid: i64 },
    /// Set the person's 6-digit payment password: read twice from stdin (one per line).
    SetPayPassword { pid: i64 },
    /// Set the insurance status: active | suspended | lapsed.
    SetStatus { pid: i64, status: String },
    /// Set the personal-account balance, in fen.
    SetBalance {
        pid: i64,
        #[arg(allow_negative_numbers = true)]
        fen: i64,
    },
    /// List the register (IDs masked).
    List {
        /// Only names containing this text.
        #[arg(long)]
        name: Option<String>,
    },
    /// One person in full.
    Show { pid: i64 },
    /// A staff member compared the person with their ID card in person.
    VerifyFace {
        pid: i64,
        #[arg(long)]
        staff: i64,
    },
}

#[derive(Args, Debug)]
struct AddArgs {
    #[arg(long)]
    name: String,
    /// The 18-character resident ID number.
    #[arg(long = "id", value_name = "ID")]
    id: String,
    /// employee | resident
    #[arg(long)]
    insurance: String,
    /// Insured region: 2-, 4- or 6-digit division code.
    #[arg(long)]
    region: String,
    /// Personal-account balance in fen.
    #[arg(long, allow_negative_numbers = true, value_name = "FEN")]
    balance: Option<i64>,
    /// active | suspended | lapsed (default active)
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    voucher_activated: bool,
    /// 失能人员 (binding them needs a medical certificate).
    #[arg(long)]
    disabled: bool,
}

#[derive(Args, Debug)]
struct EditArgs {
    pid: i64,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    insurance: Option<String>,
    #[arg(long)]
    region: Option<String>,
    #[arg(long)]
    status: Option<String>,
    #[arg(long, allow_negative_numbers = true, value_name = "FEN")]
    balance: Option<i64>,
    /// true | false
    #[arg(long)]
    disabled: Option<bool>,
}

#[derive(Subcommand, Debug)]
enum IdCmd {
    /// Validate IDs given as arguments, or one per line from stdin with `-`.
    /// Exit 0 when all are valid, 3 when any is not.
    Check {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
enum DemoCmd {
    /// Add the demo family (idempotent). With --families/--transactions, also
    /// generate a large multi-year ledger (deterministic for --seed).
    Seed {
        #[arg(long)]
        families: Option<usize>,
        #[arg(long, default_value_t = 0)]
        transactions: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCmd {
    List {
        #[arg(long)]
        person: Option<i64>,
        /// Only entries from this China date on (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
}

/// How a finished command reports.
enum Outcome {
    Ok,
    /// Ran, but found something invalid (id check).
    Refused,
}

struct Ctx {
    json: bool,
    lang: String,
    db: Option<PathBuf>,
    now: Option<String>,
    server: Option<String>,
    token: Option<String>,
    server_ca: Option<PathBuf>,
}

impl Ctx {
    fn en(&self) -> bool {
        self.lang == "en"
    }
    /// An existing database: a mistyped path is refused (DB_MISSING) and
    /// nothing is created. Only `init`, `demo seed` and `restore` create one.
    fn open(&self) -> Result<Qinqing, Error> {
        self.open_as(false)
    }
    fn open_or_create(&self) -> Result<Qinqing, Error> {
        self.open_as(true)
    }
    fn open_as(&self, create: bool) -> Result<Qinqing, Error> {
        let path = db::resolve_db_path(self.db.as_deref())?;
        let mut q = if create { Qinqing::open(&path)? } else { Qinqing::open_existing(&path)? };
        q.set_actor(qinqing_core::Actor::Operator);
        if let Some(now) = &self.now {
            let at = chrono::DateTime::parse_from_rfc3339(now).map_err(|_| Error::date_invalid(now))?;
            q.set_clock(std::sync::Arc::new(qinqing_core::time::FixedClock(at.with_timezone(&chrono::Utc))));
        }
        Ok(q)
    }
    /// One operation of the service interface: on the server with
    /// --server, else on the local ledger; both answer with the same JSON,
    /// read here into the same type.
    fn call<T: serde::de::DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        serde_json::from_value(self.call_value(call)?).map_err(|e| Error::internal(format!("answer: {e}")))
    }
    /// As [`Ctx::call`], the answer as the operation's JSON (logged with -v).
    fn call_value(&self, call: Call) -> Result<serde_json::Value, Error> {
        let (op, started) = (call.op(), std::time::Instant::now());
        let r = match &self.server {
            Some(_) => self.remote()?.call(&call),
            None => self.open()?.call(call),
        };
        let ms = format!("{:.2}", started.elapsed().as_secs_f64() * 1000.0);
        match &r {
            Ok(_) => tracing::info!(op, ms, "done"),
            Err(e) => tracing::warn!(op, ms, code = e.code.as_str(), "refused"),
        }
        r
    }
    fn remote(&self) -> Result<qinqing_client::Remote, Error> {
        let url = self.server.as_deref().ok_or_else(Error::remote_unsupported)?;
        qinqing_client::Remote::new(url, self.token.clone(), self.server_ca.as_deref())
    }
    fn print_json<T: Serialize>(&self, v: &T) -> Result<(), Error> {
        let out = io::stdout();
        let mut w = out.lock();
        serde_json::to_writer_pretty(&mut w, v).map_err(|e| io_fail(e.into()))?;
        writeln!(w).map_err(io_fail)
    }
}

/// A progress bar for long work (seeding, moving a ledger), with a rate and
/// an estimate — on a terminal only, and never with --json.
fn progress_bar(ctx: &Ctx) -> Option<qinqing_core::service::Progress> {
    if ctx.json || !std::io::IsTerminal::is_terminal(&io::stderr()) {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg:12} [{bar:30}] {pos}/{len}  {per_sec}  eta {eta}") {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(Box::new(move |what: &str, done: u64, total: u64| {
        bar.set_length(total);
        bar.set_message(what.to_string());
        bar.set_position(done);
        if done >= total {
            bar.finish_and_clear();
        }
    }))
}

/// Output failed. A closed pipe (`qinqing-cli … | head`) is the reader's
/// choice, not an error: stop quietly.
fn io_fail(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    Error::internal(e)
}

fn main() -> ExitCode {
    let wants_json = std::env::args().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            if wants_json {
                let msg = e.render().to_string();
                let v = serde_json::json!({"error": {"code": "USAGE", "message": msg.trim()}});
                eprintln!("{v}");
            } else {
                let _ = e.print();
            }
            return ExitCode::from(2);
        }
    };
    if cli.verbose {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(std::io::IsTerminal::is_terminal(&io::stderr())).with_writer(io::stderr).try_init();
    }
    #[cfg(debug_assertions)]
    let now = cli.now.clone();
    #[cfg(not(debug_assertions))]
    let now = None;
    // An explicit --db means a local ledger: a QINQING_SERVER in the
    // environment does not apply to it; --db and --server together are a
    // mistake.
    let server_flag = std::env::args().any(|a| a == "--server" || a.starts_with("--server="));
    let mut server = cli.server.clone().filter(|s| !s.trim().is_empty());
    if cli.db.is_some() && server.is_some() {
        if server_flag {
            let msg = "--db（本机账本）和 --server（服务中心）只能选一个 / give --db (a ledger on this computer) or --server (a service centre), not both";
            if wants_json {
                eprintln!("{}", serde_json::json!({ "error": { "code": "USAGE", "message": msg } }));
            } else {
                eprintln!("error: {msg}");
            }
            return ExitCode::from(2);
        }
        server = None;
    }
    let ctx = Ctx {
        json: cli.json,
        lang: cli.lang.clone(),
        db: cli.db.clone(),
        now,
        server,
        token: cli.token.clone().filter(|s| !s.trim().is_empty()),
        server_ca: cli.server_ca.clone(),
    };
    match run(&ctx, cli.cmd) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Refused) => ExitCode::from(3),
        Err(e) => {
            report_error(&ctx, &e);
            match e.kind {
                Kind::Refused | Kind::NotFound => ExitCode::from(3),
                Kind::Unavailable | Kind::Internal => ExitCode::from(1),
            }
        }
    }
}

fn report_error(ctx: &Ctx, e: &Error) {
    if ctx.json {
        let mut err = serde_json::to_value(e).unwrap_or_default();
        if let Some(obj) = err.as_object_mut() {
            obj.insert("message".into(), e.message(&ctx.lang).into());
        }
        eprintln!("{}", serde_json::json!({ "error": err }));
    } else {
        eprintln!("{} {}: {}", if ctx.en() { "error" } else { "错误" }, e.code.as_str(), e.message(&ctx.lang));
        for a in &e.also {
            eprintln!("  {}: {}", a.code.as_str(), a.message(&ctx.lang));
        }
    }
}

/// The commands that also work through a service centre's server (the
/// rest are refused with --server, REMOTE_UNSUPPORTED, never run locally).
fn works_remotely(cmd: &Cmd) -> bool {
    matches!(
        cmd,
        Cmd::Info
            | Cmd::Settle(_)
            | Cmd::Institution(InstitutionCmd::Add { .. } | InstitutionCmd::List)
            | Cmd::Terminal(_)
            | Cmd::Pairing(_)
            | Cmd::Pair { .. }
            | Cmd::Login { .. }
            | Cmd::Logout
            | Cmd::Filing(_)
            | Cmd::Tx(_)
            | Cmd::Premium(_)
            | Cmd::Bind(_)
            | Cmd::Doc(_)
            | Cmd::Setting(_)
            | Cmd::Report(_)
            | Cmd::Policy(_)
            | Cmd::Fund(_)
            | Cmd::Key(_)
            | Cmd::Id(_)
            | Cmd::Denied { .. }
            | Cmd::Outbox(_)
            | Cmd::Settlements { .. }
            | Cmd::Qr(_)
            | Cmd::Stay(_)
            | Cmd::Staff(_)
            | Cmd::Aid(_)
            | Cmd::Audit(_)
            | Cmd::Person(
                PersonCmd::Add(_)
                    | PersonCmd::Edit(_)
                    | PersonCmd::Activate { .. }
                    | PersonCmd::SetStatus { .. }
                    | PersonCmd::Show { .. }
                    | PersonCmd::List { .. }
            )
    )
}

fn run(ctx: &Ctx, cmd: Cmd) -> Result<Outcome, Error> {
    if ctx.server.is_some() && !works_remotely(&cmd) {
        return Err(Error::remote_unsupported());
    }
    match cmd {
        Cmd::Info => {
            let info: qinqing_core::service::Info = ctx.call(Call::Info)?;
            if ctx.json {
                ctx.print_json(&info)?;
            } else {
                println!("qinqing {}", info.app_version);
                println!("database:       {}", info.db_path);
                println!("schema version: {} (latest {})", info.schema_version, info.latest_schema_version);
                println!("journal mode:   {}", info.journal_mode);
                println!("sqlite:         {}", info.sqlite_version);
                println!("persons:        {}", info.persons);
                println!("today (China):  {}", info.today_china);
            }
        }
        Cmd::Person(p) => return person(ctx, p),
        Cmd::Id(IdCmd::Check { ids }) => return id_check(ctx, ids),
        Cmd::Demo(DemoCmd::Seed { families, transactions, seed }) => {
            let mut q = ctx.open_or_create()?;
            q.set_progress(progress_bar(ctx));
            let r = q.demo_seed()?;
            if let Some(f) = families {
                let big = q.seed_ledger(f, transactions, seed)?;
                if ctx.json {
                    ctx.print_json(&serde_json::json!({ "demo": r, "ledger": big }))?;
                } else {
                    println!("ledger: {} families ({} people), {} settlements; first holder #{}", big.families, big.persons, big.settlements, big.first_holder);
                }
                return Ok(Outcome::Ok);
            }
            if ctx.json {
                ctx.print_json(&r)?;
            } else if ctx.en() {
                println!("demo family: {} added, {} already present", r.created.len(), r.already_present);
                if r.staff_created {
                    println!("demo staff: {} / password {}", qinqing_core::demo::DEMO_STAFF_NAME, qinqing_core::demo::DEMO_STAFF_PASSWORD);
                }
                if r.bindings_created > 0 {
                    println!("family account: {} bindings (active, awaiting review, draft)", r.bindings_created);
                }
            } else {
                println!("示例家庭：新增 {} 人，已存在 {} 人", r.created.len(), r.already_present);
                if r.staff_created {
                    println!("示例工作人员：{}，密码 {}", qinqing_core::demo::DEMO_STAFF_NAME, qinqing_core::demo::DEMO_STAFF_PASSWORD);
                }
                if r.bindings_created > 0 {
                    println!("亲情账户：{} 条绑定（已绑定、待审核、草稿各一）", r.bindings_created);
                }
            }
        }
        Cmd::Bind(b) => return bind(ctx, b),
        Cmd::Init => {
            let q = ctx.open_or_create()?;
            let pk = q.public_key_hex()?;
            let info = q.info()?;
            if ctx.json {
                ctx.print_json(&serde_json::json!({ "db_path": info.db_path, "schema_version": info.schema_version, "public_key": pk }))?;
            } else {
                println!("{}\npublic key: {pk}", info.db_path);
            }
        }
        Cmd::Key(KeyCmd::Export) => {
            let v = ctx.call_value(Call::PublicKey)?;
            if ctx.json {
                ctx.print_json(&v)?;
            } else {
                println!("{}", v["public_key"].as_str().unwrap_or_default());
            }
        }
        Cmd::Qr(c) => return qr_cmd(ctx, c),
        Cmd::Backup { out } => {
            ctx.open()?.backup_to(&out)?;
            if ctx.json { ctx.print_json(&serde_json::json!({ "backup": out.display().to_string() }))?; } else { println!("{}", out.display()); }
        }
        Cmd::Export { to } => {
            let mut q = ctx.open()?;
            q.set_progress(progress_bar(ctx));
            let r = q.export_to(&to)?;
            if ctx.json {
                ctx.print_json(&r)?;
            } else {
                for t in &r.tables {
                    println!("{:<20} {:>9}", t.table, t.rows);
                }
                println!("{} rows, {} documents ({} files, {} bytes) → {} (checked: counts, sums, file hashes)", r.rows, r.documents, r.files, r.file_bytes, r.target);
            }
        }
        Cmd::Restore { backup } => {
            ctx.open_or_create()?.restore_from(&backup)?;
            if ctx.json { ctx.print_json(&serde_json::json!({ "restored_from": backup.display().to_string() }))?; } else { println!("restored from {}", backup.display()); }
        }
        Cmd::Settle(a) => {
            let s: Settlement = ctx.call(Call::Settle(SettleRequest {
                token: a.code,
                institution: a.institution,
                scenario: a.scenario,
                total_fen: a.total,
                total_yuan: None,
                bill_id: a.bill,
                emergency: a.emergency,
                stay: a.stay,
                pay_password: if a.pay_password_stdin { Some(stdin_lines(1)?.remove(0)) } else { None },
            }))?;
            print_settlement(ctx, &s)?;
        }
        Cmd::Stay(c) => match c {
            StayCmd::Admit { code: token, institution, admission, emergency, pay_password_stdin, id_face_checked } => {
                let pay_password = if pay_password_stdin { Some(stdin_lines(1)?.remove(0)) } else { None };
                let s: qinqing_core::settle::Stay = ctx.call(Call::Admit(qinqing_core::settle::AdmitRequest {
                    token,
                    institution,
                    admission_no: admission,
                    emergency,
                    pay_password,
                    id_face_checked,
                }))?;
                print_stays(ctx, &[s])?;
            }
            StayCmd::Discharge { stay, institution, total, bill } => {
                let s: Settlement = ctx.call(Call::Settle(SettleRequest {
                    institution,
                    scenario: "inpatient".into(),
                    total_fen: total,
                    bill_id: bill,
                    stay: Some(stay),
                    ..Default::default()
                }))?;
                print_settlement(ctx, &s)?;
            }
            StayCmd::List { institution, member, open } => {
                let list: Vec<qinqing_core::settle::Stay> = ctx.call(Call::StayList { institution, member, open })?;
                print_stays(ctx, &list)?
            }
        },
        Cmd::Setting(c) => {
            /// What the CLI prints of a setting.
            #[derive(serde::Deserialize)]
            struct SettingView {
                key: String,
                value: i64,
                unit: String,
                min: i64,
                max: i64,
                about_zh: String,
                about_en: String,
            }
            let v = match c {
                SettingCmd::List => ctx.call_value(Call::SettingList)?,
                SettingCmd::Get { key } => ctx.call_value(Call::SettingGet { key })?,
                SettingCmd::Set { key, value } => ctx.call_value(Call::SettingSet { key, value })?,
            };
            if ctx.json {
                ctx.print_json(&v)?;
            } else {
                let list: Vec<SettingView> = if v.is_array() { view(&v)? } else { vec![view(&v)?] };
                for v in list {
                    let about = if ctx.en() { &v.about_en } else { &v.about_zh };
                    println!("{:<32} {:>8} {:<4} [{}–{}]  {about}", v.key, v.value, v.unit, v.min, v.max);
                }
            }
        }
        Cmd::Fund(c) => {
            /// What the CLI prints of a fund policy.
            #[derive(serde::Deserialize)]
            struct FundView {
                region_prefix: String,
                scenario: String,
                insurance: String,
                deductible_fen: i64,
                ratio_pct: i64,
                ceiling_fen: Option<i64>,
            }
            if let FundCmd::Set { prefix, scenario, insurance, deductible, ratio, ceiling } = c {
                ctx.call_value(Call::FundPolicySet { prefix, scenario, insurance, deductible_fen: deductible, ratio_pct: ratio, ceiling_fen: ceiling })?;
            }
            let list = ctx.call_value(Call::FundPolicies)?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for r in view::<Vec<FundView>>(&list)? {
                    let prefix = if r.region_prefix.is_empty() { "*" } else { &r.region_prefix };
                    let ceiling = r.ceiling_fen.map(qinqing_core::money::format_fen).unwrap_or_else(|| "-".into());
                    println!("{prefix:<6} {:<16} {:<9} {:>12} {:>3}% {:>14}", r.scenario, r.insurance, qinqing_core::money::format_fen(r.deductible_fen), r.ratio_pct, ceiling);
                }
            }
        }
        Cmd::Device(c) => {
            use qinqing_core::installation::Installation;
            let mut q = ctx.open()?;
            let i = match c {
                DeviceCmd::Show => q.installation()?,
                DeviceCmd::Demo => q.set_installation(Installation::Demo)?,
                DeviceCmd::Household { holder } => q.set_installation(Installation::Household { holder })?,
                DeviceCmd::Terminal { institution } => q.set_installation(Installation::Terminal { institution })?,
            };
            if ctx.json { ctx.print_json(&i)?; } else { println!("{}", serde_json::to_string(&i).unwrap_or_default()); }
        }
        Cmd::Denied { limit } => {
            let list: Vec<qinqing_core::authz::Denied> = ctx.call(Call::DeniedList { limit })?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for d in list {
                    println!("{}  {:<24} {:<14} {}", d.at_local, d.actor, d.code, d.act);
                }
            }
        }
        Cmd::Outbox(OutboxCmd::List { person }) => {
            let list: Vec<qinqing_core::binding::Message> = ctx.call(Call::Outbox { person })?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for m in list {
                    println!("{}  {}", m.created_at_local, if ctx.en() { &m.body_en } else { &m.body_zh });
                }
            }
        }
        Cmd::Settlements { member, limit } => {
            let list: Vec<Settlement> = ctx.call(Call::SettlementList { member, limit })?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for s in &list {
                    print_settlement(ctx, s)?;
                }
            }
        }
        Cmd::Aid(c) => return aid_cmd(ctx, c),
        Cmd::Report(ReportCmd::Year { person, family, year, csv }) => {
            let year = match year {
                Some(y) => y,
                None => {
                    let info: qinqing_core::service::Info = ctx.call(Call::Info)?;
                    info.today_china.get(..4).and_then(|y| y.parse().ok()).ok_or_else(|| Error::internal("today's date"))?
                }
            };
            let (holder, only) = match (person, family) {
                (Some(p), _) => (p, Some(p)),
                (None, Some(h)) => (h, None),
                _ => return Err(Error::internal("clap requires --person or --family")),
            };
            let d = match only {
                Some(p) => ctx.call_value(Call::PersonDashboard { person: p, year })?,
                None => ctx.call_value(Call::Dashboard { holder, year })?,
            };
            if let Some(path) = csv {
                let query = qinqing_core::report::year_query(only, holder, year);
                if ctx.server.is_some() {
                    let text: String = ctx.call(Call::TxCsv(query))?;
                    qinqing_core::docstore::write_private_replace(&path, text.as_bytes())?;
                } else {
                    ctx.open()?.tx_csv_save(&query, &path)?;
                }
            }
            if ctx.json {
                ctx.print_json(&d)?;
            } else {
                print_year(ctx, year, &view(&d)?);
            }
        }
        Cmd::Tx(TxCmd::List { member, family, from, to, scenario, institution, source, page, page_size, csv }) => {
            let query = TxQuery { member, family, from, to, scenario, institution, source, page: Some(page), page_size: Some(page_size) };
            if let Some(path) = csv {
                if ctx.server.is_some() {
                    // The server answers the text; this computer writes the file.
                    let text: String = ctx.call(Call::TxCsv(query.clone()))?;
                    qinqing_core::docstore::write_private_replace(&path, text.as_bytes())?;
                } else {
                    ctx.open()?.tx_csv_save(&query, &path)?;
                }
                if !ctx.json {
                    println!("{}", path.display());
                    return Ok(Outcome::Ok);
                }
            }
            let p: qinqing_core::report::TxPage = ctx.call(Call::TxList(query))?;
            if ctx.json {
                ctx.print_json(&p)?;
            } else {
                for r in &p.rows {
                    println!("{}  #{}  {}  {}  {}  {}", r.date, r.id, r.member_name, r.institution, r.scenario, r.total_display);
                }
                println!("page {} · {} rows · {}", p.page, p.total_rows, p.sum_display);
            }
        }
        Cmd::Premium(c) => {
            use qinqing_core::premium::{PremiumCheck, PremiumRequest, Receipt, Tier};
            let request = |payer: i64, beneficiary: i64, tier: String, region: Option<String>, year: i64| -> Result<PremiumRequest, Error> {
                let region = match region {
                    Some(r) => r,
                    None => ctx.call::<Person>(Call::PersonGet { id: beneficiary })?.region.code,
                };
                Ok(PremiumRequest { payer, beneficiary, region, year, tier })
            };
            match c {
                PremiumCmd::Pay { payer, beneficiary, amount: Some(amount), year, .. } => {
                    let r = ctx.call_value(Call::PremiumPayAmount { payer, beneficiary, amount_fen: amount, year })?;
                    if ctx.json { ctx.print_json(&r)?; } else { println!("{}", r["id"]); }
                }
                PremiumCmd::Pay { payer, beneficiary, tier: Some(tier), region, year, .. } => {
                    let r: Receipt = ctx.call(Call::PremiumPay(request(payer, beneficiary, tier, region, year)?))?;
                    if ctx.json { ctx.print_json(&r)?; } else { print_receipt(&r); }
                }
                PremiumCmd::Pay { .. } => return Err(Error::internal("clap requires --tier or --amount")),
                PremiumCmd::Check { payer, beneficiary, tier, region, year } => {
                    let c: PremiumCheck = ctx.call(Call::PremiumCheck(request(payer, beneficiary, tier, region, year)?))?;
                    if ctx.json {
                        ctx.print_json(&c)?;
                    } else {
                        println!("{} → {} ({})  {} {}  {} {}  balance after {}", c.payer_name, c.beneficiary_name, c.beneficiary_id_masked, c.region, c.region_name, c.year, c.tier.label_zh, c.payer_balance_after_display);
                    }
                }
                PremiumCmd::Tiers { region, year } => {
                    let list: Vec<Tier> = ctx.call(Call::PremiumTiers { region, year })?;
                    if ctx.json {
                        ctx.print_json(&list)?;
                    } else {
                        for t in list {
                            println!("{:<10} {:>12}  {}", t.tier, t.amount_display, if ctx.en() { &t.label_en } else { &t.label_zh });
                        }
                    }
                }
                PremiumCmd::List { person } => {
                    let list: Vec<Receipt> = ctx.call(Call::PremiumList { person })?;
                    if ctx.json { ctx.print_json(&list)?; } else { list.iter().for_each(print_receipt); }
                }
            }
        }
        Cmd::Filing(c) => {
            let out: Vec<qinqing_core::settle::Filing> = match c {
                FilingCmd::Add { person, region, reason, from, to } => {
                    vec![ctx.call(Call::FilingAdd(qinqing_core::settle::FilingRequest { person, region, reason, from, to }))?]
                }
                FilingCmd::List { person } => ctx.call(Call::FilingList { person })?,
                FilingCmd::Cancel { filing } => vec![ctx.call(Call::FilingCancel { id: filing })?],
            };
            if ctx.json {
                ctx.print_json(&out)?;
            } else {
                for f in out {
                    println!("{}  person {}  {} {}  {}  {} … {}  {}", f.id, f.person_id, f.region.code, f.region.pooling_name_zh, f.reason, f.from_date, f.to_date, f.state);
                }
            }
        }
        Cmd::Terminal(c) => {
            let out: Vec<TerminalKey> = match c {
                TerminalCmd::Add { institution, label } => vec![ctx.call(Call::TerminalAdd { institution, label })?],
                TerminalCmd::List => ctx.call(Call::TerminalList)?,
                TerminalCmd::Revoke { id } => vec![ctx.call(Call::TerminalRevoke { id })?],
            };
            if ctx.json {
                if out.len() == 1 && out[0].key.is_some() {
                    ctx.print_json(&out[0])?;
                } else {
                    ctx.print_json(&out)?;
                }
            } else {
                for t in &out {
                    let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
                    println!("{:>4}  institution {:<5} {:<8} {}", t.id, t.institution_id, state, t.label.as_deref().unwrap_or(""));
                    if let Some(k) = &t.key {
                        println!("key (shown once): {k}");
                    }
                }
            }
        }
        Cmd::Pairing(c) => {
            let out: Vec<qinqing_core::credential::Device> = match c {
                PairingCmd::List { holder } => ctx.call(Call::DeviceList { holder })?,
                PairingCmd::Revoke { id } => vec![ctx.call(Call::DeviceRevoke { id })?],
                PairingCmd::Kiosk { label } => {
                    let d: qinqing_core::credential::Device = ctx.call(Call::KioskRegister { label })?;
                    if ctx.json {
                        ctx.print_json(&d)?;
                    } else {
                        println!("{}", d.token.as_deref().unwrap_or_default());
                    }
                    return Ok(Outcome::Ok);
                }
                PairingCmd::Kiosks => ctx.call(Call::KioskList)?,
                PairingCmd::Start { holder } => {
                    let p: qinqing_core::credential::PairingCode = ctx.call(Call::PairingStart { holder })?;
                    if ctx.json {
                        ctx.print_json(&p)?;
                    } else if ctx.en() {
                        println!("pairing code for {} (#{}): {}  (valid until {} UTC, once)", p.holder_name_masked, p.holder, p.code, p.expires_at);
                    } else {
                        println!("{}（#{}）的配对码：{}（{} UTC 前有效，只能用一次）", p.holder_name_masked, p.holder, p.code, p.expires_at);
                    }
                    return Ok(Outcome::Ok);
                }
            };
            if ctx.json {
                ctx.print_json(&out)?;
            } else {
                for d in &out {
                    let state = if d.revoked_at.is_some() { "revoked" } else { "paired" };
                    let whose = d.holder.map(|h| format!("holder {h}")).unwrap_or_else(|| "kiosk".into());
                    println!("{:>4}  {whose:<12} {:<8} {}  last used {}", d.id, state, d.label.as_deref().unwrap_or(""), d.last_used_at);
                }
            }
        }
        Cmd::Pair { code, label, public_key } => {
            let d: qinqing_core::credential::Device = match &ctx.server {
                Some(_) => serde_json::from_value(ctx.remote()?.pair(&code, label.as_deref(), public_key.as_deref())?)
                    .map_err(|e| Error::internal(format!("answer: {e}")))?,
                None => ctx.open()?.pair(&code, label.as_deref(), public_key.as_deref())?,
            };
            if ctx.json {
                ctx.print_json(&d)?;
            } else {
                println!("{}", d.token.as_deref().unwrap_or_default());
            }
        }
        Cmd::Login { staff } => {
            let mut pw = String::new();
            io::stdin().lock().read_line(&mut pw).map_err(|e| Error::internal(format!("stdin: {e}")))?;
            let pw = pw.trim_end_matches(['\n', '\r']);
            let s: Session = match &ctx.server {
                Some(_) => serde_json::from_value(ctx.remote()?.login(staff, pw)?).map_err(|e| Error::internal(format!("answer: {e}")))?,
                None => ctx.open()?.login(staff, pw)?,
            };
            if ctx.json {
                ctx.print_json(&s)?;
            } else {
                println!("{}", s.token);
            }
        }
        Cmd::Logout => {
            ctx.remote()?.logout()?;
            if ctx.json {
                ctx.print_json(&serde_json::json!({ "logged_out": true }))?;
            } else {
                println!("logged out");
            }
        }
        Cmd::Institution(c) => {
            let out: Vec<qinqing_core::settle::Institution> = match c {
                InstitutionCmd::Add { name, region, designated, networked } => vec![ctx.call(Call::InstitutionAdd { name, region, designated, networked })?],
                InstitutionCmd::List => ctx.call(Call::InstitutionList)?,
                InstitutionCmd::Import { file } => {
                    let text = std::fs::read_to_string(&file).map_err(|e| Error::csv_invalid(0, &format!("{}: {e}", file.display())))?;
                    ctx.open()?.import_institutions(&text)?
                }
            };
            if ctx.json {
                ctx.print_json(&out)?;
            } else {
                for i in out {
                    println!("{}  {}  {}  {}{}", i.id, i.name, i.region.code, if i.designated { "designated" } else { "not designated" }, if i.networked { ", networked" } else { "" });
                }
            }
        }
        Cmd::Staff(c) => return staff(ctx, c),
        Cmd::Doc(c) => return doc(ctx, c),
        Cmd::Policy(c) => return policy(ctx, c),
        Cmd::Audit(AuditCmd::List { person, since, limit }) => {
            let entries: Vec<qinqing_core::audit::AuditEntry> =
                ctx.call(Call::AuditList(AuditQuery { person_id: person, since, limit: Some(limit) }))?;
            if ctx.json {
                ctx.print_json(&entries)?;
            } else {
                for e in entries {
                    println!("{}  {:<8} {:<26} {}#{}", e.at_local, e.actor, e.action, e.entity, e.entity_id.unwrap_or(0));
                }
            }
        }
    }
    Ok(Outcome::Ok)
}

fn person(ctx: &Ctx, cmd: PersonCmd) -> Result<Outcome, Error> {
    let shown: Person = match cmd {
        PersonCmd::Add(a) => {
            let p: Person = ctx.call(Call::PersonAdd(PersonInput {
                name: a.name,
                resident_id: a.id,
                insurance: a.insurance,
                region: a.region,
                status: a.status,
                balance_fen: a.balance,
                balance_yuan: None,
                disabled: a.disabled,
                voucher_activated: a.voucher_activated,
            }))?;
            if ctx.json {
                ctx.print_json(&p)?;
            } else {
                println!("{}", p.id);
            }
            return Ok(Outcome::Ok);
        }
        PersonCmd::Edit(e) => ctx.call(Call::PersonEdit {
            id: e.pid,
            edit: PersonEdit {
                name: e.name,
                insurance: e.insurance,
                region: e.region,
                status: e.status,
                balance_fen: e.balance,
                disabled: e.disabled,
                ..Default::default()
            },
        })?,
        PersonCmd::Activate { pid } => ctx.call(Call::VoucherActivate { id: pid })?,
        PersonCmd::SetPayPassword { pid } => {
            let lines = stdin_lines(2)?;
            let mut q = ctx.open()?;
            q.set_pay_password(pid, &lines[0], &lines[1])?;
            q.get_person(pid)?
        }
        PersonCmd::SetStatus { pid, status } => ctx.call(Call::PersonSetStatus { id: pid, status })?,
        PersonCmd::SetBalance { pid, fen } => ctx.open()?.set_balance(pid, fen)?,
        PersonCmd::Show { pid } => ctx.call(Call::PersonGet { id: pid })?,
        PersonCmd::VerifyFace { pid, staff } => ctx.open()?.verify_face_in_person(pid, staff)?,
        PersonCmd::List { name } => {
            let list: Vec<Person> = ctx.call(Call::PersonList(PersonQuery { name }))?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                print_table(ctx, &list);
            }
            return Ok(Outcome::Ok);
        }
    };
    if ctx.json {
        ctx.print_json(&shown)?;
    } else {
        print_person(ctx, &shown);
    }
    Ok(Outcome::Ok)
}

fn labels(ctx: &Ctx, p: &Person) -> [String; 4] {
    use qinqing_core::id::Gender;
    use qinqing_core::{Insurance, Status};
    let en = ctx.en();
    let gender = match (p.gender, en) {
        (Gender::Male, false) => "男",
        (Gender::Female, false) => "女",
        (Gender::Male, true) => "male",
        (Gender::Female, true) => "female",
    };
    let ins = match (p.insurance, en) {
        (Insurance::Employee, false) => "职工医保",
        (Insurance::Resident, false) => "城乡居民医保",
        (Insurance::Employee, true) => "employee",
        (Insurance::Resident, true) => "resident",
    };
    let status = match (p.status, en) {
        (Status::Active, false) => "正常",
        (Status::Suspended, false) => "暂停",
        (Status::Lapsed, false) => "中断",
        (s, true) => s.as_str(),
    };
    let voucher = match (p.voucher_activated, en) {
        (true, false) => "已激活",
        (false, false) => "未激活",
        (true, true) => "activated",
        (false, true) => "not activated",
    };
    [gender.into(), ins.into(), status.into(), voucher.into()]
}

fn print_person(ctx: &Ctx, p: &Person) {
    let [gender, ins, status, voucher] = labels(ctx, p);
    let region = if ctx.en() { &p.region.province_en } else { &p.region.province_zh };
    let rows: [(&str, &str, String); 10] = [
        ("编号", "id", p.id.to_string()),
        ("姓名", "name", p.name.clone()),
        ("身份证号", "resident ID", p.resident_id.clone().unwrap_or_else(|| p.resident_id_masked.clone())),
        ("出生日期", "born", p.birth_date.clone()),
        ("性别/年龄", "gender/age", format!("{gender} / {}", p.age)),
        ("险种", "insurance", ins),
        ("参保地", "region", format!("{} {}", p.region.code, region)),
        ("状态", "status", status),
        ("个人账户", "balance", p.balance_display.clone()),
        ("电子凭证", "e-voucher", voucher),
    ];
    for (zh, en, v) in rows {
        let label = if ctx.en() { en } else { zh };
        println!("{}{}  {}", label, " ".repeat(12usize.saturating_sub(label.width())), v);
    }
}

fn print_table(ctx: &Ctx, list: &[Person]) {
    let head: Vec<&str> = if ctx.en() {
        vec!["id", "name", "resident ID", "gender", "age", "insurance", "region", "status", "balance", "e-voucher"]
    } else {
        vec!["编号", "姓名", "身份证号", "性别", "年龄", "险种", "参保地", "状态", "个人账户", "电子凭证"]
    };
    let mut rows: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
    for p in list {
        let [gender, ins, status, voucher] = labels(ctx, p);
        rows.push(vec![
            p.id.to_string(),
            p.name.clone(),
            p.resident_id_masked.clone(),
            gender,
            p.age.to_string(),
            ins,
            p.region.code.clone(),
            status,
            p.balance_display.clone(),
            voucher,
        ]);
    }
    let cols = rows[0].len();
    let widths: Vec<usize> = (0..cols).map(|c| rows.iter().map(|r| r[c].width()).max().unwrap_or(0)).collect();
    let out = io::stdout();
    let mut w = out.lock();
    for r in rows {
        let line: Vec<String> =
            r.iter().enumerate().map(|(i, cell)| format!("{}{}", cell, " ".repeat(widths[i] - cell.width()))).collect();
        if let Err(e) = writeln!(w, "{}", line.join("  ").trim_end()) {
            io_fail(e);
            return;
        }
    }
}

fn id_check(ctx: &Ctx, ids: Vec<String>) -> Result<Outcome, Error> {
    let today = time::china_date(SystemClock.now());
    let out = io::stdout();
    let mut w = BufWriter::with_capacity(1 << 16, out.lock());
    let mut all_valid = true;
    let mut first = true;
    let mut emit = |w: &mut BufWriter<io::StdoutLock<'_>>, r: IdCheck| -> io::Result<()> {
        all_valid &= r.is_valid();
        if ctx.json {
            w.write_all(if first { b"[\n" } else { b",\n" })?;
            first = false;
            serde_json::to_writer(&mut *w, &r)?;
        } else {
            match r {
                IdCheck::Valid { input, birth_date, gender, .. } => {
                    writeln!(w, "{input}\tvalid\t{birth_date}\t{}", gender.as_str())?
                }
                IdCheck::Invalid { input, code, message_zh, message_en } => writeln!(
                    w,
                    "{input}\tinvalid\t{}\t{}",
                    code.as_str(),
                    if ctx.en() { message_en } else { message_zh }
                )?,
            }
        }
        Ok(())
    };
    let io_err = io_fail;
    if ids.len() == 1 && ids[0] == "-" {
        let stdin = io::stdin();
        for line in stdin.lock().lines() {
            let line = line.map_err(io_err)?;
            if line.trim().is_empty() {
                continue;
            }
            emit(&mut w, idcheck::check(&line, today)).map_err(io_err)?;
        }
    } else {
        for id in &ids {
            emit(&mut w, idcheck::check(id, today)).map_err(io_err)?;
        }
    }
    if ctx.json {
        w.write_all(if first { b"[]\n" } else { b"\n]\n" }).map_err(io_err)?;
    }
    w.flush().map_err(io_err)?;
    Ok(if all_valid { Outcome::Ok } else { Outcome::Refused })
}

/// What the CLI prints of a binding (read from the operation's JSON answer,
/// the same locally and through a server).
#[derive(serde::Deserialize)]
struct BindingView {
    id: i64,
    holder: PartyView,
    member: PartyView,
    relation_zh: String,
    relation_en: String,
    status: qinqing_core::BindingStatus,
    member_age: i32,
    #[serde(default)]
    missing: Vec<String>,
    reject_reason: Option<String>,
}

#[derive(serde::Deserialize)]
struct PartyView {
    name: String,
    #[serde(default)]
    resident_id_masked: String,
}

fn view<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Result<T, Error> {
    T::deserialize(v).map_err(|e| Error::internal(format!("answer: {e}")))
}

fn bind(ctx: &Ctx, cmd: BindCmd) -> Result<Outcome, Error> {
    let call = match cmd {
        BindCmd::Apply { holder, member, relation } => Call::BindingApplyMember { holder, member, relation },
        BindCmd::Attach { app, doc } => Call::BindingAttach { id: app, doc },
        BindCmd::Sign { app } => Call::BindingSign { id: app },
        BindCmd::VerifyFace { app, staff: Some(staff), .. } => Call::BindingFaceStaff { id: app, staff },
        BindCmd::VerifyFace { app, evidence: Some(doc), .. } => Call::BindingFaceEvidence { id: app, doc },
        BindCmd::VerifyFace { .. } => return Err(Error::internal("clap enforces --staff or --evidence")),
        BindCmd::SendRemoteCode { app } => Call::BindingSendRemoteCode { id: app },
        BindCmd::ConfirmRemote { app, code } => Call::BindingConfirmRemote { id: app, code },
        BindCmd::ActivateVoucher { app } => Call::BindingGuardianVoucher { id: app },
        BindCmd::Submit { app } => Call::BindingSubmit { id: app },
        BindCmd::Approve { app, staff } => Call::BindingApprove { id: app, staff },
        BindCmd::Reject { app, staff, reason } => Call::BindingReject { id: app, staff, reason },
        BindCmd::Unbind { binding, by } => Call::BindingUnbind { id: binding, by_person: by },
        BindCmd::Show { app } => Call::BindingGet { id: app },
        BindCmd::List { holder, member, status } => {
            let list = ctx.call_value(Call::BindingList(BindingQuery { holder, member, status }))?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for b in view::<Vec<BindingView>>(&list)? {
                    print_binding_line(ctx, &b);
                }
            }
            return Ok(Outcome::Ok);
        }
        BindCmd::Letter => {
            let l = ctx.call_value(Call::BindingLetter)?;
            if ctx.json {
                ctx.print_json(&l)?;
            } else {
                let text = |k: &str| l[k].as_str().unwrap_or_default().to_string();
                println!("{} {}\n", if ctx.en() { "version" } else { "版本" }, text("version"));
                println!("{}", if ctx.en() { text("text_en") } else { text("text_zh") });
            }
            return Ok(Outcome::Ok);
        }
    };
    let v = ctx.call_value(call)?;
    if ctx.json {
        ctx.print_json(&v)?;
    } else {
        let b: BindingView = view(&v)?;
        print_binding_line(ctx, &b);
        if !b.missing.is_empty() {
            let labels: Vec<&str> = b
                .missing
                .iter()
                .map(|k| {
                    let (zh, en) = qinqing_core::binding::requirement_label(k);
                    if ctx.en() { en } else { zh }
                })
                .collect();
            println!("  {} {}", if ctx.en() { "missing:" } else { "尚缺：" }, labels.join(if ctx.en() { "; " } else { "；" }));
        }
        if let Some(r) = &b.reject_reason {
            println!("  {} {r}", if ctx.en() { "rejected:" } else { "驳回原因：" });
        }
    }
    Ok(Outcome::Ok)
}

fn print_binding_line(ctx: &Ctx, b: &BindingView) {
    let (rel, st) = if ctx.en() { (b.relation_en.as_str(), b.status.en()) } else { (b.relation_zh.as_str(), b.status.zh()) };
    println!(
        "#{}  {} → {} ({}, {})  {}  {}",
        b.id, b.holder.name, b.member.name, b.member.resident_id_masked, rel, b.member_age, st
    );
}

/// What the CLI prints of a year's dashboard.
#[derive(serde::Deserialize)]
struct YearView {
    family: YearTotals,
    premiums_fen: i64,
    premiums_display: String,
    members: Vec<MemberYear>,
    anomalies: Vec<AnomalyView>,
}

#[derive(serde::Deserialize)]
struct YearTotals {
    total_display: String,
    bills: i64,
    fund: i64,
    own_account: i64,
    family_aid: i64,
    cash: i64,
}

#[derive(serde::Deserialize)]
struct MemberYear {
    name: String,
    year: MemberTotal,
}

#[derive(serde::Deserialize)]
struct MemberTotal {
    total_display: String,
}

#[derive(serde::Deserialize)]
struct AnomalyView {
    date: String,
    member_name: String,
    explain_zh: String,
    explain_en: String,
}

fn print_year(ctx: &Ctx, year: i32, d: &YearView) {
    let f = &d.family;
    if ctx.en() {
        println!("{year}: {}  ({} {})", f.total_display, f.bills, if f.bills == 1 { "bill" } else { "bills" });
    } else {
        println!("{year}年：{}（{} 笔）", f.total_display, f.bills);
    }
    for (k, v) in [("fund", f.fund), ("own_account", f.own_account), ("family_aid", f.family_aid), ("cash", f.cash)] {
        let (zh, en) = qinqing_core::report::source_label(k);
        let label = if ctx.en() { en } else { zh };
        println!("  {label:<14} {:>14}", qinqing_core::money::format_fen(v));
    }
    if d.premiums_fen > 0 {
        let (zh, en) = qinqing_core::report::source_label("premium");
        println!("  {:<14} {:>14}", if ctx.en() { en } else { zh }, d.premiums_display);
    }
    for m in &d.members {
        println!("  {}: {}", m.name, m.year.total_display);
    }
    for a in &d.anomalies {
        println!("  ! {} {} {}", a.date, a.member_name, if ctx.en() { &a.explain_en } else { &a.explain_zh });
    }
}

/// The first `n` lines of stdin (secrets are never arguments: they would show in `ps`).
fn stdin_lines(n: usize) -> Result<Vec<String>, Error> {
    let stdin = io::stdin();
    let mut lines = stdin.lock().lines();
    (0..n).map(|_| lines.next().transpose().map_err(io_fail).map(|l| l.unwrap_or_default().trim_end_matches('\r').to_string())).collect()
}

fn staff(ctx: &Ctx, cmd: StaffCmd) -> Result<Outcome, Error> {
    use qinqing_core::staff::Staff;
    match cmd {
        StaffCmd::Add { name, role } => {
            let stdin = io::stdin();
            let mut lines = stdin.lock().lines();
            let mut next = || lines.next().transpose().map_err(io_fail).map(|l| l.unwrap_or_default());
            let (pw, again) = (next()?, next()?);
            let s: Staff = ctx.call(Call::StaffAdd { name, role, password: pw.trim_end_matches('\r').to_string(), again: again.trim_end_matches('\r').to_string() })?;
            if ctx.json {
                ctx.print_json(&s)?;
            } else {
                println!("{}", s.id);
            }
        }
        StaffCmd::Disable { staff } => {
            let s: Staff = ctx.call(Call::StaffSetActive { id: staff, active: false })?;
            if ctx.json { ctx.print_json(&s)?; } else { println!("{}  {}  disabled", s.id, s.name); }
        }
        StaffCmd::Enable { staff } => {
            let s: Staff = ctx.call(Call::StaffSetActive { id: staff, active: true })?;
            if ctx.json { ctx.print_json(&s)?; } else { println!("{}  {}  enabled", s.id, s.name); }
        }
        StaffCmd::Unlock { staff } => {
            let s: Staff = ctx.call(Call::StaffUnlock { id: staff })?;
            if ctx.json { ctx.print_json(&s)?; } else { println!("{}  {}  unlocked", s.id, s.name); }
        }
        StaffCmd::List => {
            let list: Vec<Staff> = ctx.call(Call::StaffList)?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for s in list {
                    println!("{}  {}  {}{}", s.id, s.name, s.role.as_str(), if s.active { "" } else { "  (inactive)" });
                }
            }
        }
    }
    Ok(Outcome::Ok)
}

/// What the CLI prints of a document (from the operation's JSON answer).
#[derive(serde::Deserialize)]
struct DocView {
    id: i64,
    person_id: i64,
    kind: String,
    media: String,
    width: Option<i64>,
    height: Option<i64>,
    bytes: i64,
    sha256: String,
    status: String,
    #[serde(default)]
    note: String,
}

fn doc(ctx: &Ctx, cmd: DocCmd) -> Result<Outcome, Error> {
    let call = match cmd {
        DocCmd::Add { person, kind, file, application, note } => {
            let v = if ctx.server.is_some() {
                let data_base64 = qinqing_core::document::upload_file(&file)?;
                ctx.call_value(Call::DocumentUpload { person, kind, note, binding: application, data_base64 })?
            } else {
                serde_json::to_value(ctx.open()?.ingest_document_path(person, &kind, &file, &note, application)?).map_err(|e| Error::internal(e.to_string()))?
            };
            if ctx.json {
                ctx.print_json(&v)?;
            } else {
                println!("{}", v["id"]);
            }
            return Ok(Outcome::Ok);
        }
        DocCmd::List { person } => {
            let list = ctx.call_value(Call::DocumentList { person })?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for d in view::<Vec<DocView>>(&list)? {
                    print_doc(ctx, &d);
                }
            }
            return Ok(Outcome::Ok);
        }
        DocCmd::Show { doc } => Call::DocumentGet { id: doc },
        DocCmd::Export { doc, out } => {
            let d = if ctx.server.is_some() {
                let v = ctx.call_value(Call::DocumentBytes { id: doc })?;
                let bytes = qinqing_core::document::decode_upload(v["data_base64"].as_str().unwrap_or_default(), u64::MAX / 2)?;
                qinqing_core::document::write_new(&out, &bytes)?;
                v["document"].clone()
            } else {
                serde_json::to_value(ctx.open()?.export_document(doc, &out)?).map_err(|e| Error::internal(e.to_string()))?
            };
            if ctx.json {
                ctx.print_json(&d)?;
            } else {
                print_doc(ctx, &view(&d)?);
            }
            return Ok(Outcome::Ok);
        }
        DocCmd::Rm { doc } => Call::DocumentDelete { id: doc },
        DocCmd::Review { doc, staff, verdict, reason } => Call::DocumentReview { id: doc, staff, accept: verdict == "accept", reason },
    };
    let v = ctx.call_value(call)?;
    if ctx.json {
        ctx.print_json(&v)?;
    } else {
        print_doc(ctx, &view(&v)?);
    }
    Ok(Outcome::Ok)
}

fn print_doc(ctx: &Ctx, d: &DocView) {
    let k = match qinqing_core::document::DocKind::parse(&d.kind) {
        Ok(k) if ctx.en() => k.en(),
        Ok(k) => k.zh(),
        Err(_) => d.kind.as_str(),
    };
    let size = match (d.width, d.height) {
        (Some(w), Some(h)) => format!("{w}x{h}"),
        _ => "-".into(),
    };
    println!(
        "{}  person {}  {}  {}  {}  {} B  {}  {}  {}",
        d.id, d.person_id, k, d.media, size, d.bytes, d.sha256.get(..12).unwrap_or_default(), d.status, d.note
    );
}

fn policy(ctx: &Ctx, cmd: PolicyCmd) -> Result<Outcome, Error> {
    /// What the CLI prints of a region's policy.
    #[derive(serde::Deserialize)]
    struct PolicyView {
        region_prefix: String,
        relations: Vec<String>,
        note: String,
        premium_max_relatives: i64,
    }
    if let PolicyCmd::Set { prefix, relations, note, premium_max } = cmd {
        ctx.call_value(Call::RegionPolicySet { prefix, relations, note, premium_max })?;
    }
    let list = ctx.call_value(Call::RegionPolicies)?;
    if ctx.json {
        ctx.print_json(&list)?;
    } else {
        for p in view::<Vec<PolicyView>>(&list)? {
            let prefix = if p.region_prefix.is_empty() { "*" } else { &p.region_prefix };
            println!("{prefix:<6}  {}  代缴≤{}  {}", p.relations.join(","), p.premium_max_relatives, p.note);
        }
    }
    Ok(Outcome::Ok)
}

fn qr_cmd(ctx: &Ctx, cmd: QrCmd) -> Result<Outcome, Error> {
    match cmd {
        QrCmd::Issue { member, holder, png, svg } => {
            let issued: qinqing_core::qr::Issued = ctx.call(Call::QrIssue { member, holder })?;
            if let Some(p) = png {
                let bytes = qinqing_core::qr::png(&issued.token, 8)?;
                std::fs::write(&p, bytes).map_err(|e| Error::internal(format!("{}: {e}", p.display())))?;
            }
            if let Some(p) = svg {
                std::fs::write(&p, &issued.svg).map_err(|e| Error::internal(format!("{}: {e}", p.display())))?;
            }
            if ctx.json {
                ctx.print_json(&serde_json::json!({
                    "token": issued.token, "member": issued.member, "shown_by": issued.shown_by,
                    "issued_at": issued.issued_at, "expires_at": issued.expires_at, "validity_secs": issued.validity_secs,
                }))?;
            } else {
                println!("{}", issued.token);
            }
        }
        QrCmd::Verify { code: token } => {
            let c: qinqing_core::qr::Checked = ctx.call(Call::QrVerify { token })?;
            print_checked(ctx, &c)?;
        }
        QrCmd::Check { code, public_key } => {
            let key = qinqing_core::qr::verifying_key_from_hex(&public_key)?;
            let now = chrono::Utc::now();
            let c = qinqing_core::qr::decode_any(&key, &code, now)?;
            qinqing_core::qr::check_time(&c.claims, now, 5)?;
            print_checked(ctx, &c)?;
        }
    }
    Ok(Outcome::Ok)
}

fn print_checked(ctx: &Ctx, c: &qinqing_core::qr::Checked) -> Result<(), Error> {
    if ctx.json {
        ctx.print_json(c)
    } else {
        let by = c.device.map(|d| format!("  signed by paired computer #{d}")).unwrap_or_default();
        println!("member {}  shown by {}  expires {}  nonce {}{by}", c.claims.member, c.claims.shown_by, c.claims.expires_at, c.claims.nonce);
        Ok(())
    }
}

fn print_settlement(ctx: &Ctx, s: &Settlement) -> Result<(), Error> {
    if ctx.json {
        return ctx.print_json(s);
    }
    println!(
        "settlement #{}  bill {}  {}  total {}{}",
        s.id,
        s.bill_id,
        s.scenario,
        qinqing_core::money::format_fen(s.total_fen),
        if s.replayed { "  (already settled: nothing charged now)" } else { "" }
    );
    if s.deductible_fen > 0 {
        println!("  {:<12} {:>14}  (起付线 / deductible)", "deductible", qinqing_core::money::format_fen(s.deductible_fen));
    }
    for l in &s.legs {
        println!("  {:<12} {:>14}  {}", l.source, qinqing_core::money::format_fen(l.amount), l.person_name.clone().unwrap_or_default());
    }
    Ok(())
}

fn aid_cmd(ctx: &Ctx, cmd: AidCmd) -> Result<Outcome, Error> {
    use qinqing_core::settle::{Aid, PayerView};
    let out: Aid = match cmd {
        // The CLI's operator takes the current letter as signed.
        AidCmd::Authorize { authorizer, beneficiary, relation, monthly_cap } => ctx.call(Call::AidAuthorize(qinqing_core::settle::AidRequest {
            authorizer,
            beneficiary,
            relation,
            monthly_cap_fen: monthly_cap,
            online_daily_cap_fen: None,
            letter_sha256: qinqing_core::settle::aid_letter().sha256,
        }))?,
        AidCmd::Cap { aid, fen, none } => ctx.call(Call::AidSetCap { id: aid, cap_fen: if none { None } else { fen } })?,
        AidCmd::OnlineCap { aid, fen, none } => ctx.call(Call::AidSetOnlineCap { id: aid, cap_fen: if none { None } else { fen } })?,
        AidCmd::Letter => {
            let l = qinqing_core::settle::aid_letter();
            if ctx.json {
                ctx.print_json(&l)?;
            } else {
                println!("{}\n\n{}\n\nversion {}  sha256 {}", l.text_zh, l.text_en, l.version, l.sha256);
            }
            return Ok(Outcome::Ok);
        }
        AidCmd::Payers { beneficiary } => {
            let list: Vec<PayerView> = ctx.call(Call::AidPayers { beneficiary })?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for p in &list {
                    print!("{}. ", p.order);
                    print_aid(ctx, &p.aid);
                }
            }
            return Ok(Outcome::Ok);
        }
        AidCmd::Freeze { aid } => ctx.call(Call::AidFreeze { id: aid })?,
        AidCmd::Unfreeze { aid } => ctx.call(Call::AidUnfreeze { id: aid })?,
        AidCmd::Revoke { aid } => ctx.call(Call::AidRevoke { id: aid })?,
        AidCmd::List { authorizer, beneficiary } => {
            let list: Vec<Aid> = ctx.call(Call::AidList(AidQuery { authorizer, beneficiary }))?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else {
                for a in &list {
                    print_aid(ctx, a);
                }
            }
            return Ok(Outcome::Ok);
        }
    };
    if ctx.json {
        ctx.print_json(&out)?;
    } else {
        print_aid(ctx, &out);
    }
    Ok(Outcome::Ok)
}

fn print_receipt(r: &qinqing_core::premium::Receipt) {
    println!("{}  {}  {} → {} ({})  {}  {}", r.receipt_no, r.paid_at_local, r.payer_name, r.beneficiary_name, r.beneficiary_id_masked, r.year, r.amount_display);
}

fn print_stays(ctx: &Ctx, list: &[qinqing_core::settle::Stay]) -> Result<(), Error> {
    if ctx.json {
        if let [one] = list { ctx.print_json(one)?; } else { ctx.print_json(&list)?; }
    } else {
        for s in list {
            println!("stay #{}  {}  {}  {}  {}{}", s.id, s.admission_no, s.member_name, s.admitted_at_local, s.status, if s.replayed { "  (retry: unchanged)" } else { "" });
        }
    }
    Ok(())
}

fn print_aid(ctx: &Ctx, a: &qinqing_core::settle::Aid) {
    let why = if ctx.en() { a.lapsed_en.as_deref() } else { a.lapsed_zh.as_deref() };
    println!(
        "#{}  {} → {}  {}  cap {}  spent {}  left {}{}",
        a.id,
        a.authorizer_name,
        a.beneficiary_name,
        a.status,
        a.monthly_cap_fen.map(qinqing_core::money::format_fen).unwrap_or_else(|| "-".into()),
        qinqing_core::money::format_fen(a.spent_this_month_fen),
        a.left_this_month_display,
        why.map(|r| if ctx.en() { format!("  (not paying: {r})") } else { format!("  （暂停支付：{r}）") }).unwrap_or_default()
    );
}
