//! The facade: the [`service::Qinqing`] handle and its operations, one file
//! per area. Each operation asks the permission table, loads the facts,
//! lets the rules decide, writes and audits. Only this layer writes
//! `impl Qinqing`; it stands on [`crate::access`] and [`crate::store`] and
//! on the pure rules of `qinqing-domain`.

pub mod access;
pub mod api;
pub mod audit;
pub mod backup;
pub mod binding;
pub mod credential;
pub mod demo;
pub mod document;
pub mod export;
pub mod fund;
pub mod installation;
pub mod kiosk;
pub mod payment;
pub mod person;
pub mod person_data;
pub mod policy;
pub mod premium;
pub mod qr;
pub mod report;
pub mod retention;
pub mod seed;
pub mod service;
pub mod settings;
pub mod settle;
pub mod staff;
