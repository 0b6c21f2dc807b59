//! The three layers side by side: the same case gives the same answer at
//! every step (verifications, health, keys, request counts) in the core,
//! the blocking driver and the async driver; network failures, redirects
//! and configuration errors included.

mod common;

use common::*;
use oidc_jwt_verifier_conformance::case::{load_corpus, Case, Step};
use oidc_jwt_verifier_conformance::runner::{run_case, Layer, LayerName, StartError};
use serde_json::{json, Value};

const OTHER: &str = "https://login.example.test/old";
const DISCOVERY: &str = "https://login.example.test/.well-known/openid-configuration";

fn every_layer() -> Vec<Box<dyn Layer>> {
    LayerName::build_all().expect("every layer starts")
}

/// What a layer answered at each step, as text: the configuration error's
/// field, or per step the verification result, the health, the sorted key
/// ids or the request counts.
fn trace(layer: &dyn Layer, case: &Case) -> Vec<String> {
    let mut world = match layer.start(case) {
        Ok(world) => world,
        Err(StartError::Config(error)) => return vec![format!("config error: {}", error.field())],
        Err(StartError::Layer(error)) => panic!("[{}] {}: {error}", layer.name(), case.name),
    };
    let mut trace = Vec::new();
    for step in &case.steps {
        if let Some(at) = step.time() {
            world.set_time(at).expect("the time is set");
        }
        let answer = match step {
            Step::Serve(serve) => {
                world.serve(serve).expect("served");
                continue;
            }
            Step::Verify { input, .. } => format!("{:?}", world.verify(input).expect("verified")),
            Step::Healthcheck { refresh, .. } => {
                format!("healthy: {}", world.healthcheck(*refresh).expect("checked"))
            }
            Step::SigningKeys { refresh, .. } => {
                let mut keys = world.signing_keys(*refresh).expect("keys");
                if let Ok(kids) = &mut keys {
                    kids.sort();
                }
                format!("{keys:?}")
            }
            Step::AssertFetches(counts) => {
                let counted: Vec<(String, u64)> = counts
                    .iter()
                    .map(|(url, _)| (url.clone(), world.fetch_count(url).expect("counted")))
                    .collect();
                format!("{counted:?}")
            }
        };
        trace.push(answer);
    }
    trace
}

/// Runs `case` through every layer: it passes in each, and each answers
/// exactly as the core does at every step.
fn passes_alike(case: &Case) {
    let layers = every_layer();
    let core = trace(layers[0].as_ref(), case);
    for layer in &layers {
        if let Err(failure) = run_case(layer.as_ref(), case) {
            panic!("[{}] {}: {failure:?}", layer.name(), case.name);
        }
        assert_eq!(
            trace(layer.as_ref(), case),
            core,
            "[{}] {}",
            layer.name(),
            case.name
        );
    }
}

#[test]
fn the_shared_examples_give_identical_answers_in_every_layer() {
    let cases = load_corpus(&[examples_dir()]).unwrap();
    assert_eq!(cases.len(), 12);
    for loaded in &cases {
        passes_alike(loaded.case.as_ref().expect("a valid example"));
    }
}

#[test]
fn refused_and_timed_out_fetches_fail_alike_and_count_alike() {
    let refused = json!([
        {"serve": {"url": JWKS_URL, "fail": "refused"}},
        verify_error(T0, "jwks_fetch_failed", 503),
        fetches(JWKS_URL, 0),
        serve_jwks(),
        verify_ok(T0 + 1),
        fetches(JWKS_URL, 1),
    ]);
    passes_alike(&parse(&case_json(
        config(json!({"fetch_attempts": 2})),
        refused,
    )));

    // A timed-out request reached the server: counted, and retried once.
    let timed_out = json!([
        {"serve": {"url": JWKS_URL, "fail": "timeout"}},
        verify_error(T0, "jwks_fetch_failed", 503),
        fetches(JWKS_URL, 2),
        {"at": T0, "healthcheck": {"refresh": false}, "expect": false},
        serve_jwks(),
        verify_ok(T0 + 1),
        fetches(JWKS_URL, 3),
    ]);
    // Short enough to keep the timed-out attempts quick, long enough that
    // the answered fetch after them is not timed out too on a loaded
    // machine (a TLS handshake can outlast 0.3 s there).
    let quick = config(json!({"fetch_attempts": 2, "http_timeout_s": 1.0}));
    passes_alike(&parse(&case_json(quick, timed_out)));
}

#[test]
fn redirects_are_followed_and_refused_alike() {
    let attempts = |changes: Value| {
        let mut config = config(json!({"jwks_url": OTHER, "fetch_attempts": 2}));
        for (key, value) in changes.as_object().unwrap() {
            config[key] = value.clone();
        }
        config
    };
    let redirect = |status: u16, location: &str| json!({"serve": {"url": OTHER, "status": status, "headers": {"Location": location}}});
    let keys_at = |url: &str| json!({"serve": {"url": url, "json": jwks()}});
    let relative = "https://login.example.test/jwks.json";
    let cases = [
        // An absolute path and a relative path, resolved as the core does.
        (
            attempts(json!({})),
            json!([
                redirect(302, "/.well-known/jwks.json"),
                serve_jwks(),
                verify_ok(T0),
                {"assert_fetches": {OTHER: 1, JWKS_URL: 1}},
            ]),
        ),
        (
            attempts(json!({})),
            json!([
                redirect(307, "jwks.json"),
                keys_at(relative),
                verify_ok(T0),
                {"assert_fetches": {OTHER: 1, relative: 1}},
            ]),
        ),
        // Another origin nobody serves: refused, so retried at once.
        (
            attempts(json!({})),
            json!([
                redirect(302, "https://elsewhere.test/jwks"),
                verify_error(T0, "jwks_fetch_failed", 503),
                {"assert_fetches": {OTHER: 2, "https://elsewhere.test/jwks": 0}},
            ]),
        ),
        // Plain HTTP to a host that is not loopback: never followed, even
        // when plain HTTP is allowed (its loopback stand-in would be).
        (
            attempts(json!({"allow_insecure_http": true})),
            json!([
                redirect(302, "http://login.example.test/jwks"),
                keys_at("http://login.example.test/jwks"),
                verify_error(T0, "jwks_fetch_failed", 503),
                {"assert_fetches": {OTHER: 1, "http://login.example.test/jwks": 0}},
            ]),
        ),
    ];
    for (config, steps) in cases {
        passes_alike(&parse(&case_json(config, steps)));
    }

    // One hop too many: the fourth redirect is never followed.
    let hop = |n: u32| format!("https://login.example.test/hop{n}");
    let mut steps: Vec<Value> = (0..4)
        .map(|n| json!({"serve": {"url": hop(n), "status": 301, "headers": {"location": hop(n + 1)}}}))
        .collect();
    steps.push(keys_at(&hop(4)));
    steps.push(verify_error(T0, "jwks_fetch_failed", 503));
    steps.push(json!({"assert_fetches": {hop(0): 1, hop(3): 1, hop(4): 0}}));
    passes_alike(&parse(&case_json(
        config(json!({"jwks_url": hop(0), "fetch_attempts": 1})),
        json!(steps),
    )));
}

#[test]
fn a_discovered_jwks_uri_nobody_serves_is_refused_alike() {
    let discovery =
        config(json!({"jwks_url": null, "discovery_url": DISCOVERY, "fetch_attempts": 2}));
    let elsewhere = "https://keys.elsewhere.test/jwks";
    let steps = json!([
        {"serve": {"url": DISCOVERY, "json": {"issuer": "https://id.example.test/", "jwks_uri": elsewhere}}},
        verify_error(T0, "jwks_fetch_failed", 503),
        {"assert_fetches": {DISCOVERY: 1, elsewhere: 0}},
        {"serve": {"url": elsewhere, "json": jwks()}},
        verify_ok(T0 + 2),
        {"assert_fetches": {DISCOVERY: 2, elsewhere: 1}},
    ]);
    passes_alike(&parse(&case_json(discovery, steps)));
}

#[test]
fn a_refused_configuration_names_the_same_field_in_every_layer() {
    let refused = [
        (json!({"allowed_algs": ["none"]}), "allowed_algs"),
        (json!({"jwks_url": ""}), "jwks_url"),
        (
            json!({"jwks_url": "http://login.example.test/jwks"}),
            "jwks_url",
        ),
        (json!({"discovery_url": DISCOVERY}), "jwks_url"),
        (json!({"cache_ttl_s": 0}), "cache_ttl_s"),
        (json!({"audience": []}), "audience"),
    ];
    for (changes, field) in refused {
        let mut case = case_json(config(changes.clone()), json!([]));
        case["config_error"] = json!(field);
        let case = parse(&case);
        for layer in every_layer() {
            assert_eq!(
                trace(layer.as_ref(), &case),
                [format!("config error: {field}")],
                "[{}] {changes}",
                layer.name()
            );
            run_case(layer.as_ref(), &case).unwrap();
        }
    }
}

#[test]
fn a_wrong_expectation_fails_in_the_socket_layers_too() {
    let mut case = example("valid-rs256.json");
    case["steps"][2]["assert_fetches"][JWKS_URL] = json!(2);
    let case = parse(&case);
    for layer in every_layer() {
        let failure = run_case(layer.as_ref(), &case).unwrap_err();
        assert_eq!(
            (failure.step, failure.actual.as_str()),
            (Some(2), &*format!(r#"{{"{JWKS_URL}":1}}"#)),
            "[{}]",
            layer.name()
        );
    }
}
