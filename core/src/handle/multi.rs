//! [`MultiIssuerVerifier`]: one verifier per issuer of an allowlist, a token routed
//! to its issuer's own verifier and key cache by its unverified `iss` (the
//! core's [`IssuerRouter`]).

use serde::de::DeserializeOwned;

use crate::build::BuildError;
use crate::builder::Build;
use crate::claims::Claims;
use crate::config::AuthConfig;
use crate::error::{AuthError, ErrorResponse};
use crate::handle::{answer_refusal, BlockingDriver, JwtVerifier};
use crate::http_types::{HeaderMap, Request, Response};
use crate::issuers::IssuerRouter;
use crate::requirements::Requirements;
use crate::sender::IncomingRequest;
use crate::status::Status;

/// Verifies tokens of several issuers, each against its own configuration
/// and key cache: a token goes to the verifier of the issuer its `iss`
/// names (after the checks every configuration shares), and one naming an
/// issuer not on the list, or none, is `invalid_issuer` with nothing
/// fetched. No token is ever tried against another issuer's keys.
///
/// Every issuer keeps its own single flight, backoff and status; a slow or
/// failing issuer never delays the others.
#[derive(Debug)]
pub struct MultiIssuerVerifier<E> {
    router: IssuerRouter,
    verifiers: Vec<JwtVerifier<E>>,
}

impl<E: BlockingDriver + Build> MultiIssuerVerifier<E> {
    /// A verifier for each configuration (its own HTTP client, the system
    /// clock). No two may name the same issuer, and all must have the same
    /// `token_sources`.
    pub fn new(configs: impl IntoIterator<Item = AuthConfig>) -> Result<Self, BuildError> {
        let verifiers = configs
            .into_iter()
            .map(JwtVerifier::new)
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_verifiers(verifiers)
    }
}

impl<E: BlockingDriver> MultiIssuerVerifier<E> {
    /// Routes between verifiers built already (with a builder's clock,
    /// roots or client), one per issuer, on the same conditions as
    /// [`new`](Self::new).
    pub fn from_verifiers(verifiers: Vec<JwtVerifier<E>>) -> Result<Self, BuildError> {
        let configs: Vec<AuthConfig> = verifiers.iter().map(JwtVerifier::config).collect();
        let router = IssuerRouter::new(&configs)?;
        Ok(MultiIssuerVerifier { router, verifiers })
    }

    /// The issuers, in the order given.
    pub fn issuers(&self) -> &[String] {
        self.router.issuers()
    }

    /// The verifier of `issuer` (for its key-source operations).
    pub fn verifier(&self, issuer: &str) -> Option<&JwtVerifier<E>> {
        let index = self
            .router
            .issuers()
            .iter()
            .position(|known| known == issuer)?;
        self.verifiers.get(index)
    }

    /// Verifies a bare token with its issuer's verifier.
    pub fn verify_access_token(&self, token: &str) -> Result<Claims, AuthError> {
        self.routed(self.router.route(token)?)?
            .verify_access_token(token)
    }

    /// Verifies a bare token and deserializes its payload into `T`
    /// (`claims_type_mismatch`, 500, when it does not fit).
    pub fn verify_access_token_as<T: DeserializeOwned>(&self, token: &str) -> Result<T, AuthError> {
        self.routed(self.router.route(token)?)?
            .verify_access_token_as(token)
    }

    /// Verifies the token of an `Authorization` header value (`None` when
    /// the request has no such header).
    pub fn verify_authorization_header(&self, value: Option<&str>) -> Result<Claims, AuthError> {
        let (index, token) = self.router.route_authorization(value)?;
        self.routed(index)?.verify_access_token(token)
    }

    /// Verifies the token a request carries (the shared `token_sources`),
    /// with `route`'s requirements on top of its issuer's configured ones.
    pub fn verify_headers(
        &self,
        headers: &HeaderMap,
        route: &Requirements,
    ) -> Result<Claims, AuthError> {
        let (index, _) = self.router.route_headers(headers)?;
        self.routed(index)?.verify_headers(headers, route)
    }

    /// Verifies a whole request, as [`JwtVerifier::verify_incoming`] does, with
    /// its issuer's verifier: the token is read (under the `DPoP` scheme
    /// with its proof, by the shared `dpop` mode) and routed by its `iss`,
    /// then that issuer verifies the request whole.
    pub fn verify_incoming(
        &self,
        request: &IncomingRequest<'_>,
        route: &Requirements,
    ) -> Result<Claims, AuthError> {
        let (index, _) = self.router.route_request(request)?;
        self.routed(index)?.verify_incoming(request, route)
    }

    /// The `WWW-Authenticate` value answering `error`, as each issuer's
    /// verifier answers it (every issuer has the same `dpop` mode).
    pub fn www_authenticate(&self, error: &AuthError, realm: Option<&str>) -> Option<String> {
        self.router.www_authenticate(error, realm)
    }

    /// [`AuthError::response`] with this verifier's challenge
    /// ([`www_authenticate`](Self::www_authenticate)).
    pub fn error_response(&self, error: &AuthError, realm: Option<&str>) -> ErrorResponse {
        self.router.error_response(error, realm)
    }

    /// Judges `route`'s requirements on claims this verifier returned, with
    /// the configured ones of the issuer that verified them.
    pub fn authorize(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError> {
        let index = self
            .router
            .route_claims(claims)
            .ok_or(AuthError::InvalidIssuer)?;
        self.routed(index)?.authorize(claims, route)
    }

    /// Verifies a request and answers a refusal as a ready response, as
    /// [`JwtVerifier::verify_request`] does.
    // The ready response is what the caller returns at once: boxing it gains nothing.
    #[allow(clippy::result_large_err)]
    pub fn verify_request<B>(
        &self,
        request: &Request<B>,
        realm: Option<&str>,
    ) -> Result<Claims, Response<String>> {
        let uri = request.uri().to_string();
        let incoming = IncomingRequest::new(request.method().as_str(), &uri, request.headers());
        let verified = self.verify_incoming(&incoming, &Requirements::new());
        answer_refusal(verified, |error| self.error_response(error, realm))
    }

    /// Whether every issuer's keys are cached and usable (after fetching
    /// them when rule 8 says so), each asked in turn.
    pub fn healthcheck(&self, refresh: bool) -> bool {
        let mut healthy = true;
        for verifier in &self.verifiers {
            healthy &= verifier.healthcheck(refresh);
        }
        healthy
    }

    /// The status of `issuer`'s key source and counters (a token refused
    /// before it was routed counts in none).
    pub fn status(&self, issuer: &str) -> Option<Status> {
        self.verifier(issuer).map(JwtVerifier::status)
    }

    /// Waits until no issuer has a refresh under way.
    pub fn wait_for_refresh(&self) {
        for verifier in &self.verifiers {
            verifier.wait_for_refresh();
        }
    }

    /// Stops all I/O of every issuer, as [`JwtVerifier::close`].
    pub fn close(&self) {
        for verifier in &self.verifiers {
            verifier.close();
        }
    }

    /// The verifier at a position the router gave.
    fn routed(&self, index: usize) -> Result<&JwtVerifier<E>, AuthError> {
        self.verifiers.get(index).ok_or(AuthError::InvalidIssuer)
    }
}
