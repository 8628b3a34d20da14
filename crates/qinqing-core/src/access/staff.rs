//! The staff register of the service centre. Passwords are stored only as
//! Argon2id hashes (PHC strings). The kiosk issue builds log-in on this.

use crate::error::{Error, Result};
use argon2::{Argon2, PasswordHasher};
use password_hash::rand_core::OsRng;
use password_hash::SaltString;
use serde::Serialize;

pub const MIN_PASSWORD: usize = 8;

/// Passwords that fall to the first guesses (lower-cased comparison): the
/// commonest in Chinese and English leaks, and the app's own name.
pub(crate) const COMMON_PASSWORDS: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "87654321",
    "11111111",
    "00000000",
    "88888888",
    "66666666",
    "12341234",
    "11223344",
    "password",
    "password1",
    "passw0rd",
    "qwertyui",
    "qwerty123",
    "qwer1234",
    "asdf1234",
    "abcd1234",
    "a1234567",
    "a12345678",
    "1qaz2wsx",
    "1q2w3e4r",
    "iloveyou",
    "woaini1314",
    "woaini520",
    "5201314520",
    "admin123",
    "administrator",
    "qinqing123",
    "qinqing2026",
    "changeme",
    "letmein1",
    "welcome1",
];

/// A password long enough and not among the commonest.
pub fn check_new_password(pw: &str) -> Result<()> {
    if pw.chars().count() < MIN_PASSWORD || pw.len() > MAX_PASSWORD {
        return Err(Error::staff_password_weak(MIN_PASSWORD));
    }
    let lower = pw.to_lowercase();
    let one_char = lower.chars().all(|c| lower.starts_with(c));
    if one_char || COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Err(Error::staff_password_common());
    }
    Ok(())
}
pub(crate) const MAX_PASSWORD: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Staff,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Role> {
        match raw.trim() {
            "admin" => Ok(Role::Admin),
            "staff" => Ok(Role::Staff),
            other => Err(Error::staff_role_invalid(other)),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Staff {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: String,
}

pub(crate) fn hash_password(pw: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(pw.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| Error::internal(format!("password hashing: {e}")))
}

#[cfg(test)]
mod tests {
    use crate::time::FixedClock;
    use crate::{Code, Qinqing};
    use std::sync::Arc;

    #[test]
    fn add_verify_and_refuse() {
        let mut q = Qinqing::in_memory(Arc::new(FixedClock::at("2026-03-01T02:00:00Z"))).unwrap();
        let s = q.add_staff("陈主任", "admin", "correct horse", "correct horse").unwrap();
        assert_eq!(s.role, super::Role::Admin);
        let hash: String = q.conn().query_row("SELECT password_hash FROM staff", [], |r| r.get(0)).unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert_eq!(q.verify_staff(s.id, "correct horse").unwrap().id, s.id);
        assert_eq!(q.verify_staff(s.id, "wrong horse").unwrap_err().code, Code::StaffPasswordWrong);
        assert_eq!(q.verify_staff(99, "x").unwrap_err().code, Code::StaffNotFound);
        assert_eq!(q.add_staff("x", "staff", "short", "short").unwrap_err().code, Code::StaffPasswordWeak);
        assert_eq!(q.add_staff("x", "staff", "longenough1", "longenough2").unwrap_err().code, Code::StaffPasswordMismatch);
        assert_eq!(q.add_staff("x", "boss", "longenough1", "longenough1").unwrap_err().code, Code::StaffRoleInvalid);
        assert_eq!(q.list_staff().unwrap().len(), 1);
    }
}
