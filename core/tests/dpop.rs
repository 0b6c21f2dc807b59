//! Sender-constrained tokens through the core's request entry point:
//! `Verifier::verify_request` with DPoP proofs (RFC 9449) and client
//! certificates (RFC 8705), each mode, each refusal, its challenge.

// A test reads the monotonic clock once, to start from; the core never does.
#![allow(clippy::disallowed_methods)]

use std::time::Instant;

use oidc_jwt_verifier_core::http_types::{HeaderMap, HeaderValue};
use oidc_jwt_verifier_core::{
    AuthConfig, AuthError, Claims, DpopMode, DpopProblem, FetchNext, HttpResponse, IncomingRequest,
    Now, Progress, Query, Requirements, UnixTime, Verifier,
};
use oidc_jwt_verifier_testkit::{
    certificate_thumbprint, jwks_of, DpopProofBuilder, FixedKey, TestKey, TokenBuilder,
};
use serde_json::{json, Value};

const ISSUER: &str = "https://id.example.test/";
const AUDIENCE: &str = "https://api.example.test";
const URI: &str = "https://api.example.test/orders";
const NOW: u64 = oidc_jwt_verifier_testkit::clock::JAN_1_2026;
/// Stands for the DER of a client certificate: only its hash is compared.
const CERTIFICATE: &[u8] = b"0\x82\x01\x0a a client certificate";

struct World {
    issuer: TestKey,
    client: TestKey,
    verifier: Verifier,
    now: Now,
}

impl World {
    fn new(mode: DpopMode) -> World {
        World::with(|config| config.dpop = mode)
    }

    fn with(configure: impl FnOnce(&mut AuthConfig)) -> World {
        let issuer = TestKey::fixed(FixedKey::Rsa2048A).unwrap();
        let mut config =
            AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "https://id.example.test/jwks");
        configure(&mut config);
        let mut verifier = Verifier::new(config).unwrap();
        let now = Now {
            wall: UnixTime::from_secs_f64(NOW as f64),
            monotonic: Instant::now(),
        };
        let Progress::Fetch(request) = verifier.healthcheck(&mut Query::new(), now) else {
            panic!("no fetch");
        };
        let body = jwks_of(&[&issuer]).to_string().into_bytes();
        let answer = request.read(Ok(HttpResponse {
            status: 200,
            body,
            ..HttpResponse::default()
        }));
        assert!(matches!(
            verifier.handle_answer(answer, now),
            Ok(FetchNext::Ended)
        ));
        World {
            issuer,
            client: TestKey::fixed(FixedKey::Ed25519).unwrap(),
            verifier,
            now,
        }
    }

    /// A token with `cnf` (none when `Value::Null`) and `extra` claims.
    fn token(&self, cnf: Value, extra: Value) -> String {
        let mut builder = TokenBuilder::for_key(&self.issuer)
            .claim("iss", json!(ISSUER))
            .claim("aud", json!(AUDIENCE))
            .claim("sub", json!("alice"))
            .claim("exp", json!(NOW + 600));
        if !cnf.is_null() {
            builder = builder.claim("cnf", cnf);
        }
        if let Value::Object(extra) = extra {
            builder = builder.claims(&extra);
        }
        builder.sign(&self.issuer).unwrap()
    }

    /// A token bound to the client's DPoP key.
    fn bound_token(&self) -> String {
        self.token(json!({"jkt": self.client.thumbprint()}), Value::Null)
    }

    fn proof(&self, token: &str) -> DpopProofBuilder {
        DpopProofBuilder::new(&self.client, "GET", URI, NOW).access_token(token)
    }

    fn request(
        &mut self,
        authorization: Option<&str>,
        proofs: &[&str],
        certificate: Option<&[u8]>,
    ) -> Result<Claims, AuthError> {
        let mut headers = HeaderMap::new();
        if let Some(authorization) = authorization {
            headers.insert(
                "authorization",
                HeaderValue::from_str(authorization).unwrap(),
            );
        }
        for proof in proofs {
            headers.append("dpop", HeaderValue::from_str(proof).unwrap());
        }
        let mut request = IncomingRequest::new("GET", URI, &headers);
        if let Some(certificate) = certificate {
            request = request.with_client_certificate(certificate);
        }
        match self.verifier.verify_request(
            &request,
            &Requirements::new(),
            &mut Query::new(),
            self.now,
        ) {
            Progress::Done { answer, .. } => answer.and_then(|check| check.finish()),
            other => panic!("keys are cached: {other:?}"),
        }
    }

    fn dpop(&mut self, token: &str, proof: &str) -> Result<Claims, AuthError> {
        self.request(Some(&format!("DPoP {token}")), &[proof], None)
    }

    fn bearer(&mut self, token: &str) -> Result<Claims, AuthError> {
        self.request(Some(&format!("Bearer {token}")), &[], None)
    }
}

#[test]
fn a_dpop_bound_token_with_its_proof_verifies() {
    for mode in [DpopMode::DpopOnly, DpopMode::Either] {
        let mut world = World::new(mode);
        let token = world.bound_token();
        let proof = world.proof(&token).sign(&world.client).unwrap();
        let claims = world.dpop(&token, &proof).unwrap();
        assert_eq!(claims.subject.as_deref(), Some("alice"));
        // The scheme is matched in any case.
        let proof = world
            .proof(&token)
            .jti("second")
            .sign(&world.client)
            .unwrap();
        assert!(world
            .request(Some(&format!("dpop {token}")), &[&proof], None)
            .is_ok());
    }
}

#[test]
fn a_replayed_proof_is_refused_within_the_window() {
    let mut world = World::new(DpopMode::DpopOnly);
    let token = world.bound_token();
    let proof = world.proof(&token).sign(&world.client).unwrap();
    assert!(world.dpop(&token, &proof).is_ok());
    assert_eq!(
        world.dpop(&token, &proof).unwrap_err(),
        AuthError::DpopProofReplayed
    );
    let status = world.verifier.status(world.now);
    assert_eq!(
        status.counters.rejected.get("dpop_proof_replayed"),
        Some(&1)
    );
}

#[test]
fn the_proof_must_be_there_once_and_match_the_request() {
    let mut world = World::new(DpopMode::Either);
    let token = world.bound_token();
    let proof = world.proof(&token).sign(&world.client).unwrap();
    let auth = format!("DPoP {token}");
    let refused = |result: Result<Claims, AuthError>| result.unwrap_err().dpop_problem();
    assert_eq!(
        refused(world.request(Some(&auth), &[], None)),
        Some(DpopProblem::Missing)
    );
    assert_eq!(
        refused(world.request(Some(&auth), &[&proof, &proof], None)),
        Some(DpopProblem::Repeated)
    );
    let post = DpopProofBuilder::new(&world.client, "POST", URI, NOW).access_token(&token);
    assert_eq!(
        refused(world.dpop(&token, &post.sign(&world.client).unwrap())),
        Some(DpopProblem::Method)
    );
    let other_token = world.token(json!({"jkt": world.client.thumbprint()}), json!({"n": 1}));
    let for_other = world.proof(&other_token).sign(&world.client).unwrap();
    assert_eq!(
        refused(world.dpop(&token, &for_other)),
        Some(DpopProblem::AccessTokenHash)
    );
}

#[test]
fn the_token_must_be_bound_to_the_proof_key() {
    let mut world = World::new(DpopMode::Either);
    for cnf in [
        Value::Null,
        json!({}),
        json!({"jkt": TestKey::fixed(FixedKey::P256).unwrap().thumbprint()}),
    ] {
        let token = world.token(cnf.clone(), Value::Null);
        let proof = world.proof(&token).sign(&world.client).unwrap();
        assert_eq!(
            world.dpop(&token, &proof).unwrap_err(),
            AuthError::InvalidDpopBinding,
            "{cnf}"
        );
    }
    let token = world.token(json!("not an object"), Value::Null);
    let proof = world.proof(&token).sign(&world.client).unwrap();
    assert_eq!(
        world.dpop(&token, &proof).unwrap_err().message(),
        "Invalid claim: cnf"
    );
}

#[test]
fn the_token_signature_is_judged_before_the_proof_and_the_claims_after() {
    let mut world = World::new(DpopMode::DpopOnly);
    let token = world.bound_token();
    let forged = oidc_jwt_verifier_testkit::tamper::tamper_signature(&token).unwrap();
    // A bad proof key for a forged token: the token's signature decides.
    let proof = world.proof(&forged).with_signature(&[1; 64]);
    assert_eq!(
        world.dpop(&forged, &proof).unwrap_err(),
        AuthError::InvalidSignature
    );
    // A bound, expired token with a good proof: the proof passes, then the claims fail.
    let expired = world.token(
        json!({"jkt": world.client.thumbprint()}),
        json!({"exp": NOW - 10}),
    );
    let proof = world.proof(&expired).sign(&world.client).unwrap();
    assert_eq!(
        world.dpop(&expired, &proof).unwrap_err(),
        AuthError::TokenExpired
    );
    // ... and an unbound token with a bad proof signature is a binding error first.
    let unbound = world.token(Value::Null, Value::Null);
    let proof = world.proof(&unbound).with_signature(&[1; 64]);
    assert_eq!(
        world.dpop(&unbound, &proof).unwrap_err(),
        AuthError::InvalidDpopBinding
    );
}

#[test]
fn each_mode_takes_its_schemes() {
    let mut world = World::new(DpopMode::BearerOnly);
    let plain = world.token(Value::Null, Value::Null);
    assert!(world.bearer(&plain).is_ok());
    let proof = world.proof(&plain).sign(&world.client).unwrap();
    assert_eq!(
        world.dpop(&plain, &proof).unwrap_err(),
        AuthError::InvalidRequest
    );

    let mut world = World::new(DpopMode::DpopOnly);
    let plain = world.token(Value::Null, Value::Null);
    assert_eq!(world.bearer(&plain).unwrap_err(), AuthError::DpopRequired);
    // The entry points without a request take bearer tokens only.
    let bare = match world.verifier.verify(&plain, &mut Query::new(), world.now) {
        Progress::Done { answer, .. } => answer.map(|_| ()),
        other => panic!("{other:?}"),
    };
    assert_eq!(bare.unwrap_err(), AuthError::DpopRequired);
    let header = format!("Bearer {plain}");
    let bare =
        match world
            .verifier
            .verify_authorization(Some(&header), &mut Query::new(), world.now)
        {
            Progress::Done { answer, .. } => answer.map(|_| ()),
            other => panic!("{other:?}"),
        };
    assert_eq!(bare.unwrap_err(), AuthError::DpopRequired);
    assert_eq!(
        world.request(None, &[], None).unwrap_err(),
        AuthError::MissingToken
    );
    assert_eq!(
        world.request(Some("Basic abc"), &[], None).unwrap_err(),
        AuthError::InvalidRequest
    );

    let mut world = World::new(DpopMode::Either);
    let plain = world.token(Value::Null, Value::Null);
    assert!(world.bearer(&plain).is_ok());
    // A stray DPoP field beside a bearer token is not read.
    let proof = world.proof(&plain).sign(&world.client).unwrap();
    assert!(world
        .request(Some(&format!("Bearer {plain}")), &[&proof, "junk"], None)
        .is_ok());
}

#[test]
fn a_dpop_bound_token_as_bearer_is_refused_in_every_mode() {
    for mode in [DpopMode::BearerOnly, DpopMode::DpopOnly, DpopMode::Either] {
        let mut world = World::new(mode);
        let token = world.bound_token();
        assert_eq!(
            world.bearer(&token).unwrap_err(),
            AuthError::DpopRequired,
            "{mode:?}"
        );
        // Bare tokens are bearer tokens too.
        let error = match world.verifier.verify(&token, &mut Query::new(), world.now) {
            Progress::Done { answer, .. } => answer.and_then(|check| check.finish()).unwrap_err(),
            other => panic!("{other:?}"),
        };
        assert_eq!(error, AuthError::DpopRequired);
    }
}

#[test]
fn a_certificate_bound_token_needs_its_certificate() {
    for mode in [DpopMode::BearerOnly, DpopMode::Either] {
        let mut world = World::new(mode);
        let token = world.token(
            json!({"x5t#S256": certificate_thumbprint(CERTIFICATE)}),
            Value::Null,
        );
        let auth = format!("Bearer {token}");
        assert!(world.request(Some(&auth), &[], Some(CERTIFICATE)).is_ok());
        assert_eq!(
            world.request(Some(&auth), &[], None).unwrap_err(),
            AuthError::InvalidCertificateBinding
        );
        assert_eq!(
            world
                .request(Some(&auth), &[], Some(b"another certificate"))
                .unwrap_err(),
            AuthError::InvalidCertificateBinding
        );
        // An unbound token does not need one, and ignores one.
        let plain = world.token(Value::Null, Value::Null);
        assert!(world
            .request(Some(&format!("Bearer {plain}")), &[], Some(CERTIFICATE))
            .is_ok());
    }
    // Both bindings at once: the proof and the certificate.
    let mut world = World::new(DpopMode::DpopOnly);
    let cnf =
        json!({"jkt": world.client.thumbprint(), "x5t#S256": certificate_thumbprint(CERTIFICATE)});
    let token = world.token(cnf, Value::Null);
    let auth = format!("DPoP {token}");
    let proof = world.proof(&token).sign(&world.client).unwrap();
    assert_eq!(
        world.request(Some(&auth), &[&proof], None).unwrap_err(),
        AuthError::InvalidCertificateBinding
    );
    let proof = world
        .proof(&token)
        .jti("again")
        .sign(&world.client)
        .unwrap();
    assert!(world
        .request(Some(&auth), &[&proof], Some(CERTIFICATE))
        .is_ok());
}

#[test]
fn challenges_name_the_schemes_the_verifier_accepts() {
    let challenge = |mode: DpopMode, error: &AuthError| {
        let world = World::with(|config| {
            config.dpop = mode;
            config.dpop_algs = vec!["ES256".into(), "EdDSA".into()];
        });
        world.verifier.www_authenticate(error, Some("api"))
    };
    let proof_error = AuthError::InvalidDpopProof(DpopProblem::Signature);
    for (mode, error, expected) in [
        (
            DpopMode::BearerOnly,
            &AuthError::MissingToken,
            r#"Bearer realm="api""#,
        ),
        (
            DpopMode::DpopOnly,
            &AuthError::MissingToken,
            r#"DPoP realm="api", algs="ES256 EdDSA""#,
        ),
        (
            DpopMode::Either,
            &AuthError::MissingToken,
            r#"Bearer realm="api", DPoP realm="api", algs="ES256 EdDSA""#,
        ),
        (
            DpopMode::DpopOnly,
            &proof_error,
            r#"DPoP realm="api", error="invalid_dpop_proof", error_description="Invalid DPoP proof", algs="ES256 EdDSA""#,
        ),
        (
            DpopMode::Either,
            &AuthError::InvalidDpopBinding,
            r#"DPoP realm="api", error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256 EdDSA""#,
        ),
        (
            DpopMode::Either,
            &AuthError::TokenExpired,
            r#"Bearer realm="api", error="invalid_token", error_description="Token is expired", DPoP realm="api", error="invalid_token", error_description="Token is expired", algs="ES256 EdDSA""#,
        ),
        (
            DpopMode::BearerOnly,
            &AuthError::DpopRequired,
            r#"Bearer realm="api", error="invalid_token", error_description="DPoP proof required""#,
        ),
        (
            DpopMode::DpopOnly,
            &AuthError::DpopProofReplayed,
            r#"DPoP realm="api", error="invalid_dpop_proof", error_description="DPoP proof replayed", algs="ES256 EdDSA""#,
        ),
        (
            DpopMode::BearerOnly,
            &AuthError::InvalidCertificateBinding,
            r#"Bearer realm="api", error="invalid_token", error_description="Invalid certificate binding""#,
        ),
    ] {
        assert_eq!(
            challenge(mode, error).as_deref(),
            Some(expected),
            "{mode:?} {}",
            error.code()
        );
    }
    let world = World::new(DpopMode::DpopOnly);
    let response = world.verifier.error_response(&proof_error, None);
    assert_eq!(response.status, 401);
    assert_eq!(
        response.body,
        r#"{"error":"invalid_dpop_proof","error_description":"Invalid DPoP proof"}"#
    );
    assert!(response
        .www_authenticate
        .unwrap()
        .starts_with("DPoP error=\"invalid_dpop_proof\""));
}

#[test]
fn the_configuration_is_checked() {
    let refused = |configure: fn(&mut AuthConfig)| {
        let mut config =
            AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "https://id.example.test/jwks");
        configure(&mut config);
        Verifier::new(config).unwrap_err().field().to_owned()
    };
    assert_eq!(refused(|c| c.dpop_algs = vec![]), "dpop_algs");
    assert_eq!(refused(|c| c.dpop_algs = vec!["HS256".into()]), "dpop_algs");
    assert_eq!(refused(|c| c.dpop_algs = vec!["none".into()]), "dpop_algs");
    assert_eq!(refused(|c| c.dpop_iat_past_s = 0.5), "dpop_iat_past_s");
    assert_eq!(refused(|c| c.dpop_iat_past_s = f64::NAN), "dpop_iat_past_s");
    assert_eq!(refused(|c| c.dpop_iat_future_s = -1.0), "dpop_iat_future_s");
    assert_eq!(
        refused(|c| c.dpop_iat_future_s = 3601.0),
        "dpop_iat_future_s"
    );
    assert_eq!(
        refused(|c| c.dpop_replay_cache_size = 0),
        "dpop_replay_cache_size"
    );
    assert_eq!(
        refused(|c| c.dpop_replay_cache_size = 10_000_001),
        "dpop_replay_cache_size"
    );
}
