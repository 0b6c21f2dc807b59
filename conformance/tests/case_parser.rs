//! The case parser: every malformed case is refused with a reason naming
//! where it is; valid cases read with the defaults of docs/case-format.md.

mod common;

use common::*;
use oidc_jwt_verifier_conformance::case::{
    Body, Case, CaseError, ErrorExpect, KeysExpect, Reply, Step, VerifyExpect, VerifyInput,
};
use serde_json::{json, Value};

fn parse_text(text: &str) -> Result<Case, CaseError> {
    Case::from_json_bytes(text.as_bytes())
}

fn with_steps(steps: Value) -> Value {
    case_json(config(json!({})), steps)
}

/// Parsing `case` fails at `step` with a reason containing `reason`.
#[track_caller]
fn refused(case: &Value, step: Option<usize>, reason: &str) {
    let error = parse_text(&case.to_string()).expect_err("a malformed case");
    assert_eq!(error.step, step, "{error:?}");
    assert!(
        error.reason.contains(reason),
        "{reason:?} not in {:?}",
        error.reason
    );
}

/// One step that must be refused with `reason`.
#[track_caller]
fn step_refused(step: Value, reason: &str) {
    refused(&with_steps(json!([serve_jwks(), step])), Some(1), reason);
}

#[test]
fn invalid_json_and_duplicate_members_are_refused() {
    assert!(parse_text("{")
        .unwrap_err()
        .reason
        .starts_with("not valid JSON"));
    let text =
        with_steps(json!([]))
            .to_string()
            .replacen("\"format\":1", "\"format\":1,\"format\":1", 1);
    assert!(parse_text(&text)
        .unwrap_err()
        .reason
        .contains("duplicate member name \"format\""));
}

#[test]
fn the_top_level_is_checked() {
    let base = with_steps(json!([]));
    let changed = |key: &str, value: Value| {
        let mut case = base.clone();
        match value {
            Value::Null => case.as_object_mut().unwrap().remove(key),
            _ => case.as_object_mut().unwrap().insert(key.into(), value),
        };
        case
    };
    refused(&json!([]), None, "case: must be an object");
    refused(
        &changed("format", json!(2)),
        None,
        "format: must be the integer 1",
    );
    refused(
        &changed("format", json!("1")),
        None,
        "format: must be the integer 1",
    );
    refused(
        &changed("format", json!(1.5)),
        None,
        "format: must be the integer 1",
    );
    refused(&changed("format", Value::Null), None, "format: missing");
    refused(&changed("name", Value::Null), None, "name: missing");
    refused(&changed("name", json!("")), None, "name: must not be empty");
    refused(
        &changed("description", json!(3)),
        None,
        "description: must be a string",
    );
    refused(
        &changed("config", json!([])),
        None,
        "config: must be an object",
    );
    refused(
        &changed("steps", json!({})),
        None,
        "steps: must be an array",
    );
    refused(&changed("extra", json!(1)), None, "extra: unknown key");
    refused(
        &changed("config_error", json!(1)),
        None,
        "config_error: must be a string",
    );
    let mut both = with_steps(json!([serve_jwks()]));
    both["config_error"] = json!("issuer");
    refused(
        &both,
        None,
        "steps: must be empty when config_error is given",
    );
}

#[test]
fn a_step_has_exactly_one_action_and_only_its_keys() {
    refused(
        &with_steps(json!([1])),
        Some(0),
        "steps[0]: must be an object",
    );
    step_refused(json!({"at": T0, "expect": true}), "no action key");
    step_refused(
        json!({"at": T0, "healthcheck": {}, "signing_keys": {}, "expect": true}),
        "several action keys (healthcheck, signing_keys)",
    );
    step_refused(
        json!({"at": T0, "serve": {"url": JWKS_URL}}),
        "steps[1].at: unknown key",
    );
    step_refused(
        json!({"assert_fetches": {}, "expect": 1}),
        "steps[1].expect: unknown key",
    );
    step_refused(
        json!({"verify": "x", "expect": {"ok": true}}),
        "steps[1].at: missing",
    );
    step_refused(json!({"at": T0, "verify": "x"}), "steps[1].expect: missing");
    step_refused(
        json!({"at": "soon", "verify": "x", "expect": {"ok": true}}),
        "steps[1].at: must be a number",
    );
    step_refused(
        json!({"at": T0, "verify": 1, "expect": {"ok": true}}),
        "steps[1].verify: must be a string",
    );
    step_refused(
        json!({"at": T0, "verify_header": [], "expect": {"ok": true}}),
        "steps[1].verify_header: must be a string",
    );
    step_refused(
        json!({"at": T0, "verify": "x", "expect": {"ok": true}, "note": 1}),
        "steps[1].note: unknown key",
    );
}

#[test]
fn verify_request_reads_header_fields_and_a_routes_requirements() {
    let step =
        |request: Value| json!({"at": T0, "verify_request": request, "expect": {"ok": true}});
    let case = with_steps(json!([
        serve_jwks(),
        step(json!({
            "headers": {"Authorization": "Bearer t", "cookie": ["a=1", "b=\u{e9}"]},
            "required_scopes": ["w"], "required_permissions": ["p"]
        }))
    ]));
    let case = parse_text(&case.to_string()).expect("a valid case");
    let Step::Verify {
        input: VerifyInput::Request(request),
        ..
    } = &case.steps[1]
    else {
        panic!("a verify_request step: {:?}", case.steps[1]);
    };
    assert_eq!(case.steps[1].action(), "verify_request");
    let fields: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("Authorization", "Bearer t"),
            ("cookie", "a=1"),
            ("cookie", "b=\u{e9}")
        ]
    );
    let map = request.header_map();
    assert_eq!(map.get_all("cookie").iter().count(), 2);
    assert_eq!(map["cookie"].as_bytes(), b"a=1");
    let route = request.requirements();
    assert_eq!(
        (route.scopes(), route.permissions()),
        (&["w".to_owned()][..], &["p".to_owned()][..])
    );

    assert_eq!(request.target, None);
    assert!(request.incoming(&map).is_none());

    // A whole request: method, URI and a client certificate.
    let whole = with_steps(json!([
        serve_jwks(),
        step(
            json!({"method": "GET", "uri": "https://api.test/x", "headers": {}, "client_certificate": "AAEC"})
        )
    ]));
    let whole = parse_text(&whole.to_string()).expect("a valid case");
    let Step::Verify {
        input: VerifyInput::Request(request),
        ..
    } = &whole.steps[1]
    else {
        panic!("a verify_request step");
    };
    let headers = request.header_map();
    let incoming = request.incoming(&headers).expect("a whole request");
    assert_eq!(
        (incoming.method, incoming.uri),
        ("GET", "https://api.test/x")
    );
    assert_eq!(incoming.client_certificate, Some(&[0u8, 1, 2][..]));
    step_refused(
        step(json!({"method": "GET", "headers": {}})),
        "method and uri come together",
    );
    step_refused(
        step(json!({"headers": {}, "client_certificate": "AAEC"})),
        "method and uri come together",
    );
    step_refused(
        step(
            json!({"method": "GET", "uri": "https://a.test/", "headers": {}, "client_certificate": "A=="}),
        ),
        "not unpadded base64url",
    );
    step_refused(
        step(json!({"method": "G T", "uri": "https://a.test/", "headers": {}})),
        "not an HTTP method",
    );

    step_refused(step(json!({})), "steps[1].verify_request.headers: missing");
    step_refused(
        step(json!({"headers": {}, "body": ""})),
        "steps[1].verify_request.body: unknown key",
    );
    step_refused(
        step(json!({"headers": {"A": "1", "a": "2"}})),
        "the same header twice",
    );
    step_refused(
        step(json!({"headers": {"bad name": "1"}})),
        "not a valid header name",
    );
    step_refused(
        step(json!({"headers": {"a": "x\ny"}})),
        "no control character",
    );
    step_refused(step(json!({"headers": {"a": 1}})), "must be a string");
    step_refused(
        step(json!({"headers": {"a": ["1", 2]}})),
        "steps[1].verify_request.headers.a[1]: must be a string",
    );
    step_refused(
        step(json!({"headers": {}, "required_scopes": "w"})),
        "steps[1].verify_request.required_scopes: must be an array",
    );
}

#[test]
fn times_never_decrease() {
    let steps = json!([
        {"at": T0 + 10, "healthcheck": {}, "expect": true},
        serve_jwks(),
        {"at": T0 + 10, "healthcheck": {}, "expect": true},
        {"at": T0 as f64 + 9.5, "healthcheck": {}, "expect": true},
    ]);
    refused(&with_steps(steps), Some(3), "earlier than the step before");
}

#[test]
fn serve_is_checked() {
    let serve = |fields: Value| json!({"serve": fields});
    step_refused(serve(json!({})), "steps[1].serve.url: missing");
    step_refused(
        serve(json!({"url": "/jwks"})),
        "is not an absolute http or https URL",
    );
    step_refused(
        serve(json!({"url": "ftp://a.test/"})),
        "is not an absolute http or https URL",
    );
    step_refused(
        serve(json!({"url": "https:///path"})),
        "is not an absolute http or https URL",
    );
    step_refused(
        serve(json!({"url": "https://a.test/ x"})),
        "is not an absolute http or https URL",
    );
    for status in [json!(199), json!(600), json!("200"), json!(200.5)] {
        step_refused(
            serve(json!({"url": JWKS_URL, "status": status})),
            "status: must be an integer from 200 to 599",
        );
    }
    step_refused(
        serve(json!({"url": JWKS_URL, "headers": []})),
        "headers: must be an object",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "headers": {"a b": "x"}})),
        "not a valid header name",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "headers": {"x": 1}})),
        "headers.x: must be a string",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "headers": {"x": "a\r\nb: c"}})),
        "a header value is visible ASCII",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "headers": {"x": " padded"}})),
        "a header value is visible ASCII",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "headers": {"X": "1", "x": "2"}})),
        "the same header twice",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "headers": {"Content-Length": "2"}})),
        "set by the server",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "json": {}, "body": ""})),
        "several bodies (json, body)",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "body": 1})),
        "serve.body: must be a string",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "body_repeat": {"text": "x"}})),
        "body_repeat.times: missing",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "body_repeat": {"text": "x", "times": -1}})),
        "times: must be an integer of at least 0",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "body_repeat": {"text": "x", "times": 1, "n": 1}})),
        "body_repeat.n: unknown key",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "fail": "slow"})),
        "is neither \"refused\" nor \"timeout\"",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "fail": "refused", "status": 500})),
        "fail excludes status, headers and a body",
    );
    step_refused(
        serve(json!({"url": JWKS_URL, "other": 1})),
        "serve.other: unknown key",
    );
}

#[test]
fn expectations_are_checked() {
    let verify = |expect: Value| json!({"at": T0, "verify": "x", "expect": expect});
    step_refused(verify(json!(true)), "expect: must be an object");
    step_refused(
        verify(json!({})),
        "must say {\"ok\": true, ...} or {\"error\": CODE, \"status\": STATUS}",
    );
    step_refused(verify(json!({"ok": false})), "expect.ok: must be true");
    step_refused(
        verify(json!({"ok": true, "claims": []})),
        "expect.claims: must be an object",
    );
    step_refused(
        verify(json!({"ok": true, "error": "x"})),
        "expect.error: unknown key",
    );
    step_refused(
        verify(json!({"error": "token_expired"})),
        "expect.status: missing",
    );
    step_refused(
        verify(json!({"error": "", "status": 401})),
        "expect.error: must not be empty",
    );
    step_refused(
        verify(json!({"error": "x", "status": 99})),
        "expect.status: must be an integer from 100 to 599",
    );
    step_refused(
        verify(json!({"error": "x", "status": 401, "www_authenticate": 1})),
        "www_authenticate: must be a string",
    );
    step_refused(
        verify(json!({"error": "x", "status": 401, "claims": {}})),
        "expect.claims: unknown key",
    );

    step_refused(
        json!({"at": T0, "healthcheck": {}, "expect": "yes"}),
        "expect: must be true or false",
    );
    step_refused(
        json!({"at": T0, "healthcheck": {"refresh": 1}, "expect": true}),
        "healthcheck.refresh: must be true or false",
    );
    step_refused(
        json!({"at": T0, "healthcheck": true, "expect": true}),
        "healthcheck: must be an object",
    );
    step_refused(
        json!({"at": T0, "signing_keys": {"force": true}, "expect": {"kids": []}}),
        "signing_keys.force: unknown key",
    );
    step_refused(
        json!({"at": T0, "signing_keys": {}, "expect": {"kids": [1]}}),
        "expect.kids[0]: must be a string or null",
    );
    step_refused(
        json!({"at": T0, "signing_keys": {}, "expect": {"kids": [], "error": "x"}}),
        "unknown key",
    );
    step_refused(
        json!({"assert_fetches": {JWKS_URL: -1}}),
        "must be an integer of at least 0",
    );
    step_refused(
        json!({"assert_fetches": {"jwks": 1}}),
        "is not an absolute http or https URL",
    );
    step_refused(
        json!({"assert_fetches": []}),
        "assert_fetches: must be an object",
    );
}

#[test]
fn valid_cases_read_with_the_format_defaults() {
    let case = parse(&with_steps(json!([
        {"serve": {"url": JWKS_URL}},
        {"serve": {"url": JWKS_URL, "status": 503, "headers": {"Retry-After": "5"}, "body_repeat": {"text": "ab", "times": 3}}},
        {"serve": {"url": JWKS_URL, "fail": "timeout"}},
        {"at": T0, "verify_header": null, "expect": {"error": "missing_token", "status": 401, "www_authenticate": null}},
        {"at": 1767225600.5, "verify": " x ", "expect": {"ok": true}},
        {"at": T0 + 1, "healthcheck": {}, "expect": false},
        {"at": T0 + 1, "signing_keys": {"refresh": true}, "expect": {"kids": ["a", null]}},
        {"assert_fetches": {JWKS_URL: 0}},
    ])));
    let Step::Serve(plain) = &case.steps[0] else {
        panic!("serve")
    };
    let Reply::Respond(plain) = &plain.reply else {
        panic!("a response")
    };
    assert_eq!(
        (plain.status, plain.headers.len(), &plain.body),
        (200, 0, &Body::Empty)
    );
    let Step::Serve(full) = &case.steps[1] else {
        panic!("serve")
    };
    let Reply::Respond(full) = &full.reply else {
        panic!("a response")
    };
    assert_eq!(full.header_value("retry-after"), Some("5"));
    assert_eq!(
        full.body,
        Body::Repeat {
            text: "ab".into(),
            times: 3
        }
    );
    let Step::Serve(timeout) = &case.steps[2] else {
        panic!("serve")
    };
    assert_eq!(timeout.reply, Reply::Timeout);
    assert_eq!(
        case.steps[3],
        Step::Verify {
            at: T0 as f64,
            input: VerifyInput::Header(None),
            expect: VerifyExpect::Error(ErrorExpect {
                code: "missing_token".into(),
                status: 401,
                www_authenticate: Some(None),
            }),
        }
    );
    assert_eq!(
        case.steps[4],
        Step::Verify {
            at: 1767225600.5,
            input: VerifyInput::Token(" x ".into()),
            expect: VerifyExpect::Ok {
                claims: Default::default()
            },
        }
    );
    assert_eq!(
        case.steps[5],
        Step::Healthcheck {
            at: (T0 + 1) as f64,
            refresh: false,
            expect: false
        }
    );
    assert_eq!(
        case.steps[6],
        Step::SigningKeys {
            at: (T0 + 1) as f64,
            refresh: true,
            expect: KeysExpect::Kids(vec![Some("a".into()), None]),
        }
    );
    assert_eq!(
        case.steps[7],
        Step::AssertFetches(vec![(JWKS_URL.into(), 0)])
    );
    assert_eq!(case.first_time(), Some(T0 as f64));
}

#[test]
fn unknown_config_keys_are_left_to_the_verifier() {
    // The parser keeps the configuration as written; building it names the key.
    let case = parse(&case_json(config(json!({"leeway": 1})), json!([])));
    let error = case.auth_config().unwrap_err();
    assert_eq!(
        (error.field(), error.reason()),
        ("leeway", "unsupported config key")
    );
}
