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
    // One row per check, a mark per layer, then the challenge on the
    // indented lines below it.
    let lines: Vec<&str> = text.lines().collect();
    let row = lines
        .iter()
        .position(|line| line.starts_with("missing required scope"))
        .unwrap_or_else(|| panic!("no scope row:\n{text}"));
    let cells: Vec<&str> = lines[row].split_whitespace().collect();
    assert_eq!(
        cells[cells.len() - 6..],
        ["insufficient_scope", "403", "1", "ok", "ok", "ok"],
        "{text}"
    );
    let challenge: Vec<&str> = lines[row + 1..]
        .iter()
        .take_while(|line| line.starts_with("    "))
        .map(|line| line.trim())
        .collect();
    assert_eq!(
        challenge.join(" "),
        r#"Bearer realm="demo", error="insufficient_scope", error_description="Insufficient scope", scope="read:orders""#,
        "{text}"
    );
    assert!(
        text.lines().all(|line| line.chars().count() <= 100),
        "the table fits 100 columns:\n{text}"
    );
    assert!(
        !text.split_whitespace().any(|cell| cell == "!!"),
        "no layer answered otherwise:\n{text}"
    );
}
