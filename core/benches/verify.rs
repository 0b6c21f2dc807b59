//! Verification cost against a raw OpenSSL signature check of the same
//! token, as ratios measured in one run (shared machines are noisy; compare
//! the ratio, not the nanoseconds). Run: `cargo bench -p oidc-jwt-verifier-core`.
//!
//! It measures, it asserts nothing about timing.
#![allow(clippy::disallowed_methods)] // a benchmark reads the clock

use std::hint::black_box;
use std::time::{Duration, Instant};

use oidc_jwt_verifier_core::{
    AuthConfig, FetchNext, HttpResponse, Now, Progress, Query, UnixTime, Verifier,
};
use oidc_jwt_verifier_testkit::issuer::b64url_decode;
use oidc_jwt_verifier_testkit::{jwks_of, FixedKey, SigningAlg, TestKey, TokenBuilder};
use openssl::hash::MessageDigest;
use serde_json::json;

const ISSUER: &str = "https://id.example.test/";
const AUDIENCE: &str = "api://default";
const NOW: f64 = 1_767_225_600.0;

struct Case {
    name: &'static str,
    alg: SigningAlg,
    key: TestKey,
}

/// The test kit's fixed TEST ONLY keys, published as `k`.
fn case(name: &'static str, fixed: FixedKey) -> Case {
    let key = TestKey::fixed(fixed).expect("a fixed key").with_kid("k");
    Case {
        name,
        alg: key.alg(),
        key,
    }
}

fn token(case: &Case) -> String {
    TokenBuilder::for_key(&case.key)
        .claim("iss", json!(ISSUER))
        .claim("aud", json!(AUDIENCE))
        .claim("sub", json!("alice"))
        .claim("exp", json!(NOW + 3600.0))
        .claim("scope", json!("read write"))
        .sign(&case.key)
        .expect("sign")
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
    let signature = b64url_decode(signature).expect("base64url");
    let signature = if case.alg == SigningAlg::Es256 {
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
        openssl::sign::Verifier::new(MessageDigest::sha256(), case.key.openssl_key())
            .expect("verifier");
    verifier.update(input.as_bytes()).expect("update");
    verifier.verify(&signature).expect("verify")
}

fn loaded_verifier(case: &Case) -> (Verifier, Now) {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "https://id.example.test/jwks");
    config.allowed_algs = vec![case.alg.name().to_owned()];
    let mut verifier = Verifier::new(config).expect("config");
    let now = Now {
        wall: UnixTime::from_secs_f64(NOW),
        monotonic: Instant::now(),
    };
    let token = token(case);
    let Progress::Fetch(request) = verifier.verify(&token, &mut Query::new(), now) else {
        panic!("the first verification fetches");
    };
    let body = jwks_of(&[&case.key]).to_string().into_bytes();
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
    let cases = [
        case("RS256 (RSA 2048)", FixedKey::Rsa2048A),
        case("ES256 (P-256)", FixedKey::P256),
    ];
    for case in cases {
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
