//! Writing the corpus: one file per case at `<dir>/<name>.json`, written
//! only when missing unless forced (randomized signatures would otherwise
//! churn on every run).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::error::GenerateError;
use super::randomized::same_case;
use super::GeneratedCase;

/// What [`generate`](super::generate) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Case files written (missing, or rewritten under `force`).
    pub written: usize,
    /// Case files left as they were (present, `force` not given).
    pub kept: usize,
    /// Names of kept files that differ from what the generator now makes
    /// beyond randomized signatures: rerun with `force` to update them.
    pub stale: Vec<String>,
    /// `.json` files under the folder that no generated case names.
    pub unknown: Vec<PathBuf>,
}

/// The file of case `name` under `dir`: one path component per `/`.
pub fn case_path(dir: &Path, name: &str) -> PathBuf {
    let mut path = dir.to_path_buf();
    path.extend(name.split('/'));
    path.set_extension("json");
    path
}

/// Writes `cases` under `dir` (see [`Summary`]).
pub(crate) fn write_cases(
    dir: &Path,
    cases: &[GeneratedCase],
    force: bool,
) -> Result<Summary, GenerateError> {
    let mut summary = Summary::default();
    let mut expected = BTreeSet::new();
    for case in cases {
        let path = case_path(dir, &case.name);
        expected.insert(path.clone());
        match read_existing(&path)? {
            Some(existing) if !force => {
                summary.kept += 1;
                if !same_case(&existing, &case.text) {
                    summary.stale.push(case.name.clone());
                }
            }
            _ => {
                write_file(&path, &case.text)?;
                summary.written += 1;
            }
        }
    }
    summary.unknown = json_files(dir)?
        .into_iter()
        .filter(|path| !expected.contains(path))
        .collect();
    Ok(summary)
}

fn read_existing(path: &Path) -> Result<Option<String>, GenerateError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(GenerateError::io(path, error)),
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), GenerateError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|error| GenerateError::io(parent, error))?;
    }
    fs::write(path, text).map_err(|error| GenerateError::io(path, error))
}

/// Every `.json` file under `dir`, recursively, sorted.
pub(crate) fn json_files(dir: &Path) -> Result<Vec<PathBuf>, GenerateError> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = fs::read_dir(&folder).map_err(|error| GenerateError::io(&folder, error))?;
        for entry in entries {
            let path = entry
                .map_err(|error| GenerateError::io(&folder, error))?
                .path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "json") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}
