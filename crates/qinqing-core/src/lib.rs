//! Qinqing (亲情医保) domain library: every rule of the family medical-insurance
//! domain and the SQLite ledger it keeps. It knows nothing of Tauri; the
//! desktop app and `qinqing-cli` are thin shells over [`Qinqing`].

// The domain's pure modules, at the paths the rest of the core has always
// used (`crate::id`, `crate::error`, …).
pub use qinqing_domain::{confirm, error, id, idcheck, money, region};

pub mod api;
pub mod audit;
pub mod authz;
pub mod binding;
pub mod credential;
pub mod db;
pub mod demo;
pub mod docstore;
pub mod document;
pub mod export;
pub mod fund;
pub mod installation;
pub mod keyfile;
pub mod kiosk;
pub mod paths;
pub mod payment;
pub mod person;
pub mod pg;
pub mod policy;
pub mod premium;
pub mod qr;
pub mod report;
pub mod seed;
pub mod service;
pub mod settings;
pub mod settle;
pub mod staff;
pub mod store;
pub mod throttle;
pub mod time;

pub use authz::{Act, Actor};
pub use binding::{Binding, BindingQuery, BindingStatus, MemberEntry};
pub use document::{DocKind, Document};
pub use error::{Code, Error, Kind, Result};
pub use person::{Insurance, Person, PersonEdit, PersonInput, PersonQuery, Status};
pub use policy::Relation;
pub use service::{Info, Qinqing};
pub use staff::{Role, Staff};
