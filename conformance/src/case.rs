//! The conformance case model (FORMAT.md, version 1): a configuration, a
//! script of steps, and what each step must produce.
//!
//! Cases are parsed strictly ([`Case::from_json_bytes`]): an unknown key, a
//! value of the wrong type, a step with no or several actions, a time that
//! goes backwards or a duplicate JSON member name is a [`CaseError`] naming
//! where it is. A case the runner cannot express fails; it is never skipped.

mod corpus;
mod json;
mod parse;
mod reader;

use serde_json::{Map, Value};

use oidc_jwt_verifier_core::http_types::{HeaderMap, HeaderName, HeaderValue};
use oidc_jwt_verifier_core::{AuthConfig, ConfigError, Requirements};

use crate::server::{gzip_repeat, Encoding};

pub use corpus::{load_corpus, CorpusError, LoadedCase, MAX_CASE_FILE_BYTES};

/// The format version this model reads.
pub const FORMAT_VERSION: u64 = 1;

/// One conformance case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Unique, path-like name (`rotation/unknown-kid-refetches-once`).
    pub name: String,
    /// What the case proves.
    pub description: String,
    /// The verifier configuration, as written (snake_case keys).
    pub config: Map<String, Value>,
    /// When set, building the verifier must fail naming this field.
    pub config_error: Option<String>,
    /// The script, run in order.
    pub steps: Vec<Step>,
}

impl Case {
    /// Parses one case file's bytes (UTF-8 JSON).
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Case, CaseError> {
        let value = json::parse_strict(bytes).map_err(CaseError::whole)?;
        parse::case(&value)
    }

    /// The configuration as the core reads it; an unknown key is an error
    /// whose reason is "unsupported config key".
    pub fn auth_config(&self) -> Result<AuthConfig, ConfigError> {
        AuthConfig::from_json(&Value::Object(self.config.clone()))
    }

    /// The time of the first timed step: the origin of the monotonic clock.
    pub fn first_time(&self) -> Option<f64> {
        self.steps.iter().find_map(Step::time)
    }
}

/// Why a case cannot be run: where (a step index, or the case as a whole)
/// and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseError {
    /// The index in `steps` of the step at fault, if one is.
    pub step: Option<usize>,
    /// What is wrong, naming the key (`steps[2].serve.status: ...`).
    pub reason: String,
}

impl CaseError {
    pub(crate) fn whole(reason: impl Into<String>) -> CaseError {
        CaseError {
            step: None,
            reason: reason.into(),
        }
    }

    pub(crate) fn at_step(step: usize, reason: impl Into<String>) -> CaseError {
        CaseError {
            step: Some(step),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for CaseError {}

/// One step: exactly one action.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Set what an endpoint answers from now on.
    Serve(Serve),
    /// Verify a token or an `Authorization` header at a time.
    Verify {
        /// Unix seconds.
        at: f64,
        /// What is passed to the verifier.
        input: VerifyInput,
        /// What it must answer.
        expect: VerifyExpect,
    },
    /// `healthcheck(refresh)` at a time.
    Healthcheck {
        /// Unix seconds.
        at: f64,
        /// Whether to force a refresh.
        refresh: bool,
        /// The expected health.
        expect: bool,
    },
    /// `signing_keys(refresh)` at a time.
    SigningKeys {
        /// Unix seconds.
        at: f64,
        /// Whether to force a refresh.
        refresh: bool,
        /// The expected key ids, or error.
        expect: KeysExpect,
    },
    /// Requests received per URL since the case began (URLs not listed are
    /// not checked), in the order written.
    AssertFetches(Vec<(String, u64)>),
}

impl Step {
    /// The step's `at`, for the steps that have one.
    pub fn time(&self) -> Option<f64> {
        match self {
            Step::Verify { at, .. }
            | Step::Healthcheck { at, .. }
            | Step::SigningKeys { at, .. } => Some(*at),
            Step::Serve(_) | Step::AssertFetches(_) => None,
        }
    }

    /// The action key, for reports (`verify`, `serve`, ...).
    pub fn action(&self) -> &'static str {
        match self {
            Step::Serve(_) => "serve",
            Step::Verify {
                input: VerifyInput::Token(_),
                ..
            } => "verify",
            Step::Verify {
                input: VerifyInput::Header(_),
                ..
            } => "verify_header",
            Step::Verify {
                input: VerifyInput::Request(_),
                ..
            } => "verify_request",
            Step::Healthcheck { .. } => "healthcheck",
            Step::SigningKeys { .. } => "signing_keys",
            Step::AssertFetches(_) => "assert_fetches",
        }
    }
}

/// What a `verify` or `verify_header` step passes to the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyInput {
    /// `verify`: the compact token, exactly as written.
    Token(String),
    /// `verify_header`: a whole `Authorization` value; `null` in the case
    /// means the request has no `Authorization` header at all.
    Header(Option<String>),
    /// `verify_request` (an extension of FORMAT.md): a request's header
    /// fields, read through the configured `token_sources`, and the route's
    /// own requirements.
    Request(RequestInput),
}

/// What a `verify_request` step hands the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInput {
    /// The header fields in order, one entry per field line (a name may
    /// repeat); names as written.
    pub headers: Vec<(String, String)>,
    /// The route's scopes, on top of the configured ones.
    pub required_scopes: Vec<String>,
    /// The route's permissions, on top of the configured ones.
    pub required_permissions: Vec<String>,
}

impl RequestInput {
    /// The header fields as the request entry points read them. The case
    /// reader admits only names and values these types hold.
    pub fn header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value.as_bytes()),
            ) {
                map.append(name, value);
            }
        }
        map
    }

    /// The route's requirements.
    pub fn requirements(&self) -> Requirements {
        Requirements::new()
            .scopes_from(self.required_scopes.iter().cloned())
            .permissions_from(self.required_permissions.iter().cloned())
    }
}

/// What a `serve` step installs for one URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Serve {
    /// The absolute `http` or `https` URL.
    pub url: String,
    /// A response, or a failure to answer.
    pub reply: Reply,
}

/// How an endpoint answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// An HTTP response.
    Respond(Response),
    /// The connection is refused.
    Refused,
    /// The connection is accepted and never answered.
    Timeout,
}

/// A scripted HTTP response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The status code (200 to 599).
    pub status: u16,
    /// The headers as written (names unique case-insensitively).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
    /// How the body is sent (`encoding`, an extension of FORMAT.md: gzip
    /// adds `content-encoding: gzip`).
    pub encoding: Encoding,
}

impl Response {
    /// The body as it comes off the wire, at most `limit` bytes of it:
    /// what a driver reading at most `limit` bytes receives.
    pub fn wire_body(&self, limit: usize) -> Vec<u8> {
        match (self.encoding, &self.body) {
            (Encoding::Identity, body) => body.bytes_up_to(limit),
            (Encoding::Gzip, Body::Repeat { text, times }) => {
                gzip_repeat(text.as_bytes(), *times, limit)
            }
            (Encoding::Gzip, body) => gzip_repeat(&body.bytes_up_to(usize::MAX), 1, limit),
        }
    }

    /// A header value by name, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The `content-type` a server sends: the one written, else
    /// `application/json` for a `json` body.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type").or(match self.body {
            Body::Json(_) => Some("application/json"),
            _ => None,
        })
    }

    /// Whether this is a redirect a driver follows: 301, 302, 303, 307 or
    /// 308 with a `Location` header (returned as the target).
    pub fn redirect_location(&self) -> Option<&str> {
        match self.status {
            301 | 302 | 303 | 307 | 308 => self.header("location"),
            _ => None,
        }
    }
}

/// A response body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body key: an empty body.
    Empty,
    /// `json`: the value, serialized.
    Json(Value),
    /// `body`: the string, sent as is.
    Text(String),
    /// `body_repeat`: `text` repeated `times` times, never built whole.
    Repeat {
        /// The repeated text.
        text: String,
        /// How many times.
        times: u64,
    },
}

impl Body {
    /// The body's full length in bytes (saturating at `u64::MAX`).
    pub fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Json(value) => byte_len(value.to_string().as_bytes()),
            Body::Text(text) => byte_len(text.as_bytes()),
            Body::Repeat { text, times } => byte_len(text.as_bytes()).saturating_mul(*times),
        }
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first `limit` bytes of the body (all of it when shorter): what a
    /// driver reading at most `limit` bytes receives. A `body_repeat` body
    /// is built only up to `limit`.
    pub fn bytes_up_to(&self, limit: usize) -> Vec<u8> {
        let mut bytes = match self {
            Body::Empty => Vec::new(),
            Body::Json(value) => value.to_string().into_bytes(),
            Body::Text(text) => text.as_bytes().to_vec(),
            Body::Repeat { text, times } => repeat_up_to(text.as_bytes(), *times, limit),
        };
        bytes.truncate(limit);
        bytes
    }
}

fn byte_len(bytes: &[u8]) -> u64 {
    u64::try_from(bytes.len()).unwrap_or(u64::MAX)
}

/// `text` repeated `times` times, stopping once `limit` bytes are reached.
fn repeat_up_to(text: &[u8], times: u64, limit: usize) -> Vec<u8> {
    let total = byte_len(text).saturating_mul(times);
    let size = usize::try_from(total).map_or(limit, |total| total.min(limit));
    let mut bytes = Vec::with_capacity(size);
    let mut written = 0u64;
    while written < times && bytes.len() < size {
        let room = size - bytes.len();
        bytes.extend_from_slice(text.get(..room.min(text.len())).unwrap_or(text));
        written += 1;
    }
    bytes
}

/// What a verification must produce.
#[derive(Debug, Clone, PartialEq)]
pub enum VerifyExpect {
    /// Success, with at least these claims (each equal as JSON).
    Ok {
        /// The claims that must be present, with equal values.
        claims: Map<String, Value>,
    },
    /// Failure with this error.
    Error(ErrorExpect),
}

/// An expected error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorExpect {
    /// The stable error code (`token_expired`).
    pub code: String,
    /// The HTTP status.
    pub status: u16,
    /// When given: the exact challenge with no realm (`Some(None)`: the
    /// error produces none).
    pub www_authenticate: Option<Option<String>>,
}

/// What `signing_keys` must produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysExpect {
    /// These key ids, in any order (`None`: a usable key with no `kid`).
    Kids(Vec<Option<String>>),
    /// Failure with this error.
    Error(ErrorExpect),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_repeat_is_built_only_up_to_the_limit() {
        let body = Body::Repeat {
            text: "abc".into(),
            times: 1_000_000_000,
        };
        assert_eq!(body.len(), 3_000_000_000);
        let limit = 512 * 1024; // 3 * 174762 + 2: cut inside a repetition
        let bytes = body.bytes_up_to(limit);
        assert_eq!(bytes.len(), limit);
        assert!(bytes.starts_with(b"abcabc"));
        assert!(bytes.ends_with(b"cab"));
        assert!(bytes.capacity() <= limit);
    }

    #[test]
    fn body_repeat_shorter_than_the_limit_is_whole() {
        let body = Body::Repeat {
            text: "xy".into(),
            times: 3,
        };
        assert_eq!(body.bytes_up_to(100), b"xyxyxy");
        let empty = Body::Repeat {
            text: String::new(),
            times: u64::MAX,
        };
        assert_eq!(empty.bytes_up_to(100), b"");
        assert!(empty.is_empty());
    }

    #[test]
    fn body_repeat_length_saturates() {
        let body = Body::Repeat {
            text: "xy".into(),
            times: u64::MAX,
        };
        assert_eq!(body.len(), u64::MAX);
        assert_eq!(body.bytes_up_to(5), b"xyxyx");
    }

    #[test]
    fn other_bodies_are_truncated_to_the_limit() {
        assert_eq!(Body::Text("hello".into()).bytes_up_to(3), b"hel");
        assert_eq!(
            Body::Json(serde_json::json!({"a": 1})).bytes_up_to(100),
            br#"{"a":1}"#
        );
        assert_eq!(Body::Empty.bytes_up_to(10), b"");
    }

    #[test]
    fn redirects_need_a_redirect_status_and_a_location() {
        let response = |status, headers: &[(&str, &str)]| Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: Body::Empty,
            encoding: Encoding::Identity,
        };
        assert_eq!(
            response(302, &[("Location", "/next")]).redirect_location(),
            Some("/next")
        );
        assert_eq!(response(302, &[]).redirect_location(), None);
        assert_eq!(
            response(304, &[("location", "/x")]).redirect_location(),
            None
        );
        assert_eq!(
            response(200, &[("location", "/x")]).redirect_location(),
            None
        );
    }
}
