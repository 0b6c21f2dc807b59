//! The two drivers offer the same public API: every `pub fn` (with its
//! `impl` and arguments), type and re-export of one has its twin in the
//! other, up to `async`, `.await` and the `Async` prefix of type names;
//! so do the core's blocking and async handles the drivers' types name.
//! Their choice of TLS stack stays identical, and the same script gives the
//! same `status()`.
//!
//! It lives in the blocking crate and reads both crates' sources and the
//! core's handles.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use oidc_jwt_verifier_async::AsyncJwtVerifier;
use oidc_jwt_verifier_blocking::{AuthConfig, JwtVerifier, KeysState, ManualClock, Status};
use oidc_jwt_verifier_testkit::{
    jwks_of, FixedKey, Response, ScriptedServer, TestKey, TokenBuilder,
};
use serde_json::json;

const ISSUER: &str = "https://issuer.test/";
const AUDIENCE: &str = "api://tests";
const T0: f64 = 1_700_000_000.0;
const JWKS: &str = "http://keys.test/jwks";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

fn drivers() -> (PathBuf, PathBuf) {
    let workspace = workspace();
    (
        workspace.join("transport-blocking"),
        workspace.join("transport-async"),
    )
}

/// Whitespace collapsed, `async` and `.await` dropped, `Async` type names
/// mapped to their blocking twins, and rustfmt's line-breaking undone.
fn normalize(text: &str) -> String {
    let mut text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        ("async ", ""),
        (".await", ""),
        ("AsyncJwtVerifier", "JwtVerifier"),
        ("AsyncJwksClient", "JwksClient"),
        ("AsyncMultiIssuerVerifier", "MultiIssuerVerifier"),
        ("AsyncDriver", "BlockingDriver"),
        ("( ", "("),
        (" )", ")"),
        ("{ ", "{"),
        (" }", "}"),
        (",)", ")"),
        (",}", "}"),
        ("< ", "<"),
        (" >", ">"),
    ] {
        text = text.replace(from, to);
    }
    text
}

/// The public items of one source file: `pub fn`s under their `impl`, and
/// `pub` types, traits and re-exports. Test modules are left out.
fn public_items(source: &str) -> Vec<String> {
    let source = source.split("#[cfg(test)]").next().unwrap_or_default();
    let mut items = Vec::new();
    let mut context = String::from("(crate)");
    let mut lines = source.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let mut statement = |first: &str, ends: &[char]| {
            let mut text = first.to_owned();
            while !text.ends_with(ends) {
                match lines.next() {
                    Some(next) => {
                        text.push(' ');
                        text.push_str(next);
                    }
                    None => break,
                }
            }
            normalize(text.trim_end_matches(ends))
        };
        if line.starts_with("impl") {
            context = statement(line, &['{']);
        } else if line.starts_with("pub fn ") || line.starts_with("pub async fn ") {
            let signature = statement(line, &['{', ';']);
            items.push(format!("{context} :: {signature}"));
        } else if line.starts_with("pub use ") {
            items.push(statement(line, &[';']));
        } else if ["pub struct ", "pub enum ", "pub type ", "pub trait "]
            .iter()
            .any(|kind| line.starts_with(kind))
        {
            let name = line.split(['{', '(', ';', '=']).next().unwrap_or_default();
            items.push(normalize(name));
        }
    }
    items
}

/// The source files of a driver's own public items: the top of its `src`.
fn driver_files(crate_dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(crate_dir.join("src"))
        .expect("a src directory")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();
    files
}

/// The core's handles of one kind: `prefix` "" (blocking) or "async_".
fn handle_files(prefix: &str) -> Vec<PathBuf> {
    let handle = workspace().join("core/src/handle");
    ["verifier.rs", "multi.rs"]
        .iter()
        .map(|file| handle.join(format!("{prefix}{file}")))
        .collect()
}

fn public_api(files: Vec<PathBuf>) -> BTreeSet<String> {
    let mut api = BTreeSet::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("a readable source file");
        for item in public_items(&source) {
            assert!(api.insert(item.clone()), "{item} appears twice");
        }
    }
    api
}

/// The items only one side has, as a failure message.
fn assert_twins(what: &str, blocking: &BTreeSet<String>, asynchronous: &BTreeSet<String>) {
    let only_blocking: Vec<_> = blocking.difference(asynchronous).collect();
    let only_async: Vec<_> = asynchronous.difference(blocking).collect();
    assert!(
        only_blocking.is_empty() && only_async.is_empty(),
        "{what}: only blocking: {only_blocking:#?}\nonly async: {only_async:#?}"
    );
}

#[test]
fn both_drivers_offer_the_same_public_api() {
    let (blocking, asynchronous) = drivers();
    let blocking = public_api(driver_files(&blocking));
    let asynchronous = public_api(driver_files(&asynchronous));
    assert_twins("the drivers", &blocking, &asynchronous);
    for expected in [
        "pub type JwtVerifier",
        "pub type JwksClient",
        "pub type MultiIssuerVerifier",
        "pub struct Engine",
        "pub use http::HttpClient",
        "pub use oidc_jwt_verifier_core as core",
    ] {
        assert!(
            blocking.contains(expected),
            "{expected} not found in {blocking:#?}"
        );
    }
}

#[test]
fn the_core_offers_the_same_blocking_and_async_handles() {
    let blocking = public_api(handle_files(""));
    let asynchronous = public_api(handle_files("async_"));
    assert_twins("the core's handles", &blocking, &asynchronous);
    let plain = "impl<E: BlockingDriver> JwtVerifier<E>";
    let built = "impl<E: BlockingDriver + Build> JwtVerifier<E>";
    for expected in [
        format!("{plain} :: pub fn verify_access_token(&self, token: &str) -> Result<Claims, AuthError>"),
        "impl<E: BlockingDriver> JwksClient<E> :: pub fn get_signing_key(&self, kid: &str, refresh: bool) -> Result<SigningKey, AuthError>".to_owned(),
        format!("{built} :: pub fn builder(config: AuthConfig) -> Builder<Self>"),
        format!("{plain} :: pub fn explain(&self, token: &str) -> Explain"),
        format!("{plain} :: pub fn status(&self) -> Status"),
        "impl<E: BlockingDriver> JwksClient<E> :: pub fn status(&self) -> Status".to_owned(),
        "impl<E: BlockingDriver> MultiIssuerVerifier<E> :: pub fn status(&self, issuer: &str) -> Option<Status>".to_owned(),
        format!("{plain} :: pub fn verify_request<B>(&self, request: &Request<B>, realm: Option<&str>) -> Result<Claims, Response<String>>"),
    ] {
        assert!(blocking.contains(&expected), "{expected} not found in {blocking:#?}");
    }
}

#[test]
fn the_shared_tls_setup_is_identical() {
    // The choice of stack, and its files; what the roots mean is the
    // core's (`Roots`), and each stack file adapts it to its HTTP library.
    let (blocking, asynchronous) = drivers();
    let read =
        |dir: &Path| std::fs::read_to_string(dir.join("src/tls/mod.rs")).expect("tls/mod.rs");
    assert!(
        read(&blocking) == read(&asynchronous),
        "src/tls/mod.rs differs between the drivers"
    );
    for stack in ["native_tls.rs", "rustls.rs"] {
        for driver in [&blocking, &asynchronous] {
            assert!(
                driver.join("src/tls").join(stack).is_file(),
                "{stack} in {driver:?}"
            );
        }
    }
}

#[test]
fn the_comparison_sees_argument_changes_and_ignores_async() {
    let blocking = "impl JwtVerifier {\n    pub fn check(\n        &self,\n        token: &str,\n    ) -> bool {\n";
    let same = "impl AsyncJwtVerifier {\n    pub async fn check(&self, token: &str) -> bool {\n";
    let changed =
        "impl AsyncJwtVerifier {\n    pub async fn check(&self, token: String) -> bool {\n";
    let renamed =
        "impl AsyncJwtVerifier {\n    pub async fn verify(&self, token: &str) -> bool {\n";
    assert_eq!(public_items(blocking), public_items(same));
    assert_ne!(public_items(blocking), public_items(changed));
    assert_ne!(public_items(blocking), public_items(renamed));
    assert_eq!(
        public_items(blocking),
        ["impl JwtVerifier :: pub fn check(&self, token: &str) -> bool"]
    );
}

/// What one driver is asked, in order, and the status it ends with.
trait Scripted {
    fn verify(&self, token: &str) -> Result<(), &'static str>;
    fn kids(&self) -> Result<usize, &'static str>;
    fn status(&self) -> Status;
}

impl Scripted for JwtVerifier {
    fn verify(&self, token: &str) -> Result<(), &'static str> {
        self.verify_access_token(token)
            .map(drop)
            .map_err(|e| e.code())
    }
    fn kids(&self) -> Result<usize, &'static str> {
        self.get_signing_keys(false)
            .map(|k| k.len())
            .map_err(|e| e.code())
    }
    fn status(&self) -> Status {
        JwtVerifier::status(self)
    }
}

/// The async verifier, each call run on a runtime of its own.
struct OnRuntime(AsyncJwtVerifier, tokio::runtime::Runtime);

impl Scripted for OnRuntime {
    fn verify(&self, token: &str) -> Result<(), &'static str> {
        let verified = self.1.block_on(self.0.verify_access_token(token));
        verified.map(drop).map_err(|e| e.code())
    }
    fn kids(&self) -> Result<usize, &'static str> {
        let keys = self.1.block_on(self.0.get_signing_keys(false));
        keys.map(|k| k.len()).map_err(|e| e.code())
    }
    fn status(&self) -> Status {
        self.0.status()
    }
}

/// The two keys of the script: `a` is published, `b` never is.
struct Keys {
    a: TestKey,
    b: TestKey,
}

impl Keys {
    fn new() -> Keys {
        let fixed = |key, kid| TestKey::fixed(key).expect("a fixed key").with_kid(kid);
        Keys {
            a: fixed(FixedKey::Rsa2048A, "a"),
            b: fixed(FixedKey::Rsa2048B, "b"),
        }
    }
}

fn token(key: &TestKey) -> String {
    TokenBuilder::for_key(key)
        .claim("iss", json!(ISSUER))
        .claim("aud", json!(AUDIENCE))
        .claim("exp", json!(T0 as i64 + 86_400))
        .sign(key)
        .expect("a signed token")
}

/// Fetch, a malformed token, an unknown kid inside the cooldown, an outage
/// served from stale keys: the status after it.
fn play(
    driver: &dyn Scripted,
    clock: &ManualClock,
    server: &ScriptedServer,
    keys: &Keys,
) -> Status {
    server
        .serve_json(JWKS, jwks_of(&[&keys.a]))
        .expect("served");
    let token_a = token(&keys.a);
    assert_eq!(driver.verify(&token_a), Ok(()));
    assert_eq!(driver.verify("not-a-token"), Err("malformed_token"));
    clock.set(T0 + 10.0);
    assert_eq!(driver.verify(&token(&keys.b)), Err("key_not_found"));
    server.serve(JWKS, Response::empty(503)).expect("served");
    clock.set(T0 + 301.0);
    assert_eq!(driver.verify(&token_a), Ok(()));
    assert_eq!(driver.kids(), Ok(1));
    driver.status()
}

#[test]
fn the_same_script_gives_the_same_status_in_both_drivers() {
    let keys = Keys::new();
    let server = ScriptedServer::start().expect("a scripted server");
    let url = server.map_url(JWKS).expect("mapped");
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, url);
    config.allow_insecure_http = true;
    config.fetch_attempts = 1;
    let clock = || Arc::new(ManualClock::new(Instant::now(), T0));

    let blocking_clock = clock();
    let blocking = JwtVerifier::builder(config.clone())
        .clock(blocking_clock.clone())
        .build()
        .expect("valid");
    let blocking = play(&blocking, &blocking_clock, &server, &keys);

    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let async_clock = clock();
    let asynchronous = {
        let _context = runtime.enter();
        AsyncJwtVerifier::builder(config)
            .clock(async_clock.clone())
            .build()
            .expect("valid")
    };
    let asynchronous = play(
        &OnRuntime(asynchronous, runtime),
        &async_clock,
        &server,
        &keys,
    );

    assert_eq!(blocking, asynchronous);
    assert_eq!(blocking.state, KeysState::ServingStale);
    assert_eq!(blocking.key_ids, ["a"]);
    let counters = &blocking.counters;
    assert_eq!(
        (
            counters.fetches,
            counters.refresh_failures,
            counters.stale_serves
        ),
        (2, 1, 2)
    );
    assert_eq!((counters.cooldown_refusals, counters.accepted), (1, 2));
    assert_eq!(
        blocking.last_failure.as_ref().map(|f| f.error.code()),
        Some("jwks_fetch_failed")
    );
}
