//! Both drivers against panva's oidc-provider, each through discovery and
//! through the JWK Set URL: real RFC 9068 access tokens of every algorithm
//! accepted with their claims, a missing scope refused with the rules'
//! challenge, key rotation by restarting the provider with new keys, and an
//! outage (stale keys serve, then 503).
//!
//! Every scenario lives in this one test binary, so the `npm ci` of a first
//! run happens once (see `ensure_installed`). Nothing here is skipped: a
//! machine without Node.js fails with a message saying so.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use oidc_jwt_verifier_async::AsyncJwtVerifier;
use oidc_jwt_verifier_blocking::{AuthConfig, AuthError, Claims, JwtVerifier, ManualClock};
use oidc_jwt_verifier_interop::{
    OpenIdProvider, ACCESS_TOKEN_TTL_S, ALGORITHMS, AUDIENCE, CLIENT_ID, CLIENT_SCOPES,
};
use serde_json::{json, Value};

/// Where a verifier takes its keys from.
#[derive(Debug, Clone, Copy)]
enum Source {
    Discovery,
    JwksUrl,
}

/// Which driver a verifier is built with.
#[derive(Debug, Clone, Copy)]
enum DriverKind {
    Blocking,
    Async,
}

/// One of the two drivers, with what it needs to run.
enum Driver {
    Blocking(JwtVerifier),
    Async(AsyncJwtVerifier, tokio::runtime::Runtime),
}

/// A verifier under test and its name in failure messages.
struct Subject {
    label: String,
    driver: Driver,
}

impl Subject {
    /// Builds a verifier of the `kind` driver for `config`, trusting the
    /// provider's CA, on `clock` when given (else the system clock).
    fn build(
        kind: DriverKind,
        source: Source,
        config: AuthConfig,
        ca_pem: &str,
        clock: Option<&Arc<ManualClock>>,
    ) -> Subject {
        let label = format!("{kind:?} driver via {source:?}");
        let driver = match kind {
            DriverKind::Blocking => {
                let mut builder =
                    JwtVerifier::builder(config).root_certificate_pem(ca_pem.as_bytes());
                if let Some(clock) = clock {
                    builder = builder.clock(clock.clone());
                }
                Driver::Blocking(builder.build().unwrap_or_else(|e| panic!("{label}: {e}")))
            }
            DriverKind::Async => {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("a Tokio runtime");
                let mut builder =
                    AsyncJwtVerifier::builder(config).root_certificate_pem(ca_pem.as_bytes());
                if let Some(clock) = clock {
                    builder = builder.clock(clock.clone());
                }
                let verifier = runtime
                    .block_on(async { builder.build() })
                    .unwrap_or_else(|e| panic!("{label}: {e}"));
                Driver::Async(verifier, runtime)
            }
        };
        Subject { label, driver }
    }

    /// Verifies `token` as a service does: from its `Authorization` header.
    fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let header = format!("Bearer {token}");
        match &self.driver {
            Driver::Blocking(verifier) => verifier.verify_authorization_header(Some(&header)),
            Driver::Async(verifier, runtime) => {
                runtime.block_on(verifier.verify_authorization_header(Some(&header)))
            }
        }
    }

    /// Verifies the bare `token`.
    fn verify_bare(&self, token: &str) -> Result<Claims, AuthError> {
        match &self.driver {
            Driver::Blocking(verifier) => verifier.verify_access_token(token),
            Driver::Async(verifier, runtime) => {
                runtime.block_on(verifier.verify_access_token(token))
            }
        }
    }

    /// The `kid`s of the usable signing keys.
    fn signing_kids(&self, refresh: bool) -> Result<BTreeSet<String>, AuthError> {
        let keys = match &self.driver {
            Driver::Blocking(verifier) => verifier.get_signing_keys(refresh),
            Driver::Async(verifier, runtime) => {
                runtime.block_on(verifier.get_signing_keys(refresh))
            }
        }?;
        Ok(keys
            .iter()
            .map(|key| {
                key.kid()
                    .expect("the provider gives every key a kid")
                    .to_owned()
            })
            .collect())
    }

    fn healthcheck(&self, refresh: bool) -> bool {
        match &self.driver {
            Driver::Blocking(verifier) => verifier.healthcheck(refresh),
            Driver::Async(verifier, runtime) => runtime.block_on(verifier.healthcheck(refresh)),
        }
    }

    fn close(&self) {
        match &self.driver {
            Driver::Blocking(verifier) => verifier.close(),
            Driver::Async(verifier, runtime) => runtime.block_on(verifier.close()),
        }
    }

    /// `token` must verify; returns its claims.
    fn accepts(&self, token: &str, what: &str) -> Claims {
        self.verify(token).unwrap_or_else(|error| {
            panic!("{}: {what} refused: {} ({error})", self.label, error.code())
        })
    }

    /// `token` must be refused with `code`; returns the error.
    fn refuses(&self, token: &str, code: &str, what: &str) -> AuthError {
        match self.verify(token) {
            Ok(claims) => panic!("{}: {what} accepted: {claims:?}", self.label),
            Err(error) => {
                assert_eq!(error.code(), code, "{}: {what}: {error}", self.label);
                error
            }
        }
    }
}

/// The provider, or a failure saying why it could not start.
fn start_provider() -> OpenIdProvider {
    OpenIdProvider::start().unwrap_or_else(|error| {
        panic!(
            "the interop provider could not start [{}]: {error}",
            error.code()
        )
    })
}

/// The configuration a service of the provider's API would write: RFC 9068
/// tokens (`typ` `at+jwt`), every algorithm the provider signs with.
fn config_for(provider: &OpenIdProvider, source: Source) -> AuthConfig {
    let mut config = match source {
        Source::Discovery => {
            AuthConfig::with_discovery_url(provider.issuer(), AUDIENCE, provider.discovery_url())
        }
        Source::JwksUrl => {
            let jwks_uri = provider
                .jwks_uri()
                .expect("the discovery document's jwks_uri");
            AuthConfig::with_jwks_url(provider.issuer(), AUDIENCE, jwks_uri)
        }
    };
    config.allowed_algs = ALGORITHMS.iter().map(|alg| alg.to_string()).collect();
    config.expected_typ = Some("at+jwt".to_owned());
    config.required_scopes = vec![CLIENT_SCOPES[0].to_owned()];
    config
}

/// Both drivers, each through discovery and through the JWK Set URL, with
/// `adjust` applied to the configuration.
fn subjects(
    provider: &OpenIdProvider,
    clock: Option<&Arc<ManualClock>>,
    adjust: impl Fn(&mut AuthConfig),
) -> Vec<Subject> {
    let mut subjects = Vec::new();
    for kind in [DriverKind::Blocking, DriverKind::Async] {
        for source in [Source::Discovery, Source::JwksUrl] {
            let mut config = config_for(provider, source);
            adjust(&mut config);
            subjects.push(Subject::build(
                kind,
                source,
                config,
                provider.ca_pem(),
                clock,
            ));
        }
    }
    subjects
}

fn token(provider: &OpenIdProvider, alg: &str, scope: &str) -> String {
    provider
        .access_token(alg, scope)
        .unwrap_or_else(|error| panic!("a {alg} token from the provider: {error}"))
}

/// The decoded JOSE header of a compact token.
fn header_of(token: &str) -> Value {
    let encoded = token.split('.').next().unwrap_or_default();
    let bytes = URL_SAFE_NO_PAD.decode(encoded).expect("a base64url header");
    serde_json::from_slice(&bytes).expect("a JSON header")
}

fn kid_of(token: &str) -> String {
    header_of(token)["kid"]
        .as_str()
        .expect("the provider names the key")
        .to_owned()
}

/// The system's Unix time: a manual clock starts there, so the provider's
/// `iat` and `exp` mean the same to the verifier.
fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs_f64()
}

#[test]
fn the_provider_publishes_keys_as_a_real_provider_does() {
    let provider = start_provider();
    let (content_type, jwks) = provider.published_jwks().expect("the JWK Set");
    assert!(
        content_type.starts_with("application/jwk-set+json"),
        "{content_type}"
    );
    let keys = jwks["keys"].as_array().expect("a keys array");
    let find = |kty: &str, usage: Option<&str>| {
        keys.iter()
            .find(|key| key["kty"] == kty && key.get("use").and_then(Value::as_str) == usage)
            .unwrap_or_else(|| panic!("a {kty} key with use {usage:?} in {jwks}"))
    };
    let rsa = find("RSA", Some("sig"));
    let ec = find("EC", None);
    let okp = find("OKP", Some("sig"));
    let enc = find("RSA", Some("enc"));
    // What the verifier must cope with: no `alg` where a key fits several
    // algorithms, `x5c` chains, an encryption key in the same set.
    for key in [rsa, ec, okp, enc] {
        assert!(key.get("alg").is_none(), "{key}");
        assert!(key["kid"].is_string(), "{key}");
    }
    assert_eq!(rsa["x5c"].as_array().map(Vec::len), Some(2), "{rsa}");
    assert_eq!(ec["x5c"].as_array().map(Vec::len), Some(2), "{ec}");
    assert_eq!(okp["crv"], "Ed25519");

    // The verifier lists exactly the signing keys, never the `enc` key.
    let signing: BTreeSet<String> = [rsa, ec, okp]
        .iter()
        .map(|key| key["kid"].as_str().unwrap().to_owned())
        .collect();
    for subject in subjects(&provider, None, |_| {}) {
        let listed = subject
            .signing_kids(false)
            .unwrap_or_else(|error| panic!("{}: keys: {} ({error})", subject.label, error.code()));
        assert_eq!(listed, signing, "{}", subject.label);
        assert!(subject.healthcheck(false), "{}", subject.label);
        subject.close();
    }
}

#[test]
fn tokens_of_every_algorithm_are_accepted_with_their_claims() {
    let provider = start_provider();
    let subjects = subjects(&provider, None, |_| {});
    let scope = CLIENT_SCOPES.join(" ");
    for alg in ALGORITHMS {
        let token = token(&provider, alg, &scope);
        let header = header_of(&token);
        assert_eq!(
            (&header["alg"], &header["typ"]),
            (&json!(alg), &json!("at+jwt"))
        );
        for subject in &subjects {
            let claims = subject.accepts(&token, alg);
            let label = format!("{}: {alg}", subject.label);
            assert_eq!(claims.issuer, provider.issuer(), "{label}");
            assert_eq!(claims.subject.as_deref(), Some(CLIENT_ID), "{label}");
            assert!(
                claims
                    .audience
                    .as_ref()
                    .is_some_and(|aud| aud.contains(AUDIENCE)),
                "{label}"
            );
            assert_eq!(claims.get("client_id"), Some(json!(CLIENT_ID)), "{label}");
            assert_eq!(claims.string_list("scope"), CLIENT_SCOPES, "{label}");
            assert!(claims.jwt_id.is_some(), "{label}");
            let issued_at = claims.issued_at.as_ref().expect("iat").as_secs_f64();
            let lifetime = claims.expires_at.as_secs_f64() - issued_at;
            assert_eq!(lifetime, ACCESS_TOKEN_TTL_S as f64, "{label}");
            let bare = subject.verify_bare(&token).map(|claims| claims.jwt_id);
            assert_eq!(bare, Ok(claims.jwt_id), "{label}: the bare token");
        }
    }
    subjects.iter().for_each(Subject::close);
}

#[test]
fn a_missing_scope_is_refused_with_every_required_scope_in_the_challenge() {
    let provider = start_provider();
    let subjects = subjects(&provider, None, |config| {
        config.required_scopes = CLIENT_SCOPES.iter().map(|s| s.to_string()).collect();
    });
    let narrow = token(&provider, "ES256", CLIENT_SCOPES[0]);
    for subject in &subjects {
        let error = subject.refuses(&narrow, "insufficient_scope", "a token lacking a scope");
        assert_eq!(error.status(), 403, "{}", subject.label);
        // The rules (WWW-Authenticate, revised 2026-12-01): `scope` lists
        // every required scope, present or not; the missing ones are on
        // the error value.
        assert_eq!(
            error.www_authenticate(Some("orders")).as_deref(),
            Some(
                "Bearer realm=\"orders\", error=\"insufficient_scope\", \
                 error_description=\"Insufficient scope\", scope=\"orders:read orders:write\""
            ),
            "{}",
            subject.label
        );
        assert_eq!(
            error.missing_scopes(),
            [CLIENT_SCOPES[1]],
            "{}",
            subject.label
        );
    }
    // A client asking the provider for exactly the challenge's scope gets a
    // token that passes.
    let wide = token(&provider, "ES256", "orders:read orders:write");
    for subject in &subjects {
        subject.accepts(&wide, "a token with every required scope");
        subject.close();
    }
}

#[test]
fn a_rotated_key_is_picked_up_after_the_refetch_cooldown() {
    let mut provider = start_provider();
    let start = unix_now();
    let clock = Arc::new(ManualClock::new(Instant::now(), start));
    let cooldown = 2.0;
    let subjects = subjects(&provider, Some(&clock), |config| {
        config.refresh_cooldown_s = cooldown;
    });
    let scope = CLIENT_SCOPES[0];
    let old = token(&provider, "RS256", scope);
    for subject in &subjects {
        subject.accepts(&old, "a token of the first key");
    }

    provider
        .restart_with_new_keys()
        .unwrap_or_else(|error| panic!("restarting the provider: {error}"));
    let new = token(&provider, "RS256", scope);
    assert_ne!(
        kid_of(&new),
        kid_of(&old),
        "the restarted provider signs with a new key"
    );

    // Within the cooldown of the last fetch, an unknown kid is refused at
    // once (no refetch)...
    for subject in &subjects {
        subject.refuses(&new, "key_not_found", "a new key within the cooldown");
    }
    // ...and once it has passed, one refetch finds the new key set.
    clock.set(start + cooldown);
    for subject in &subjects {
        subject.accepts(&new, "a token of the new key after the cooldown");
        let kids = subject.signing_kids(false).expect("the new key set");
        assert!(kids.contains(&kid_of(&new)), "{}: {kids:?}", subject.label);
        assert!(!kids.contains(&kid_of(&old)), "{}: {kids:?}", subject.label);
    }
    // The whole set was replaced: the other new keys verify from the cache,
    // and the old key is gone.
    for alg in ["PS256", "ES256", "EdDSA", "Ed25519"] {
        let token = token(&provider, alg, scope);
        for subject in &subjects {
            subject.accepts(&token, alg);
        }
    }
    for subject in &subjects {
        subject.refuses(&old, "key_not_found", "a token of the retired key");
        subject.close();
    }
}

#[test]
fn an_outage_is_served_from_stale_keys_then_fails_with_503() {
    let mut provider = start_provider();
    let start = unix_now();
    let clock = Arc::new(ManualClock::new(Instant::now(), start));
    let (ttl, stale) = (60.0, 120.0);
    let subjects = subjects(&provider, Some(&clock), |config| {
        config.cache_ttl_s = ttl;
        config.stale_if_error_s = stale;
        config.refresh_cooldown_s = 2.0;
    });
    // Tokens live ACCESS_TOKEN_TTL_S (an hour): every step below is
    // inside their lifetime, so only the key cache decides.
    assert!(ttl + stale + 60.0 < ACCESS_TOKEN_TTL_S as f64);
    let token = token(&provider, "ES256", CLIENT_SCOPES[0]);
    for subject in &subjects {
        subject.accepts(&token, "a token with the provider up");
    }

    provider.stop();
    // Past freshness, inside the stale window: the refetch fails, the
    // cached keys answer.
    clock.set(start + ttl + 30.0);
    for subject in &subjects {
        subject.accepts(&token, "a token from stale keys");
        assert!(
            subject.healthcheck(false),
            "{}: stale keys are healthy",
            subject.label
        );
    }
    // Past the stale window: 503, no challenge.
    clock.set(start + ttl + stale + 1.0);
    for subject in &subjects {
        let error = subject.refuses(&token, "jwks_fetch_failed", "a token past the stale window");
        assert_eq!(error.status(), 503, "{}", subject.label);
        assert_eq!(
            error.www_authenticate(Some("orders")),
            None,
            "{}",
            subject.label
        );
        assert!(
            !subject.healthcheck(false),
            "{}: no usable keys",
            subject.label
        );
    }

    // The provider comes back with the same keys: the next refresh (past
    // the backoff) recovers.
    provider
        .restart()
        .unwrap_or_else(|error| panic!("restarting the provider: {error}"));
    clock.set(start + ttl + stale + 30.0);
    for subject in &subjects {
        subject.accepts(&token, "a token after the provider came back");
        assert!(subject.healthcheck(false), "{}", subject.label);
        subject.close();
    }
}
