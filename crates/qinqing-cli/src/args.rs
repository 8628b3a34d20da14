//! The command line: `qinqing-cli`'s commands and their arguments (clap).

use super::*;

mod admin;
mod counter;
mod family;
mod money;
pub(crate) use admin::*;
pub(crate) use counter::*;
pub(crate) use family::*;
pub(crate) use money::*;

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
    /// Copy the ledger and its documents (online, the app may run) to OUT,
    /// encrypted to a passphrase (age format; restores on any computer).
    Backup {
        out: PathBuf,
        /// Read the passphrase (at least 8 characters) from stdin (one line).
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Replace the ledger's content with a backup (checked whole first).
    Restore {
        backup: PathBuf,
        /// Read the backup's passphrase from stdin (one line); an earlier
        /// version's plain backup needs none.
        #[arg(long)]
        passphrase_stdin: bool,
    },
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
