//! Who may do what: the actor and the permission table ([`authz`]), staff
//! and their passwords ([`staff`]), sessions, terminal keys and paired
//! devices ([`credential`]), the kiosk's sessions ([`kiosk`]), the growing
//! waits after wrong secrets ([`throttle`]) and the audit trail ([`audit`]).
//! Below the facade: nothing here holds a `Qinqing` handle (its operations
//! are in [`crate::app`]).

pub mod audit;
pub mod authz;
pub mod credential;
pub mod kiosk;
pub mod staff;
pub mod throttle;
