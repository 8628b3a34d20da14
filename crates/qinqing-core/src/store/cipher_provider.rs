//! SQLCipher's crypto on RustCrypto (issue 35: the cost of an encrypted
//! settlement).
//!
//! SQLCipher encrypts every page it writes: AES-256-CBC under a fresh random
//! IV, then an HMAC over the ciphertext, the IV and the page number. Its
//! OpenSSL provider does that through OpenSSL 3's generic interfaces: for
//! *each page* it fetches the HMAC implementation by name, builds and frees a
//! MAC and a cipher context, and takes a mutex around `RAND_bytes`. On a
//! settlement (about fifteen pages per commit) that bookkeeping cost as much
//! as the cipher itself.
//!
//! SQLCipher lets an application supply the provider
//! (`sqlcipher_register_provider`, "so an application can … make changes to
//! it"). This one does the same operations with the same algorithms — the
//! `aes` + `cbc` crates (AES-NI where the CPU has it), `hmac` + `sha1`/`sha2`
//! (SHA extensions likewise), `pbkdf2`, and the OS random source — so the file
//! format is SQLCipher's, byte for byte: a ledger written by either provider
//! opens under the other (`tests/cipher_provider.rs` checks both ways across
//! processes).
//!
//! Installed once per process, before the first keyed connection: an
//! in-memory keyed connection is opened and kept, so SQLCipher's activation
//! count never falls to zero (at zero it frees the registered provider and its
//! mutexes), then the provider is registered under SQLCipher's own mutex.
//! Connections copy the provider when they are keyed; any made before keep
//! OpenSSL's, which writes the same format. If installing fails, OpenSSL's
//! provider simply stays.

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use rusqlite::ffi;
use std::os::raw::{c_char, c_int, c_uchar, c_void};
use std::sync::OnceLock;

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// SQLCipher's `sqlcipher_provider` (crypto.h, SQLCipher 4.6), field for field.
#[repr(C)]
struct Provider {
    activate: unsafe extern "C" fn(*mut c_void) -> c_int,
    deactivate: unsafe extern "C" fn(*mut c_void) -> c_int,
    get_provider_name: unsafe extern "C" fn(*mut c_void) -> *const c_char,
    add_random: unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int,
    random: unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int,
    hmac: unsafe extern "C" fn(*mut c_void, c_int, *mut c_uchar, c_int, *mut c_uchar, c_int, *mut c_uchar, c_int, *mut c_uchar) -> c_int,
    kdf: unsafe extern "C" fn(*mut c_void, c_int, *const c_uchar, c_int, *mut c_uchar, c_int, c_int, c_int, *mut c_uchar) -> c_int,
    cipher: unsafe extern "C" fn(*mut c_void, c_int, *mut c_uchar, c_int, *mut c_uchar, *mut c_uchar, c_int, *mut c_uchar) -> c_int,
    get_cipher: unsafe extern "C" fn(*mut c_void) -> *const c_char,
    get_key_sz: unsafe extern "C" fn(*mut c_void) -> c_int,
    get_iv_sz: unsafe extern "C" fn(*mut c_void) -> c_int,
    get_block_sz: unsafe extern "C" fn(*mut c_void) -> c_int,
    get_hmac_sz: unsafe extern "C" fn(*mut c_void, c_int) -> c_int,
    ctx_init: unsafe extern "C" fn(*mut *mut c_void) -> c_int,
    ctx_free: unsafe extern "C" fn(*mut *mut c_void) -> c_int,
    fips_status: unsafe extern "C" fn(*mut c_void) -> c_int,
    get_provider_version: unsafe extern "C" fn(*mut c_void) -> *const c_char,
}

extern "C" {
    fn sqlcipher_register_provider(p: *mut Provider) -> c_int;
}

const OK: c_int = ffi::SQLITE_OK;
const ERROR: c_int = ffi::SQLITE_ERROR;
const ENCRYPT: c_int = 1;
const HMAC_SHA1: c_int = 0;
const HMAC_SHA256: c_int = 1;
const HMAC_SHA512: c_int = 2;

/// What `PRAGMA cipher_provider` answers on a connection that uses it.
pub const NAME: &str = "rustcrypto";

/// Runs `f`, turning a panic or a bad argument into SQLITE_ERROR (nothing
/// unwinds into C).
fn guarded(f: impl FnOnce() -> Option<()>) -> c_int {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Some(())) => OK,
        _ => ERROR,
    }
}

/// A byte slice from C (None for a null pointer with a non-zero length or a negative length).
unsafe fn bytes<'a>(p: *const c_uchar, n: c_int) -> Option<&'a [u8]> {
    let n = usize::try_from(n).ok()?;
    if n == 0 {
        return Some(&[]);
    }
    if p.is_null() {
        return None;
    }
    Some(std::slice::from_raw_parts(p, n))
}

unsafe fn bytes_mut<'a>(p: *mut c_uchar, n: usize) -> Option<&'a mut [u8]> {
    if p.is_null() {
        return None;
    }
    Some(std::slice::from_raw_parts_mut(p, n))
}

unsafe extern "C" fn ok(_: *mut c_void) -> c_int {
    OK
}

unsafe extern "C" fn ctx_ok(ctx: *mut *mut c_void) -> c_int {
    if !ctx.is_null() {
        *ctx = std::ptr::null_mut();
    }
    OK
}

unsafe extern "C" fn zero(_: *mut c_void) -> c_int {
    0
}

unsafe extern "C" fn name(_: *mut c_void) -> *const c_char {
    c"rustcrypto".as_ptr()
}

unsafe extern "C" fn version(_: *mut c_void) -> *const c_char {
    c"aes 0.8 cbc 0.1 hmac 0.12 sha2 0.10 pbkdf2 0.12".as_ptr()
}

unsafe extern "C" fn cipher_name(_: *mut c_void) -> *const c_char {
    // What OpenSSL's provider answers (OBJ_nid2sn of EVP_aes_256_cbc).
    c"AES-256-CBC".as_ptr()
}

unsafe extern "C" fn key_sz(_: *mut c_void) -> c_int {
    32
}

unsafe extern "C" fn iv_sz(_: *mut c_void) -> c_int {
    16
}

unsafe extern "C" fn block_sz(_: *mut c_void) -> c_int {
    16
}

unsafe extern "C" fn hmac_sz(_: *mut c_void, algorithm: c_int) -> c_int {
    match algorithm {
        HMAC_SHA1 => 20,
        HMAC_SHA256 => 32,
        HMAC_SHA512 => 64,
        _ => 0,
    }
}

/// Extra entropy offered through `PRAGMA cipher_add_random`: the OS source
/// needs none (accepted and ignored).
unsafe extern "C" fn add_random(_: *mut c_void, _: *mut c_void, _: c_int) -> c_int {
    OK
}

/// Random bytes from the OS source, drawn 4 KiB at a time per thread (one
/// `getrandom` call per ~250 pages instead of one per page). What SQLCipher
/// asks for are page IVs and a new ledger's salt, which it stores in the
/// clear: the pool holds nothing secret; each byte is handed out once.
struct Pool {
    bytes: [u8; 4096],
    used: usize,
}

thread_local! {
    static POOL: std::cell::RefCell<Pool> = const { std::cell::RefCell::new(Pool { bytes: [0; 4096], used: 4096 }) };
}

fn fill_random(out: &mut [u8]) -> Option<()> {
    if out.len() > 1024 {
        return getrandom::getrandom(out).ok();
    }
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        if p.used + out.len() > p.bytes.len() {
            getrandom::getrandom(&mut p.bytes).ok()?;
            p.used = 0;
        }
        let at = p.used;
        out.copy_from_slice(&p.bytes[at..at + out.len()]);
        // Handed out once: the bytes are wiped as they go.
        p.bytes[at..at + out.len()].fill(0);
        p.used += out.len();
        Some(())
    })
}

unsafe extern "C" fn random(_: *mut c_void, buffer: *mut c_void, length: c_int) -> c_int {
    guarded(|| {
        let n = usize::try_from(length).ok()?;
        let out = bytes_mut(buffer.cast(), n)?;
        fill_random(out)
    })
}

fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], a: &[u8], b: Option<&[u8]>, out: *mut c_uchar) -> Option<()> {
    let mut m = <M as Mac>::new_from_slice(key).ok()?;
    m.update(a);
    if let Some(b) = b {
        m.update(b);
    }
    let tag = m.finalize().into_bytes();
    // SAFETY: SQLCipher's buffer holds get_hmac_sz(algorithm) bytes.
    let dst = unsafe { bytes_mut(out, tag.len())? };
    dst.copy_from_slice(&tag);
    Some(())
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn hmac(
    _: *mut c_void,
    algorithm: c_int,
    key: *mut c_uchar,
    key_sz: c_int,
    input: *mut c_uchar,
    in_sz: c_int,
    input2: *mut c_uchar,
    in2_sz: c_int,
    out: *mut c_uchar,
) -> c_int {
    guarded(|| {
        if input.is_null() {
            return None;
        }
        let key = bytes(key, key_sz)?;
        let a = bytes(input, in_sz)?;
        let b = if input2.is_null() { None } else { Some(bytes(input2, in2_sz)?) };
        match algorithm {
            HMAC_SHA1 => mac::<Hmac<sha1::Sha1>>(key, a, b, out),
            HMAC_SHA256 => mac::<Hmac<sha2::Sha256>>(key, a, b, out),
            HMAC_SHA512 => mac::<Hmac<sha2::Sha512>>(key, a, b, out),
            _ => None,
        }
    })
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn kdf(
    _: *mut c_void,
    algorithm: c_int,
    pass: *const c_uchar,
    pass_sz: c_int,
    salt: *mut c_uchar,
    salt_sz: c_int,
    workfactor: c_int,
    key_sz: c_int,
    key: *mut c_uchar,
) -> c_int {
    guarded(|| {
        let pass = bytes(pass, pass_sz)?;
        let salt = bytes(salt, salt_sz)?;
        let rounds = u32::try_from(workfactor).ok().filter(|r| *r > 0)?;
        let out = bytes_mut(key, usize::try_from(key_sz).ok()?)?;
        match algorithm {
            HMAC_SHA1 => pbkdf2::pbkdf2::<Hmac<sha1::Sha1>>(pass, salt, rounds, out).ok(),
            HMAC_SHA256 => pbkdf2::pbkdf2::<Hmac<sha2::Sha256>>(pass, salt, rounds, out).ok(),
            HMAC_SHA512 => pbkdf2::pbkdf2::<Hmac<sha2::Sha512>>(pass, salt, rounds, out).ok(),
            _ => None,
        }
    })
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn cipher(
    _: *mut c_void,
    mode: c_int,
    key: *mut c_uchar,
    key_sz: c_int,
    iv: *mut c_uchar,
    input: *mut c_uchar,
    in_sz: c_int,
    out: *mut c_uchar,
) -> c_int {
    guarded(|| {
        let key = bytes(key, key_sz).filter(|k| k.len() == 32)?;
        let iv = bytes(iv, 16)?;
        let n = usize::try_from(in_sz).ok().filter(|n| n % 16 == 0)?;
        if input.is_null() || out.is_null() {
            return None;
        }
        // SQLCipher passes distinct buffers; an in-place call is handled too.
        let data: &mut [u8] = if std::ptr::eq(input, out) {
            bytes_mut(out, n)?
        } else {
            let dst = bytes_mut(out, n)?;
            dst.copy_from_slice(bytes(input, in_sz)?);
            dst
        };
        if mode == ENCRYPT {
            Aes256CbcEnc::new_from_slices(key, iv).ok()?.encrypt_padded_mut::<NoPadding>(data, n).ok()?;
        } else {
            Aes256CbcDec::new_from_slices(key, iv).ok()?.decrypt_padded_mut::<NoPadding>(data).ok()?;
        }
        Some(())
    })
}

const PROVIDER: Provider = Provider {
    activate: ok,
    deactivate: ok,
    get_provider_name: name,
    add_random,
    random,
    hmac,
    kdf,
    cipher,
    get_cipher: cipher_name,
    get_key_sz: key_sz,
    get_iv_sz: iv_sz,
    get_block_sz: block_sz,
    get_hmac_sz: hmac_sz,
    ctx_init: ctx_ok,
    ctx_free: ctx_ok,
    fips_status: zero,
    get_provider_version: version,
};

/// The connection that keeps SQLCipher activated for the process's life.
struct Pin(#[allow(dead_code)] rusqlite::Connection);
// SAFETY: the pinned connection is never used after `install` returns; it
// only lives so that SQLCipher's activation count stays above zero.
unsafe impl Sync for Pin {}
unsafe impl Send for Pin {}

static INSTALLED: OnceLock<Option<Pin>> = OnceLock::new();

/// Whether this process should keep OpenSSL's provider (the cross-provider
/// test's other side; debug builds only).
fn keep_openssl() -> bool {
    cfg!(debug_assertions) && std::env::var_os("QINQING_TEST_SQLCIPHER_OPENSSL").is_some()
}

/// Registers this provider for every keyed connection opened after it (once
/// per process; a failure keeps OpenSSL's, which writes the same format).
pub(crate) fn prepare() {
    INSTALLED.get_or_init(|| {
        if keep_openssl() {
            return None;
        }
        let pin = rusqlite::Connection::open_in_memory().ok()?;
        let mut k = [0u8; 32];
        getrandom::getrandom(&mut k).ok()?;
        let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
        // Keying it attaches a codec, which activates SQLCipher (and its mutexes).
        pin.execute_batch(&format!("PRAGMA cipher_log_level = NONE; PRAGMA key = \"x'{hex}'\";")).ok()?;
        // SAFETY: SQLCipher frees the registered provider with sqlite3_free
        // (when its activation count reaches zero, which the pin prevents), so
        // it is allocated with sqlite3_malloc; registering takes SQLCipher's
        // provider mutex, valid while SQLCipher is active.
        unsafe {
            let p = ffi::sqlite3_malloc(std::mem::size_of::<Provider>() as c_int).cast::<Provider>();
            if p.is_null() {
                return None;
            }
            p.write(PROVIDER);
            if sqlcipher_register_provider(p) != OK {
                return None;
            }
        }
        Some(Pin(pin))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aes_cbc_known_answer() {
        // NIST SP 800-38A F.2.5, CBC-AES256.Encrypt, first two blocks.
        let key = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        let mut iv = hex("000102030405060708090a0b0c0d0e0f");
        let mut input = hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
        let mut out = vec![0u8; 32];
        let mut key2 = key.clone();
        let rc = unsafe { cipher(std::ptr::null_mut(), ENCRYPT, key2.as_mut_ptr(), 32, iv.as_mut_ptr(), input.as_mut_ptr(), 32, out.as_mut_ptr()) };
        assert_eq!(rc, OK);
        assert_eq!(out, hex("f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"));
        let mut back = vec![0u8; 32];
        let rc = unsafe { cipher(std::ptr::null_mut(), 0, key2.as_mut_ptr(), 32, iv.as_mut_ptr(), out.as_mut_ptr(), 32, back.as_mut_ptr()) };
        assert_eq!(rc, OK);
        assert_eq!(back, input);
        // A length that is not whole blocks is refused, not padded.
        let rc = unsafe { cipher(std::ptr::null_mut(), ENCRYPT, key2.as_mut_ptr(), 32, iv.as_mut_ptr(), input.as_mut_ptr(), 31, out.as_mut_ptr()) };
        assert_eq!(rc, ERROR);
    }

    #[test]
    fn hmac_known_answers_and_two_parts() {
        // RFC 4231 test case 2 ("Jefe"), the message given in two parts.
        let jefe = |algorithm: c_int| -> (c_int, Vec<u8>) {
            let (mut key, mut msg, mut rest) = (b"Jefe".to_vec(), b"what do ya want ".to_vec(), b"for nothing?".to_vec());
            let mut out = vec![0u8; 64];
            let rc = unsafe { hmac(std::ptr::null_mut(), algorithm, key.as_mut_ptr(), 4, msg.as_mut_ptr(), 16, rest.as_mut_ptr(), 12, out.as_mut_ptr()) };
            (rc, out)
        };
        let (rc, out) = jefe(HMAC_SHA256);
        assert_eq!(rc, OK);
        assert_eq!(&out[..32], &hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")[..]);
        let (rc, out) = jefe(HMAC_SHA512);
        assert_eq!(rc, OK);
        assert_eq!(
            out,
            hex("164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")
        );
        assert_eq!(jefe(7).0, ERROR, "an unknown algorithm is refused");
    }

    #[test]
    fn random_bytes_never_repeat_across_refills() {
        let mut seen = std::collections::HashSet::new();
        // 1,000 IVs: four refills of the pool; no IV twice, none all-zero.
        for _ in 0..1000 {
            let mut iv = [0u8; 16];
            assert_eq!(unsafe { random(std::ptr::null_mut(), iv.as_mut_ptr().cast(), 16) }, OK);
            assert_ne!(iv, [0u8; 16]);
            assert!(seen.insert(iv));
        }
        let mut big = vec![0u8; 5000];
        assert_eq!(unsafe { random(std::ptr::null_mut(), big.as_mut_ptr().cast(), 5000) }, OK);
        assert!(big.iter().any(|b| *b != 0));
        assert_eq!(unsafe { random(std::ptr::null_mut(), big.as_mut_ptr().cast(), -1) }, ERROR);
    }

    #[test]
    fn pbkdf2_known_answer() {
        // RFC 6070 test 2 (PBKDF2-HMAC-SHA1, 2 iterations).
        let mut salt = b"salt".to_vec();
        let mut out = vec![0u8; 20];
        let rc = unsafe { kdf(std::ptr::null_mut(), HMAC_SHA1, b"password".as_ptr(), 8, salt.as_mut_ptr(), 4, 2, 20, out.as_mut_ptr()) };
        assert_eq!(rc, OK);
        assert_eq!(out, hex("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"));
        assert_eq!(unsafe { kdf(std::ptr::null_mut(), HMAC_SHA1, b"password".as_ptr(), 8, salt.as_mut_ptr(), 4, 0, 20, out.as_mut_ptr()) }, ERROR);
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }
}
