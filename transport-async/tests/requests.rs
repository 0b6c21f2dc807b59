//! The request entry points (`verify_headers`, `verify_request`,
//! `authorize`) and the verifier for several issuers, against loopback key
//! servers: the blocking driver's script, run alike by the async driver.

// The loopback server and issuer are the blocking driver's test support, shared.
#[path = "../../transport-blocking/tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Instant;

use oidc_jwt_verifier_async::http_types::{HeaderMap, HeaderValue, Request};
use oidc_jwt_verifier_async::{
    AsyncJwtVerifier, AsyncMultiIssuerVerifier, AuthConfig, AuthError, ManualClock, Requirements,
};
use serde_json::json;
use support::{Issuer, Reply, Server, AUDIENCE, ISSUER, T0};

const OTHER: &str = "https://other.issuer.test/";

fn verifier(issuer: &str, server: &Server, clock: &Arc<ManualClock>) -> AsyncJwtVerifier {
    let mut config = AuthConfig::with_jwks_url(issuer, AUDIENCE, server.url("/jwks"));
    config.allow_insecure_http = true;
    config.fetch_attempts = 1;
    config.required_scopes = vec!["read".into()];
    AsyncJwtVerifier::builder(config)
        .clock(clock.clone())
        .build()
        .expect("valid")
}

fn keys(issuer: &Issuer, kid: &str) -> Server {
    let jwks = issuer.jwks(&[kid]);
    Server::http(move |_| Reply::json(jwks.clone()))
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
    let issuer = Issuer::new(&["a"]);
    let server = keys(&issuer, "a");
    let verifier = verifier(ISSUER, &server, &clock);
    let token = issuer.token_with("a", json!({"scope": "read"}));
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
    let (first, second) = (Issuer::new(&["a"]), Issuer::new(&["b"]));
    let (first_keys, second_keys) = (keys(&first, "a"), keys(&second, "b"));
    let both = AsyncMultiIssuerVerifier::from_verifiers(vec![
        verifier(ISSUER, &first_keys, &clock),
        verifier(OTHER, &second_keys, &clock),
    ])
    .expect("two issuers");
    assert_eq!(both.issuers(), [ISSUER, OTHER]);
    assert!(both.verifier(OTHER).is_some() && both.verifier("x").is_none());

    let theirs = second.token_with("b", json!({"iss": OTHER, "scope": "read"}));
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
    assert_eq!((first_keys.hits(), second_keys.hits()), (0, 1));

    let stranger = first.token_with(
        "a",
        json!({"iss": "https://stranger.test/", "scope": "read"}),
    );
    assert_eq!(
        both.verify_access_token(&stranger).await,
        Err(AuthError::InvalidIssuer)
    );
    let no_iss = first.token_with("a", json!({"iss": null}));
    assert_eq!(
        both.verify_access_token(&no_iss).await,
        Err(AuthError::InvalidIssuer)
    );
    assert_eq!(
        first_keys.hits(),
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
    let issuer = Issuer::new(&["a"]);
    let server = keys(&issuer, "a");
    let twice = vec![
        verifier(ISSUER, &server, &clock),
        verifier(ISSUER, &server, &clock),
    ];
    let error = AsyncMultiIssuerVerifier::from_verifiers(twice).expect_err("the same issuer twice");
    assert!(error.to_string().contains("issuer"), "{error}");
    assert!(AsyncMultiIssuerVerifier::new(Vec::new()).is_err());
}
