//! The error table and the challenge rule of docs/rules.md, written out here so
//! that every expectation in the corpus (and every verdict of the fuzz
//! harness's models) is derived from the rules, never from what an
//! implementation answers.

use serde_json::{json, Value};

/// An error code of docs/rules.md, "Errors".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// `missing_token`, 401.
    MissingToken,
    /// `invalid_request`, 400.
    InvalidRequest,
    /// `token_too_large`, 401.
    TokenTooLarge,
    /// `malformed_token`, 401.
    MalformedToken,
    /// `forbidden_header`, 401.
    ForbiddenHeader,
    /// `disallowed_alg`, 401.
    DisallowedAlg,
    /// `invalid_type`, 401.
    InvalidType,
    /// `missing_kid`, 401.
    MissingKid,
    /// `key_not_found`, 401.
    KeyNotFound,
    /// `invalid_signature`, 401.
    InvalidSignature,
    /// `missing_claim`, 401 (message names the claim).
    MissingClaim,
    /// `invalid_claim`, 401 (message names the claim).
    InvalidClaim,
    /// `token_expired`, 401.
    TokenExpired,
    /// `token_not_yet_valid`, 401.
    TokenNotYetValid,
    /// `invalid_issuer`, 401.
    InvalidIssuer,
    /// `invalid_audience`, 401.
    InvalidAudience,
    /// `insufficient_scope`, 403.
    InsufficientScope,
    /// `insufficient_permissions`, 403.
    InsufficientPermissions,
    /// `jwks_fetch_failed`, 503.
    JwksFetchFailed,
    /// `jwks_error`, 503.
    JwksError,
    /// `issuer_mismatch`, 503.
    IssuerMismatch,
    /// `dpop_required`, 401.
    DpopRequired,
    /// `invalid_dpop_proof`, 401 (challenge under `DPoP`).
    InvalidDpopProof,
    /// `invalid_dpop_binding`, 401 (challenge under `DPoP`).
    InvalidDpopBinding,
    /// `dpop_proof_replayed`, 401 (challenge under `DPoP`).
    DpopProofReplayed,
    /// `invalid_certificate_binding`, 401.
    InvalidCertificateBinding,
}

impl Code {
    /// Every code, in the order of the error table of docs/rules.md.
    #[cfg(test)]
    pub(crate) const ALL: [Code; 26] = [
        Code::MissingToken,
        Code::InvalidRequest,
        Code::TokenTooLarge,
        Code::MalformedToken,
        Code::ForbiddenHeader,
        Code::DisallowedAlg,
        Code::InvalidType,
        Code::MissingKid,
        Code::KeyNotFound,
        Code::InvalidSignature,
        Code::MissingClaim,
        Code::InvalidClaim,
        Code::TokenExpired,
        Code::TokenNotYetValid,
        Code::InvalidIssuer,
        Code::InvalidAudience,
        Code::InsufficientScope,
        Code::InsufficientPermissions,
        Code::JwksFetchFailed,
        Code::JwksError,
        Code::IssuerMismatch,
        Code::DpopRequired,
        Code::InvalidDpopProof,
        Code::InvalidDpopBinding,
        Code::DpopProofReplayed,
        Code::InvalidCertificateBinding,
    ];

    /// The stable code string.
    pub fn name(self) -> &'static str {
        self.row().0
    }

    /// The HTTP status.
    pub fn status(self) -> u16 {
        self.row().1
    }

    /// The fixed message; for `missing_claim` and `invalid_claim` the
    /// prefix before `: <name>`.
    pub fn message(self) -> &'static str {
        self.row().2
    }

    /// `(code, status, message)`, one row of the table.
    fn row(self) -> (&'static str, u16, &'static str) {
        match self {
            Code::MissingToken => ("missing_token", 401, "Missing access token"),
            Code::InvalidRequest => ("invalid_request", 400, "Malformed Authorization header"),
            Code::TokenTooLarge => ("token_too_large", 401, "Token is too large"),
            Code::MalformedToken => ("malformed_token", 401, "Malformed token"),
            Code::ForbiddenHeader => ("forbidden_header", 401, "Forbidden token header parameter"),
            Code::DisallowedAlg => ("disallowed_alg", 401, "Disallowed signing algorithm"),
            Code::InvalidType => ("invalid_type", 401, "Invalid token type"),
            Code::MissingKid => ("missing_kid", 401, "Missing kid header"),
            Code::KeyNotFound => ("key_not_found", 401, "No matching signing key"),
            Code::InvalidSignature => ("invalid_signature", 401, "Invalid signature"),
            Code::MissingClaim => ("missing_claim", 401, "Missing required claim"),
            Code::InvalidClaim => ("invalid_claim", 401, "Invalid claim"),
            Code::TokenExpired => ("token_expired", 401, "Token is expired"),
            Code::TokenNotYetValid => ("token_not_yet_valid", 401, "Token is not valid yet"),
            Code::InvalidIssuer => ("invalid_issuer", 401, "Invalid issuer"),
            Code::InvalidAudience => ("invalid_audience", 401, "Invalid audience"),
            Code::InsufficientScope => ("insufficient_scope", 403, "Insufficient scope"),
            Code::InsufficientPermissions => {
                ("insufficient_permissions", 403, "Insufficient permissions")
            }
            Code::JwksFetchFailed => ("jwks_fetch_failed", 503, "JWKS fetch failed"),
            Code::JwksError => ("jwks_error", 503, "JWKS is unusable"),
            Code::IssuerMismatch => ("issuer_mismatch", 503, "Discovery issuer mismatch"),
            Code::DpopRequired => ("dpop_required", 401, "DPoP proof required"),
            Code::InvalidDpopProof => ("invalid_dpop_proof", 401, "Invalid DPoP proof"),
            Code::InvalidDpopBinding => ("invalid_dpop_binding", 401, "Invalid DPoP key binding"),
            Code::DpopProofReplayed => ("dpop_proof_replayed", 401, "DPoP proof replayed"),
            Code::InvalidCertificateBinding => (
                "invalid_certificate_binding",
                401,
                "Invalid certificate binding",
            ),
        }
    }
}

/// An error a step must produce, with what its message and challenge
/// depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedError {
    code: Code,
    /// The claim named by `missing_claim` and `invalid_claim`.
    claim: Option<&'static str>,
    /// Every required scope or permission of a 403, in configuration order
    /// (present in the token or not): what the challenge lists.
    required: Vec<String>,
}

impl ExpectedError {
    /// An error whose message is fixed (not a claim or 403 error).
    pub fn new(code: Code) -> Self {
        Self {
            code,
            claim: None,
            required: Vec::new(),
        }
    }

    /// `missing_claim` or `invalid_claim` naming `claim`.
    pub fn about_claim(code: Code, claim: &'static str) -> Self {
        Self {
            claim: Some(claim),
            ..Self::new(code)
        }
    }

    /// `insufficient_scope` or `insufficient_permissions` whose challenge lists
    /// `required`: every required value, present or not, in configuration order
    /// (as the rules were revised: the list is no longer only the missing
    /// ones).
    pub fn required<S: AsRef<str>>(code: Code, required: &[S]) -> Self {
        Self {
            required: required
                .iter()
                .map(|item| item.as_ref().to_owned())
                .collect(),
            ..Self::new(code)
        }
    }

    /// The code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The message: fixed, or `<prefix>: <claim>`.
    pub fn message(&self) -> String {
        match self.claim {
            Some(claim) => format!("{}: {claim}", self.code.message()),
            None => self.code.message().to_owned(),
        }
    }

    /// The exact `WWW-Authenticate` value with no realm (docs/rules.md,
    /// "The challenge"); `None` for the 503 errors.
    /// The scheme is `DPoP` for the three errors only a DPoP proof can
    /// cause, whose `error` is `invalid_dpop_proof` for the proof's own
    /// (RFC 9449 sections 7.1 and 12.2).
    pub fn www_authenticate(&self) -> Option<String> {
        let error = match self.code.status() {
            _ if self.code == Code::MissingToken => return Some("Bearer".to_owned()),
            _ if matches!(self.code, Code::InvalidDpopProof | Code::DpopProofReplayed) => {
                "invalid_dpop_proof"
            }
            400 => "invalid_request",
            401 => "invalid_token",
            403 => "insufficient_scope",
            _ => return None,
        };
        let scheme = match self.code {
            Code::InvalidDpopProof | Code::InvalidDpopBinding | Code::DpopProofReplayed => "DPoP",
            _ => "Bearer",
        };
        let mut challenge = format!(
            "{scheme} error={}, error_description={}",
            quoted(error),
            quoted(&self.message())
        );
        let extra = match self.code {
            Code::InsufficientScope => Some("scope"),
            Code::InsufficientPermissions => Some("permissions"),
            _ => None,
        };
        if let Some(parameter) = extra {
            let listed = self.required.join(" ");
            challenge.push_str(&format!(", {parameter}={}", quoted(&listed)));
        }
        Some(challenge)
    }

    /// The `expect` object of a `verify` step: code, status and challenge.
    pub fn to_json(&self) -> Value {
        json!({
            "error": self.code.name(),
            "status": self.code.status(),
            "www_authenticate": self.www_authenticate(),
        })
    }

    /// The `expect` object of a `signing_keys` step: code and status only
    /// (docs/case-format.md gives that step no challenge).
    pub fn to_keys_json(&self) -> Value {
        json!({ "error": self.code.name(), "status": self.code.status() })
    }
}

/// A quoted-string: `\` and `"` escaped, CR and LF dropped.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for character in value.chars() {
        match character {
            '\r' | '\n' => {}
            '\\' | '"' => {
                out.push('\\');
                out.push(character);
            }
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_26_unique_codes_with_their_statuses() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|code| code.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 26);
        let count = |status| Code::ALL.iter().filter(|c| c.status() == status).count();
        assert_eq!(count(400), 1);
        assert_eq!(count(401), 20);
        assert_eq!(count(403), 2);
        assert_eq!(count(503), 3);
    }

    #[test]
    fn missing_token_is_bare_bearer() {
        let error = ExpectedError::new(Code::MissingToken);
        assert_eq!(error.www_authenticate().as_deref(), Some("Bearer"));
    }

    #[test]
    fn invalid_request_and_invalid_token_challenges() {
        assert_eq!(
            ExpectedError::new(Code::InvalidRequest)
                .www_authenticate()
                .as_deref(),
            Some(
                r#"Bearer error="invalid_request", error_description="Malformed Authorization header""#
            )
        );
        assert_eq!(
            ExpectedError::about_claim(Code::MissingClaim, "aud")
                .www_authenticate()
                .as_deref(),
            Some(
                r#"Bearer error="invalid_token", error_description="Missing required claim: aud""#
            )
        );
    }

    #[test]
    fn forbidden_challenges_list_every_required_value() {
        let scope = ExpectedError::required(Code::InsufficientScope, &["write", "admin"]);
        assert_eq!(
            scope.www_authenticate().as_deref(),
            Some(
                r#"Bearer error="insufficient_scope", error_description="Insufficient scope", scope="write admin""#
            )
        );
        let permissions = ExpectedError::required(Code::InsufficientPermissions, &["a:b"]);
        assert_eq!(
            permissions.www_authenticate().as_deref(),
            Some(
                r#"Bearer error="insufficient_scope", error_description="Insufficient permissions", permissions="a:b""#
            )
        );
    }

    #[test]
    fn service_unavailable_has_no_challenge() {
        for code in [Code::JwksFetchFailed, Code::JwksError, Code::IssuerMismatch] {
            assert_eq!(ExpectedError::new(code).www_authenticate(), None);
            assert_eq!(
                ExpectedError::new(code).to_json()["www_authenticate"],
                Value::Null
            );
        }
    }

    #[test]
    fn quoting_escapes_backslash_and_quote_and_drops_line_breaks() {
        assert_eq!(quoted("a\"b\\c\r\nd"), r#""a\"b\\cd""#);
    }
}
