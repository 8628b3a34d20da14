//! The command line: `qinqing-cli`'s commands and their arguments (clap).

use super::*;

#[derive(Parser, Debug)]
#[command(name = "qinqing-cli", version, about = "亲情医保 Qinqing — command-line access to the family insurance ledger")]
pub(crate) struct Cli {
    /// Database file (default: $QINQING_DB, else the app-data directory shared with the app).
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) db: Option<PathBuf>,
    /// Print one JSON document on stdout; errors as {"error":{…}} on stderr.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Log each operation (its duration, its error code) to stderr; RUST_LOG sets the level.
    #[arg(short = 'v', long, global = true)]
    pub(crate) verbose: bool,
    /// Language of messages and labels.
    #[arg(long, global = true, value_parser = ["zh", "en"], default_value = "zh")]
    pub(crate) lang: String,
    /// A service centre's server (https://…): run the command there, as the
    /// holder of --token, instead of on a local ledger ($QINQING_SERVER).
    #[arg(long, global = true, env = "QINQING_SERVER", value_name = "URL")]
    pub(crate) server: Option<String>,
    /// The bearer token for --server: a staff session (from `login`) or a
    /// counter terminal's key ($QINQING_TOKEN).
    #[arg(long, global = true, env = "QINQING_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// The certificate authority (PEM) of the server's TLS certificate, when
    /// it is not a public one ($QINQING_SERVER_CA).
    #[arg(long, global = true, env = "QINQING_SERVER_CA", value_name = "FILE")]
    pub(crate) server_ca: Option<PathBuf>,
    /// Pretend it is this instant (RFC 3339). Debug and test builds only.
    #[cfg(debug_assertions)]
    #[arg(long, global = true, value_name = "RFC3339")]
    pub(crate) now: Option<String>,
    #[command(subcommand)]
    pub(crate) cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Cmd {
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
    /// Any operation of the service interface by its name, with its
    /// arguments as JSON exactly as the server takes them (`--args '{"id": 3}'`;
    /// `--args -` reads them from stdin): `qinqing-cli op person_get --args '{"id": 3}'`.
    /// The names are those of `GET /api/openapi.json`.
    Op {
        name: String,
        #[arg(long)]
        args: Option<String>,
    },
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
pub(crate) enum ReportCmd {
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
pub(crate) enum TxCmd {
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
pub(crate) enum KeyCmd {
    /// Print the public key (hex) that terminals use to verify codes offline.
    Export,
}

#[derive(Subcommand, Debug)]
pub(crate) enum QrCmd {
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
pub(crate) enum StayCmd {
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
pub(crate) enum SettingCmd {
    List,
    Get { key: String },
    Set { key: String, value: String },
}

#[derive(Subcommand, Debug)]
pub(crate) enum FundCmd {
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
pub(crate) enum DeviceCmd {
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
pub(crate) enum OutboxCmd {
    List {
        #[arg(long)]
        person: i64,
    },
}

#[derive(Args, Debug)]
pub(crate) struct SettleArgs {
    /// The scanned code (not for inpatient: use --stay).
    #[arg(long, default_value = "")]
    pub(crate) code: String,
    /// Inpatient: the stay opened at admission.
    #[arg(long)]
    pub(crate) stay: Option<i64>,
    #[arg(long)]
    pub(crate) institution: i64,
    /// outpatient | pharmacy | online_pharmacy | inpatient
    #[arg(long)]
    pub(crate) scenario: String,
    /// The bill's total, in fen.
    #[arg(long)]
    pub(crate) total: i64,
    /// The institution's bill number (a bill is charged once).
    #[arg(long)]
    pub(crate) bill: String,
    /// Emergency treatment without a cross-region filing (lower ratio).
    #[arg(long)]
    pub(crate) emergency: bool,
    /// Read the payer's 6-digit payment password from stdin (one line): the payer's confirmation.
    #[arg(long)]
    pub(crate) pay_password_stdin: bool,
    /// Read the one-time code sent to the payer from stdin (one line, after
    /// the password's if both): the confirmation outpatient takes by default.
    #[arg(long)]
    pub(crate) sms_code_stdin: bool,
    /// The counter (or the pharmacy's app) checked the payer's face.
    #[arg(long)]
    pub(crate) face_checked: bool,
    /// The cashier checked the payer's ID card and face in person.
    #[arg(long)]
    pub(crate) id_face_checked: bool,
    /// Do not settle: send the payer a one-time code for this bill (to
    /// their record), to be given back with --sms-code-stdin.
    #[arg(long, conflicts_with_all = ["pay_password_stdin", "sms_code_stdin", "stay"])]
    pub(crate) send_code: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum AidCmd {
    Authorize {
        #[arg(long)]
        authorizer: i64,
        #[arg(long)]
        beneficiary: i64,
        #[arg(long)]
        relation: String,
        #[arg(long, value_name = "FEN")]
        monthly_cap: Option<i64>,
        /// The owner's payment password, read from standard input (needed over --server as a family computer).
        #[arg(long)]
        pay_password_stdin: bool,
    },
    /// Set the monthly cap in fen, or clear it with --none.
    Cap {
        aid: i64,
        #[arg(long, value_name = "FEN", required_unless_present = "none", allow_negative_numbers = true)]
        fen: Option<i64>,
        #[arg(long)]
        none: bool,
        /// The owner's payment password, read from standard input (needed over --server as a family computer).
        #[arg(long)]
        pay_password_stdin: bool,
    },
    /// This relation's own online-pharmacy daily cap in fen (0–200000), or --none.
    OnlineCap {
        aid: i64,
        #[arg(long, value_name = "FEN", required_unless_present = "none", allow_negative_numbers = true)]
        fen: Option<i64>,
        #[arg(long)]
        none: bool,
        /// The owner's payment password, read from standard input (needed over --server as a family computer).
        #[arg(long)]
        pay_password_stdin: bool,
    },
    /// The commitment letter the authorizer signs (text and hash).
    Letter,
    /// Who pays for a beneficiary, in paying order, with what is left this month.
    Payers {
        beneficiary: i64,
    },
    Freeze {
        aid: i64,
    },
    Unfreeze {
        aid: i64,
        /// The owner's payment password, read from standard input (needed over --server as a family computer).
        #[arg(long)]
        pay_password_stdin: bool,
    },
    Revoke {
        aid: i64,
    },
    List {
        #[arg(long)]
        authorizer: Option<i64>,
        #[arg(long)]
        beneficiary: Option<i64>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum PremiumCmd {
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
        /// The owner's payment password, read from standard input (needed over --server as a family computer).
        #[arg(long)]
        pay_password_stdin: bool,
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
pub(crate) enum FilingCmd {
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
pub(crate) enum TerminalCmd {
    /// Issue a key to one institution's counter terminal (shown once, as `key`).
    Add {
        #[arg(long)]
        institution: i64,
        #[arg(long)]
        label: Option<String>,
    },
    List,
    /// Revoke a terminal's key: its next request is refused.
    Revoke {
        id: i64,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum PairingCmd {
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
pub(crate) enum InstitutionCmd {
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
    Import {
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum BindCmd {
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
    /// The parent activates their child's e-voucher (under 16) once the binding is approved.
    ActivateVoucher { app: i64 },
    /// Staff confirm that the holder's household register attached to an application shows the member.
    ShowsMember {
        app: i64,
        #[arg(long)]
        doc: i64,
        #[arg(long)]
        staff: i64,
    },
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
pub(crate) enum StaffCmd {
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
    Disable {
        staff: i64,
    },
    /// Enable a disabled staff account again.
    Enable {
        staff: i64,
    },
    /// Lift a lock-out and reset its escalation.
    Unlock {
        staff: i64,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum DocCmd {
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
pub(crate) enum PolicyCmd {
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
pub(crate) enum PersonCmd {
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
    /// A staff member checked the person's identity from uploaded ID card photos (front, back) and face.
    RealNameCheck {
        pid: i64,
        #[arg(long)]
        staff: i64,
    },
}

#[derive(Args, Debug)]
pub(crate) struct AddArgs {
    #[arg(long)]
    pub(crate) name: String,
    /// The 18-character resident ID number.
    #[arg(long = "id", value_name = "ID")]
    pub(crate) id: String,
    /// employee | resident
    #[arg(long)]
    pub(crate) insurance: String,
    /// Insured region: 2-, 4- or 6-digit division code.
    #[arg(long)]
    pub(crate) region: String,
    /// Personal-account balance in fen.
    #[arg(long, allow_negative_numbers = true, value_name = "FEN")]
    pub(crate) balance: Option<i64>,
    /// active | suspended | lapsed (default active)
    #[arg(long)]
    pub(crate) status: Option<String>,
    #[arg(long)]
    pub(crate) voucher_activated: bool,
    /// 失能人员 (binding them needs a medical certificate).
    #[arg(long)]
    pub(crate) disabled: bool,
}

#[derive(Args, Debug)]
pub(crate) struct EditArgs {
    pub(crate) pid: i64,
    #[arg(long)]
    pub(crate) name: Option<String>,
    #[arg(long)]
    pub(crate) insurance: Option<String>,
    #[arg(long)]
    pub(crate) region: Option<String>,
    #[arg(long)]
    pub(crate) status: Option<String>,
    #[arg(long, allow_negative_numbers = true, value_name = "FEN")]
    pub(crate) balance: Option<i64>,
    /// true | false
    #[arg(long)]
    pub(crate) disabled: Option<bool>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum IdCmd {
    /// Validate IDs given as arguments, or one per line from stdin with `-`.
    /// Exit 0 when all are valid, 3 when any is not.
    Check {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum DemoCmd {
    /// Add the demo family (idempotent). With --families/--transactions, also
    /// generate a large multi-year ledger (deterministic for --seed).
    Seed {
        #[arg(long)]
        families: Option<usize>,
        /// Settlements in the generated ledger (needs --families).
        #[arg(long, default_value_t = 0, requires = "families")]
        transactions: usize,
        #[arg(long, default_value_t = 1, requires = "families")]
        seed: u64,
        /// Seed even a ledger on PostgreSQL or one with staff accounts of its own
        /// (refused otherwise: the demo's staff password is published).
        #[arg(long)]
        force_demo: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum AuditCmd {
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
