//! The conformance corpus (when present) and the shared examples through
//! every layer, so that `cargo test --workspace` runs them everywhere; and
//! the README's first command, the demo.

use std::path::PathBuf;

use oidc_jwt_verifier_conformance::case::load_corpus;
use oidc_jwt_verifier_conformance::demo;
use oidc_jwt_verifier_conformance::runner::report::{write_text, Summary};
use oidc_jwt_verifier_conformance::runner::{run_corpus, Layer, LayerName};

fn folder(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn every_layer() -> Vec<Box<dyn Layer>> {
    LayerName::build_all().expect("every layer starts")
}

#[test]
fn the_corpus_and_the_shared_examples_pass_in_every_layer() {
    let roots: Vec<PathBuf> = [folder("corpus"), folder("tests/shared-examples")]
        .into_iter()
        .filter(|root| root.is_dir())
        .collect();
    let cases = load_corpus(&roots).expect("the corpus loads");
    assert!(cases.len() >= 12, "the shared examples at least");
    let outcomes = run_corpus(&every_layer(), &cases);
    let summary = Summary::of(&outcomes);
    let mut report = Vec::new();
    write_text(&outcomes, &mut report).expect("the report is written");
    let report = String::from_utf8_lossy(&report);
    assert_eq!(summary.failed, 0, "\n{report}");
    assert_eq!(summary.passed, cases.len() * 3, "\n{report}");
}

#[test]
fn the_demo_runs_and_every_line_behaves_as_expected() {
    let mut out = Vec::new();
    let summary = demo::run(&mut out).expect("the demo runs");
    let text = String::from_utf8(out).expect("UTF-8");
    assert!(summary.all_as_expected(), "{text}");
    assert_eq!(summary.checks, 33, "{text}");
    assert_eq!(
        text.lines().last(),
        Some("demo: 33 checks, all as expected"),
        "{text}"
    );
    for layer in ["core", "blocking", "async"] {
        let scope_line = text
            .lines()
            .find(|line| line.starts_with(&format!("ok {layer:<9}missing required scope")))
            .unwrap_or_else(|| panic!("no scope line for {layer}:\n{text}"));
        assert!(
            scope_line.contains("403")
                && scope_line.ends_with(r#"error="insufficient_scope", error_description="Insufficient scope", scope="read:orders""#),
            "{scope_line}"
        );
    }
    assert_eq!(
        text.lines().filter(|line| line.starts_with("!! ")).count(),
        0
    );
}
