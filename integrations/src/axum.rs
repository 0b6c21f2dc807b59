//! axum extractors over what [`AuthLayer`](crate::tower::AuthLayer) put
//! in a request (feature `axum`, which implies `tower`).
//!
//! - [`Authenticated`]: the verified [`Claims`];
//! - [`AuthenticatedAs<T>`]: the verified claims as the caller's own type;
//! - `Option<Authenticated>` and `Option<AuthenticatedAs<T>>`: `None` for a
//!   request an [optional](crate::AuthGuard::optional) layer let
//!   through without credentials.
//!
//! The extractors never verify anything themselves: they read what the
//! layer decided, so each request is verified once, in one place, with one
//! realm and one optional-or-not setting. A handler whose route no
//! `AuthLayer` covers answers 500 (a server misconfiguration, logged),
//! never 200: forgetting the layer fails closed.
//!
//! A route's own requirements go either on a layer
//! (`AuthLayer::new(verifier).require(..)` as a `route_layer`), or in the
//! handler: `verifier.authorize(&claims, &route)?` (the [`AuthRejection`]
//! a `?` makes of the error is the exact 403).

use oidc_jwt_verifier_async::Claims;
use serde::de::DeserializeOwned;

use axum_core::body::Body;
use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use oidc_jwt_verifier_async::http_types::request::Parts;

use crate::rejection::{typed, Left};
pub use crate::{AuthRejection, Unauthenticated};

/// The claims of the request's verified token.
#[derive(Debug, Clone, PartialEq)]
pub struct Authenticated(pub Claims);

/// The claims of the request's verified token, deserialized into `T`.
///
/// Claims that do not fit `T` are `claims_type_mismatch`: answered with 500
/// and logged with serde's message (the token was valid; the type cannot
/// hold what the issuer signs).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticatedAs<T>(pub T);

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        self.to_http().map(Body::from)
    }
}

fn left(parts: &Parts) -> Left {
    Left::from(
        parts.extensions.get::<Claims>(),
        parts.extensions.get::<Unauthenticated>(),
    )
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        left(parts).required().map(Authenticated)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Authenticated {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(left(parts).optional()?.map(Authenticated))
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for AuthenticatedAs<T> {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        typed(&left(parts).required()?).map(AuthenticatedAs)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> OptionalFromRequestParts<S> for AuthenticatedAs<T> {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        left(parts)
            .optional()?
            .map(|claims| typed(&claims).map(AuthenticatedAs))
            .transpose()
    }
}
