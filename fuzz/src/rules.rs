//! What a verification must produce, for every model of this crate: an
//! acceptance, or a refusal as the rules describe it (`docs/rules.md`,
//! "Errors" and "The challenge"). The error table and the challenge rule are
//! the corpus generator's (`oidc_jwt_verifier_conformance::generate::spec`),
//! written out once for both: never what the verifier answers.

use serde_json::{json, Map, Value};

pub use oidc_jwt_verifier_conformance::generate::spec::{Code, ExpectedError as Refusal};

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
            Verdict::Refuse(refusal) => refusal.to_json(),
        }
    }

    /// The `expect` member of a `signing_keys` step that fails (code and
    /// status only: the case format gives that step no challenge).
    pub fn to_keys_expect(&self) -> Value {
        match self {
            Verdict::Accept(_) => json!({"kids": []}),
            Verdict::Refuse(refusal) => refusal.to_keys_json(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_follow_the_rule() {
        assert_eq!(
            Refusal::new(Code::MissingToken)
                .www_authenticate()
                .as_deref(),
            Some("Bearer")
        );
        assert_eq!(Refusal::new(Code::JwksError).www_authenticate(), None);
        assert_eq!(
            Refusal::about_claim(Code::InvalidClaim, "exp")
                .www_authenticate()
                .as_deref(),
            Some(r#"Bearer error="invalid_token", error_description="Invalid claim: exp""#)
        );
        let scopes = vec!["read".to_owned(), "a\"b\\c\r\n".to_owned()];
        assert_eq!(
            Refusal::required(Code::InsufficientScope, &scopes)
                .www_authenticate()
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
