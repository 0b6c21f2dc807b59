//! Several issuers: which configuration of an allowlist a token belongs to,
//! read from its `iss` before anything is verified (`docs/rules.md`,
//! "Several issuers"). Each issuer keeps its own verifier and key cache;
//! this only routes.

use http::HeaderMap;
use serde_json::Value;

use crate::bearer::token_from_authorization;
use crate::claims::Claims;
use crate::config::{AuthConfig, ConfigError};
use crate::dpop::DpopPolicy;
use crate::error::{AuthError, ErrorResponse};
use crate::request::{token_from_headers, Source};
use crate::sender::{read_presented, IncomingRequest};
use crate::token;

/// Routes a token to the configuration, of several, whose `issuer` its
/// `iss` names.
///
/// A token is read with the checks every configuration shares first
/// (`missing_token`, `token_too_large` over the largest `max_token_bytes`,
/// `malformed_token`, `forbidden_header`: the strict parse of a
/// verification); then its `iss` must be a string equal to one configured
/// `issuer`, byte for byte. A token naming no issuer of the list, or no
/// `iss` as a string at all, is `invalid_issuer`, and nothing is fetched
/// for it. The configuration it names then verifies it whole, with its
/// own policy and keys: no token is ever tried against a second issuer's
/// keys.
///
/// ```
/// use oidc_jwt_verifier_core::{AuthConfig, AuthError, IssuerRouter};
/// let configs = [
///     AuthConfig::from_issuer("https://a.example.test", "api"),
///     AuthConfig::from_issuer("https://b.example.test", "api"),
/// ];
/// let router = IssuerRouter::new(&configs)?;
/// // {"alg":"RS256","kid":"k"} . {"iss":"https://b.example.test"} . "sig"
/// let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJodHRwczovL2IuZXhhbXBsZS50ZXN0In0.c2ln";
/// assert_eq!(router.route(token), Ok(1));
/// assert_eq!(router.route("not-a-token"), Err(AuthError::MalformedToken));
/// # Ok::<(), oidc_jwt_verifier_core::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct IssuerRouter {
    issuers: Vec<String>,
    max_token_bytes: usize,
    token_sources: Vec<Source>,
    /// The first configuration's DPoP policy: every one has its `dpop`
    /// and `dpop_algs` (the scheme a request is read with, and the
    /// challenge of a refusal, are decided before its issuer is known).
    dpop: DpopPolicy,
}

impl IssuerRouter {
    /// A router over `configs`, in order. Each must be a valid
    /// configuration; there must be at least one, no two may name the same
    /// issuer (field `issuer`), and all must read tokens from the same
    /// `token_sources` (a request is read before its issuer is known).
    pub fn new<'c>(configs: impl IntoIterator<Item = &'c AuthConfig>) -> Result<Self, ConfigError> {
        let mut router: Option<IssuerRouter> = None;
        for config in configs {
            let (policy, _) = config.validate()?;
            let Some(router) = router.as_mut() else {
                router = Some(IssuerRouter {
                    issuers: vec![policy.issuer],
                    max_token_bytes: policy.max_token_bytes,
                    token_sources: policy.token_sources,
                    dpop: policy.dpop,
                });
                continue;
            };
            if router.issuers.contains(&policy.issuer) {
                return Err(ConfigError::new(
                    "issuer",
                    "two configurations name the same issuer",
                ));
            }
            if router.token_sources != policy.token_sources {
                return Err(ConfigError::new(
                    "token_sources",
                    "every issuer of one verifier must read the same token sources",
                ));
            }
            if router.dpop.mode != policy.dpop.mode || router.dpop.algs != policy.dpop.algs {
                return Err(ConfigError::new(
                    "dpop",
                    "every issuer of one verifier must have the same dpop and dpop_algs",
                ));
            }
            router.issuers.push(policy.issuer);
            router.max_token_bytes = router.max_token_bytes.max(policy.max_token_bytes);
        }
        router.ok_or_else(|| ConfigError::new("issuer", "name at least one issuer"))
    }

    /// The configured issuers, in the order given.
    pub fn issuers(&self) -> &[String] {
        &self.issuers
    }

    /// The position of the configuration `token` names in its `iss`.
    pub fn route(&self, token: &str) -> Result<usize, AuthError> {
        let payload = token::parse_shared(token, self.max_token_bytes)?;
        match payload.claim("iss") {
            Some(Value::String(iss)) => self.position(iss).ok_or(AuthError::InvalidIssuer),
            _ => Err(AuthError::InvalidIssuer),
        }
    }

    /// [`route`](Self::route) for an `Authorization` value: the position and
    /// the token.
    pub fn route_authorization<'h>(
        &self,
        header: Option<&'h str>,
    ) -> Result<(usize, &'h str), AuthError> {
        let token = token_from_authorization(header)?;
        Ok((self.route(token)?, token))
    }

    /// [`route`](Self::route) for the token a request carries, found
    /// through the shared `token_sources`: the position and the token.
    pub fn route_headers<'h>(&self, headers: &'h HeaderMap) -> Result<(usize, &'h str), AuthError> {
        let token = token_from_headers(&self.token_sources, headers)?;
        Ok((self.route(token)?, token))
    }

    /// [`route`](Self::route) for the token of a whole request, read as
    /// [`Verifier::verify_request`](crate::Verifier::verify_request) reads
    /// it (under the `DPoP` scheme with the proof's first checks): the
    /// position and the token. The issuer's verifier then verifies the
    /// request whole.
    pub fn route_request<'r>(
        &self,
        request: &IncomingRequest<'r>,
    ) -> Result<(usize, &'r str), AuthError> {
        let (token, _) = read_presented(request, &self.token_sources, &self.dpop)?;
        Ok((self.route(token)?, token))
    }

    /// The `WWW-Authenticate` value answering `error` under the shared
    /// `dpop` mode, as every issuer's verifier answers it
    /// ([`Verifier::www_authenticate`](crate::Verifier::www_authenticate)).
    pub fn www_authenticate(&self, error: &AuthError, realm: Option<&str>) -> Option<String> {
        error.challenge_under(realm, &self.dpop)
    }

    /// [`AuthError::response`] with the shared challenge
    /// ([`www_authenticate`](Self::www_authenticate)).
    pub fn error_response(&self, error: &AuthError, realm: Option<&str>) -> ErrorResponse {
        error.response_with(self.www_authenticate(error, realm))
    }

    /// The position of the configuration that verified `claims` (by their
    /// issuer), for judging a route's requirements afterwards.
    pub fn route_claims(&self, claims: &Claims) -> Option<usize> {
        self.position(&claims.issuer)
    }

    fn position(&self, issuer: &str) -> Option<usize> {
        self.issuers.iter().position(|known| known == issuer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dpop::DpopMode;
    use crate::request::TokenSource;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use http::HeaderValue;
    use serde_json::json;

    const A: &str = "https://a.example.test";
    const B: &str = "https://b.example.test/";

    fn config(issuer: &str) -> AuthConfig {
        AuthConfig::with_jwks_url(issuer, "api", format!("{issuer}/jwks"))
    }

    fn router() -> IssuerRouter {
        IssuerRouter::new(&[config(A), config(B)]).unwrap()
    }

    fn token(header: serde_json::Value, payload: serde_json::Value) -> String {
        let part = |value: serde_json::Value| URL_SAFE_NO_PAD.encode(value.to_string());
        format!("{}.{}.c2ln", part(header), part(payload))
    }

    fn with_iss(iss: serde_json::Value) -> String {
        token(json!({"alg": "RS256", "kid": "k"}), json!({ "iss": iss }))
    }

    #[test]
    fn routes_by_the_exact_issuer() {
        let router = router();
        assert_eq!(router.route(&with_iss(json!(A))), Ok(0));
        assert_eq!(router.route(&with_iss(json!(B))), Ok(1));
        for other in [
            json!("https://a.example.test/"),
            json!("HTTPS://A.EXAMPLE.TEST"),
            json!(""),
        ] {
            assert_eq!(
                router.route(&with_iss(other.clone())),
                Err(AuthError::InvalidIssuer),
                "{other}"
            );
        }
        assert_eq!(router.issuers(), [A, B]);
    }

    #[test]
    fn no_string_iss_is_invalid_issuer() {
        let router = router();
        for iss in [json!(null), json!(7), json!([A]), json!({"a": A})] {
            assert_eq!(
                router.route(&with_iss(iss.clone())),
                Err(AuthError::InvalidIssuer),
                "{iss}"
            );
        }
        let none = token(json!({"alg": "RS256"}), json!({"sub": "x"}));
        assert_eq!(router.route(&none), Err(AuthError::InvalidIssuer));
    }

    #[test]
    fn the_shared_checks_come_first() {
        let router = router();
        assert_eq!(router.route(" "), Err(AuthError::MissingToken));
        assert_eq!(router.route("a.b"), Err(AuthError::MalformedToken));
        let forbidden = token(
            json!({"alg": "RS256", "jku": "https://evil.test/"}),
            json!({"iss": A}),
        );
        assert_eq!(router.route(&forbidden), Err(AuthError::ForbiddenHeader));
        let padded = format!("{}=", with_iss(json!(A)));
        assert_eq!(router.route(&padded), Err(AuthError::MalformedToken));
        // The policy of the issuer is its own verifier's: an alg it refuses
        // is still routed to it.
        let none = token(json!({"alg": "none"}), json!({"iss": A}));
        assert_eq!(router.route(&none), Ok(0));
    }

    #[test]
    fn the_largest_size_limit_applies_before_routing() {
        let mut small = config(A);
        small.max_token_bytes = 10;
        let mut large = config(B);
        large.max_token_bytes = 4096;
        let router = IssuerRouter::new(&[small, large]).unwrap();
        assert_eq!(router.route(&with_iss(json!(A))), Ok(0));
        assert_eq!(
            router.route(&"a".repeat(4097)),
            Err(AuthError::TokenTooLarge)
        );
    }

    #[test]
    fn the_list_is_checked() {
        let field =
            |configs: &[AuthConfig]| IssuerRouter::new(configs).unwrap_err().field().to_owned();
        assert_eq!(field(&[]), "issuer");
        assert_eq!(field(&[config(A), config(A)]), "issuer");
        let mut cookie = config(B);
        cookie.token_sources = vec![TokenSource::cookie("t")];
        assert_eq!(field(&[config(A), cookie]), "token_sources");
        let mut broken = config(B);
        broken.allowed_algs = vec!["HS256".into()];
        assert_eq!(field(&[config(A), broken]), "allowed_algs");
        let mut dpop = config(B);
        dpop.dpop = DpopMode::Either;
        assert_eq!(field(&[config(A), dpop.clone()]), "dpop");
        let mut algs = config(A);
        algs.dpop = DpopMode::Either;
        algs.dpop_algs = vec!["ES256".into()];
        assert_eq!(field(&[dpop, algs]), "dpop");
    }

    fn dpop_router(mode: DpopMode) -> IssuerRouter {
        let configs = [config(A), config(B)].map(|mut config| {
            config.dpop = mode;
            config
        });
        IssuerRouter::new(&configs).unwrap()
    }

    #[test]
    fn whole_requests_are_read_by_the_shared_dpop_mode_then_routed() {
        let token = with_iss(json!(B));
        let request = |authorization: String, proof: Option<&str>| {
            let mut headers = HeaderMap::new();
            headers.insert(
                "authorization",
                HeaderValue::from_str(&authorization).unwrap(),
            );
            if let Some(proof) = proof {
                headers.insert("dpop", HeaderValue::from_str(proof).unwrap());
            }
            headers
        };
        let route = |router: &IssuerRouter, headers: &HeaderMap| {
            let incoming = IncomingRequest::new("GET", "https://api.test/", headers);
            router.route_request(&incoming).map(|(index, _)| index)
        };
        let bearer = request(format!("Bearer {token}"), None);
        let dpop_without_proof = request(format!("DPoP {token}"), None);
        let either = dpop_router(DpopMode::Either);
        assert_eq!(route(&either, &bearer), Ok(1));
        assert_eq!(
            route(&either, &dpop_without_proof).map_err(|e| e.code()),
            Err("invalid_dpop_proof")
        );
        let only = dpop_router(DpopMode::DpopOnly);
        assert_eq!(route(&only, &bearer), Err(AuthError::DpopRequired));
        assert_eq!(
            route(&router(), &dpop_without_proof),
            Err(AuthError::InvalidRequest)
        );
        // The challenge is the shared mode's.
        let challenge = only
            .www_authenticate(&AuthError::DpopRequired, None)
            .unwrap();
        assert!(challenge.starts_with("DPoP "), "{challenge}");
        assert_eq!(
            only.error_response(&AuthError::DpopRequired, None)
                .www_authenticate
                .as_deref(),
            Some(challenge.as_str())
        );
    }

    #[test]
    fn requests_and_headers_are_read_then_routed() {
        let router = router();
        let token = with_iss(json!(B));
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        assert_eq!(router.route_headers(&headers), Ok((1, token.as_str())));
        assert_eq!(
            router.route_headers(&HeaderMap::new()),
            Err(AuthError::MissingToken)
        );
        let header = format!("Bearer {token}");
        assert_eq!(
            router.route_authorization(Some(&header)),
            Ok((1, token.as_str()))
        );
        assert_eq!(
            router.route_authorization(Some("Basic x")),
            Err(AuthError::InvalidRequest)
        );
    }
}
