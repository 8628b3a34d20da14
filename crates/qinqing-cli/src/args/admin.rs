//! The CLI's words for settings, policy, staff, devices and pairing, messages, the demo, the audit trail.

use super::*;

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
