//! Builds cases around the shared RS256 example: its configuration, its
//! JWK Set and a token valid from 1767225570 to 1767229200.
#![allow(dead_code)] // each test file uses a different part

use std::path::PathBuf;

use oidc_jwt_verifier_conformance::case::Case;
use oidc_jwt_verifier_conformance::runner::{run_case, CoreLayer, Failure};
use serde_json::{json, Value};

pub(crate) const T0: u64 = 1_767_225_600;
pub(crate) const JWKS_URL: &str = "https://login.example.test/.well-known/jwks.json";

pub(crate) fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/shared-examples")
}

pub(crate) fn example(file: &str) -> Value {
    let text = std::fs::read_to_string(examples_dir().join(file)).expect("example file");
    serde_json::from_str(&text).expect("example JSON")
}

/// The JWK Set of the RS256 example.
pub(crate) fn jwks() -> Value {
    example("valid-rs256.json")["steps"][0]["serve"]["json"].clone()
}

/// The valid RS256 token of the example (sub alice).
pub(crate) fn token() -> String {
    example("valid-rs256.json")["steps"][1]["verify"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// The example's configuration with `changes` merged in (`null` removes a key).
pub(crate) fn config(changes: Value) -> Value {
    let mut config = example("valid-rs256.json")["config"].clone();
    for (key, value) in changes.as_object().expect("changes object") {
        match value {
            Value::Null => config.as_object_mut().unwrap().remove(key),
            _ => config
                .as_object_mut()
                .unwrap()
                .insert(key.clone(), value.clone()),
        };
    }
    config
}

pub(crate) fn case_json(config: Value, steps: Value) -> Value {
    json!({
        "format": 1,
        "name": "test/case",
        "description": "built by a test",
        "config": config,
        "steps": steps,
    })
}

pub(crate) fn parse(case: &Value) -> Case {
    Case::from_json_bytes(case.to_string().as_bytes()).expect("a valid case")
}

/// Runs a case through the core layer.
pub(crate) fn run_core(case: &Value) -> Result<(), Failure> {
    run_case(&CoreLayer, &parse(case))
}

pub(crate) fn serve_jwks() -> Value {
    json!({"serve": {"url": JWKS_URL, "json": jwks()}})
}

pub(crate) fn verify_ok(at: u64) -> Value {
    json!({"at": at, "verify": token(), "expect": {"ok": true, "claims": {"sub": "alice"}}})
}

pub(crate) fn verify_error(at: u64, code: &str, status: u16) -> Value {
    json!({"at": at, "verify": token(), "expect": {"error": code, "status": status}})
}

pub(crate) fn fetches(url: &str, count: u64) -> Value {
    json!({"assert_fetches": {url: count}})
}
