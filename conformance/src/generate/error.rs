//! Why the corpus could not be generated.

use std::path::PathBuf;

use crate::issuer::IssuerError;

/// A failure to build or write the corpus.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// A key could not be loaded or a token signed.
    #[error("test issuer: {0}")]
    Issuer(#[from] IssuerError),
    /// A case file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A generator rule was broken: a duplicate or unusable case name, a
    /// token that could not be given the shape a case needs.
    #[error("generator: {0}")]
    Invalid(String),
}

impl GenerateError {
    /// An [`GenerateError::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
