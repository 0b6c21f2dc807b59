//! The blocking driver against loopback HTTP and HTTPS servers.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use oidc_jwt_verifier_blocking::{
    AuthConfig, AuthError, BuildError, Clock, JwksClient, JwtVerifier, ManualClock, UnixTime,
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

fn verifier(config: AuthConfig, clock: &Arc<ManualClock>) -> JwtVerifier {
    JwtVerifier::builder(config)
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

#[test]
fn verifiers_are_send_and_sync() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<JwtVerifier>();
    shared::<JwksClient>();
}

#[test]
fn happy_path_fetches_once_and_identifies_itself() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let server = Server::http(serving(&issuer, &["a"]));
    let clock = clock();
    let verifier = verifier(config(&server.url("/jwks")), &clock);

    let claims = verifier
        .verify_access_token(&issuer.token("a"))
        .expect("valid");
    assert_eq!(claims.subject.as_deref(), Some("user-1"));
    let header = format!(
        "Bearer {}",
        issuer.token_with("a", json!({"role": "admin"}))
    );
    let claims = verifier
        .verify_authorization_header(Some(&header))
        .expect("valid");
    assert_eq!(claims.get("role"), Some(json!("admin")));
    let payload: Value = verifier
        .verify_access_token_as(&issuer.token("a"))
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
            .unwrap_err()
            .code(),
        "missing_token"
    );
}

#[test]
fn key_operations_and_the_key_client() {
    let issuer = Arc::new(Issuer::new(&["a", "b"]));
    let server = Server::http(serving(&issuer, &["a", "b"]));
    let clock = clock();
    let keys = JwksClient::builder(config(&server.url("/jwks")))
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
    assert_eq!(server.hits(), 1);
    assert!(keys.healthcheck(true), "refresh forces a fetch");
    assert_eq!(server.hits(), 2);
    assert_eq!(
        keys.get_signing_key("zz", false).unwrap_err().code(),
        "key_not_found"
    );
}

#[test]
fn rotation_is_picked_up_once_the_cooldown_allows() {
    let issuer = Arc::new(Issuer::new(&["old", "new"]));
    let server = Server::http(serving(&issuer, &["old"]));
    let clock = clock();
    let verifier = verifier(config(&server.url("/jwks")), &clock);
    verifier
        .verify_access_token(&issuer.token("old"))
        .expect("valid");

    server.set_handler(serving(&issuer, &["new"]));
    clock.set(T0 + 10.0);
    assert_eq!(
        problem(verifier.verify_access_token(&issuer.token("new"))),
        ("key_not_found", None),
        "within the cooldown an unknown kid fetches nothing"
    );
    assert_eq!(server.hits(), 1);

    clock.set(T0 + 31.0);
    verifier
        .verify_access_token(&issuer.token("new"))
        .expect("rotated in");
    assert_eq!(server.hits(), 2);
    assert_eq!(
        problem(verifier.verify_access_token(&issuer.token("old"))),
        ("key_not_found", None),
        "a key that left the set is gone"
    );
}

#[test]
fn an_outage_is_served_from_stale_keys_then_fails() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let server = Server::http(serving(&issuer, &["a"]));
    let clock = clock();
    let verifier = verifier(config(&server.url("/jwks")), &clock);
    let token = issuer.token("a");
    verifier.verify_access_token(&token).expect("valid");

    server.set_handler(|_| Reply::status(500));
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
fn discovery_takes_two_requests_per_refresh() {
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
    let verifier = JwtVerifier::builder(config)
        .clock(clock())
        .build()
        .expect("valid");
    verifier
        .verify_access_token(&issuer.token("a"))
        .expect("keys found through discovery");
    let paths: Vec<String> = server.seen().into_iter().map(|seen| seen.path).collect();
    assert_eq!(paths, ["/.well-known/openid-configuration", "/jwks"]);
}

#[test]
fn refused_connections_are_reported_as_such() {
    let issuer = Issuer::new(&["a"]);
    let verifier = verifier(config(&closed_port_url("/jwks")), &clock());
    assert_eq!(
        problem(verifier.verify_access_token(&issuer.token("a"))),
        ("jwks_fetch_failed", Some(SourceProblem::Refused))
    );
}

#[test]
fn a_slow_key_source_times_out() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let jwks = issuer.jwks(&["a"]);
    let server = Server::http(move |_| Reply::json(jwks.clone()).delayed(Duration::from_secs(3)));
    let mut config = config(&server.url("/jwks"));
    config.http_timeout_s = 0.3;
    config.fetch_attempts = 1;
    let verifier = verifier(config, &clock());
    let started = Instant::now();
    assert_eq!(
        problem(verifier.verify_access_token(&issuer.token("a"))),
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
        problem(verifier.verify_access_token(&issuer.token("a"))),
        ("jwks_error", Some(SourceProblem::BodyTooLarge))
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped reading early"
    );

    let large = format!("{{\"keys\":[],\"pad\":\"{}\"}}", "x".repeat(600 * 1024));
    server.set_handler(move |_| Reply::json(large.clone()));
    let keys = JwksClient::builder(config_for(&server))
        .clock(clock())
        .build()
        .expect("valid");
    assert_eq!(
        problem(keys.get_signing_keys(false)),
        ("jwks_error", Some(SourceProblem::BodyTooLarge))
    );
}

fn config_for(server: &Server) -> AuthConfig {
    config(&server.url("/jwks"))
}

#[test]
fn cache_control_and_retry_after_reach_the_core() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let jwks = issuer.jwks(&["a"]);
    let server =
        Server::http(move |_| Reply::json(jwks.clone()).header("cache-control", "max-age=0"));
    let clock = clock();
    let verifier = verifier(config_for(&server), &clock);
    let token = issuer.token("a");
    verifier.verify_access_token(&token).expect("valid");
    clock.set(T0 + 10.0); // before the refresh-ahead window (the last 15 s of 30)
    verifier.verify_access_token(&token).expect("valid");
    assert_eq!(server.hits(), 1, "fresh for the cooldown");
    clock.set(T0 + 31.0);
    verifier.verify_access_token(&token).expect("valid");
    assert_eq!(
        server.hits(),
        2,
        "max-age=0 shortened freshness to the cooldown"
    );

    let unavailable = Server::http(|_| Reply::status(503).header("retry-after", "100"));
    let clock = self::clock();
    let verifier = self::verifier(config_for(&unavailable), &clock);
    assert_eq!(
        problem(verifier.verify_access_token(&token)),
        ("jwks_fetch_failed", Some(SourceProblem::Status(503)))
    );
    assert_eq!(
        unavailable.hits(),
        1,
        "a response with Retry-After is not retried"
    );
    clock.set(T0 + 50.0);
    assert!(verifier.verify_access_token(&token).is_err());
    assert_eq!(
        unavailable.hits(),
        1,
        "Retry-After holds the next attempt back"
    );
    clock.set(T0 + 101.0);
    assert!(verifier.verify_access_token(&token).is_err());
    assert_eq!(unavailable.hits(), 2);
}

#[test]
fn https_uses_the_given_root_and_refuses_unknown_ones() {
    let ca = TestCa::new();
    let issuer = Arc::new(Issuer::new(&["a"]));
    let server = Server::https(&ca, serving(&issuer, &["a"]));
    let config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, server.url("/jwks"));

    let trusting = JwtVerifier::builder(config.clone())
        .clock(clock())
        .root_certificate_pem(ca.ca_pem())
        .build()
        .expect("valid");
    trusting
        .verify_access_token(&issuer.token("a"))
        .expect("valid over TLS");

    let system_roots = JwtVerifier::builder(config)
        .clock(clock())
        .build()
        .expect("valid");
    assert_eq!(
        problem(system_roots.verify_access_token(&issuer.token("a"))),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(
        server.hits(),
        1,
        "no HTTP request without a trusted certificate"
    );
}

#[test]
fn redirects_are_followed_only_where_the_core_allows() {
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
        JwksClient::builder(AuthConfig::with_jwks_url(
            ISSUER,
            AUDIENCE,
            server.url(path),
        ))
        .clock(clock())
        .root_certificate_pem(ca.ca_pem())
        .build()
        .expect("valid")
    };

    assert!(build("/moved").healthcheck(false));
    assert_eq!(server.hits(), 2);

    assert_eq!(
        problem(build("/to-http").get_signing_keys(false)),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(
        plain.hits(),
        0,
        "a redirect to plain http is never followed"
    );

    let before = server.hits();
    assert_eq!(
        problem(build("/loop").get_signing_keys(false)),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(
        server.hits() - before,
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
    let config = config("http://127.0.0.1:1/jwks");
    assert!(matches!(
        JwtVerifier::builder(config.clone())
            .root_certificate_pem(b"not a certificate")
            .build(),
        Err(BuildError::RootCertificate(_))
    ));
    let agent = ureq::Agent::new_with_defaults();
    assert!(matches!(
        JwtVerifier::builder(config)
            .root_certificate_pem(TestCa::new().ca_pem())
            .http_client(agent)
            .build(),
        Err(BuildError::RootCertificateWithHttpClient)
    ));
}

#[test]
fn the_callers_agent_is_used() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let server = Server::http(serving(&issuer, &["a"]));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(true)
        .max_redirects(5)
        .user_agent("someone-else")
        .build()
        .new_agent();
    let verifier = JwtVerifier::builder(config_for(&server))
        .http_client(agent)
        .clock(clock())
        .build()
        .expect("valid");
    verifier
        .verify_access_token(&issuer.token("a"))
        .expect("valid");
    assert_eq!(
        server.seen()[0]
            .headers
            .get("user-agent")
            .map(String::as_str),
        Some(USER_AGENT)
    );
}

#[test]
fn concurrent_callers_share_one_request() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let jwks = issuer.jwks(&["a"]);
    let server =
        Server::http(move |_| Reply::json(jwks.clone()).delayed(Duration::from_millis(300)));
    let verifier = Arc::new(verifier(config_for(&server), &clock()));
    let token = Arc::new(issuer.token("a"));
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
    assert_eq!(server.hits(), 1);
}

#[test]
fn refresh_ahead_never_makes_the_caller_wait() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let server = Server::http(serving(&issuer, &["a"]));
    let clock = clock();
    let verifier = verifier(config_for(&server), &clock);
    let token = issuer.token("a");
    verifier.verify_access_token(&token).expect("valid");

    let jwks = issuer.jwks(&["a"]);
    server.set_handler(move |_| Reply::json(jwks.clone()).delayed(Duration::from_millis(800)));
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
    assert_eq!(server.hits(), 2, "the refresh ran in the background");
    clock.set(T0 + 500.0);
    verifier
        .verify_access_token(&token)
        .expect("refreshed keys are fresh");
    assert_eq!(server.hits(), 2);
}

#[test]
fn close_stops_all_io() {
    let issuer = Arc::new(Issuer::new(&["a", "b"]));
    let server = Server::http(serving(&issuer, &["a"]));
    let clock = clock();
    let verifier = verifier(config_for(&server), &clock);
    let token = issuer.token("a");
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
        problem(verifier.verify_access_token(&issuer.token("b"))),
        ("jwks_fetch_failed", Some(SourceProblem::Transport))
    );
    assert_eq!(server.hits(), 1, "no request after close");
}

/// A clock that panics once, when read on the thread named "victim" after
/// being armed.
struct Treacherous {
    inner: ManualClock,
    armed: AtomicBool,
}

impl Clock for Treacherous {
    fn monotonic(&self) -> Instant {
        let victim = std::thread::current().name() == Some("victim");
        if victim && self.armed.swap(false, Ordering::SeqCst) {
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
    let issuer = Arc::new(Issuer::new(&["a"]));
    let clock = Arc::new(Treacherous {
        inner: ManualClock::new(Instant::now(), T0),
        armed: AtomicBool::new(false),
    });
    let jwks = issuer.jwks(&["a"]);
    let arming = clock.clone();
    let server = Server::http(move |_| {
        arming.armed.store(true, Ordering::SeqCst);
        Reply::json(jwks.clone()).delayed(Duration::from_millis(300))
    });
    let verifier = Arc::new(
        JwtVerifier::builder(config_for(&server))
            .clock(clock)
            .build()
            .expect("valid"),
    );
    let token = Arc::new(issuer.token("a"));
    let victim = {
        let (verifier, token) = (verifier.clone(), token.clone());
        std::thread::Builder::new()
            .name("victim".into())
            .spawn(move || verifier.verify_access_token(&token).is_ok())
            .expect("a thread")
    };
    while server.hits() == 0 {
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

/// While a refresh-ahead parses a heavy key set (100 RSA-16384 keys), a
/// verification with fresh keys must not wait for it: it would if the parse
/// held the lock verifications share. The check is relative: the longest
/// verification meanwhile stays under half the parse time (measured on this
/// machine), in at least one of three refreshes.
#[test]
fn a_verification_with_fresh_keys_never_waits_for_a_key_set_parse() {
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
    verifier.verify_access_token(&token).expect("valid");
    server.set_handler(move |_| Reply::json(heavy.clone()));
    let mut longest_each = Vec::new();
    for round in 1..=3 {
        // Into the refresh-ahead window of the keys fetched last.
        clock.set(T0 + 280.0 * f64::from(round));
        verifier
            .verify_access_token(&token)
            .expect("answered at once");
        // Verify all through a window covering the fetch and the parse (the
        // end of the refresh is looked at only after it: that takes the lock).
        let window = Instant::now() + parse * 3 + Duration::from_millis(200);
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
        if longest < parse / 2 {
            return;
        }
    }
    panic!("verifications waited {longest_each:?} during parses of {parse:?}");
}
