//! The events the key source reports and its status, pinned for the
//! stories operators care about: rotation, an outage and its recovery, the
//! unknown-kid cooldown, a discovery issuer mismatch and a skipped JWK. No
//! event ever carries token content.

use std::sync::OnceLock;
use std::time::Duration;

use crate::world::{jwks, Key, Script, World, AUDIENCE, ISSUER, JWKS_URL, T0};
use oidc_jwt_verifier_core::{
    AuthConfig, AuthError, Event, FreshnessSource, KeysState, SourceProblem, TransportKind,
    UnixTime, Unusable,
};
use serde_json::json;

const DISCOVERY_URL: &str = "https://id.example.test/.well-known/openid-configuration";

fn keys() -> &'static [Key; 2] {
    static KEYS: OnceLock<[Key; 2]> = OnceLock::new();
    KEYS.get_or_init(|| [Key::rsa("k1"), Key::rsa("k2")])
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn configured(edit: impl FnOnce(&mut AuthConfig)) -> World {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, JWKS_URL);
    config.refresh_ahead_s = 0.0;
    edit(&mut config);
    World::new(config)
}

fn refreshed(added: &[&str], removed: &[&str], keys: usize) -> Event {
    Event::KeysRefreshed {
        url: JWKS_URL.into(),
        added: added.iter().map(|kid| kid.to_string()).collect(),
        removed: removed.iter().map(|kid| kid.to_string()).collect(),
        keys,
        fresh_for: secs(300),
        decided_by: FreshnessSource::Ttl,
    }
}

fn drained(world: &mut World) -> Vec<Event> {
    world.drain_events();
    std::mem::take(&mut world.events)
}

#[test]
fn rotation_reports_the_kids_added_and_removed() {
    let [k1, k2] = keys();
    let mut world = configured(|_| {});
    world.serve(JWKS_URL, Script::json(&jwks(&[k1])));
    world.verify(&k1.token(T0)).unwrap();
    assert_eq!(drained(&mut world), [refreshed(&["k1"], &[], 1)]);

    world.serve(JWKS_URL, Script::json(&jwks(&[k1, k2])));
    world.at(T0 + 30.0);
    world.verify(&k2.token(T0)).unwrap();
    assert_eq!(drained(&mut world), [refreshed(&["k2"], &[], 2)]);

    world.serve(JWKS_URL, Script::json(&jwks(&[k2])));
    world.at(T0 + 330.0);
    world.verify(&k2.token(T0)).unwrap();
    assert_eq!(drained(&mut world), [refreshed(&[], &["k1"], 1)]);
    let status = world.verifier.status(world.clock());
    assert_eq!(status.key_ids, ["k2"]);
    assert_eq!(
        status.last_success,
        Some(UnixTime::from_secs_f64(T0 + 330.0))
    );
    assert_eq!(status.counters.refreshes, 3);
}

#[test]
fn cache_control_is_named_when_it_decides_freshness() {
    let [k1, _] = keys();
    let mut world = configured(|_| {});
    world.serve(
        JWKS_URL,
        Script::json(&jwks(&[k1])).with_header("cache-control", "max-age=60"),
    );
    world.verify(&k1.token(T0)).unwrap();
    match drained(&mut world).as_slice() {
        [Event::KeysRefreshed {
            fresh_for,
            decided_by,
            ..
        }] => assert_eq!(
            (*fresh_for, *decided_by),
            (secs(60), FreshnessSource::CacheControl)
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_outage_and_its_recovery() {
    let [k1, _] = keys();
    let mut world = configured(|c| {
        c.fetch_attempts = 1;
        c.stale_if_error_s = 600.0;
    });
    world.serve(JWKS_URL, Script::json(&jwks(&[k1])));
    let token = k1.token(T0);
    world.verify(&token).unwrap();
    drained(&mut world);
    assert_eq!(world.verifier.status(world.clock()).state, KeysState::Fresh);

    // Down: the refresh fails, the stale keys serve, both reported once.
    world.serve(JWKS_URL, Script::Fail(TransportKind::Refused));
    world.at(T0 + 300.0);
    world.verify(&token).unwrap();
    let events = drained(&mut world);
    match events.as_slice() {
        [Event::RefreshFailed {
            url,
            error,
            next_attempt_in,
            stale_for,
        }, Event::ServingStale {
            age,
            stale_for: serving,
        }] => {
            assert_eq!(url, JWKS_URL);
            assert_eq!(
                error,
                &AuthError::JwksFetchFailed(SourceProblem::Refused.into())
            );
            let source = error.source_error().unwrap();
            assert_eq!(source.transport_kind(), Some(TransportKind::Refused));
            assert_eq!((*next_attempt_in, *stale_for), (secs(1), Some(secs(600))));
            assert_eq!((*age, *serving), (secs(300), secs(600)));
        }
        other => panic!("{other:?}"),
    }
    // Inside the backoff: served stale again, counted, not reported again.
    world.at(T0 + 300.5);
    world.verify(&token).unwrap();
    assert_eq!(drained(&mut world), []);
    let status = world.verifier.status(world.clock());
    assert_eq!(status.state, KeysState::ServingStale);
    assert_eq!(status.counters.stale_serves, 2);
    assert_eq!(status.counters.refresh_failures, 1);
    assert_eq!(status.next_refresh_in, Some(Duration::from_millis(500)));
    let failure = status.last_failure.expect("the failed refresh");
    assert_eq!(
        (failure.at, failure.error.code()),
        (UnixTime::from_secs_f64(T0 + 300.0), "jwks_fetch_failed")
    );
    // The next attempt fails too: reported again, with the doubled backoff.
    world.at(T0 + 301.0);
    world.verify(&token).unwrap();
    let names: Vec<_> = drained(&mut world).iter().map(Event::name).collect();
    assert_eq!(names, ["refresh_failed", "serving_stale"]);

    // Back up: one refresh, fresh again, the failure forgotten.
    world.serve(JWKS_URL, Script::json(&jwks(&[k1])));
    world.at(T0 + 303.0);
    world.verify(&token).unwrap();
    assert_eq!(drained(&mut world), [refreshed(&[], &[], 1)]);
    let status = world.verifier.status(world.clock());
    assert_eq!(
        (status.state, status.last_failure),
        (KeysState::Fresh, None)
    );
}

#[test]
fn keys_expiring_during_an_outage_are_reported_and_the_state_fails() {
    let [k1, _] = keys();
    let mut world = configured(|c| {
        c.fetch_attempts = 1;
        c.stale_if_error_s = 60.0;
    });
    world.serve(JWKS_URL, Script::json(&jwks(&[k1])));
    let token = k1.token(T0);
    world.verify(&token).unwrap();
    world.serve(JWKS_URL, Script::status(503, &json!({})));
    world.at(T0 + 300.0);
    world.verify(&token).unwrap();
    drained(&mut world);
    let expires = world.verifier.poll_timeout().expect("a deadline");
    assert!(expires.at > world.instant());
    world.at(T0 + 360.0);
    world.verifier.handle_timeout(world.clock());
    assert_eq!(drained(&mut world), [Event::KeysExpired { age: secs(360) }]);
    let status = world.verifier.status(world.clock());
    assert_eq!(
        (status.state, status.stale_until_in),
        (KeysState::Failed, Some(Duration::ZERO))
    );
    assert_eq!(
        world.verify(&token),
        Err(AuthError::JwksFetchFailed(
            SourceProblem::Status(503).into()
        ))
    );
}

#[test]
fn the_cooldown_refusal_is_reported_once_per_fetched_set_without_the_kid() {
    let [k1, _] = keys();
    let mut world = configured(|_| {});
    world.serve(JWKS_URL, Script::json(&jwks(&[k1])));
    world.verify(&k1.token(T0)).unwrap();
    drained(&mut world);
    let forged = Key::rsa("attacker-chosen-kid").token(T0);
    world.at(T0 + 10.0);
    assert_eq!(world.verify(&forged), Err(AuthError::KeyNotFound));
    world.at(T0 + 11.0);
    assert_eq!(world.verify(&forged), Err(AuthError::KeyNotFound));
    let events = drained(&mut world);
    assert_eq!(
        events,
        [Event::UnknownKidRefused {
            cooldown_left: secs(20)
        }]
    );
    assert!(
        !format!("{events:?}").contains("attacker-chosen-kid"),
        "token content never reaches an event"
    );
    let counters = world.verifier.status(world.clock()).counters;
    assert_eq!((counters.cooldown_refusals, counters.unknown_kids), (2, 2));
    assert_eq!(counters.rejected.get("key_not_found"), Some(&2));
    assert_eq!((counters.accepted, counters.fetches), (1, 1));
}

#[test]
fn an_issuer_mismatch_names_the_issuer_the_document_published() {
    let [k1, _] = keys();
    let mut world = World::new(AuthConfig::with_discovery_url(
        ISSUER,
        AUDIENCE,
        DISCOVERY_URL,
    ));
    world.serve(
        DISCOVERY_URL,
        Script::json(&json!({"issuer": "https://evil.test/", "jwks_uri": JWKS_URL})),
    );
    let error = world.verify(&k1.token(T0)).unwrap_err();
    assert_eq!(error.code(), "issuer_mismatch");
    let source = error.source_error().unwrap();
    assert_eq!(
        (source.url(), source.published_issuer()),
        (Some(DISCOVERY_URL), Some("https://evil.test/"))
    );
    let events = drained(&mut world);
    assert_eq!(
        events[0],
        Event::IssuerMismatch {
            url: DISCOVERY_URL.into(),
            published: Some("https://evil.test/".into()),
        }
    );
    assert_eq!(events[1].name(), "refresh_failed");
    assert_eq!(events.len(), 2);
    assert_eq!(
        world.verifier.status(world.clock()).state,
        KeysState::Failed
    );
}

#[test]
fn a_skipped_jwk_is_reported_with_its_kid_and_reason() {
    let [k1, _] = keys();
    let mut world = configured(|_| {});
    let mut set = jwks(&[k1]);
    set["keys"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!({"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"}));
    world.serve(JWKS_URL, Script::json(&set));
    world.verify(&k1.token(T0)).unwrap();
    assert_eq!(
        drained(&mut world),
        [
            Event::JwkSkipped {
                url: JWKS_URL.into(),
                kid: Some("hmac".into()),
                reason: Unusable::PrivateKey,
            },
            refreshed(&["k1"], &[], 1),
        ]
    );
    assert_eq!(Unusable::PrivateKey.code(), "private_key");
}

#[test]
fn verdicts_are_counted_by_code_once_answered() {
    let [k1, _] = keys();
    let mut world = configured(|_| {});
    world.serve(JWKS_URL, Script::json(&jwks(&[k1])));
    world.verify(&k1.token(T0)).unwrap();
    world.verify(&k1.token(T0)).unwrap();
    let _ = world.verify("not-a-token");
    let expired = k1.sign(&json!({"iss": ISSUER, "aud": AUDIENCE, "exp": T0 - 1.0}));
    let _ = world.verify(&expired);
    let counters = world.verifier.status(world.clock()).counters;
    assert_eq!(counters.accepted, 2);
    assert_eq!(
        counters.rejected.into_iter().collect::<Vec<_>>(),
        [("malformed_token", 1), ("token_expired", 1)]
    );
    assert_eq!(counters.events_dropped, 0);
}

#[test]
fn closing_stops_requests_but_keeps_cached_keys_serving() {
    let [k1, k2] = keys();
    let mut world = configured(|_| {});
    world.serve(JWKS_URL, Script::json(&jwks(&[k1])));
    world.verify(&k1.token(T0)).unwrap();
    world.verifier.close();
    world.at(T0 + 400.0);
    assert!(world.verify(&k1.token(T0)).is_ok(), "stale keys serve");
    let error = world.verify(&k2.token(T0)).unwrap_err();
    assert_eq!(
        error,
        AuthError::JwksFetchFailed(SourceProblem::Transport.into())
    );
    assert!(error.source_error().unwrap().is_closed());
    assert_eq!(world.fetched(JWKS_URL), 1, "no request after close");
    let status = world.verifier.status(world.clock());
    assert!(status.closed && status.next_refresh_in.is_none());
    assert_eq!(status.state, KeysState::ServingStale);
}
