//! What the core asks a driver to fetch, and what the driver hands back.
//!
//! The core never performs I/O: it hands out a [`FetchRequest`] (the URL, the
//! headers to send, the timeout, the body limit); the driver GETs it hop by
//! hop as [`FetchRequest::hops`] decides, then gives the outcome, an
//! [`HttpResponse`] or a [`TransportFailure`], to [`FetchRequest::read`],
//! and the [`FetchAnswer`](crate::FetchAnswer) that makes to the verifier.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{ACCEPT, ACCEPT_ENCODING, USER_AGENT as USER_AGENT_HEADER};
use http::{HeaderMap, HeaderValue};

use crate::alg::Algorithm;

/// The largest body (JWK Set or discovery document) the core accepts, in
/// decoded bytes (the rules' "Keys" section).
pub const MAX_BODY_BYTES: usize = 512 * 1024;

/// The most bytes of body a driver reads off the wire: the decoded limit
/// plus room for gzip framing, so that a gzip body decoding to at most
/// [`MAX_BODY_BYTES`] is never cut. Reading one byte more tells the core the
/// body was longer.
pub const MAX_ENCODED_BODY_BYTES: usize = MAX_BODY_BYTES + 64 * 1024;

/// The most redirects one request may follow (rule 9).
pub const MAX_REDIRECTS: usize = 3;

/// The `User-Agent` drivers send.
pub const USER_AGENT: &str = concat!("oidc-jwt-verifier/", env!("CARGO_PKG_VERSION"));

/// Identifies one outstanding request; its answer must carry the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FetchId(pub(crate) u64);

impl FetchId {
    /// The id as a number (for logs).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for FetchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What one request fetches: the two stages of a discovery-mode refresh
/// (rule 1), or the key set alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FetchStage {
    /// The OpenID Connect discovery document.
    Discovery,
    /// The JWK Set.
    KeySet,
}

impl FetchStage {
    /// `"discovery"` or `"key_set"` (for logs).
    pub fn as_str(self) -> &'static str {
        match self {
            FetchStage::Discovery => "discovery",
            FetchStage::KeySet => "key_set",
        }
    }
}

/// What reading an answer needs, shared by every request of a verifier (one
/// allocation, cloned as an `Arc`).
#[derive(Debug)]
pub(crate) struct ReadContext {
    pub(crate) timeout: Duration,
    pub(crate) allow_insecure_http: bool,
    pub(crate) issuer: String,
    pub(crate) allowed_algs: Vec<Algorithm>,
    discovery_headers: HeaderMap,
    key_set_headers: HeaderMap,
}

impl ReadContext {
    pub(crate) fn new(
        timeout: Duration,
        allow_insecure_http: bool,
        issuer: String,
        allowed_algs: Vec<Algorithm>,
    ) -> Self {
        ReadContext {
            timeout,
            allow_insecure_http,
            issuer,
            allowed_algs,
            discovery_headers: request_headers("application/json"),
            key_set_headers: request_headers("application/jwk-set+json, application/json"),
        }
    }
}

/// The headers of every request: who we are, what we read, and the one
/// content coding we decode (rule 10).
fn request_headers(accept: &'static str) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(3);
    headers.insert(USER_AGENT_HEADER, HeaderValue::from_static(USER_AGENT));
    headers.insert(ACCEPT, HeaderValue::from_static(accept));
    headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
    headers
}

/// An HTTP GET the driver must perform. Whoever gets one owns it: perform
/// it and give the outcome to [`read`](Self::read), then the answer to
/// [`Verifier::handle_answer`](crate::Verifier::handle_answer); or, if it
/// cannot be performed, tell [`Verifier::handle_abandoned`](crate::Verifier::handle_abandoned).
#[derive(Debug)]
#[must_use = "a request handed out must be performed (or abandoned): the refresh waits for it"]
pub struct FetchRequest {
    pub(crate) id: FetchId,
    pub(crate) url: String,
    pub(crate) stage: FetchStage,
    pub(crate) context: Arc<ReadContext>,
}

impl FetchRequest {
    /// The id its answer carries.
    pub fn id(&self) -> FetchId {
        self.id
    }

    /// The absolute URL to GET (from the configuration or a discovery
    /// document, never from a token).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether this fetches the discovery document or the key set.
    pub fn stage(&self) -> FetchStage {
        self.stage
    }

    /// The headers to send with every hop: `User-Agent`, `Accept` (the
    /// stage's media types) and `Accept-Encoding: gzip`.
    pub fn headers(&self) -> &HeaderMap {
        match self.stage {
            FetchStage::Discovery => &self.context.discovery_headers,
            FetchStage::KeySet => &self.context.key_set_headers,
        }
    }

    /// Connect timeout, and total timeout of the whole exchange (every hop
    /// and the body): the validated `http_timeout_s`.
    pub fn timeout(&self) -> Duration {
        self.context.timeout
    }

    /// Read at most this many bytes of body, as it comes off the wire
    /// (still encoded). A driver may read one byte past it and hand over
    /// what it has: the core then refuses it as too large.
    pub fn max_body_bytes(&self) -> usize {
        MAX_ENCODED_BODY_BYTES
    }
}

/// An HTTP response as the driver received it.
#[derive(Debug, Clone, Default)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Every header field, repeated ones included: the core decides how
    /// they combine.
    pub headers: HeaderMap,
    /// The body as received (not decoded): at most
    /// [`FetchRequest::max_body_bytes`] plus one bytes.
    pub body: Vec<u8>,
}

/// How a request failed without an HTTP response the core can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection was refused (retried at once while attempts remain).
    Refused,
    /// Connect or total timeout (retried at once while attempts remain).
    Timeout,
    /// The TLS handshake failed: an untrusted or invalid certificate, say.
    Tls,
    /// A redirect that must not be followed (rule 9).
    Redirect,
    /// Anything else: DNS, a reset connection, a malformed response.
    Other,
}

impl TransportKind {
    /// Whether rule 6 retries it at once: a refused connection or a timeout.
    pub(crate) fn is_retried(self) -> bool {
        matches!(self, TransportKind::Refused | TransportKind::Timeout)
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Refused => "connection refused",
            TransportKind::Timeout => "timed out",
            TransportKind::Tls => "TLS failure",
            TransportKind::Redirect => "redirect refused",
            TransportKind::Other => "transport failure",
        })
    }
}

/// A request that produced no HTTP response: its kind, and the HTTP or TLS
/// library's own error when there is one (its message is for logs, reached
/// through [`Error::source`]).
///
/// Two failures are equal when their kinds are: the library errors are
/// not compared.
#[derive(Debug, Clone)]
pub struct TransportFailure {
    kind: TransportKind,
    error: Option<Arc<dyn Error + Send + Sync>>,
}

impl TransportFailure {
    /// A failure of this kind with no library error attached.
    pub const fn new(kind: TransportKind) -> Self {
        TransportFailure { kind, error: None }
    }

    /// A failure of this kind caused by `error` (the HTTP or TLS library's).
    pub fn with_error(kind: TransportKind, error: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        TransportFailure {
            kind,
            error: Some(Arc::from(error.into())),
        }
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> TransportKind {
        self.kind
    }
}

impl From<TransportKind> for TransportFailure {
    fn from(kind: TransportKind) -> Self {
        TransportFailure::new(kind)
    }
}

impl PartialEq for TransportFailure {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl Eq for TransportFailure {}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            Some(error) => write!(f, "{}: {error}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl Error for TransportFailure {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error
            .as_deref()
            .map(|error| error as &(dyn Error + 'static))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A request for `url` as a verifier would hand it out.
    pub(crate) fn request(url: &str, allow_insecure_http: bool) -> FetchRequest {
        FetchRequest {
            id: FetchId(1),
            url: url.into(),
            stage: FetchStage::KeySet,
            context: Arc::new(ReadContext::new(
                Duration::from_secs(3),
                allow_insecure_http,
                "https://id.example.test/".into(),
                vec![Algorithm::RS256],
            )),
        }
    }

    #[test]
    fn requests_carry_the_headers_of_their_stage() {
        let mut key_set = request("https://a.test/jwks", false);
        let accept = |r: &FetchRequest| r.headers()[ACCEPT].to_str().unwrap().to_owned();
        assert_eq!(
            accept(&key_set),
            "application/jwk-set+json, application/json"
        );
        assert_eq!(key_set.headers()[ACCEPT_ENCODING], "gzip");
        assert_eq!(key_set.headers()[USER_AGENT_HEADER], USER_AGENT);
        key_set.stage = FetchStage::Discovery;
        assert_eq!(accept(&key_set), "application/json");
        assert_eq!(key_set.timeout(), Duration::from_secs(3));
    }

    #[test]
    fn transport_failures_compare_by_kind_and_keep_their_cause() {
        let io = std::io::Error::other("certificate verify failed");
        let failure = TransportFailure::with_error(TransportKind::Tls, io);
        assert_eq!(failure, TransportFailure::new(TransportKind::Tls));
        assert_eq!(
            failure.to_string(),
            "TLS failure: certificate verify failed"
        );
        assert_eq!(
            failure.source().map(ToString::to_string).as_deref(),
            Some("certificate verify failed")
        );
        assert!(TransportKind::Refused.is_retried() && !TransportKind::Tls.is_retried());
    }
}
