//! The `conformance` binary end to end: exit status, failure lines, the
//! final count line and the JSON report.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/shared-examples")
}

/// A fresh folder holding the example `valid-rs256` case as is (passing)
/// and with a wrong expectation at step 1 (failing).
fn corpus(label: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{label}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("nested")).unwrap();
    let text = fs::read_to_string(examples().join("valid-rs256.json")).unwrap();
    let mut case: Value = serde_json::from_str(&text).unwrap();
    fs::write(dir.join("pass.json"), case.to_string()).unwrap();
    case["name"] = json!("cli/fails");
    case["steps"][1]["expect"] = json!({"error": "token_expired", "status": 401});
    fs::write(dir.join("nested/fail.json"), case.to_string()).unwrap();
    dir
}

fn conformance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn path(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

#[test]
fn a_failing_case_makes_the_run_fail_and_is_reported_with_its_step() {
    let dir = corpus("mixed");
    let output = conformance(&["run", path(&dir), "--layer", "core"]);
    assert_eq!(output.status.code(), Some(1));
    let lines = stdout_lines(&output);
    assert_eq!(lines.last().map(String::as_str), Some("1 passed, 1 failed"));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with(r#"FAIL cli/fails [core] step 1: expected {"error":"token_expired","status":401}, actual {"ok":true,"claims":{"#),
        "{lines:?}"
    );
}

#[test]
fn a_passing_corpus_exits_zero() {
    let output = conformance(&["run", path(&examples()), "--layer=core"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stdout_lines(&output), ["12 passed, 0 failed"]);
}

#[test]
fn every_layer_by_default_counts_case_times_layer() {
    let output = conformance(&["run", path(&examples())]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stdout_lines(&output), ["36 passed, 0 failed"]);

    let dir = corpus("every-layer");
    let output = conformance(&["run", path(&dir)]);
    assert_eq!(output.status.code(), Some(1));
    let lines = stdout_lines(&output);
    assert_eq!(lines.last().map(String::as_str), Some("3 passed, 3 failed"));
    for layer in ["core", "blocking", "async"] {
        let failure = format!("FAIL cli/fails [{layer}] step 1:");
        assert!(lines.iter().any(|l| l.starts_with(&failure)), "{lines:?}");
    }
}

#[test]
fn the_demo_exits_zero_and_says_so() {
    let output = conformance(&["demo"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let lines = stdout_lines(&output);
    assert_eq!(
        lines.last().map(String::as_str),
        Some("demo: 33 checks, all as expected")
    );
    let wide: Vec<&String> = lines
        .iter()
        .filter(|line| line.chars().count() > 100)
        .collect();
    assert!(wide.is_empty(), "lines wider than 100 columns: {wide:#?}");
    assert!(lines.len() > 33, "a row per check and its details");
    let extra = conformance(&["demo", "--fast"]);
    assert_eq!(extra.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&extra.stderr).contains("demo takes no arguments"));
}

#[test]
fn the_json_report_has_one_entry_per_case_and_layer() {
    let dir = corpus("json");
    let report = dir.join("report.json");
    let output = conformance(&[
        "run",
        path(&dir),
        "--layer",
        "core",
        "--json",
        path(&report),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(1))
    );
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    // Byte order of paths: nested/fail.json before pass.json.
    assert_eq!(results[0]["case"], "cli/fails");
    assert_eq!(results[0]["step"], 1);
    assert_eq!(
        results[0]["expected"],
        r#"{"error":"token_expired","status":401}"#
    );
    assert_eq!(results[1]["case"], "example/valid-rs256");
    assert_eq!(results[1]["passed"], true);
}

#[test]
fn usage_errors_exit_two() {
    for args in [
        &[][..],
        &["check"][..],
        &["run"][..],
        &["run", "x", "--layer", "quantum"][..],
        &["run", "x", "--layer"][..],
        &["run", "x", "--layer", "core", "--layer", "async"][..],
        &["run", "x", "--verbose"][..],
    ] {
        let output = conformance(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("usage: conformance run"),
            "{args:?}"
        );
    }
    let missing = conformance(&["run", "/nonexistent/corpus", "--layer", "core"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read /nonexistent/corpus"));
}
