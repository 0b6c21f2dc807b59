//! The blocking driver's hot path (fresh keys, no I/O) against the bare core
//! on the same token, and how it scales from one thread to two: the driver
//! holds its lock only for the key lookup, never across the signature check.
//! Ratios measured in one run; it asserts nothing about timing.
//! Run: `cargo bench -p oidc-jwt-verifier-blocking`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use oidc_jwt_verifier_blocking::{AuthConfig, JwtVerifier, ManualClock, Now, UnixTime};
use oidc_jwt_verifier_core::{FetchNext, HttpResponse, Progress, Query, Verifier};
use oidc_jwt_verifier_testkit::{jwks_of, FixedKey, ScriptedServer, TestKey, TokenBuilder};
use serde_json::json;

const ISSUER: &str = "https://issuer.test/";
const AUDIENCE: &str = "api://tests";
const T0: f64 = 1_700_000_000.0;
const JWKS: &str = "http://keys.test/jwks";

const ROUNDS: u32 = 4_000;

/// Verifications per second by `threads` threads sharing one verifier.
fn driver_rate(verifier: &Arc<JwtVerifier>, token: &Arc<String>, threads: u32) -> f64 {
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (verifier, token) = (Arc::clone(verifier), Arc::clone(token));
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    verifier
                        .verify_access_token(black_box(&token))
                        .expect("valid");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    f64::from(ROUNDS * threads) / start.elapsed().as_secs_f64()
}

/// Verifications per second by the bare core, keys already fed in.
fn core_rate(config: AuthConfig, jwks: &str, token: &str) -> f64 {
    let mut core = Verifier::new(config).expect("config");
    let now = Now {
        wall: UnixTime::from_secs_f64(T0 + 60.0),
        monotonic: Instant::now(),
    };
    let Progress::Fetch(request) = core.verify(token, &mut Query::new(), now) else {
        panic!("the first verification fetches");
    };
    let response = HttpResponse {
        status: 200,
        body: jwks.as_bytes().to_vec(),
        ..HttpResponse::default()
    };
    let next = core.handle_answer(request.read(Ok(response)), now);
    assert!(matches!(next, Ok(FetchNext::Ended)));
    let start = Instant::now();
    for _ in 0..ROUNDS {
        match core.verify(black_box(token), &mut Query::new(), now) {
            Progress::Done {
                answer: Ok(check), ..
            } => assert!(check.finish().is_ok()),
            other => panic!("{other:?}"),
        }
    }
    f64::from(ROUNDS) / start.elapsed().as_secs_f64()
}

fn best_of(runs: usize, mut measure: impl FnMut() -> f64) -> f64 {
    (0..runs).map(|_| measure()).fold(0.0, f64::max)
}

fn main() {
    let key = TestKey::fixed(FixedKey::Rsa2048A)
        .expect("a fixed key")
        .with_kid("k1");
    let jwks = jwks_of(&[&key]).to_string();
    let server = ScriptedServer::start().expect("a scripted server");
    server.serve_json(JWKS, jwks_of(&[&key])).expect("served");
    let mut config =
        AuthConfig::with_jwks_url(ISSUER, AUDIENCE, server.map_url(JWKS).expect("mapped"));
    config.allow_insecure_http = true;
    let clock = Arc::new(ManualClock::new(Instant::now(), T0 + 60.0));
    let verifier = Arc::new(
        JwtVerifier::builder(config.clone())
            .clock(clock)
            .build()
            .expect("verifier"),
    );
    let token = TokenBuilder::for_key(&key)
        .claim("iss", json!(ISSUER))
        .claim("aud", json!(AUDIENCE))
        .claim("exp", json!(T0 as i64 + 86_400))
        .sign(&key)
        .expect("a signed token");
    let token = Arc::new(token);
    verifier
        .verify_access_token(&token)
        .expect("warm the cache");
    thread::sleep(Duration::from_millis(50));

    let core = best_of(3, || core_rate(config.clone(), &jwks, &token));
    let one = best_of(3, || driver_rate(&verifier, &token, 1));
    let two = best_of(3, || driver_rate(&verifier, &token, 2));
    println!("RS256 verifications per second (best of 3, {ROUNDS} per thread):");
    println!("  core, 1 thread          {core:>10.0}");
    println!(
        "  driver, 1 thread        {one:>10.0}   {:.2}x the core's cost per verification",
        core / one
    );
    println!(
        "  driver, 2 threads       {two:>10.0}   {:.2}x one thread ({} cores here)",
        two / one,
        thread::available_parallelism().map_or(1, usize::from)
    );
    println!("  HTTP requests made      {:>10}", server.requests(JWKS));
}
