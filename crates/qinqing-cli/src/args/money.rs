//! The CLI's words for 家庭共济, 代缴, filings, reports and the transaction record.

use super::*;

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
