//! The async driver against the test kit's scripted loopback server, over
//! plain HTTP and HTTPS (served from std threads, so a stuck runtime cannot
//! hide a stuck server).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use oidc_jwt_verifier_async::HttpClient;
use oidc_jwt_verifier_async::{
    AsyncJwksClient, AsyncJwtVerifier, AuthConfig, BuildError, Clock, ManualClock, UnixTime,
};
use oidc_jwt_verifier_core::{SourceProblem, USER_AGENT};
use oidc_jwt_verifier_testkit::{
    discovery_document, filler_rsa_jwks, jwks_of, Response, ScriptedServer, TestCa,
};
use serde_json::{json, Value};

#[path = "../../transport-blocking/tests/support/mod.rs"]
mod support;
use support::*;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifiers_are_send_and_sync() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<AsyncJwtVerifier>();
    shared::<AsyncJwksClient>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_fetches_once_and_identifies_itself() {
    let a = key("a");
    let server = start();
    serve_keys(&server, JWKS, &[&a]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);

    let claims = verifier
        .verify_access_token(&token(&a))
        .await
        .expect("valid");
    assert_eq!(claims.subject.as_deref(), Some("user-1"));
    let header = format!("Bearer {}", token_with(&a, json!({"role": "admin"})));
    let claims = verifier
        .verify_authorization_header(Some(&header))
        .await
        .expect("valid");
    assert_eq!(claims.get("role"), Some(json!("admin")));
    let payload: Value = verifier
        .verify_access_token_as(&token(&a))
        .await
        .expect("valid");
    assert_eq!(payload["iss"], json!(ISSUER));

    assert_eq!(
        server.requests(JWKS),
        1,
        "fresh keys are used without a fetch"
    );
    let seen = server.recorded_requests(JWKS);
    assert_eq!(seen[0].target, "/jwks");
    assert_eq!(seen[0].header("user-agent"), Some(USER_AGENT));
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
    let server = start();
    serve_keys(&server, JWKS, &[&key("a"), &key("b")]);
    let clock = clock();
    let keys = AsyncJwksClient::builder(config(&server, JWKS))
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
    assert_eq!(server.requests(JWKS), 1);
    assert!(keys.healthcheck(true).await, "refresh forces a fetch");
    assert_eq!(server.requests(JWKS), 2);
    assert_eq!(
        keys.get_signing_key("zz", false).await.unwrap_err().code(),
        "key_not_found"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_is_picked_up_once_the_cooldown_allows() {
    let (old, new) = (key("old"), key("new"));
    let server = start();
    serve_keys(&server, JWKS, &[&old]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    verifier
        .verify_access_token(&token(&old))
        .await
        .expect("valid");

    serve_keys(&server, JWKS, &[&new]);
    clock.set(T0 + 10.0);
    assert_eq!(
        problem(verifier.verify_access_token(&token(&new)).await),
        ("key_not_found", None),
        "within the cooldown an unknown kid fetches nothing"
    );
    assert_eq!(server.requests(JWKS), 1);

    clock.set(T0 + 31.0);
    verifier
        .verify_access_token(&token(&new))
        .await
        .expect("rotated in");
    assert_eq!(server.requests(JWKS), 2);
    assert_eq!(
        problem(verifier.verify_access_token(&token(&old)).await),
        ("key_not_found", None),
        "a key that left the set is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_served_from_stale_keys_then_fails() {
    let a = key("a");
    let server = start();
    serve_keys(&server, JWKS, &[&a]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    let token = token(&a);
    verifier.verify_access_token(&token).await.expect("valid");

    server.serve(JWKS, Response::empty(500)).expect("served");
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
async fn a_verification_past_the_stale_window_waits_for_the_refresh_it_starts() {
    let a = key("a");
    let server = start();
    serve_keys(&server, JWKS, &[&a]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    let token = token(&a);
    verifier.verify_access_token(&token).await.expect("valid");
    server.serve(JWKS, Response::empty(500)).expect("served");
    clock.set(T0 + 300.0 + 3600.0 + 1.0);
    assert_eq!(
        problem(verifier.verify_access_token(&token).await),
        ("jwks_fetch_failed", Some(SourceProblem::Status(500)))
    );

    // The issuer is back: the first verification past the backoff starts a
    // refresh and is answered by it, not by the failure before it.
    serve_keys(&server, JWKS, &[&a]);
    clock.set(T0 + 300.0 + 3600.0 + 10.0);
    verifier
        .verify_access_token(&token)
        .await
        .expect("answered by the refresh it started");
    assert_eq!(
        server.requests(JWKS),
        4,
        "one fetch, two attempts, one fetch"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_takes_two_requests_per_refresh() {
    let a = key("a");
    let server = start();
    let discovery = "http://keys.test/.well-known/openid-configuration";
    // The server sends the document's `jwks_uri` as its loopback stand-in.
    server
        .serve_json(discovery, discovery_document(ISSUER, JWKS))
        .expect("served");
    serve_keys(&server, JWKS, &[&a]);
    let mut config = AuthConfig::with_discovery_url(
        ISSUER,
        AUDIENCE,
        server.map_url(discovery).expect("mapped"),
    );
    config.allow_insecure_http = true;
    let verifier = AsyncJwtVerifier::builder(config)
        .clock(clock())
        .build()
        .expect("valid");
    verifier
        .verify_access_token(&token(&a))
        .await
        .expect("keys found through discovery");
    assert_eq!((server.requests(discovery), server.requests(JWKS)), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_are_reported_as_such() {
    let server = start();
    // Mapped, never served: nothing listens on its port.
    let verifier = verifier(config(&server, "http://down.test/jwks"), &clock());
    assert_eq!(
        problem(verifier.verify_access_token(&token(&key("a"))).await),
        ("jwks_fetch_failed", Some(SourceProblem::Refused))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_key_source_times_out() {
    let a = key("a");
    let server = start();
    let slow = Response::json(jwks_of(&[&a])).delayed(Duration::from_secs(3));
    server.serve(JWKS, slow).expect("served");
    let mut config = config(&server, JWKS);
    config.http_timeout_s = 0.3;
    config.fetch_attempts = 1;
    let verifier = verifier(config, &clock());
    let started = Instant::now();
    assert_eq!(
        problem(verifier.verify_access_token(&token(&a)).await),
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
    let server = start();
    // 64 MiB of spaces with no content-length: the end is the close.
    let endless = Response::repeat(" ", 64 << 20).until_close();
    server.serve(JWKS, endless).expect("served");
    let mut config = config(&server, JWKS);
    config.http_timeout_s = 20.0;
    let verifier = verifier(config, &clock());
    let started = Instant::now();
    assert_eq!(
        problem(verifier.verify_access_token(&token(&key("a"))).await),
        ("jwks_error", Some(SourceProblem::BodyTooLarge))
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped reading early"
    );

    let large = format!("{{\"keys\":[],\"pad\":\"{}\"}}", "x".repeat(600 * 1024));
    server.serve(JWKS, Response::text(large)).expect("served");
    let keys = AsyncJwksClient::builder(self::config(&server, JWKS))
        .clock(clock())
        .build()
        .expect("valid");
    assert_eq!(
        problem(keys.get_signing_keys(false).await),
        ("jwks_error", Some(SourceProblem::BodyTooLarge))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_control_and_retry_after_reach_the_core() {
    let a = key("a");
    let server = start();
    let short = Response::json(jwks_of(&[&a])).header("cache-control", "max-age=0");
    server.serve(JWKS, short).expect("served");
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    let token = token(&a);
    verifier.verify_access_token(&token).await.expect("valid");
    clock.set(T0 + 10.0); // before the refresh-ahead window (the last 15 s of 30)
    verifier.verify_access_token(&token).await.expect("valid");
    assert_eq!(server.requests(JWKS), 1, "fresh for the cooldown");
    clock.set(T0 + 31.0);
    verifier.verify_access_token(&token).await.expect("valid");
    assert_eq!(
        server.requests(JWKS),
        2,
        "max-age=0 shortened freshness to the cooldown"
    );

    let unavailable = "http://busy.test/jwks";
    let busy = Response::empty(503).header("retry-after", "100");
    server.serve(unavailable, busy).expect("served");
    let clock = self::clock();
    let verifier = self::verifier(config(&server, unavailable), &clock);
    assert_eq!(
        problem(verifier.verify_access_token(&token).await),
        ("jwks_fetch_failed", Some(SourceProblem::Status(503)))
    );
    assert_eq!(
        server.requests(unavailable),
        1,
        "a response with Retry-After is not retried"
    );
    clock.set(T0 + 50.0);
    assert!(verifier.verify_access_token(&token).await.is_err());
    assert_eq!(
        server.requests(unavailable),
        1,
        "Retry-After holds the next attempt back"
    );
    clock.set(T0 + 101.0);
    assert!(verifier.verify_access_token(&token).await.is_err());
    assert_eq!(server.requests(unavailable), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_uses_the_given_root_and_refuses_unknown_ones() {
    let a = key("a");
    let server = start();
    let url = "https://keys.test/jwks";
    serve_keys(&server, url, &[&a]);
    let config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, server.map_url(url).expect("mapped"));

    let trusting = AsyncJwtVerifier::builder(config.clone())
        .clock(clock())
        .root_certificate_pem(server.ca_pem().as_bytes())
        .build()
        .expect("valid");
    trusting
        .verify_access_token(&token(&a))
        .await
        .expect("valid over TLS");

    let system_roots = AsyncJwtVerifier::builder(config)
        .clock(clock())
        .build()
        .expect("valid");
    assert_eq!(
        problem(system_roots.verify_access_token(&token(&a)).await),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(
        server.requests(url),
        1,
        "no HTTP request without a trusted certificate"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_followed_only_where_the_core_allows() {
    let a = key("a");
    let server = start();
    let (moved, to_http, looping) = (
        "https://keys.test/moved",
        "https://keys.test/to-http",
        "https://keys.test/loop",
    );
    let (jwks, plain) = ("https://keys.test/jwks", "http://plain.test/jwks");
    serve_keys(&server, jwks, &[&a]);
    serve_keys(&server, plain, &[&a]);
    // The server sends each `Location` as its loopback stand-in.
    let redirects = [
        (moved, Response::redirect(301, "/jwks")),
        (to_http, Response::redirect(302, plain)),
        (looping, Response::redirect(307, "/loop")),
    ];
    for (url, redirect) in redirects {
        server.serve(url, redirect).expect("served");
    }
    let build = |url: &str| {
        AsyncJwksClient::builder(AuthConfig::with_jwks_url(
            ISSUER,
            AUDIENCE,
            server.map_url(url).expect("mapped"),
        ))
        .clock(clock())
        .root_certificate_pem(server.ca_pem().as_bytes())
        .build()
        .expect("valid")
    };

    assert!(build(moved).healthcheck(false).await);
    assert_eq!((server.requests(moved), server.requests(jwks)), (1, 1));

    assert_eq!(
        problem(build(to_http).get_signing_keys(false).await),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(
        server.requests(plain),
        0,
        "a redirect to plain http is never followed"
    );

    assert_eq!(
        problem(build(looping).get_signing_keys(false).await),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(
        server.requests(looping),
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
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "http://127.0.0.1:1/jwks");
    config.allow_insecure_http = true;
    assert!(matches!(
        AsyncJwtVerifier::builder(config.clone())
            .root_certificate_pem(b"not a certificate")
            .build(),
        Err(BuildError::RootCertificate(_))
    ));
    let ca = TestCa::generate().expect("a test CA");
    assert!(matches!(
        AsyncJwtVerifier::builder(config)
            .root_certificate_pem(ca.ca_pem().as_bytes())
            .http_client(plain_client())
            .build(),
        Err(BuildError::RootCertificateWithHttpClient)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callers_client_is_used() {
    let a = key("a");
    let server = start();
    serve_keys(&server, JWKS, &[&a]);
    let verifier = AsyncJwtVerifier::builder(config(&server, JWKS))
        .http_client(plain_client())
        .clock(clock())
        .build()
        .expect("valid");
    verifier
        .verify_access_token(&token(&a))
        .await
        .expect("valid");
    assert_eq!(
        server.recorded_requests(JWKS)[0].header("user-agent"),
        Some(USER_AGENT)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_request() {
    let a = key("a");
    let server = start();
    let slow = Response::json(jwks_of(&[&a])).delayed(Duration::from_millis(300));
    server.serve(JWKS, slow).expect("served");
    let verifier = Arc::new(verifier(config(&server, JWKS), &clock()));
    let token = Arc::new(token(&a));
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
    assert_eq!(server.requests(JWKS), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_dropped_mid_fetch_does_not_wedge_the_refresh() {
    let a = key("a");
    let server = start();
    let slow = Response::json(jwks_of(&[&a])).delayed(Duration::from_millis(400));
    server.serve(JWKS, slow).expect("served");
    let verifier = verifier(config(&server, JWKS), &clock());
    let token = token(&a);
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
        server.requests(JWKS),
        1,
        "the second caller joined the same request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "http://127.0.0.1:1/jwks");
    config.allow_insecure_http = true;
    let verifier = verifier(config, &clock());
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
    let a = key("a");
    let server = start();
    serve_keys(&server, JWKS, &[&a]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    let token = token(&a);
    verifier.verify_access_token(&token).await.expect("valid");

    let slow = Response::json(jwks_of(&[&a])).delayed(Duration::from_millis(800));
    server.serve(JWKS, slow).expect("served");
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
    assert_eq!(
        server.requests(JWKS),
        2,
        "the refresh ran in the background"
    );
    clock.set(T0 + 500.0);
    verifier
        .verify_access_token(&token)
        .await
        .expect("refreshed keys are fresh");
    assert_eq!(server.requests(JWKS), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_stops_all_io() {
    let (a, b) = (key("a"), key("b"));
    let server = start();
    serve_keys(&server, JWKS, &[&a]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    let token = token(&a);
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
        problem(verifier.verify_access_token(&self::token(&b)).await),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(server.requests(JWKS), 1, "no request after close");
}

/// A clock that panics once, on its first reading after the key server has
/// received a request by a thread other than the caller's (the test's own:
/// the refresh runs on a runtime worker): the refresh task's, after the
/// answer. A caller preempted between its readings, as on a loaded machine,
/// may read it after the request too; that reading must not be the one.
struct Treacherous {
    inner: ManualClock,
    server: Arc<ScriptedServer>,
    fired: AtomicBool,
    caller: std::thread::ThreadId,
}

impl Clock for Treacherous {
    fn monotonic(&self) -> Instant {
        let refreshing = std::thread::current().id() != self.caller;
        if refreshing && self.server.requests(JWKS) > 0 && !self.fired.swap(true, Ordering::SeqCst)
        {
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
    let a = key("a");
    let server = Arc::new(start());
    // The request is out while the answer is delayed: the next clock
    // reading is the refresh task's, after the answer, and it panics there.
    let slow = Response::json(jwks_of(&[&a])).delayed(Duration::from_millis(300));
    server.serve(JWKS, slow).expect("served");
    let clock = Arc::new(Treacherous {
        inner: ManualClock::new(Instant::now(), T0),
        server: Arc::clone(&server),
        fired: AtomicBool::new(false),
        caller: std::thread::current().id(),
    });
    let verifier = AsyncJwtVerifier::builder(config(&server, JWKS))
        .clock(clock)
        .build()
        .expect("valid");
    let answer = tokio::time::timeout(
        Duration::from_secs(5),
        verifier.verify_access_token(&token(&a)),
    )
    .await
    .expect("the waiting caller was woken");
    assert_eq!(
        answer.map_err(|e| e.code()).err(),
        Some("jwks_fetch_failed")
    );
    assert_eq!(server.requests(JWKS), 1);
    verifier.wait_for_refresh().await;
}

/// While a refresh-ahead loads a heavy key set (100 keys, 99 of them
/// RSA-16384), a verification with fresh keys must not wait for it: it
/// would if the parse held the lock verifications share. The check is
/// relative: the longest verification meanwhile stays under half the time a
/// forced refresh of that set takes on this machine (its fetch and parse,
/// best of three), in at least one of ten refreshes (a loaded machine may
/// preempt a verification now and then). The async driver
/// reads answers on the blocking pool, so the parse does not hold a worker
/// either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_with_fresh_keys_never_waits_for_a_key_set_parse() {
    let a = key("a");
    let token = token(&a);
    let mut heavy = jwks_of(&[&a]);
    let fillers = filler_rsa_jwks(99, 16_384).expect("filler keys");
    heavy["keys"].as_array_mut().expect("keys").extend(fillers);
    let server = start();
    let heavy_url = "http://heavy.test/jwks";
    server.serve_json(heavy_url, heavy.clone()).expect("served");
    let keys = AsyncJwksClient::builder(config(&server, heavy_url))
        .build()
        .expect("valid");
    let refresh = refresh_time(&keys).await;
    assert!(
        refresh >= Duration::from_millis(5),
        "too quick to tell: {refresh:?}"
    );
    serve_keys(&server, JWKS, &[&a]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    verifier.verify_access_token(&token).await.expect("valid");
    server.serve_json(JWKS, heavy).expect("served");
    let mut longest_each = Vec::new();
    for round in 1..=10 {
        // Into the refresh-ahead window of the keys fetched last.
        clock.set(T0 + 280.0 * f64::from(round));
        verifier
            .verify_access_token(&token)
            .await
            .expect("answered at once");
        // Verify all through a window covering the fetch and the parse (the
        // end of the refresh is looked at only after it: that takes the lock).
        let window = Instant::now() + refresh * 3 + Duration::from_millis(200);
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
        if longest < refresh / 2 {
            return;
        }
    }
    panic!("verifications waited {longest_each:?} during refreshes of {refresh:?}");
}

/// How long a forced refresh of `keys`' key set takes, best of three.
async fn refresh_time(keys: &AsyncJwksClient) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        keys.get_signing_keys(true)
            .await
            .expect("the key set loads");
        best = best.min(started.elapsed());
    }
    best
}
