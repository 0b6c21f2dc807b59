//! A deterministic simulation of several days: the issuer rotates keys, goes
//! down in various ways, the wall clock steps, and an attacker sends tokens
//! signed by keys that were never published. Two properties must hold at
//! every step:
//!
//! - no token is ever accepted with a key that was never published;
//! - a valid token signed by a published key is accepted when the issuer has
//!   been up and the key published for at least the cooldown, or during an
//!   outage when the key was served by the last successful fetch and that
//!   fetch is inside the freshness plus stale window.

use crate::world::{Key, Script, World, AUDIENCE, ISSUER, JWKS_URL, T0};
use oidc_jwt_verifier_core::{AuthConfig, TransportKind};
use oidc_jwt_verifier_testkit::SeededRng;
use serde_json::{json, Value};

const TTL: f64 = 300.0;
const COOLDOWN: f64 = 30.0;
const STALE: f64 = 1800.0;
const DAYS: f64 = 5.0;

struct Published {
    key: usize,
    since: f64,
}

struct Issuer {
    keys: Vec<Key>,
    published: Vec<Published>,
    next_key: usize,
    up_since: Option<f64>,
}

impl Issuer {
    fn jwks(&self) -> Value {
        json!({"keys": self.published.iter().map(|p| self.keys[p.key].jwk.clone()).collect::<Vec<_>>()})
    }
}

#[test]
fn days_of_rotation_outages_and_clock_steps_keep_both_properties() {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, JWKS_URL);
    config.stale_if_error_s = STALE;
    config.leeway_s = 0.0;
    let mut world = World::new(config);
    // A fixed seed gives the same run every time.
    let mut rng = SeededRng::new(0x9e37_79b9_7f4a_7c15);
    let keys: Vec<Key> = (0..6).map(|i| Key::rsa(&format!("k{i}"))).collect();
    let attackers = [Key::rsa("k0"), Key::rsa("k1"), Key::rsa("evil")];
    let mut issuer = Issuer {
        keys,
        published: vec![Published { key: 0, since: T0 }],
        next_key: 1,
        up_since: Some(T0),
    };
    world.serve(JWKS_URL, Script::json(&issuer.jwks()));
    let mut last_success: Option<(f64, Vec<usize>)> = None;
    let (mut accepted, mut must_accept_checks, mut steps) = (0, 0, 0);

    while world.now() < T0 + DAYS * 86_400.0 {
        steps += 1;
        world.advance((1 + rng.below(600)) as f64);
        let now = world.now();

        // The issuer's world changes.
        if rng.chance(2) {
            let key = issuer.next_key % issuer.keys.len();
            issuer.next_key += 1;
            issuer.published.retain(|p| p.key != key);
            issuer.published.push(Published { key, since: now });
            if issuer.published.len() > 2 {
                issuer.published.remove(0);
            }
        }
        if rng.chance(3) {
            issuer.up_since = match issuer.up_since {
                Some(_) => None,
                None => Some(now),
            };
        }
        let script = match issuer.up_since {
            Some(_) => Script::json(&issuer.jwks()),
            None => match rng.below(4) {
                0 => Script::Fail(TransportKind::Refused),
                1 => Script::Fail(TransportKind::Timeout),
                2 => Script::status(503, &json!({"error": "down"})),
                _ => Script::Respond {
                    status: 200,
                    headers: vec![],
                    body: b"<html>".to_vec(),
                },
            },
        };
        world.serve(JWKS_URL, script);
        if rng.chance(5) {
            world.time.step_wall(rng.below(240) as f64 - 120.0);
        }

        // A token: mostly honest, sometimes forged.
        let claims = json!({"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600.0});
        let forged = rng.chance(25);
        let (token, signer) = if forged {
            let attacker = &attackers[rng.below(attackers.len() as u64) as usize];
            (attacker.sign(&claims), None)
        } else {
            let published = &issuer.published[rng.below(issuer.published.len() as u64) as usize];
            (issuer.keys[published.key].sign(&claims), Some(published))
        };

        let fetches_before = world.fetched(JWKS_URL);
        let result = world.verify(&token);
        if issuer.up_since.is_some() && world.fetched(JWKS_URL) > fetches_before {
            last_success = Some((now, issuer.published.iter().map(|p| p.key).collect()));
        }

        if forged {
            assert!(
                result.is_err(),
                "step {steps}: a never-published key was accepted"
            );
            continue;
        }
        let signer = signer.expect("honest tokens have a signer");
        let up_long_enough = issuer.up_since.is_some_and(|since| now - since >= COOLDOWN);
        let published_long_enough = now - signer.since >= COOLDOWN;
        let served_recently = last_success
            .as_ref()
            .is_some_and(|(at, served)| served.contains(&signer.key) && now < at + TTL + STALE);
        let must_accept = (up_long_enough && published_long_enough)
            || (issuer.up_since.is_none() && served_recently);
        if must_accept {
            must_accept_checks += 1;
            assert!(
                result.is_ok(),
                "step {steps} at +{:.0}s: a token signed by published key k{} was rejected with {:?}",
                now - T0,
                signer.key,
                result.err()
            );
        }
        accepted += usize::from(result.is_ok());
    }
    assert!(
        steps > 800,
        "the simulation covers several days ({steps} steps)"
    );
    assert!(
        must_accept_checks > 300 && accepted > 300,
        "{must_accept_checks} checks, {accepted} accepted"
    );
}
