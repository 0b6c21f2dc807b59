//! What the framework apps' tests share: two issuers publishing their keys
//! on the test kit's scripted loopback server, verifiers over them on a
//! manual clock, and a blocking HTTP client that reads what an app
//! answered.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Instant;

use oidc_jwt_verifier_async::{
    AsyncJwtVerifier, AsyncMultiIssuerVerifier, AuthConfig, ManualClock, TokenSource,
};
use oidc_jwt_verifier_testkit::{
    jwks_of, FixedKey, Response, ScriptedServer, TestKey, TokenBuilder,
};
use serde_json::{json, Value};

/// The first issuer's `iss`, and the audience of both.
pub const ISSUER: &str = "https://issuer.test/";
pub const AUDIENCE: &str = "api://tests";
/// The second issuer's `iss`.
pub const OTHER_ISSUER: &str = "https://other.issuer.test/";
/// The wall-clock time tests start at (Unix seconds).
pub const T0: f64 = 1_700_000_000.0;
/// The issuers' key set URLs, as they would publish them (the server maps
/// each to a loopback listener of its own).
const JWKS: &str = "http://keys.test/jwks";
const OTHER_JWKS: &str = "http://other-keys.test/jwks";

/// Two issuers with fixed TEST ONLY keys (`a` and `b`) published on one
/// scripted server, and the clock every verifier reads.
pub struct World {
    pub key: TestKey,
    pub other_key: TestKey,
    pub server: ScriptedServer,
    pub clock: Arc<ManualClock>,
}

impl World {
    pub fn new() -> Self {
        let fixed = |key, kid| TestKey::fixed(key).expect("a fixed key").with_kid(kid);
        let (key, other_key) = (
            fixed(FixedKey::Rsa2048A, "a"),
            fixed(FixedKey::Rsa2048B, "b"),
        );
        let server = ScriptedServer::start().expect("a scripted server");
        server.serve_json(JWKS, jwks_of(&[&key])).expect("served");
        server
            .serve_json(OTHER_JWKS, jwks_of(&[&other_key]))
            .expect("served");
        World {
            key,
            other_key,
            server,
            clock: Arc::new(ManualClock::new(Instant::now(), T0)),
        }
    }

    /// The first issuer's key set URL on loopback.
    pub fn jwks_url(&self) -> String {
        self.server.map_url(JWKS).expect("mapped")
    }

    /// From now on the first issuer's key set URL answers an empty
    /// response of `status`.
    pub fn keys_answer(&self, status: u16) {
        self.server
            .serve(JWKS, Response::empty(status))
            .expect("served");
    }

    /// How many requests each issuer's key set URL received: (first, second).
    pub fn fetches(&self) -> (u64, u64) {
        (self.server.requests(JWKS), self.server.requests(OTHER_JWKS))
    }

    /// The first issuer's configuration.
    pub fn config(&self) -> AuthConfig {
        config(ISSUER, self.jwks_url())
    }

    /// A verifier of the first issuer, changed by `edit`.
    pub fn verifier(&self, edit: impl FnOnce(&mut AuthConfig)) -> Arc<AsyncJwtVerifier> {
        let mut config = self.config();
        edit(&mut config);
        Arc::new(self.build(config))
    }

    /// A verifier of both issuers.
    pub fn both(&self) -> Arc<AsyncMultiIssuerVerifier> {
        let other = self.server.map_url(OTHER_JWKS).expect("mapped");
        let verifiers = vec![
            self.build(self.config()),
            self.build(config(OTHER_ISSUER, other)),
        ];
        Arc::new(AsyncMultiIssuerVerifier::from_verifiers(verifiers).expect("two issuers"))
    }

    fn build(&self, config: AuthConfig) -> AsyncJwtVerifier {
        AsyncJwtVerifier::builder(config)
            .clock(self.clock.clone())
            .build()
            .expect("a valid configuration")
    }

    /// A token of the first issuer with `claims` set.
    pub fn token(&self, claims: Value) -> String {
        token_with(&self.key, claims)
    }

    /// A token of the second issuer.
    pub fn other_token(&self) -> String {
        token_with(&self.other_key, json!({"iss": OTHER_ISSUER, "sub": "bob"}))
    }

    /// A token signed by the second issuer's key but naming the first.
    pub fn forged_token(&self) -> String {
        token_with(&self.other_key, json!({}))
    }
}

/// A token signed by `key` for [`ISSUER`] and [`AUDIENCE`], valid from
/// [`T0`] for a day, with the `extra` claims set.
fn token_with(key: &TestKey, extra: Value) -> String {
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

fn config(issuer: &str, jwks_url: String) -> AuthConfig {
    let mut config = AuthConfig::with_jwks_url(issuer, AUDIENCE, jwks_url);
    config.allow_insecure_http = true;
    config.fetch_attempts = 1;
    config
}

/// The header and cookie sources of the tests.
pub fn header_and_cookie(config: &mut AuthConfig) {
    config.token_sources = vec![
        TokenSource::header("X-Access-Token"),
        TokenSource::cookie("session"),
    ];
}

/// What an app answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub challenge: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("a JSON body: {self:?}"))
    }

    /// The `error` of a refusal's JSON body.
    pub fn code(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
}

/// GETs `url` with `headers` (a name may repeat) and reads the answer,
/// whatever its status.
pub fn get(url: &str, headers: &[(&str, &str)]) -> Answer {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut request = agent.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.call().expect("an HTTP answer");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let (challenge, content_type) = (header("www-authenticate"), header("content-type"));
    Answer {
        status: response.status().as_u16(),
        challenge,
        content_type,
        body: response.body_mut().read_to_string().expect("a text body"),
    }
}

/// `Authorization: Bearer <token>`.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}
