//! The JWT profile for OAuth 2.0 access tokens (RFC 9068): the
//! configuration it asks of a resource server, in one call, and the typed
//! claims it defines.

use serde_json::Value;

use crate::alg::Algorithm;
use crate::claims::{Claims, NumericDate};
use crate::config::AuthConfig;

/// The `typ` RFC 9068 section 4 requires resource servers to check.
const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// The claims RFC 9068 section 2.2 requires beyond `iss`, `exp` and `aud`
/// (which every token needs anyway).
const PROFILE_CLAIMS: [&str; 4] = ["sub", "client_id", "iat", "jti"];

impl AuthConfig {
    /// This configuration with the RFC 9068 profile applied:
    ///
    /// - `expected_typ` is `at+jwt` (section 4: the resource server MUST
    ///   check it; `application/at+jwt` matches too);
    /// - `allowed_algs` is every asymmetric algorithm this verifier knows:
    ///   RS256/384/512, PS256/384/512, ES256/384/512, EdDSA, Ed25519 and
    ///   Ed448. RFC 9068 only forbids `none` and requires RS256 support;
    ///   since a key verifies only the algorithms its own `kty`, `crv` and
    ///   `alg` fit, accepting all of them lets the issuer's key set decide
    ///   and never lets one key be used under another family's algorithm;
    /// - `required_claims` gains `sub`, `client_id`, `iat` and `jti`
    ///   (section 2.2), after any already listed.
    ///
    /// ```
    /// use oidc_jwt_verifier_core::AuthConfig;
    /// let config = AuthConfig::from_issuer("https://id.example.test", "https://api.example.test")
    ///     .rfc9068();
    /// assert_eq!(config.expected_typ.as_deref(), Some("at+jwt"));
    /// assert_eq!(config.required_claims, ["sub", "client_id", "iat", "jti"]);
    /// assert_eq!(config.allowed_algs.len(), 12);
    /// ```
    pub fn rfc9068(mut self) -> Self {
        self.expected_typ = Some(ACCESS_TOKEN_TYP.to_owned());
        self.allowed_algs = Algorithm::ALL
            .iter()
            .map(|alg| alg.name().to_owned())
            .collect();
        for claim in PROFILE_CLAIMS {
            if !self.required_claims.iter().any(|named| named == claim) {
                self.required_claims.push(claim.to_owned());
            }
        }
        self
    }
}

/// The claims of an RFC 9068 access token, typed (sections 2.2, 2.2.1,
/// 2.2.2, 2.2.3 and 2.2.3.1), from [`Claims::access_token`].
///
/// Each field is what the token carries in that claim's own shape, or
/// empty (`None`, no items) when the claim is absent or of another JSON
/// type. Lists are read from a JSON array of strings (other elements
/// skipped) or a single string; `scopes` also from a space-separated
/// string, the form `scope` takes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccessTokenClaims {
    /// `sub`.
    pub subject: Option<String>,
    /// `client_id`: the client the token was issued to.
    pub client_id: Option<String>,
    /// `jti`.
    pub jwt_id: Option<String>,
    /// `iat`.
    pub issued_at: Option<NumericDate>,
    /// `auth_time`: when the user last authenticated.
    pub auth_time: Option<NumericDate>,
    /// `acr`: the authentication context class.
    pub acr: Option<String>,
    /// `amr`: the authentication methods.
    pub amr: Vec<String>,
    /// `scope`, split on spaces.
    pub scopes: Vec<String>,
    /// `roles`.
    pub roles: Vec<String>,
    /// `groups`.
    pub groups: Vec<String>,
    /// `entitlements`.
    pub entitlements: Vec<String>,
}

impl Claims {
    /// The RFC 9068 claims of this token, typed.
    ///
    /// ```
    /// # use oidc_jwt_verifier_core::Claims;
    /// # fn show(claims: &Claims) {
    /// let access = claims.access_token();
    /// if access.scopes.iter().any(|scope| scope == "orders:write") {
    ///     println!("{:?} may write orders", access.client_id);
    /// }
    /// # }
    /// ```
    pub fn access_token(&self) -> AccessTokenClaims {
        AccessTokenClaims {
            subject: self.subject.clone(),
            client_id: self.get("client_id").and_then(string),
            jwt_id: self.jwt_id.clone(),
            issued_at: self.issued_at.clone(),
            auth_time: self.get("auth_time").and_then(date),
            acr: self.get("acr").and_then(string),
            amr: self.get("amr").map(strings).unwrap_or_default(),
            scopes: self.string_list("scope"),
            roles: self.get("roles").map(strings).unwrap_or_default(),
            groups: self.get("groups").map(strings).unwrap_or_default(),
            entitlements: self.get("entitlements").map(strings).unwrap_or_default(),
        }
    }
}

fn string(value: Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text),
        _ => None,
    }
}

fn date(value: Value) -> Option<NumericDate> {
    match value {
        Value::Number(number) => NumericDate::from_number(number),
        _ => None,
    }
}

/// An array's string elements, or a lone string as one item.
fn strings(value: Value) -> Vec<String> {
    match value {
        Value::String(one) => vec![one],
        Value::Array(items) => items.into_iter().filter_map(string).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AuthConfig;
    use crate::time::UnixTime;
    use crate::Algorithm;
    use serde_json::json;

    fn claims(extra: Value) -> Claims {
        let mut payload = json!({
            "iss": "https://id.example.test/", "aud": "api", "exp": 2_000_000_000u64,
            "sub": "alice", "jti": "j-1", "iat": 1_767_225_570u64,
        });
        if let (Some(payload), Value::Object(extra)) = (payload.as_object_mut(), extra) {
            payload.extend(extra);
        }
        let config = AuthConfig::with_jwks_url(
            "https://id.example.test/",
            "api",
            "https://id.example.test/jwks",
        );
        let (policy, _) = config.validate().unwrap();
        let bytes = serde_json::to_vec(&payload).unwrap();
        let payload = crate::claims::Payload::parse(&bytes).unwrap();
        crate::claims::check(
            &policy,
            payload,
            UnixTime::from_secs_f64(1_767_225_600.0),
            &crate::Requirements::new(),
        )
        .unwrap()
    }

    #[test]
    fn the_rfc9068_profile_sets_typ_algorithms_and_claims() {
        let config = AuthConfig {
            required_claims: vec!["jti".into(), "tenant".into()],
            ..AuthConfig::with_jwks_url(
                "https://id.example.test/",
                "api",
                "https://id.example.test/jwks",
            )
        }
        .rfc9068();
        assert_eq!(config.expected_typ.as_deref(), Some("at+jwt"));
        assert_eq!(
            config.required_claims,
            ["jti", "tenant", "sub", "client_id", "iat"]
        );
        let (policy, _) = config.validate().unwrap();
        assert_eq!(policy.allowed_algs, Algorithm::ALL);
        assert!(policy
            .allowed_algs
            .iter()
            .all(|alg| !alg.name().starts_with("HS")));
        assert_eq!(
            config.clone().rfc9068(),
            config,
            "applying it twice changes nothing"
        );
    }

    #[test]
    fn every_rfc9068_claim_is_typed() {
        let access = claims(json!({
            "client_id": "s6BhdRkqt3", "auth_time": 1_767_225_000u64, "acr": "urn:mace:incommon:iap:silver",
            "amr": ["pwd", "otp"], "scope": "openid orders:read",
            "roles": ["admin"], "groups": ["staff", 7], "entitlements": "beta",
        }))
        .access_token();
        assert_eq!(access.subject.as_deref(), Some("alice"));
        assert_eq!(access.client_id.as_deref(), Some("s6BhdRkqt3"));
        assert_eq!(access.jwt_id.as_deref(), Some("j-1"));
        assert_eq!(
            access.issued_at.map(|d| d.as_secs_f64()),
            Some(1_767_225_570.0)
        );
        assert_eq!(
            access.auth_time.map(|d| d.as_secs_f64()),
            Some(1_767_225_000.0)
        );
        assert_eq!(access.acr.as_deref(), Some("urn:mace:incommon:iap:silver"));
        assert_eq!(access.amr, ["pwd", "otp"]);
        assert_eq!(access.scopes, ["openid", "orders:read"]);
        assert_eq!(access.roles, ["admin"]);
        assert_eq!(access.groups, ["staff"]);
        assert_eq!(access.entitlements, ["beta"]);
    }

    #[test]
    fn absent_or_mistyped_claims_are_empty() {
        let access = claims(json!({
            "client_id": 5, "auth_time": "yesterday", "acr": ["x"], "amr": "pwd otp",
            "scope": ["a", "b"], "roles": {"admin": true},
        }))
        .access_token();
        assert_eq!(access.client_id, None);
        assert_eq!(access.auth_time, None);
        assert_eq!(access.acr, None);
        assert_eq!(
            access.amr,
            ["pwd otp"],
            "a lone string is one method, not split"
        );
        assert_eq!(access.scopes, ["a", "b"]);
        assert!(
            access.roles.is_empty() && access.groups.is_empty() && access.entitlements.is_empty()
        );
        let bare = claims(json!({})).access_token();
        assert_eq!(
            bare,
            AccessTokenClaims {
                subject: Some("alice".into()),
                jwt_id: Some("j-1".into()),
                issued_at: bare.issued_at.clone(),
                ..AccessTokenClaims::default()
            }
        );
    }
}
