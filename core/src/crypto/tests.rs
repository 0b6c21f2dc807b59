//! The boundary's tests, written against no backend in particular: CI runs
//! them with each (`cargo test -p oidc-jwt-verifier-core` and with
//! `--no-default-features --features aws-lc`), so both backends accept and
//! refuse the same keys and signatures. Tokens are signed with OpenSSL
//! (test-only with either backend).

use ::openssl::bn::BigNum;
use ::openssl::pkey::{PKey, Private};
use ::openssl::rsa::Rsa;

use super::*;
use crate::alg::Curve;
use crate::jwk::test_keys::{self, sign};

const MESSAGE: &[u8] = b"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9";

fn rsa_public(rsa: &Rsa<Private>) -> PublicKey {
    PublicKey::rsa(&rsa.n().to_vec(), &rsa.e().to_vec()).unwrap()
}

fn prepared(key: &PublicKey, algorithms: &[Algorithm]) -> PreparedKey {
    PreparedKey::new(key, algorithms).unwrap()
}

/// An 8200-bit RSA key (TEST ONLY: its private key is public), over the
/// 8192 bits aws-lc-rs verifies with; generating one takes half a minute.
fn rsa_8200() -> PKey<Private> {
    let pem = include_bytes!("../../testdata/rsa-8200-TEST-ONLY.pem");
    PKey::private_key_from_pem(pem).unwrap()
}

#[test]
fn the_backend_is_named() {
    assert!(["openssl", "aws-lc"].contains(&SIGNATURE_BACKEND));
    assert_eq!(cfg!(feature = "aws-lc"), SIGNATURE_BACKEND == "aws-lc");
}

/// Every algorithm verifies its own signature, under every name that fits
/// the key, and nothing else: another message, a flipped bit, another key.
#[test]
fn every_algorithm_verifies_exactly_its_signatures() {
    for alg in Algorithm::ALL {
        let key = test_keys::for_alg(alg);
        let jwk_key = crate::jwk::VerifyingKey::parse(&key.jwk, &[alg]).unwrap();
        let signature = sign(alg, &key.private, MESSAGE);
        assert_eq!(jwk_key.verify(alg, MESSAGE, &signature), Ok(()), "{alg}");
        assert!(
            jwk_key.verify(alg, b"another message", &signature).is_err(),
            "{alg}"
        );
        for byte in [0, signature.len() / 2, signature.len() - 1] {
            let mut flipped = signature.clone();
            flipped[byte] ^= 0x01;
            assert!(
                jwk_key.verify(alg, MESSAGE, &flipped).is_err(),
                "{alg} byte {byte}"
            );
        }
        // Another pair of the same kind (the 2048-bit test RSA key is shared).
        let other_key = match alg.key_family() {
            crate::alg::KeyFamily::Rsa => rsa_public(&Rsa::generate(2048).unwrap()),
            _ => match crate::jwk::VerifyingKey::parse(&test_keys::for_alg(alg).jwk, &[alg]) {
                Ok(other) => {
                    assert!(other.verify(alg, MESSAGE, &signature).is_err(), "{alg}");
                    continue;
                }
                Err(error) => panic!("{alg}: {error}"),
            },
        };
        assert!(
            !prepared(&other_key, &[alg]).verify(alg, MESSAGE, &signature),
            "{alg}"
        );
    }
}

/// A key is prepared for the algorithms it was given only.
#[test]
fn an_algorithm_the_key_was_not_prepared_for_never_verifies() {
    let rsa = Rsa::generate(2048).unwrap();
    let private = PKey::from_rsa(rsa.clone()).unwrap();
    let key = prepared(&rsa_public(&rsa), &[Algorithm::PS256]);
    let pkcs1 = sign(Algorithm::RS256, &private, MESSAGE);
    let pss = sign(Algorithm::PS256, &private, MESSAGE);
    assert!(key.verify(Algorithm::PS256, MESSAGE, &pss));
    assert!(!key.verify(Algorithm::RS256, MESSAGE, &pkcs1));
    assert!(!key.verify(Algorithm::ES256, MESSAGE, &pss));
}

/// The signature rules come before the backend: lengths, all-zero
/// signatures, ECDSA halves of zeros.
#[test]
fn signatures_of_the_wrong_shape_never_reach_the_backend() {
    for alg in [
        Algorithm::RS256,
        Algorithm::ES256,
        Algorithm::ES512,
        Algorithm::EdDSA,
        Algorithm::Ed448,
    ] {
        let key = test_keys::for_alg(alg);
        let parsed = crate::jwk::VerifyingKey::parse(&key.jwk, &[alg]).unwrap();
        let signature = sign(alg, &key.private, MESSAGE);
        let len = signature.len();
        for wrong in [
            Vec::new(),
            vec![0; len],
            signature[1..].to_vec(),
            [signature.as_slice(), &[0]].concat(),
        ] {
            assert!(
                parsed.verify(alg, MESSAGE, &wrong).is_err(),
                "{alg} {}",
                wrong.len()
            );
        }
    }
    for (alg, half) in [
        (Algorithm::ES256, 32),
        (Algorithm::ES384, 48),
        (Algorithm::ES512, 66),
    ] {
        let key = test_keys::for_alg(alg);
        let parsed = crate::jwk::VerifyingKey::parse(&key.jwk, &[alg]).unwrap();
        let signature = sign(alg, &key.private, MESSAGE);
        let mut r_zero = signature.clone();
        r_zero[..half].fill(0);
        let mut s_zero = signature.clone();
        s_zero[half..].fill(0);
        for bad in [r_zero, s_zero] {
            assert!(parsed.verify(alg, MESSAGE, &bad).is_err(), "{alg}");
        }
    }
}

/// ECDSA halves at or above the group order are refused by both backends.
#[test]
fn ecdsa_halves_not_below_the_order_are_refused() {
    let key = test_keys::ec(Curve::P256);
    let parsed = crate::jwk::VerifyingKey::parse(&key.jwk, &[Algorithm::ES256]).unwrap();
    let signature = sign(Algorithm::ES256, &key.private, MESSAGE);
    let order =
        BigNum::from_hex_str("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
            .unwrap();
    // s + n is another representative of the same s: a malleable signature.
    let s = BigNum::from_slice(&signature[32..]).unwrap();
    let mut s_plus_n = BigNum::new().unwrap();
    s_plus_n.checked_add(&s, &order).unwrap();
    if s_plus_n.num_bytes() == 32 {
        let mut malleable = signature[..32].to_vec();
        malleable.extend(s_plus_n.to_vec());
        assert!(parsed
            .verify(Algorithm::ES256, MESSAGE, &malleable)
            .is_err());
    }
    let mut at_order = signature[..32].to_vec();
    at_order.extend(order.to_vec());
    assert!(parsed.verify(Algorithm::ES256, MESSAGE, &at_order).is_err());
    let mut all_ones = signature[..32].to_vec();
    all_ones.extend([0xff; 32]);
    assert!(parsed.verify(Algorithm::ES256, MESSAGE, &all_ones).is_err());
}

/// Keys the rules accept but aws-lc cannot use directly (exponents of 34
/// to 64 bits, moduli over 8192 bits) verify with both backends.
#[test]
fn rsa_keys_at_the_edges_of_the_rules_verify() {
    let exponents: [&[u8]; 3] = [
        &[0x01, 0x00, 0x01],
        &[0x03, 0x00, 0x00, 0x00, 0x01],
        &[0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1d],
    ];
    for exponent in exponents {
        let e = BigNum::from_slice(exponent).unwrap();
        let rsa = Rsa::generate_with_e(2048, &e).unwrap();
        let private = PKey::from_rsa(rsa.clone()).unwrap();
        let algorithms = [Algorithm::RS256, Algorithm::PS384, Algorithm::RS512];
        let key = prepared(&rsa_public(&rsa), &algorithms);
        for alg in algorithms {
            let signature = sign(alg, &private, MESSAGE);
            assert!(key.verify(alg, MESSAGE, &signature), "{alg} e {exponent:?}");
            assert!(
                !key.verify(alg, b"other", &signature),
                "{alg} e {exponent:?}"
            );
        }
    }
    let big = rsa_8200();
    let key = prepared(
        &rsa_public(&big.rsa().unwrap()),
        &[Algorithm::RS256, Algorithm::PS512],
    );
    for alg in [Algorithm::RS256, Algorithm::PS512] {
        let signature = sign(alg, &big, MESSAGE);
        assert_eq!(signature.len(), 1025);
        assert!(key.verify(alg, MESSAGE, &signature), "{alg}");
        assert!(!key.verify(alg, b"other", &signature), "{alg}");
    }
}

/// An RSA signature not below the modulus is refused, not reduced.
#[test]
fn rsa_signatures_not_below_the_modulus_are_refused() {
    let rsa = Rsa::generate(2048).unwrap();
    let private = PKey::from_rsa(rsa.clone()).unwrap();
    let key = prepared(&rsa_public(&rsa), &[Algorithm::RS256]);
    let signature = sign(Algorithm::RS256, &private, MESSAGE);
    let n = rsa.n().to_owned().unwrap();
    let mut s_plus_n = BigNum::new().unwrap();
    s_plus_n
        .checked_add(&BigNum::from_slice(&signature).unwrap(), &n)
        .unwrap();
    if s_plus_n.num_bytes() == 256 {
        assert!(!key.verify(Algorithm::RS256, MESSAGE, &s_plus_n.to_vec()));
    }
    assert!(!key.verify(Algorithm::RS256, MESSAGE, &n.to_vec()));
    assert!(!key.verify(Algorithm::RS256, MESSAGE, &[0xff; 256]));
}

/// The EdDSA names verify with the key's own curve only.
#[test]
fn eddsa_verifies_on_the_key_curve() {
    for curve in [Curve::Ed25519, Curve::Ed448] {
        let key = test_keys::okp(curve);
        let algorithms: &[Algorithm] = match curve {
            Curve::Ed25519 => &[Algorithm::EdDSA, Algorithm::Ed25519],
            _ => &[Algorithm::EdDSA, Algorithm::Ed448],
        };
        let parsed = crate::jwk::VerifyingKey::parse(&key.jwk, algorithms).unwrap();
        let signature = sign(Algorithm::EdDSA, &key.private, MESSAGE);
        for alg in algorithms {
            assert_eq!(
                parsed.verify(*alg, MESSAGE, &signature),
                Ok(()),
                "{curve:?} {alg}"
            );
        }
        // S at or above the group order L: a non-canonical signature.
        let mut s_high = signature.clone();
        let half = signature.len() / 2;
        s_high[half..].fill(0xff);
        if curve == Curve::Ed448 {
            s_high[signature.len() - 1] = 0;
        }
        assert!(
            parsed.verify(Algorithm::EdDSA, MESSAGE, &s_high).is_err(),
            "{curve:?}"
        );
    }
}

/// Prepared keys are shared by threads with no lock: verifications run in
/// parallel on one key.
#[test]
fn one_prepared_key_verifies_on_many_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PreparedKey>();
    let key = test_keys::okp(Curve::Ed25519);
    let parsed = std::sync::Arc::new(
        crate::jwk::VerifyingKey::parse(&key.jwk, &[Algorithm::EdDSA]).unwrap(),
    );
    let signature = sign(Algorithm::EdDSA, &key.private, MESSAGE);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let (parsed, signature) = (std::sync::Arc::clone(&parsed), signature.clone());
            scope.spawn(move || {
                for _ in 0..50 {
                    assert_eq!(parsed.verify(Algorithm::EdDSA, MESSAGE, &signature), Ok(()));
                }
            });
        }
    });
}
