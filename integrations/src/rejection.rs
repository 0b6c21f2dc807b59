//! What the extractors answer: [`AuthRejection`], and what a layer left in
//! a request for them ([`Unauthenticated`], the claims).

use oidc_jwt_verifier_async::http_types::{header, HeaderValue, Response, StatusCode};
#[cfg(any(feature = "axum", feature = "actix"))]
use oidc_jwt_verifier_async::Claims;
use oidc_jwt_verifier_async::{AuthError, ErrorResponse};

/// Put in a request's extensions, in place of its [`Claims`], by an
/// optional layer that found no credentials: the request goes on
/// unauthenticated, and an extractor that needs claims answers
/// `missing_token` with the layer's realm and its verifier's challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unauthenticated {
    pub(crate) realm: Option<String>,
    pub(crate) response: ErrorResponse,
}

impl Unauthenticated {
    /// The realm of the layer that let the request through.
    pub fn realm(&self) -> Option<&str> {
        self.realm.as_deref()
    }

    /// The answer to a request that needed credentials it did not bring.
    pub fn refusal(&self) -> Response<String> {
        self.response.clone().into_http()
    }
}

/// Why an extractor refused a request.
#[derive(Debug)]
pub enum AuthRejection {
    /// Refused by the rules: answered as [`AuthError::response`] says,
    /// with `realm` (a `Bearer` challenge). What `?` on an [`AuthError`]
    /// gives.
    Refused {
        /// The error.
        error: AuthError,
        /// The realm of the challenge.
        realm: Option<String>,
    },
    /// Refused by the rules, answered with a verifier's own response (its
    /// `DPoP` challenge when DPoP is on).
    Answered {
        /// The error.
        error: AuthError,
        /// The answer.
        response: ErrorResponse,
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
            AuthRejection::Refused { error, .. } | AuthRejection::Answered { error, .. } => {
                write!(f, "{}: {error}", error.code())
            }
            AuthRejection::NoAuthLayer => f.write_str("no authentication layer ran for this route"),
        }
    }
}

impl std::error::Error for AuthRejection {}

impl AuthRejection {
    /// The refusal of `error` as `verifier` answers it (with `realm`).
    pub fn by<V: crate::RequestVerifier>(
        verifier: &V,
        error: AuthError,
        realm: Option<&str>,
    ) -> Self {
        let response = verifier.error_response(&error, realm);
        AuthRejection::Answered { error, response }
    }

    /// The HTTP answer: the error's status, challenge and JSON body, or for
    /// a missing layer a 500 `{"error":"server_error", ...}`. Server-side
    /// refusals (503, 500, a missing layer) are logged first.
    pub fn to_http(&self) -> Response<String> {
        match self {
            AuthRejection::Refused { error, realm } => {
                error.emit();
                error.response(realm.as_deref()).into_http()
            }
            AuthRejection::Answered { error, response } => {
                error.emit();
                response.clone().into_http()
            }
            AuthRejection::NoAuthLayer => no_auth_layer(),
        }
    }

    /// The status [`to_http`](Self::to_http) answers with.
    #[cfg(feature = "actix")]
    pub(crate) fn to_http_status(&self) -> u16 {
        match self {
            AuthRejection::Refused { error, .. } | AuthRejection::Answered { error, .. } => {
                error.status()
            }
            AuthRejection::NoAuthLayer => 500,
        }
    }
}

/// The 500 of a route no layer covers, logged.
fn no_auth_layer() -> Response<String> {
    tracing::error!(
        target: oidc_jwt_verifier_async::TRACING_TARGET,
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
            (None, Some(marker)) => Left::Unauthenticated(AuthRejection::Answered {
                error: AuthError::MissingToken,
                response: marker.response.clone(),
            }),
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
