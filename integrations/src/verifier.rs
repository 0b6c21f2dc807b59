//! [`RequestVerifier`]: what the integrations need of a verifier, for one
//! issuer or several.

use std::future::Future;

use oidc_jwt_verifier_async::{
    AsyncJwtVerifier, AsyncMultiIssuerVerifier, AuthError, Claims, ErrorResponse, IncomingRequest,
    Requirements,
};

/// A verifier the integrations can protect routes with:
/// [`AsyncJwtVerifier`] (one issuer) or [`AsyncMultiIssuerVerifier`]
/// (several).
pub trait RequestVerifier: Send + Sync + 'static {
    /// Verifies a whole request (its method, absolute URI, header fields
    /// and client certificate: bearer, DPoP and certificate-bound tokens),
    /// with `route`'s requirements on top of the configured ones.
    fn verify_incoming<'a>(
        &'a self,
        request: &'a IncomingRequest<'a>,
        route: &'a Requirements,
    ) -> impl Future<Output = Result<Claims, AuthError>> + Send + 'a;

    /// The answer to `error` under this verifier's configuration: with
    /// DPoP on, its `DPoP` challenge (and `algs`).
    fn error_response(&self, error: &AuthError, realm: Option<&str>) -> ErrorResponse;

    /// Judges `route`'s requirements on claims this verifier returned.
    fn authorize_claims(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError>;
}

impl RequestVerifier for AsyncJwtVerifier {
    fn verify_incoming<'a>(
        &'a self,
        request: &'a IncomingRequest<'a>,
        route: &'a Requirements,
    ) -> impl Future<Output = Result<Claims, AuthError>> + Send + 'a {
        AsyncJwtVerifier::verify_incoming(self, request, route)
    }

    fn error_response(&self, error: &AuthError, realm: Option<&str>) -> ErrorResponse {
        AsyncJwtVerifier::error_response(self, error, realm)
    }

    fn authorize_claims(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError> {
        self.authorize(claims, route)
    }
}

impl RequestVerifier for AsyncMultiIssuerVerifier {
    fn verify_incoming<'a>(
        &'a self,
        request: &'a IncomingRequest<'a>,
        route: &'a Requirements,
    ) -> impl Future<Output = Result<Claims, AuthError>> + Send + 'a {
        AsyncMultiIssuerVerifier::verify_incoming(self, request, route)
    }

    fn error_response(&self, error: &AuthError, realm: Option<&str>) -> ErrorResponse {
        AsyncMultiIssuerVerifier::error_response(self, error, realm)
    }

    fn authorize_claims(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError> {
        self.authorize(claims, route)
    }
}
