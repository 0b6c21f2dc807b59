//! The crypto boundary: every key and signature rule of the rules' "Keys",
//! checked here in pure Rust before any backend sees a key or a signature,
//! and the build's one signature backend.
//!
//! The backend is chosen at build time by a cargo feature of this crate:
//! `openssl` (the default: the system's OpenSSL, through the `openssl`
//! crate) or `aws-lc` (aws-lc-rs, with a pure-Rust Ed448 verifier, so that
//! the build needs no OpenSSL). Exactly one must be enabled. This module and
//! its backend files are the only code of the crate that names a
//! cryptographic library.
//!
//! A backend is handed a [`PublicKey`] only, which exists once its
//! parameters passed every rule (`key`: RSA modulus and exponent; `weierstrass`:
//! NIST points; `edwards`: Edwards points), and, in
//! [`PreparedKey::verify`], only a signature of the exact length that is not
//! all zero (nor, for ECDSA, half zero). So both backends refuse the same
//! keys and the same signatures; what is left to a backend is the
//! arithmetic, and the rules it must apply there are fixed here too: PS*
//! with MGF1 of the same hash and a salt as long as the hash, ECDSA
//! signatures as the raw `R || S` pair.

#[cfg(all(feature = "openssl", feature = "aws-lc"))]
compile_error!(
    "oidc-jwt-verifier-core: the features `openssl` and `aws-lc` are both enabled, and \
     exactly one signature backend must be: depend on this crate (or a driver) with \
     `default-features = false` and the features of one backend."
);
#[cfg(not(any(feature = "openssl", feature = "aws-lc")))]
compile_error!(
    "oidc-jwt-verifier-core: no signature backend is enabled: enable the feature \
     `openssl` (the default) or `aws-lc`."
);

#[cfg(feature = "aws-lc")]
mod aws_lc;
#[cfg(feature = "aws-lc")]
mod big_rsa;
pub(crate) mod edwards;
mod emsa;
mod key;
#[cfg(all(feature = "openssl", not(feature = "aws-lc")))]
mod openssl;
mod weierstrass;

#[cfg(feature = "aws-lc")]
use aws_lc as backend;
#[cfg(all(feature = "openssl", not(feature = "aws-lc")))]
use openssl as backend;

pub(crate) use key::PublicKey;

use crate::alg::Algorithm;
use crate::jwk::Unusable;

/// The name of this build's signature backend: `"openssl"` or `"aws-lc"`.
pub const SIGNATURE_BACKEND: &str = backend::NAME;

/// A hash function of the signature algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    /// The output length in bytes.
    pub(crate) fn len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// The DER `DigestInfo` before the digest, NULL parameters included
    /// (RFC 8017 section 9.2, note 1).
    pub(crate) fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            Hash::Sha256 => &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            Hash::Sha384 => &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            Hash::Sha512 => &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }
}

/// A digest, on the stack.
#[derive(Clone, Copy)]
pub(crate) struct Digest {
    bytes: [u8; 64],
    len: usize,
}

impl Digest {
    /// Copies a digest of at most 64 bytes (longer input is cut).
    pub(crate) fn new(digest: &[u8]) -> Self {
        let len = digest.len().min(64);
        let mut bytes = [0; 64];
        bytes[..len].copy_from_slice(&digest[..len]);
        Digest { bytes, len }
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// How an algorithm signs (RFC 7518 section 3, RFC 8037).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// RSASSA-PKCS1-v1_5.
    Pkcs1(Hash),
    /// RSASSA-PSS, MGF1 with the same hash, a salt of the hash's length.
    Pss(Hash),
    /// ECDSA, the signature the raw `R || S` pair.
    Ecdsa(Hash),
    /// EdDSA (pure, no context) on the key's curve.
    EdDsa,
}

impl Scheme {
    pub(crate) fn of(alg: Algorithm) -> Scheme {
        match alg {
            Algorithm::RS256 => Scheme::Pkcs1(Hash::Sha256),
            Algorithm::RS384 => Scheme::Pkcs1(Hash::Sha384),
            Algorithm::RS512 => Scheme::Pkcs1(Hash::Sha512),
            Algorithm::PS256 => Scheme::Pss(Hash::Sha256),
            Algorithm::PS384 => Scheme::Pss(Hash::Sha384),
            Algorithm::PS512 => Scheme::Pss(Hash::Sha512),
            Algorithm::ES256 => Scheme::Ecdsa(Hash::Sha256),
            Algorithm::ES384 => Scheme::Ecdsa(Hash::Sha384),
            Algorithm::ES512 => Scheme::Ecdsa(Hash::Sha512),
            Algorithm::EdDSA | Algorithm::Ed25519 | Algorithm::Ed448 => Scheme::EdDsa,
        }
    }
}

/// A checked key made ready, once, for the backend to verify the
/// algorithms it fits; shared by every thread (no lock is ever taken).
#[derive(Debug)]
pub(crate) struct PreparedKey {
    signature_len: usize,
    is_ecdsa: bool,
    algorithms: Vec<Algorithm>,
    backend: backend::Key,
}

impl PreparedKey {
    /// Prepares `key` for `algorithms` (each of which it fits).
    pub(crate) fn new(key: &PublicKey, algorithms: &[Algorithm]) -> Result<Self, Unusable> {
        let backend = backend::Key::new(key, algorithms).ok_or(Unusable::VerifierRefused)?;
        Ok(PreparedKey {
            signature_len: key.signature_len(),
            is_ecdsa: matches!(key, PublicKey::Ec(_)),
            algorithms: algorithms.to_vec(),
            backend,
        })
    }

    /// The exact length of a signature, in bytes.
    #[cfg(test)]
    pub(crate) fn signature_len(&self) -> usize {
        self.signature_len
    }

    /// Whether `signature` is a valid `alg` signature of `message` by this
    /// key. The signature rules come first: an algorithm the key was not
    /// prepared for, a signature that is not exactly the key's length (so
    /// DER-encoded ECDSA), all zero bytes, or an ECDSA half of zeros never
    /// reach the backend.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        if !self.algorithms.contains(&alg)
            || signature.len() != self.signature_len
            || is_all_zero(signature)
        {
            return false;
        }
        if self.is_ecdsa && signature.chunks(self.signature_len / 2).any(is_all_zero) {
            return false;
        }
        self.backend.verify(alg, message, signature)
    }
}

/// SHA-256 of the concatenation of `parts`, by the build's backend: the
/// hash of DPoP's `ath` and of the RFC 7638 and RFC 8705 thumbprints.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(backend::digest(Hash::Sha256, parts).as_ref());
    out
}

fn is_all_zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|byte| *byte == 0)
}

#[cfg(test)]
mod tests;
