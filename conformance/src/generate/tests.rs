//! Tests of the generator's output as a whole and of the checked-in
//! corpus it produced.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::files::json_files;
use super::spec::Code;
use super::{case_path, cases, generate, same_case};
use crate::case::Case;

/// The checked-in corpus.
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// A fresh, empty folder under the system's temporary folder.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "oidc-corpus-{label}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos())
        ));
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Every `.json` file under `dir`, by path relative to `dir`, with its text.
fn read_tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    json_files(dir)
        .unwrap()
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            (path.strip_prefix(dir).unwrap().to_path_buf(), text)
        })
        .collect()
}

/// The checked-in cases, parsed as JSON, by name.
fn checked_in_cases() -> BTreeMap<String, (PathBuf, Value)> {
    let dir = corpus_dir();
    let mut cases = BTreeMap::new();
    for path in json_files(&dir).unwrap() {
        let value: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let name = value["name"].as_str().unwrap().to_owned();
        let previous = cases.insert(name.clone(), (path, value));
        assert!(previous.is_none(), "two files name the case {name}");
    }
    cases
}

#[test]
fn regenerating_gives_the_checked_in_corpus_apart_from_randomized_signatures() {
    let temp = TempDir::new("regenerate");
    let summary = generate(&temp.0, false).unwrap();
    assert_eq!(summary.kept, 0);
    assert!(summary.unknown.is_empty());
    let fresh = read_tree(&temp.0);
    let checked_in = read_tree(&corpus_dir());
    let fresh_names: BTreeSet<&PathBuf> = fresh.keys().collect();
    let checked_names: BTreeSet<&PathBuf> = checked_in.keys().collect();
    assert_eq!(
        fresh_names, checked_names,
        "the generated and checked-in file sets differ"
    );
    let randomized: BTreeSet<String> = cases()
        .unwrap()
        .into_iter()
        .filter(|case| case.randomized)
        .map(|case| case.name)
        .collect();
    assert!(
        !randomized.is_empty(),
        "ES*/PS* cases are expected in the corpus"
    );
    for (path, text) in &fresh {
        let checked = &checked_in[path];
        assert!(
            same_case(checked, text),
            "{} differs from a fresh generation",
            path.display()
        );
        let name = serde_json::from_str::<Value>(text).unwrap()["name"]
            .as_str()
            .unwrap()
            .to_owned();
        if !randomized.contains(&name) {
            assert_eq!(
                checked,
                text,
                "{} is deterministic yet differs",
                path.display()
            );
        }
    }
}

#[test]
fn only_missing_files_are_written_unless_forced() {
    let temp = TempDir::new("policy");
    let total = generate(&temp.0, false).unwrap().written;
    let again = generate(&temp.0, false).unwrap();
    assert_eq!((again.written, again.kept), (0, total));
    assert!(again.stale.is_empty() && again.unknown.is_empty());

    let edited = case_path(&temp.0, "claims/missing/exp");
    let original = fs::read_to_string(&edited).unwrap();
    fs::write(
        &edited,
        original.replace("Missing required claim: exp", "changed"),
    )
    .unwrap();
    let extra = temp.0.join("extra/hand-written.json");
    fs::create_dir_all(extra.parent().unwrap()).unwrap();
    fs::write(&extra, "{}").unwrap();
    let kept = generate(&temp.0, false).unwrap();
    assert_eq!(kept.written, 0);
    assert_eq!(kept.stale, ["claims/missing/exp"]);
    assert_eq!(kept.unknown, [extra]);
    assert_ne!(fs::read_to_string(&edited).unwrap(), original);

    let forced = generate(&temp.0, true).unwrap();
    assert_eq!((forced.written, forced.kept), (total, 0));
    assert_eq!(fs::read_to_string(&edited).unwrap(), original);
}

#[test]
fn the_corpus_has_at_least_150_uniquely_named_cases_at_their_paths() {
    let cases = checked_in_cases();
    assert!(cases.len() >= 150, "only {} cases", cases.len());
    for (name, (path, _)) in &cases {
        assert_eq!(
            path,
            &case_path(&corpus_dir(), name),
            "case {name} is not at its path"
        );
    }
}

#[test]
fn every_case_is_format_1_and_parses_under_the_strict_case_model() {
    for (name, (path, value)) in checked_in_cases() {
        assert_eq!(value["format"], 1, "{name}");
        assert!(
            value["description"].as_str().is_some_and(|d| d.len() > 10),
            "{name}"
        );
        let case = Case::from_json_bytes(&fs::read(&path).unwrap())
            .unwrap_or_else(|error| panic!("{name}: {error:?}"));
        assert_eq!(case.name, name);
        if case.config_error.is_some() {
            assert!(
                case.steps.is_empty(),
                "{name}: a config_error case has steps"
            );
        } else {
            assert!(!case.steps.is_empty(), "{name}: no steps");
        }
    }
}

/// Every `expect` object of every step of `case`.
fn expectations(case: &Value) -> impl Iterator<Item = &Value> {
    case["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|step| step.get("expect"))
}

#[test]
fn every_spec_error_code_is_expected_somewhere_with_its_status() {
    let mut seen = BTreeSet::new();
    for (name, (_, case)) in checked_in_cases() {
        for expect in expectations(&case) {
            let Some(code) = expect.get("error").and_then(Value::as_str) else {
                continue;
            };
            let row = Code::ALL
                .into_iter()
                .find(|known| known.name() == code)
                .unwrap_or_else(|| panic!("{name}: {code} is not a code of docs/rules.md"));
            assert_eq!(expect["status"], row.status(), "{name}: status of {code}");
            seen.insert(row);
        }
    }
    let missing: Vec<&str> = Code::ALL
        .into_iter()
        .filter(|code| !seen.contains(code))
        .map(Code::name)
        .collect();
    assert!(missing.is_empty(), "codes never expected: {missing:?}");
}

#[test]
fn every_config_rule_has_a_refused_case_naming_its_field() {
    let fields: BTreeSet<String> = checked_in_cases()
        .into_values()
        .filter_map(|(_, case)| case["config_error"].as_str().map(str::to_owned))
        .collect();
    for field in [
        "issuer",
        "audience",
        "jwks_url",
        "discovery_url",
        "allowed_algs",
        "leeway_s",
        "cache_ttl_s",
        "refresh_cooldown_s",
        "http_timeout_s",
        "stale_if_error_s",
        "refresh_ahead_s",
        "fetch_attempts",
        "max_token_bytes",
        "dpop",
        "dpop_algs",
        "dpop_iat_past_s",
        "dpop_iat_future_s",
        "dpop_replay_cache_size",
    ] {
        assert!(fields.contains(field), "no config_error case names {field}");
    }
}

#[test]
fn times_never_decrease_within_a_case() {
    for (name, (_, case)) in checked_in_cases() {
        let times: Vec<f64> = case["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|step| step.get("at").and_then(Value::as_f64))
            .collect();
        assert!(
            times.windows(2).all(|pair| pair[0] <= pair[1]),
            "{name}: time goes backwards"
        );
    }
}
