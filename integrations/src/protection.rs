//! The one decision every protected request gets, whatever the framework:
//! what a route requires ([`Protection`]), what the integration read of the
//! request ([`Seen`]), and what becomes of it ([`Decision`]).

use oidc_jwt_verifier_async::http_types::{HeaderMap, Response};
use oidc_jwt_verifier_async::{AuthError, Claims, DpopProblem, IncomingRequest, Requirements};

use crate::origin::{request_target, PublicOrigin};
use crate::{ClientCertificate, RequestVerifier, Unauthenticated};

/// How a protected route answers: its realm, its own requirements, whether
/// a request without credentials may pass, and the public origin its
/// requests' absolute URIs are built from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Protection {
    pub(crate) realm: Option<String>,
    pub(crate) route: Requirements,
    pub(crate) optional: bool,
    pub(crate) origin: Option<PublicOrigin>,
}

/// What an integration read of a request: its method, the path and query
/// of its target (never its authority: the client chose it), its header
/// fields and the client certificate its connection presented.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen<'r> {
    pub(crate) method: &'r str,
    pub(crate) path_and_query: &'r str,
    pub(crate) headers: &'r HeaderMap,
    pub(crate) certificate: Option<&'r ClientCertificate>,
}

/// What becomes of one request.
#[derive(Debug)]
pub(crate) enum Decision {
    /// Verified: its claims go into the request.
    Authenticated(Claims),
    /// Optional protection, no credentials: on, unauthenticated.
    Unauthenticated(Unauthenticated),
    /// Refused: answer this (a 503 or 500 logged with its cause first).
    Refused(Response<String>),
    /// An outer layer verified already and the route's requirements hold.
    AlreadyVerified,
}

impl Protection {
    /// The decision for the request `seen`, whose extensions may hold
    /// `claims` an outer layer verified (then only the route's
    /// requirements are judged, on them).
    pub(crate) async fn decide<V: RequestVerifier>(
        &self,
        verifier: &V,
        seen: Seen<'_>,
        claims: Option<&Claims>,
    ) -> Decision {
        let verified = match claims {
            Some(claims) => match verifier.authorize_claims(claims, &self.route) {
                Ok(()) => return Decision::AlreadyVerified,
                Err(error) => Err(error),
            },
            None => self.verify(verifier, seen).await,
        };
        match verified {
            Ok(claims) => Decision::Authenticated(claims),
            // "No credentials" is exactly missing_token (the rules,
            // "Optional authentication"); every other refusal stands.
            Err(AuthError::MissingToken) if self.optional => {
                Decision::Unauthenticated(Unauthenticated {
                    realm: self.realm.clone(),
                    response: verifier.error_response(&AuthError::MissingToken, self.realm()),
                })
            }
            Err(error) => {
                error.emit();
                self.warn_without_origin(&error);
                let response = verifier.error_response(&error, self.realm());
                Decision::Refused(response.into_http())
            }
        }
    }

    async fn verify<V: RequestVerifier>(
        &self,
        verifier: &V,
        seen: Seen<'_>,
    ) -> Result<Claims, AuthError> {
        let uri = request_target(self.origin.as_ref(), seen.path_and_query);
        let mut request = IncomingRequest::new(seen.method, &uri, seen.headers);
        if let Some(certificate) = seen.certificate {
            request = request.with_client_certificate(certificate.der());
        }
        verifier.verify_incoming(&request, &self.route).await
    }

    fn realm(&self) -> Option<&str> {
        self.realm.as_deref()
    }

    /// A proof refused for its `htu` by a layer with no public origin:
    /// the likely cause is the missing setting, said in the log.
    fn warn_without_origin(&self, error: &AuthError) {
        if self.origin.is_none() && error.dpop_problem() == Some(DpopProblem::Target) {
            tracing::warn!(
                target: oidc_jwt_verifier_async::TRACING_TARGET,
                event = "dpop_without_public_origin",
                "a DPoP proof was refused for its htu by a layer with no public origin: \
                 set public_origin so the request's absolute URI can be built"
            );
        }
    }
}
