//! [`AuthLayer`]: a `tower` layer that verifies every request before the
//! service it wraps sees it (feature `tower`).
//!
//! A verified request reaches the inner service with its [`Claims`] in the
//! request extensions; a refused one is answered by the layer: the error's
//! status, its `WWW-Authenticate` challenge (with the layer's realm) and
//! the JSON body of [`AuthError::response`](oidc_jwt_verifier_core::AuthError::response).
//! 503s (the issuer's keys cannot be had) and 500s are logged through
//! `tracing` with their cause.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use oidc_jwt_verifier_core::http_types::{Request, Response};
use oidc_jwt_verifier_core::{Claims, Requirements};
use tower_layer::Layer;
use tower_service::Service;

use super::{Decision, Protection, RequestVerifier};

/// Verifies every request with `V` ([`AsyncJwtVerifier`](crate::AsyncJwtVerifier)
/// or [`AsyncMultiIssuerVerifier`](crate::AsyncMultiIssuerVerifier)).
///
/// - A request whose extensions already hold [`Claims`] (an outer
///   `AuthLayer` verified it) is not verified again: only this layer's own
///   [`require`](Self::require)ments are judged on those claims. So one
///   layer on the whole router and one per route with more requirements
///   verify each token once.
/// - [`optional`](Self::optional): a request with no credentials
///   (`missing_token`) goes on unauthenticated, with [`Unauthenticated`]
///   in its extensions; bad credentials are still refused.
///
/// [`Unauthenticated`]: super::Unauthenticated
#[derive(Debug)]
pub struct AuthLayer<V> {
    verifier: Arc<V>,
    protection: Arc<Protection>,
}

impl<V> Clone for AuthLayer<V> {
    fn clone(&self) -> Self {
        AuthLayer {
            verifier: Arc::clone(&self.verifier),
            protection: Arc::clone(&self.protection),
        }
    }
}

impl<V: RequestVerifier> AuthLayer<V> {
    /// A layer that requires a valid token on every request.
    pub fn new(verifier: Arc<V>) -> Self {
        AuthLayer {
            verifier,
            protection: Arc::default(),
        }
    }

    /// Names `realm` in every challenge (`Bearer realm="..."`).
    pub fn realm(self, realm: impl Into<String>) -> Self {
        self.protect(|protection| protection.realm = Some(Arc::from(realm.into())))
    }

    /// Also requires `route`'s scopes and permissions (on top of the
    /// configured ones): a token lacking one is refused with the 403 whose
    /// challenge lists every value required.
    pub fn require(self, route: Requirements) -> Self {
        self.protect(|protection| protection.route = route)
    }

    /// Lets requests without credentials through unauthenticated.
    pub fn optional(self) -> Self {
        self.protect(|protection| protection.optional = true)
    }

    fn protect(mut self, change: impl FnOnce(&mut Protection)) -> Self {
        change(Arc::make_mut(&mut self.protection));
        self
    }
}

impl<S, V> Layer<S> for AuthLayer<V> {
    type Service = AuthService<S, V>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            verifier: Arc::clone(&self.verifier),
            protection: Arc::clone(&self.protection),
        }
    }
}

/// The service [`AuthLayer`] wraps around another.
#[derive(Debug)]
pub struct AuthService<S, V> {
    inner: S,
    verifier: Arc<V>,
    protection: Arc<Protection>,
}

impl<S: Clone, V> Clone for AuthService<S, V> {
    fn clone(&self) -> Self {
        AuthService {
            inner: self.inner.clone(),
            verifier: Arc::clone(&self.verifier),
            protection: Arc::clone(&self.protection),
        }
    }
}

/// The future of an [`AuthService`] call.
pub type AuthFuture<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

impl<S, V, ReqBody, ResBody> Service<Request<ReqBody>> for AuthService<S, V>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    V: RequestVerifier,
    ReqBody: Send + 'static,
    ResBody: From<String>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = AuthFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clone that was polled ready serves this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let (verifier, protection) = (Arc::clone(&self.verifier), Arc::clone(&self.protection));
        Box::pin(async move {
            // The head alone is borrowed across the verification: a body
            // need not be `Sync`.
            let (mut head, body) = request.into_parts();
            let claims = head.extensions.get::<Claims>();
            match protection.decide(&*verifier, &head.headers, claims).await {
                Decision::Authenticated(claims) => {
                    head.extensions.insert(claims);
                }
                Decision::Unauthenticated(marker) => {
                    head.extensions.insert(marker);
                }
                Decision::AlreadyVerified => {}
                Decision::Refused(response) => return Ok(response.map(ResBody::from)),
            }
            inner.call(Request::from_parts(head, body)).await
        })
    }
}
