//! The conformance case model (`docs/case-format.md`, version 1): a configuration, a
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
use oidc_jwt_verifier_core::{AuthConfig, ConfigError, IncomingRequest, Requirements};

pub use corpus::{load_corpus, CorpusError, LoadedCase, MAX_CASE_FILE_BYTES};
/// What a `serve` step installs: the test kit's script entries, played by
/// the kit's scripted server in the socket layers and read in memory
/// ([`Response::wire_body`]) in the core layer.
pub use oidc_jwt_verifier_testkit::server::{Body, Encoding, Reply, Response};

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
    /// `verify_request` (an extension of the case format): a request's header
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
    /// The request's method, target URI and client certificate, for a
    /// whole request (`None`: the header fields alone).
    pub target: Option<RequestTarget>,
}

/// What a `verify_request` step with `method` and `uri` adds to the header
/// fields: the request the sender-constrained token checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTarget {
    /// The method, as sent.
    pub method: String,
    /// The absolute target URI.
    pub uri: String,
    /// The DER of the TLS client certificate (`client_certificate`, in the
    /// case as unpadded base64url), when the connection had one.
    pub client_certificate: Option<Vec<u8>>,
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

    /// The whole request (header fields `headers`, from
    /// [`header_map`](Self::header_map)) when the step names its method and
    /// URI.
    pub fn incoming<'r>(&'r self, headers: &'r HeaderMap) -> Option<IncomingRequest<'r>> {
        let target = self.target.as_ref()?;
        let request = IncomingRequest::new(&target.method, &target.uri, headers);
        Some(match &target.client_certificate {
            Some(der) => request.with_client_certificate(der),
            None => request,
        })
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
