//! The world both drivers' tests share: the issuer, audience and start time
//! of every test token, fixed keys and the tokens they sign, the test kit's
//! scripted key server, a manual clock and a configuration for a served URL.
//! The blocking driver's tests declare it as `mod support`; the async
//! driver's tests, the sync_server example's and the framework apps' tests
//! of oidc-jwt-verifier-web include this very file (`#[path]`), so the twin
//! tests of the two drivers and the integrations start from one definition.
// Each test file uses its own part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Instant;

use oidc_jwt_verifier_core::{AuthConfig, AuthError, ManualClock, SourceProblem};
use oidc_jwt_verifier_testkit::{jwks_of, FixedKey, ScriptedServer, TestKey, TokenBuilder};
use serde_json::{json, Value};

/// The issuer and audience every test token carries.
pub(crate) const ISSUER: &str = "https://issuer.test/";
pub(crate) const AUDIENCE: &str = "api://tests";
/// The wall-clock time tests start at (Unix seconds).
pub(crate) const T0: f64 = 1_700_000_000.0;
/// The key set URL, as the issuer would publish it (the server maps it to
/// loopback).
pub(crate) const JWKS: &str = "http://keys.test/jwks";
/// A second issuer, and its key set URL, for the tests of several issuers.
pub(crate) const OTHER: &str = "https://other.issuer.test/";
pub(crate) const OTHER_JWKS: &str = "http://other-keys.test/jwks";

/// A fixed TEST ONLY RSA key published as `kid`: "a" and "old" are one key,
/// any other kid the other.
pub(crate) fn key(kid: &str) -> TestKey {
    let fixed = match kid {
        "a" | "old" => FixedKey::Rsa2048A,
        _ => FixedKey::Rsa2048B,
    };
    TestKey::fixed(fixed).expect("a fixed key").with_kid(kid)
}

/// A token signed by `key` for [`ISSUER`] and [`AUDIENCE`], valid from
/// [`T0`] for a day, with the `extra` claims added.
pub(crate) fn token_with(key: &TestKey, extra: Value) -> String {
    let mut builder = TokenBuilder::for_key(key)
        .claim("iss", json!(ISSUER))
        .claim("aud", json!(AUDIENCE))
        .claim("sub", json!("user-1"))
        .claim("iat", json!(T0 as i64))
        .claim("exp", json!(T0 as i64 + 86_400));
    if let Value::Object(extra) = extra {
        builder = builder.claims(&extra);
    }
    builder.sign(key).expect("a signed token")
}

/// [`token_with`] no extra claim.
pub(crate) fn token(key: &TestKey) -> String {
    token_with(key, json!({}))
}

pub(crate) fn start() -> ScriptedServer {
    ScriptedServer::start().expect("a scripted server")
}

/// `server` publishing `keys` at `url`.
pub(crate) fn serve_keys(server: &ScriptedServer, url: &str, keys: &[&TestKey]) {
    server.serve_json(url, jwks_of(keys)).expect("served");
}

pub(crate) fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Instant::now(), T0))
}

/// The configuration for `url` (a URL the server maps), plain HTTP allowed.
pub(crate) fn config(server: &ScriptedServer, url: &str) -> AuthConfig {
    let mut config =
        AuthConfig::with_jwks_url(ISSUER, AUDIENCE, server.map_url(url).expect("mapped"));
    config.allow_insecure_http = true;
    config
}

/// The code and the key-source problem of an error `result`.
pub(crate) fn problem(
    result: Result<impl std::fmt::Debug, AuthError>,
) -> (&'static str, Option<SourceProblem>) {
    let error = result.expect_err("an error");
    (error.code(), error.source_problem())
}
