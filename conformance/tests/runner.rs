//! The layer-independent runner, against a fake world: the order of calls,
//! the clock, how layer errors and layers that cannot start fail a case.

mod common;

use std::cell::RefCell;

use common::*;
use oidc_jwt_verifier_conformance::case::{Case, LoadedCase, Serve, VerifyInput};
use oidc_jwt_verifier_conformance::runner::{
    run_case, run_corpus, Layer, LayerError, Rejection, StartError, Verified, World,
};
use serde_json::json;

/// A layer that cannot run any case (its start always fails).
struct BrokenLayer {
    name: &'static str,
}

impl Layer for BrokenLayer {
    fn name(&self) -> &str {
        self.name
    }

    fn start(&self, _case: &Case) -> Result<Box<dyn World + '_>, StartError> {
        Err(StartError::Layer(LayerError("not yet".into())))
    }
}

/// A layer whose world logs every call and answers from a fixed script.
#[derive(Default)]
struct FakeLayer {
    log: RefCell<Vec<String>>,
}

struct FakeWorld<'a> {
    log: &'a RefCell<Vec<String>>,
}

impl Layer for FakeLayer {
    fn name(&self) -> &str {
        "fake"
    }

    fn start(&self, case: &Case) -> Result<Box<dyn World + '_>, StartError> {
        case.auth_config().map_err(StartError::Config)?;
        Ok(Box::new(FakeWorld { log: &self.log }))
    }
}

impl World for FakeWorld<'_> {
    fn set_time(&mut self, at: f64) -> Result<(), LayerError> {
        self.log.borrow_mut().push(format!("time {at}"));
        Ok(())
    }

    fn serve(&mut self, serve: &Serve) -> Result<(), LayerError> {
        self.log.borrow_mut().push(format!("serve {}", serve.url));
        Ok(())
    }

    fn verify(&mut self, input: &VerifyInput) -> Result<Verified, LayerError> {
        self.log.borrow_mut().push(format!("verify {input:?}"));
        match input {
            VerifyInput::Token(token) if token == "broken" => {
                Err(LayerError("socket closed".into()))
            }
            VerifyInput::Token(_) => Ok(Ok(json!({"sub": "alice", "n": 2})
                .as_object()
                .unwrap()
                .clone())),
            VerifyInput::Header(_) | VerifyInput::Request(_) => Ok(Err(Rejection {
                code: "missing_token".into(),
                status: 401,
                www_authenticate: Some("Bearer".into()),
            })),
        }
    }

    fn healthcheck(&mut self, refresh: bool) -> Result<bool, LayerError> {
        self.log.borrow_mut().push(format!("healthcheck {refresh}"));
        Ok(true)
    }

    fn signing_keys(
        &mut self,
        refresh: bool,
    ) -> Result<Result<Vec<Option<String>>, Rejection>, LayerError> {
        self.log
            .borrow_mut()
            .push(format!("signing_keys {refresh}"));
        Ok(Ok(vec![Some("k2".into()), None, Some("k1".into())]))
    }

    fn fetch_count(&mut self, url: &str) -> Result<u64, LayerError> {
        self.log.borrow_mut().push(format!("fetch_count {url}"));
        Ok(3)
    }
}

#[test]
fn every_step_reaches_the_world_in_order_with_its_time_first() {
    let layer = FakeLayer::default();
    let steps = json!([
        {"serve": {"url": JWKS_URL, "json": {}}},
        {"at": T0, "verify": "t", "expect": {"ok": true, "claims": {"n": 2.0}}},
        {"at": T0 + 1, "verify_header": null, "expect": {"error": "missing_token", "status": 401, "www_authenticate": "Bearer"}},
        {"at": T0 + 2, "healthcheck": {"refresh": true}, "expect": true},
        {"at": T0 + 2, "signing_keys": {}, "expect": {"kids": [null, "k1", "k2"]}},
        {"assert_fetches": {JWKS_URL: 3}},
        {"at": T0 + 3, "verify_request": {"headers": {"Cookie": ["a=1", "b=2"]}, "required_scopes": ["s"]}, "expect": {"error": "missing_token", "status": 401}},
    ]);
    run_case(&layer, &parse(&case_json(config(json!({})), steps))).unwrap();
    assert_eq!(
        layer.log.into_inner(),
        [
            format!("serve {JWKS_URL}"),
            "time 1767225600".into(),
            "verify Token(\"t\")".into(),
            "time 1767225601".into(),
            "verify Header(None)".into(),
            "time 1767225602".into(),
            "healthcheck true".into(),
            "time 1767225602".into(),
            "signing_keys false".into(),
            format!("fetch_count {JWKS_URL}"),
            "time 1767225603".into(),
            r#"verify Request(RequestInput { headers: [("Cookie", "a=1"), ("Cookie", "b=2")], required_scopes: ["s"], required_permissions: [], target: None })"#.into(),
        ]
    );
}

#[test]
fn the_first_failing_step_ends_the_case() {
    let layer = FakeLayer::default();
    let steps = json!([
        {"at": T0, "healthcheck": {}, "expect": false},
        {"at": T0, "healthcheck": {}, "expect": true},
    ]);
    let failure = run_case(&layer, &parse(&case_json(config(json!({})), steps))).unwrap_err();
    assert_eq!(
        (
            failure.step,
            failure.expected.as_str(),
            failure.actual.as_str()
        ),
        (Some(0), "false", "true")
    );
    assert_eq!(layer.log.into_inner().len(), 2, "the second step never ran");
}

#[test]
fn a_layer_error_fails_its_step() {
    let layer = FakeLayer::default();
    let steps = json!([{"at": T0, "verify": "broken", "expect": {"ok": true}}]);
    let failure = run_case(&layer, &parse(&case_json(config(json!({})), steps))).unwrap_err();
    assert_eq!(failure.step, Some(0));
    assert_eq!(failure.expected, r#"{"ok":true,"claims":{}}"#);
    assert_eq!(failure.actual, "layer error: socket closed");
}

#[test]
fn a_layer_that_cannot_start_fails_every_case_even_a_config_error_case() {
    let layer = BrokenLayer { name: "blocking" };
    let mut case = case_json(config(json!({"allowed_algs": ["none"]})), json!([]));
    case["config_error"] = json!("allowed_algs");
    let failure = run_case(&layer, &parse(&case)).unwrap_err();
    assert_eq!(
        (failure.step, failure.actual.as_str()),
        (None, "layer error: not yet")
    );
    assert_eq!(layer.name(), "blocking");
}

#[test]
fn an_invalid_case_fails_in_every_layer_and_counts_once_per_layer() {
    let invalid = LoadedCase {
        path: "bad.json".into(),
        name: "bad".into(),
        case: Case::from_json_bytes(b"{\"format\": 1}"),
    };
    let valid = LoadedCase {
        path: "good.json".into(),
        name: "good".into(),
        case: Ok(parse(&case_json(config(json!({})), json!([])))),
    };
    let layers: Vec<Box<dyn Layer>> = vec![
        Box::new(FakeLayer::default()),
        Box::new(BrokenLayer { name: "async" }),
    ];
    let outcomes = run_corpus(&layers, &[invalid, valid]);
    let summary: Vec<(&str, &str, bool)> = outcomes
        .iter()
        .map(|o| (o.case.as_str(), o.layer.as_str(), o.passed()))
        .collect();
    assert_eq!(
        summary,
        [
            ("bad", "fake", false),
            ("bad", "async", false),
            ("good", "fake", true),
            ("good", "async", false)
        ]
    );
    let failure = outcomes[0].failure.as_ref().unwrap();
    assert!(
        failure.actual.starts_with("invalid case: name: missing"),
        "{failure:?}"
    );
}
