//! Loading a corpus: folders walked recursively, `.json` files taken in
//! byte order of their paths, names checked unique across the run.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Case, CaseError};

/// The largest case file read (a case needing more uses `body_repeat`).
pub const MAX_CASE_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One case file: its path, the name to report it under, and the case (or
/// why it cannot be run).
#[derive(Debug, Clone)]
pub struct LoadedCase {
    /// The file.
    pub path: PathBuf,
    /// The case's `name`; for a file that does not parse, its `name` member
    /// if it has one, else the path.
    pub name: String,
    /// The case, or why it cannot be run (it then fails in every layer).
    pub case: Result<Case, CaseError>,
}

/// A corpus that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// A path given that does not exist or cannot be listed.
    #[error("cannot read {path}: {error}")]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// No case file at all under the paths given.
    #[error("no .json case files under {0}")]
    Empty(String),
}

/// Loads every case under `roots` (folders, walked recursively, or single
/// files), root by root in the order given, each root's files in byte
/// order of their paths. A later case reusing a name fails.
pub fn load_corpus(roots: &[PathBuf]) -> Result<Vec<LoadedCase>, CorpusError> {
    let mut files = Vec::new();
    for root in roots {
        files.extend(case_files(root)?);
    }
    if files.is_empty() {
        let shown: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
        return Err(CorpusError::Empty(shown.join(", ")));
    }
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let mut loaded = Vec::with_capacity(files.len());
    for path in files {
        let mut case = load_case(&path);
        if let Ok(parsed) = &case.case {
            if let Some(first) = seen.get(&parsed.name) {
                case.case = Err(CaseError::whole(format!(
                    "name: {:?} is already the name of {}; names are unique in a corpus",
                    parsed.name,
                    first.display()
                )));
            } else {
                seen.insert(parsed.name.clone(), path.clone());
            }
        }
        loaded.push(case);
    }
    Ok(loaded)
}

/// The `.json` files of one root, sorted by path bytes.
fn case_files(root: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let unreadable = |error| CorpusError::Unreadable {
        path: root.to_owned(),
        error,
    };
    let metadata = fs::metadata(root).map_err(unreadable)?;
    if metadata.is_file() {
        return Ok(vec![root.to_owned()]);
    }
    let mut files = Vec::new();
    let mut visited = HashSet::new();
    walk(root, &mut files, &mut visited)?;
    files.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    Ok(files)
}

/// Collects the `.json` files under `dir`, following symbolic links but
/// entering each real directory once (no loops).
fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    visited: &mut HashSet<PathBuf>,
) -> Result<(), CorpusError> {
    let unreadable = |error| CorpusError::Unreadable {
        path: dir.to_owned(),
        error,
    };
    if !visited.insert(fs::canonicalize(dir).map_err(unreadable)?) {
        return Ok(());
    }
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        let metadata = fs::metadata(&path).map_err(|error| CorpusError::Unreadable {
            path: path.clone(),
            error,
        })?;
        if metadata.is_dir() {
            walk(&path, files, visited)?;
        } else if metadata.is_file() && path.as_os_str().as_encoded_bytes().ends_with(b".json") {
            files.push(path);
        }
    }
    Ok(())
}

/// Reads and parses one file; any failure becomes the case's error.
fn load_case(path: &Path) -> LoadedCase {
    let fallback_name = path.display().to_string();
    let bytes = match read_bounded(path) {
        Ok(bytes) => bytes,
        Err(reason) => {
            return LoadedCase {
                path: path.to_owned(),
                name: fallback_name,
                case: Err(CaseError::whole(reason)),
            }
        }
    };
    let case = Case::from_json_bytes(&bytes);
    let name = match &case {
        Ok(case) => case.name.clone(),
        Err(_) => name_member(&bytes).unwrap_or(fallback_name),
    };
    LoadedCase {
        path: path.to_owned(),
        name,
        case,
    }
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    let file = fs::File::open(path).map_err(|error| format!("cannot read the file: {error}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_CASE_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read the file: {error}"))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_CASE_FILE_BYTES {
        return Err(format!(
            "the file is larger than {MAX_CASE_FILE_BYTES} bytes (use body_repeat for large bodies)"
        ));
    }
    Ok(bytes)
}

/// The top-level `name` string of a file that is JSON but not a valid case.
fn name_member(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let name = value.get("name")?.as_str()?;
    (!name.is_empty()).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"{"format": 1, "name": "NAME", "description": "d",
        "config": {"issuer": "https://i.test/", "audience": "a", "jwks_url": "https://i.test/k"},
        "steps": []}"#;

    fn temp_dir(label: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("conformance-corpus-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(dir: &Path, relative: &str, text: &str) {
        let path = dir.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn walks_recursively_in_byte_order_of_paths_and_only_json() {
        let dir = temp_dir("order");
        write(&dir, "b.json", &VALID.replace("NAME", "b"));
        write(&dir, "a/z.json", &VALID.replace("NAME", "a/z"));
        write(&dir, "a-c.json", &VALID.replace("NAME", "a-c"));
        write(&dir, "B.json", &VALID.replace("NAME", "B"));
        write(&dir, "notes.txt", "not a case");
        let names: Vec<String> = load_corpus(std::slice::from_ref(&dir))
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        // '-' (0x2d) < '/' (0x2f), and 'B' < 'a' < 'b'.
        assert_eq!(names, ["B", "a-c", "a/z", "b"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_reused_name_fails_the_later_case() {
        let dir = temp_dir("dup");
        write(&dir, "1.json", &VALID.replace("NAME", "same"));
        write(&dir, "2.json", &VALID.replace("NAME", "same"));
        let cases = load_corpus(std::slice::from_ref(&dir)).unwrap();
        assert!(cases[0].case.is_ok());
        let error = cases[1].case.as_ref().unwrap_err();
        assert!(error.reason.contains("already the name of"), "{error}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_invalid_file_is_a_failing_case_named_as_best_we_can() {
        let dir = temp_dir("invalid");
        write(&dir, "named.json", r#"{"name": "half", "format": 2}"#);
        write(&dir, "nameless.json", "{");
        let cases = load_corpus(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(cases[0].name, "half");
        assert!(cases[0].case.is_err());
        assert!(cases[1].name.ends_with("nameless.json"));
        assert!(cases[1].case.is_err());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_root_or_an_empty_corpus_is_an_error() {
        let missing = std::env::temp_dir().join("conformance-corpus-does-not-exist");
        assert!(matches!(
            load_corpus(&[missing]),
            Err(CorpusError::Unreadable { .. })
        ));
        let dir = temp_dir("empty");
        assert!(matches!(
            load_corpus(std::slice::from_ref(&dir)),
            Err(CorpusError::Empty(_))
        ));
        fs::remove_dir_all(dir).unwrap();
    }
}
