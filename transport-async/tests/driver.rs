//! The async driver against loopback HTTP and HTTPS servers (served from std
//! threads, so a stuck runtime cannot hide a stuck server).

// The loopback server and issuer are the blocking driver's test support, shared.
#[path = "../../transport-blocking/tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use oidc_jwt_verifier_async::HttpClient;
use oidc_jwt_verifier_async::{
    AsyncJwksClient, AsyncJwtVerifier, AuthConfig, AuthError, BuildError, Clock, ManualClock,
    UnixTime,
};
use oidc_jwt_verifier_core::{SourceProblem, USER_AGENT};
use serde_json::{json, Value};
use support::{
    closed_port_url, heavy_key_set, parse_time, Body, Issuer, Reply, Server, TestCa, AUDIENCE,
    ISSUER, T0,
};

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Instant::now(), T0))
}

fn config(url: &str) -> AuthConfig {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, url);
    config.allow_insecure_http = true;
    config
}

/// A client of the caller's own, for plain HTTP, on the build's TLS stack.
fn plain_client() -> HttpClient {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    #[cfg(feature = "native-tls")]
    let tls = native_tls::TlsConnector::new().unwrap().into();
    #[cfg(feature = "rustls")]
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    Client::builder(TokioExecutor::new()).build(From::from((http, tls)))
}

fn verifier(config: AuthConfig, clock: &Arc<ManualClock>) -> AsyncJwtVerifier {
    AsyncJwtVerifier::builder(config)
        .clock(clock.clone())
        .build()
        .expect("a valid configuration")
}

fn serving(
    issuer: &Arc<Issuer>,
    kids: &'static [&'static str],
) -> impl Fn(&support::Seen) -> Reply {
    let issuer = Arc::clone(issuer);
    move |_| Reply::json(issuer.jwks(kids))
}

fn problem(
    result: Result<impl std::fmt::Debug, AuthError>,
) -> (&'static str, Option<SourceProblem>) {
    let error = result.expect_err("an error");
    (error.code(), error.source_problem())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifiers_are_send_and_sync() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<AsyncJwtVerifier>();
    shared::<AsyncJwksClient>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_fetches_once_and_identifies_itself() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let server = Server::http(serving(&issuer, &["a"]));
    let clock = clock();
    let verifier = verifier(config(&server.url("/jwks")), &clock);

    let claims = verifier
        .verify_access_token(&issuer.token("a"))
        .await
        .expect("valid");
    assert_eq!(claims.subject.as_deref(), Some("user-1"));
    let header = format!(
        "Bearer {}",
        issuer.token_with("a", json!({"role": "admin"}))
    );
    let claims = verifier
        .verify_authorization_header(Some(&header))
        .await
        .expect("valid");
    assert_eq!(claims.get("role"), Some(json!("admin")));
    let payload: Value = verifier
        .verify_access_token_as(&issuer.token("a"))
        .await
        .expect("valid");
    assert_eq!(payload["iss"], json!(ISSUER));

    assert_eq!(server.hits(), 1, "fresh keys are used without a fetch");
    let seen = server.seen();
    assert_eq!(seen[0].path, "/jwks");
    assert_eq!(
        seen[0].headers.get("user-agent").map(String::as_str),
        Some(USER_AGENT)
    );
    assert_eq!(
        verifier
            .verify_authorization_header(None)
            .await
            .unwrap_err()
            .code(),
        "missing_token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_operations_and_the_key_client() {
    let issuer = Arc::new(Issuer::new(&["a", "b"]));
    let server = Server::http(serving(&issuer, &["a", "b"]));
    let clock = clock();
    let keys = AsyncJwksClient::builder(config(&server.url("/jwks")))
        .clock(clock.clone())
        .build()
        .expect("a valid configuration");

    assert!(keys.healthcheck(false).await);
    let mut kids: Vec<_> = keys
        .get_signing_keys(false)
        .await
        .expect("keys")
        .iter()
        .map(|key| key.kid().map(str::to_owned))
        .collect();
    kids.sort();
    assert_eq!(kids, [Some("a".to_owned()), Some("b".to_owned())]);
    assert_eq!(
        keys.get_signing_key("b", false).await.expect("b").kid(),
        Some("b")
    );
    assert_eq!(server.hits(), 1);
    assert!(keys.healthcheck(true).await, "refresh forces a fetch");
    assert_eq!(server.hits(), 2);
    assert_eq!(
        keys.get_signing_key("zz", false).await.unwrap_err().code(),
        "key_not_found"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_is_picked_up_once_the_cooldown_allows() {
    let issuer = Arc::new(Issuer::new(&["old", "new"]));
    let server = Server::http(serving(&issuer, &["old"]));
    let clock = clock();
    let verifier = verifier(config(&server.url("/jwks")), &clock);
    verifier
        .verify_access_token(&issuer.token("old"))
        .await
        .expect("valid");

    server.set_handler(serving(&issuer, &["new"]));
    clock.set(T0 + 10.0);
    assert_eq!(
        problem(verifier.verify_access_token(&issuer.token("new")).await),
        ("key_not_found", None),
        "within the cooldown an unknown kid fetches nothing"
    );
    assert_eq!(server.hits(), 1);

    clock.set(T0 + 31.0);
    verifier
        .verify_access_token(&issuer.token("new"))
        .await
        .expect("rotated in");
    assert_eq!(server.hits(), 2);
    assert_eq!(
        problem(verifier.verify_access_token(&issuer.token("old")).await),
        ("key_not_found", None),
        "a key that left the set is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_served_from_stale_keys_then_fails() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let server = Server::http(serving(&issuer, &["a"]));
    let clock = clock();
    let verifier = verifier(config(&server.url("/jwks")), &clock);
    let token = issuer.token("a");
    verifier.verify_access_token(&token).await.expect("valid");

    server.set_handler(|_| Reply::status(500));
    clock.set(T0 + 301.0);
    verifier
        .verify_access_token(&token)
        .await
        .expect("stale keys serve");
    assert!(verifier.healthcheck(false).await);
    clock.set(T0 + 300.0 + 3600.0 + 1.0);
    assert_eq!(
        problem(verifier.verify_access_token(&token).await),
        ("jwks_fetch_failed", Some(SourceProblem::Status(500)))
    );
    assert!(!verifier.healthcheck(false).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_takes_two_requests_per_refresh() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    // The discovery document names the server's own URL: answered once it is up.
    let server = Server::http(|_| Reply::status(503));
    let document = json!({ "issuer": ISSUER, "jwks_uri": server.url("/jwks") }).to_string();
    let jwks = issuer.jwks(&["a"]);
    server.set_handler(move |seen| match seen.path.as_str() {
        "/.well-known/openid-configuration" => Reply::json(document.clone()),
        "/jwks" => Reply::json(jwks.clone()),
        _ => Reply::status(404),
    });
    let mut config = AuthConfig::with_discovery_url(
        ISSUER,
        AUDIENCE,
        server.url("/.well-known/openid-configuration"),
    );
    config.allow_insecure_http = true;
    let verifier = AsyncJwtVerifier::builder(config)
        .clock(clock())
        .build()
        .expect("valid");
    verifier
        .verify_access_token(&issuer.token("a"))
        .await
        .expect("keys found through discovery");
    let paths: Vec<String> = server.seen().into_iter().map(|seen| seen.path).collect();
    assert_eq!(paths, ["/.well-known/openid-configuration", "/jwks"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_are_reported_as_such() {
    let issuer = Issuer::new(&["a"]);
    let verifier = verifier(config(&closed_port_url("/jwks")), &clock());
    assert_eq!(
        problem(verifier.verify_access_token(&issuer.token("a")).await),
        ("jwks_fetch_failed", Some(SourceProblem::Refused))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_key_source_times_out() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let jwks = issuer.jwks(&["a"]);
    let server = Server::http(move |_| Reply::json(jwks.clone()).delayed(Duration::from_secs(3)));
    let mut config = config(&server.url("/jwks"));
    config.http_timeout_s = 0.3;
    config.fetch_attempts = 1;
    let verifier = verifier(config, &clock());
    let started = Instant::now();
    assert_eq!(
        problem(verifier.verify_access_token(&issuer.token("a")).await),
        ("jwks_fetch_failed", Some(SourceProblem::Timeout))
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_cut_at_the_limit() {
    let issuer = Issuer::new(&["a"]);
    let server = Server::http(|_| Reply {
        body: Body::Endless,
        ..Reply::status(200)
    });
    let mut config = config(&server.url("/jwks"));
    config.http_timeout_s = 20.0;
    let verifier = verifier(config, &clock());
    let started = Instant::now();
    assert_eq!(
        problem(verifier.verify_access_token(&issuer.token("a")).await),
        ("jwks_error", Some(SourceProblem::BodyTooLarge))
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped reading early"
    );

    let large = format!("{{\"keys\":[],\"pad\":\"{}\"}}", "x".repeat(600 * 1024));
    server.set_handler(move |_| Reply::json(large.clone()));
    let keys = AsyncJwksClient::builder(config_for(&server))
        .clock(clock())
        .build()
        .expect("valid");
    assert_eq!(
        problem(keys.get_signing_keys(false).await),
        ("jwks_error", Some(SourceProblem::BodyTooLarge))
    );
}

fn config_for(server: &Server) -> AuthConfig {
    config(&server.url("/jwks"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_control_and_retry_after_reach_the_core() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let jwks = issuer.jwks(&["a"]);
    let server =
        Server::http(move |_| Reply::json(jwks.clone()).header("cache-control", "max-age=0"));
    let clock = clock();
    let verifier = verifier(config_for(&server), &clock);
    let token = issuer.token("a");
    verifier.verify_access_token(&token).await.expect("valid");
    clock.set(T0 + 10.0); // before the refresh-ahead window (the last 15 s of 30)
    verifier.verify_access_token(&token).await.expect("valid");
    assert_eq!(server.hits(), 1, "fresh for the cooldown");
    clock.set(T0 + 31.0);
    verifier.verify_access_token(&token).await.expect("valid");
    assert_eq!(
        server.hits(),
        2,
        "max-age=0 shortened freshness to the cooldown"
    );

    let unavailable = Server::http(|_| Reply::status(503).header("retry-after", "100"));
    let clock = self::clock();
    let verifier = self::verifier(config_for(&unavailable), &clock);
    assert_eq!(
        problem(verifier.verify_access_token(&token).await),
        ("jwks_fetch_failed", Some(SourceProblem::Status(503)))
    );
    assert_eq!(
        unavailable.hits(),
        1,
        "a response with Retry-After is not retried"
    );
    clock.set(T0 + 50.0);
    assert!(verifier.verify_access_token(&token).await.is_err());
    assert_eq!(
        unavailable.hits(),
        1,
        "Retry-After holds the next attempt back"
    );
    clock.set(T0 + 101.0);
    assert!(verifier.verify_access_token(&token).await.is_err());
    assert_eq!(unavailable.hits(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_uses_the_given_root_and_refuses_unknown_ones() {
    let ca = TestCa::new();
    let issuer = Arc::new(Issuer::new(&["a"]));
    let server = Server::https(&ca, serving(&issuer, &["a"]));
    let config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, server.url("/jwks"));

    let trusting = AsyncJwtVerifier::builder(config.clone())
        .clock(clock())
        .root_certificate_pem(ca.ca_pem())
        .build()
        .expect("valid");
    trusting
        .verify_access_token(&issuer.token("a"))
        .await
        .expect("valid over TLS");

    let system_roots = AsyncJwtVerifier::builder(config)
        .clock(clock())
        .build()
        .expect("valid");
    assert_eq!(
        problem(system_roots.verify_access_token(&issuer.token("a")).await),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(
        server.hits(),
        1,
        "no HTTP request without a trusted certificate"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_followed_only_where_the_core_allows() {
    let ca = TestCa::new();
    let issuer = Arc::new(Issuer::new(&["a"]));
    let plain = Server::http(serving(&issuer, &["a"]));
    let plain_url = plain.url("/jwks");
    let jwks = issuer.jwks(&["a"]);
    let server = Server::https(&ca, move |seen| match seen.path.as_str() {
        "/moved" => Reply::redirect(301, "/jwks"),
        "/to-http" => Reply::redirect(302, &plain_url),
        "/loop" => Reply::redirect(307, "/loop"),
        _ => Reply::json(jwks.clone()),
    });
    let build = |path: &str| {
        AsyncJwksClient::builder(AuthConfig::with_jwks_url(
            ISSUER,
            AUDIENCE,
            server.url(path),
        ))
        .clock(clock())
        .root_certificate_pem(ca.ca_pem())
        .build()
        .expect("valid")
    };

    assert!(build("/moved").healthcheck(false).await);
    assert_eq!(server.hits(), 2);

    assert_eq!(
        problem(build("/to-http").get_signing_keys(false).await),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(
        plain.hits(),
        0,
        "a redirect to plain http is never followed"
    );

    let before = server.hits();
    assert_eq!(
        problem(build("/loop").get_signing_keys(false).await),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(
        server.hits() - before,
        4,
        "the request and three redirects, once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_is_refused_by_default() {
    let config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "http://keys.example.test/jwks");
    match AsyncJwtVerifier::new(config) {
        Err(BuildError::Config(error)) => assert_eq!(error.field(), "jwks_url"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_root_certificates_and_conflicting_options_are_refused() {
    let config = config("http://127.0.0.1:1/jwks");
    assert!(matches!(
        AsyncJwtVerifier::builder(config.clone())
            .root_certificate_pem(b"not a certificate")
            .build(),
        Err(BuildError::RootCertificate(_))
    ));
    assert!(matches!(
        AsyncJwtVerifier::builder(config)
            .root_certificate_pem(TestCa::new().ca_pem())
            .http_client(plain_client())
            .build(),
        Err(BuildError::RootCertificateWithHttpClient)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callers_client_is_used() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let server = Server::http(serving(&issuer, &["a"]));
    let verifier = AsyncJwtVerifier::builder(config_for(&server))
        .http_client(plain_client())
        .clock(clock())
        .build()
        .expect("valid");
    verifier
        .verify_access_token(&issuer.token("a"))
        .await
        .expect("valid");
    assert_eq!(
        server.seen()[0]
            .headers
            .get("user-agent")
            .map(String::as_str),
        Some(USER_AGENT)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_request() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let jwks = issuer.jwks(&["a"]);
    let server =
        Server::http(move |_| Reply::json(jwks.clone()).delayed(Duration::from_millis(300)));
    let verifier = Arc::new(verifier(config_for(&server), &clock()));
    let token = Arc::new(issuer.token("a"));
    let start = Arc::new(tokio::sync::Barrier::new(64));
    let callers: Vec<_> = (0..64)
        .map(|_| {
            let (verifier, token, start) = (verifier.clone(), token.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                verifier
                    .verify_access_token(&token)
                    .await
                    .map(|claims| claims.issuer)
            })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.expect("no panic").as_deref(), Ok(ISSUER));
    }
    assert_eq!(server.hits(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_dropped_mid_fetch_does_not_wedge_the_refresh() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let jwks = issuer.jwks(&["a"]);
    let server =
        Server::http(move |_| Reply::json(jwks.clone()).delayed(Duration::from_millis(400)));
    let verifier = verifier(config_for(&server), &clock());
    let token = issuer.token("a");
    let impatient = tokio::time::timeout(
        Duration::from_millis(100),
        verifier.verify_access_token(&token),
    )
    .await;
    assert!(impatient.is_err(), "the caller gave up mid-fetch");
    verifier
        .verify_access_token(&token)
        .await
        .expect("the refresh went on");
    assert_eq!(
        server.hits(),
        1,
        "the second caller joined the same request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let verifier = verifier(config("http://127.0.0.1:1/jwks"), &clock());
    send(&verifier.verify_access_token("t"));
    send(&verifier.verify_access_token_as::<Value>("t"));
    send(&verifier.verify_authorization_header(None));
    send(&verifier.get_signing_keys(false));
    send(&verifier.get_signing_key("k", false));
    send(&verifier.healthcheck(false));
    send(&verifier.wait_for_refresh());
    send(&verifier.close());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_ahead_never_makes_the_caller_wait() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let server = Server::http(serving(&issuer, &["a"]));
    let clock = clock();
    let verifier = verifier(config_for(&server), &clock);
    let token = issuer.token("a");
    verifier.verify_access_token(&token).await.expect("valid");

    let jwks = issuer.jwks(&["a"]);
    server.set_handler(move |_| Reply::json(jwks.clone()).delayed(Duration::from_millis(800)));
    clock.set(T0 + 280.0);
    let started = Instant::now();
    verifier
        .verify_access_token(&token)
        .await
        .expect("answered from the cache");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    verifier.wait_for_refresh().await;
    assert_eq!(server.hits(), 2, "the refresh ran in the background");
    clock.set(T0 + 500.0);
    verifier
        .verify_access_token(&token)
        .await
        .expect("refreshed keys are fresh");
    assert_eq!(server.hits(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_stops_all_io() {
    let issuer = Arc::new(Issuer::new(&["a", "b"]));
    let server = Server::http(serving(&issuer, &["a"]));
    let clock = clock();
    let verifier = verifier(config_for(&server), &clock);
    let token = issuer.token("a");
    verifier.verify_access_token(&token).await.expect("valid");
    verifier.close().await;
    verifier
        .verify_access_token(&token)
        .await
        .expect("cached keys still serve");
    assert!(
        verifier.healthcheck(true).await,
        "a failed refresh keeps the cached keys"
    );
    clock.set(T0 + 31.0);
    assert_eq!(
        problem(verifier.verify_access_token(&issuer.token("b")).await),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(server.hits(), 1, "no request after close");
}

/// A clock that panics once, on the first reading after being armed by a
/// thread other than the caller's (the test's own: the refresh runs on a
/// runtime worker). A caller preempted between its readings, as on a loaded
/// machine, may read it after the arming too; that reading must not be the
/// one.
struct Treacherous {
    inner: ManualClock,
    armed: AtomicBool,
    caller: std::thread::ThreadId,
}

impl Clock for Treacherous {
    fn monotonic(&self) -> Instant {
        let refreshing = std::thread::current().id() != self.caller;
        if refreshing && self.armed.swap(false, Ordering::SeqCst) {
            panic!("the clock broke mid-refresh");
        }
        self.inner.monotonic()
    }

    fn wall(&self) -> UnixTime {
        self.inner.wall()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_mid_refresh_leaves_no_caller_waiting() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let clock = Arc::new(Treacherous {
        inner: ManualClock::new(Instant::now(), T0),
        armed: AtomicBool::new(false),
        caller: std::thread::current().id(),
    });
    let jwks = issuer.jwks(&["a"]);
    let arming = clock.clone();
    // Armed while the request is out: the next reading is the refresh
    // task's, after the answer, and it panics there.
    let server = Server::http(move |_| {
        arming.armed.store(true, Ordering::SeqCst);
        Reply::json(jwks.clone()).delayed(Duration::from_millis(300))
    });
    let verifier = AsyncJwtVerifier::builder(config_for(&server))
        .clock(clock)
        .build()
        .expect("valid");
    let answer = tokio::time::timeout(
        Duration::from_secs(5),
        verifier.verify_access_token(&issuer.token("a")),
    )
    .await
    .expect("the waiting caller was woken");
    assert_eq!(
        answer.map_err(|e| e.code()).err(),
        Some("jwks_fetch_failed")
    );
    assert_eq!(server.hits(), 1);
    verifier.wait_for_refresh().await;
}

/// While a refresh-ahead parses a heavy key set (100 RSA-16384 keys), a
/// verification with fresh keys must not wait for it: it would if the parse
/// held the lock verifications share. The check is relative: the longest
/// verification meanwhile stays under half the parse time (measured on this
/// machine), in at least one of three refreshes. The async driver reads
/// answers on the blocking pool, so the parse does not hold a worker either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_with_fresh_keys_never_waits_for_a_key_set_parse() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let token = issuer.token("a");
    let heavy = heavy_key_set(&issuer, "a");
    let parse = parse_time(&heavy, &token);
    assert!(
        parse >= Duration::from_millis(20),
        "too quick to tell: {parse:?}"
    );
    let light = issuer.jwks(&["a"]);
    let server = Server::http(move |_| Reply::json(light.clone()));
    let clock = clock();
    let verifier = verifier(config_for(&server), &clock);
    verifier.verify_access_token(&token).await.expect("valid");
    server.set_handler(move |_| Reply::json(heavy.clone()));
    let mut longest_each = Vec::new();
    for round in 1..=3 {
        // Into the refresh-ahead window of the keys fetched last.
        clock.set(T0 + 280.0 * f64::from(round));
        verifier
            .verify_access_token(&token)
            .await
            .expect("answered at once");
        // Verify all through a window covering the fetch and the parse (the
        // end of the refresh is looked at only after it: that takes the lock).
        let window = Instant::now() + parse * 3 + Duration::from_millis(200);
        let mut longest = Duration::ZERO;
        while Instant::now() < window || verifier.status().refreshing {
            let started = Instant::now();
            verifier
                .verify_access_token(&token)
                .await
                .expect("fresh keys answer");
            longest = longest.max(started.elapsed());
        }
        verifier.wait_for_refresh().await;
        assert_eq!(verifier.status().key_count, 100, "the heavy set was loaded");
        longest_each.push(longest);
        if longest < parse / 2 {
            return;
        }
    }
    panic!("verifications waited {longest_each:?} during parses of {parse:?}");
}
