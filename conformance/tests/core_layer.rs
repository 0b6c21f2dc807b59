//! The core layer: the shared examples, and each rule of the simulated
//! world (redirects, oversized bodies, failures, headers, clocks,
//! background refreshes, configuration errors) through whole cases.

mod common;

use common::*;
use oidc_jwt_verifier_conformance::case::load_corpus;
use oidc_jwt_verifier_conformance::runner::{run_corpus, CoreLayer, Layer};
use serde_json::json;

const OTHER: &str = "https://login.example.test/old";

#[test]
fn the_shared_examples_pass_in_the_core_layer() {
    let cases = load_corpus(&[examples_dir()]).unwrap();
    assert_eq!(cases.len(), 12);
    let layers: Vec<Box<dyn Layer>> = vec![Box::new(CoreLayer)];
    let outcomes = run_corpus(&layers, &cases);
    let failures: Vec<_> = outcomes.iter().filter(|o| !o.passed()).collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(outcomes.len(), 12);
}

#[test]
fn a_wrong_expectation_fails_at_its_step_with_expected_and_actual() {
    let mut case = example("valid-rs256.json");
    case["steps"][1]["expect"]["claims"]["sub"] = json!("bob");
    let failure = run_core(&case).unwrap_err();
    assert_eq!(failure.step, Some(1));
    assert!(failure.expected.contains(r#""sub":"bob""#), "{failure:?}");
    assert!(failure.actual.contains(r#""sub":"alice""#), "{failure:?}");

    let mut case = example("expired.json");
    case["steps"][1]["expect"]["error"] = json!("token_not_yet_valid");
    assert_eq!(run_core(&case).unwrap_err().step, Some(1));

    let mut case = example("valid-rs256.json");
    case["steps"][2]["assert_fetches"][JWKS_URL] = json!(2);
    let failure = run_core(&case).unwrap_err();
    assert_eq!(
        (failure.step, failure.actual.as_str()),
        (Some(2), &*format!(r#"{{"{JWKS_URL}":1}}"#))
    );
}

#[test]
fn claims_compare_numbers_by_value() {
    let claims = json!({"exp": 1767229200.0, "iat": 1767225570, "aud": "https://api.example.test"});
    let steps = json!([serve_jwks(), {"at": T0, "verify": token(), "expect": {"ok": true, "claims": claims}}]);
    run_core(&case_json(config(json!({})), steps)).unwrap();
}

#[test]
fn redirects_are_followed_and_every_hop_counted() {
    let steps = json!([
        {"serve": {"url": OTHER, "status": 302, "headers": {"Location": "/mid"}}},
        {"serve": {"url": "https://login.example.test/mid", "status": 308, "headers": {"location": JWKS_URL}}},
        serve_jwks(),
        verify_ok(T0),
        {"assert_fetches": {OTHER: 1, "https://login.example.test/mid": 1, JWKS_URL: 1}},
    ]);
    run_core(&case_json(config(json!({"jwks_url": OTHER})), steps)).unwrap();
}

#[test]
fn a_redirect_the_core_refuses_is_never_requested() {
    let to_http = json!([
        {"serve": {"url": OTHER, "status": 302, "headers": {"location": "http://login.example.test/jwks"}}},
        {"serve": {"url": "http://login.example.test/jwks", "json": jwks()}},
        verify_error(T0, "jwks_fetch_failed", 503),
        fetches("http://login.example.test/jwks", 0),
    ]);
    run_core(&case_json(config(json!({"jwks_url": OTHER})), to_http)).unwrap();

    let hop = |n: u32| format!("https://login.example.test/hop{n}");
    let mut steps: Vec<serde_json::Value> = (0..4)
        .map(|n| json!({"serve": {"url": hop(n), "status": 307, "headers": {"location": hop(n + 1)}}}))
        .collect();
    steps.push(json!({"serve": {"url": hop(4), "json": jwks()}}));
    steps.push(verify_error(T0, "jwks_fetch_failed", 503));
    steps.push(fetches(&hop(4), 0));
    run_core(&case_json(
        config(json!({"jwks_url": hop(0)})),
        json!(steps),
    ))
    .unwrap();
}

#[test]
fn a_redirect_status_without_location_is_a_response() {
    let steps = json!([
        {"serve": {"url": JWKS_URL, "status": 302}},
        verify_error(T0, "jwks_fetch_failed", 503),
    ]);
    run_core(&case_json(config(json!({})), steps)).unwrap();
}

#[test]
fn an_oversized_body_repeat_is_cut_one_byte_past_the_limit() {
    // A gigabyte body: answered at once, never built whole.
    let steps = json!([
        {"serve": {"url": JWKS_URL, "body_repeat": {"text": "x", "times": 1_000_000_000u64}}},
        verify_error(T0, "jwks_error", 503),
        fetches(JWKS_URL, 1),
    ]);
    run_core(&case_json(config(json!({})), steps)).unwrap();
}

#[test]
fn only_requests_a_server_receives_are_counted() {
    // A timed-out request reached the server (retried once: two); a refused
    // connection or an unserved URL reaches none.
    for (serve, received) in [
        (json!({"serve": {"url": JWKS_URL, "fail": "timeout"}}), 2),
        (json!({"serve": {"url": JWKS_URL, "fail": "refused"}}), 0),
        (
            json!({"serve": {"url": "https://elsewhere.test/", "json": {}}}),
            0,
        ),
    ] {
        let steps = json!([
            serve,
            verify_error(T0, "jwks_fetch_failed", 503),
            fetches(JWKS_URL, received)
        ]);
        run_core(&case_json(config(json!({"fetch_attempts": 2})), steps)).unwrap();
    }
}

#[test]
fn response_headers_are_read_ignoring_case() {
    let unavailable = |headers: serde_json::Value, count: u64| {
        json!([
            {"serve": {"url": JWKS_URL, "status": 503, "headers": headers, "body": "down"}},
            verify_error(T0, "jwks_fetch_failed", 503),
            fetches(JWKS_URL, count),
        ])
    };
    let attempts = config(json!({"fetch_attempts": 2}));
    // A 503 with Retry-After is not retried at once; without, it is.
    run_core(&case_json(
        attempts.clone(),
        unavailable(json!({"Retry-After": "5"}), 1),
    ))
    .unwrap();
    run_core(&case_json(attempts, unavailable(json!({}), 2))).unwrap();

    // Cache-Control: max-age=0 shortens freshness to the 30 s cooldown.
    let refetched = |headers: serde_json::Value, count: u64| {
        json!([
            {"serve": {"url": JWKS_URL, "headers": headers, "json": jwks()}},
            verify_ok(T0),
            verify_ok(T0 + 31),
            fetches(JWKS_URL, count),
        ])
    };
    let no_ahead = config(json!({"refresh_ahead_s": 0}));
    run_core(&case_json(
        no_ahead.clone(),
        refetched(json!({"CACHE-CONTROL": "max-age=0"}), 2),
    ))
    .unwrap();
    run_core(&case_json(no_ahead, refetched(json!({}), 1))).unwrap();
}

#[test]
fn a_background_refresh_completes_before_the_next_step() {
    // Fresh for 300 s; the last 30 s start a refresh-ahead.
    let steps = json!([
        serve_jwks(),
        verify_ok(T0),
        verify_ok(T0 + 280),
        fetches(JWKS_URL, 2)
    ]);
    run_core(&case_json(config(json!({})), steps)).unwrap();
}

#[test]
fn both_clocks_follow_at() {
    // Wall clock: the token expires at 1767229200.
    let steps = json!([
        serve_jwks(),
        verify_ok(T0),
        verify_error(1_767_229_200, "token_expired", 401)
    ]);
    run_core(&case_json(config(json!({})), steps)).unwrap();
    // Monotonic clock: keys past freshness are refetched.
    let steps = json!([
        serve_jwks(),
        verify_ok(T0),
        verify_ok(T0 + 300),
        fetches(JWKS_URL, 2)
    ]);
    run_core(&case_json(config(json!({"refresh_ahead_s": 0})), steps)).unwrap();
    // Fractional times are times.
    let steps = json!([
        serve_jwks(),
        {"at": 1767229199.5, "verify": token(), "expect": {"ok": true}},
        {"at": 1767229200.0, "verify": token(), "expect": {"error": "token_expired", "status": 401}},
    ]);
    run_core(&case_json(config(json!({})), steps)).unwrap();
}

#[test]
fn a_time_beyond_any_instant_fails_the_step_without_panicking() {
    let steps =
        json!([serve_jwks(), verify_ok(T0), {"at": 1e300, "healthcheck": {}, "expect": true}]);
    let failure = run_core(&case_json(config(json!({})), steps)).unwrap_err();
    assert_eq!(failure.step, Some(2));
    assert!(failure.actual.starts_with("layer error:"), "{failure:?}");
}

#[test]
fn healthcheck_and_signing_keys_are_judged() {
    let steps = json!([
        {"at": T0, "signing_keys": {"refresh": false}, "expect": {"error": "jwks_fetch_failed", "status": 503}},
        serve_jwks(),
        {"at": T0 + 5, "healthcheck": {"refresh": true}, "expect": true},
        {"at": T0 + 5, "signing_keys": {"refresh": false}, "expect": {"kids": ["ex-rsa2048"]}},
    ]);
    run_core(&case_json(config(json!({})), steps)).unwrap();

    let wrong = [
        json!({"at": T0, "healthcheck": {"refresh": false}, "expect": false}),
        json!({"at": T0, "signing_keys": {"refresh": false}, "expect": {"kids": ["ex-rsa2048", "other"]}}),
        json!({"at": T0, "signing_keys": {}, "expect": {"error": "jwks_error", "status": 503}}),
    ];
    for step in wrong {
        let failure =
            run_core(&case_json(config(json!({})), json!([serve_jwks(), step]))).unwrap_err();
        assert_eq!(failure.step, Some(1), "{failure:?}");
    }
}

#[test]
fn the_challenge_is_checked_only_when_given() {
    let header = |value: serde_json::Value, challenge: Option<serde_json::Value>| {
        let mut expect = json!({"error": "missing_token", "status": 401});
        if let Some(challenge) = challenge {
            expect["www_authenticate"] = challenge;
        }
        case_json(
            config(json!({})),
            json!([{"at": T0, "verify_header": value, "expect": expect}]),
        )
    };
    run_core(&header(json!(""), None)).unwrap();
    run_core(&header(json!(null), Some(json!("Bearer")))).unwrap();
    assert!(run_core(&header(json!(""), Some(json!("Bearer realm=\"x\"")))).is_err());
    assert!(run_core(&header(json!(""), Some(json!(null)))).is_err());
    let jwks_down = json!([{"at": T0, "verify": token(),
        "expect": {"error": "jwks_fetch_failed", "status": 503, "www_authenticate": null}}]);
    run_core(&case_json(config(json!({})), jwks_down)).unwrap();
}

#[test]
fn config_error_passes_only_when_the_named_field_is_refused() {
    let with_error = |config: serde_json::Value, field: &str| {
        let mut case = case_json(config, json!([]));
        case["config_error"] = json!(field);
        case
    };
    let bad_algs = config(json!({"allowed_algs": ["none"]}));
    run_core(&with_error(bad_algs.clone(), "allowed_algs")).unwrap();

    let failure = run_core(&with_error(bad_algs.clone(), "issuer")).unwrap_err();
    assert_eq!(failure.step, None);
    assert!(
        failure.expected.contains("\"issuer\"") && failure.actual.contains("\"allowed_algs\""),
        "{failure:?}"
    );

    let failure = run_core(&with_error(config(json!({})), "allowed_algs")).unwrap_err();
    assert_eq!(failure.actual, "the verifier was built");

    let failure = run_core(&case_json(bad_algs, json!([]))).unwrap_err();
    assert!(failure.actual.contains("allowed_algs"), "{failure:?}");

    // A type error found while reading the configuration counts too.
    run_core(&with_error(config(json!({"leeway_s": "ten"})), "leeway_s")).unwrap();
}

#[test]
fn an_unknown_config_key_fails_the_case() {
    let failure = run_core(&case_json(config(json!({"leeway": 5})), json!([]))).unwrap_err();
    assert!(
        failure.actual.contains("unsupported config key"),
        "{failure:?}"
    );
    assert!(failure.actual.contains("\"leeway\""), "{failure:?}");
}

#[test]
fn kids_list_key_ids_and_keyless_keys_only_when_the_case_names_them() {
    let mut keyless = jwks()["keys"][0].clone();
    keyless.as_object_mut().unwrap().remove("kid");
    let mut keys = jwks();
    keys["keys"].as_array_mut().unwrap().push(keyless);
    let run = |kids: serde_json::Value| {
        let steps = json!([
            {"serve": {"url": JWKS_URL, "json": keys}},
            {"at": T0, "signing_keys": {"refresh": false}, "expect": {"kids": kids}},
        ]);
        run_core(&case_json(config(json!({})), steps))
    };
    run(json!(["ex-rsa2048"])).unwrap();
    run(json!(["ex-rsa2048", null])).unwrap();
    assert!(run(json!([])).is_err());
    assert!(run(json!(["ex-rsa2048", null, null])).is_err());
}
