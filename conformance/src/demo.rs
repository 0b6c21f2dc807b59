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

use oidc_jwt_verifier_core::{AuthConfig, AuthError, Claims, Clock, ManualClock, Verifier};
use serde_json::{json, Map, Value};
use tokio::runtime::Runtime;

use crate::case::{Reply, Response, Serve, VerifyInput};
use crate::issuer::{tamper, FixedKey, Issuer, IssuerError, Retire, TestKey, TokenBuilder};
use crate::runner::asynchronous::{build_async, runtime};
use crate::runner::blocking::build_blocking;
use crate::runner::core::SansIo;
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

/// The widest line the demo writes, in characters.
pub const MAX_COLUMNS: usize = 100;

/// Runs the demo, writing its table to `out` (no line wider than
/// [`MAX_COLUMNS`]); ends with the line `demo: N checks, all as expected`
/// (or how many were not).
pub fn run(out: &mut dyn Write) -> Result<DemoSummary, DemoError> {
    let tokens = Tokens::new()?;
    let tls = ServerTls::generate().map_err(|error| DemoError::new("test CA", error))?;
    let runtime = runtime().map_err(|error| DemoError::new("Tokio runtime", error))?;
    let mut layers = Vec::with_capacity(LayerName::ALL.len());
    for layer in LayerName::ALL {
        let clock = Arc::new(ManualClock::new(Instant::now(), seconds(T0)));
        let mut subject = start_subject(layer, &tls, &runtime, &clock)?;
        layers.push(tokens.scenario(layer.as_str(), subject.as_mut(), &clock)?);
    }
    write_heading(out)?;
    let lines: Vec<&Line> = layers.iter().flatten().collect();
    for (index, row) in layers.first().into_iter().flatten().enumerate() {
        let same_check: Vec<&Line> = layers.iter().filter_map(|lines| lines.get(index)).collect();
        write_row(out, row, &same_check)?;
    }
    let summary = DemoSummary {
        checks: lines.len(),
        unexpected: lines.iter().filter(|line| !line.as_expected()).count(),
    };
    let verdict = match summary.unexpected {
        0 => "all as expected".to_owned(),
        n => format!("{n} NOT as expected"),
    };
    writeln!(out, "\ndemo: {} checks, {verdict}", summary.checks)?;
    Ok(summary)
}

/// The columns of a row: what was tried, then the code, status and fetch
/// count of the first layer, then each layer's mark.
const TRIED: usize = 40;
const CODE: usize = 20;
const STATUS: usize = 7;
const FETCHES: usize = 8;
/// Where a row's details (the challenge or the claims) start.
const DETAIL_INDENT: &str = "    ";

/// What the demo runs on, and the table's column titles.
fn write_heading(out: &mut dyn Write) -> io::Result<()> {
    let about = [
        format!(
            "issuer {ISSUER} (TEST ONLY key {}), audience {AUDIENCE},",
            FixedKey::Rsa2048A.kid()
        ),
        format!("required scope {REQUIRED_SCOPE}, realm \"{REALM}\"."),
        "Each token goes through the core (its Sans-IO loop fed in memory) and both".to_owned(),
        "drivers (HTTPS to a scripted server on 127.0.0.1 trusting its test CA), which".to_owned(),
        "must answer alike: a mark per layer, then the answer, challenge or claims.".to_owned(),
    ];
    for line in about {
        writeln!(out, "demo: {line}")?;
    }
    let layers: Vec<&str> = LayerName::ALL.into_iter().map(LayerName::as_str).collect();
    writeln!(
        out,
        "\n{:<TRIED$}{:<CODE$}{:<STATUS$}{:<FETCHES$}{}",
        "tried",
        "code",
        "status",
        "fetches",
        layers.join(" ")
    )
}

/// One check: its row (the first layer's answer and every layer's mark),
/// the first layer's details, and any layer that answered otherwise.
fn write_row(out: &mut dyn Write, first: &Line, layers: &[&Line]) -> io::Result<()> {
    let marks: Vec<String> = layers
        .iter()
        .map(|line| {
            let mark = if line.as_expected() { "ok" } else { "!!" };
            format!("{mark:<width$}", width = line.layer.len())
        })
        .collect();
    writeln!(
        out,
        "{:<TRIED$}{:<CODE$}{:<STATUS$}{:<FETCHES$}{}",
        first.tried,
        first.code().unwrap_or("ok"),
        first.status(),
        first.fetches,
        marks.join(" ").trim_end()
    )?;
    write_wrapped(out, &first.detail())?;
    for line in layers {
        let answered_otherwise = (line.code(), line.status(), line.fetches, line.detail())
            != (first.code(), first.status(), first.fetches, first.detail());
        if answered_otherwise || !line.as_expected() {
            write_wrapped(out, &line.discrepancy(first))?;
        }
    }
    Ok(())
}

/// `text` indented under its row, broken between its parts (the claims,
/// or the challenge's parameters) so that no line passes [`MAX_COLUMNS`]
/// (a longer part stands alone).
fn write_wrapped(out: &mut dyn Write, text: &str) -> io::Result<()> {
    for line in wrap(&parts(text), MAX_COLUMNS - DETAIL_INDENT.len()) {
        writeln!(out, "{DETAIL_INDENT}{line}")?;
    }
    Ok(())
}

/// The parts of a detail that stay whole: spaces inside quotes do not
/// separate (`scope="read:orders profile"` is one part).
fn parts(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (at, c) in text.char_indices() {
        match c {
            '\\' if quoted => escaped = !escaped,
            '"' if !escaped => quoted = !quoted,
            ' ' if !quoted => {
                parts.push(&text[start..at]);
                start = at + 1;
            }
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    parts.push(&text[start..]);
    parts.retain(|part| !part.is_empty());
    parts
}

/// `parts` joined by spaces into lines of at most `width` characters,
/// unless one part alone is wider.
fn wrap(parts: &[&str], width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for part in parts {
        let wanted = line.chars().count() + usize::from(!line.is_empty()) + part.chars().count();
        if !line.is_empty() && wanted > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(part);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
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
        let input = VerifyInput::Header(authorization.map(str::to_owned));
        self.core
            .verify(&input, self.clock.now())
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

impl Line {
    fn status(&self) -> u16 {
        self.outcome
            .as_ref()
            .map_or_else(AuthError::status, |_| 200)
    }

    /// The challenge with the demo's realm (`-` for none), or the claims.
    fn detail(&self) -> String {
        match &self.outcome {
            Ok(claims) => summary(claims),
            Err(error) => error
                .www_authenticate(Some(REALM))
                .unwrap_or_else(|| "-".into()),
        }
    }

    /// This layer's answer (its details only where they differ from
    /// `first`'s), and what was expected when it differs.
    fn discrepancy(&self, first: &Line) -> String {
        let mark = if self.as_expected() { "ok" } else { "!!" };
        let code = self.code().unwrap_or("ok");
        let mut text = format!(
            "{mark} {}: {code} {}, {} fetches",
            self.layer,
            self.status(),
            self.fetches
        );
        if self.detail() != first.detail() {
            text.push_str(&format!(", {}", self.detail()));
        }
        if !self.as_expected() {
            let wanted = self.expected.code.unwrap_or("ok");
            text.push_str(&match self.expected.fetches {
                Some(fetches) => format!(" (expected {wanted}, {fetches} fetches)"),
                None => format!(" (expected {wanted})"),
            });
        }
        text
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_between_parts_within_the_width() {
        let challenge = r#"Bearer realm="demo", error="insufficient_scope", error_description="Insufficient scope", scope="read:orders""#;
        let lines = wrap(&parts(challenge), 60);
        assert!(lines.len() > 1 && lines.iter().all(|line| line.chars().count() <= 60));
        assert_eq!(lines.join(" "), challenge);
        let long = "x".repeat(70);
        let text = format!("a {long} b");
        assert_eq!(wrap(&parts(&text), 60), ["a", long.as_str(), "b"]);
        assert!(wrap(&parts(""), 60).is_empty());
    }

    #[test]
    fn quoted_spaces_do_not_split_a_part() {
        assert_eq!(
            parts(r#"sub="alice" scope="read:orders profile" exp=1"#),
            [r#"sub="alice""#, r#"scope="read:orders profile""#, "exp=1"]
        );
        assert_eq!(parts(r#"a="x\" y" b"#), [r#"a="x\" y""#, "b"]);
    }

    #[test]
    fn the_columns_fit_the_width() {
        let layers: usize = LayerName::ALL
            .into_iter()
            .map(|l| l.as_str().len() + 1)
            .sum();
        assert!(TRIED + CODE + STATUS + FETCHES + layers <= MAX_COLUMNS);
    }
}
