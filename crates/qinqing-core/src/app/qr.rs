//! The dynamic insurance QR code (医保码): a signed token that says who pays,
//! for whom, shown by whom, issued when and valid until when, with a random
//! nonce. Ed25519 signatures let any terminal verify it offline with the
//! installation's public key (`qinqing-cli key export`).
//!
//! Wire format: `QQ1` + base32 (RFC 4648, no padding — all characters of
//! QR alphanumeric mode) of `payload ‖ signature`, where payload is
//! `version:u8 payer:u32 member:u32 shown_by:u32 issued:u32 expires:u32 nonce:[u8;8]`
//! (big-endian; times are Unix seconds).

use crate::access::authz::Act;
use crate::app::person;
use crate::app::service::Qinqing;
use crate::error::{Error, Result};
use crate::store::OptionalExtension;
use crate::time;
use chrono::{DateTime, TimeZone, Utc};
use data_encoding::BASE32_NOPAD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use password_hash::rand_core::{OsRng, RngCore};
use qrcode::{EcLevel, QrCode};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub const PREFIX: &str = "QQ1";
const VERSION: u8 = 1;
const PAYLOAD_LEN: usize = 1 + 4 * 5 + 8;
const TOKEN_BYTES: usize = PAYLOAD_LEN + 64;

/// What a code says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Claims {
    /// Whose personal account pays first (the member's own).
    pub payer: i64,
    pub member: i64,
    /// Who showed it: the member, or the holder of an active binding.
    pub shown_by: i64,
    pub issued_at: i64,
    pub expires_at: i64,
    /// 16 hex characters.
    pub nonce: String,
}

fn u32_of(v: i64, what: &str) -> Result<u32> {
    u32::try_from(v).map_err(|_| Error::internal(format!("{what} out of range for a code")))
}

/// Sign `claims` into a token.
pub fn encode(key: &SigningKey, c: &Claims) -> Result<String> {
    let nonce = data_encoding::HEXLOWER.decode(c.nonce.as_bytes()).map_err(|_| Error::internal("nonce"))?;
    let mut p = Vec::with_capacity(TOKEN_BYTES);
    p.push(VERSION);
    for (v, w) in [(c.payer, "payer"), (c.member, "member"), (c.shown_by, "shown_by"), (c.issued_at, "issued"), (c.expires_at, "expires")] {
        p.extend(u32_of(v, w)?.to_be_bytes());
    }
    p.extend(&nonce);
    let sig = key.sign(&p);
    p.extend(sig.to_bytes());
    Ok(format!("{PREFIX}{}", BASE32_NOPAD.encode(&p)))
}

/// Check the signature and decode. Expiry is checked by [`check_time`].
pub fn decode(key: &VerifyingKey, token: &str) -> Result<Claims> {
    let t = token.trim();
    let body = t.strip_prefix(PREFIX).ok_or_else(Error::qr_malformed)?;
    read_ledger_code(body)?.check(key, Utc::now()).map(|c| c.claims)
}

/// A ledger code's body (after `QQ1`), read but not yet checked.
fn read_ledger_code(body: &str) -> Result<Unchecked> {
    let bytes = BASE32_NOPAD.decode(body.as_bytes()).map_err(|_| Error::qr_malformed())?;
    if bytes.len() != TOKEN_BYTES || bytes[0] != VERSION {
        return Err(Error::qr_malformed());
    }
    let (payload, sig) = bytes.split_at(PAYLOAD_LEN);
    let sig = Signature::from_slice(sig).map_err(|_| Error::qr_malformed())?;
    let n = |i: usize| i64::from(u32::from_be_bytes([payload[i], payload[i + 1], payload[i + 2], payload[i + 3]]));
    let claims =
        Claims { payer: n(1), member: n(5), shown_by: n(9), issued_at: n(13), expires_at: n(17), nonce: data_encoding::HEXLOWER.encode(&payload[21..29]) };
    Ok(Unchecked { claims, payload: payload.to_vec(), sig, device: None })
}

// ------------------------------------------------------------ device codes
//
// A paired family computer signs codes itself (issue 18), so that it can
// show one while the centre's server cannot be reached. The ledger certifies
// the device's key at pairing; a counter checks the whole chain offline —
// the ledger's key → the device's certificate → the code — and the ledger
// still decides at settlement (device not revoked, the member in that
// household, the binding in force, the nonce unused).
//
// Wire format: `QQ2` + base32 of `payload ‖ device signature`, where payload
// is `version:u8(2) device:u32 holder:u32 cert_expires:u32 device_key:[u8;32]
// cert_signature:[u8;64] payer:u32 member:u32 shown_by:u32 issued:u32
// expires:u32 nonce:[u8;8]`; the certificate signature is the ledger's over
// `"QQD1" device holder cert_expires device_key` (big-endian).

pub const DEVICE_PREFIX: &str = "QQ2";
const DEVICE_VERSION: u8 = 2;
const CERT_LEN: usize = 4 + 4 + 4 + 32 + 64;
const DEVICE_PAYLOAD_LEN: usize = 1 + CERT_LEN + 4 * 5 + 8;
const DEVICE_TOKEN_BYTES: usize = DEVICE_PAYLOAD_LEN + 64;
/// How long a device's certificate lasts (a year); pairing again renews it.
pub const DEVICE_CERT_SECS: i64 = 365 * 24 * 3600;

pub use crate::access::credential::DeviceCert;

fn cert_message(device: u32, holder: u32, expires: u32, key: &[u8; 32]) -> Vec<u8> {
    let mut m = b"QQD1".to_vec();
    for v in [device, holder, expires] {
        m.extend(v.to_be_bytes());
    }
    m.extend(key);
    m
}

/// The ledger certifies `public_key` as device `device` of `holder` until `expires`.
pub fn certify(ledger: &SigningKey, device: i64, holder: i64, expires: i64, public_key: &VerifyingKey) -> Result<DeviceCert> {
    let msg = cert_message(u32_of(device, "device")?, u32_of(holder, "holder")?, u32_of(expires, "expires")?, public_key.as_bytes());
    Ok(DeviceCert {
        device,
        holder,
        expires,
        public_key: data_encoding::HEXLOWER.encode(public_key.as_bytes()),
        signature: data_encoding::HEXLOWER.encode(&ledger.sign(&msg).to_bytes()),
    })
}

/// A new device key (kept by the family computer, owner-only).
pub fn new_device_key() -> SigningKey {
    SigningKey::generate(&mut OsRng)
}

/// A new device key as (secret, public), hex: the secret stays on the
/// device (owner-only), the public half goes to the ledger at pairing.
pub fn new_device_key_hex() -> (String, String) {
    let k = new_device_key();
    (data_encoding::HEXLOWER.encode(&k.to_bytes()), data_encoding::HEXLOWER.encode(k.verifying_key().as_bytes()))
}

/// A device (its secret key as hex) signs a fresh code for `member`, shown
/// by `shown_by`, valid `validity` seconds (at most [`MAX_VALIDITY_SECS`]) from `now`.
pub fn device_code(secret_hex: &str, cert: &DeviceCert, member: i64, shown_by: i64, validity: i64, now: DateTime<Utc>) -> Result<String> {
    let bytes: [u8; 32] = data_encoding::HEXLOWER_PERMISSIVE
        .decode(secret_hex.trim().as_bytes())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::internal("the device's stored key is not 32 bytes of hex"))?;
    let mut nonce = [0u8; 8];
    OsRng.fill_bytes(&mut nonce);
    let claims = Claims {
        payer: member,
        member,
        shown_by,
        issued_at: now.timestamp(),
        expires_at: now.timestamp() + validity.clamp(1, MAX_VALIDITY_SECS),
        nonce: data_encoding::HEXLOWER.encode(&nonce),
    };
    encode_device(&SigningKey::from_bytes(&bytes), cert, &claims)
}

/// A device signs `c` under its certificate: a `QQ2` token.
pub fn encode_device(device_key: &SigningKey, cert: &DeviceCert, c: &Claims) -> Result<String> {
    let hex = |h: &str| data_encoding::HEXLOWER_PERMISSIVE.decode(h.as_bytes()).map_err(|_| Error::internal("certificate"));
    let pk = hex(&cert.public_key)?;
    let sig = hex(&cert.signature)?;
    if pk.len() != 32 || sig.len() != 64 || pk != device_key.verifying_key().as_bytes() {
        return Err(Error::internal("the certificate is not this device key's"));
    }
    let nonce = data_encoding::HEXLOWER.decode(c.nonce.as_bytes()).map_err(|_| Error::internal("nonce"))?;
    let mut p = Vec::with_capacity(DEVICE_TOKEN_BYTES);
    p.push(DEVICE_VERSION);
    for (v, w) in [(cert.device, "device"), (cert.holder, "holder"), (cert.expires, "expires")] {
        p.extend(u32_of(v, w)?.to_be_bytes());
    }
    p.extend(&pk);
    p.extend(&sig);
    for (v, w) in [(c.payer, "payer"), (c.member, "member"), (c.shown_by, "shown_by"), (c.issued_at, "issued"), (c.expires_at, "expires")] {
        p.extend(u32_of(v, w)?.to_be_bytes());
    }
    p.extend(&nonce);
    let s = device_key.sign(&p);
    p.extend(s.to_bytes());
    Ok(format!("{DEVICE_PREFIX}{}", BASE32_NOPAD.encode(&p)))
}

/// Who signed a code: the ledger itself, or a device it certified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Checked {
    #[serde(flatten)]
    pub claims: Claims,
    /// A device's code: its number and household (checked again at settlement).
    pub device: Option<i64>,
    pub device_holder: Option<i64>,
}

/// Check a code of either kind against the ledger's public key alone (a
/// counter, offline): the signature chain and the format; time is checked by
/// [`check_time`]. A device certificate past its end is refused.
pub fn decode_any(ledger: &VerifyingKey, token: &str, now: DateTime<Utc>) -> Result<Checked> {
    read_any(token)?.check(ledger, now)
}

/// A code of either kind as read from its text — the format is checked, the
/// signatures not yet ([`Unchecked::check`]). Its claims may be used to look
/// things up before the (costlier) signature check, never to decide.
pub struct Unchecked {
    claims: Claims,
    /// What the code's own signature covers, and that signature.
    payload: Vec<u8>,
    sig: Signature,
    device: Option<DevicePart>,
}

/// A device code's certificate: the ledger vouches for the device's key.
struct DevicePart {
    device: u32,
    holder: u32,
    expires: u32,
    key: [u8; 32],
    cert_sig: Signature,
}

/// Read a code of either kind (format only; see [`Unchecked`]).
pub fn read_any(token: &str) -> Result<Unchecked> {
    let t = token.trim();
    let Some(body) = t.strip_prefix(DEVICE_PREFIX) else {
        let body = t.strip_prefix(PREFIX).ok_or_else(Error::qr_malformed)?;
        return read_ledger_code(body);
    };
    let bytes = BASE32_NOPAD.decode(body.as_bytes()).map_err(|_| Error::qr_malformed())?;
    if bytes.len() != DEVICE_TOKEN_BYTES || bytes[0] != DEVICE_VERSION {
        return Err(Error::qr_malformed());
    }
    let (payload, sig) = bytes.split_at(DEVICE_PAYLOAD_LEN);
    let n = |i: usize| u32::from_be_bytes([payload[i], payload[i + 1], payload[i + 2], payload[i + 3]]);
    let key: [u8; 32] = payload[13..45].try_into().map_err(|_| Error::qr_malformed())?;
    let cert_sig = Signature::from_slice(&payload[45..109]).map_err(|_| Error::qr_malformed())?;
    let sig = Signature::from_slice(sig).map_err(|_| Error::qr_malformed())?;
    let c = 109;
    let claims = Claims {
        payer: i64::from(n(c)),
        member: i64::from(n(c + 4)),
        shown_by: i64::from(n(c + 8)),
        issued_at: i64::from(n(c + 12)),
        expires_at: i64::from(n(c + 16)),
        nonce: data_encoding::HEXLOWER.encode(&payload[c + 20..c + 28]),
    };
    Ok(Unchecked { claims, payload: payload.to_vec(), sig, device: Some(DevicePart { device: n(1), holder: n(5), expires: n(9), key, cert_sig }) })
}

impl Unchecked {
    /// Whether a paired device signed it (the ledger certified its key).
    pub fn is_device(&self) -> bool {
        self.device.is_some()
    }

    /// What the code says — not yet vouched for by any signature.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// Check the signatures: the ledger's over the code, or the ledger's over
    /// the device's certificate (not past its end at `now`) and the device's
    /// over the code.
    pub fn check(self, ledger: &VerifyingKey, now: DateTime<Utc>) -> Result<Checked> {
        let Some(d) = self.device else {
            ledger.verify(&self.payload, &self.sig).map_err(|_| Error::qr_bad_signature())?;
            return Ok(Checked { claims: self.claims, device: None, device_holder: None });
        };
        // The ledger vouches for the device's key …
        ledger.verify(&cert_message(d.device, d.holder, d.expires, &d.key), &d.cert_sig).map_err(|_| Error::qr_bad_signature())?;
        if i64::from(d.expires) <= now.timestamp() {
            return Err(Error::qr_device_refused());
        }
        // … and the device's key for the code.
        let device_key = VerifyingKey::from_bytes(&d.key).map_err(|_| Error::qr_malformed())?;
        device_key.verify(&self.payload, &self.sig).map_err(|_| Error::qr_bad_signature())?;
        Ok(Checked { claims: self.claims, device: Some(i64::from(d.device)), device_holder: Some(i64::from(d.holder)) })
    }
}

/// A code pays at most this long after its issue time (DOMAIN §5).
pub const MAX_VALIDITY_SECS: i64 = 60;

/// Valid at `now` by the verifier's clock (DOMAIN §5): at most 60 s (and no
/// later than the code's own expiry) after its issue time. `skew` only lets
/// an issue time lie slightly ahead of this clock (another device's clock
/// running fast); it never stretches the 60 s.
pub fn check_time(c: &Claims, now: DateTime<Utc>, skew: i64) -> Result<()> {
    let now = now.timestamp();
    let deadline = c.expires_at.min(c.issued_at + MAX_VALIDITY_SECS);
    if now > deadline {
        return Err(Error::qr_expired(now - deadline));
    }
    if c.issued_at > now + skew.max(0) {
        return Err(Error::qr_not_yet_valid());
    }
    Ok(())
}

/// The QR image of a token, as SVG. The modules come from the `qrcode`
/// crate; they are written as one path of horizontal runs, because the
/// crate's own SVG renderer took ~0.9 ms per code here (bench/settle.sh),
/// most of the 1 ms budget for issuing one.
pub fn svg(token: &str) -> Result<String> {
    use std::fmt::Write;
    let code = QrCode::with_error_correction_level(token.as_bytes(), EcLevel::M).map_err(|e| Error::internal(format!("QR: {e}")))?;
    let w = code.width();
    let dark = code.to_colors();
    const QUIET: usize = 4;
    let size = w + 2 * QUIET;
    let mut d = String::with_capacity(w * w * 2);
    for y in 0..w {
        let mut x = 0;
        while x < w {
            if dark[y * w + x] == qrcode::Color::Dark {
                let start = x;
                while x < w && dark[y * w + x] == qrcode::Color::Dark {
                    x += 1;
                }
                let _ = write!(d, "M{} {}h{}v1h-{}z", start + QUIET, y + QUIET, x - start, x - start);
            } else {
                x += 1;
            }
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"{px}\" height=\"{px}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{d}\"/></svg>",
        px = size * 8
    ))
}

/// The QR image of a token, as PNG bytes (`px` pixels per module).
pub fn png(token: &str, px: u32) -> Result<Vec<u8>> {
    let code = QrCode::with_error_correction_level(token.as_bytes(), EcLevel::M).map_err(|e| Error::internal(format!("QR: {e}")))?;
    let img = code.render::<image::Luma<u8>>().module_dimensions(px, px).quiet_zone(true).build();
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).map_err(|e| Error::internal(format!("PNG: {e}")))?;
    Ok(out)
}

/// A freshly issued code, for the screen.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Issued {
    pub token: String,
    pub member: i64,
    pub member_name: String,
    pub shown_by: i64,
    pub issued_at: String,
    pub expires_at: String,
    pub expires_at_local: String,
    pub validity_secs: i64,
    pub svg: String,
    /// The member's personal-account balance now, for the screen.
    pub balance_fen: i64,
    pub balance_display: String,
}

/// The name a sealed key file is sealed under (its associated data).
const KEY_NAME: &str = "keys/installation.ed25519";

fn key_path(files_dir: &Path) -> PathBuf {
    files_dir.join("keys").join("installation.ed25519")
}

impl Qinqing {
    /// The installation's signing key, made on first use (owner-only file).
    pub fn signing_key(&self) -> Result<SigningKey> {
        if let Some(k) = self.key_cache().get() {
            return Ok(k.clone());
        }
        let k = self.load_or_make_key()?;
        let _ = self.key_cache().set(k.clone());
        Ok(k)
    }

    fn load_or_make_key(&self) -> Result<SigningKey> {
        if self.conn().sqlite().is_none() {
            return self.load_or_make_shared_key();
        }
        let path = key_path(&self.files().dir);
        match std::fs::read(&path) {
            Ok(b) => {
                let plain_file = !crate::store::sealed::is_sealed(&b);
                let bytes = zeroize::Zeroizing::new(if plain_file {
                    b
                } else {
                    let k = self.doc_key()?.ok_or_else(|| Error::internal(format!("{} is sealed, and this ledger is not encrypted", path.display())))?;
                    crate::store::sealed::open(&k, KEY_NAME, b)
                        .map_err(|_| Error::internal(format!("{}: the installation's signing key does not open under this ledger's key", path.display())))?
                });
                let k: [u8; 32] = bytes[..].try_into().map_err(|_| Error::internal(format!("{} is not a 32-byte key", path.display())))?;
                let key = SigningKey::from_bytes(&k);
                // An earlier version's plain key file is sealed in place.
                if plain_file && self.doc_key()?.is_some() {
                    crate::store::docstore::write_private_replace(&path, &self.key_file_bytes(&key)?)?;
                }
                Ok(key)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SigningKey::generate(&mut OsRng);
                match crate::store::docstore::write_private_new(&path, &self.key_file_bytes(&key)?) {
                    Ok(()) => Ok(key),
                    // Another process made it first: use theirs.
                    Err(_) if path.exists() => self.load_or_make_key(),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(Error::internal(format!("{}: {e}", path.display()))),
        }
    }

    /// What a SQLite ledger's key file holds for `key`: sealed under the
    /// ledger's documents key (issue 35: a copied document folder does not
    /// carry the key that signs codes), plain only beside the benchmarks'
    /// unencrypted ledger.
    pub(crate) fn key_file_bytes(&self, key: &SigningKey) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let plain = zeroize::Zeroizing::new(key.to_bytes().to_vec());
        match self.doc_key()? {
            Some(k) => crate::store::sealed::seal(&k, KEY_NAME, &plain).map(zeroize::Zeroizing::new),
            None => Ok(plain),
        }
    }

    /// Where a SQLite ledger keeps its signing key (`None`: PostgreSQL's is
    /// in its key file, [`crate::keyfile`]).
    pub(crate) fn signing_key_file(&self) -> Option<PathBuf> {
        self.conn().sqlite().map(|_| key_path(&self.files().dir))
    }

    /// A shared (PostgreSQL) ledger keeps its key in a key file outside the
    /// database, the same file on every server replica; the database holds
    /// only the public key ([`crate::keyfile`]).
    fn load_or_make_shared_key(&self) -> Result<SigningKey> {
        crate::keyfile::load_or_make(self.conn(), || SigningKey::generate(&mut OsRng))
    }

    /// The public key, hex, for terminals that verify offline.
    pub fn public_key_hex(&self) -> Result<String> {
        Ok(data_encoding::HEXLOWER.encode(self.signing_key()?.verifying_key().as_bytes()))
    }

    /// Issue a code for `member`, shown by the member or by `holder`.
    pub fn issue_qr(&self, member: i64, holder: Option<i64>) -> Result<Issued> {
        self.permit(Act::QrIssue { member, shown_by: holder.unwrap_or(member) })?;
        let m = self.showable(member, holder.unwrap_or(member))?;
        let now = self.now();
        let validity = self.setting("qr_validity_secs")?;
        let mut nonce = [0u8; 8];
        OsRng.fill_bytes(&mut nonce);
        let shown_by = holder.unwrap_or(member);
        let claims = Claims {
            payer: member,
            member,
            shown_by,
            issued_at: now.timestamp(),
            expires_at: now.timestamp() + validity,
            nonce: data_encoding::HEXLOWER.encode(&nonce),
        };
        let token = encode(&self.signing_key()?, &claims)?;
        let expires = Utc.timestamp_opt(claims.expires_at, 0).single().ok_or_else(|| Error::internal("time"))?;
        Ok(Issued {
            svg: svg(&token)?,
            token,
            member,
            member_name: m.name.clone(),
            shown_by,
            issued_at: time::to_db(now),
            expires_at: time::to_db(expires),
            expires_at_local: time::display_china(expires),
            validity_secs: validity,
            balance_fen: m.balance_fen,
            balance_display: crate::money::format_fen(m.balance_fen),
        })
    }

    /// A device's code at the ledger (settlement, admission, reading it):
    /// the device still paired and not revoked, for the household its
    /// certificate names, and the member's code showable now by the same
    /// rules as a code the ledger issues. A ledger-signed code passes as is.
    pub fn check_device_code(&self, c: &Checked) -> Result<()> {
        let (Some(device), Some(holder)) = (c.device, c.device_holder) else { return Ok(()) };
        let row: Option<(Option<i64>, Option<String>)> =
            self.conn().query_row("SELECT holder_id, revoked_at FROM device WHERE id = ?1", [device], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        if !matches!(row, Some((Some(h), None)) if h == holder) {
            return Err(Error::qr_device_refused());
        }
        let family = crate::access::authz::family_of(self.conn(), holder)?;
        if !family.contains(&c.claims.member) || !family.contains(&c.claims.shown_by) || c.claims.payer != c.claims.member {
            return Err(Error::qr_device_refused());
        }
        self.showable(c.claims.member, c.claims.shown_by).map(drop)
    }

    /// Whether `member`'s code may be shown now by `shown_by` (the member or
    /// a holder): e-voucher activated, an active binding, the face checked
    /// from 16 (or the binding confirmed remotely).
    fn showable(&self, member: i64, shown_by: i64) -> Result<crate::app::person::Stored> {
        let m = person::load(self.conn(), member)?;
        if !m.voucher_activated {
            return Err(Error::qr_voucher_not_activated());
        }
        // A member aged 60+ who confirmed the binding remotely needs no visit:
        // that confirmation stands for the face check when the holder shows the code.
        let mut remote_confirmed = false;
        if shown_by != member {
            person::load(self.conn(), shown_by)?;
            let bound: Option<Option<String>> = self
                .conn()
                .query_row("SELECT remote_confirmed_at FROM binding WHERE holder_id = ?1 AND member_id = ?2 AND status = 'active'", [shown_by, member], |r| {
                    r.get(0)
                })
                .optional()?;
            match bound {
                None => return Err(Error::qr_not_bound()),
                Some(r) => remote_confirmed = r.is_some(),
            }
        }
        let now = self.now();
        if time::age_on(m.rid.birth_date(), time::china_date(now)) >= crate::app::binding::ADULT_AGE && m.face_verified_at.is_none() && !remote_confirmed {
            return Err(Error::qr_face_required());
        }
        Ok(m)
    }

    /// Verify a token (the ledger's, or a paired device's) at the current time.
    pub fn verify_qr(&self, token: &str) -> Result<Checked> {
        let c = decode_any(&self.signing_key()?.verifying_key(), token, self.now())?;
        self.permit(Act::QrVerify { member: c.claims.member })?;
        check_time(&c.claims, self.now(), self.setting("qr_clock_skew_secs")?)?;
        self.check_device_code(&c)?;
        Ok(c)
    }
}

/// Parse a hex public key (as `key export` prints it).
pub fn verifying_key_from_hex(hex: &str) -> Result<VerifyingKey> {
    let b = data_encoding::HEXLOWER_PERMISSIVE.decode(hex.trim().as_bytes()).map_err(|_| Error::qr_malformed())?;
    let arr: [u8; 32] = b.try_into().map_err(|_| Error::qr_malformed())?;
    VerifyingKey::from_bytes(&arr).map_err(|_| Error::qr_malformed())
}
