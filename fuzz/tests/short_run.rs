//! The short run CI makes: every target for a fixed seed and a few hundred
//! inputs (sized for a debug build on two busy cores), then the replay of
//! past findings. Known deviations ([`known`]) are counted apart; anything
//! else found fails the test with its seed, iteration and case.

use std::path::{Path, PathBuf};

use oidc_jwt_verifier_fuzz::harness::{run, Budget, Layers, Options};
use oidc_jwt_verifier_fuzz::known::KNOWN;
use oidc_jwt_verifier_fuzz::replay::replay;
use oidc_jwt_verifier_fuzz::targets;

/// The seed of the CI run.
const SEED: u64 = 8;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn short_run(target: &str, iterations: u64) {
    let mut built = targets::build(target).unwrap();
    let options = Options {
        seed: SEED,
        start: 0,
        budget: Budget::Iterations(iterations),
        findings: None,
        max_findings: 5,
        known_apart: true,
        dump: None,
    };
    let mut log = Vec::new();
    let report = run(built.as_mut(), &options, &mut log).unwrap();
    let log = String::from_utf8_lossy(&log);
    eprintln!("{log}");
    assert_eq!(report.iterations, iterations);
    let failures: Vec<String> = report
        .findings
        .iter()
        .map(|finding| format!("{}\n  case: {}", finding.summary(), finding.case))
        .collect();
    assert!(
        failures.is_empty(),
        "{target}: {} findings (re-run: cargo run -p oidc-jwt-verifier-fuzz -- {target} --seed {SEED} --start N --iterations 1):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn tokens_short_run() {
    short_run("tokens", 25);
}

#[test]
fn jwks_short_run() {
    short_run("jwks", 300);
}

#[test]
fn claims_short_run() {
    short_run("claims", 30);
}

#[test]
fn worlds_short_run() {
    short_run("worlds", 10);
}

#[test]
fn past_findings_replay_through_every_layer() {
    let report = replay(&[fuzz_dir().join("regressions")], &mut Layers::new()).unwrap();
    assert!(report.cases > 0, "fuzz/regressions holds cases");
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
}

#[test]
fn every_known_deviation_has_its_case() {
    for known in KNOWN {
        let path = fuzz_dir().join("findings").join(known.case);
        let text =
            std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        oidc_jwt_verifier_conformance::case::Case::from_json_bytes(&text)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    }
}
