//! docs/rules.md, "Fetching and caching": each rule and boundary, driven
//! through the public Sans-IO API with scripted endpoints and a hand-moved
//! clock.

use std::sync::OnceLock;

use crate::world::{jwks, Key, Script, World, AUDIENCE, ISSUER, JWKS_URL, T0};
use oidc_jwt_verifier_core::{
    AuthConfig, AuthError, HttpResponse, Progress, Query, SourceProblem, TransportKind,
};
use serde_json::json;

const DISCOVERY_URL: &str = "https://id.example.test/.well-known/openid-configuration";

fn keys() -> &'static [Key; 3] {
    static KEYS: OnceLock<[Key; 3]> = OnceLock::new();
    KEYS.get_or_init(|| [Key::rsa("k1"), Key::rsa("k2"), Key::rsa("k3")])
}

fn k1() -> &'static Key {
    &keys()[0]
}
fn k2() -> &'static Key {
    &keys()[1]
}

fn world_serving(keys: &[&Key]) -> World {
    let mut world = World::standard();
    world.serve(JWKS_URL, Script::json(&jwks(keys)));
    world
}

fn configured(edit: impl FnOnce(&mut AuthConfig)) -> World {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, JWKS_URL);
    edit(&mut config);
    World::new(config)
}

fn fetch_failed(problem: SourceProblem) -> AuthError {
    AuthError::JwksFetchFailed(problem.into())
}

#[test]
fn the_first_verification_fetches_once_then_fresh_keys_answer_without_fetching() {
    let mut world = world_serving(&[k1()]);
    let token = k1().token(T0);
    assert_eq!(
        world.verify(&token).unwrap().subject.as_deref(),
        Some("alice")
    );
    world.advance(100.0);
    assert!(world.verify(&token).is_ok());
    assert_eq!(world.fetched(JWKS_URL), 1);
}

#[test]
fn keys_are_fresh_until_exactly_fetched_plus_ttl() {
    let mut world = configured(|c| c.refresh_ahead_s = 0.0);
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    let token = k1().token(T0);
    world.verify(&token).unwrap();
    world.at(T0 + 299.999);
    world.verify(&token).unwrap();
    assert_eq!(world.fetched(JWKS_URL), 1);
    world.at(T0 + 300.0);
    world.verify(&token).unwrap();
    assert_eq!(world.fetched(JWKS_URL), 2);
}

#[test]
fn cache_control_max_age_shortens_freshness_but_never_below_the_cooldown() {
    let mut world = configured(|c| c.refresh_ahead_s = 0.0);
    world.serve(
        JWKS_URL,
        Script::json(&jwks(&[k1()])).with_header("Cache-Control", "max-age=5"),
    );
    let token = k1().token(T0);
    world.verify(&token).unwrap();
    world.at(T0 + 29.9);
    world.verify(&token).unwrap();
    assert_eq!(
        world.fetched(JWKS_URL),
        1,
        "max-age below the cooldown counts as the cooldown"
    );
    world.at(T0 + 30.0);
    world.verify(&token).unwrap();
    assert_eq!(world.fetched(JWKS_URL), 2);

    let mut world = configured(|c| c.refresh_ahead_s = 0.0);
    world.serve(
        JWKS_URL,
        Script::json(&jwks(&[k1()])).with_header("cache-control", "no-store"),
    );
    world.verify(&token).unwrap();
    world.at(T0 + 30.0);
    world.verify(&token).unwrap();
    assert_eq!(world.fetched(JWKS_URL), 2);
}

#[test]
fn an_unknown_kid_refetches_once_per_cooldown() {
    let mut world = world_serving(&[k1()]);
    world.verify(&k1().token(T0)).unwrap();
    let rotated = k2().token(T0);
    world.at(T0 + 29.999);
    assert_eq!(world.verify(&rotated), Err(AuthError::KeyNotFound));
    assert_eq!(
        world.fetched(JWKS_URL),
        1,
        "inside the cooldown nothing is fetched"
    );

    world.serve(JWKS_URL, Script::json(&jwks(&[k1(), k2()])));
    world.at(T0 + 30.0);
    assert!(world.verify(&rotated).is_ok());
    assert_eq!(world.fetched(JWKS_URL), 2);

    let forged = keys()[2].sign_with_kid(Some("never-published"), &json!({}));
    assert_eq!(world.verify(&forged), Err(AuthError::KeyNotFound));
    world.at(T0 + 59.0);
    assert_eq!(world.verify(&forged), Err(AuthError::KeyNotFound));
    assert_eq!(
        world.fetched(JWKS_URL),
        2,
        "a fetch just now counts as the cooldown"
    );
    world.at(T0 + 60.0);
    assert_eq!(world.verify(&forged), Err(AuthError::KeyNotFound));
    assert_eq!(world.fetched(JWKS_URL), 3);
}

#[test]
fn an_ambiguous_kid_is_key_not_found_after_a_refetch() {
    let twin = Key::rsa("k1");
    let mut world = world_serving(&[k1(), &twin]);
    world.advance(0.0);
    assert_eq!(world.verify(&k1().token(T0)), Err(AuthError::KeyNotFound));
    assert_eq!(world.fetched(JWKS_URL), 1);
}

#[test]
fn a_kid_less_token_needs_exactly_one_fitting_key_when_kid_is_optional() {
    let mut world = configured(|c| c.require_kid = false);
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    let claims = json!({"iss": ISSUER, "aud": AUDIENCE, "exp": T0 + 60.0});
    assert!(world.verify(&k1().sign_with_kid(None, &claims)).is_ok());

    let mut world = configured(|c| c.require_kid = false);
    world.serve(JWKS_URL, Script::json(&jwks(&[k1(), k2()])));
    assert_eq!(
        world.verify(&k1().sign_with_kid(None, &claims)),
        Err(AuthError::MissingKid)
    );
    assert_eq!(world.fetched(JWKS_URL), 1);
}

#[test]
fn a_successful_fetch_replaces_the_whole_key_set() {
    let mut world = world_serving(&[k1(), k2()]);
    world.verify(&k2().token(T0)).unwrap();
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    world.at(T0 + 300.0);
    world.verify(&k1().token(T0)).unwrap();
    assert_eq!(world.verify(&k2().token(T0)), Err(AuthError::KeyNotFound));
    assert_eq!(world.fetched(JWKS_URL), 2);
}

#[test]
fn refresh_ahead_answers_at_once_and_refreshes_in_the_background() {
    let mut world = world_serving(&[k1()]);
    let token = k1().token(T0);
    world.verify(&token).unwrap();
    world.at(T0 + 269.999);
    world.verify(&token).unwrap();
    assert_eq!(world.fetched(JWKS_URL), 1, "before the window");

    world.serve(JWKS_URL, Script::Fail(TransportKind::Refused));
    world.at(T0 + 270.0);
    assert!(
        world.verify(&token).is_ok(),
        "answered from the keys, whatever the refresh does"
    );
    assert_eq!(world.fetched(JWKS_URL), 3, "one refresh of two attempts");
}

#[test]
fn refresh_ahead_is_capped_at_half_the_freshness_and_zero_turns_it_off() {
    let mut world = world_serving(&[k1()]);
    world.serve(
        JWKS_URL,
        Script::json(&jwks(&[k1()])).with_header("cache-control", "max-age=40"),
    );
    let token = k1().token(T0);
    world.verify(&token).unwrap();
    world.at(T0 + 19.9);
    world.verify(&token).unwrap();
    assert_eq!(world.fetched(JWKS_URL), 1);
    world.at(T0 + 20.0);
    world.verify(&token).unwrap();
    assert_eq!(world.fetched(JWKS_URL), 2);

    let mut world = configured(|c| c.refresh_ahead_s = 0.0);
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    world.verify(&token).unwrap();
    world.at(T0 + 299.0);
    world.verify(&token).unwrap();
    assert_eq!(world.fetched(JWKS_URL), 1);
}

#[test]
fn stale_keys_serve_until_exactly_the_end_of_the_stale_window() {
    let mut world = configured(|c| {
        c.stale_if_error_s = 600.0;
        c.fetch_attempts = 1;
    });
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    let token = k1().token(T0);
    world.verify(&token).unwrap();
    world.serve(JWKS_URL, Script::status(503, &json!({"error": "down"})));
    world.at(T0 + 400.0);
    assert!(world.verify(&token).is_ok(), "stale keys serve");
    world.at(T0 + 899.999);
    assert!(world.verify(&token).is_ok());
    world.at(T0 + 900.0);
    assert_eq!(
        world.verify(&token),
        Err(fetch_failed(SourceProblem::Status(503)))
    );
    assert!(!world.healthcheck(false));
}

#[test]
fn an_unknown_kid_whose_refetch_fails_reports_the_fetch_failure() {
    let mut world = world_serving(&[k1()]);
    world.verify(&k1().token(T0)).unwrap();
    world.serve(JWKS_URL, Script::Fail(TransportKind::Timeout));
    world.at(T0 + 40.0);
    assert_eq!(
        world.verify(&k2().token(T0)),
        Err(fetch_failed(SourceProblem::Timeout))
    );
    assert!(
        world.verify(&k1().token(T0)).is_ok(),
        "fresh keys still answer"
    );
}

#[test]
fn failed_refreshes_back_off_1_2_4_seconds_up_to_the_cooldown() {
    let mut world = configured(|c| c.fetch_attempts = 1);
    let token = k1().token(T0);
    let mut attempts_at = vec![];
    for tenth in 0..=1200 {
        world.at(T0 + f64::from(tenth) / 10.0);
        let before = world.fetched(JWKS_URL);
        assert_eq!(
            world.verify(&token),
            Err(fetch_failed(SourceProblem::Refused))
        );
        if world.fetched(JWKS_URL) > before {
            attempts_at.push(f64::from(tenth) / 10.0);
        }
    }
    assert_eq!(attempts_at, [0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 61.0, 91.0]);
}

#[test]
fn a_success_resets_the_backoff() {
    let mut world = configured(|c| c.fetch_attempts = 1);
    let token = k1().token(T0);
    for t in [0.0, 1.0, 3.0] {
        world.at(T0 + t);
        assert!(world.verify(&token).is_err());
    }
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    world.at(T0 + 7.0);
    world.verify(&token).unwrap();
    world.serve(JWKS_URL, Script::Fail(TransportKind::Refused));
    world.at(T0 + 307.0);
    assert!(world.verify(&token).is_ok(), "stale after one failure");
    world.at(T0 + 308.0);
    world.verify(&token).unwrap();
    assert_eq!(world.fetched(JWKS_URL), 6, "the backoff restarted at 1 s");
}

#[test]
fn retry_after_on_503_delays_the_next_attempt_capped_at_the_ttl() {
    let mut world = configured(|c| c.cache_ttl_s = 100.0);
    world.serve(
        JWKS_URL,
        Script::status(503, &json!({})).with_header("Retry-After", "120"),
    );
    let token = k1().token(T0);
    assert_eq!(
        world.verify(&token),
        Err(fetch_failed(SourceProblem::Status(503)))
    );
    assert_eq!(
        world.fetched(JWKS_URL),
        1,
        "a response with Retry-After is not retried at once"
    );
    world.at(T0 + 99.9);
    assert!(world.verify(&token).is_err());
    assert_eq!(world.fetched(JWKS_URL), 1);
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    world.at(T0 + 100.0);
    world.verify(&token).unwrap();
    assert_eq!(world.fetched(JWKS_URL), 2);
}

#[test]
fn one_refresh_retries_refused_timeouts_and_5xx_but_not_4xx() {
    for (script, requests) in [
        (Script::Fail(TransportKind::Refused), 3),
        (Script::Fail(TransportKind::Timeout), 3),
        (Script::status(500, &json!({})), 3),
        (
            Script::status(502, &json!({}))
                .with_header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),
            1,
        ),
        (Script::status(404, &json!({})), 1),
        (Script::status(429, &json!({})), 1),
        (Script::Fail(TransportKind::Other), 1),
        (Script::Fail(TransportKind::Redirect), 1),
        (Script::json(&json!({"not": "a jwks"})), 1),
    ] {
        let mut world = configured(|c| c.fetch_attempts = 3);
        world.serve(JWKS_URL, script.clone());
        assert!(world.verify(&k1().token(T0)).is_err());
        assert_eq!(world.fetched(JWKS_URL), requests, "{script:?}");
    }
}

#[test]
fn an_unusable_answer_changes_nothing_cached_and_counts_as_a_failure() {
    let mut world = world_serving(&[k1()]);
    let token = k1().token(T0);
    world.verify(&token).unwrap();
    world.serve(
        JWKS_URL,
        Script::Respond {
            status: 200,
            headers: vec![],
            body: b"<html>".to_vec(),
        },
    );
    world.at(T0 + 300.0);
    assert!(world.verify(&token).is_ok(), "the old keys keep serving");
    world.at(T0 + 300.5);
    assert!(world.verify(&token).is_ok());
    assert_eq!(
        world.fetched(JWKS_URL),
        2,
        "backing off after the unusable answer"
    );

    let mut world = World::standard();
    world.serve(
        JWKS_URL,
        Script::json(&json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})),
    );
    assert_eq!(
        world.verify(&token),
        Err(AuthError::JwksError(SourceProblem::NoUsableKey.into()))
    );
}

#[test]
fn a_body_over_the_limit_is_a_jwks_error() {
    let mut world = World::standard();
    let mut body = jwks(&[k1()]).to_string().into_bytes();
    body.resize(512 * 1024 + 1, b' ');
    world.serve(
        JWKS_URL,
        Script::Respond {
            status: 200,
            headers: vec![],
            body,
        },
    );
    assert_eq!(
        world.verify(&k1().token(T0)),
        Err(AuthError::JwksError(SourceProblem::BodyTooLarge.into()))
    );
}

fn discovery_world(document: serde_json::Value) -> World {
    let mut world = World::new(AuthConfig::with_discovery_url(
        ISSUER,
        AUDIENCE,
        DISCOVERY_URL,
    ));
    world.serve(DISCOVERY_URL, Script::json(&document));
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    world
}

#[test]
fn discovery_fetches_the_document_then_its_jwks_uri_on_every_refresh() {
    let mut world = discovery_world(json!({"issuer": ISSUER, "jwks_uri": JWKS_URL}));
    let token = k1().token(T0);
    world.verify(&token).unwrap();
    world.at(T0 + 300.0);
    world.verify(&token).unwrap();
    assert_eq!(
        (world.fetched(DISCOVERY_URL), world.fetched(JWKS_URL)),
        (2, 2)
    );
}

#[test]
fn discovery_with_another_issuer_is_never_trusted() {
    let mut world = discovery_world(json!({"issuer": "https://evil.test/", "jwks_uri": JWKS_URL}));
    assert_eq!(
        world.verify(&k1().token(T0)),
        Err(AuthError::IssuerMismatch(
            SourceProblem::IssuerMismatch.into()
        ))
    );
    assert_eq!(world.fetched(JWKS_URL), 0);
    assert!(!world.healthcheck(false));
}

#[test]
fn discovery_with_a_plain_http_jwks_uri_never_requests_it() {
    let http = "http://id.example.test/jwks";
    let mut world = discovery_world(json!({"issuer": ISSUER, "jwks_uri": http}));
    world.serve(http, Script::json(&jwks(&[k1()])));
    assert_eq!(
        world.verify(&k1().token(T0)),
        Err(AuthError::JwksError(SourceProblem::BadJwksUri.into()))
    );
    assert_eq!(world.fetched(http), 0);
}

#[test]
fn fetch_attempts_count_per_url_in_discovery_mode() {
    let mut world = discovery_world(json!({"issuer": ISSUER, "jwks_uri": JWKS_URL}));
    world.serve(JWKS_URL, Script::status(500, &json!({})));
    assert!(world.verify(&k1().token(T0)).is_err());
    assert_eq!(
        (world.fetched(DISCOVERY_URL), world.fetched(JWKS_URL)),
        (1, 2)
    );
}

#[test]
fn key_operations_fetch_when_nothing_is_cached_stale_or_refresh_is_asked() {
    let mut world = world_serving(&[k1(), k2()]);
    let mut kids = world.kids(false).unwrap();
    kids.sort();
    assert_eq!(kids, ["k1", "k2"]);
    assert!(world.healthcheck(false));
    assert_eq!(world.fetched(JWKS_URL), 1);
    assert!(world.healthcheck(true));
    assert_eq!(
        world.fetched(JWKS_URL),
        2,
        "refresh skips freshness and cooldown"
    );
    world.at(T0 + 290.0);
    assert!(world.healthcheck(false));
    assert_eq!(
        world.fetched(JWKS_URL),
        2,
        "key operations never start a refresh-ahead"
    );
    world.at(T0 + 300.0);
    world.signing_keys(false).unwrap();
    assert_eq!(world.fetched(JWKS_URL), 3, "past freshness");
}

#[test]
fn refresh_never_skips_the_backoff() {
    let mut world = configured(|c| c.fetch_attempts = 1);
    world.serve(JWKS_URL, Script::Fail(TransportKind::Refused));
    assert_eq!(world.kids(true), Err(fetch_failed(SourceProblem::Refused)));
    assert!(!world.healthcheck(true));
    assert_eq!(world.fetched(JWKS_URL), 1);
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    world.at(T0 + 1.0);
    assert!(world.healthcheck(true));
    assert_eq!(world.fetched(JWKS_URL), 2);
}

#[test]
fn signing_key_finds_one_key_by_kid() {
    let mut world = world_serving(&[k1(), k2()]);
    let mut query = Query::new();
    let key = world
        .run(|v, now| v.signing_key("k2", &mut query, now))
        .unwrap();
    assert_eq!(key.kid(), Some("k2"));
    let missing = world.run(|v, now| v.signing_key("nope", &mut query, now));
    assert_eq!(missing, Err(AuthError::KeyNotFound));
}

#[test]
fn a_monotonic_time_going_backwards_counts_as_no_time_passing() {
    let mut world = configured(|c| c.refresh_ahead_s = 0.0);
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    let token = k1().token(T0);
    world.at(T0 + 100.0);
    world.verify(&token).unwrap();
    world.at(T0 + 50.0);
    world.verify(&token).unwrap();
    world.at(T0 + 399.0);
    world.verify(&token).unwrap();
    assert_eq!(
        world.fetched(JWKS_URL),
        1,
        "fresh until 100 + 300 by the latest time seen"
    );
}

#[test]
fn a_request_never_answered_is_given_up_as_a_timeout() {
    let mut world = configured(|c| {
        c.fetch_attempts = 1;
        c.http_timeout_s = 2.0;
    });
    let token = k1().token(T0);
    let sent = world.instant();
    let first = match world
        .verifier
        .verify(&token, &mut Query::new(), world.clock())
    {
        Progress::Fetch(request) => request,
        other => panic!("expected a request to perform, got {other:?}"),
    };
    world.at(T0 + 4.999);
    match world
        .verifier
        .verify(&token, &mut Query::new(), world.clock())
    {
        Progress::Wait { until } => {
            assert_eq!(
                until,
                sent + std::time::Duration::from_secs(5),
                "2 x 2 s + 1 s"
            );
        }
        other => panic!("still in flight: {other:?}"),
    }
    world.at(T0 + 5.0);
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    assert_eq!(
        world.verify(&token),
        Err(fetch_failed(SourceProblem::Timeout))
    );
    let late = first.read(Ok(HttpResponse::default()));
    assert!(
        world.verifier.handle_answer(late, world.clock()).is_err(),
        "a late answer matches nothing"
    );
    assert_eq!(
        world.take_event_names(),
        ["request_given_up", "refresh_failed"]
    );
}

#[test]
fn retry_after_replaces_a_longer_backoff_and_zero_never_loops_one_operation() {
    let mut world = configured(|c| c.fetch_attempts = 1);
    let token = k1().token(T0);
    for t in [0.0, 1.0, 3.0] {
        world.at(T0 + t);
        assert!(world.verify(&token).is_err());
    }
    world.serve(
        JWKS_URL,
        Script::status(503, &json!({})).with_header("Retry-After", "1"),
    );
    world.at(T0 + 7.0);
    assert!(world.verify(&token).is_err());
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    world.at(T0 + 8.0);
    assert!(world.verify(&token).is_ok(), "1 s, not the 8 s backoff");
    assert_eq!(world.fetched(JWKS_URL), 5);

    let mut world = World::standard();
    world.serve(
        JWKS_URL,
        Script::status(503, &json!({})).with_header("Retry-After", "0"),
    );
    for expected in 1..=3 {
        assert_eq!(
            world.verify(&token),
            Err(fetch_failed(SourceProblem::Status(503)))
        );
        assert_eq!(
            world.fetched(JWKS_URL),
            expected,
            "one request per verification"
        );
    }
}

/// A driver that performs a refresh on a task of its own asks the operation
/// again while that request is still in flight: the operation waits for its
/// own refresh (as a driver performing it in line would), even during an
/// outage, when others' verifications are answered at once from stale keys
/// or with the last failure.
#[test]
fn an_operation_waits_for_the_refresh_it_was_handed_whoever_performs_it() {
    let mut world = configured(|c| {
        c.cache_ttl_s = 60.0;
        c.stale_if_error_s = 120.0;
        c.refresh_cooldown_s = 2.0;
        c.fetch_attempts = 1;
    });
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    let token = k1().token(T0);
    world.at(T0);
    assert!(world.verify(&token).is_ok());
    // An outage past the stale window: every verification fails.
    world.serve(JWKS_URL, Script::Fail(TransportKind::Refused));
    world.at(T0 + 61.0);
    assert!(world.verify(&token).is_ok(), "stale keys serve");
    world.at(T0 + 200.0);
    assert!(world.verify(&token).is_err(), "past the stale window");

    // The issuer is back; the next verification is handed the refresh...
    world.serve(JWKS_URL, Script::json(&jwks(&[k1()])));
    world.at(T0 + 210.0);
    let now = world.clock();
    let mut mine = Query::new();
    let Progress::Fetch(request) = world.verifier.verify(&token, &mut mine, now) else {
        panic!("the first verification after the backoff is handed the refresh");
    };
    // ... and asked again before its request is answered, it waits for it,
    for round in 0..2 {
        assert!(
            matches!(
                world.verifier.verify(&token, &mut mine, now),
                Progress::Wait { .. }
            ),
            "round {round}: its own refresh is in flight"
        );
    }
    // while another caller's verification is answered at once.
    let theirs = world.verifier.verify(&token, &mut Query::new(), now);
    assert!(matches!(theirs, Progress::Done { answer: Err(_), .. }));
    world.perform(request);
    let Progress::Done { answer, .. } = world.verifier.verify(&token, &mut mine, now) else {
        panic!("answered once its refresh has ended");
    };
    assert!(answer.and_then(|check| check.finish()).is_ok());

    // The same for a key operation handed a forced refresh.
    let mut query = Query::with_refresh(true);
    let Progress::Fetch(request) = world.verifier.healthcheck(&mut query, now) else {
        panic!("a forced healthcheck is handed a refresh");
    };
    assert!(matches!(
        world.verifier.healthcheck(&mut query, now),
        Progress::Wait { .. }
    ));
    world.perform(request);
    assert!(matches!(
        world.verifier.healthcheck(&mut query, now),
        Progress::Done { answer: true, .. }
    ));
}
