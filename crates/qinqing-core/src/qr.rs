//! The dynamic insurance QR code (医保码): a signed token that says who pays,
//! for whom, shown by whom, issued when and valid until when, with a random
//! nonce. Ed25519 signatures let any terminal verify it offline with the
//! installation's public key (`qinqing-cli key export`).
//!
//! Wire format: `QQ1` + base32 (RFC 4648, no padding — all characters of
//! QR alphanumeric mode) of `payload ‖ signature`, where payload is
//! `version:u8 payer:u32 member:u32 shown_by:u32 issued:u32 expires:u32 nonce:[u8;8]`
//! (big-endian; times are Unix seconds).

use crate::authz::Act;
use crate::error::{Error, Result};
use crate::person;
use crate::service::Qinqing;
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
    let bytes = BASE32_NOPAD.decode(body.as_bytes()).map_err(|_| Error::qr_malformed())?;
    if bytes.len() != TOKEN_BYTES || bytes[0] != VERSION {
        return Err(Error::qr_malformed());
    }
    let (payload, sig) = bytes.split_at(PAYLOAD_LEN);
    let sig = Signature::from_slice(sig).map_err(|_| Error::qr_malformed())?;
    key.verify(payload, &sig).map_err(|_| Error::qr_bad_signature())?;
    let n = |i: usize| i64::from(u32::from_be_bytes([payload[i], payload[i + 1], payload[i + 2], payload[i + 3]]));
    Ok(Claims {
        payer: n(1),
        member: n(5),
        shown_by: n(9),
        issued_at: n(13),
        expires_at: n(17),
        nonce: data_encoding::HEXLOWER.encode(&payload[21..29]),
    })
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
            Ok(b) if b.len() == 32 => {
                let mut k = [0u8; 32];
                k.copy_from_slice(&b);
                Ok(SigningKey::from_bytes(&k))
            }
            Ok(_) => Err(Error::internal(format!("{} is not a 32-byte key", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SigningKey::generate(&mut OsRng);
                match crate::docstore::write_private_new(&path, &key.to_bytes()) {
                    Ok(()) => Ok(key),
                    // Another process made it first: use theirs.
                    Err(_) if path.exists() => self.load_or_make_key(),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(Error::internal(format!("{}: {e}", path.display()))),
        }
    }

    /// A shared (PostgreSQL) ledger keeps its key in the database, readable
    /// by the database role only, so every server replica signs with the same
    /// key. Two processes making it at once: the first insert wins.
    fn load_or_make_shared_key(&self) -> Result<SigningKey> {
        let blobs = crate::docstore::Blobs::Db(self.conn());
        let fresh = SigningKey::generate(&mut OsRng);
        blobs.put("installation", "ed25519", &fresh.to_bytes())?;
        let b = blobs.read("installation", "ed25519")?;
        let k: [u8; 32] = b
            .as_slice()
            .try_into()
            .map_err(|_| Error::internal("stored installation key is not 32 bytes"))?;
        Ok(SigningKey::from_bytes(&k))
    }

    /// The public key, hex, for terminals that verify offline.
    pub fn public_key_hex(&self) -> Result<String> {
        Ok(data_encoding::HEXLOWER.encode(self.signing_key()?.verifying_key().as_bytes()))
    }

    /// Issue a code for `member`, shown by the member or by `holder`.
    pub fn issue_qr(&self, member: i64, holder: Option<i64>) -> Result<Issued> {
        self.permit(Act::QrIssue { member, shown_by: holder.unwrap_or(member) })?;
        let m = person::load(self.conn(), member)?;
        if !m.voucher_activated {
            return Err(Error::qr_voucher_not_activated());
        }
        let shown_by = holder.unwrap_or(member);
        // A member aged 60+ who confirmed the binding remotely needs no visit:
        // that confirmation stands for the face check when the holder shows the code.
        let mut remote_confirmed = false;
        if shown_by != member {
            person::load(self.conn(), shown_by)?;
            let bound: Option<Option<String>> = self
                .conn()
                .query_row(
                    "SELECT remote_confirmed_at FROM binding WHERE holder_id = ?1 AND member_id = ?2 AND status = 'active'",
                    [shown_by, member],
                    |r| r.get(0),
                )
                .optional()?;
            match bound {
                None => return Err(Error::qr_not_bound()),
                Some(r) => remote_confirmed = r.is_some(),
            }
        }
        let now = self.now();
        if time::age_on(m.rid.birth_date(), time::china_date(now)) >= crate::binding::ADULT_AGE
            && m.face_verified_at.is_none()
            && !remote_confirmed
        {
            return Err(Error::qr_face_required());
        }
        let validity = self.setting("qr_validity_secs")?;
        let mut nonce = [0u8; 8];
        OsRng.fill_bytes(&mut nonce);
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

    /// Verify a token with this installation's key, at the current time.
    pub fn verify_qr(&self, token: &str) -> Result<Claims> {
        let c = decode(&self.signing_key()?.verifying_key(), token)?;
        self.permit(Act::QrVerify { member: c.member })?;
        check_time(&c, self.now(), self.setting("qr_clock_skew_secs")?)?;
        Ok(c)
    }
}

/// Parse a hex public key (as `key export` prints it).
pub fn verifying_key_from_hex(hex: &str) -> Result<VerifyingKey> {
    let b = data_encoding::HEXLOWER_PERMISSIVE.decode(hex.trim().as_bytes()).map_err(|_| Error::qr_malformed())?;
    let arr: [u8; 32] = b.try_into().map_err(|_| Error::qr_malformed())?;
    VerifyingKey::from_bytes(&arr).map_err(|_| Error::qr_malformed())
}
