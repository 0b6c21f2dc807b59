//! The OpenSSL backend (feature `openssl`, the default), through the
//! `openssl` crate, on the hot path without OpenSSL 3's per-call fetches:
//!
//! - the digest is computed once, with OpenSSL's SHA-2 functions;
//! - RSA is the raw public-key operation on the key parsed once (RSAVP1),
//!   its result checked against the encodings in `emsa`, for PKCS #1 v1.5
//!   and PSS alike;
//! - ECDSA is `ECDSA_do_verify` of the digest with the key parsed once;
//! - EdDSA goes through `EVP_DigestVerify`, the only interface OpenSSL 3.0
//!   has for it.
//!
//! Keys are built from their checked components, never from a JWK: no
//! josekit, and no parsing of anything OpenSSL would read differently.

use ::openssl::bn::BigNum;
use ::openssl::ec::{EcGroup, EcKey as OpenSslEcKey};
use ::openssl::ecdsa::EcdsaSig;
use ::openssl::error::ErrorStack;
use ::openssl::nid::Nid;
use ::openssl::pkey::{Id, PKey, Public};
use ::openssl::rsa::{Padding, Rsa};
use ::openssl::sha::{Sha256, Sha384, Sha512};
use ::openssl::sign::Verifier;

use super::edwards::EdwardsCurve;
use super::emsa;
use super::key::{EcKey, OkpKey, PublicKey, RsaKey};
use super::weierstrass::NistCurve;
use super::{Digest, Hash, Scheme};
use crate::alg::Algorithm;

/// The backend's name, as [`SIGNATURE_BACKEND`](super::SIGNATURE_BACKEND).
pub(super) const NAME: &str = "openssl";

/// A key parsed once into OpenSSL's form.
pub(super) enum Key {
    Rsa {
        key: Rsa<Public>,
        modulus_bits: usize,
    },
    Ec(OpenSslEcKey<Public>),
    Edwards(PKey<Public>),
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Key::Rsa { .. } => "Rsa",
            Key::Ec(_) => "Ec",
            Key::Edwards(_) => "Edwards",
        };
        write!(f, "openssl::Key::{kind}")
    }
}

impl Key {
    /// The OpenSSL form of `key` (the same for every algorithm it fits).
    pub(super) fn new(key: &PublicKey, _algorithms: &[Algorithm]) -> Option<Key> {
        let built = match key {
            PublicKey::Rsa(rsa) => rsa_key(rsa),
            PublicKey::Ec(ec) => ec_key(ec).map(Key::Ec),
            PublicKey::Okp(okp) => edwards_key(okp).map(Key::Edwards),
        };
        built.ok()
    }

    pub(super) fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        let verified = match (self, Scheme::of(alg)) {
            (Key::Rsa { key, .. }, Scheme::Pkcs1(hash)) => verify_rsa(key, signature, |em| {
                emsa::is_pkcs1_v15(em, hash, digest(hash, &[message]).as_ref())
            }),
            (Key::Rsa { key, modulus_bits }, Scheme::Pss(hash)) => {
                verify_rsa(key, signature, |em| {
                    let m_hash = digest(hash, &[message]);
                    emsa::is_pss(em, *modulus_bits, hash, m_hash.as_ref(), digest)
                })
            }
            (Key::Ec(key), Scheme::Ecdsa(hash)) => verify_ecdsa(key, hash, message, signature),
            (Key::Edwards(key), Scheme::EdDsa) => verify_eddsa(key, message, signature),
            _ => Ok(false),
        };
        let verified = verified.unwrap_or(false);
        if !verified {
            // A refused signature may leave entries in this thread's OpenSSL
            // error queue; drop them so no later error reports them.
            drop(ErrorStack::get());
        }
        verified
    }
}

fn rsa_key(rsa: &RsaKey) -> Result<Key, ErrorStack> {
    let key = Rsa::from_public_components(
        BigNum::from_slice(&rsa.modulus)?,
        BigNum::from_slice(&rsa.exponent)?,
    )?;
    Ok(Key::Rsa {
        key,
        modulus_bits: rsa.modulus_bits(),
    })
}

fn ec_key(ec: &EcKey) -> Result<OpenSslEcKey<Public>, ErrorStack> {
    let nid = match ec.curve {
        NistCurve::P256 => Nid::X9_62_PRIME256V1,
        NistCurve::P384 => Nid::SECP384R1,
        NistCurve::P521 => Nid::SECP521R1,
    };
    let group = EcGroup::from_curve_name(nid)?;
    // The point passed the rules (`weierstrass`); on these curves of
    // cofactor 1 that is all `EC_KEY_check_key` would add, at the cost of a
    // scalar multiplication per key.
    OpenSslEcKey::from_public_key_affine_coordinates(
        &group,
        &*BigNum::from_slice(&ec.x)?,
        &*BigNum::from_slice(&ec.y)?,
    )
}

fn edwards_key(okp: &OkpKey) -> Result<PKey<Public>, ErrorStack> {
    let id = match okp.curve {
        EdwardsCurve::Ed25519 => Id::ED25519,
        EdwardsCurve::Ed448 => Id::ED448,
    };
    PKey::public_key_from_raw_bytes(&okp.x, id)
}

/// RSAVP1 of `signature` (exactly the modulus length, below the modulus,
/// else an error), the encoded message then judged by `matches`.
fn verify_rsa(
    key: &Rsa<Public>,
    signature: &[u8],
    matches: impl FnOnce(&[u8]) -> bool,
) -> Result<bool, ErrorStack> {
    let mut em = [0u8; emsa::MAX_EM_BYTES];
    // The modulus is at most 16384 bits, so `em` is large enough.
    let len = key.public_decrypt(signature, &mut em, Padding::NONE)?;
    Ok(matches(&em[..len]))
}

/// `ECDSA_do_verify` of the digest, with the raw `R || S` halves as numbers.
fn verify_ecdsa(
    key: &OpenSslEcKey<Public>,
    hash: Hash,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, ErrorStack> {
    let (r, s) = signature.split_at(signature.len() / 2);
    let signature =
        EcdsaSig::from_private_components(BigNum::from_slice(r)?, BigNum::from_slice(s)?)?;
    signature.verify(digest(hash, &[message]).as_ref(), key)
}

fn verify_eddsa(key: &PKey<Public>, message: &[u8], signature: &[u8]) -> Result<bool, ErrorStack> {
    Verifier::new_without_digest(key)?.verify_oneshot(signature, message)
}

/// The SHA-2 digest of the concatenation of `parts`.
pub(super) fn digest(hash: Hash, parts: &[&[u8]]) -> Digest {
    match hash {
        Hash::Sha256 => {
            let mut hasher = Sha256::new();
            parts.iter().for_each(|part| hasher.update(part));
            Digest::new(&hasher.finish())
        }
        Hash::Sha384 => {
            let mut hasher = Sha384::new();
            parts.iter().for_each(|part| hasher.update(part));
            Digest::new(&hasher.finish())
        }
        Hash::Sha512 => {
            let mut hasher = Sha512::new();
            parts.iter().for_each(|part| hasher.update(part));
            Digest::new(&hasher.finish())
        }
    }
}
