//! The blocking driver against the test kit's scripted loopback server,
//! over plain HTTP and HTTPS.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use oidc_jwt_verifier_blocking::{
    AuthConfig, BuildError, Clock, JwksClient, JwtVerifier, ManualClock, UnixTime,
};
use oidc_jwt_verifier_core::{SourceProblem, USER_AGENT};
use oidc_jwt_verifier_testkit::{
    discovery_document, filler_rsa_jwks, jwks_of, Response, ScriptedServer, TestCa,
};
use serde_json::{json, Value};

mod support;
use support::*;

fn verifier(config: AuthConfig, clock: &Arc<ManualClock>) -> JwtVerifier {
    JwtVerifier::builder(config)
        .clock(clock.clone())
        .build()
        .expect("a valid configuration")
}

#[test]
fn verifiers_are_send_and_sync() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<JwtVerifier>();
    shared::<JwksClient>();
}

#[test]
fn happy_path_fetches_once_and_identifies_itself() {
    let a = key("a");
    let server = start();
    serve_keys(&server, JWKS, &[&a]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);

    let claims = verifier.verify_access_token(&token(&a)).expect("valid");
    assert_eq!(claims.subject.as_deref(), Some("user-1"));
    let header = format!("Bearer {}", token_with(&a, json!({"role": "admin"})));
    let claims = verifier
        .verify_authorization_header(Some(&header))
        .expect("valid");
    assert_eq!(claims.get("role"), Some(json!("admin")));
    let payload: Value = verifier.verify_access_token_as(&token(&a)).expect("valid");
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
            .unwrap_err()
            .code(),
        "missing_token"
    );
}

#[test]
fn key_operations_and_the_key_client() {
    let server = start();
    serve_keys(&server, JWKS, &[&key("a"), &key("b")]);
    let clock = clock();
    let keys = JwksClient::builder(config(&server, JWKS))
        .clock(clock.clone())
        .build()
        .expect("a valid configuration");

    assert!(keys.healthcheck(false));
    let mut kids: Vec<_> = keys
        .get_signing_keys(false)
        .expect("keys")
        .iter()
        .map(|key| key.kid().map(str::to_owned))
        .collect();
    kids.sort();
    assert_eq!(kids, [Some("a".to_owned()), Some("b".to_owned())]);
    assert_eq!(
        keys.get_signing_key("b", false).expect("b").kid(),
        Some("b")
    );
    assert_eq!(server.requests(JWKS), 1);
    assert!(keys.healthcheck(true), "refresh forces a fetch");
    assert_eq!(server.requests(JWKS), 2);
    assert_eq!(
        keys.get_signing_key("zz", false).unwrap_err().code(),
        "key_not_found"
    );
}

#[test]
fn rotation_is_picked_up_once_the_cooldown_allows() {
    let (old, new) = (key("old"), key("new"));
    let server = start();
    serve_keys(&server, JWKS, &[&old]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    verifier.verify_access_token(&token(&old)).expect("valid");

    serve_keys(&server, JWKS, &[&new]);
    clock.set(T0 + 10.0);
    assert_eq!(
        problem(verifier.verify_access_token(&token(&new))),
        ("key_not_found", None),
        "within the cooldown an unknown kid fetches nothing"
    );
    assert_eq!(server.requests(JWKS), 1);

    clock.set(T0 + 31.0);
    verifier
        .verify_access_token(&token(&new))
        .expect("rotated in");
    assert_eq!(server.requests(JWKS), 2);
    assert_eq!(
        problem(verifier.verify_access_token(&token(&old))),
        ("key_not_found", None),
        "a key that left the set is gone"
    );
}

#[test]
fn an_outage_is_served_from_stale_keys_then_fails() {
    let a = key("a");
    let server = start();
    serve_keys(&server, JWKS, &[&a]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    let token = token(&a);
    verifier.verify_access_token(&token).expect("valid");

    server.serve(JWKS, Response::empty(500)).expect("served");
    clock.set(T0 + 301.0);
    verifier
        .verify_access_token(&token)
        .expect("stale keys serve");
    assert!(verifier.healthcheck(false));
    clock.set(T0 + 300.0 + 3600.0 + 1.0);
    assert_eq!(
        problem(verifier.verify_access_token(&token)),
        ("jwks_fetch_failed", Some(SourceProblem::Status(500)))
    );
    assert!(!verifier.healthcheck(false));
}

#[test]
fn a_verification_past_the_stale_window_waits_for_the_refresh_it_starts() {
    let a = key("a");
    let server = start();
    serve_keys(&server, JWKS, &[&a]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    let token = token(&a);
    verifier.verify_access_token(&token).expect("valid");
    server.serve(JWKS, Response::empty(500)).expect("served");
    clock.set(T0 + 300.0 + 3600.0 + 1.0);
    assert_eq!(
        problem(verifier.verify_access_token(&token)),
        ("jwks_fetch_failed", Some(SourceProblem::Status(500)))
    );

    // The issuer is back: the first verification past the backoff starts a
    // refresh and is answered by it, not by the failure before it.
    serve_keys(&server, JWKS, &[&a]);
    clock.set(T0 + 300.0 + 3600.0 + 10.0);
    verifier
        .verify_access_token(&token)
        .expect("answered by the refresh it started");
    assert_eq!(
        server.requests(JWKS),
        4,
        "one fetch, two attempts, one fetch"
    );
}

#[test]
fn discovery_takes_two_requests_per_refresh() {
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
    let verifier = JwtVerifier::builder(config)
        .clock(clock())
        .build()
        .expect("valid");
    verifier
        .verify_access_token(&token(&a))
        .expect("keys found through discovery");
    assert_eq!((server.requests(discovery), server.requests(JWKS)), (1, 1));
}

#[test]
fn refused_connections_are_reported_as_such() {
    let server = start();
    // Mapped, never served: nothing listens on its port.
    let verifier = verifier(config(&server, "http://down.test/jwks"), &clock());
    assert_eq!(
        problem(verifier.verify_access_token(&token(&key("a")))),
        ("jwks_fetch_failed", Some(SourceProblem::Refused))
    );
}

#[test]
fn a_slow_key_source_times_out() {
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
        problem(verifier.verify_access_token(&token(&a))),
        ("jwks_fetch_failed", Some(SourceProblem::Timeout))
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn oversized_bodies_are_cut_at_the_limit() {
    let server = start();
    // 64 MiB of spaces with no content-length: the end is the close.
    let endless = Response::repeat(" ", 64 << 20).until_close();
    server.serve(JWKS, endless).expect("served");
    let mut config = config(&server, JWKS);
    config.http_timeout_s = 20.0;
    let verifier = verifier(config, &clock());
    let started = Instant::now();
    assert_eq!(
        problem(verifier.verify_access_token(&token(&key("a")))),
        ("jwks_error", Some(SourceProblem::BodyTooLarge))
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped reading early"
    );

    let large = format!("{{\"keys\":[],\"pad\":\"{}\"}}", "x".repeat(600 * 1024));
    server.serve(JWKS, Response::text(large)).expect("served");
    let keys = JwksClient::builder(self::config(&server, JWKS))
        .clock(clock())
        .build()
        .expect("valid");
    assert_eq!(
        problem(keys.get_signing_keys(false)),
        ("jwks_error", Some(SourceProblem::BodyTooLarge))
    );
}

#[test]
fn cache_control_and_retry_after_reach_the_core() {
    let a = key("a");
    let server = start();
    let short = Response::json(jwks_of(&[&a])).header("cache-control", "max-age=0");
    server.serve(JWKS, short).expect("served");
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    let token = token(&a);
    verifier.verify_access_token(&token).expect("valid");
    clock.set(T0 + 10.0); // before the refresh-ahead window (the last 15 s of 30)
    verifier.verify_access_token(&token).expect("valid");
    assert_eq!(server.requests(JWKS), 1, "fresh for the cooldown");
    clock.set(T0 + 31.0);
    verifier.verify_access_token(&token).expect("valid");
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
        problem(verifier.verify_access_token(&token)),
        ("jwks_fetch_failed", Some(SourceProblem::Status(503)))
    );
    assert_eq!(
        server.requests(unavailable),
        1,
        "a response with Retry-After is not retried"
    );
    clock.set(T0 + 50.0);
    assert!(verifier.verify_access_token(&token).is_err());
    assert_eq!(
        server.requests(unavailable),
        1,
        "Retry-After holds the next attempt back"
    );
    clock.set(T0 + 101.0);
    assert!(verifier.verify_access_token(&token).is_err());
    assert_eq!(server.requests(unavailable), 2);
}

#[test]
fn https_uses_the_given_root_and_refuses_unknown_ones() {
    let a = key("a");
    let server = start();
    let url = "https://keys.test/jwks";
    serve_keys(&server, url, &[&a]);
    let config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, server.map_url(url).expect("mapped"));

    let trusting = JwtVerifier::builder(config.clone())
        .clock(clock())
        .root_certificate_pem(server.ca_pem().as_bytes())
        .build()
        .expect("valid");
    trusting
        .verify_access_token(&token(&a))
        .expect("valid over TLS");

    let system_roots = JwtVerifier::builder(config)
        .clock(clock())
        .build()
        .expect("valid");
    assert_eq!(
        problem(system_roots.verify_access_token(&token(&a))),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(
        server.requests(url),
        1,
        "no HTTP request without a trusted certificate"
    );
}

#[test]
fn redirects_are_followed_only_where_the_core_allows() {
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
        JwksClient::builder(AuthConfig::with_jwks_url(
            ISSUER,
            AUDIENCE,
            server.map_url(url).expect("mapped"),
        ))
        .clock(clock())
        .root_certificate_pem(server.ca_pem().as_bytes())
        .build()
        .expect("valid")
    };

    assert!(build(moved).healthcheck(false));
    assert_eq!((server.requests(moved), server.requests(jwks)), (1, 1));

    assert_eq!(
        problem(build(to_http).get_signing_keys(false)),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(
        server.requests(plain),
        0,
        "a redirect to plain http is never followed"
    );

    assert_eq!(
        problem(build(looping).get_signing_keys(false)),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(
        server.requests(looping),
        4,
        "the request and three redirects, once"
    );
}

#[test]
fn plain_http_is_refused_by_default() {
    let config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "http://keys.example.test/jwks");
    match JwtVerifier::new(config) {
        Err(BuildError::Config(error)) => assert_eq!(error.field(), "jwks_url"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_root_certificates_and_conflicting_options_are_refused() {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "http://127.0.0.1:1/jwks");
    config.allow_insecure_http = true;
    assert!(matches!(
        JwtVerifier::builder(config.clone())
            .root_certificate_pem(b"not a certificate")
            .build(),
        Err(BuildError::RootCertificate(_))
    ));
    let agent = ureq::Agent::new_with_defaults();
    let ca = TestCa::generate().expect("a test CA");
    assert!(matches!(
        JwtVerifier::builder(config)
            .root_certificate_pem(ca.ca_pem().as_bytes())
            .http_client(agent)
            .build(),
        Err(BuildError::RootCertificateWithHttpClient)
    ));
}

#[test]
fn the_callers_agent_is_used() {
    let a = key("a");
    let server = start();
    serve_keys(&server, JWKS, &[&a]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(true)
        .max_redirects(5)
        .user_agent("someone-else")
        .build()
        .new_agent();
    let verifier = JwtVerifier::builder(config(&server, JWKS))
        .http_client(agent)
        .clock(clock())
        .build()
        .expect("valid");
    verifier.verify_access_token(&token(&a)).expect("valid");
    assert_eq!(
        server.recorded_requests(JWKS)[0].header("user-agent"),
        Some(USER_AGENT)
    );
}

#[test]
fn concurrent_callers_share_one_request() {
    let a = key("a");
    let server = start();
    let slow = Response::json(jwks_of(&[&a])).delayed(Duration::from_millis(300));
    server.serve(JWKS, slow).expect("served");
    let verifier = Arc::new(verifier(config(&server, JWKS), &clock()));
    let token = Arc::new(token(&a));
    let start = Arc::new(Barrier::new(64));
    let callers: Vec<_> = (0..64)
        .map(|_| {
            let (verifier, token, start) = (verifier.clone(), token.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                verifier
                    .verify_access_token(&token)
                    .map(|claims| claims.issuer)
            })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.join().expect("no panic").as_deref(), Ok(ISSUER));
    }
    assert_eq!(server.requests(JWKS), 1);
}

#[test]
fn refresh_ahead_never_makes_the_caller_wait() {
    let a = key("a");
    let server = start();
    serve_keys(&server, JWKS, &[&a]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    let token = token(&a);
    verifier.verify_access_token(&token).expect("valid");

    let slow = Response::json(jwks_of(&[&a])).delayed(Duration::from_millis(800));
    server.serve(JWKS, slow).expect("served");
    clock.set(T0 + 280.0);
    let started = Instant::now();
    verifier
        .verify_access_token(&token)
        .expect("answered from the cache");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    verifier.wait_for_refresh();
    assert_eq!(
        server.requests(JWKS),
        2,
        "the refresh ran in the background"
    );
    clock.set(T0 + 500.0);
    verifier
        .verify_access_token(&token)
        .expect("refreshed keys are fresh");
    assert_eq!(server.requests(JWKS), 2);
}

#[test]
fn close_stops_all_io() {
    let (a, b) = (key("a"), key("b"));
    let server = start();
    serve_keys(&server, JWKS, &[&a]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    let token = token(&a);
    verifier.verify_access_token(&token).expect("valid");
    verifier.close();
    verifier
        .verify_access_token(&token)
        .expect("cached keys still serve");
    assert!(
        verifier.healthcheck(true),
        "a failed refresh keeps the cached keys"
    );
    clock.set(T0 + 31.0);
    assert_eq!(
        problem(verifier.verify_access_token(&self::token(&b))),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(server.requests(JWKS), 1, "no request after close");
}

/// A clock that panics once, when read on the thread named "victim" after
/// the key server has received a request: the victim's first reading once
/// its request is out is the one after the answer, mid-refresh.
struct Treacherous {
    inner: ManualClock,
    server: Arc<ScriptedServer>,
    fired: AtomicBool,
}

impl Clock for Treacherous {
    fn monotonic(&self) -> Instant {
        let victim = std::thread::current().name() == Some("victim");
        if victim && self.server.requests(JWKS) > 0 && !self.fired.swap(true, Ordering::SeqCst) {
            panic!("the clock broke mid-refresh");
        }
        self.inner.monotonic()
    }

    fn wall(&self) -> UnixTime {
        self.inner.wall()
    }
}

#[test]
fn a_panic_mid_refresh_leaves_no_caller_waiting() {
    let a = key("a");
    let server = Arc::new(start());
    let slow = Response::json(jwks_of(&[&a])).delayed(Duration::from_millis(300));
    server.serve(JWKS, slow).expect("served");
    let clock = Arc::new(Treacherous {
        inner: ManualClock::new(Instant::now(), T0),
        server: Arc::clone(&server),
        fired: AtomicBool::new(false),
    });
    let verifier = Arc::new(
        JwtVerifier::builder(config(&server, JWKS))
            .clock(clock)
            .build()
            .expect("valid"),
    );
    let token = Arc::new(token(&a));
    let victim = {
        let (verifier, token) = (verifier.clone(), token.clone());
        std::thread::Builder::new()
            .name("victim".into())
            .spawn(move || verifier.verify_access_token(&token).is_ok())
            .expect("a thread")
    };
    while server.requests(JWKS) == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let waiter = {
        let (verifier, token) = (verifier.clone(), token.clone());
        std::thread::spawn(move || verifier.verify_access_token(&token).map_err(|e| e.code()))
    };
    assert!(victim.join().is_err(), "the clock panicked in the refresh");
    assert_eq!(waiter.join().expect("no panic"), Err("jwks_fetch_failed"));
    verifier.wait_for_refresh();
}

/// While a refresh-ahead loads a heavy key set (100 keys, 99 of them
/// RSA-16384), a verification with fresh keys must not wait for it: it
/// would if the parse held the lock verifications share. The check is
/// relative: the longest verification meanwhile stays under half the time a
/// forced refresh of that set takes on this machine (its fetch and parse,
/// best of three), in at least one of ten refreshes (a loaded machine may
/// preempt a verification now and then).
#[test]
fn a_verification_with_fresh_keys_never_waits_for_a_key_set_parse() {
    let a = key("a");
    let token = token(&a);
    let mut heavy = jwks_of(&[&a]);
    let fillers = filler_rsa_jwks(99, 16_384).expect("filler keys");
    heavy["keys"].as_array_mut().expect("keys").extend(fillers);
    let server = start();
    let heavy_url = "http://heavy.test/jwks";
    server.serve_json(heavy_url, heavy.clone()).expect("served");
    let keys = JwksClient::builder(config(&server, heavy_url))
        .build()
        .expect("valid");
    let refresh = refresh_time(&keys);
    assert!(
        refresh >= Duration::from_millis(5),
        "too quick to tell: {refresh:?}"
    );
    serve_keys(&server, JWKS, &[&a]);
    let clock = clock();
    let verifier = verifier(config(&server, JWKS), &clock);
    verifier.verify_access_token(&token).expect("valid");
    server.serve_json(JWKS, heavy).expect("served");
    let mut longest_each = Vec::new();
    for round in 1..=10 {
        // Into the refresh-ahead window of the keys fetched last.
        clock.set(T0 + 280.0 * f64::from(round));
        verifier
            .verify_access_token(&token)
            .expect("answered at once");
        // Verify all through a window covering the fetch and the parse (the
        // end of the refresh is looked at only after it: that takes the lock).
        let window = Instant::now() + refresh * 3 + Duration::from_millis(200);
        let mut longest = Duration::ZERO;
        while Instant::now() < window || verifier.status().refreshing {
            let started = Instant::now();
            verifier
                .verify_access_token(&token)
                .expect("fresh keys answer");
            longest = longest.max(started.elapsed());
        }
        verifier.wait_for_refresh();
        assert_eq!(verifier.status().key_count, 100, "the heavy set was loaded");
        longest_each.push(longest);
        if longest < refresh / 2 {
            return;
        }
    }
    panic!("verifications waited {longest_each:?} during refreshes of {refresh:?}");
}

/// How long a forced refresh of `keys`' key set takes, best of three.
fn refresh_time(keys: &JwksClient) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            keys.get_signing_keys(true).expect("the key set loads");
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}
