//! A real DPoP client's proofs verify: panva's `dpop` package (pinned,
//! installed by the harness with `npm ci`, never skipped) signs proofs with
//! each of its algorithms for tokens bound to its key by the thumbprint it
//! computes itself; the core verifies them, and refuses the same proof
//! twice, for another request or for another token.

use std::time::{Instant, SystemTime};

use oidc_jwt_verifier_core::http_types::{HeaderMap, HeaderValue};
use oidc_jwt_verifier_core::{
    AuthConfig, AuthError, Claims, DpopMode, DpopProblem, FetchNext, HttpResponse, IncomingRequest,
    Now, Progress, Query, Requirements, UnixTime, Verifier,
};
use oidc_jwt_verifier_interop::{DpopClient, DPOP_CLIENT_ALGORITHMS};
use oidc_jwt_verifier_testkit::{jwks_of, FixedKey, TestKey, TokenBuilder};
use serde_json::json;

const ISSUER: &str = "https://id.example.test/";
const AUDIENCE: &str = "https://api.example.test";
const URI: &str = "https://api.example.test/orders";

fn now() -> Now {
    Now {
        wall: UnixTime::from_system_time(SystemTime::now()),
        monotonic: Instant::now(),
    }
}

/// A verifier taking DPoP only, with every algorithm of the client, and
/// the issuer's key cached.
fn verifier(issuer: &TestKey) -> Verifier {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "https://id.example.test/jwks");
    config.dpop = DpopMode::DpopOnly;
    config.dpop_algs = DPOP_CLIENT_ALGORITHMS.map(str::to_owned).to_vec();
    let mut verifier = Verifier::new(config).unwrap();
    let Progress::Fetch(request) = verifier.healthcheck(&mut Query::new(), now()) else {
        panic!("no fetch");
    };
    let answer = request.read(Ok(HttpResponse {
        status: 200,
        body: jwks_of(&[issuer]).to_string().into_bytes(),
        ..HttpResponse::default()
    }));
    assert!(matches!(
        verifier.handle_answer(answer, now()),
        Ok(FetchNext::Ended)
    ));
    verifier
}

fn bound_token(issuer: &TestKey, jkt: &str, sub: &str) -> String {
    let exp = UnixTime::from_system_time(SystemTime::now()).as_secs_f64() as u64 + 600;
    TokenBuilder::for_key(issuer)
        .claim("iss", json!(ISSUER))
        .claim("aud", json!(AUDIENCE))
        .claim("sub", json!(sub))
        .claim("exp", json!(exp))
        .claim("cnf", json!({"jkt": jkt}))
        .sign(issuer)
        .unwrap()
}

fn verify(
    verifier: &mut Verifier,
    method: &str,
    token: &str,
    proof: &str,
) -> Result<Claims, AuthError> {
    let mut headers = HeaderMap::new();
    let authorization = format!("DPoP {token}");
    headers.insert(
        "authorization",
        HeaderValue::from_str(&authorization).unwrap(),
    );
    headers.insert("dpop", HeaderValue::from_str(proof).unwrap());
    let request = IncomingRequest::new(method, URI, &headers);
    match verifier.verify_request(&request, &Requirements::new(), &mut Query::new(), now()) {
        Progress::Done { answer, .. } => answer.and_then(|check| check.finish()),
        other => panic!("keys are cached: {other:?}"),
    }
}

#[test]
fn the_proofs_of_the_dpop_package_verify_for_every_algorithm() {
    let issuer = TestKey::fixed(FixedKey::Rsa2048A).unwrap();
    for alg in DPOP_CLIENT_ALGORITHMS {
        let mut client = DpopClient::start(alg).unwrap();
        let mut verifier = verifier(&issuer);
        let token = bound_token(&issuer, client.jkt(), "alice");

        let proof = client.proof("GET", URI, &token).unwrap();
        let claims = verify(&mut verifier, "GET", &token, &proof)
            .unwrap_or_else(|error| panic!("{alg}: {} ({:?})", error.code(), error.dpop_problem()));
        assert_eq!(claims.subject.as_deref(), Some("alice"), "{alg}");

        // The same proof again, within the window.
        assert_eq!(
            verify(&mut verifier, "GET", &token, &proof).unwrap_err(),
            AuthError::DpopProofReplayed,
            "{alg}"
        );
        // A fresh proof for another method.
        let post = client.proof("POST", URI, &token).unwrap();
        assert_eq!(
            verify(&mut verifier, "GET", &token, &post)
                .unwrap_err()
                .dpop_problem(),
            Some(DpopProblem::Method),
            "{alg}"
        );
        // A proof for another token of the same key.
        let other = bound_token(&issuer, client.jkt(), "bob");
        let for_other = client.proof("GET", URI, &other).unwrap();
        assert_eq!(
            verify(&mut verifier, "GET", &token, &for_other)
                .unwrap_err()
                .dpop_problem(),
            Some(DpopProblem::AccessTokenHash),
            "{alg}"
        );
        // A token bound to another client's key.
        let stranger = DpopClient::start(alg).unwrap();
        let not_theirs = bound_token(&issuer, stranger.jkt(), "carol");
        let proof = client.proof("GET", URI, &not_theirs).unwrap();
        assert_eq!(
            verify(&mut verifier, "GET", &not_theirs, &proof).unwrap_err(),
            AuthError::InvalidDpopBinding,
            "{alg}"
        );
    }
}
