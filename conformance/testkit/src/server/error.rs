//! The one error type of the scripted server.

use std::fmt;
use std::io;

/// Why the scripted server could not start, map a URL or change its script.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerError {
    /// Not an absolute `http` or `https` URL the server can map.
    BadUrl(String),
    /// A scripted header name or value that cannot be sent (CR, LF or an
    /// empty name).
    BadHeader(String),
    /// A socket operation failed (binding a loopback port, spawning a thread).
    Io(io::Error),
    /// Generating the run's CA or server certificate failed.
    Tls(String),
}

impl ServerError {
    /// A stable name for the kind of failure: `"bad_url"`, `"bad_header"`,
    /// `"io"` or `"tls"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUrl(_) => "bad_url",
            Self::BadHeader(_) => "bad_header",
            Self::Io(_) => "io",
            Self::Tls(_) => "tls",
        }
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadUrl(url) => write!(f, "not a mappable http(s) URL: {url}"),
            Self::BadHeader(header) => write!(f, "header cannot be sent: {header:?}"),
            Self::Io(error) => write!(f, "loopback socket failure: {error}"),
            Self::Tls(why) => write!(f, "test TLS setup failed: {why}"),
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for ServerError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

impl From<crate::ca::CaError> for ServerError {
    fn from(error: crate::ca::CaError) -> Self {
        Self::Tls(error.to_string())
    }
}

impl From<openssl::error::ErrorStack> for ServerError {
    fn from(stack: openssl::error::ErrorStack) -> Self {
        Self::Tls(stack.to_string())
    }
}
