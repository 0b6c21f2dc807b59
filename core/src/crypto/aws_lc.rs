//! The aws-lc backend (feature `aws-lc`): aws-lc-rs for RS*, PS*, ES* and
//! Ed25519, each key parsed once per algorithm (aws-lc-rs binds a parsed
//! key to one); `ed448-goldilocks-plus` for Ed448, which aws-lc lacks; and
//! `big_rsa` for the RSA keys aws-lc refuses but the rules accept.
//!
//! aws-lc-rs verifies PSS with MGF1 of the same hash and a salt of the
//! digest's length (its `RsaPssSaltLength::Digest`), as the rules say.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};
use ed448_goldilocks_plus::{Signature as Ed448Signature, VerifyingKey as Ed448Key};

use super::big_rsa::BigRsaKey;
use super::edwards::EdwardsCurve;
use super::key::{EcKey, OkpKey, PublicKey, RsaKey};
use super::weierstrass::NistCurve;
use super::{Digest, Hash, Scheme};
use crate::alg::Algorithm;

/// The backend's name, as [`SIGNATURE_BACKEND`](super::SIGNATURE_BACKEND).
pub(super) const NAME: &str = "aws-lc";

/// A key parsed once.
pub(super) enum Key {
    /// aws-lc-rs keys, one per algorithm the key was prepared for.
    Parsed(Vec<(Algorithm, ParsedPublicKey)>),
    /// An RSA key aws-lc cannot use.
    BigRsa(BigRsaKey),
    /// An Ed448 key (boxed: its decoded point is large).
    Ed448(Box<Ed448Key>),
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Parsed(keys) => {
                let algorithms: Vec<_> = keys.iter().map(|(alg, _)| alg.name()).collect();
                write!(f, "aws_lc::Key::Parsed({algorithms:?})")
            }
            Key::BigRsa(key) => write!(f, "aws_lc::Key::BigRsa({key:?})"),
            Key::Ed448(_) => f.write_str("aws_lc::Key::Ed448"),
        }
    }
}

impl Key {
    /// Parses `key` for each of `algorithms`.
    pub(super) fn new(key: &PublicKey, algorithms: &[Algorithm]) -> Option<Key> {
        match key {
            PublicKey::Rsa(rsa) if BigRsaKey::needed_for(rsa) => {
                Some(Key::BigRsa(BigRsaKey::new(rsa)))
            }
            PublicKey::Okp(OkpKey {
                curve: EdwardsCurve::Ed448,
                x,
            }) => {
                let bytes: &[u8; 57] = x.as_slice().try_into().ok()?;
                Ed448Key::from_bytes(bytes)
                    .ok()
                    .map(|key| Key::Ed448(Box::new(key)))
            }
            _ => {
                let bytes = encoded(key);
                let parsed = algorithms
                    .iter()
                    .map(|alg| {
                        let algorithm = verification_algorithm(*alg, key)?;
                        ParsedPublicKey::new(algorithm, &bytes)
                            .ok()
                            .map(|parsed| (*alg, parsed))
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(Key::Parsed(parsed))
            }
        }
    }

    pub(super) fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Key::Parsed(keys) => keys
                .iter()
                .find(|(fitting, _)| *fitting == alg)
                .is_some_and(|(_, key)| key.verify_sig(message, signature).is_ok()),
            Key::BigRsa(key) => key.verify(Scheme::of(alg), message, signature, digest),
            Key::Ed448(key) => Ed448Signature::from_slice(signature)
                .is_ok_and(|signature| key.verify_raw(&signature, message).is_ok()),
        }
    }
}

/// The aws-lc-rs algorithm verifying `alg` with `key`, if they fit.
fn verification_algorithm(
    alg: Algorithm,
    key: &PublicKey,
) -> Option<&'static dyn VerificationAlgorithm> {
    Some(match (Scheme::of(alg), key) {
        (Scheme::Pkcs1(Hash::Sha256), PublicKey::Rsa(_)) => &signature::RSA_PKCS1_2048_8192_SHA256,
        (Scheme::Pkcs1(Hash::Sha384), PublicKey::Rsa(_)) => &signature::RSA_PKCS1_2048_8192_SHA384,
        (Scheme::Pkcs1(Hash::Sha512), PublicKey::Rsa(_)) => &signature::RSA_PKCS1_2048_8192_SHA512,
        (Scheme::Pss(Hash::Sha256), PublicKey::Rsa(_)) => &signature::RSA_PSS_2048_8192_SHA256,
        (Scheme::Pss(Hash::Sha384), PublicKey::Rsa(_)) => &signature::RSA_PSS_2048_8192_SHA384,
        (Scheme::Pss(Hash::Sha512), PublicKey::Rsa(_)) => &signature::RSA_PSS_2048_8192_SHA512,
        (
            Scheme::Ecdsa(Hash::Sha256),
            PublicKey::Ec(EcKey {
                curve: NistCurve::P256,
                ..
            }),
        ) => &signature::ECDSA_P256_SHA256_FIXED,
        (
            Scheme::Ecdsa(Hash::Sha384),
            PublicKey::Ec(EcKey {
                curve: NistCurve::P384,
                ..
            }),
        ) => &signature::ECDSA_P384_SHA384_FIXED,
        (
            Scheme::Ecdsa(Hash::Sha512),
            PublicKey::Ec(EcKey {
                curve: NistCurve::P521,
                ..
            }),
        ) => &signature::ECDSA_P521_SHA512_FIXED,
        (
            Scheme::EdDsa,
            PublicKey::Okp(OkpKey {
                curve: EdwardsCurve::Ed25519,
                ..
            }),
        ) => &signature::ED25519,
        _ => return None,
    })
}

/// The public key as aws-lc-rs reads it: a DER `RSAPublicKey` (RFC 8017
/// appendix A.1.1), an uncompressed SEC 1 point, or the raw Ed25519 key.
fn encoded(key: &PublicKey) -> Vec<u8> {
    match key {
        PublicKey::Rsa(rsa) => rsa_public_key_der(rsa),
        PublicKey::Ec(ec) => {
            let mut point = Vec::with_capacity(1 + ec.x.len() + ec.y.len());
            point.push(0x04);
            point.extend_from_slice(&ec.x);
            point.extend_from_slice(&ec.y);
            point
        }
        PublicKey::Okp(okp) => okp.x.clone(),
    }
}

/// `SEQUENCE { INTEGER n, INTEGER e }` in DER.
fn rsa_public_key_der(rsa: &RsaKey) -> Vec<u8> {
    let mut body = der_unsigned_integer(&rsa.modulus);
    body.extend(der_unsigned_integer(&rsa.exponent));
    der_element(0x30, &body)
}

/// A DER INTEGER of a big-endian number without leading zero bytes (one
/// zero byte in front when its top bit is set, as it is not negative).
fn der_unsigned_integer(stripped: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(stripped.len() + 1);
    if stripped.first().is_none_or(|first| first & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(stripped);
    der_element(0x02, &content)
}

/// A DER element: tag, definite length (short or long form), content.
fn der_element(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|byte| **byte == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// The SHA-2 digest of the concatenation of `parts`.
pub(super) fn digest(hash: Hash, parts: &[&[u8]]) -> Digest {
    let algorithm = match hash {
        Hash::Sha256 => &digest::SHA256,
        Hash::Sha384 => &digest::SHA384,
        Hash::Sha512 => &digest::SHA512,
    };
    let mut context = digest::Context::new(algorithm);
    parts.iter().for_each(|part| context.update(part));
    Digest::new(context.finish().as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DER encoding is the one OpenSSL writes for the same numbers.
    #[test]
    fn rsa_public_keys_are_encoded_as_openssl_encodes_them() {
        use openssl::bn::BigNum;
        use openssl::rsa::Rsa;
        for (n, e) in [
            (Rsa::generate(2048).unwrap().n().to_vec(), vec![1, 0, 1]),
            (vec![0x7f; 300], vec![3]),
            (vec![0xff; 1024], vec![0x80, 0, 0, 1]),
        ] {
            let key = RsaKey {
                modulus: n.clone(),
                exponent: e.clone(),
            };
            let openssl = Rsa::from_public_components(
                BigNum::from_slice(&n).unwrap(),
                BigNum::from_slice(&e).unwrap(),
            )
            .unwrap()
            .public_key_to_der_pkcs1()
            .unwrap();
            assert_eq!(rsa_public_key_der(&key), openssl);
        }
    }
}
