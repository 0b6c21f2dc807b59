//! The Node packages of the provider (`provider/`) and of the DPoP client
//! (`dpop-client/`): installed from their lockfiles with `npm ci` when
//! `node_modules` is missing or differs from it, once per process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use serde_json::Value;

use crate::HarnessError;

/// The oldest Node.js major version the pinned provider runs on.
const NODE_MAJOR_MIN: u32 = 20;

/// Serializes the check and the install between the tests of one process
/// (every interop scenario lives in one test binary, so this is all the
/// serializing `cargo test` needs).
static INSTALL: Mutex<()> = Mutex::new(());

/// The Node projects of this crate (each a `package.json`, a
/// `package-lock.json` and its script).
#[derive(Debug, Clone, Copy)]
pub(crate) enum NodeProject {
    /// panva's `oidc-provider`, `provider/`.
    Provider,
    /// panva's `dpop`, `dpop-client/`.
    DpopClient,
}

impl NodeProject {
    fn dir(self) -> PathBuf {
        let name = match self {
            NodeProject::Provider => "provider",
            NodeProject::DpopClient => "dpop-client",
        };
        Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
    }
}

/// Makes sure `node` (20 or later) and `npm` are on the `PATH` and that
/// the project's `node_modules` holds exactly what its `package-lock.json`
/// pins, running `npm ci` otherwise. Returns the project folder.
pub(crate) fn ensure_installed(project: NodeProject) -> Result<PathBuf, HarnessError> {
    let _serialized = INSTALL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = project.dir();
    check_node()?;
    if matches_lockfile(&dir) {
        return Ok(dir);
    }
    let output = run(
        "npm",
        // No install scripts: the packages and their dependencies need none.
        &["ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        &dir,
    )?;
    let status = if !output.status.success() {
        output.status.to_string()
    } else if !matches_lockfile(&dir) {
        "it succeeded, but node_modules still differs from package-lock.json".to_owned()
    } else {
        return Ok(dir);
    };
    Err(HarnessError::NpmFailed {
        dir,
        status,
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    })
}

/// Runs `program args`, telling a missing program apart from a failing one.
fn run(program: &str, args: &[&str], dir: &Path) -> Result<Output, HarnessError> {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|error| {
            HarnessError::NodeUnavailable(format!(
                "cannot run `{program}` ({error}): the interop test needs Node.js \
                 {NODE_MAJOR_MIN} or later and npm on the PATH (it runs panva's \
                 oidc-provider and dpop; it is never skipped)"
            ))
        })
}

fn check_node() -> Result<(), HarnessError> {
    let output = run("node", &["--version"], Path::new("."))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let major = version
        .strip_prefix('v')
        .and_then(|rest| rest.split('.').next())
        .and_then(|major| major.parse::<u32>().ok());
    match major {
        Some(major) if output.status.success() && major >= NODE_MAJOR_MIN => Ok(()),
        _ => Err(HarnessError::NodeUnavailable(format!(
            "`node --version` answered {version:?}: the interop test needs Node.js \
             {NODE_MAJOR_MIN} or later"
        ))),
    }
}

/// Whether `node_modules` holds exactly the packages of `package-lock.json`:
/// npm's record of what it installed (`node_modules/.package-lock.json`)
/// lists the same paths with the same versions and integrity hashes, and
/// each package is there. Any file missing or unreadable means no.
fn matches_lockfile(dir: &Path) -> bool {
    let read = |path: PathBuf| -> Option<Value> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    };
    let (Some(lock), Some(installed)) = (
        read(dir.join("package-lock.json")),
        read(dir.join("node_modules/.package-lock.json")),
    ) else {
        return false;
    };
    let (Some(wanted), Some(present)) = (
        lock["packages"].as_object(),
        installed["packages"].as_object(),
    ) else {
        return false;
    };
    let wanted: Vec<_> = wanted.iter().filter(|(path, _)| !path.is_empty()).collect();
    wanted.len() == present.len()
        && wanted.iter().all(|(path, entry)| {
            present.get(*path).is_some_and(|have| {
                have["version"] == entry["version"] && have["integrity"] == entry["integrity"]
            }) && dir.join(path).join("package.json").is_file()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, path: &str, json: Value) {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, json.to_string()).unwrap();
    }

    fn project(installed_version: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let entry =
            |version: &str| serde_json::json!({"version": version, "integrity": "sha512-x"});
        write(
            dir.path(),
            "package-lock.json",
            serde_json::json!({"packages": {"": {"name": "p"}, "node_modules/a": entry("1.0.0")}}),
        );
        write(
            dir.path(),
            "node_modules/.package-lock.json",
            serde_json::json!({"packages": {"node_modules/a": entry(installed_version)}}),
        );
        write(
            dir.path(),
            "node_modules/a/package.json",
            serde_json::json!({}),
        );
        dir
    }

    #[test]
    fn an_install_matching_the_lockfile_is_kept() {
        assert!(matches_lockfile(project("1.0.0").path()));
    }

    #[test]
    fn another_version_is_stale() {
        assert!(!matches_lockfile(project("1.0.1").path()));
    }

    #[test]
    fn a_missing_package_folder_is_stale() {
        let dir = project("1.0.0");
        std::fs::remove_dir_all(dir.path().join("node_modules/a")).unwrap();
        assert!(!matches_lockfile(dir.path()));
    }

    #[test]
    fn no_node_modules_is_stale() {
        let dir = project("1.0.0");
        std::fs::remove_dir_all(dir.path().join("node_modules")).unwrap();
        assert!(!matches_lockfile(dir.path()));
    }

    #[test]
    fn an_extra_installed_package_is_stale() {
        let dir = project("1.0.0");
        write(
            dir.path(),
            "node_modules/.package-lock.json",
            serde_json::json!({"packages": {
                "node_modules/a": {"version": "1.0.0", "integrity": "sha512-x"},
                "node_modules/b": {"version": "1.0.0", "integrity": "sha512-y"},
            }}),
        );
        assert!(!matches_lockfile(dir.path()));
    }
}
