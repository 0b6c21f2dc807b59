//! [`HarnessError`]: everything that can keep the provider from serving a
//! test, each saying what to do about it.

use std::path::PathBuf;
use std::time::Duration;

/// Why the interop harness could not install, start, reach or use the
/// provider. A test that gets one fails with its message: none of these is
/// a reason to skip.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// `node` or `npm` is missing, or too old to run the provider.
    #[error("{0}")]
    NodeUnavailable(String),
    /// `npm ci` ran and failed.
    #[error("`npm ci` in {dir} failed ({status}); its output:\n{output}")]
    NpmFailed {
        /// The provider folder it ran in.
        dir: PathBuf,
        /// How the process ended.
        status: String,
        /// Its standard output and error.
        output: String,
    },
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The test kit could not generate a test key.
    #[error("generating a test key: {0}")]
    Key(#[from] oidc_jwt_verifier_testkit::IssuerError),
    /// The test kit could not generate a certificate.
    #[error("generating a test certificate: {0}")]
    Certificate(#[from] oidc_jwt_verifier_testkit::CaError),
    /// The provider process ended before it answered.
    #[error("the provider exited before it was ready ({status}); its output:\n{log}")]
    ProviderExited {
        /// How the process ended.
        status: String,
        /// What it printed.
        log: String,
    },
    /// The provider kept running but never served its discovery document.
    #[error(
        "the provider did not serve {url} within {waited:?} (last: {last}); its output:\n{log}"
    )]
    ProviderNotReady {
        /// The discovery URL polled.
        url: String,
        /// How long it was polled.
        waited: Duration,
        /// The last failure seen.
        last: String,
        /// What the provider printed.
        log: String,
    },
    /// The DPoP client answered something other than what it was asked.
    #[error("the DPoP client: {0}")]
    DpopClient(String),
    /// An HTTP exchange with the provider failed or answered something
    /// unusable.
    #[error("{url}: {detail}")]
    Http {
        /// The URL requested.
        url: String,
        /// What went wrong.
        detail: String,
    },
}

impl HarnessError {
    /// A stable name for the kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            HarnessError::NodeUnavailable(_) => "node_unavailable",
            HarnessError::NpmFailed { .. } => "npm_failed",
            HarnessError::Io { .. } => "io",
            HarnessError::Key(_) => "key",
            HarnessError::Certificate(_) => "certificate",
            HarnessError::ProviderExited { .. } => "provider_exited",
            HarnessError::ProviderNotReady { .. } => "provider_not_ready",
            HarnessError::Http { .. } => "http",
            HarnessError::DpopClient(_) => "dpop_client",
        }
    }

    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| HarnessError::Io { what, source }
    }

    pub(crate) fn http(url: &str, detail: impl ToString) -> Self {
        HarnessError::Http {
            url: url.to_owned(),
            detail: detail.to_string(),
        }
    }
}
