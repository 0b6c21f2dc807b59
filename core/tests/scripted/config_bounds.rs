//! No accepted configuration makes the core panic or loop: random
//! configurations inside the rules' bounds (their extremes drawn often) are
//! driven through a simulated world of failing, throttling and recovering
//! endpoints and clock jumps of up to two years, and every operation must
//! end within a bounded number of rounds and requests.

use std::sync::OnceLock;

use crate::world::{jwks, Key, Script, World, AUDIENCE, ISSUER, JWKS_URL, T0};
use oidc_jwt_verifier_core::{AuthConfig, TransportKind, Verifier};
use proptest::prelude::*;
use serde_json::json;

const DISCOVERY_URL: &str = "https://id.example.test/.well-known/openid-configuration";
const YEAR: f64 = 31_536_000.0;

/// The published key, and a key that never is.
fn keys() -> &'static [Key; 2] {
    static KEYS: OnceLock<[Key; 2]> = OnceLock::new();
    KEYS.get_or_init(|| [Key::rsa("k1"), Key::rsa("evil")])
}

/// A value in seconds in `[min, max]`, its two ends drawn often.
fn seconds(min: f64, max: f64) -> impl Strategy<Value = f64> {
    prop_oneof![Just(min), Just(max), min..=max, min..=(min + 1.0).min(max)]
}

/// Any configuration the rules accept, in JWKS or discovery mode.
fn accepted_config() -> impl Strategy<Value = AuthConfig> {
    (
        (
            seconds(0.0, YEAR),
            seconds(0.001, 86_400.0),
            seconds(0.001, YEAR),
            seconds(0.0, YEAR),
        ),
        (
            seconds(0.0, YEAR),
            1..=10u32,
            seconds(0.001, 3_600.0),
            any::<bool>(),
        ),
    )
        .prop_map(
            |((leeway, ttl, cooldown, stale), (ahead, attempts, timeout, discovery))| {
                let mut config = if discovery {
                    AuthConfig::with_discovery_url(ISSUER, AUDIENCE, DISCOVERY_URL)
                } else {
                    AuthConfig::with_jwks_url(ISSUER, AUDIENCE, JWKS_URL)
                };
                config.leeway_s = leeway;
                config.cache_ttl_s = ttl;
                config.refresh_cooldown_s = cooldown;
                config.stale_if_error_s = stale;
                config.refresh_ahead_s = ahead;
                config.fetch_attempts = attempts;
                config.http_timeout_s = timeout;
                config
            },
        )
}

/// What the key set URL answers from a step on.
#[derive(Debug, Clone)]
enum Answer {
    Keys { max_age: Option<u64> },
    Throttled { retry_after: u64 },
    ServerError,
    Refused,
    TimedOut,
    NotJson,
}

impl Answer {
    fn script(&self) -> Script {
        let keys = Script::json(&jwks(&[&keys()[0]]));
        match self {
            Answer::Keys { max_age: None } => keys,
            Answer::Keys { max_age: Some(n) } => {
                keys.with_header("cache-control", &format!("max-age={n}"))
            }
            Answer::Throttled { retry_after } => {
                Script::status(503, &json!({})).with_header("retry-after", &retry_after.to_string())
            }
            Answer::ServerError => Script::status(500, &json!({})),
            Answer::Refused => Script::Fail(TransportKind::Refused),
            Answer::TimedOut => Script::Fail(TransportKind::Timeout),
            Answer::NotJson => Script::Respond {
                status: 200,
                headers: vec![],
                body: b"<html>".to_vec(),
            },
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Advance(f64),
    Serve(Answer),
    Verify { forged: bool, unknown_kid: bool },
    Healthcheck { refresh: bool },
    SigningKeys { refresh: bool },
}

fn step() -> impl Strategy<Value = Step> {
    let advance = prop_oneof![
        Just(0.0),
        Just(0.000_5),
        Just(0.001),
        Just(1.0),
        Just(30.0),
        Just(86_400.0),
        Just(YEAR),
        Just(2.0 * YEAR),
        0.0..600.0f64,
    ];
    let answer = prop_oneof![
        3 => proptest::option::of(prop_oneof![Just(0u64), Just(u64::MAX), 0..600u64])
            .prop_map(|max_age| Answer::Keys { max_age }),
        1 => prop_oneof![Just(0u64), Just(u64::MAX), 0..100_000u64]
            .prop_map(|retry_after| Answer::Throttled { retry_after }),
        1 => Just(Answer::ServerError),
        1 => Just(Answer::Refused),
        1 => Just(Answer::TimedOut),
        1 => Just(Answer::NotJson),
    ];
    prop_oneof![
        3 => advance.prop_map(Step::Advance),
        2 => answer.prop_map(Step::Serve),
        4 => (any::<bool>(), any::<bool>())
            .prop_map(|(forged, unknown_kid)| Step::Verify { forged, unknown_kid }),
        1 => any::<bool>().prop_map(|refresh| Step::Healthcheck { refresh }),
        1 => any::<bool>().prop_map(|refresh| Step::SigningKeys { refresh }),
    ]
}

/// Requests of every URL so far.
fn requests(world: &World) -> u32 {
    world.fetched(DISCOVERY_URL) + world.fetched(JWKS_URL)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn no_accepted_configuration_makes_the_core_panic_or_loop(
        config in accepted_config(),
        steps in proptest::collection::vec(step(), 1..40),
    ) {
        let attempts = config.fetch_attempts;
        prop_assert!(Verifier::new(config.clone()).is_ok(), "refused: {config:?}");
        let mut world = World::new(config);
        world.serve(DISCOVERY_URL, Script::json(&json!({"issuer": ISSUER, "jwks_uri": JWKS_URL})));
        world.serve(JWKS_URL, Answer::Keys { max_age: None }.script());
        // An operation waits for at most one refresh and may start one more
        // (refresh-ahead); a refresh is two URLs of `attempts` requests each.
        let most_requests = 2 * 2 * attempts;
        for step in steps {
            let before = requests(&world);
            // `World::run` itself panics when an operation keeps asking for
            // keys past its round bound.
            match step {
                Step::Advance(secs) => {
                    world.advance(secs);
                }
                Step::Serve(answer) => world.serve(JWKS_URL, answer.script()),
                Step::Verify { forged, unknown_kid } => {
                    let signer = &keys()[usize::from(forged)];
                    let kid = if unknown_kid { "k-unknown" } else { "k1" };
                    let exp = world.now() + 10.0 * YEAR;
                    let token = signer.sign_with_kid(
                        Some(kid),
                        &json!({"iss": ISSUER, "aud": AUDIENCE, "exp": exp}),
                    );
                    let verdict = world.verify(&token);
                    prop_assert!(
                        !(verdict.is_ok() && (forged || unknown_kid)),
                        "a token with no published key was accepted"
                    );
                }
                Step::Healthcheck { refresh } => {
                    world.healthcheck(refresh);
                }
                Step::SigningKeys { refresh } => {
                    let _ = world.signing_keys(refresh);
                }
            }
            let made = requests(&world) - before;
            prop_assert!(made <= most_requests, "{made} requests for one step");
        }
        prop_assert!(world.now() >= T0);
    }
}
