//! `cache/`: freshness, Cache-Control, unknown-kid refetch and cooldown,
//! refresh-ahead (docs/rules.md, "Fetching and caching", rules 1 to 4).

use serde_json::json;

use crate::generate::build::{CaseSpec, Expect, Reply};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{alice, jwks, jwks_of, key, rsa, signed, JWKS_URL, T0};
use crate::issuer::{FixedKey, TestKey};

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let world = World::new()?;
    let mut cases = freshness_cases(&world)?;
    cases.extend(cache_control_cases(&world));
    cases.extend(refetch_cases(&world)?);
    cases.extend(refresh_ahead_cases(&world));
    Ok(cases)
}

/// Two keys and their tokens: `a` is published first, `b` after a rotation.
struct World {
    a: TestKey,
    b: TestKey,
    token_a: String,
    token_b: String,
}

impl World {
    fn new() -> Result<Self, GenerateError> {
        let a = rsa()?;
        let b = key(FixedKey::Rsa2048B)?;
        Ok(Self {
            token_a: signed(&a)?,
            token_b: signed(&b)?,
            a,
            b,
        })
    }

    fn set_a(&self) -> Reply {
        Reply::json(jwks_of(&[&self.a]))
    }

    fn set_ab(&self) -> Reply {
        Reply::json(jwks_of(&[&self.a, &self.b]))
    }

    fn set_b(&self) -> Reply {
        Reply::json(jwks_of(&[&self.b]))
    }

    /// A case serving `{a}`, verifying `a`'s token at `T0` (the one fetch).
    fn started(&self, name: &str, description: &str) -> CaseSpec {
        CaseSpec::new(name, description)
            .serve(JWKS_URL, self.set_a())
            .verify(T0, &self.token_a, Expect::claims(alice()))
            .fetches(&[(JWKS_URL, 1)])
    }

    /// `a`'s token verified at `at`, then the JWKS request count checked.
    fn check(&self, case: CaseSpec, at: u64, fetches: u64) -> CaseSpec {
        case.verify(at, &self.token_a, Expect::ok())
            .fetches(&[(JWKS_URL, fetches)])
    }
}

fn freshness_cases(world: &World) -> Result<Vec<CaseSpec>, GenerateError> {
    let first = world.started(
        "cache/first-verification-fetches-once",
        "Rule 1: the first verification needs keys and fetches once; a second verification at the same time fetches nothing.",
    );
    let fresh = world.started(
        "cache/fresh-keys-no-fetch",
        "Rule 2: keys are fresh for cache_ttl_s (300) and used with no fetch: verifications at +100 s and +269 s (before the refresh-ahead window) fetch nothing.",
    );
    let ttl = world
        .started(
            "cache/ttl-boundary",
            "Keys are fresh while now < fetched + ttl: with refresh-ahead off, +299 s uses the cache and +300 s (exactly ttl) refetches.",
        )
        .set("refresh_ahead_s", json!(0));
    let rotated = world
        .started(
            "cache/past-freshness-waits-for-refetch",
            "Rule 4: once keys are past freshness the next verification waits for a refetch: at +300 s a token of the newly published key verifies, and the old key, gone from the new set, is key_not_found.",
        )
        .set("refresh_ahead_s", json!(0))
        .serve(JWKS_URL, world.set_b())
        .verify(T0 + 300, &world.token_b, Expect::claims(alice()))
        .verify(T0 + 300, &world.token_a, Expect::error(Code::KeyNotFound))
        .fetches(&[(JWKS_URL, 2)]);
    Ok(vec![
        world.check(first, T0, 1),
        world.check(world.check(fresh, T0 + 100, 1), T0 + 269, 1),
        world.check(world.check(ttl, T0 + 299, 1), T0 + 300, 2),
        rotated,
    ])
}

/// A case whose key set answers with `cache-control: <value>`, refresh-ahead
/// off, checked one second before and exactly at `fresh_for` seconds.
fn cache_control(
    world: &World,
    slug: &str,
    description: &str,
    value: &str,
    cooldown: u64,
    fresh_for: u64,
) -> CaseSpec {
    let case = CaseSpec::new(&format!("cache/cache-control/{slug}"), description)
        .set("refresh_ahead_s", json!(0))
        .set("refresh_cooldown_s", json!(cooldown))
        .serve(JWKS_URL, world.set_a().header("cache-control", value))
        .verify(T0, &world.token_a, Expect::claims(alice()))
        .fetches(&[(JWKS_URL, 1)]);
    world.check(world.check(case, T0 + fresh_for - 1, 1), T0 + fresh_for, 2)
}

fn cache_control_cases(world: &World) -> Vec<CaseSpec> {
    vec![
        cache_control(world, "max-age-shorter", "Rule 2: max-age=100 (< ttl 300, >= cooldown 30) shortens freshness to 100 s: +99 s uses the cache, +100 s refetches.", "max-age=100", 30, 100),
        cache_control(world, "max-age-below-cooldown", "max-age=10 is below the cooldown (30): freshness is max(10, 30) = 30 s, so +29 s uses the cache and +30 s refetches.", "max-age=10", 30, 30),
        cache_control(world, "max-age-zero", "max-age=0: freshness is the cooldown, 30 s.", "max-age=0", 30, 30),
        cache_control(world, "no-cache", "no-cache counts as max-age=0: freshness is the cooldown (here 45 s).", "no-cache", 45, 45),
        cache_control(world, "no-store", "no-store counts as max-age=0: freshness is the cooldown (here 45 s).", "no-store", 45, 45),
        cache_control(world, "max-age-longer-than-ttl", "max-age=1000 is longer than cache_ttl_s (300): it only ever shortens, so freshness stays 300 s.", "max-age=1000", 30, 300),
        cache_control(world, "max-age-among-directives", "max-age=100 among other directives (public, must-revalidate) still shortens freshness to 100 s.", "public, max-age=100, must-revalidate", 30, 100),
    ]
}

fn refetch_cases(world: &World) -> Result<Vec<CaseSpec>, GenerateError> {
    let cooldown = world
        .started(
            "cache/unknown-kid/cooldown-boundary",
            "Rule 3: an unknown kid less than refresh_cooldown_s (30) after the last successful fetch fails at once with key_not_found and fetches nothing (+29 s); at exactly last_success + cooldown (+30 s) it triggers one refetch and the new key verifies.",
        )
        .serve(JWKS_URL, world.set_ab())
        .verify(T0 + 29, &world.token_b, Expect::error(Code::KeyNotFound))
        .fetches(&[(JWKS_URL, 1)])
        .verify(T0 + 30, &world.token_b, Expect::claims(alice()))
        .fetches(&[(JWKS_URL, 2)]);
    let unknown = world
        .started(
            "cache/unknown-kid/still-unknown-after-refetch",
            "An unknown kid refetches once (+30 s) and is still unknown: key_not_found; again at +31 s the last success is 1 s old, so key_not_found with no fetch; at +60 s it may refetch again.",
        )
        .verify(T0 + 30, &world.token_b, Expect::error(Code::KeyNotFound))
        .fetches(&[(JWKS_URL, 2)])
        .verify(T0 + 31, &world.token_b, Expect::error(Code::KeyNotFound))
        .fetches(&[(JWKS_URL, 2)])
        .verify(T0 + 60, &world.token_b, Expect::error(Code::KeyNotFound))
        .fetches(&[(JWKS_URL, 3)]);
    let removed = world
        .started(
            "cache/unknown-kid/set-replaced-whole",
            "A successful fetch replaces the whole set: after a refetch for the new key, the key that left the document is gone (key_not_found, no further fetch within the cooldown).",
        )
        .serve(JWKS_URL, world.set_b())
        .verify(T0 + 30, &world.token_b, Expect::claims(alice()))
        .verify(T0 + 30, &world.token_a, Expect::error(Code::KeyNotFound))
        .fetches(&[(JWKS_URL, 2)]);
    let impostor = world.b.clone().with_kid(world.a.kid());
    let ambiguous = CaseSpec::new(
        "cache/unknown-kid/ambiguous-kid-refetches",
        "Rule 3: an ambiguous kid (two usable keys) is key_not_found while the set is just fetched; after the cooldown it triggers a refetch, and the now unique key verifies.",
    )
    .serve(JWKS_URL, Reply::json(jwks(vec![world.a.public_jwk(), impostor.public_jwk()])))
    .verify(T0, &world.token_a, Expect::error(Code::KeyNotFound))
    .fetches(&[(JWKS_URL, 1)])
    .serve(JWKS_URL, world.set_a())
    .verify(T0 + 30, &world.token_a, Expect::claims(alice()))
    .fetches(&[(JWKS_URL, 2)]);
    let unreachable = world
        .started(
            "cache/unknown-kid/refetch-unreachable",
            "An unknown kid whose refetch fails (connection refused) is jwks_fetch_failed (503); the known kid still verifies from the fresh cache. Refused connections are not received requests.",
        )
        .serve(JWKS_URL, Reply::refused())
        .verify(T0 + 30, &world.token_b, Expect::error(Code::JwksFetchFailed))
        .verify(T0 + 30, &world.token_a, Expect::claims(alice()))
        .fetches(&[(JWKS_URL, 1)]);
    let unusable = world
        .started(
            "cache/unknown-kid/refetch-unusable",
            "An unknown kid whose refetch answers something unusable (not JSON) gets the error of that failed refresh, jwks_error; the cached key still verifies. fetch_attempts 1.",
        )
        .set("fetch_attempts", json!(1))
        .serve(JWKS_URL, Reply::text("not json"))
        .verify(T0 + 30, &world.token_b, Expect::error(Code::JwksError))
        .verify(T0 + 30, &world.token_a, Expect::claims(alice()))
        .fetches(&[(JWKS_URL, 2)]);
    Ok(vec![
        cooldown,
        unknown,
        removed,
        ambiguous,
        unreachable,
        unusable,
    ])
}

fn refresh_ahead_cases(world: &World) -> Vec<CaseSpec> {
    let window = world
        .started(
            "cache/refresh-ahead/window-boundaries",
            "Rule 4: with ttl 300 and refresh_ahead_s 30 the window is [+270, +300). +269 s uses the cache; +270 s is answered from the cache and starts a background refresh, complete before the next step: the key it brought verifies with no fetch. The refreshed keys' window starts at +540 s.",
        )
        .serve(JWKS_URL, world.set_ab())
        .verify(T0 + 269, &world.token_a, Expect::ok())
        .fetches(&[(JWKS_URL, 1)])
        .verify(T0 + 270, &world.token_a, Expect::claims(alice()))
        .fetches(&[(JWKS_URL, 2)])
        .verify(T0 + 270, &world.token_b, Expect::claims(alice()))
        .fetches(&[(JWKS_URL, 2)]);
    let window = world.check(world.check(window, T0 + 539, 2), T0 + 540, 3);
    let failing = world
        .started(
            "cache/refresh-ahead/failure-keeps-serving",
            "A refresh-ahead that fails (503, fetch_attempts 1) does not fail the verification that started it; the next verification at the same time is answered from cache with no fetch (backoff); past freshness (+300 s) the stale keys serve after another failed attempt.",
        )
        .set("fetch_attempts", json!(1))
        .serve(JWKS_URL, Reply::json(json!({ "error": "unavailable" })).status(503))
        .verify(T0 + 270, &world.token_a, Expect::claims(alice()))
        .fetches(&[(JWKS_URL, 2)])
        .verify(T0 + 270, &world.token_a, Expect::ok())
        .fetches(&[(JWKS_URL, 2)]);
    let failing = world.check(failing, T0 + 300, 3);
    let capped = world
        .started(
            "cache/refresh-ahead/capped-at-half-ttl",
            "refresh_ahead_s 80 with cache_ttl_s 100 is capped at half the freshness, 50 s: +49 s uses the cache, +50 s starts a background refresh.",
        )
        .set("cache_ttl_s", json!(100))
        .set("refresh_cooldown_s", json!(10))
        .set("refresh_ahead_s", json!(80));
    let capped = world.check(world.check(capped, T0 + 49, 1), T0 + 50, 2);
    let capped_max_age = CaseSpec::new(
        "cache/refresh-ahead/capped-at-half-max-age",
        "max-age=60 makes the freshness 60 s; refresh_ahead_s 50 is capped at half of it, 30 s: +29 s uses the cache, +30 s starts a background refresh.",
    )
    .set("refresh_cooldown_s", json!(10))
    .set("refresh_ahead_s", json!(50))
    .serve(JWKS_URL, world.set_a().header("cache-control", "max-age=60"))
    .verify(T0, &world.token_a, Expect::claims(alice()))
    .fetches(&[(JWKS_URL, 1)]);
    let capped_max_age = world.check(world.check(capped_max_age, T0 + 29, 1), T0 + 30, 2);
    let off = world
        .started(
            "cache/refresh-ahead/zero-turns-it-off",
            "refresh_ahead_s 0 turns refresh-ahead off: +290 s and +299 s use the cache with no fetch; +300 s (past freshness) refetches.",
        )
        .set("refresh_ahead_s", json!(0));
    let off = world.check(
        world.check(world.check(off, T0 + 290, 1), T0 + 299, 1),
        T0 + 300,
        2,
    );
    vec![window, failing, capped, capped_max_age, off]
}
