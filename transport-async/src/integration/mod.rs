//! What the framework integrations share: the verifier they run over
//! ([`RequestVerifier`], one issuer or several), and the one decision every
//! protected request gets, whatever the framework. Every rule is the
//! core's; this is glue.

use std::future::Future;
use std::sync::Arc;

use oidc_jwt_verifier_core::http_types::{header, HeaderMap, HeaderValue, Response, StatusCode};
use oidc_jwt_verifier_core::{AuthError, Claims, Requirements};

use crate::{AsyncJwtVerifier, AsyncMultiIssuerVerifier};

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "tower")]
pub mod tower;

/// A verifier the integrations can protect routes with:
/// [`AsyncJwtVerifier`] (one issuer) or [`AsyncMultiIssuerVerifier`]
/// (several).
pub trait RequestVerifier: Send + Sync + 'static {
    /// Verifies the token the request's header fields carry (the configured
    /// `token_sources`), with `route`'s requirements on top of the
    /// configured ones.
    fn verify_request_headers<'a>(
        &'a self,
        headers: &'a HeaderMap,
        route: &'a Requirements,
    ) -> impl Future<Output = Result<Claims, AuthError>> + Send + 'a;

    /// Judges `route`'s requirements on claims this verifier returned.
    fn authorize_claims(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError>;
}

impl RequestVerifier for AsyncJwtVerifier {
    fn verify_request_headers<'a>(
        &'a self,
        headers: &'a HeaderMap,
        route: &'a Requirements,
    ) -> impl Future<Output = Result<Claims, AuthError>> + Send + 'a {
        self.verify_headers(headers, route)
    }

    fn authorize_claims(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError> {
        self.authorize(claims, route)
    }
}

impl RequestVerifier for AsyncMultiIssuerVerifier {
    fn verify_request_headers<'a>(
        &'a self,
        headers: &'a HeaderMap,
        route: &'a Requirements,
    ) -> impl Future<Output = Result<Claims, AuthError>> + Send + 'a {
        self.verify_headers(headers, route)
    }

    fn authorize_claims(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError> {
        self.authorize(claims, route)
    }
}

/// Put in a request's extensions, in place of its [`Claims`], by an
/// optional layer that found no credentials: the request goes on
/// unauthenticated, and an extractor that needs claims answers
/// `missing_token` with the layer's realm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unauthenticated {
    realm: Option<Arc<str>>,
}

impl Unauthenticated {
    /// The realm of the layer that let the request through.
    pub fn realm(&self) -> Option<&str> {
        self.realm.as_deref()
    }

    /// The answer to a request that needed credentials it did not bring.
    pub fn refusal(&self) -> Response<String> {
        AuthError::MissingToken.response(self.realm()).into_http()
    }
}

/// Why an extractor refused a request.
#[derive(Debug)]
pub enum AuthRejection {
    /// Refused by the rules: answered as [`AuthError::response`] says,
    /// with `realm`.
    Refused {
        /// The error.
        error: AuthError,
        /// The realm of the challenge.
        realm: Option<String>,
    },
    /// No layer or middleware of this crate ran for the request: the route
    /// was left unprotected by mistake. Answered with 500, never with the
    /// handler's answer.
    NoAuthLayer,
}

impl From<AuthError> for AuthRejection {
    /// The refusal for `error`, with no realm.
    fn from(error: AuthError) -> Self {
        AuthRejection::Refused { error, realm: None }
    }
}

impl std::fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthRejection::Refused { error, .. } => write!(f, "{}: {error}", error.code()),
            AuthRejection::NoAuthLayer => f.write_str("no authentication layer ran for this route"),
        }
    }
}

impl std::error::Error for AuthRejection {}

impl AuthRejection {
    /// The HTTP answer: the error's status, challenge and JSON body, or for
    /// a missing layer a 500 `{"error":"server_error", ...}`. Server-side
    /// refusals (503, 500, a missing layer) are logged first.
    pub fn to_http(&self) -> Response<String> {
        match self {
            AuthRejection::Refused { error, realm } => {
                error.emit();
                error.response(realm.as_deref()).into_http()
            }
            AuthRejection::NoAuthLayer => {
                tracing::error!(
                    target: oidc_jwt_verifier_core::TRACING_TARGET,
                    event = "no_auth_layer",
                    "an extractor of verified claims ran on a route no layer of this crate covers"
                );
                let body = r#"{"error":"server_error","error_description":"Authentication is not set up for this route"}"#;
                let mut response = Response::new(body.to_owned());
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                response
            }
        }
    }

    /// The status [`to_http`](Self::to_http) answers with.
    #[cfg(feature = "actix")]
    pub(crate) fn to_http_status(&self) -> u16 {
        match self {
            AuthRejection::Refused { error, .. } => error.status(),
            AuthRejection::NoAuthLayer => 500,
        }
    }

    /// The refusal of a request an optional layer let through without
    /// credentials, to an extractor that needs claims.
    #[cfg(any(feature = "axum", feature = "actix"))]
    fn unauthenticated(marker: &Unauthenticated) -> Self {
        AuthRejection::Refused {
            error: AuthError::MissingToken,
            realm: marker.realm().map(str::to_owned),
        }
    }
}

/// What a layer left in a request's extensions, for the extractors.
#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) enum Left {
    /// The verified claims.
    Claims(Claims),
    /// An optional layer let it through without credentials: the refusal
    /// for an extractor that needs claims.
    Unauthenticated(AuthRejection),
    /// No layer ran.
    Nothing,
}

#[cfg(any(feature = "axum", feature = "actix"))]
impl Left {
    /// Read from the two extensions a layer may have put.
    pub(crate) fn from(claims: Option<&Claims>, marker: Option<&Unauthenticated>) -> Self {
        match (claims, marker) {
            (Some(claims), _) => Left::Claims(claims.clone()),
            (None, Some(marker)) => Left::Unauthenticated(AuthRejection::unauthenticated(marker)),
            (None, None) => Left::Nothing,
        }
    }

    /// For an extractor that needs claims.
    pub(crate) fn required(self) -> Result<Claims, AuthRejection> {
        match self {
            Left::Claims(claims) => Ok(claims),
            Left::Unauthenticated(rejection) => Err(rejection),
            Left::Nothing => Err(AuthRejection::NoAuthLayer),
        }
    }

    /// For an extractor that takes claims when there are: `None` for a
    /// request let through unauthenticated, still a refusal when no layer
    /// ran (fail closed).
    pub(crate) fn optional(self) -> Result<Option<Claims>, AuthRejection> {
        match self {
            Left::Claims(claims) => Ok(Some(claims)),
            Left::Unauthenticated(_) => Ok(None),
            Left::Nothing => Err(AuthRejection::NoAuthLayer),
        }
    }
}

/// The claims as `T`, or the 500 of `claims_type_mismatch`.
#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) fn typed<T: serde::de::DeserializeOwned>(claims: &Claims) -> Result<T, AuthRejection> {
    claims.deserialize().map_err(AuthRejection::from)
}

/// How a protected route answers: its realm, its own requirements, and
/// whether a request without credentials may pass.
#[derive(Debug, Clone, Default)]
pub(crate) struct Protection {
    pub(crate) realm: Option<Arc<str>>,
    pub(crate) route: Requirements,
    pub(crate) optional: bool,
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
    /// The decision for a request with `headers`, whose extensions may
    /// hold `claims` an outer layer verified (then only the route's
    /// requirements are judged, on them).
    pub(crate) async fn decide<V: RequestVerifier>(
        &self,
        verifier: &V,
        headers: &HeaderMap,
        claims: Option<&Claims>,
    ) -> Decision {
        let verified = match claims {
            Some(claims) => match verifier.authorize_claims(claims, &self.route) {
                Ok(()) => return Decision::AlreadyVerified,
                Err(error) => Err(error),
            },
            None => verifier.verify_request_headers(headers, &self.route).await,
        };
        match verified {
            Ok(claims) => Decision::Authenticated(claims),
            // "No credentials" is exactly missing_token (the rules,
            // "Optional authentication"); every other refusal stands.
            Err(AuthError::MissingToken) if self.optional => {
                Decision::Unauthenticated(Unauthenticated {
                    realm: self.realm.clone(),
                })
            }
            Err(error) => {
                error.emit();
                Decision::Refused(error.response(self.realm.as_deref()).into_http())
            }
        }
    }
}
