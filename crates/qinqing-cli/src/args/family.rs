//! The CLI's words for 亲情账户 applications, documents, the register of persons, ID checks.

use super::*;

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
    /// Documents past their retention period (setting doc_retention_days):
    /// list them (--dry-run, nothing changed) or purge them (--apply, audited;
    /// administrators). Documents of an application under review or a binding
    /// in effect are never purged.
    Purge {
        /// Only say what would be purged, and why the rest stays.
        #[arg(long, conflicts_with = "apply", required_unless_present = "apply")]
        dry_run: bool,
        /// Purge it.
        #[arg(long)]
        apply: bool,
        /// With --dry-run: list at most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
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
    /// Write everything the ledger holds about a person into a new or empty
    /// folder, owner-only: person.json (record, bindings, 家庭共济, settlements,
    /// premiums, stays, filings, messages) and their documents. The person,
    /// a parent for a child under 16, or an administrator (audited).
    Export {
        pid: i64,
        /// The folder (new, or empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Erase a person's documents and identifying data, keeping every amount
    /// under a pseudonym (administrators; audited). Refused while a binding,
    /// a 家庭共济 relation or an unsettled hospital stay needs the person.
    Erase {
        pid: i64,
        /// Why (kept in the audit trail; must not name the person).
        #[arg(long)]
        reason: String,
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
