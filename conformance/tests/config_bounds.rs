//! No accepted configuration makes any layer panic or loop: seeded random
//! configurations inside the rules' bounds (their extremes drawn often),
//! run through the core, the blocking driver and the async driver against
//! the scripted loopback server for a few steps each. Every step must end
//! within a wall-clock bound, without a panic or a layer error.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use oidc_jwt_verifier_conformance::case::{Case, Step};
use oidc_jwt_verifier_conformance::runner::{LayerName, StartError};
use oidc_jwt_verifier_testkit::{discovery_document, FixedKey, Issuer, SeededRng, TestKey};
use serde_json::{json, Value};

const ISSUER: &str = "https://id.example.test/";
const AUDIENCE: &str = "https://api.example.test";
const JWKS_URL: &str = "https://login.example.test/.well-known/jwks.json";
const DISCOVERY_URL: &str = "https://login.example.test/.well-known/openid-configuration";
const T0: f64 = 1_767_225_600.0;
const YEAR: f64 = 31_536_000.0;

/// Random configurations tried.
const WORLDS: usize = 10;
/// Steps of each.
const STEPS: usize = 8;
/// The longest one step may take in any layer. The longest legitimate wait
/// is a refresh of `fetch_attempts` requests that each end in a refused
/// connection or a fast local answer; nothing served here ever hangs.
const STEP_BOUND: Duration = Duration::from_secs(60);

/// The seeded generator of the kit: a fixed seed gives the same worlds on
/// every run. These are the draws a world is made of.
trait Draws {
    /// A value in `[min, max]`: either end half the time, else uniform.
    fn seconds(&mut self, min: f64, max: f64) -> f64;
    /// One of `items`, which are never empty here.
    fn one_of<T: Copy>(&mut self, items: &[T]) -> T;
}

impl Draws for SeededRng {
    fn seconds(&mut self, min: f64, max: f64) -> f64 {
        match self.below(4) {
            0 => min,
            1 => max,
            _ => min + (max - min) * (self.below(1 << 20) as f64 / f64::from(1 << 20)),
        }
    }

    fn one_of<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items).expect("a choice")
    }
}

fn accepted_config(rng: &mut SeededRng) -> Value {
    let mut config = json!({
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "leeway_s": rng.seconds(0.0, YEAR),
        "cache_ttl_s": rng.seconds(0.001, 86_400.0),
        "refresh_cooldown_s": rng.seconds(0.001, YEAR),
        "stale_if_error_s": rng.seconds(0.0, YEAR),
        "refresh_ahead_s": rng.seconds(0.0, YEAR),
        "fetch_attempts": 1 + rng.below(10),
        "http_timeout_s": rng.seconds(0.001, 3_600.0),
    });
    let (key, url) = if rng.below(2) == 0 {
        ("jwks_url", JWKS_URL)
    } else {
        ("discovery_url", DISCOVERY_URL)
    };
    config[key] = json!(url);
    config
}

/// A `serve` step for the key set URL: keys, throttling, errors, refusal
/// or garbage (never a hanging connection: a timeout of up to an hour
/// would be a legitimate wait).
fn serve_step(rng: &mut SeededRng, jwks: &Value) -> Value {
    let answer = match rng.below(6) {
        0 | 1 => json!({"json": jwks}),
        2 => {
            json!({"json": jwks, "headers": {"cache-control": rng.one_of(&["max-age=0", "no-store", "max-age=18446744073709551616"])}})
        }
        3 => {
            json!({"status": 503, "headers": {"retry-after": rng.one_of(&["0", "5", "99999999999999999999"])}})
        }
        4 => json!({"fail": "refused"}),
        _ => json!({"status": rng.one_of(&[200, 500]), "body": "<html>"}),
    };
    let mut step = answer;
    step["url"] = json!(JWKS_URL);
    json!({ "serve": step })
}

/// A random case: the configuration, the endpoints, then random steps at
/// times that jump by up to two years.
fn random_case(rng: &mut SeededRng, index: usize, issuer: &Issuer, token: &str) -> Value {
    let jwks = issuer.jwks();
    let mut steps = vec![
        json!({"serve": {"url": DISCOVERY_URL, "json": discovery_document(ISSUER, JWKS_URL)}}),
        json!({"serve": {"url": JWKS_URL, "json": jwks}}),
    ];
    let mut at = T0;
    for _ in 0..STEPS {
        at += rng.one_of(&[
            0.0,
            0.0005,
            0.001,
            1.0,
            30.0,
            301.0,
            86_400.0,
            YEAR,
            2.0 * YEAR,
        ]);
        let refresh = rng.below(2) == 0;
        steps.push(match rng.below(5) {
            0 => serve_step(rng, &jwks),
            1 => json!({"at": at, "healthcheck": {"refresh": refresh}, "expect": true}),
            2 => json!({"at": at, "signing_keys": {"refresh": refresh}, "expect": {"kids": []}}),
            _ => json!({"at": at, "verify": token, "expect": {"ok": true, "claims": {}}}),
        });
    }
    json!({
        "format": 1,
        "name": format!("config-bounds/world-{index}"),
        "description": "a random accepted configuration",
        "config": accepted_config(rng),
        "steps": steps,
    })
}

/// Runs every step of `case` in every layer, reporting each step's end.
fn run_in_every_layer(case: &Case, done: &mpsc::Sender<String>) {
    for layer in LayerName::build_all().expect("every layer starts") {
        let mut world = match layer.start(case) {
            Ok(world) => world,
            Err(StartError::Config(error)) => {
                panic!("[{}] {}: refused: {error}", layer.name(), case.name)
            }
            Err(StartError::Layer(error)) => panic!("[{}] {}: {error}", layer.name(), case.name),
        };
        for (index, step) in case.steps.iter().enumerate() {
            let failed = |error| panic!("[{}] {} step {index}: {error}", layer.name(), case.name);
            if let Some(at) = step.time() {
                world.set_time(at).unwrap_or_else(failed);
            }
            match step {
                Step::Serve(serve) => world.serve(serve).map(drop),
                Step::Verify { input, .. } => world.verify(input).map(drop),
                Step::Healthcheck { refresh, .. } => world.healthcheck(*refresh).map(drop),
                Step::SigningKeys { refresh, .. } => world.signing_keys(*refresh).map(drop),
                Step::AssertFetches(_) => Ok(()),
            }
            .unwrap_or_else(failed);
            let _ = done.send(format!("[{}] {} step {index}", layer.name(), case.name));
        }
    }
}

#[test]
fn no_accepted_configuration_makes_any_layer_panic_or_loop() {
    let issuer = Issuer::with_key(ISSUER, TestKey::fixed(FixedKey::Rsa2048A).expect("key"));
    let token = issuer
        .token()
        .claim("aud", json!(AUDIENCE))
        .claim("exp", json!(T0 + 100.0 * YEAR))
        .sign(issuer.signing_key())
        .expect("token");
    let mut rng = SeededRng::new(0x2545_f491_4f6c_dd1d);
    let cases: Vec<Case> = (0..WORLDS)
        .map(|index| {
            let json = random_case(&mut rng, index, &issuer, &token);
            Case::from_json_bytes(json.to_string().as_bytes()).expect("a valid case")
        })
        .collect();

    let (done, progress) = mpsc::channel();
    let worker = thread::spawn(move || {
        for case in &cases {
            run_in_every_layer(case, &done);
        }
    });
    let mut last = "no step yet".to_owned();
    loop {
        match progress.recv_timeout(STEP_BOUND) {
            Ok(step) => last = step,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("a step took over {STEP_BOUND:?}; the last to end was {last}")
            }
        }
    }
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
    assert!(
        last.contains(&format!("world-{} step", WORLDS - 1)),
        "{last}"
    );
}
