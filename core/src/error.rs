//! `AuthError`: every way a verification can fail, with its stable code, HTTP
//! status, fixed message and RFC 6750 challenge (SPEC.md "Error codes").

use std::fmt;

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
    /// The whole payload, when it does not deserialize into the caller's type.
    Payload,
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
            ClaimName::Payload => "payload",
        }
    }
}

impl fmt::Display for ClaimName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the key source could not answer (kept for logs; never part of the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceProblem {
    /// The connection was refused.
    Refused,
    /// The request timed out.
    Timeout,
    /// Any other transport failure (TLS, DNS, a refused redirect, a dropped request).
    Transport,
    /// The answer had a non-2xx status.
    Status(u16),
    /// Still backing off after a failed refresh.
    BackingOff,
    /// The body is larger than the limit.
    BodyTooLarge,
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

/// A failed verification (or key-source operation).
///
/// `code()`, `status()` and `message()` are stable and never echo token
/// content, so they are safe to log and to send back to a client.
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
    JwksFetchFailed(SourceProblem),
    /// The key source answered with something unusable.
    #[error("JWKS is unusable")]
    JwksError(SourceProblem),
    /// The discovery document names another issuer.
    #[error("Discovery issuer mismatch")]
    IssuerMismatch,
}

impl AuthError {
    /// The stable error code (SPEC.md), e.g. `"token_expired"`.
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
            AuthError::IssuerMismatch => "issuer_mismatch",
        }
    }

    /// The HTTP status to answer with: 400, 401, 403 or 503.
    pub fn status(&self) -> u16 {
        match self {
            AuthError::InvalidRequest => 400,
            AuthError::InsufficientScope { .. } | AuthError::InsufficientPermissions { .. } => 403,
            AuthError::JwksFetchFailed(_) | AuthError::JwksError(_) | AuthError::IssuerMismatch => {
                503
            }
            _ => 401,
        }
    }

    /// The fixed, human-readable message (the `Display` text).
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// For 503 errors: why the key source could not answer (for logs only).
    pub fn source_problem(&self) -> Option<SourceProblem> {
        match self {
            AuthError::JwksFetchFailed(p) | AuthError::JwksError(p) => Some(*p),
            AuthError::IssuerMismatch => Some(SourceProblem::IssuerMismatch),
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
    /// 503 errors, which carry no challenge.
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
        let error = match self.status() {
            400 => "invalid_request",
            401 => "invalid_token",
            403 => "insufficient_scope",
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
        let mut out = String::from("Bearer");
        for (i, (name, value)) in params.iter().enumerate() {
            out.push_str(if i == 0 { " " } else { ", " });
            out.push_str(name);
            out.push_str("=\"");
            push_quoted(&mut out, value);
            out.push('"');
        }
        Some(out)
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
        let body = serde_json::json!({
            "error": self.code(),
            "error_description": self.message(),
        });
        ErrorResponse {
            status: self.status(),
            www_authenticate: self.www_authenticate(realm),
            body: body.to_string(),
        }
    }
}

/// The HTTP answer to an [`AuthError`], for any framework: set the status,
/// the `WWW-Authenticate` header when present, and send the JSON body with
/// `content-type: application/json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    /// 400, 401, 403 or 503.
    pub status: u16,
    /// The RFC 6750 challenge, absent for 503 errors.
    pub www_authenticate: Option<String>,
    /// `{"error": "<code>", "error_description": "<message>"}`.
    pub body: String,
}

/// Appends `value` as the inside of an HTTP quoted-string: `\` and `"` are
/// escaped, CR and LF dropped.
fn push_quoted(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\r' | '\n' => {}
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
        assert_eq!(AuthError::IssuerMismatch.status(), 503);
        assert_eq!(AuthError::JwksError(SourceProblem::NotJson).status(), 503);
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
            .www_authenticate(Some("a\"b\\c\r\nd"))
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
        let unavailable = AuthError::JwksError(SourceProblem::NotJson).response(Some("api"));
        assert_eq!(
            (unavailable.status, unavailable.www_authenticate),
            (503, None)
        );
    }

    #[test]
    fn service_errors_carry_no_challenge() {
        assert_eq!(
            AuthError::JwksFetchFailed(SourceProblem::Refused).www_authenticate(Some("x")),
            None
        );
        assert_eq!(AuthError::IssuerMismatch.www_authenticate(None), None);
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
