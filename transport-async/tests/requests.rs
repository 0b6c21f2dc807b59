//! The request entry points (`verify_headers`, `verify_request`,
//! `authorize`) and the verifier for several issuers, against the test
//! kit's scripted loopback key server: the blocking driver's script, run
//! alike by the async driver.

use std::sync::Arc;
use std::time::Instant;

use oidc_jwt_verifier_async::http_types::{HeaderMap, HeaderValue, Request};
use oidc_jwt_verifier_async::{
    AsyncJwtVerifier, AsyncMultiIssuerVerifier, AuthConfig, AuthError, DpopMode, IncomingRequest,
    ManualClock, Requirements,
};
use oidc_jwt_verifier_testkit::{jwks_of, DpopProofBuilder, FixedKey, ScriptedServer, TestKey};
use serde_json::json;

#[path = "../../transport-blocking/tests/support/mod.rs"]
mod support;
use support::*;

/// A server publishing `key` at `url`.
fn publish(server: &ScriptedServer, url: &str, key: &TestKey) {
    server.serve_json(url, jwks_of(&[key])).expect("served");
}

fn verifier(
    issuer: &str,
    server: &ScriptedServer,
    url: &str,
    clock: &Arc<ManualClock>,
) -> AsyncJwtVerifier {
    verifier_with(issuer, server, url, clock, |_| {})
}

/// [`verifier`] with its configuration changed by `edit`.
fn verifier_with(
    issuer: &str,
    server: &ScriptedServer,
    url: &str,
    clock: &Arc<ManualClock>,
    edit: impl FnOnce(&mut AuthConfig),
) -> AsyncJwtVerifier {
    let jwks_url = server.map_url(url).expect("mapped");
    let mut config = AuthConfig::with_jwks_url(issuer, AUDIENCE, jwks_url);
    config.allow_insecure_http = true;
    config.fetch_attempts = 1;
    config.required_scopes = vec!["read".into()];
    edit(&mut config);
    AsyncJwtVerifier::builder(config)
        .clock(clock.clone())
        .build()
        .expect("valid")
}

fn bearer(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let value = HeaderValue::from_str(&format!("Bearer {token}")).expect("ASCII");
    headers.insert("authorization", value);
    headers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_request_answers_a_refusal_ready_to_send() {
    let clock = Arc::new(ManualClock::new(Instant::now(), T0));
    let a = key("a");
    let server = start();
    publish(&server, JWKS, &a);
    let verifier = verifier(ISSUER, &server, JWKS, &clock);
    let token = token_with(&a, json!({"scope": "read"}));
    let request = Request::get("/").header("authorization", format!("Bearer {token}"));
    let claims = verifier
        .verify_request(&request.body(()).unwrap(), Some("api"))
        .await
        .expect("verified");
    assert_eq!(claims.subject.as_deref(), Some("user-1"));

    let refusal = verifier
        .verify_request(&Request::new(()), Some("api"))
        .await
        .expect_err("no token");
    assert_eq!(refusal.status(), 401);
    assert_eq!(
        refusal.headers()["www-authenticate"],
        r#"Bearer realm="api""#
    );
    assert_eq!(refusal.headers()["content-type"], "application/json");
    assert_eq!(
        refusal.body(),
        r#"{"error":"missing_token","error_description":"Missing access token"}"#
    );

    let route = Requirements::new().scope("write");
    let error = verifier
        .verify_headers(&bearer(&token), &route)
        .await
        .expect_err("no write");
    assert_eq!(error.required_scopes(), ["read", "write"]);
    assert_eq!(verifier.authorize(&claims, &route), Err(error));
    assert_eq!(verifier.authorize(&claims, &Requirements::new()), Ok(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_issuers_route_by_iss_to_their_own_keys() {
    let clock = Arc::new(ManualClock::new(Instant::now(), T0));
    let (first, second) = (key("a"), key("b"));
    let server = start();
    publish(&server, JWKS, &first);
    publish(&server, OTHER_JWKS, &second);
    let both = AsyncMultiIssuerVerifier::from_verifiers(vec![
        verifier(ISSUER, &server, JWKS, &clock),
        verifier(OTHER, &server, OTHER_JWKS, &clock),
    ])
    .expect("two issuers");
    assert_eq!(both.issuers(), [ISSUER, OTHER]);
    assert!(both.verifier(OTHER).is_some() && both.verifier("x").is_none());

    let theirs = token_with(&second, json!({"iss": OTHER, "scope": "read"}));
    let header = format!("Bearer {theirs}");
    let claims = both
        .verify_authorization_header(Some(&header))
        .await
        .expect("verified");
    assert_eq!(claims.issuer, OTHER);
    assert_eq!(
        both.verify_headers(&bearer(&theirs), &Requirements::new())
            .await,
        Ok(claims.clone())
    );
    assert_eq!((server.requests(JWKS), server.requests(OTHER_JWKS)), (0, 1));

    let stranger = token_with(
        &first,
        json!({"iss": "https://stranger.test/", "scope": "read"}),
    );
    assert_eq!(
        both.verify_access_token(&stranger).await,
        Err(AuthError::InvalidIssuer)
    );
    let no_iss = token_with(&first, json!({"iss": null}));
    assert_eq!(
        both.verify_access_token(&no_iss).await,
        Err(AuthError::InvalidIssuer)
    );
    assert_eq!(
        server.requests(JWKS),
        0,
        "nothing fetched for a token of no listed issuer"
    );

    let route = Requirements::new().permission("admin");
    let error = both.authorize(&claims, &route).expect_err("no admin");
    assert_eq!(error.code(), "insufficient_permissions");
    let mut foreign = claims.clone();
    foreign.issuer = "https://stranger.test/".into();
    assert_eq!(
        both.authorize(&foreign, &route),
        Err(AuthError::InvalidIssuer)
    );

    assert!(both.healthcheck(false).await, "both fetched");
    assert_eq!(both.status(OTHER).map(|s| s.counters.accepted), Some(2));
    assert_eq!(
        both.status(ISSUER).map(|s| s.key_ids),
        Some(vec!["a".to_owned()])
    );
    assert!(both.status("x").is_none());
    both.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issuers_of_one_verifier_must_differ() {
    let clock = Arc::new(ManualClock::new(Instant::now(), T0));
    let server = start();
    publish(&server, JWKS, &key("a"));
    let twice = vec![
        verifier(ISSUER, &server, JWKS, &clock),
        verifier(ISSUER, &server, JWKS, &clock),
    ];
    let error = AsyncMultiIssuerVerifier::from_verifiers(twice).expect_err("the same issuer twice");
    assert!(error.to_string().contains("issuer"), "{error}");
    assert!(AsyncMultiIssuerVerifier::new(Vec::new()).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_issuers_verify_whole_requests_with_their_dpop_proofs() {
    let clock = Arc::new(ManualClock::new(Instant::now(), T0));
    let (first, second) = (key("a"), key("b"));
    let server = start();
    publish(&server, JWKS, &first);
    publish(&server, OTHER_JWKS, &second);
    let either = |config: &mut AuthConfig| config.dpop = DpopMode::Either;
    let both = AsyncMultiIssuerVerifier::from_verifiers(vec![
        verifier_with(ISSUER, &server, JWKS, &clock, either),
        verifier_with(OTHER, &server, OTHER_JWKS, &clock, either),
    ])
    .expect("two issuers");
    let client = TestKey::fixed(FixedKey::P256).expect("a fixed key");
    let cnf = json!({"jkt": client.thumbprint()});
    let bound = token_with(&second, json!({"iss": OTHER, "scope": "read", "cnf": cnf}));
    let uri = "https://api.test/orders";
    let proof = DpopProofBuilder::new(&client, "GET", uri, T0 as u64)
        .access_token(&bound)
        .sign(&client)
        .expect("a proof");
    let mut headers = HeaderMap::new();
    let dpop = format!("DPoP {bound}");
    headers.insert(
        "authorization",
        HeaderValue::from_str(&dpop).expect("ASCII"),
    );
    headers.insert("dpop", HeaderValue::from_str(&proof).expect("ASCII"));
    let incoming = IncomingRequest::new("GET", uri, &headers);
    let claims = both
        .verify_incoming(&incoming, &Requirements::new())
        .await
        .expect("verified");
    assert_eq!(claims.issuer, OTHER);

    // As a bearer token it is refused, with the shared DPoP challenge.
    let error = both
        .verify_headers(&bearer(&bound), &Requirements::new())
        .await
        .expect_err("a bound token");
    assert_eq!(error, AuthError::DpopRequired);
    let challenge = both.www_authenticate(&error, Some("api"));
    assert!(
        challenge
            .as_deref()
            .is_some_and(|c| c.contains(r#"DPoP realm="api""#)),
        "{challenge:?}"
    );
    // verify_request reads the whole request too (its absolute URI here):
    // the same proof again is a replay.
    let request = Request::get(uri)
        .header("authorization", dpop)
        .header("dpop", proof)
        .body(())
        .expect("a request");
    let refusal = both
        .verify_request(&request, Some("api"))
        .await
        .expect_err("the proof was taken once");
    assert_eq!(refusal.status(), 401);
    assert!(
        refusal.body().contains("dpop_proof_replayed"),
        "{refusal:?}"
    );
}
