//! Verification cost against a raw OpenSSL signature check of the same
//! token, as ratios measured in one run (shared machines are noisy; compare
//! the ratio, not the nanoseconds). Run: `cargo bench -p oidc-jwt-verifier-core`.
//!
//! It measures, it asserts nothing about timing.
#![allow(clippy::disallowed_methods)] // a benchmark reads the clock

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jws::{JwsSigner, ES256, RS256};
use oidc_jwt_verifier_core::{
    AuthConfig, FetchNext, HttpResponse, Now, Progress, Query, UnixTime, Verifier,
};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use serde_json::json;

const ISSUER: &str = "https://id.example.test/";
const AUDIENCE: &str = "api://default";
const NOW: f64 = 1_767_225_600.0;

struct Case {
    name: &'static str,
    alg: &'static str,
    key: PKey<Private>,
    jwk: serde_json::Value,
    signer: Box<dyn JwsSigner>,
}

fn rsa_case() -> Case {
    let rsa = Rsa::generate(2048).expect("RSA");
    let pem = rsa.private_key_to_pem().expect("pem");
    let jwk = json!({"kty": "RSA", "kid": "k", "n": URL_SAFE_NO_PAD.encode(rsa.n().to_vec()), "e": URL_SAFE_NO_PAD.encode(rsa.e().to_vec())});
    Case {
        name: "RS256 (RSA 2048)",
        alg: "RS256",
        signer: Box::new(RS256.signer_from_pem(&pem).expect("signer")),
        key: PKey::from_rsa(rsa).expect("pkey"),
        jwk,
    }
}

fn ec_case() -> Case {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
    let ec = EcKey::generate(&group).expect("EC");
    let mut ctx = openssl::bn::BigNumContext::new().expect("ctx");
    let (mut x, mut y) = (
        openssl::bn::BigNum::new().expect("x"),
        openssl::bn::BigNum::new().expect("y"),
    );
    ec.public_key()
        .affine_coordinates(&group, &mut x, &mut y, &mut ctx)
        .expect("coords");
    let jwk = json!({"kty": "EC", "crv": "P-256", "kid": "k", "x": URL_SAFE_NO_PAD.encode(x.to_vec_padded(32).expect("x")), "y": URL_SAFE_NO_PAD.encode(y.to_vec_padded(32).expect("y"))});
    let pem = ec.private_key_to_pem().expect("pem");
    Case {
        name: "ES256 (P-256)",
        alg: "ES256",
        signer: Box::new(ES256.signer_from_pem(&pem).expect("signer")),
        key: PKey::from_ec_key(ec).expect("pkey"),
        jwk,
    }
}

fn token(case: &Case) -> String {
    let header = json!({"alg": case.alg, "kid": "k", "typ": "JWT"});
    let claims = json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "exp": NOW + 3600.0, "scope": "read write"});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = case.signer.sign(input.as_bytes()).expect("sign");
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// Nanoseconds per call, best of five rounds of `iterations`.
fn measure(iterations: u32, mut f: impl FnMut()) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                f();
            }
            start.elapsed()
        })
        .min()
        .map_or(f64::NAN, |best: Duration| {
            best.as_nanos() as f64 / f64::from(iterations)
        })
}

/// The floor: decode the signature and check it with OpenSSL directly, the
/// key already loaded. For ES256, the raw R||S is turned into DER as any
/// JOSE library must.
fn raw_openssl_check(case: &Case, token: &str) -> bool {
    let (input, signature) = token.rsplit_once('.').expect("three parts");
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64");
    let signature = if case.alg == "ES256" {
        let r = openssl::bn::BigNum::from_slice(&signature[..32]).expect("r");
        let s = openssl::bn::BigNum::from_slice(&signature[32..]).expect("s");
        openssl::ecdsa::EcdsaSig::from_private_components(r, s)
            .expect("sig")
            .to_der()
            .expect("der")
    } else {
        signature
    };
    let mut verifier =
        openssl::sign::Verifier::new(MessageDigest::sha256(), &case.key).expect("verifier");
    verifier.update(input.as_bytes()).expect("update");
    verifier.verify(&signature).expect("verify")
}

fn loaded_verifier(case: &Case) -> (Verifier, Now) {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "https://id.example.test/jwks");
    config.allowed_algs = vec![case.alg.to_owned()];
    let mut verifier = Verifier::new(config).expect("config");
    let now = Now {
        wall: UnixTime::from_secs_f64(NOW),
        monotonic: Instant::now(),
    };
    let token = token(case);
    let Progress::Fetch(request) = verifier.verify(&token, &mut Query::new(), now) else {
        panic!("the first verification fetches");
    };
    let body = json!({"keys": [case.jwk]}).to_string().into_bytes();
    let response = HttpResponse {
        status: 200,
        body,
        ..HttpResponse::default()
    };
    let answer = request.read(Ok(response));
    let next = verifier.handle_answer(answer, now).expect("answer");
    assert!(matches!(next, FetchNext::Ended));
    (verifier, now)
}

fn main() {
    println!(
        "{:<18} {:>14} {:>14} {:>14} {:>8}",
        "algorithm", "openssl ns", "verify ns", "reject ns", "ratio"
    );
    for case in [rsa_case(), ec_case()] {
        let token = token(&case);
        let (mut verifier, now) = loaded_verifier(&case);
        let iterations = 2_000;
        let raw = measure(iterations, || {
            assert!(raw_openssl_check(&case, black_box(&token)))
        });
        let ours = measure(iterations, || {
            match verifier.verify(black_box(&token), &mut Query::new(), now) {
                Progress::Done {
                    answer: Ok(check), ..
                } => assert!(check.finish().is_ok()),
                other => panic!("{other:?}"),
            }
        });
        let expired_now = Now {
            wall: UnixTime::from_secs_f64(NOW + 7200.0),
            ..now
        };
        let malformed = measure(iterations, || {
            assert!(matches!(
                verifier.verify(black_box("e30.e30.x"), &mut Query::new(), expired_now),
                Progress::Done { answer: Err(_), .. }
            ));
        });
        println!(
            "{:<18} {:>14.0} {:>14.0} {:>14.0} {:>7.2}x",
            case.name,
            raw,
            ours,
            malformed,
            ours / raw
        );
    }
}
