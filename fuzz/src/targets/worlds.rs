//! `worlds`: small random worlds run through the core, blocking and async
//! layers, which must answer every step alike (and perform every step).
//!
//! A world is a configuration (a JWK Set URL or discovery, cache windows,
//! attempts), a script of what the key source answers as time goes on
//! (rotations, statuses with and without `Retry-After`, `Cache-Control`,
//! refused connections, timeouts, redirects, broken bodies, discovery
//! documents naming the right or another issuer), clock steps across the
//! freshness, cooldown, backoff and stale windows, and verifications and
//! key operations in between. The socket layers start a loopback server
//! per world, so worlds stay small.

use serde_json::{json, Map, Value};

use oidc_jwt_verifier_conformance::{discovery_document, FixedKey, TestKey, TokenBuilder};

use crate::harness::{Input, Target};
use crate::judge::Judge;
use crate::rng::Rng;
use crate::script::{Script, AUDIENCE, ISSUER, JWKS_URL, T0};

const DISCOVERY_URL: &str = "https://issuer.example.test/.well-known/openid-configuration";
const DISCOVERED_JWKS: &str = "https://keys.example.test/jwks";
const MOVED_JWKS: &str = "https://keys.example.test/moved";

/// Actions per world (before the closing request count).
const MAX_ACTIONS: usize = 9;

/// The `worlds` target.
pub struct Worlds {
    keys: Vec<TestKey>,
    /// A valid token per key, then one whose key is never published.
    tokens: Vec<String>,
}

impl Worlds {
    /// Loads the keys and signs a token with each.
    pub fn new() -> Result<Worlds, String> {
        let load = |fixed| {
            TestKey::fixed(fixed)
                .map_err(|error: oidc_jwt_verifier_conformance::IssuerError| error.to_string())
        };
        let keys = vec![
            load(FixedKey::Rsa2048A)?,
            load(FixedKey::Rsa2048B)?,
            load(FixedKey::Ed25519)?,
        ];
        let mut tokens = Vec::new();
        for key in keys.iter().chain([&load(FixedKey::Ed448)?]) {
            let token = TokenBuilder::for_key(key)
                .claim("iss", json!(ISSUER))
                .claim("aud", json!(AUDIENCE))
                .claim("exp", json!(T0 + 1e7))
                .claim("sub", json!(key.kid()))
                .sign(key)
                .map_err(|error| error.to_string())?;
            tokens.push(token);
        }
        Ok(Worlds { keys, tokens })
    }

    /// A key set of a non-empty random subset of the keys.
    fn key_set(&self, rng: &mut Rng) -> Value {
        let mut keys: Vec<Value> = self
            .keys
            .iter()
            .filter(|_| rng.chance(1, 2))
            .map(TestKey::public_jwk)
            .collect();
        if keys.is_empty() {
            keys.push(rng.pick(&self.keys).public_jwk());
        }
        json!({ "keys": keys })
    }
}

/// The world's windows, for picking clock steps that land on them.
struct Windows {
    ttl: f64,
    cooldown: f64,
    stale: f64,
    ahead: f64,
}

fn config(rng: &mut Rng, discovery: bool, slow: bool) -> (Map<String, Value>, Windows) {
    let windows = Windows {
        ttl: *rng.pick(&[10.0, 60.0, 300.0]),
        cooldown: *rng.pick(&[1.0, 5.0, 30.0]),
        stale: *rng.pick(&[0.0, 30.0, 3600.0]),
        ahead: *rng.pick(&[0.0, 3.0, 30.0]),
    };
    let mut config = Script::standard_config();
    if discovery {
        config.remove("jwks_url");
        config.insert("discovery_url".into(), json!(DISCOVERY_URL));
    }
    config.insert("cache_ttl_s".into(), json!(windows.ttl));
    config.insert("refresh_cooldown_s".into(), json!(windows.cooldown));
    config.insert("stale_if_error_s".into(), json!(windows.stale));
    config.insert("refresh_ahead_s".into(), json!(windows.ahead));
    let attempts = if slow {
        rng.between(1, 2)
    } else {
        rng.between(1, 3)
    };
    config.insert("fetch_attempts".into(), json!(attempts));
    // A timeout costs the socket layers real time: shorter there, but not
    // so short that a loaded machine misses a request that did arrive (a
    // request counted in the core and not by a server is a false
    // difference).
    config.insert("http_timeout_s".into(), json!(if slow { 2.0 } else { 3.0 }));
    (config, windows)
}

impl Worlds {
    /// What the key set URL answers next.
    fn jwks_reply(&self, rng: &mut Rng, url: &str, slow: bool) -> Vec<Value> {
        let ok = |body: Value, headers: Value| json!({"serve": {"url": url, "headers": headers, "json": body}});
        match rng.below(12) {
            0..=4 => {
                let headers = match rng.below(7) {
                    0 => json!({"cache-control": format!("max-age={}", rng.pick(&[0, 2, 5, 100]))}),
                    // The rules' one body rule: identity as is; gzip decoded
                    // (this body is not gzip); any other coding refused.
                    6 => json!({"content-encoding": *rng.pick(&["identity", "gzip", "br"])}),
                    1 => {
                        json!({"cache-control": *rng.pick(&["no-cache", "no-store", "public, max-age=1"])})
                    }
                    _ => json!({}),
                };
                vec![ok(self.key_set(rng), headers)]
            }
            5 | 6 => {
                let status = *rng.pick(&[404_u16, 429, 500, 503]);
                let headers = match rng.below(3) {
                    0 => json!({"retry-after": rng.pick(&["1", "5", "1000"]).to_string()}),
                    1 => json!({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}),
                    _ => json!({}),
                };
                vec![
                    json!({"serve": {"url": url, "status": status, "headers": headers, "body": "unavailable"}}),
                ]
            }
            7 => vec![json!({"serve": {"url": url, "fail": "refused"}})],
            8 if slow => vec![json!({"serve": {"url": url, "fail": "timeout"}})],
            9 => vec![
                json!({"serve": {"url": url, "headers": {"content-type": "application/json"}, "body": *rng.pick(&["not json", "{\"keys\": 1}", "{\"keys\": []}"])}}),
            ],
            10 => vec![
                json!({"serve": {"url": MOVED_JWKS, "json": self.key_set(rng)}}),
                json!({"serve": {"url": url, "status": *rng.pick(&[301_u16, 302, 307]), "headers": {"location": MOVED_JWKS}}}),
            ],
            _ => vec![ok(self.key_set(rng), json!({}))],
        }
    }

    fn discovery_reply(&self, rng: &mut Rng) -> Value {
        match rng.below(6) {
            0 => {
                json!({"serve": {"url": DISCOVERY_URL, "json": discovery_document("https://other.example.test/", DISCOVERED_JWKS)}})
            }
            1 => json!({"serve": {"url": DISCOVERY_URL, "json": {"issuer": ISSUER}}}),
            2 => json!({"serve": {"url": DISCOVERY_URL, "status": 503, "body": "down"}}),
            _ => {
                json!({"serve": {"url": DISCOVERY_URL, "json": discovery_document(ISSUER, DISCOVERED_JWKS)}})
            }
        }
    }
}

impl Target for Worlds {
    fn name(&self) -> &'static str {
        "worlds"
    }

    fn input(&mut self, rng: &mut Rng) -> Result<Input, String> {
        let discovery = rng.chance(1, 4);
        let slow = rng.chance(1, 8);
        let (config, windows) = config(rng, discovery, slow);
        let jwks_url = if discovery { DISCOVERED_JWKS } else { JWKS_URL };
        let mut script = Script::new(
            "A random world: every layer answers every step as the core does (expectations are the core's answers when the world was found).",
            config,
        );
        if discovery {
            script.push(self.discovery_reply(rng));
        }
        for step in self.jwks_reply(rng, jwks_url, slow) {
            script.push(step);
        }
        let mut at = T0;
        for _ in 0..rng.between(3, MAX_ACTIONS) {
            match rng.below(10) {
                0 | 1 => {
                    for step in self.jwks_reply(rng, jwks_url, slow) {
                        script.push(step);
                    }
                }
                2 if discovery => script.push(self.discovery_reply(rng)),
                3 | 4 => {
                    let ahead = windows.ahead.min(windows.ttl / 2.0);
                    at += rng.pick(&[
                        0.5,
                        1.0,
                        windows.cooldown,
                        windows.ttl - ahead,
                        windows.ttl,
                        windows.ttl + windows.stale,
                        1000.0,
                    ])
                    .max(0.5);
                }
                5 => script.push(json!({"at": at, "healthcheck": {"refresh": rng.chance(1, 2)}, "expect": true})),
                6 => script.push(json!({"at": at, "signing_keys": {"refresh": rng.chance(1, 2)}, "expect": {"kids": []}})),
                _ => {
                    let token = rng.pick(&self.tokens).clone();
                    script.push(json!({"at": at, "verify": token, "expect": {"ok": true, "claims": {}}}));
                }
            }
        }
        let mut counts = Map::new();
        for url in [jwks_url, MOVED_JWKS]
            .into_iter()
            .chain(discovery.then_some(DISCOVERY_URL))
        {
            counts.insert(url.to_owned(), json!(0));
        }
        script.push(json!({ "assert_fetches": counts }));
        Ok(Input {
            script,
            judge: Judge::Layers,
            anchors: Vec::new(),
        })
    }
}
