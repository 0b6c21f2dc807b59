//! `ops/`: `healthcheck(refresh)` and `signing_keys(refresh)` (docs/rules.md,
//! rule 8).

use serde_json::json;

use crate::generate::build::{CaseSpec, Expect, KeysExpect, Reply};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{
    jwk_edited, jwks, jwks_of, key, rsa, signed, DISCOVERY_URL, JWKS_URL, T0,
};
use crate::issuer::{discovery_document, FixedKey, TestKey};

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let world = World::new()?;
    let mut cases = healthcheck_cases(&world);
    cases.extend(signing_keys_cases(&world)?);
    Ok(cases)
}

struct World {
    a: TestKey,
    b: TestKey,
    token_a: String,
}

impl World {
    fn new() -> Result<Self, GenerateError> {
        let a = rsa()?;
        Ok(Self {
            token_a: signed(&a)?,
            a,
            b: key(FixedKey::Rsa2048B)?,
        })
    }

    fn set_a(&self) -> Reply {
        Reply::json(jwks_of(&[&self.a]))
    }

    fn server_error() -> Reply {
        Reply::json(json!({ "error": "internal" })).status(500)
    }

    /// A case serving `{a}`.
    fn case(&self, name: &str, description: &str) -> CaseSpec {
        CaseSpec::new(name, description).serve(JWKS_URL, self.set_a())
    }
}

fn healthcheck_cases(world: &World) -> Vec<CaseSpec> {
    let counts = |n: u64| [(JWKS_URL, n)];
    vec![
        world
            .case("ops/healthcheck/fetches-when-nothing-cached", "Rule 8: healthcheck(false) with nothing cached fetches; usable keys are then cached, so it is true.")
            .healthcheck(T0, false, true)
            .fetches(&counts(1)),
        world
            .case("ops/healthcheck/fresh-keys-no-fetch", "healthcheck(false) with fresh keys makes no request and is true.")
            .healthcheck(T0, false, true)
            .healthcheck(T0 + 200, false, true)
            .fetches(&counts(1)),
        world
            .case("ops/healthcheck/refresh-skips-freshness-and-cooldown", "healthcheck(true) fetches even though the keys are fresh and were fetched 1 s ago (refresh skips freshness and cooldown).")
            .healthcheck(T0, false, true)
            .healthcheck(T0 + 1, true, true)
            .fetches(&counts(2)),
        world
            .case("ops/healthcheck/past-freshness-fetches", "healthcheck(false) after the ttl fetches (keys past freshness); refresh-ahead off.")
            .set("refresh_ahead_s", json!(0))
            .healthcheck(T0, false, true)
            .healthcheck(T0 + 300, false, true)
            .fetches(&counts(2)),
        world
            .case("ops/healthcheck/refresh-never-skips-backoff", "healthcheck(true) right after a failed refresh (500, fetch_attempts 1) makes no request during the 1 s backoff; the cached keys are inside the stale window, so it is true. At +1 s it may try again.")
            .set("fetch_attempts", json!(1))
            .healthcheck(T0, false, true)
            .serve(JWKS_URL, World::server_error())
            .healthcheck(T0 + 10, true, true)
            .fetches(&counts(2))
            .healthcheck(T0 + 10, true, true)
            .fetches(&counts(2))
            .healthcheck(T0 + 11, true, true)
            .fetches(&counts(3)),
        world
            .case("ops/healthcheck/never-starts-refresh-ahead", "Inside the refresh-ahead window (+280 s of 300) healthcheck(false) and signing_keys(false) answer from the fresh keys and start no refresh; a verification then does.")
            .verify(T0, &world.token_a, Expect::ok())
            .healthcheck(T0 + 280, false, true)
            .signing_keys(T0 + 280, false, KeysExpect::kids(&[world.a.kid()]))
            .fetches(&counts(1))
            .verify(T0 + 280, &world.token_a, Expect::ok())
            .fetches(&counts(2)),
        CaseSpec::new("ops/healthcheck/unreachable-nothing-cached", "Nothing cached and the key source refuses connections: healthcheck(false) is false.")
            .serve(JWKS_URL, Reply::refused())
            .healthcheck(T0, false, false),
        CaseSpec::new("ops/healthcheck/unusable-nothing-cached", "Nothing cached and the key source answers a set with no usable key: healthcheck(false) is false.")
            .serve(JWKS_URL, Reply::json(json!({ "keys": [] })))
            .healthcheck(T0, false, false),
        world
            .case("ops/healthcheck/past-stale-window", "Keys fetched at T0, then the source fails: with stale_if_error_s 100, at +399 s (inside ttl + stale) healthcheck is true, at +400 s false.")
            .set("stale_if_error_s", json!(100))
            .set("fetch_attempts", json!(1))
            .healthcheck(T0, false, true)
            .serve(JWKS_URL, World::server_error())
            .healthcheck(T0 + 399, false, true)
            .healthcheck(T0 + 400, false, false),
        world
            .case("ops/healthcheck/recovers", "After a failed start (refused) healthcheck is false; once the source answers, healthcheck(true) 1 s later is true.")
            .serve(JWKS_URL, Reply::refused())
            .healthcheck(T0, false, false)
            .serve(JWKS_URL, world.set_a())
            .healthcheck(T0 + 1, true, true)
            .fetches(&counts(1)),
    ]
}

fn signing_keys_cases(world: &World) -> Result<Vec<CaseSpec>, GenerateError> {
    let ec = key(FixedKey::P256)?;
    let weak = key(FixedKey::Rsa1024Weak)?;
    let mixed = jwks(vec![
        world.a.public_jwk(),
        ec.public_jwk(),
        json!({ "kty": "oct", "k": "c2VjcmV0", "kid": "hmac" }),
        jwk_edited(&world.b, &[("use", Some(json!("enc")))]),
        weak.public_jwk(),
    ]);
    let counts = |n: u64| [(JWKS_URL, n)];
    Ok(vec![
        CaseSpec::new("ops/signing-keys/usable-for-allowed-algs", "signing_keys lists the kids of keys usable for some algorithm of allowed_algs [RS256]: not the EC key, the oct key, the use=enc key or the 1024-bit key.")
            .serve(JWKS_URL, Reply::json(mixed.clone()))
            .signing_keys(T0, false, KeysExpect::kids(&[world.a.kid()])),
        CaseSpec::new("ops/signing-keys/two-allowed-families", "With allowed_algs [RS256, ES256] the EC key is listed too.")
            .set("allowed_algs", json!(["RS256", "ES256"]))
            .serve(JWKS_URL, Reply::json(mixed))
            .signing_keys(T0, false, KeysExpect::kids(&[world.a.kid(), ec.kid()])),
        world
            .case("ops/signing-keys/refresh-picks-up-rotation", "signing_keys(false) answers from fresh keys without a request; signing_keys(true) fetches at once (skipping freshness and cooldown) and lists the rotated set.")
            .signing_keys(T0, false, KeysExpect::kids(&[world.a.kid()]))
            .serve(JWKS_URL, Reply::json(jwks_of(&[&world.a, &world.b])))
            .signing_keys(T0 + 1, false, KeysExpect::kids(&[world.a.kid()]))
            .fetches(&counts(1))
            .signing_keys(T0 + 1, true, KeysExpect::kids(&[world.a.kid(), world.b.kid()]))
            .fetches(&counts(2)),
        world
            .case("ops/signing-keys/refresh-never-skips-backoff", "signing_keys(true) right after a failed forced refresh (500, fetch_attempts 1) makes no request during the 1 s backoff and lists the cached keys; at +1 s it requests again.")
            .set("fetch_attempts", json!(1))
            .signing_keys(T0, false, KeysExpect::kids(&[world.a.kid()]))
            .serve(JWKS_URL, World::server_error())
            .signing_keys(T0 + 5, true, KeysExpect::kids(&[world.a.kid()]))
            .fetches(&counts(2))
            .signing_keys(T0 + 5, true, KeysExpect::kids(&[world.a.kid()]))
            .fetches(&counts(2))
            .signing_keys(T0 + 6, true, KeysExpect::kids(&[world.a.kid()]))
            .fetches(&counts(3)),
        CaseSpec::new("ops/signing-keys/unreachable", "Nothing cached and the source refuses connections: signing_keys fails with jwks_fetch_failed (503).")
            .serve(JWKS_URL, Reply::refused())
            .signing_keys(T0, false, KeysExpect::Error(Code::JwksFetchFailed)),
        CaseSpec::new("ops/signing-keys/unusable", "Nothing cached and a key set that is not JSON: signing_keys fails with jwks_error.")
            .serve(JWKS_URL, Reply::text("not json"))
            .signing_keys(T0, false, KeysExpect::Error(Code::JwksError)),
        CaseSpec::new("ops/signing-keys/issuer-mismatch", "Discovery mode with a document of another issuer: signing_keys fails with issuer_mismatch.")
            .unset("jwks_url")
            .set("discovery_url", json!(DISCOVERY_URL))
            .serve(DISCOVERY_URL, Reply::json(discovery_document("https://attacker.example.test/", JWKS_URL)))
            .serve(JWKS_URL, world.set_a())
            .signing_keys(T0, false, KeysExpect::Error(Code::IssuerMismatch))
            .fetches(&counts(0)),
    ])
}
