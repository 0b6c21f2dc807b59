//! [`AuthLayer`]: a `tower` layer that verifies every request before the
//! service it wraps sees it (feature `tower`).
//!
//! A verified request reaches the inner service with its [`Claims`] in the
//! request extensions; a refused one is answered by the layer: the error's
//! status, its `WWW-Authenticate` challenge (with the layer's realm) and
//! the JSON body of the verifier's
//! [`error_response`](crate::RequestVerifier::error_response).
//! 503s (the issuer's keys cannot be had) and 500s are logged through
//! `tracing` with their cause.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use oidc_jwt_verifier_async::http_types::{Request, Response};
use oidc_jwt_verifier_async::Claims;
use tower_layer::Layer;
use tower_service::Service;

use crate::protection::{Decision, Protection, Seen};
use crate::{AuthGuard, ClientCertificate, RequestVerifier};

/// The tower layer: an [`AuthGuard`], configured as its documentation
/// says. The [`ClientCertificate`] in a request's extensions, when the
/// server's TLS acceptor put one there, is the request's client
/// certificate.
pub type AuthLayer<V> = AuthGuard<V>;

impl<S, V> Layer<S> for AuthGuard<V> {
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
            let path_and_query = head
                .uri
                .path_and_query()
                .map_or("/", |target| target.as_str());
            let seen = Seen {
                method: head.method.as_str(),
                path_and_query,
                headers: &head.headers,
                certificate: head.extensions.get::<ClientCertificate>(),
            };
            let claims = head.extensions.get::<Claims>();
            let decision = protection.decide(&*verifier, seen, claims).await;
            match decision {
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
