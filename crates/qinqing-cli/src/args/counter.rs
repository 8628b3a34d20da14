//! The CLI's words for codes, settlement, stays, institutions, counter terminals, the signing key.

use super::*;

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
pub(crate) enum KeyCmd {
    /// Print the public key (hex) that terminals use to verify codes offline.
    Export,
}
