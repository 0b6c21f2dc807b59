//! The error table and the challenge rule of the rules (`docs/rules.md`,
//! "Errors" and "The challenge"), written out once for every model of this
//! crate: what a refusal must look like, never what the verifier answers.

use serde_json::{json, Map, Value};

/// An error code of the rules' table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// `missing_claim`, 401, naming the claim.
    MissingClaim,
    /// `invalid_claim`, 401, naming the claim.
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
}

impl Code {
    /// `(code, status, message)`: one row of the table.
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
        }
    }

    /// The stable code.
    pub fn name(self) -> &'static str {
        self.row().0
    }

    /// The HTTP status.
    pub fn status(self) -> u16 {
        self.row().1
    }
}

/// A refusal as the rules describe it: the code, and what its message and
/// challenge depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The code.
    pub code: Code,
    /// The claim named by `missing_claim` and `invalid_claim`.
    pub claim: Option<&'static str>,
    /// Every required scope or permission of a 403, in configuration order.
    pub required: Vec<String>,
}

impl Refusal {
    /// A refusal whose message is fixed.
    pub fn new(code: Code) -> Refusal {
        Refusal {
            code,
            claim: None,
            required: Vec::new(),
        }
    }

    /// `missing_claim` or `invalid_claim` naming `claim`.
    pub fn claim(code: Code, claim: &'static str) -> Refusal {
        Refusal {
            claim: Some(claim),
            ..Refusal::new(code)
        }
    }

    /// A 403 listing every required value.
    pub fn forbidden(code: Code, required: &[String]) -> Refusal {
        Refusal {
            required: required.to_vec(),
            ..Refusal::new(code)
        }
    }

    /// The message: fixed, or `<prefix>: <claim>`.
    pub fn message(&self) -> String {
        let prefix = self.code.row().2;
        match self.claim {
            Some(claim) => format!("{prefix}: {claim}"),
            None => prefix.to_owned(),
        }
    }

    /// The `WWW-Authenticate` value with no realm; `None` for a 503.
    pub fn challenge(&self) -> Option<String> {
        let error = match self.code.status() {
            _ if self.code == Code::MissingToken => return Some("Bearer".to_owned()),
            400 => "invalid_request",
            401 => "invalid_token",
            403 => "insufficient_scope",
            _ => return None,
        };
        let mut challenge = format!(
            "Bearer error={}, error_description={}",
            quoted(error),
            quoted(&self.message())
        );
        let listed = match self.code {
            Code::InsufficientScope => Some("scope"),
            Code::InsufficientPermissions => Some("permissions"),
            _ => None,
        };
        if let Some(parameter) = listed {
            challenge.push_str(&format!(
                ", {parameter}={}",
                quoted(&self.required.join(" "))
            ));
        }
        Some(challenge)
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

/// What a verification must produce.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Accepted, with at least these claims.
    Accept(Map<String, Value>),
    /// Refused so.
    Refuse(Refusal),
}

impl Verdict {
    /// A refusal with a fixed message.
    pub fn refuse(code: Code) -> Verdict {
        Verdict::Refuse(Refusal::new(code))
    }

    /// The `expect` member of a case step (docs/case-format.md): claims, or code,
    /// status and exact challenge.
    pub fn to_expect(&self) -> Value {
        match self {
            Verdict::Accept(claims) => json!({"ok": true, "claims": claims}),
            Verdict::Refuse(refusal) => json!({
                "error": refusal.code.name(),
                "status": refusal.code.status(),
                "www_authenticate": refusal.challenge(),
            }),
        }
    }

    /// The `expect` member of a `signing_keys` step that fails (code and
    /// status only: the case format gives that step no challenge).
    pub fn to_keys_expect(&self) -> Value {
        match self {
            Verdict::Accept(_) => json!({"kids": []}),
            Verdict::Refuse(refusal) => {
                json!({"error": refusal.code.name(), "status": refusal.code.status()})
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_follow_the_rule() {
        assert_eq!(
            Refusal::new(Code::MissingToken).challenge().as_deref(),
            Some("Bearer")
        );
        assert_eq!(Refusal::new(Code::JwksError).challenge(), None);
        assert_eq!(
            Refusal::claim(Code::InvalidClaim, "exp")
                .challenge()
                .as_deref(),
            Some(r#"Bearer error="invalid_token", error_description="Invalid claim: exp""#)
        );
        let scopes = vec!["read".to_owned(), "a\"b\\c\r\n".to_owned()];
        assert_eq!(
            Refusal::forbidden(Code::InsufficientScope, &scopes)
                .challenge()
                .as_deref(),
            Some(
                r#"Bearer error="insufficient_scope", error_description="Insufficient scope", scope="read a\"b\\c""#
            )
        );
    }

    #[test]
    fn expectations_have_the_case_shape() {
        let expect = Verdict::refuse(Code::InvalidRequest).to_expect();
        assert_eq!(expect["error"], "invalid_request");
        assert_eq!(expect["status"], 400);
        assert_eq!(Verdict::Accept(Map::new()).to_expect()["ok"], true);
    }
}
