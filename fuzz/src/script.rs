//! Conformance cases (docs/case-format.md, version 1) built as JSON: every input the
//! harness makes is one, so a finding is a case file that any layer can
//! replay and the corpus can take in.

use serde_json::{json, Map, Value};

use crate::rules::Verdict;
use crate::trace::Answer;

/// 2026-01-01T00:00:00Z, the corpus's first instant.
pub const T0: f64 = 1_767_225_600.0;

/// The issuer every target configures.
pub const ISSUER: &str = "https://issuer.example.test/";

/// The audience every target configures (unless it picks its own).
pub const AUDIENCE: &str = "api://fuzz";

/// The key set URL of the targets that use one.
pub const JWKS_URL: &str = "https://issuer.example.test/jwks";

/// Every algorithm name the rules know.
pub const ALL_ALGS: [&str; 12] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
    "Ed25519", "Ed448",
];

/// A case under construction.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    description: String,
    config: Map<String, Value>,
    steps: Vec<Value>,
}

impl Script {
    /// A case whose configuration is `config`.
    pub fn new(description: impl Into<String>, config: Map<String, Value>) -> Script {
        Script {
            description: description.into(),
            config,
            steps: Vec::new(),
        }
    }

    /// The standard configuration: [`ISSUER`], [`AUDIENCE`], [`JWKS_URL`]
    /// and every algorithm allowed.
    pub fn standard_config() -> Map<String, Value> {
        let config = json!({
            "issuer": ISSUER,
            "audience": AUDIENCE,
            "jwks_url": JWKS_URL,
            "allowed_algs": ALL_ALGS,
        });
        match config {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Map<String, Value> {
        &self.config
    }

    /// The steps so far.
    pub fn steps(&self) -> &[Value] {
        &self.steps
    }

    /// Adds a raw step.
    pub fn push(&mut self, step: Value) {
        self.steps.push(step);
    }

    /// `url` answers 200 with `body` as it is (any text: broken JSON,
    /// duplicate members), `content-type: application/json`.
    pub fn serve_text(&mut self, url: &str, body: String) {
        self.push(json!({"serve": {
            "url": url,
            "headers": {"content-type": "application/json"},
            "body": body,
        }}));
    }

    /// A `verify` step expecting `verdict`.
    pub fn verify(&mut self, at: f64, token: &str, verdict: &Verdict) {
        self.push(json!({"at": at, "verify": token, "expect": verdict.to_expect()}));
    }

    /// A `verify_header` step expecting `verdict`.
    pub fn verify_header(&mut self, at: f64, header: Option<&str>, verdict: &Verdict) {
        self.push(json!({"at": at, "verify_header": header, "expect": verdict.to_expect()}));
    }

    /// The case as JSON, named `name`.
    pub fn to_case(&self, name: &str) -> Value {
        json!({
            "format": 1,
            "name": name,
            "description": self.description,
            "config": self.config,
            "steps": self.steps,
        })
    }

    /// Replaces each step's expectation with `answers[i]` (a reference
    /// layer's answer to step `i`), and each `assert_fetches` step's counts
    /// with the counted ones; steps past the answers keep theirs.
    pub fn fill_answers(&mut self, answers: &[Answer]) {
        for (step, answer) in self.steps.iter_mut().zip(answers) {
            let Some(step) = step.as_object_mut() else {
                continue;
            };
            if let Some(expect) = answer.to_expect() {
                step.insert("expect".into(), expect);
            }
            if let Answer::Fetches(counts) = answer {
                let counts: Map<String, Value> = counts
                    .iter()
                    .map(|(url, count)| (url.clone(), json!(count)))
                    .collect();
                step.insert("assert_fetches".into(), Value::Object(counts));
            }
        }
    }

    /// Appends a sentence to the description.
    pub fn describe(&mut self, sentence: &str) {
        self.description.push(' ');
        self.description.push_str(sentence);
    }

    /// The same case with only the steps at `keep` (in order).
    pub fn with_steps(&self, keep: &[usize]) -> Script {
        Script {
            description: self.description.clone(),
            config: self.config.clone(),
            steps: keep
                .iter()
                .filter_map(|&index| self.steps.get(index).cloned())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Code;
    use oidc_jwt_verifier_conformance::case::Case;

    #[test]
    fn a_script_is_a_case_the_runner_reads() {
        let mut script = Script::new("why", Script::standard_config());
        script.serve_text(JWKS_URL, r#"{"keys": []}"#.into());
        script.verify(T0, "a.b.c", &Verdict::refuse(Code::MalformedToken));
        script.verify_header(T0, None, &Verdict::refuse(Code::MissingToken));
        let case = script.to_case("fuzz/test/one");
        let parsed = Case::from_json_bytes(case.to_string().as_bytes()).unwrap();
        assert_eq!(parsed.steps.len(), 3);
        assert_eq!(script.with_steps(&[0, 2]).steps().len(), 2);
    }
}
