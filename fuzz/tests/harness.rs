//! The harness itself: a failure is printed with its seed and iteration,
//! reduced to the steps that matter, written as a case file that replays
//! (and fails) through every layer.

use std::path::PathBuf;

use oidc_jwt_verifier_conformance::{FixedKey, TestKey, TokenBuilder};
use oidc_jwt_verifier_fuzz::harness::{run, Budget, Input, Layers, Options, Target};
use oidc_jwt_verifier_fuzz::judge::Judge;
use oidc_jwt_verifier_fuzz::replay::replay;
use oidc_jwt_verifier_fuzz::rng::Rng;
use oidc_jwt_verifier_fuzz::rules::{Code, Verdict};
use oidc_jwt_verifier_fuzz::script::{Script, AUDIENCE, ISSUER, JWKS_URL, T0};
use serde_json::{json, Map, Value};

/// A target whose every input has one wrong expectation, at a random step.
struct OneWrong {
    token: String,
    jwks: Value,
}

impl OneWrong {
    fn new() -> OneWrong {
        let key = TestKey::fixed(FixedKey::Ed25519).unwrap();
        let token = TokenBuilder::for_key(&key)
            .claim("iss", json!(ISSUER))
            .claim("aud", json!(AUDIENCE))
            .claim("exp", json!(T0 + 60.0))
            .sign(&key)
            .unwrap();
        OneWrong {
            token,
            jwks: json!({"keys": [key.public_jwk()]}),
        }
    }
}

impl Target for OneWrong {
    fn name(&self) -> &'static str {
        "one-wrong"
    }

    fn input(&mut self, rng: &mut Rng) -> Result<Input, String> {
        let mut script = Script::new("A test input.", Script::standard_config());
        script.push(json!({"serve": {"url": JWKS_URL, "json": self.jwks}}));
        script.verify(T0, &self.token, &Verdict::Accept(Map::new()));
        let wrong = rng.between(2, 6);
        for index in 2..8 {
            let verdict = if index == wrong {
                Verdict::refuse(Code::InvalidSignature)
            } else {
                Verdict::refuse(Code::MalformedToken)
            };
            script.verify(T0, "not.a.token", &verdict);
        }
        Ok(Input {
            script,
            judge: Judge::Expectations,
            anchors: vec![0, 1],
        })
    }
}

fn temporary(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fuzz-harness-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_failure_is_reduced_written_and_replays_as_a_failure() {
    let dir = temporary("reduce");
    let options = Options {
        seed: 99,
        start: 5,
        budget: Budget::Iterations(10),
        findings: Some(dir.clone()),
        max_findings: 2,
        known_apart: true,
        dump: None,
    };
    let mut log = Vec::new();
    let report = run(&mut OneWrong::new(), &options, &mut log).unwrap();
    assert_eq!(report.findings.len(), 2, "stops at --max-findings");
    assert_eq!(report.iterations, 2);
    let log = String::from_utf8(log).unwrap();
    assert!(
        log.contains("FAIL one-wrong --seed 99 --start 5 step 2:"),
        "{log}"
    );
    assert!(log.contains("--start 6"), "{log}");

    let finding = &report.findings[0];
    let steps = finding.case["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3, "the serve, the anchor and the failing step");
    assert_eq!(steps[2]["expect"]["error"], "invalid_signature");
    assert_eq!(finding.case["name"], "fuzz/one-wrong/s99-i5");
    let description = finding.case["description"].as_str().unwrap();
    assert!(description.contains("--seed 99 --start 5"), "{description}");

    let path = finding.path.clone().unwrap();
    assert_eq!(path, dir.join("one-wrong-s99-i5.json"));
    let replayed = replay(&[path], &mut Layers::new()).unwrap();
    assert_eq!(replayed.cases, 1);
    // The core, blocking and async layers each fail the wrong expectation.
    assert_eq!(replayed.failures.len(), 3, "{:?}", replayed.failures);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_same_seed_and_iteration_make_the_same_input() {
    let mut target = OneWrong::new();
    let first = target.input(&mut Rng::for_iteration(3, 17)).unwrap();
    let again = target.input(&mut Rng::for_iteration(3, 17)).unwrap();
    assert_eq!(first.script, again.script);
}

#[test]
fn an_empty_folder_replays_nothing_and_passes() {
    let dir = temporary("empty");
    std::fs::create_dir_all(&dir).unwrap();
    let report = replay(std::slice::from_ref(&dir), &mut Layers::new()).unwrap();
    assert_eq!(report.cases, 0);
    assert!(report.failures.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
