//! The conformance corpus generator: writes the checked-in cases of
//! `conformance/corpus/` (docs/case-format.md, version 1), one file per case,
//! in folders by topic.
//!
//! Every expectation here is derived from docs/rules.md, never from what an
//! implementation answers: the error table and the `WWW-Authenticate` rule
//! are written out in `spec`, and each case's description says which
//! rule it proves.
//!
//! # Regenerating
//!
//! ```text
//! cargo run -p oidc-jwt-verifier-conformance -- generate conformance/corpus          # add missing cases
//! cargo run -p oidc-jwt-verifier-conformance -- generate conformance/corpus --force  # rewrite every case
//! ```
//!
//! The output is deterministic: fixed keys ([`FixedKey`](crate::FixedKey),
//! plus a 2047-bit key kept in `generate/keys/`), fixed times (`T0` =
//! 1767225600, 2026-01-01T00:00:00Z), fixed names and URLs (made-up
//! `https://*.example.test` hosts that runners map to loopback). RS* and
//! EdDSA signatures are deterministic; PS* and ES* signatures are
//! randomized by OpenSSL, so [`generate`] writes a case file only when it
//! is missing unless `force` is given, and reports kept files that differ
//! from the current generator beyond those signatures as
//! [`Summary::stale`]. The tests regenerate the corpus into a temporary
//! folder and require the same files with the same content apart from
//! randomized signatures.
//!
//! # Adding a case
//!
//! 1. Pick the topic module under `cases/` (or add one and list it in
//!    `cases::all`). Each module returns its `CaseSpec`s.
//! 2. Build the case: `CaseSpec::new("topic/what-it-proves", "One or two
//!    sentences: the rule of docs/rules.md and why this case proves it.")`,
//!    then `.set(..)` configuration keys that differ from the defaults of
//!    docs/case-format.md, then steps: `.serve(url, Reply::..)`, `.verify(at,
//!    &token, Expect::..)`, `.verify_header(..)`, `.healthcheck(..)`,
//!    `.signing_keys(..)`, `.fetches(&[(url, n)])`.
//! 3. Derive the expectation from docs/rules.md: `Expect::error(Code::..)`
//!    computes the status and exact challenge from the table. Where the rules
//!    are ambiguous, do not pin the behaviour.
//! 4. Run the generator (without `--force` only the new file is written), check
//!    the case through every layer (`conformance run conformance/corpus`), and
//!    commit the new file.
//!
//! Request counts follow the corpus rule: a refused connection (or an
//! unserved URL) is not a received request; a timed-out one is; a
//! redirect hop counts at the URL it hit. A case asserting that a URL is
//! never requested serves that URL, so that a request would be counted.

mod build;
mod cases;
mod error;
mod files;
mod randomized;
pub mod spec;
mod world;
mod write;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::path::Path;

pub use error::GenerateError;
pub use files::{case_path, Summary};
pub use randomized::{is_randomized, same_case};

/// One generated case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedCase {
    /// The case's `name`; its file is `<dir>/<name>.json`.
    pub name: String,
    /// The file's text.
    pub text: String,
    /// Whether it carries randomized (PS*/ES*) signatures.
    pub randomized: bool,
}

/// Every case of the corpus, in memory, in generation order.
pub fn cases() -> Result<Vec<GeneratedCase>, GenerateError> {
    let specs = cases::all()?;
    let mut names = BTreeSet::new();
    let mut generated = Vec::with_capacity(specs.len());
    for spec in specs {
        check_name(spec.name())?;
        if !names.insert(spec.name().to_owned()) {
            return Err(GenerateError::Invalid(format!(
                "two cases are named {:?}",
                spec.name()
            )));
        }
        let value = spec.to_json();
        generated.push(GeneratedCase {
            name: spec.name().to_owned(),
            text: write::case_text(&value),
            randomized: is_randomized(&value),
        });
    }
    Ok(generated)
}

/// Writes the corpus under `dir`: each missing case file, or every case
/// file when `force` is set (see the module documentation).
pub fn generate(dir: &Path, force: bool) -> Result<Summary, GenerateError> {
    files::write_cases(dir, &cases()?, force)
}

/// A name is path-like: `/`-separated segments of lowercase letters,
/// digits, `-`, `_` and `.`, none empty or only dots.
fn check_name(name: &str) -> Result<(), GenerateError> {
    let segment_ok = |segment: &str| {
        !segment.is_empty()
            && segment.chars().any(|c| c != '.')
            && segment.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
            })
    };
    if name.split('/').all(segment_ok) {
        Ok(())
    } else {
        Err(GenerateError::Invalid(format!(
            "case name {name:?} is not path-like"
        )))
    }
}
