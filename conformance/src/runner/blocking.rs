//! The blocking layer: [`JwtVerifier`] (ureq) against a scripted loopback
//! server, one per case.

use oidc_jwt_verifier_blocking::JwtVerifier;
use oidc_jwt_verifier_core::http_types::HeaderMap;
use oidc_jwt_verifier_core::{AuthError, Claims, IncomingRequest, Requirements, SigningKey};

use super::sockets::{build_failure, start_world, Driver, DriverSetup};
use super::{Layer, StartError, World};
use crate::case::Case;

/// Drives the blocking driver ([`JwtVerifier`]) over real sockets.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockingLayer;

impl Layer for BlockingLayer {
    fn name(&self) -> &str {
        "blocking"
    }

    fn start(&self, case: &Case) -> Result<Box<dyn World + '_>, StartError> {
        start_world(case, build_blocking)
    }
}

/// The blocking verifier of a case: the case's clock, the test CA as its
/// only root.
pub(crate) fn build_blocking(setup: DriverSetup<'_>) -> Result<JwtVerifier, String> {
    JwtVerifier::builder(setup.config)
        .clock(setup.clock)
        .root_certificate_pem(setup.ca_pem.as_bytes())
        .build()
        .map_err(build_failure)
}

impl Driver for JwtVerifier {
    fn verify_token(&self, token: &str) -> Result<Claims, AuthError> {
        self.verify_access_token(token)
    }

    fn verify_header(&self, header: Option<&str>) -> Result<Claims, AuthError> {
        self.verify_authorization_header(header)
    }

    fn verify_headers(
        &self,
        headers: &HeaderMap,
        route: &Requirements,
    ) -> Result<Claims, AuthError> {
        JwtVerifier::verify_headers(self, headers, route)
    }

    fn verify_incoming(
        &self,
        request: &IncomingRequest<'_>,
        route: &Requirements,
    ) -> Result<Claims, AuthError> {
        JwtVerifier::verify_incoming(self, request, route)
    }

    fn signing_keys(&self, refresh: bool) -> Result<Vec<SigningKey>, AuthError> {
        self.get_signing_keys(refresh)
    }

    fn healthcheck(&self, refresh: bool) -> bool {
        JwtVerifier::healthcheck(self, refresh)
    }

    fn wait_for_refresh(&self) {
        JwtVerifier::wait_for_refresh(self);
    }
}
