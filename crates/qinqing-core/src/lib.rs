//! Qinqing (亲情医保) domain library: every rule of the family medical-insurance
//! domain and the SQLite ledger it keeps. It knows nothing of Tauri; the
//! desktop app and `qinqing-cli` are thin shells over [`Qinqing`].

// The domain's pure modules, at the paths the rest of the core has always
// used (`crate::id`, `crate::error`, …).
pub use qinqing_domain::{confirm, error, id, idcheck, money, region, scenario};

pub mod access;
pub mod app;
pub mod keyfile;
pub mod paths;
pub mod store;
pub mod time;

// The layers at the paths the faces and tests have always used
// (`qinqing_core::binding`, `qinqing_core::settle`, …).
pub use access::{audit, authz, credential, kiosk, staff, throttle};
pub use app::{api, backup, binding};
pub use app::{demo, document, export, fund, installation, payment, person, policy, premium, qr, report, seed, service, settings, settle};
pub use store::{docstore, pg, sqlite as db};

pub use authz::{Act, Actor};
pub use binding::{Binding, BindingQuery, BindingStatus, MemberEntry};
pub use document::{DocKind, Document};
pub use error::{Code, Error, Kind, Result};
pub use person::{Insurance, Person, PersonEdit, PersonInput, PersonQuery, Status};
pub use policy::Relation;
pub use service::{Caller, Info, Qinqing, Who};
pub use staff::{Role, Staff};
