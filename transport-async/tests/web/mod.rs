//! What the framework apps' tests share: two issuers with their loopback
//! key servers, verifiers over them on a manual clock, and a blocking HTTP
//! client that reads what an app answered. The issuers and servers are the
//! driver tests' support (`support`).
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Instant;

use oidc_jwt_verifier_async::{
    AsyncJwtVerifier, AsyncMultiIssuerVerifier, AuthConfig, ManualClock, TokenSource,
};
use serde_json::{json, Value};

use crate::support::{Issuer, Reply, Server, AUDIENCE, ISSUER, T0};

/// The second issuer's `iss`.
pub const OTHER_ISSUER: &str = "https://other.issuer.test/";

/// Two issuers, each with a key server, and the clock every verifier reads.
pub struct World {
    pub issuer: Issuer,
    pub server: Server,
    pub other: Issuer,
    pub other_server: Server,
    pub clock: Arc<ManualClock>,
}

impl World {
    pub fn new() -> Self {
        let issuer = Issuer::new(&["a"]);
        let jwks = issuer.jwks(&["a"]);
        let server = Server::http(move |_| Reply::json(jwks.clone()));
        let other = Issuer::new(&["b"]);
        let jwks = other.jwks(&["b"]);
        let other_server = Server::http(move |_| Reply::json(jwks.clone()));
        World {
            issuer,
            server,
            other,
            other_server,
            clock: Arc::new(ManualClock::new(Instant::now(), T0)),
        }
    }

    /// The first issuer's configuration.
    pub fn config(&self) -> AuthConfig {
        config(ISSUER, self.server.url("/jwks"))
    }

    /// A verifier of the first issuer, changed by `edit`.
    pub fn verifier(&self, edit: impl FnOnce(&mut AuthConfig)) -> Arc<AsyncJwtVerifier> {
        let mut config = self.config();
        edit(&mut config);
        Arc::new(self.build(config))
    }

    /// A verifier of both issuers.
    pub fn both(&self) -> Arc<AsyncMultiIssuerVerifier> {
        let verifiers = vec![
            self.build(self.config()),
            self.build(config(OTHER_ISSUER, self.other_server.url("/jwks"))),
        ];
        Arc::new(AsyncMultiIssuerVerifier::from_verifiers(verifiers).expect("two issuers"))
    }

    fn build(&self, config: AuthConfig) -> AsyncJwtVerifier {
        AsyncJwtVerifier::builder(config)
            .clock(self.clock.clone())
            .build()
            .expect("a valid configuration")
    }

    /// A token of the first issuer with `claims` added.
    pub fn token(&self, claims: Value) -> String {
        self.issuer.token_with("a", claims)
    }

    /// A token of the second issuer.
    pub fn other_token(&self) -> String {
        self.other
            .token_with("b", json!({"iss": OTHER_ISSUER, "sub": "bob"}))
    }
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
