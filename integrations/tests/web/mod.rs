//! What the framework apps' tests share: two issuers publishing their keys
//! on the test kit's scripted loopback server, verifiers over them on a
//! manual clock, and a blocking HTTP client that reads what an app
//! answered.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Instant;

use oidc_jwt_verifier_async::{
    AsyncJwtVerifier, AsyncMultiIssuerVerifier, AuthConfig, DpopMode, ManualClock, TokenSource,
};
use oidc_jwt_verifier_testkit::{
    certificate_thumbprint, jwks_of, DpopProofBuilder, FixedKey, Response, ScriptedServer, TestKey,
};
use serde_json::{json, Value};

// The drivers' shared test world: the two issuers (`ISSUER`, `OTHER`),
// their key set URLs, the audience, the start time `T0`, and tokens.
#[path = "../../../transport-blocking/tests/support/mod.rs"]
mod support;
pub(crate) use support::{token_with, AUDIENCE, ISSUER, JWKS, OTHER, OTHER_JWKS, T0};

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
        self.both_with(|_| {})
    }

    /// A verifier of both issuers, each configuration changed by `edit`.
    pub fn both_with(&self, edit: impl Fn(&mut AuthConfig)) -> Arc<AsyncMultiIssuerVerifier> {
        let other = self.server.map_url(OTHER_JWKS).expect("mapped");
        let verifiers = [self.config(), config(OTHER, other)].map(|mut config| {
            edit(&mut config);
            self.build(config)
        });
        let verifiers = Vec::from(verifiers);
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

    /// A token of the first issuer bound to the DPoP client key.
    pub fn dpop_token(&self) -> String {
        self.token(json!({"cnf": {"jkt": client_key().thumbprint()}}))
    }

    /// A token of the second issuer bound to the DPoP client key.
    pub fn other_dpop_token(&self) -> String {
        token_with(
            &self.other_key,
            json!({"iss": OTHER, "cnf": {"jkt": client_key().thumbprint()}}),
        )
    }

    /// A token of the second issuer.
    pub fn other_token(&self) -> String {
        token_with(&self.other_key, json!({"iss": OTHER, "sub": "bob"}))
    }

    /// A token signed by the second issuer's key but naming the first.
    pub fn forged_token(&self) -> String {
        token_with(&self.other_key, json!({}))
    }
}

/// The public origin the sender-constrained apps are configured with.
pub const ORIGIN: &str = "https://api.example.test";

/// TEST ONLY client certificates (DER is never parsed: the binding hashes
/// the bytes).
pub const CERTIFICATE: &[u8] = b"TEST ONLY client certificate A";
pub const OTHER_CERTIFICATE: &[u8] = b"TEST ONLY client certificate B";

/// Accepts DPoP proofs beside bearer tokens.
pub fn dpop_either(config: &mut AuthConfig) {
    config.dpop = DpopMode::Either;
}

/// The DPoP client's TEST ONLY key.
pub fn client_key() -> TestKey {
    TestKey::fixed(FixedKey::P256).expect("a fixed key")
}

/// A proof by the client key for a GET of `htu`, for `token`, issued at
/// [`T0`], with its own `jti`.
pub fn proof(htu: &str, token: &str, jti: &str) -> String {
    let key = client_key();
    DpopProofBuilder::new(&key, "GET", htu, T0 as u64)
        .access_token(token)
        .jti(jti)
        .sign(&key)
        .expect("a signed proof")
}

/// `Authorization: DPoP <token>`.
pub fn dpop(token: &str) -> String {
    format!("DPoP {token}")
}

/// The checks a DPoP app passes: `url` serves `/me` (behind a layer of a
/// verifier of `issuer` accepting DPoP, realm `orders`, public origin
/// [`ORIGIN`]), `token` is bound to the client key.
pub fn check_dpop(url: &str, token: &str) {
    let htu = format!("{ORIGIN}/me");
    // The query is not part of `htu`.
    let query = format!("{url}?page=2");
    let valid = get(
        &query,
        &[
            ("authorization", &dpop(token)),
            ("dpop", &proof(&htu, token, "one")),
        ],
    );
    assert_eq!(valid.status, 200, "{valid:?}");
    let replayed = get(
        url,
        &[
            ("authorization", &dpop(token)),
            ("dpop", &proof(&htu, token, "one")),
        ],
    );
    assert_eq!(
        (replayed.status, replayed.code().as_str()),
        (401, "dpop_proof_replayed")
    );
    // The bound token as a bearer token: the verifier's challenge, with
    // the DPoP scheme and its algorithms.
    let bearer_answer = get(url, &[("authorization", &bearer(token))]);
    assert_eq!(
        (bearer_answer.status, bearer_answer.code().as_str()),
        (401, "dpop_required")
    );
    let challenge = bearer_answer.challenge.expect("a challenge");
    assert!(
        challenge.contains(r#"DPoP realm="orders""#) && challenge.contains("algs=\"ES256"),
        "{challenge}"
    );
    // A proof for another target; and one for the address the client
    // reached, which is what `Host` names: the origin alone counts.
    for (htu, jti) in [
        (format!("{ORIGIN}/other"), "two"),
        (url.to_owned(), "three"),
    ] {
        let answer = get(
            url,
            &[
                ("authorization", &dpop(token)),
                ("dpop", &proof(&htu, token, jti)),
            ],
        );
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (401, "invalid_dpop_proof"),
            "{htu}"
        );
        let challenge = answer.challenge.unwrap_or_default();
        assert!(challenge.starts_with("DPoP "), "{challenge}");
    }
    // A forwarded host does not move the origin either.
    let forwarded = get(
        url,
        &[
            ("authorization", &dpop(token)),
            ("dpop", &proof(&htu.replace("api.", "evil."), token, "four")),
            ("x-forwarded-host", "evil.example.test"),
            ("x-forwarded-proto", "https"),
        ],
    );
    assert_eq!(forwarded.code(), "invalid_dpop_proof");
}

/// The checks a certificate-bound app passes: `with` serves `/me` to
/// requests whose client certificate is [`CERTIFICATE`], `without` to
/// requests with none.
pub fn check_certificate(world: &World, with: &str, without: &str) {
    let bound = |der: &[u8]| world.token(json!({"cnf": {"x5t#S256": certificate_thumbprint(der)}}));
    let (ours, theirs) = (bound(CERTIFICATE), bound(OTHER_CERTIFICATE));
    let accepted = get(with, &[("authorization", &bearer(&ours))]);
    assert_eq!(accepted.status, 200, "{accepted:?}");
    for (url, token) in [(with, &theirs), (without, &ours)] {
        let answer = get(url, &[("authorization", &bearer(token))]);
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (401, "invalid_certificate_binding"),
            "{url}"
        );
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
