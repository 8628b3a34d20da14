//! Documents at rest under an AEAD (issue 35): what is written to the
//! document store — a file beside a SQLite ledger, a `blob` row of a
//! PostgreSQL one — is sealed, so a copy of the store (a stolen disk, a
//! backup, a `pg_dump`, a replica) shows no one's ID card or household
//! register.
//!
//! **Key.** The ledger's 32-byte at-rest secret ([`crate::Qinqing`]'s
//! `at_rest_secret`: a SQLite ledger's own key, a PostgreSQL ledger's signing
//! key from its key file on the server's disk — never in the database) is
//! never used directly nor stored: the documents' key is derived from it with
//! HKDF-SHA256 (no salt: the secret is already uniformly random; info
//! [`INFO`]), so the same secret can key other purposes without two uses ever
//! sharing a key, and a later format can move to `… v2` beside this one.
//!
//! **Format** of a sealed file, [`HEADER`] bytes and then the ciphertext:
//!
//! ```text
//! "QQE1"        4 bytes   magic and format version
//! nonce        24 bytes   random (XChaCha20's extended nonce)
//! ciphertext    n bytes   the document's bytes, XChaCha20
//! tag          16 bytes   Poly1305
//! ```
//!
//! The associated data is the magic followed by the stored name
//! (`<sha256>.<ext>`), so a file copied or renamed to another document's name
//! — or an original swapped with a thumbnail — does not open. XChaCha20's
//! 192-bit nonces are drawn at random for every file: with one long-lived key
//! per ledger and no counter to keep, random 96-bit nonces would be the
//! weaker choice. Sealing the same bytes twice gives different files; that
//! changes nothing for deduplication, which goes by the name (the SHA-256 of
//! the plain bytes, as before).
//!
//! **Telling sealed from legacy.** What is stored plain is always a JPEG
//! (`FF D8 FF`) or a PDF (`%PDF`), never `QQE1`, so the first four bytes say
//! which it is. A file an earlier version stored plain is still read — only if
//! its bytes hash to its name — until the ledger's next opening seals it
//! ([`crate::store::docstore::DocFiles::seal_legacy`]).
//!
//! What a copy of the store still shows: how many documents there are, their
//! sizes (± 44 bytes), and their names, which are the SHA-256 of the plain
//! bytes — enough to confirm that one exact, already known file is stored,
//! nothing of what an unknown one shows.

use crate::error::{Error, Result};
use chacha20poly1305::aead::{AeadCore, AeadInPlace, KeyInit, OsRng};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The first bytes of every sealed file: format 1.
pub const MAGIC: &[u8; 4] = b"QQE1";
/// The HKDF info string of the documents' key.
pub const INFO: &[u8] = b"qinqing documents v1";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Magic and nonce: the bytes before the ciphertext.
pub const HEADER: usize = MAGIC.len() + NONCE_LEN;
/// How many bytes sealing adds to a file.
pub const OVERHEAD: usize = HEADER + TAG_LEN;

/// The documents' key of one ledger (the cipher zeroizes it when dropped).
#[derive(Clone)]
pub struct DocKey(XChaCha20Poly1305);

impl DocKey {
    /// The documents' key derived from the ledger's at-rest secret.
    pub fn derive(secret: &[u8; 32]) -> DocKey {
        let mut okm = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's limit (255 × 32): this cannot fail.
        let _ = Hkdf::<Sha256>::new(None, secret).expand(INFO, okm.as_mut_slice());
        DocKey(XChaCha20Poly1305::new(okm.as_slice().into()))
    }
}

impl std::fmt::Debug for DocKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocKey(..)")
    }
}

/// Whether `bytes` are in the sealed format (else: stored plain by an earlier version).
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

fn aad(name: &str) -> Vec<u8> {
    let mut a = Vec::with_capacity(MAGIC.len() + name.len());
    a.extend_from_slice(MAGIC);
    a.extend_from_slice(name.as_bytes());
    a
}

/// Seal `plain`, to be stored as `name`.
pub fn seal(key: &DocKey, name: &str, plain: &[u8]) -> Result<Vec<u8>> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let mut out = Vec::with_capacity(plain.len() + OVERHEAD);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plain);
    let tag = key.0.encrypt_in_place_detached(&nonce, &aad(name), &mut out[HEADER..]).map_err(|_| Error::internal("document sealing failed"))?;
    out.extend_from_slice(&tag);
    Ok(out)
}

/// The plain bytes of the sealed file `bytes` stored as `name` (decrypted in
/// place). A wrong key, a changed byte, a cut file or another name's file is
/// [`Error::doc_unreadable`].
pub fn open(key: &DocKey, name: &str, mut bytes: Vec<u8>) -> Result<Vec<u8>> {
    if !is_sealed(&bytes) || bytes.len() < OVERHEAD {
        return Err(Error::doc_unreadable(name));
    }
    let end = bytes.len() - TAG_LEN;
    let tag = Tag::clone_from_slice(&bytes[end..]);
    let nonce = XNonce::clone_from_slice(&bytes[MAGIC.len()..HEADER]);
    key.0.decrypt_in_place_detached(&nonce, &aad(name), &mut bytes[HEADER..end], &tag).map_err(|_| Error::doc_unreadable(name))?;
    bytes.truncate(end);
    bytes.drain(..HEADER);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> DocKey {
        DocKey::derive(&[b; 32])
    }

    #[test]
    fn round_trip_and_refusals() {
        let plain = b"\xFF\xD8\xFF\xE0 a page".to_vec();
        let s = seal(&key(1), "ab.jpg", &plain).unwrap();
        assert!(is_sealed(&s));
        assert_eq!(s.len(), plain.len() + OVERHEAD);
        assert!(!s.windows(plain.len()).any(|w| w == plain.as_slice()));
        assert_eq!(open(&key(1), "ab.jpg", s.clone()).unwrap(), plain);
        assert_ne!(seal(&key(1), "ab.jpg", &plain).unwrap(), s, "a fresh nonce each time");
        assert_eq!(open(&key(2), "ab.jpg", s.clone()).unwrap_err().code, crate::Code::DocUnreadable);
        assert_eq!(open(&key(1), "cd.jpg", s.clone()).unwrap_err().code, crate::Code::DocUnreadable);
        for i in [0, 5, HEADER, s.len() - 1] {
            let mut t = s.clone();
            t[i] ^= 1;
            assert_eq!(open(&key(1), "ab.jpg", t).unwrap_err().code, crate::Code::DocUnreadable, "byte {i}");
        }
        assert!(open(&key(1), "ab.jpg", s[..OVERHEAD - 1].to_vec()).is_err());
        assert_eq!(open(&key(1), "e.pdf", seal(&key(1), "e.pdf", b"").unwrap()).unwrap(), b"");
    }

    #[test]
    fn the_key_is_derived_not_the_secret() {
        let secret = [7u8; 32];
        let direct = DocKey(XChaCha20Poly1305::new((&secret).into()));
        let s = seal(&DocKey::derive(&secret), "x.pdf", b"%PDF-1.4").unwrap();
        assert!(open(&direct, "x.pdf", s).is_err());
    }
}
