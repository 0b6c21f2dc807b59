//! RSA verification in pure Rust, for the keys the rules accept and aws-lc
//! refuses: a modulus over 8192 bits (aws-lc-rs verifies 2048 to 8192) or an
//! exponent over 33 bits (aws-lc's limit against slow public operations).
//! Without it such a listed key would fail every token as
//! `invalid_signature` with the `aws-lc` backend, and the two backends
//! would disagree.
//!
//! RSAVP1 (RFC 8017 section 5.2.2) is one modular exponentiation of public
//! numbers (num-bigint's Montgomery `modpow`); the encoded message it gives
//! is judged by `emsa` exactly as the OpenSSL backend judges its own.

use num_bigint::BigUint;

use super::emsa::{self, DigestFn};
use super::key::RsaKey;
use super::Scheme;

/// The largest exponent aws-lc uses, in bits.
pub(super) const AWS_LC_MAX_EXPONENT_BITS: usize = 33;
/// The largest modulus aws-lc-rs verifies with, in bits.
pub(super) const AWS_LC_MAX_MODULUS_BITS: usize = 8192;

/// An RSA public key as numbers.
#[derive(Debug)]
pub(super) struct BigRsaKey {
    modulus: BigUint,
    exponent: BigUint,
    modulus_bits: usize,
    modulus_len: usize,
}

impl BigRsaKey {
    pub(super) fn new(key: &RsaKey) -> Self {
        BigRsaKey {
            modulus: BigUint::from_bytes_be(&key.modulus),
            exponent: BigUint::from_bytes_be(&key.exponent),
            modulus_bits: key.modulus_bits(),
            modulus_len: key.modulus.len(),
        }
    }

    /// Whether aws-lc cannot use `key`, so this one must.
    pub(super) fn needed_for(key: &RsaKey) -> bool {
        key.modulus_bits() > AWS_LC_MAX_MODULUS_BITS
            || key.exponent_bits() > AWS_LC_MAX_EXPONENT_BITS
    }

    /// Verifies an RS* or PS* `signature` (exactly the modulus length) of `message`.
    pub(super) fn verify(
        &self,
        scheme: Scheme,
        message: &[u8],
        signature: &[u8],
        digest: DigestFn,
    ) -> bool {
        let Some(em) = self.recover(signature) else {
            return false;
        };
        match scheme {
            Scheme::Pkcs1(hash) => emsa::is_pkcs1_v15(&em, hash, digest(hash, &[message]).as_ref()),
            Scheme::Pss(hash) => {
                let m_hash = digest(hash, &[message]);
                emsa::is_pss(&em, self.modulus_bits, hash, m_hash.as_ref(), digest)
            }
            Scheme::Ecdsa(_) | Scheme::EdDsa => false,
        }
    }

    /// RSAVP1: `s^e mod n` as `k` big-endian bytes, or `None` when the
    /// signature is not exactly `k` bytes or not below the modulus.
    fn recover(&self, signature: &[u8]) -> Option<Vec<u8>> {
        if signature.len() != self.modulus_len {
            return None;
        }
        let s = BigUint::from_bytes_be(signature);
        if s >= self.modulus {
            return None;
        }
        let m = s.modpow(&self.exponent, &self.modulus).to_bytes_be();
        let mut em = vec![0; self.modulus_len - m.len()];
        em.extend_from_slice(&m);
        Some(em)
    }
}

#[cfg(test)]
mod tests {
    use openssl::bn::BigNum;
    use openssl::hash::MessageDigest;
    use openssl::pkey::{PKey, Private};
    use openssl::rsa::{Padding, Rsa};
    use openssl::sign::{RsaPssSaltlen, Signer};

    use super::super::{aws_lc, Hash, PublicKey};
    use super::*;

    const MESSAGE: &[u8] = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9";

    fn sign(key: &PKey<Private>, hash: MessageDigest, pss: bool) -> Vec<u8> {
        let mut signer = Signer::new(hash, key).unwrap();
        if pss {
            signer.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
            signer.set_rsa_mgf1_md(hash).unwrap();
            signer
                .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
                .unwrap();
        }
        signer.update(MESSAGE).unwrap();
        signer.sign_to_vec().unwrap()
    }

    fn big_key(rsa: &Rsa<Private>) -> BigRsaKey {
        match PublicKey::rsa(&rsa.n().to_vec(), &rsa.e().to_vec()).unwrap() {
            PublicKey::Rsa(key) => BigRsaKey::new(&key),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn agrees_with_openssl_for_every_rsa_algorithm() {
        let exponent = BigNum::from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 0x01]).unwrap();
        for rsa in [
            Rsa::generate(2048).unwrap(),
            Rsa::generate_with_e(2049, &exponent).unwrap(),
        ] {
            let key = big_key(&rsa);
            let private = PKey::from_rsa(rsa).unwrap();
            for (hash, md) in [
                (Hash::Sha256, MessageDigest::sha256()),
                (Hash::Sha384, MessageDigest::sha384()),
                (Hash::Sha512, MessageDigest::sha512()),
            ] {
                for (pss, scheme) in [(false, Scheme::Pkcs1(hash)), (true, Scheme::Pss(hash))] {
                    let signature = sign(&private, md, pss);
                    assert!(
                        key.verify(scheme, MESSAGE, &signature, aws_lc::digest),
                        "{scheme:?}"
                    );
                    assert!(!key.verify(scheme, b"other", &signature, aws_lc::digest));
                    let other_scheme = if pss {
                        Scheme::Pkcs1(hash)
                    } else {
                        Scheme::Pss(hash)
                    };
                    assert!(!key.verify(other_scheme, MESSAGE, &signature, aws_lc::digest));
                }
            }
        }
    }

    #[test]
    fn signatures_not_below_the_modulus_or_of_another_length_are_refused() {
        let rsa = Rsa::generate(2048).unwrap();
        let key = big_key(&rsa);
        let modulus = rsa.n().to_vec();
        assert_eq!(key.recover(&modulus), None);
        assert_eq!(key.recover(&[0xff; 256]), None);
        assert_eq!(key.recover(&[1; 255]), None);
        assert_eq!(key.recover(&[1; 257]), None);
        assert!(key.recover(&[1; 256]).is_some());
    }

    #[test]
    fn only_keys_aws_lc_refuses_take_this_path() {
        let needed = |n_bits: usize, e: &[u8]| {
            let mut n = vec![0xff; n_bits.div_ceil(8)];
            n[0] = 0xff >> (8 * n.len() - n_bits);
            match PublicKey::rsa(&n, e).unwrap() {
                PublicKey::Rsa(key) => BigRsaKey::needed_for(&key),
                other => panic!("{other:?}"),
            }
        };
        assert!(!needed(2048, &[1, 0, 1]));
        assert!(!needed(8192, &[1, 0, 0, 0, 1]));
        assert!(needed(8193, &[1, 0, 1]));
        assert!(needed(16384, &[3]));
        assert!(needed(2048, &[3, 0, 0, 0, 1]));
        assert!(needed(4096, &[0x80, 0, 0, 0, 0, 0, 0, 1]));
    }
}
