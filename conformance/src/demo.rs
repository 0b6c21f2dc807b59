//! `conformance demo`: the verifier at work in a few seconds, with no
//! network and no setup.
//!
//! A test issuer (the fixed TEST ONLY key `rsa2048-a`) signs a good token
//! and a handful of bad ones; each goes through the Sans-IO core (a short
//! driver loop fed with the issuer's JWK Set in memory), the blocking
//! driver and the async driver (both over HTTPS to a scripted server on
//! loopback, trusting its generated CA). Then, per layer, a rotation (a new
//! key is published; a token naming it verifies after one refetch) and an
//! outage (the key server refuses connections; cached keys keep serving).
//! Every line checks its expected outcome.

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::Instant;

use oidc_jwt_verifier_core::{AuthConfig, AuthError, Claims, Clock, ManualClock, Query, Verifier};
use serde_json::{json, Map, Value};
use tokio::runtime::Runtime;

use crate::case::{Reply, Response, Serve};
use crate::issuer::{tamper, FixedKey, Issuer, IssuerError, Retire, TestKey, TokenBuilder};
use crate::runner::asynchronous::{build_async, runtime};
use crate::runner::blocking::build_blocking;
use crate::runner::core::{finished, SansIo};
use crate::runner::sockets::{serve_on, Driver, DriverSetup};
use crate::runner::LayerName;
use crate::server::{ScriptedServer, ServerTls};

const ISSUER: &str = "https://id.demo.test/";
const AUDIENCE: &str = "https://api.demo.test";
const JWKS_URL: &str = "https://login.demo.test/.well-known/jwks.json";
const REALM: &str = "demo";
const REQUIRED_SCOPE: &str = "read:orders";
/// The demo's "now" (Unix seconds): 2026-01-01T00:00:00Z, so every run
/// prints the same.
const T0: u64 = 1_767_225_600;
/// When the rotation is shown: past the 30 s refetch cooldown.
const ROTATION_AT: u64 = T0 + 60;
/// When the outage is shown: the keys fetched at the rotation are past
/// their 300 s freshness, well inside the 3600 s stale window.
const OUTAGE_AT: u64 = ROTATION_AT + 340;

/// How the demo went: how many lines were checked, how many did not behave
/// as expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    /// Lines checked.
    pub checks: usize,
    /// Lines whose outcome was not the expected one.
    pub unexpected: usize,
}

impl DemoSummary {
    /// Whether every line behaved as expected.
    pub fn all_as_expected(&self) -> bool {
        self.unexpected == 0
    }
}

/// Why the demo could not run at all (not a line that misbehaved).
#[derive(Debug)]
pub struct DemoError(String);

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DemoError {}

impl DemoError {
    fn new(what: &str, error: impl fmt::Display) -> DemoError {
        DemoError(format!("{what}: {error}"))
    }
}

impl From<io::Error> for DemoError {
    fn from(error: io::Error) -> Self {
        DemoError::new("cannot write the table", error)
    }
}

impl From<IssuerError> for DemoError {
    fn from(error: IssuerError) -> Self {
        DemoError::new("test issuer", error)
    }
}

/// Runs the demo, writing its table to `out`; ends with the line
/// `demo: N checks, all as expected` (or how many were not).
pub fn run(out: &mut dyn Write) -> Result<DemoSummary, DemoError> {
    let tokens = Tokens::new()?;
    let tls = ServerTls::generate().map_err(|error| DemoError::new("test CA", error))?;
    let runtime = runtime().map_err(|error| DemoError::new("Tokio runtime", error))?;
    write_heading(out)?;
    let mut summary = DemoSummary {
        checks: 0,
        unexpected: 0,
    };
    for layer in LayerName::ALL {
        let clock = Arc::new(ManualClock::new(Instant::now(), seconds(T0)));
        let mut subject = start_subject(layer, &tls, &runtime, &clock)?;
        for line in tokens.scenario(layer.as_str(), subject.as_mut(), &clock)? {
            summary.checks += 1;
            if !line.as_expected() {
                summary.unexpected += 1;
            }
            writeln!(out, "{line}")?;
        }
    }
    let verdict = match summary.unexpected {
        0 => "all as expected".to_owned(),
        n => format!("{n} NOT as expected"),
    };
    writeln!(out, "\ndemo: {} checks, {verdict}", summary.checks)?;
    Ok(summary)
}

/// What the demo runs on, and the table's column titles.
fn write_heading(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "demo: issuer {ISSUER} (TEST ONLY key {}), audience {AUDIENCE}, required scope {REQUIRED_SCOPE}, realm \"{REALM}\"",
        FixedKey::Rsa2048A.kid()
    )?;
    writeln!(
        out,
        "demo: core = Sans-IO loop fed in memory; blocking, async = HTTPS to a scripted server on 127.0.0.1 (test CA)\n"
    )?;
    writeln!(
        out,
        "   {:<9}{:<40}{:<20}{:<7}{:<8}WWW-Authenticate / claims",
        "layer", "tried", "code", "status", "fetches"
    )
}

/// The layer's verifier, reading `clock`; the drivers with a scripted
/// server of their own (serving with `tls`), the async one on `runtime`.
fn start_subject<'r>(
    layer: LayerName,
    tls: &ServerTls,
    runtime: &'r Runtime,
    clock: &Arc<ManualClock>,
) -> Result<Box<dyn Subject + 'r>, DemoError> {
    Ok(match layer {
        LayerName::Core => Box::new(CoreSubject::new(clock.clone())?),
        LayerName::Blocking => Box::new(DriverSubject::start(tls, clock.clone(), build_blocking)?),
        LayerName::Async => Box::new(DriverSubject::start(tls, clock.clone(), |setup| {
            build_async(runtime, setup)
        })?),
    })
}

/// Unix seconds as the clock takes them.
fn seconds(unix: u64) -> f64 {
    unix as f64
}

/// The demo's verifier configuration: default rules, one required scope.
fn config(jwks_url: String) -> AuthConfig {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, jwks_url);
    config.required_scopes = vec![REQUIRED_SCOPE.to_owned()];
    config
}

/// Sets what [`JWKS_URL`] answers from now on.
fn publish(subject: &mut dyn Subject, reply: Reply) -> Result<(), DemoError> {
    subject.publish(&Serve {
        url: JWKS_URL.to_owned(),
        reply,
    })
}

fn jwks_reply(issuer: &Issuer) -> Reply {
    Reply::Respond(Response::json(issuer.jwks()))
}

/// One layer under demonstration.
trait Subject {
    /// Sets what the key set URL answers from now on.
    fn publish(&mut self, serve: &Serve) -> Result<(), DemoError>;
    /// Verifies an `Authorization` header value (`None`: no header).
    fn verify(
        &mut self,
        authorization: Option<&str>,
    ) -> Result<Result<Claims, AuthError>, DemoError>;
    /// Requests the key set URL has received.
    fn fetches(&self) -> u64;
}

/// The core, driven by the runner's Sans-IO loop.
struct CoreSubject {
    core: SansIo,
    clock: Arc<ManualClock>,
}

impl CoreSubject {
    fn new(clock: Arc<ManualClock>) -> Result<CoreSubject, DemoError> {
        let verifier = Verifier::new(config(JWKS_URL.to_owned()))
            .map_err(|error| DemoError::new("configuration", error))?;
        Ok(CoreSubject {
            core: SansIo::new(verifier),
            clock,
        })
    }
}

impl Subject for CoreSubject {
    fn publish(&mut self, serve: &Serve) -> Result<(), DemoError> {
        self.core.serve(serve);
        Ok(())
    }

    fn verify(
        &mut self,
        authorization: Option<&str>,
    ) -> Result<Result<Claims, AuthError>, DemoError> {
        let mut query = Query::new();
        self.core
            .run(self.clock.now(), |verifier, now| {
                finished(verifier.verify_authorization(authorization, &mut query, now))
            })
            .map_err(|error| DemoError::new("core loop", error))
    }

    fn fetches(&self) -> u64 {
        self.core.fetch_count(JWKS_URL)
    }
}

/// A driver fetching from its own scripted server.
struct DriverSubject<D> {
    driver: D,
    server: ScriptedServer,
}

impl<D: Driver> DriverSubject<D> {
    fn start(
        tls: &ServerTls,
        clock: Arc<ManualClock>,
        build: impl FnOnce(DriverSetup<'_>) -> Result<D, String>,
    ) -> Result<DriverSubject<D>, DemoError> {
        let server = ScriptedServer::start_with_tls(tls);
        let jwks_url = server
            .map_url(JWKS_URL)
            .map_err(|error| DemoError::new("scripted server", error))?;
        let driver = build(DriverSetup {
            config: config(jwks_url),
            clock,
            ca_pem: server.ca_pem(),
        })
        .map_err(|error| DemoError::new("driver", error))?;
        Ok(DriverSubject { driver, server })
    }
}

impl<D: Driver> Subject for DriverSubject<D> {
    fn publish(&mut self, serve: &Serve) -> Result<(), DemoError> {
        serve_on(&self.server, serve).map_err(|error| DemoError::new("scripted server", error))
    }

    fn verify(
        &mut self,
        authorization: Option<&str>,
    ) -> Result<Result<Claims, AuthError>, DemoError> {
        let outcome = self.driver.verify_header(authorization);
        self.driver.wait_for_refresh();
        Ok(outcome)
    }

    fn fetches(&self) -> u64 {
        self.server.requests(JWKS_URL)
    }
}

/// The issuer and the tokens it signed.
struct Tokens {
    issuer: Issuer,
    /// Signed with the key the issuer rotates to (not yet published).
    next_key: TestKey,
    good: String,
    expired: String,
    wrong_audience: String,
    alg_none: String,
    missing_scope: String,
    new_kid: String,
}

impl Tokens {
    fn new() -> Result<Tokens, DemoError> {
        let issuer = Issuer::with_key(ISSUER, TestKey::fixed(FixedKey::Rsa2048A)?);
        let next_key = TestKey::fixed(FixedKey::Rsa2048B)?;
        let claims = |changes: Value| {
            let mut claims = json!({
                "sub": "alice", "aud": AUDIENCE, "scope": "read:orders profile",
                "iat": T0 - 30, "exp": T0 + 3600,
            });
            if let (Some(claims), Some(changes)) = (claims.as_object_mut(), changes.as_object()) {
                claims.extend(changes.clone());
            }
            claims.as_object().cloned().unwrap_or_default()
        };
        let sign = |changes: Value| issuer.mint(&claims(changes));
        let good = sign(json!({}))?;
        let unsigned = |claims: &Map<String, Value>| {
            TokenBuilder::new()
                .header("alg", json!("none"))
                .header("typ", json!("JWT"))
                .claim("iss", json!(ISSUER))
                .claims(claims)
                .unsigned()
        };
        Ok(Tokens {
            expired: sign(json!({"iat": T0 - 7200, "exp": T0 - 3600}))?,
            wrong_audience: sign(json!({"aud": "https://other-api.demo.test"}))?,
            alg_none: unsigned(&claims(json!({}))),
            missing_scope: sign(json!({"scope": "profile"}))?,
            new_kid: TokenBuilder::for_key(&next_key)
                .claim("iss", json!(ISSUER))
                .claims(&claims(json!({})))
                .sign(&next_key)?,
            good,
            issuer,
            next_key,
        })
    }

    /// Every line of one layer, run in order against `subject`: at each
    /// time, the key set URL answers as given and the tokens are tried.
    fn scenario(
        &self,
        layer: &'static str,
        subject: &mut dyn Subject,
        clock: &ManualClock,
    ) -> Result<Vec<Line>, DemoError> {
        let bearer = |token: &str| Some(format!("Bearer {token}"));
        let refused = |tried, token: &str, code| (tried, bearer(token), Expected::error(code));
        let tampered = tamper::tamper_signature(&self.good).unwrap_or_default();
        let mut rotated = self.issuer.clone();
        rotated.rotate_to(self.next_key.clone(), Retire::Nothing);
        let phases: [(u64, Reply, Vec<Check>); 3] = [
            (
                T0,
                jwks_reply(&self.issuer),
                vec![
                    ("good token", bearer(&self.good), Expected::ok().fetches(1)),
                    refused("expired", &self.expired, "token_expired"),
                    refused("wrong audience", &self.wrong_audience, "invalid_audience"),
                    refused("tampered signature", &tampered, "invalid_signature"),
                    refused("alg none", &self.alg_none, "disallowed_alg"),
                    refused(
                        "missing required scope",
                        &self.missing_scope,
                        "insufficient_scope",
                    ),
                    refused("malformed token", "not-a-jwt", "malformed_token"),
                    (
                        "no Authorization header",
                        None,
                        Expected::error("missing_token"),
                    ),
                    (
                        "unknown kid (inside the 30 s cooldown)",
                        bearer(&self.new_kid),
                        Expected::error("key_not_found").fetches(1),
                    ),
                ],
            ),
            (
                ROTATION_AT,
                jwks_reply(&rotated),
                vec![(
                    "rotation: new key published, its kid",
                    bearer(&self.new_kid),
                    Expected::ok().fetches(2),
                )],
            ),
            (
                OUTAGE_AT,
                Reply::Refused,
                vec![(
                    "outage: keys stale, JWKS refused",
                    bearer(&self.new_kid),
                    Expected::ok().fetches(2),
                )],
            ),
        ];
        let mut lines = Vec::new();
        for (at, reply, checks) in phases {
            clock.set(seconds(at));
            publish(subject, reply)?;
            for (tried, authorization, expected) in checks {
                let outcome = subject.verify(authorization.as_deref())?;
                lines.push(Line {
                    layer,
                    tried,
                    outcome,
                    fetches: subject.fetches(),
                    expected,
                });
            }
        }
        Ok(lines)
    }
}

/// One line to try: what it is, the `Authorization` value, what it must
/// produce.
type Check = (&'static str, Option<String>, Expected);

/// What a line must produce.
#[derive(Debug, Clone, Copy)]
struct Expected {
    /// `None`: the token verifies.
    code: Option<&'static str>,
    /// The key set requests made so far, when the line shows them.
    fetches: Option<u64>,
}

impl Expected {
    fn ok() -> Expected {
        Expected {
            code: None,
            fetches: None,
        }
    }

    fn error(code: &'static str) -> Expected {
        Expected {
            code: Some(code),
            fetches: None,
        }
    }

    fn fetches(self, fetches: u64) -> Expected {
        Expected {
            fetches: Some(fetches),
            ..self
        }
    }
}

/// One row of the table.
struct Line {
    layer: &'static str,
    tried: &'static str,
    outcome: Result<Claims, AuthError>,
    fetches: u64,
    expected: Expected,
}

impl Line {
    fn code(&self) -> Option<&'static str> {
        self.outcome.as_ref().err().map(AuthError::code)
    }

    fn as_expected(&self) -> bool {
        self.code() == self.expected.code
            && self
                .expected
                .fetches
                .is_none_or(|fetches| fetches == self.fetches)
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.as_expected() { "ok" } else { "!!" };
        let (code, status, detail) = match &self.outcome {
            Ok(claims) => ("ok", 200, summary(claims)),
            Err(error) => (
                error.code(),
                error.status(),
                error
                    .www_authenticate(Some(REALM))
                    .unwrap_or_else(|| "-".into()),
            ),
        };
        write!(
            f,
            "{mark} {:<9}{:<40}{code:<20}{status:<7}{:<8}{detail}",
            self.layer, self.tried, self.fetches
        )?;
        if !self.as_expected() {
            let wanted = self.expected.code.unwrap_or("ok");
            match self.expected.fetches {
                Some(fetches) => write!(f, "   (expected {wanted}, {fetches} fetches)")?,
                None => write!(f, "   (expected {wanted})")?,
            }
        }
        Ok(())
    }
}

/// `sub`, `iss`, `aud`, `scope` and `exp` of verified claims.
fn summary(claims: &Claims) -> String {
    let shown = |name: &str| {
        claims
            .get(name)
            .map_or_else(|| "-".to_owned(), |value| value.to_string())
    };
    ["sub", "iss", "aud", "scope", "exp"]
        .map(|name| format!("{name}={}", shown(name)))
        .join(" ")
}
