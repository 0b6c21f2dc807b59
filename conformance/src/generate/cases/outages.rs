//! `outage/` and `fetch/`: failed refreshes, the stale window, backoff,
//! Retry-After, attempts per refresh, unusable answers, body limits and
//! redirects (docs/rules.md, "Fetching and caching", rules 4 to 6 and 9).

use serde_json::json;

use crate::generate::build::{CaseSpec, Expect, Reply};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{alice, jwks, jwks_of, key, rsa, signed, JWKS_URL, T0};
use crate::issuer::{FixedKey, TestKey};

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let world = World::new()?;
    let mut cases = stale_cases(&world);
    cases.extend(backoff_cases(&world));
    cases.extend(retry_after_cases(&world));
    cases.extend(attempt_cases(&world));
    cases.extend(unusable_cases(&world)?);
    cases.extend(redirect_cases(&world));
    Ok(cases)
}

/// The usual key and its token.
struct World {
    key: TestKey,
    token: String,
}

impl World {
    fn new() -> Result<Self, GenerateError> {
        let key = rsa()?;
        Ok(Self {
            token: signed(&key)?,
            key,
        })
    }

    fn good(&self) -> Reply {
        Reply::json(jwks_of(&[&self.key]))
    }

    /// Keys fetched at `T0`, then the endpoint answers `reply`; refresh-ahead
    /// off so the timeline has only the refreshes the case asks for.
    fn cached_then(&self, name: &str, description: &str, reply: Reply) -> CaseSpec {
        CaseSpec::new(name, description)
            .set("refresh_ahead_s", json!(0))
            .serve(JWKS_URL, self.good())
            .verify(T0, &self.token, Expect::claims(alice()))
            .fetches(&[(JWKS_URL, 1)])
            .serve(JWKS_URL, reply)
    }

    /// The token verified at `at` with `expect`, then the request count.
    fn step(&self, case: CaseSpec, at: u64, expect: Expect, fetches: u64) -> CaseSpec {
        case.verify(at, &self.token, expect)
            .fetches(&[(JWKS_URL, fetches)])
    }
}

fn server_error() -> Reply {
    Reply::json(json!({ "error": "internal" })).status(500)
}

fn stale_cases(world: &World) -> Vec<CaseSpec> {
    let window = world
        .cached_then(
            "outage/stale-window-boundaries",
            "Rule 4/5 with ttl 300, stale_if_error_s 600, fetch_attempts 1, the endpoint answering 500: at +300 s the refresh fails and the stale keys serve; at +899 s (after the 1 s backoff) another attempt fails and they still serve (now < fetched + ttl + stale); at +900 s, inside the 2 s backoff, no request is made and the error of the last failed refresh is returned (jwks_fetch_failed); at +901 s a new attempt fails the same way.",
            server_error(),
        )
        .set("stale_if_error_s", json!(600))
        .set("fetch_attempts", json!(1));
    let window = world.step(window, T0 + 300, Expect::claims(alice()), 2);
    let window = world.step(window, T0 + 899, Expect::ok(), 3);
    let window = world.step(window, T0 + 900, Expect::error(Code::JwksFetchFailed), 3);
    let window = world.step(window, T0 + 901, Expect::error(Code::JwksFetchFailed), 4);
    let zero = world
        .cached_then(
            "outage/stale-window-zero",
            "stale_if_error_s 0: keys past freshness are never served after a failed refresh: at +300 s the 500 answer makes the verification fail with jwks_fetch_failed.",
            server_error(),
        )
        .set("stale_if_error_s", json!(0))
        .set("fetch_attempts", json!(1));
    let zero = world.step(zero, T0 + 300, Expect::error(Code::JwksFetchFailed), 2);
    let timeout = world
        .cached_then(
            "outage/timeout-serves-stale",
            "A refresh that times out (http_timeout_s 0.3, fetch_attempts 2: both attempts accepted and counted) fails; the stale keys serve.",
            Reply::timeout(),
        )
        .set("http_timeout_s", json!(0.3));
    let timeout = world.step(timeout, T0 + 300, Expect::claims(alice()), 3);
    let recovery = world
        .cached_then(
            "outage/recovery-after-stale-serving",
            "Rule 4/5 with stale_if_error_s 600, fetch_attempts 1: the endpoint answers 500, stale keys serve at +300 s, and at +901 s, past the stale window, the refresh fails (jwks_fetch_failed). The endpoint is back: at +910 s, past the backoff, the verification starts a refresh and is answered by it (every layer waits for the refresh a verification starts, not only the first one past freshness).",
            server_error(),
        )
        .set("stale_if_error_s", json!(600))
        .set("fetch_attempts", json!(1));
    let recovery = world.step(recovery, T0 + 300, Expect::claims(alice()), 2);
    let recovery = world.step(recovery, T0 + 901, Expect::error(Code::JwksFetchFailed), 3);
    let recovery = recovery.serve(JWKS_URL, world.good());
    let recovery = world.step(recovery, T0 + 910, Expect::claims(alice()), 4);
    let nothing = CaseSpec::new(
        "outage/nothing-cached-unreachable",
        "Nothing cached and the key source refuses connections: jwks_fetch_failed, 503 with no challenge; refused connections are not received requests.",
    )
    .serve(JWKS_URL, Reply::refused())
    .verify(T0, &world.token, Expect::error(Code::JwksFetchFailed))
    .fetches(&[(JWKS_URL, 0)]);
    let unserved = CaseSpec::new(
        "outage/nothing-cached-unserved-url",
        "Nothing cached and nothing served at the JWKS URL (the connection is refused): jwks_fetch_failed.",
    )
    .verify(T0, &world.token, Expect::error(Code::JwksFetchFailed));
    let recovered = world
        .cached_then(
            "outage/recovery-past-the-stale-window",
            "Rule 4/5 with ttl 300, stale_if_error_s 60, fetch_attempts 1: the endpoint answers 500, so at +360 s (past the stale window) the verification fails with jwks_fetch_failed; the endpoint recovers, and at +400 s (the backoff over) the verification that starts the refresh waits for it and is accepted in every layer, also where the driver performs the refresh on a task of its own and asks again while it is in flight.",
            server_error(),
        )
        .set("stale_if_error_s", json!(60))
        .set("fetch_attempts", json!(1));
    let recovered = world.step(recovered, T0 + 360, Expect::error(Code::JwksFetchFailed), 2);
    let recovered = recovered.serve(JWKS_URL, world.good());
    let recovered = world.step(recovered, T0 + 400, Expect::claims(alice()), 3);
    vec![
        window, zero, timeout, recovery, nothing, unserved, recovered,
    ]
}

fn backoff_cases(world: &World) -> Vec<CaseSpec> {
    let doubling = world
        .cached_then(
            "outage/backoff-doubles",
            "Rule 5, fetch_attempts 1, the endpoint answering 500 from +300 s: failed attempts at +300, +301 (1 s later), +303 (2 s), +307 (4 s); requests in between (+300 again, +302, +306) make no request and are answered from the stale cache. When the endpoint recovers, the attempt allowed at +315 (8 s) succeeds.",
            server_error(),
        )
        .set("fetch_attempts", json!(1));
    let mut case = doubling;
    for (at, fetches) in [
        (300, 2),
        (300, 2),
        (301, 3),
        (302, 3),
        (303, 4),
        (306, 4),
        (307, 5),
        (314, 5),
    ] {
        case = world.step(case, T0 + at, Expect::ok(), fetches);
    }
    let case = case.serve(JWKS_URL, world.good());
    let doubling = world.step(case, T0 + 315, Expect::claims(alice()), 6);
    let capped = world
        .cached_then(
            "outage/backoff-capped-at-cooldown",
            "The backoff grows 1 s, 2 s, then is capped at refresh_cooldown_s (3 s): failed attempts at +300, +301, +303, +306 and +309; +305 and +308 make no request.",
            server_error(),
        )
        .set("fetch_attempts", json!(1))
        .set("refresh_cooldown_s", json!(3));
    let mut capped = capped;
    for (at, fetches) in [
        (300, 2),
        (301, 3),
        (303, 4),
        (305, 4),
        (306, 5),
        (308, 5),
        (309, 6),
    ] {
        capped = world.step(capped, T0 + at, Expect::ok(), fetches);
    }
    let reset = world
        .cached_then(
            "outage/backoff-reset-by-success",
            "A success resets the backoff: after failures at +300 and +301 the endpoint recovers and +303 succeeds; after a new failure at +603 the next attempt is allowed 1 s later (+604), not 4 s.",
            server_error(),
        )
        .set("fetch_attempts", json!(1));
    let reset = world.step(reset, T0 + 300, Expect::ok(), 2);
    let reset = world.step(reset, T0 + 301, Expect::ok(), 3);
    let reset = reset.serve(JWKS_URL, world.good());
    let reset = world.step(reset, T0 + 303, Expect::ok(), 4);
    let reset = reset.serve(JWKS_URL, server_error());
    let reset = world.step(reset, T0 + 603, Expect::ok(), 5);
    let reset = world.step(reset, T0 + 604, Expect::ok(), 6);
    let first_failure = CaseSpec::new(
        "outage/backoff-with-nothing-cached",
        "Nothing cached, the endpoint answering 500 (fetch_attempts 1): the failed refresh's error, jwks_fetch_failed, is returned; a second verification at the same time makes no request (backoff) and gets the same error; 1 s later a new attempt is made and, the endpoint recovered, succeeds.",
    )
    .set("fetch_attempts", json!(1))
    .serve(JWKS_URL, server_error());
    let first_failure = world.step(first_failure, T0, Expect::error(Code::JwksFetchFailed), 1);
    let first_failure = world.step(first_failure, T0, Expect::error(Code::JwksFetchFailed), 1);
    let first_failure = first_failure.serve(JWKS_URL, world.good());
    let first_failure = world.step(first_failure, T0 + 1, Expect::claims(alice()), 2);
    let unusable_backoff = CaseSpec::new(
        "outage/backoff-after-unusable-answer",
        "Nothing cached and an unusable answer (not JSON, fetch_attempts 1): jwks_error; within the 1 s backoff the same error with no request; at +1 s a new attempt.",
    )
    .set("fetch_attempts", json!(1))
    .serve(JWKS_URL, Reply::text("<html>oops</html>"));
    let unusable_backoff = world.step(unusable_backoff, T0, Expect::error(Code::JwksError), 1);
    let unusable_backoff = world.step(unusable_backoff, T0, Expect::error(Code::JwksError), 1);
    let unusable_backoff = world.step(unusable_backoff, T0 + 1, Expect::error(Code::JwksError), 2);
    vec![doubling, capped, reset, first_failure, unusable_backoff]
}

fn retry_after_cases(world: &World) -> Vec<CaseSpec> {
    let waiting = |name: &str, description: &str, status: u16, retry_after: &str| {
        CaseSpec::new(name, description)
            .set("fetch_attempts", json!(2))
            .serve(
                JWKS_URL,
                Reply::json(json!({ "error": "busy" }))
                    .status(status)
                    .header("retry-after", retry_after),
            )
    };
    let delta_503 = waiting(
        "outage/retry-after/503-delta-seconds",
        "Rules 5 and 6: a 503 with Retry-After: 10 is not retried within the refresh (one request despite fetch_attempts 2) and the next attempt waits 10 s: +9 s makes no request (jwks_fetch_failed), +10 s does and succeeds.",
        503,
        "10",
    );
    let delta_503 = world.step(delta_503, T0, Expect::error(Code::JwksFetchFailed), 1);
    let delta_503 = world.step(delta_503, T0 + 9, Expect::error(Code::JwksFetchFailed), 1);
    let delta_503 = delta_503.serve(JWKS_URL, world.good());
    let delta_503 = world.step(delta_503, T0 + 10, Expect::claims(alice()), 2);
    let delta_429 = waiting(
        "outage/retry-after/429-delta-seconds",
        "A 429 with Retry-After: 5: one request, then none until +5 s.",
        429,
        "5",
    );
    let delta_429 = world.step(delta_429, T0, Expect::error(Code::JwksFetchFailed), 1);
    let delta_429 = world.step(delta_429, T0 + 4, Expect::error(Code::JwksFetchFailed), 1);
    let delta_429 = world.step(delta_429, T0 + 5, Expect::error(Code::JwksFetchFailed), 2);
    let capped = waiting(
        "outage/retry-after/capped-at-ttl",
        "Retry-After: 100000 is capped at cache_ttl_s (60): +59 s makes no request, +60 s does.",
        503,
        "100000",
    )
    .set("cache_ttl_s", json!(60));
    let capped = world.step(capped, T0, Expect::error(Code::JwksFetchFailed), 1);
    let capped = world.step(capped, T0 + 59, Expect::error(Code::JwksFetchFailed), 1);
    let capped = world.step(capped, T0 + 60, Expect::error(Code::JwksFetchFailed), 2);
    let date = waiting(
        "outage/retry-after/http-date-ignored",
        "A Retry-After HTTP-date (far in the future) is ignored: with fetch_attempts 1 the usual 1 s backoff applies, so +1 s makes a new request.",
        503,
        "Thu, 01 Jan 2099 00:00:00 GMT",
    )
    .set("fetch_attempts", json!(1));
    let date = world.step(date, T0, Expect::error(Code::JwksFetchFailed), 1);
    let date = world.step(date, T0 + 1, Expect::error(Code::JwksFetchFailed), 2);
    let stale = world
        .cached_then(
            "outage/retry-after/stale-keys-serve-meanwhile",
            "A 503 Retry-After: 20 during a refresh of cached keys: the stale keys serve, with no request until +20 s after the failure.",
            Reply::json(json!({ "error": "busy" })).status(503).header("retry-after", "20"),
        );
    let stale = world.step(stale, T0 + 300, Expect::claims(alice()), 2);
    let stale = world.step(stale, T0 + 319, Expect::ok(), 2);
    let stale = world.step(stale, T0 + 320, Expect::ok(), 3);
    let shorter = CaseSpec::new(
        "outage/retry-after/shorter-than-backoff",
        "Rule 5 (revised): Retry-After replaces the backoff even when shorter. Three 500s at +0, +1 and +3 s leave a 4 s backoff (next attempt +7 s); the 503 at +7 s says Retry-After: 1, so the next attempt is at +8 s, not +15 s.",
    )
    .set("fetch_attempts", json!(1))
    .serve(JWKS_URL, server_error());
    let shorter = world.step(shorter, T0, Expect::error(Code::JwksFetchFailed), 1);
    let shorter = world.step(shorter, T0 + 1, Expect::error(Code::JwksFetchFailed), 2);
    let shorter = world.step(shorter, T0 + 3, Expect::error(Code::JwksFetchFailed), 3);
    let shorter = shorter.serve(
        JWKS_URL,
        Reply::json(json!({ "error": "busy" }))
            .status(503)
            .header("retry-after", "1"),
    );
    let shorter = world.step(shorter, T0 + 7, Expect::error(Code::JwksFetchFailed), 4);
    let shorter = shorter.serve(JWKS_URL, world.good());
    let shorter = world.step(shorter, T0 + 8, Expect::claims(alice()), 5);
    let zero = waiting(
        "outage/retry-after/zero",
        "Retry-After: 0 sets the next attempt exactly 0 s later: the next verification makes a new request at once (the 1 s backoff does not apply), and none is retried within a refresh.",
        503,
        "0",
    );
    let zero = world.step(zero, T0, Expect::error(Code::JwksFetchFailed), 1);
    let zero = world.step(zero, T0, Expect::error(Code::JwksFetchFailed), 2);
    vec![delta_503, delta_429, capped, date, stale, shorter, zero]
}

fn attempt_cases(world: &World) -> Vec<CaseSpec> {
    // The default 3 s timeout: an answering URL's count must not depend on
    // the machine answering within a short one (under load a TLS handshake
    // can outlast 0.3 s, and the request is then never written).
    let attempts = |name: &str, description: &str, count: u64, reply: Reply| {
        CaseSpec::new(name, description)
            .set("fetch_attempts", json!(count))
            .serve(JWKS_URL, reply)
    };
    let server = attempts(
        "fetch/attempts/5xx-retried-at-once",
        "Rule 6: a 500 without Retry-After is retried at once: fetch_attempts 3 makes three requests in one refresh, then jwks_fetch_failed.",
        3,
        server_error(),
    );
    let server = world.step(server, T0, Expect::error(Code::JwksFetchFailed), 3);
    // Each attempt waits out the timeout: a short one keeps the case quick.
    let timeout = attempts(
        "fetch/attempts/timeout-retried-at-once",
        "A timeout (http_timeout_s 0.3) is retried at once: fetch_attempts 2 makes two accepted requests, then jwks_fetch_failed.",
        2,
        Reply::timeout(),
    )
    .set("http_timeout_s", json!(0.3));
    let timeout = world.step(timeout, T0, Expect::error(Code::JwksFetchFailed), 2);
    let client = attempts(
        "fetch/attempts/4xx-not-retried",
        "A 404 is not retried: one request despite fetch_attempts 3, then jwks_fetch_failed (non-2xx).",
        3,
        Reply::json(json!({ "error": "not found" })).status(404),
    );
    let client = world.step(client, T0, Expect::error(Code::JwksFetchFailed), 1);
    let retry_after = attempts(
        "fetch/attempts/5xx-with-retry-after-not-retried",
        "A 503 with Retry-After is not retried at once: one request despite fetch_attempts 3.",
        3,
        Reply::json(json!({ "error": "busy" }))
            .status(503)
            .header("retry-after", "30"),
    );
    let retry_after = world.step(retry_after, T0, Expect::error(Code::JwksFetchFailed), 1);
    let refused = attempts(
        "fetch/attempts/refused-not-counted",
        "Refused connections (retried at once up to fetch_attempts 3) are never received by the server: zero requests counted, jwks_fetch_failed.",
        3,
        Reply::refused(),
    );
    let refused = world.step(refused, T0, Expect::error(Code::JwksFetchFailed), 0);
    let single = attempts(
        "fetch/attempts/one-attempt",
        "fetch_attempts 1: a 500 is not retried, one request.",
        1,
        server_error(),
    );
    let single = world.step(single, T0, Expect::error(Code::JwksFetchFailed), 1);
    vec![server, timeout, client, retry_after, refused, single]
}

fn unusable_cases(world: &World) -> Result<Vec<CaseSpec>, GenerateError> {
    let newcomer = key(FixedKey::Rsa2048B)?;
    let mut oversized: Vec<serde_json::Value> = (0..100)
        .map(|index| {
            world
                .key
                .clone()
                .with_kid(format!("filler-{index:03}"))
                .public_jwk()
        })
        .collect();
    oversized.push(newcomer.public_jwk());
    let changes_nothing = world
        .cached_then(
            "outage/unusable-answer-changes-nothing",
            "An unusable answer (101 keys, one of them new) changes nothing cached: at +300 s the new kid gets that refresh's error, jwks_error, and the old key keeps serving from the stale cache with no request (backoff). fetch_attempts 1.",
            Reply::json(jwks(oversized)),
        )
        .set("fetch_attempts", json!(1))
        .verify(T0 + 300, &signed(&newcomer)?, Expect::error(Code::JwksError))
        .fetches(&[(JWKS_URL, 2)]);
    let changes_nothing = world.step(changes_nothing, T0 + 300, Expect::claims(alice()), 2);
    let stale_on_garbage = world
        .cached_then(
            "outage/unusable-answer-serves-stale",
            "A refresh answered with a body over 512 KiB (body_repeat) is unusable and counts as a failed refresh: the stale keys serve.",
            Reply::repeat("{", 600_000),
        )
        .set("fetch_attempts", json!(1));
    let stale_on_garbage = world.step(stale_on_garbage, T0 + 300, Expect::claims(alice()), 2);
    let no_usable = world
        .cached_then(
            "outage/no-usable-key-answer-serves-stale",
            "A refresh answered with a set that has no key usable for allowed_algs (one oct key) is a failed refresh: the stale keys serve.",
            Reply::json(json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0", "kid": "hmac" }] })),
        )
        .set("fetch_attempts", json!(1));
    let no_usable = world.step(no_usable, T0 + 300, Expect::claims(alice()), 2);
    Ok(vec![changes_nothing, stale_on_garbage, no_usable])
}

fn redirect_cases(world: &World) -> Vec<CaseSpec> {
    const MOVED: &str = "https://login.example.test/keys/current.json";
    const HOP1: &str = "https://login.example.test/keys/hop1";
    const HOP2: &str = "https://login.example.test/keys/hop2";
    let redirect = |to: &str| Reply::empty(302).header("location", to);
    let one = CaseSpec::new(
        "fetch/redirect/one-hop",
        "Rule 9: a 302 to another https path of the same origin is followed; each hop counts at the URL it hit.",
    )
    .serve(JWKS_URL, redirect("/keys/current.json"))
    .serve(MOVED, world.good())
    .verify(T0, &world.token, Expect::claims(alice()))
    .fetches(&[(JWKS_URL, 1), (MOVED, 1)]);
    let three = CaseSpec::new(
        "fetch/redirect/three-hops",
        "At most 3 redirects: a chain of exactly three (301, 307, 308) is followed to the key set.",
    )
    .serve(JWKS_URL, Reply::empty(301).header("location", "/keys/hop1"))
    .serve(HOP1, Reply::empty(307).header("location", "/keys/hop2"))
    .serve(
        HOP2,
        Reply::empty(308).header("location", "/keys/current.json"),
    )
    .serve(MOVED, world.good())
    .verify(T0, &world.token, Expect::claims(alice()))
    .fetches(&[(JWKS_URL, 1), (HOP1, 1), (HOP2, 1), (MOVED, 1)]);
    let mut cases = vec![one, three];
    cases.extend(resolution_cases(world));
    cases.extend(refused_redirect_cases(world));
    cases
}

/// Rule 9: `Location` resolved against the URL it answered as RFC 3986
/// section 5 says.
fn resolution_cases(world: &World) -> Vec<CaseSpec> {
    let resolved = |name: &str, description: &str, location: &str, target: &str| {
        CaseSpec::new(name, description)
            .serve(JWKS_URL, Reply::empty(302).header("location", location))
            .serve(target, world.good())
            .verify(T0, &world.token, Expect::claims(alice()))
            .fetches(&[(JWKS_URL, 1), (target, 1)])
    };
    vec![
        resolved(
            "fetch/redirect/relative-path",
            "A relative-path Location (keys/current.json) is resolved against the directory of the URL it answered (RFC 3986 5.2.3).",
            "keys/current.json",
            "https://login.example.test/.well-known/keys/current.json",
        ),
        resolved(
            "fetch/redirect/dot-segments",
            "Dot segments in a Location (../keys/./v2/../current.json) are removed (RFC 3986 5.2.4).",
            "../keys/./v2/../current.json",
            "https://login.example.test/keys/current.json",
        ),
        resolved(
            "fetch/redirect/query-only",
            "A query-only Location (?rotation=2) keeps the path and replaces the query (RFC 3986 5.2.2).",
            "?rotation=2",
            "https://login.example.test/.well-known/jwks.json?rotation=2",
        ),
        resolved(
            "fetch/redirect/network-path",
            "A network-path Location (//keys.example.test/jwks) keeps the scheme, https.",
            "//keys.example.test/jwks",
            "https://keys.example.test/jwks",
        ),
    ]
}

/// Rule 9's refusals: more than 3 redirects, another scheme, a redirect
/// status without Location.
fn refused_redirect_cases(world: &World) -> Vec<CaseSpec> {
    const PLAIN: &str = "http://login.example.test/jwks";
    let hop = |n: u32| format!("https://login.example.test/hop{n}");
    let mut four = CaseSpec::new(
        "fetch/redirect/four-hops-refused",
        "A fourth redirect is refused: jwks_fetch_failed after the request and three redirects (a refused redirect is not retried, despite fetch_attempts 2).",
    )
    .serve(JWKS_URL, Reply::empty(302).header("location", &hop(1)));
    for n in 1..=3 {
        four = four.serve(&hop(n), Reply::empty(302).header("location", &hop(n + 1)));
    }
    four = four.serve(&hop(4), world.good()).verify(
        T0,
        &world.token,
        Expect::error(Code::JwksFetchFailed),
    );
    let four = four.fetches(&[
        (JWKS_URL, 1),
        (&hop(1), 1),
        (&hop(2), 1),
        (&hop(3), 1),
        (&hop(4), 0),
    ]);
    let plain = CaseSpec::new(
        "fetch/redirect/to-plain-http-refused",
        "A redirect from https to plain http is never followed (allow_insecure_http is off): jwks_fetch_failed, nothing requested over http.",
    )
    .serve(JWKS_URL, Reply::empty(301).header("location", PLAIN))
    .serve(PLAIN, world.good())
    .verify(T0, &world.token, Expect::error(Code::JwksFetchFailed))
    .fetches(&[(JWKS_URL, 1), (PLAIN, 0)]);
    let bare = CaseSpec::new(
        "fetch/redirect/without-location",
        "A 302 without Location is a final non-2xx answer: jwks_fetch_failed, and as a 3xx it is not retried (one request despite fetch_attempts 2).",
    )
    .serve(JWKS_URL, Reply::empty(302))
    .verify(T0, &world.token, Expect::error(Code::JwksFetchFailed))
    .fetches(&[(JWKS_URL, 1)]);
    vec![four, plain, bare]
}
