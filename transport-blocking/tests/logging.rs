//! What the blocking driver logs (through `tracing`, target
//! `oidc_jwt_verifier`) and the causes its errors carry, against the test
//! kit's scripted loopback server. One process: the capturing subscriber is
//! global, so each test reads only the events of its own server's URL.

use std::error::Error;
use std::sync::Arc;

use oidc_jwt_verifier_blocking::{
    AuthConfig, JwtVerifier, KeysState, ManualClock, TransportKind, TRACING_TARGET,
};
use oidc_jwt_verifier_testkit::logs::{self, logged, logged_for};
use oidc_jwt_verifier_testkit::{
    jwks_of, FixedKey, Response, ScriptedServer, TestCa, TestKey, TokenBuilder,
};
use serde_json::json;
use tracing::Level;

mod support;
use support::*;

/// How the TLS stack words a certificate it does not trust.
#[cfg(feature = "native-tls")]
const UNTRUSTED: &str = "certificate verify failed";
#[cfg(feature = "rustls")]
const UNTRUSTED: &str = "invalid peer certificate";

fn capture() {
    logs::capture().expect("the kit's subscriber is the global one");
}

/// The fixed TEST ONLY key published as `a`, and a token it signed.
fn key_and_token() -> (TestKey, String) {
    let key = TestKey::fixed(FixedKey::Rsa2048A)
        .expect("a fixed key")
        .with_kid("a");
    let token = TokenBuilder::for_key(&key)
        .claim("iss", json!(ISSUER))
        .claim("aud", json!(AUDIENCE))
        .claim("exp", json!(T0 as i64 + 86_400))
        .sign(&key)
        .expect("a signed token");
    (key, token)
}

/// A server publishing `key` at [`JWKS`], and its loopback URL.
fn publishing(key: &TestKey) -> (ScriptedServer, String) {
    let server = ScriptedServer::start().expect("a scripted server");
    server.serve_json(JWKS, jwks_of(&[key])).expect("served");
    let url = server.map_url(JWKS).expect("mapped");
    (server, url)
}

fn verifier(url: &str, clock: &Arc<ManualClock>) -> JwtVerifier {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, url);
    config.allow_insecure_http = true;
    config.fetch_attempts = 1;
    JwtVerifier::builder(config)
        .clock(clock.clone())
        .build()
        .expect("a valid configuration")
}

/// The error's whole chain of causes, joined.
fn chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(" / ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

#[test]
fn a_refresh_is_logged_at_debug_with_its_kids_and_freshness() {
    capture();
    let (key, token) = key_and_token();
    let (_server, url) = publishing(&key);
    let verifier = verifier(&url, &clock());
    verifier.verify_access_token(&token).expect("valid");
    let logs = logged_for(&url);
    assert_eq!(logs.len(), 1, "{logs:?}");
    let refreshed = &logs[0];
    assert_eq!(
        (refreshed.level, refreshed.target.as_str()),
        (Level::DEBUG, TRACING_TARGET)
    );
    assert_eq!(refreshed.field("event"), Some("keys_refreshed"));
    assert_eq!(refreshed.field("keys"), Some("1"));
    assert_eq!(refreshed.field("added"), Some(r#"["a"]"#));
    assert_eq!(refreshed.field("fresh_for_s"), Some("300.0"));
    assert_eq!(refreshed.field("decided_by"), Some("ttl"));
}

#[test]
fn an_outage_is_logged_as_warnings_with_the_cause_and_the_stale_window() {
    capture();
    let (key, token) = key_and_token();
    let (server, url) = publishing(&key);
    let clock = clock();
    let verifier = verifier(&url, &clock);
    verifier.verify_access_token(&token).expect("valid");
    server.serve(JWKS, Response::empty(500)).expect("served");
    clock.set(T0 + 301.0);
    verifier
        .verify_access_token(&token)
        .expect("stale keys serve");
    let logs = logged_for(&url);
    let failed = logs
        .iter()
        .find(|l| l.field("event") == Some("refresh_failed"))
        .expect("the failure is logged");
    assert_eq!(failed.level, Level::WARN);
    assert_eq!(failed.field("error"), Some("jwks_fetch_failed"));
    assert_eq!(
        failed.field("cause"),
        Some(format!("{url}: HTTP status 500").as_str())
    );
    assert_eq!(failed.field("next_attempt_in_s"), Some("1.0"));
    assert_eq!(failed.field("stale_for_s"), Some("3599.0"));
    let stale = logged()
        .into_iter()
        .filter(|l| l.field("event") == Some("serving_stale"))
        .any(|l| l.level == Level::WARN && l.field("age_s") == Some("301.0"));
    assert!(stale, "serving stale is logged");
    assert_eq!(verifier.status().state, KeysState::ServingStale);
}

#[test]
fn a_tls_trust_failure_reaches_source_and_the_log() {
    capture();
    let trusted = TestCa::generate().expect("a test CA");
    // The server's certificate comes from a CA of its own.
    let server = ScriptedServer::start().expect("a scripted server");
    let https = "https://keys.test/jwks";
    server.serve_json(https, json!({})).expect("served");
    let url = server.map_url(https).expect("mapped");
    let (_, token) = key_and_token();
    let config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, url.clone());
    let verifier = JwtVerifier::builder(config)
        .clock(clock())
        .root_certificate_pem(trusted.ca_pem().as_bytes())
        .build()
        .expect("valid");
    let error = verifier
        .verify_access_token(&token)
        .expect_err("the server's CA is not trusted");
    assert_eq!(
        (error.code(), error.message()),
        ("jwks_fetch_failed", "JWKS fetch failed".into())
    );
    let source = error.source_error().expect("a cause");
    assert_eq!(source.url(), Some(url.as_str()));
    assert_eq!(source.transport_kind(), Some(TransportKind::Tls));
    let causes = chain(&error);
    assert!(causes.contains(UNTRUSTED), "{causes}");
    let logs = logged_for(&url);
    let failed = logs
        .iter()
        .find(|l| l.field("event") == Some("refresh_failed"))
        .expect("logged");
    let cause = failed.field("cause").unwrap_or_default();
    assert!(
        cause.starts_with(&format!("{url}: TLS failure")) && cause.contains(UNTRUSTED),
        "{cause}"
    );
}
