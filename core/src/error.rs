//! `AuthError`: every way a verification can fail, with its stable code, HTTP
//! status, fixed message and RFC 6750 challenge (docs/rules.md, "Errors").

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::dpop::{DpopPolicy, DpopProblem};
use crate::http::{TransportFailure, TransportKind};

/// The most bytes of untrusted text (a published issuer, a `kid`) kept for
/// logs and events.
const MAX_LOGGED_BYTES: usize = 256;

/// `text` cut to at most [`MAX_LOGGED_BYTES`] at a character boundary, with
/// `…` appended when cut: untrusted text kept for logs stays small.
pub(crate) fn for_logs(text: &str) -> String {
    if text.len() <= MAX_LOGGED_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_LOGGED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Every stable error code, in the order of the rules' table (the
/// `rejected` counters of [`Status`](crate::Status) are keyed by them).
pub const ERROR_CODES: [&str; 27] = [
    "missing_token",
    "invalid_request",
    "token_too_large",
    "malformed_token",
    "forbidden_header",
    "disallowed_alg",
    "invalid_type",
    "missing_kid",
    "key_not_found",
    "invalid_signature",
    "missing_claim",
    "invalid_claim",
    "token_expired",
    "token_not_yet_valid",
    "invalid_issuer",
    "invalid_audience",
    "insufficient_scope",
    "insufficient_permissions",
    "jwks_fetch_failed",
    "jwks_error",
    "issuer_mismatch",
    "claims_type_mismatch",
    "dpop_required",
    "invalid_dpop_proof",
    "invalid_dpop_binding",
    "dpop_proof_replayed",
    "invalid_certificate_binding",
];

/// A registered claim that a check names in its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClaimName {
    /// `exp`
    Exp,
    /// `nbf`
    Nbf,
    /// `iat`
    Iat,
    /// `iss`
    Iss,
    /// `aud`
    Aud,
    /// `client_id`, when `audience_claim` makes it the audience.
    ClientId,
    /// `cnf`, the confirmation of a sender-constrained token (RFC 7800):
    /// present but not an object, or a `jkt` or `x5t#S256` in it that is
    /// not a string.
    Cnf,
}

impl ClaimName {
    /// The claim's name as it appears in a token.
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimName::Exp => "exp",
            ClaimName::Nbf => "nbf",
            ClaimName::Iat => "iat",
            ClaimName::Iss => "iss",
            ClaimName::Aud => "aud",
            ClaimName::ClientId => "client_id",
            ClaimName::Cnf => "cnf",
        }
    }
}

impl fmt::Display for ClaimName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the key source could not answer: the stable classification of a
/// 503 (kept for logs and tests; never part of the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceProblem {
    /// The connection was refused.
    Refused,
    /// The request timed out (or was given up as lost).
    Timeout,
    /// Any other transport failure (TLS, DNS, a refused redirect, an
    /// abandoned request, a closed verifier).
    Transport,
    /// The answer had a non-2xx status.
    Status(u16),
    /// Still backing off after a failed refresh.
    BackingOff,
    /// The body is larger than the limit (decoded).
    BodyTooLarge,
    /// The body's `Content-Encoding` is neither none, `identity` nor
    /// `gzip`, or the body does not decode (rule 10).
    ContentEncoding,
    /// The body is not JSON, or not an object.
    NotJson,
    /// The JSON is not a JWK Set (no `keys` array).
    NotJwks,
    /// More keys than the limit.
    TooManyKeys,
    /// No key in the set is usable for any allowed algorithm.
    NoUsableKey,
    /// The discovery document lacks a usable `jwks_uri`.
    BadJwksUri,
    /// The discovery document's `issuer` differs from the configured one.
    IssuerMismatch,
}

impl fmt::Display for SourceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceProblem::Refused => f.write_str("connection refused"),
            SourceProblem::Timeout => f.write_str("timed out"),
            SourceProblem::Transport => f.write_str("transport failure"),
            SourceProblem::Status(status) => write!(f, "HTTP status {status}"),
            SourceProblem::BackingOff => f.write_str("backing off after a failed refresh"),
            SourceProblem::BodyTooLarge => f.write_str("body over 512 KiB"),
            SourceProblem::ContentEncoding => {
                f.write_str("body not decodable (a content coding other than gzip, or bad gzip)")
            }
            SourceProblem::NotJson => f.write_str("body not a JSON object"),
            SourceProblem::NotJwks => f.write_str("not a JWK Set"),
            SourceProblem::TooManyKeys => f.write_str("more than 100 keys"),
            SourceProblem::NoUsableKey => f.write_str("no usable key"),
            SourceProblem::BadJwksUri => f.write_str("no usable jwks_uri"),
            SourceProblem::IssuerMismatch => f.write_str("issuer mismatch"),
        }
    }
}

/// What a 503 came from: the [`SourceProblem`], the URL, and the detail
/// behind it (the library's transport error, the issuer a discovery
/// document named). Reached through [`std::error::Error::source`] of the
/// [`AuthError`]; its text is for logs, never for clients.
///
/// Two are equal when their problems are: URLs and causes are not compared,
/// so tests and callers can compare `AuthError`s with `==`.
#[derive(Debug, Clone)]
pub struct SourceError {
    problem: SourceProblem,
    url: Option<Arc<str>>,
    detail: Detail,
}

/// The detail behind a [`SourceError`].
#[derive(Debug, Clone)]
enum Detail {
    None,
    Transport(TransportFailure),
    Issuer(Option<Arc<str>>),
    Closed,
    Abandoned,
    Lost(Duration),
}

impl SourceError {
    pub(crate) fn new(problem: SourceProblem, url: &str) -> Self {
        SourceError {
            problem,
            url: Some(Arc::from(url)),
            detail: Detail::None,
        }
    }

    /// A request that produced no HTTP response.
    pub(crate) fn transport(failure: TransportFailure, url: &str) -> Self {
        let problem = match failure.kind() {
            TransportKind::Refused => SourceProblem::Refused,
            TransportKind::Timeout => SourceProblem::Timeout,
            _ => SourceProblem::Transport,
        };
        SourceError {
            detail: Detail::Transport(failure),
            ..SourceError::new(problem, url)
        }
    }

    /// A discovery document naming `published` (`None`: no string) as its issuer.
    pub(crate) fn issuer_mismatch(published: Option<&str>, url: &str) -> Self {
        SourceError {
            detail: Detail::Issuer(published.map(|issuer| Arc::from(for_logs(issuer)))),
            ..SourceError::new(SourceProblem::IssuerMismatch, url)
        }
    }

    /// The verifier was closed: no request is made any more.
    pub(crate) fn closed(url: &str) -> Self {
        SourceError {
            detail: Detail::Closed,
            ..SourceError::new(SourceProblem::Transport, url)
        }
    }

    /// The driver dropped the request unperformed.
    pub(crate) fn abandoned(url: &str) -> Self {
        SourceError {
            detail: Detail::Abandoned,
            ..SourceError::new(SourceProblem::Transport, url)
        }
    }

    /// No answer came within `after`: the request was given up.
    pub(crate) fn lost(after: Duration, url: &str) -> Self {
        SourceError {
            detail: Detail::Lost(after),
            ..SourceError::new(SourceProblem::Timeout, url)
        }
    }

    /// The classification.
    pub fn problem(&self) -> SourceProblem {
        self.problem
    }

    /// The URL the core asked for (the request's, before any redirect).
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// How the request failed, when it produced no HTTP response.
    pub fn transport_kind(&self) -> Option<TransportKind> {
        match &self.detail {
            Detail::Transport(failure) => Some(failure.kind()),
            _ => None,
        }
    }

    /// For `issuer_mismatch`: the `issuer` the discovery document named
    /// (`None` when it named none, or not as a string).
    pub fn published_issuer(&self) -> Option<&str> {
        match &self.detail {
            Detail::Issuer(published) => published.as_deref(),
            _ => None,
        }
    }

    /// Whether the verifier had been closed.
    pub fn is_closed(&self) -> bool {
        matches!(self.detail, Detail::Closed)
    }
}

impl From<SourceProblem> for SourceError {
    fn from(problem: SourceProblem) -> Self {
        SourceError {
            problem,
            url: None,
            detail: Detail::None,
        }
    }
}

impl PartialEq for SourceError {
    fn eq(&self, other: &Self) -> bool {
        self.problem == other.problem
    }
}

impl Eq for SourceError {}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(url) = &self.url {
            write!(f, "{url}: ")?;
        }
        match &self.detail {
            Detail::None => write!(f, "{}", self.problem),
            Detail::Transport(failure) => write!(f, "{failure}"),
            Detail::Issuer(Some(published)) => {
                write!(f, "the discovery document names the issuer {published:?}")
            }
            Detail::Issuer(None) => f.write_str("the discovery document names no issuer"),
            Detail::Closed => f.write_str("the verifier is closed"),
            Detail::Abandoned => f.write_str("the request was abandoned by its driver"),
            Detail::Lost(after) => write!(f, "no answer within {after:?}: given up"),
        }
    }
}

impl std::error::Error for SourceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.detail {
            Detail::Transport(failure) => Some(failure),
            _ => None,
        }
    }
}

/// Why verified claims did not fit the caller's type: serde's message (cut
/// to 256 bytes), for logs only. It may quote a value of the verified token
/// (`invalid type: string "alice", expected u64`), so it is never part of
/// the error's message or of a response.
///
/// Two are always equal, so that `AuthError`s compare by code.
#[derive(Debug, Clone)]
pub struct ClaimsTypeError {
    message: Arc<str>,
}

impl ClaimsTypeError {
    pub(crate) fn new(error: &serde_json::Error) -> Self {
        ClaimsTypeError {
            message: Arc::from(for_logs(&error.to_string())),
        }
    }
}

impl fmt::Display for ClaimsTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ClaimsTypeError {}

impl PartialEq for ClaimsTypeError {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ClaimsTypeError {}

/// A failed verification (or key-source operation).
///
/// `code()`, `status()` and `message()` are stable and never echo token
/// content, so they are safe to log and to send back to a client. A 503
/// carries its cause, a [`SourceError`], through
/// [`std::error::Error::source`] (for logs only).
///
/// `==` compares the variant and its data, and for the 503s only their
/// [`SourceProblem`]: URLs and transport causes are not compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No token at all.
    #[error("Missing access token")]
    MissingToken,
    /// An `Authorization` header that is not `Bearer <token>`.
    #[error("Malformed Authorization header")]
    InvalidRequest,
    /// The token is longer than `max_token_bytes`.
    #[error("Token is too large")]
    TokenTooLarge,
    /// The token is not a well-formed compact JWS.
    #[error("Malformed token")]
    MalformedToken,
    /// The header carries a parameter that is never accepted.
    #[error("Forbidden token header parameter")]
    ForbiddenHeader,
    /// `alg` is missing, `none`, or not allowed.
    #[error("Disallowed signing algorithm")]
    DisallowedAlg,
    /// `typ` differs from `expected_typ`.
    #[error("Invalid token type")]
    InvalidType,
    /// No `kid`, and one is required or no single key fits.
    #[error("Missing kid header")]
    MissingKid,
    /// No single usable key with that `kid` in a recently fetched key set.
    #[error("No matching signing key")]
    KeyNotFound,
    /// The signature does not verify.
    #[error("Invalid signature")]
    InvalidSignature,
    /// A registered claim every token needs is absent.
    #[error("Missing required claim: {0}")]
    MissingClaim(ClaimName),
    /// A claim of `required_claims` is absent or `null`; it holds the name
    /// (or JSON Pointer) as configured, never token content. Its code is
    /// `missing_claim`, like [`AuthError::MissingClaim`].
    #[error("Missing required claim: {0}")]
    MissingRequiredClaim(String),
    /// A claim has the wrong JSON type.
    #[error("Invalid claim: {0}")]
    InvalidClaim(ClaimName),
    /// `now >= exp + leeway`.
    #[error("Token is expired")]
    TokenExpired,
    /// `now < nbf - leeway`.
    #[error("Token is not valid yet")]
    TokenNotYetValid,
    /// `iss` differs from the configured issuer.
    #[error("Invalid issuer")]
    InvalidIssuer,
    /// No configured audience is in `aud`.
    #[error("Invalid audience")]
    InvalidAudience,
    /// Required scopes are missing.
    #[error("Insufficient scope")]
    InsufficientScope {
        /// Every required scope, present or not, in configuration order:
        /// what the challenge's `scope` lists (RFC 6750 section 3).
        required: Vec<String>,
        /// The required scopes the token lacks, in configuration order.
        missing: Vec<String>,
    },
    /// Required permissions are missing.
    #[error("Insufficient permissions")]
    InsufficientPermissions {
        /// Every required permission, present or not, in configuration
        /// order: what the challenge's `permissions` lists.
        required: Vec<String>,
        /// The required permissions the token lacks, in configuration order.
        missing: Vec<String>,
    },
    /// Keys were needed and the key source could not be reached.
    #[error("JWKS fetch failed")]
    JwksFetchFailed(#[source] SourceError),
    /// The key source answered with something unusable.
    #[error("JWKS is unusable")]
    JwksError(#[source] SourceError),
    /// The discovery document names another issuer.
    #[error("Discovery issuer mismatch")]
    IssuerMismatch(#[source] SourceError),
    /// The token verified, but its claims do not fit the type the caller
    /// asked for (`finish_as`, `verify_access_token_as`): a server-side
    /// mismatch, answered with 500 and no challenge. serde's message is
    /// the [`source`](std::error::Error::source).
    #[error("Claims do not fit the expected type")]
    ClaimsTypeMismatch(#[source] ClaimsTypeError),
    /// A token presented as `Bearer` where a DPoP proof is needed: the
    /// verifier accepts DPoP only, or the token is DPoP-bound (`cnf.jkt`).
    #[error("DPoP proof required")]
    DpopRequired,
    /// The request's DPoP proof is missing, repeated, or fails a check of
    /// RFC 9449 section 4.3; the [`DpopProblem`] says which (for logs).
    #[error("Invalid DPoP proof")]
    InvalidDpopProof(DpopProblem),
    /// A token presented with a DPoP proof has no `cnf.jkt`, or another
    /// key's thumbprint.
    #[error("Invalid DPoP key binding")]
    InvalidDpopBinding,
    /// The DPoP proof (its key and `jti`) was accepted before, within the
    /// `iat` window.
    #[error("DPoP proof replayed")]
    DpopProofReplayed,
    /// A certificate-bound token (`cnf.x5t#S256`) came without a client
    /// certificate, or with another one (RFC 8705 section 3).
    #[error("Invalid certificate binding")]
    InvalidCertificateBinding,
}

impl AuthError {
    /// The stable error code (docs/rules.md), e.g. `"token_expired"`.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::MissingToken => "missing_token",
            AuthError::InvalidRequest => "invalid_request",
            AuthError::TokenTooLarge => "token_too_large",
            AuthError::MalformedToken => "malformed_token",
            AuthError::ForbiddenHeader => "forbidden_header",
            AuthError::DisallowedAlg => "disallowed_alg",
            AuthError::InvalidType => "invalid_type",
            AuthError::MissingKid => "missing_kid",
            AuthError::KeyNotFound => "key_not_found",
            AuthError::InvalidSignature => "invalid_signature",
            AuthError::MissingClaim(_) | AuthError::MissingRequiredClaim(_) => "missing_claim",
            AuthError::InvalidClaim(_) => "invalid_claim",
            AuthError::TokenExpired => "token_expired",
            AuthError::TokenNotYetValid => "token_not_yet_valid",
            AuthError::InvalidIssuer => "invalid_issuer",
            AuthError::InvalidAudience => "invalid_audience",
            AuthError::InsufficientScope { .. } => "insufficient_scope",
            AuthError::InsufficientPermissions { .. } => "insufficient_permissions",
            AuthError::JwksFetchFailed(_) => "jwks_fetch_failed",
            AuthError::JwksError(_) => "jwks_error",
            AuthError::IssuerMismatch(_) => "issuer_mismatch",
            AuthError::ClaimsTypeMismatch(_) => "claims_type_mismatch",
            AuthError::DpopRequired => "dpop_required",
            AuthError::InvalidDpopProof(_) => "invalid_dpop_proof",
            AuthError::InvalidDpopBinding => "invalid_dpop_binding",
            AuthError::DpopProofReplayed => "dpop_proof_replayed",
            AuthError::InvalidCertificateBinding => "invalid_certificate_binding",
        }
    }

    /// The position of [`code`](Self::code) in [`ERROR_CODES`].
    pub(crate) fn code_index(&self) -> usize {
        match self {
            AuthError::MissingToken => 0,
            AuthError::InvalidRequest => 1,
            AuthError::TokenTooLarge => 2,
            AuthError::MalformedToken => 3,
            AuthError::ForbiddenHeader => 4,
            AuthError::DisallowedAlg => 5,
            AuthError::InvalidType => 6,
            AuthError::MissingKid => 7,
            AuthError::KeyNotFound => 8,
            AuthError::InvalidSignature => 9,
            AuthError::MissingClaim(_) | AuthError::MissingRequiredClaim(_) => 10,
            AuthError::InvalidClaim(_) => 11,
            AuthError::TokenExpired => 12,
            AuthError::TokenNotYetValid => 13,
            AuthError::InvalidIssuer => 14,
            AuthError::InvalidAudience => 15,
            AuthError::InsufficientScope { .. } => 16,
            AuthError::InsufficientPermissions { .. } => 17,
            AuthError::JwksFetchFailed(_) => 18,
            AuthError::JwksError(_) => 19,
            AuthError::IssuerMismatch(_) => 20,
            AuthError::ClaimsTypeMismatch(_) => 21,
            AuthError::DpopRequired => 22,
            AuthError::InvalidDpopProof(_) => 23,
            AuthError::InvalidDpopBinding => 24,
            AuthError::DpopProofReplayed => 25,
            AuthError::InvalidCertificateBinding => 26,
        }
    }

    /// The HTTP status to answer with: 400, 401, 403, 503, or 500 for
    /// claims that do not fit the caller's type.
    pub fn status(&self) -> u16 {
        match self {
            AuthError::InvalidRequest => 400,
            AuthError::ClaimsTypeMismatch(_) => 500,
            AuthError::InsufficientScope { .. } | AuthError::InsufficientPermissions { .. } => 403,
            AuthError::JwksFetchFailed(_)
            | AuthError::JwksError(_)
            | AuthError::IssuerMismatch(_) => 503,
            _ => 401,
        }
    }

    /// The fixed, human-readable message (the `Display` text).
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// For `invalid_dpop_proof`: which check the proof failed (for logs).
    pub fn dpop_problem(&self) -> Option<DpopProblem> {
        match self {
            AuthError::InvalidDpopProof(problem) => Some(*problem),
            _ => None,
        }
    }

    /// For 503 errors: why the key source could not answer (for logs only).
    pub fn source_problem(&self) -> Option<SourceProblem> {
        self.source_error().map(SourceError::problem)
    }

    /// For 503 errors: the cause, with its URL and detail (for logs only).
    pub fn source_error(&self) -> Option<&SourceError> {
        match self {
            AuthError::JwksFetchFailed(e)
            | AuthError::JwksError(e)
            | AuthError::IssuerMismatch(e) => Some(e),
            _ => None,
        }
    }

    /// The required scopes the token lacks, in configuration order
    /// (`insufficient_scope` only).
    pub fn missing_scopes(&self) -> &[String] {
        match self {
            AuthError::InsufficientScope { missing, .. } => missing,
            _ => &[],
        }
    }

    /// The required permissions the token lacks, in configuration order
    /// (`insufficient_permissions` only).
    pub fn missing_permissions(&self) -> &[String] {
        match self {
            AuthError::InsufficientPermissions { missing, .. } => missing,
            _ => &[],
        }
    }

    /// Every required scope, in configuration order (`insufficient_scope`
    /// only): the `scope` the challenge names.
    pub fn required_scopes(&self) -> &[String] {
        match self {
            AuthError::InsufficientScope { required, .. } => required,
            _ => &[],
        }
    }

    /// Every required permission, in configuration order
    /// (`insufficient_permissions` only): the `permissions` the challenge
    /// names.
    pub fn required_permissions(&self) -> &[String] {
        match self {
            AuthError::InsufficientPermissions { required, .. } => required,
            _ => &[],
        }
    }

    /// The RFC 6750 `WWW-Authenticate` value for this error, or `None` for
    /// 503 and 500 errors, which carry no challenge. The scheme is `Bearer`, or
    /// `DPoP` for the errors only a DPoP proof can cause
    /// (`invalid_dpop_proof`, `invalid_dpop_binding`,
    /// `dpop_proof_replayed`); a verifier that accepts DPoP answers with
    /// the challenges of every scheme it accepts
    /// ([`Verifier::www_authenticate`](crate::Verifier::www_authenticate)).
    ///
    /// A 403 names every required scope (`scope="..."`) or permission
    /// (`permissions="..."`), present in the token or not, in configuration
    /// order: RFC 6750 section 3 defines `scope` as the scope needed to
    /// access the resource, so a client that asks for exactly that gets a
    /// token that passes. The missing ones are on the error value
    /// ([`missing_scopes`](Self::missing_scopes)), not in the challenge.
    ///
    /// ```
    /// use oidc_jwt_verifier_core::AuthError;
    /// assert_eq!(AuthError::MissingToken.www_authenticate(Some("api")).unwrap(), r#"Bearer realm="api""#);
    /// assert_eq!(
    ///     AuthError::TokenExpired.www_authenticate(None).unwrap(),
    ///     r#"Bearer error="invalid_token", error_description="Token is expired""#
    /// );
    /// ```
    pub fn www_authenticate(&self, realm: Option<&str>) -> Option<String> {
        let schemes = if self.is_dpop_only() {
            Schemes::DPOP
        } else {
            Schemes::BEARER
        };
        self.challenge(realm, schemes, None)
    }

    /// Whether only a request presenting a DPoP proof can end in this error.
    fn is_dpop_only(&self) -> bool {
        matches!(
            self,
            AuthError::InvalidDpopProof(_)
                | AuthError::InvalidDpopBinding
                | AuthError::DpopProofReplayed
        )
    }

    /// The challenges for this error under `dpop` (a verifier's DPoP
    /// policy): with DPoP on, a `DPoP` challenge listing the proof
    /// algorithms (RFC 9449 section 7.1), after a `Bearer` one when bearer
    /// tokens are accepted too and the error is not one only DPoP causes.
    pub(crate) fn challenge_under(&self, realm: Option<&str>, dpop: &DpopPolicy) -> Option<String> {
        if !dpop.mode.accepts_dpop() {
            return self.www_authenticate(realm);
        }
        let schemes = Schemes {
            bearer: dpop.mode.accepts_bearer() && !self.is_dpop_only(),
            dpop: true,
        };
        self.challenge(realm, schemes, Some(&dpop.algs_param()))
    }

    fn challenge(
        &self,
        realm: Option<&str>,
        schemes: Schemes,
        algs: Option<&str>,
    ) -> Option<String> {
        let error = match (self.status(), self) {
            (_, AuthError::InvalidDpopProof(_) | AuthError::DpopProofReplayed) => {
                "invalid_dpop_proof"
            }
            (400, _) => "invalid_request",
            (401, _) => "invalid_token",
            (403, _) => "insufficient_scope",
            _ => return None,
        };
        let mut params: Vec<(&str, String)> = Vec::with_capacity(4);
        if let Some(realm) = realm {
            params.push(("realm", realm.to_owned()));
        }
        if *self != AuthError::MissingToken {
            params.push(("error", error.to_owned()));
            params.push(("error_description", self.message()));
            match self {
                AuthError::InsufficientScope { required, .. } => {
                    params.push(("scope", required.join(" ")))
                }
                AuthError::InsufficientPermissions { required, .. } => {
                    params.push(("permissions", required.join(" ")))
                }
                _ => {}
            }
        }
        let mut out = String::new();
        if schemes.bearer {
            push_challenge(&mut out, "Bearer", &params);
        }
        if schemes.dpop {
            let mut params = params;
            if let Some(algs) = algs {
                params.push(("algs", algs.to_owned()));
            }
            if !out.is_empty() {
                out.push_str(", ");
            }
            push_challenge(&mut out, "DPoP", &params);
        }
        Some(out)
    }

    /// The [`ErrorResponse`] with `challenge` as its `WWW-Authenticate`.
    pub(crate) fn response_with(&self, challenge: Option<String>) -> ErrorResponse {
        let body = serde_json::json!({
            "error": self.code(),
            "error_description": self.message(),
        });
        ErrorResponse {
            status: self.status(),
            www_authenticate: challenge,
            body: body.to_string(),
        }
    }
}

/// The schemes a challenge names.
#[derive(Debug, Clone, Copy)]
struct Schemes {
    bearer: bool,
    dpop: bool,
}

impl Schemes {
    const BEARER: Schemes = Schemes {
        bearer: true,
        dpop: false,
    };
    const DPOP: Schemes = Schemes {
        bearer: false,
        dpop: true,
    };
}

/// Appends `scheme` and its `params` as one challenge (RFC 9110 section 11.3).
fn push_challenge(out: &mut String, scheme: &str, params: &[(&str, String)]) {
    out.push_str(scheme);
    for (i, (name, value)) in params.iter().enumerate() {
        out.push_str(if i == 0 { " " } else { ", " });
        out.push_str(name);
        out.push_str("=\"");
        push_quoted(out, value);
        out.push('"');
    }
}

impl AuthError {
    /// Everything an HTTP framework needs to answer this error: the status,
    /// the `WWW-Authenticate` value (none for 503s) and a small JSON body
    /// `{"error": code, "error_description": message}`. The body never
    /// echoes token content.
    ///
    /// ```
    /// use oidc_jwt_verifier_core::AuthError;
    /// let response = AuthError::TokenExpired.response(Some("api"));
    /// assert_eq!(response.status, 401);
    /// assert_eq!(
    ///     response.body,
    ///     r#"{"error":"token_expired","error_description":"Token is expired"}"#
    /// );
    /// ```
    pub fn response(&self, realm: Option<&str>) -> ErrorResponse {
        self.response_with(self.www_authenticate(realm))
    }
}

/// The HTTP answer to an [`AuthError`], for any framework: set the status,
/// the `WWW-Authenticate` header when present, and send the JSON body with
/// `content-type: application/json` ([`into_http`](Self::into_http) does
/// all three).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    /// 400, 401, 403, 500 or 503.
    pub status: u16,
    /// The RFC 6750 challenge, absent for 503 errors.
    pub www_authenticate: Option<String>,
    /// `{"error": "<code>", "error_description": "<message>"}`.
    pub body: String,
}

impl ErrorResponse {
    /// The answer as an [`http::Response`]: its status, `WWW-Authenticate`
    /// when there is a challenge, `content-type: application/json` and the
    /// body. What every framework integration sends.
    ///
    /// ```
    /// use oidc_jwt_verifier_core::AuthError;
    /// let response = AuthError::MissingToken.response(Some("api")).into_http();
    /// assert_eq!(response.status(), 401);
    /// assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="api""#);
    /// assert_eq!(response.headers()["content-type"], "application/json");
    /// ```
    pub fn into_http(self) -> http::Response<String> {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = http::StatusCode::from_u16(self.status)
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        // Quoted values hold no control character but tab (`push_quoted`),
        // so the challenge is always a valid header value.
        if let Some(challenge) = self
            .www_authenticate
            .and_then(|value| http::HeaderValue::from_bytes(value.as_bytes()).ok())
        {
            headers.insert(http::header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

#[cfg(feature = "tracing")]
impl AuthError {
    /// Logs a refusal that is the server's problem rather than the
    /// client's, through `tracing` (target
    /// [`TRACING_TARGET`](crate::TRACING_TARGET), field `event` =
    /// `request_refused`): a 503 at WARN with its cause (the URL, status or
    /// transport failure of the key source), a 500 at ERROR with serde's
    /// message. Every other refusal is the client's and is left to the
    /// status counters: a stream of bad tokens cannot flood the logs.
    pub fn emit(&self) {
        use std::error::Error as _;
        let (code, status) = (self.code(), self.status());
        let cause = self.source().map(|cause| cause.to_string());
        match status {
            503 => tracing::warn!(
                target: crate::TRACING_TARGET,
                event = "request_refused",
                code,
                status,
                cause = cause.as_deref().unwrap_or(""),
                "request refused: the key source cannot answer"
            ),
            500 => tracing::error!(
                target: crate::TRACING_TARGET,
                event = "request_refused",
                code,
                status,
                cause = cause.as_deref().unwrap_or(""),
                "request refused: the verified claims do not fit the application's type"
            ),
            _ => {}
        }
    }
}

/// Appends `value` as the inside of an HTTP quoted-string: `\` and `"` are
/// escaped, control characters but the tab (CR and LF among them) dropped,
/// so that the challenge is always a valid header value.
fn push_quoted(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            c if c.is_control() && c != '\t' => {}
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_table() {
        assert_eq!(AuthError::InvalidRequest.status(), 400);
        assert_eq!(AuthError::KeyNotFound.status(), 401);
        assert_eq!(
            AuthError::InsufficientScope {
                required: vec![],
                missing: vec![]
            }
            .status(),
            403
        );
        assert_eq!(
            AuthError::IssuerMismatch(SourceProblem::IssuerMismatch.into()).status(),
            503
        );
        assert_eq!(
            AuthError::JwksError(SourceProblem::NotJson.into()).status(),
            503
        );
    }

    #[test]
    fn missing_token_challenge_has_no_error() {
        assert_eq!(
            AuthError::MissingToken.www_authenticate(None).unwrap(),
            "Bearer"
        );
    }

    #[test]
    fn challenges_put_realm_first_and_escape_it() {
        let got = AuthError::InvalidRequest
            .www_authenticate(Some("a\"b\\c\r\n\u{0}\u{7f}d"))
            .unwrap();
        assert_eq!(
            got,
            r#"Bearer realm="a\"b\\cd", error="invalid_request", error_description="Malformed Authorization header""#
        );
    }

    #[test]
    fn forbidden_challenges_list_every_required_value_and_keep_the_missing() {
        let e = AuthError::InsufficientScope {
            required: vec!["read".into(), "write".into(), "admin".into()],
            missing: vec!["write".into()],
        };
        assert_eq!(
            e.www_authenticate(None).unwrap(),
            r#"Bearer error="insufficient_scope", error_description="Insufficient scope", scope="read write admin""#
        );
        assert_eq!(e.missing_scopes(), ["write"]);
        assert_eq!(e.required_scopes(), ["read", "write", "admin"]);
        assert!(e.missing_permissions().is_empty() && e.required_permissions().is_empty());
        let e = AuthError::InsufficientPermissions {
            required: vec!["users:read".into(), "users:write".into()],
            missing: vec!["users:read".into()],
        };
        assert_eq!(
            e.www_authenticate(Some("api")).unwrap(),
            r#"Bearer realm="api", error="insufficient_scope", error_description="Insufficient permissions", permissions="users:read users:write""#
        );
        assert_eq!(e.missing_permissions(), ["users:read"]);
        assert_eq!(e.required_permissions(), ["users:read", "users:write"]);
        assert!(e.missing_scopes().is_empty() && e.required_scopes().is_empty());
    }

    #[test]
    fn responses_carry_status_challenge_and_a_json_body() {
        let response = AuthError::InsufficientScope {
            required: vec!["read".into(), "write".into()],
            missing: vec!["write".into()],
        }
        .response(None);
        assert_eq!(response.status, 403);
        assert_eq!(
            response.www_authenticate.as_deref(),
            Some(
                r#"Bearer error="insufficient_scope", error_description="Insufficient scope", scope="read write""#
            )
        );
        let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": "insufficient_scope", "error_description": "Insufficient scope"})
        );
        let unavailable = AuthError::JwksError(SourceProblem::NotJson.into()).response(Some("api"));
        assert_eq!(
            (unavailable.status, unavailable.www_authenticate),
            (503, None)
        );
    }

    #[test]
    fn service_errors_carry_no_challenge() {
        assert_eq!(
            AuthError::JwksFetchFailed(SourceProblem::Refused.into()).www_authenticate(Some("x")),
            None
        );
        assert_eq!(
            AuthError::IssuerMismatch(SourceProblem::IssuerMismatch.into()).www_authenticate(None),
            None
        );
    }

    #[test]
    fn every_code_sits_at_its_index() {
        let source = || SourceError::from(SourceProblem::Refused);
        let all = [
            AuthError::MissingToken,
            AuthError::InvalidRequest,
            AuthError::TokenTooLarge,
            AuthError::MalformedToken,
            AuthError::ForbiddenHeader,
            AuthError::DisallowedAlg,
            AuthError::InvalidType,
            AuthError::MissingKid,
            AuthError::KeyNotFound,
            AuthError::InvalidSignature,
            AuthError::MissingClaim(ClaimName::Exp),
            AuthError::InvalidClaim(ClaimName::Exp),
            AuthError::TokenExpired,
            AuthError::TokenNotYetValid,
            AuthError::InvalidIssuer,
            AuthError::InvalidAudience,
            AuthError::InsufficientScope {
                required: vec![],
                missing: vec![],
            },
            AuthError::InsufficientPermissions {
                required: vec![],
                missing: vec![],
            },
            AuthError::JwksFetchFailed(source()),
            AuthError::JwksError(source()),
            AuthError::IssuerMismatch(source()),
            AuthError::ClaimsTypeMismatch(ClaimsTypeError {
                message: Arc::from("m"),
            }),
            AuthError::DpopRequired,
            AuthError::InvalidDpopProof(DpopProblem::Missing),
            AuthError::InvalidDpopBinding,
            AuthError::DpopProofReplayed,
            AuthError::InvalidCertificateBinding,
        ];
        for (index, error) in all.iter().enumerate() {
            assert_eq!(
                (error.code_index(), error.code()),
                (index, ERROR_CODES[index])
            );
        }
    }

    #[test]
    fn a_503_carries_its_cause_and_compares_by_problem_alone() {
        use std::error::Error as _;
        let io = std::io::Error::other("self-signed certificate");
        let failure = TransportFailure::with_error(TransportKind::Tls, io);
        let error =
            AuthError::JwksFetchFailed(SourceError::transport(failure, "https://a.test/jwks"));
        assert_eq!(error.message(), "JWKS fetch failed");
        assert_eq!(
            error,
            AuthError::JwksFetchFailed(SourceProblem::Transport.into())
        );
        let cause = error.source().expect("a cause");
        assert_eq!(
            cause.to_string(),
            "https://a.test/jwks: TLS failure: self-signed certificate"
        );
        let library = cause
            .source()
            .and_then(|c| c.source())
            .expect("the library error");
        assert_eq!(library.to_string(), "self-signed certificate");
        let source = error.source_error().unwrap();
        assert_eq!(
            (source.url(), source.transport_kind()),
            (Some("https://a.test/jwks"), Some(TransportKind::Tls))
        );
        let mismatch = SourceError::issuer_mismatch(Some("https://evil.test/"), "https://a.test/d");
        assert_eq!(mismatch.published_issuer(), Some("https://evil.test/"));
        assert_eq!(
            mismatch.to_string(),
            r#"https://a.test/d: the discovery document names the issuer "https://evil.test/""#
        );
    }

    #[test]
    fn untrusted_text_for_logs_is_bounded() {
        assert_eq!(for_logs("kid-1"), "kid-1");
        let long = "é".repeat(200);
        let cut = for_logs(&long);
        assert!(cut.len() <= MAX_LOGGED_BYTES + "…".len() && cut.ends_with('…'));
    }

    #[test]
    fn claim_messages_name_the_claim() {
        assert_eq!(
            AuthError::MissingClaim(ClaimName::Aud).message(),
            "Missing required claim: aud"
        );
        assert_eq!(
            AuthError::InvalidClaim(ClaimName::Nbf).message(),
            "Invalid claim: nbf"
        );
    }
}
