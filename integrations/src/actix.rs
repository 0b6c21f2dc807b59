//! actix-web 4: a middleware that verifies every request and extractors of
//! what it decided (feature `actix`), with the behaviour of the tower layer
//! and the axum extractors: claims in the request extensions, refusals
//! answered with status, challenge and JSON body, 503s and 500s logged,
//! optional auth, per-route requirements, one issuer or several.
//!
//! actix-web speaks `http` 0.2; the core reads `http` 1. The middleware
//! copies the request's header fields into the core's type (names and
//! values as bytes, nothing reinterpreted) and the answer back.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderName as ActixName, HeaderValue as ActixValue};
use actix_web::http::StatusCode as ActixStatus;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use oidc_jwt_verifier_async::http_types::{HeaderMap, HeaderName, HeaderValue, Response};
use oidc_jwt_verifier_async::Claims;
use serde::de::DeserializeOwned;

use crate::protection::{Decision, Protection, Seen};
use crate::rejection::{typed, Left};
use crate::{AuthGuard, ClientCertificate, RequestVerifier};
pub use crate::{AuthRejection, Unauthenticated};

/// The actix-web middleware (`.wrap(..)`): an [`AuthGuard`], configured as
/// its documentation says. Claims verified by an outer `AuthMiddleware`
/// are not verified again, only this one's own requirements judged on
/// them. The request's client certificate is the [`ClientCertificate`]
/// stored for its connection (`HttpServer::on_connect`, see the crate's
/// documentation) or, failing that, one in the request's extensions.
pub type AuthMiddleware<V> = AuthGuard<V>;

impl<S, B, V> Transform<S, ServiceRequest> for AuthGuard<V>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
    V: RequestVerifier,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = AuthMiddlewareService<S, V>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(AuthMiddlewareService {
            service: Rc::new(service),
            verifier: Arc::clone(&self.verifier),
            protection: Arc::clone(&self.protection),
        }))
    }
}

/// The service [`AuthMiddleware`] wraps around another.
#[derive(Debug)]
pub struct AuthMiddlewareService<S, V> {
    service: Rc<S>,
    verifier: Arc<V>,
    protection: Arc<Protection>,
}

/// The future of an [`AuthMiddlewareService`] call.
pub type AuthFuture<R> = Pin<Box<dyn Future<Output = Result<R, actix_web::Error>>>>;

impl<S, B, V> Service<ServiceRequest> for AuthMiddlewareService<S, V>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
    V: RequestVerifier,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = AuthFuture<Self::Response>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let (verifier, protection) = (Arc::clone(&self.verifier), Arc::clone(&self.protection));
        Box::pin(async move {
            let headers = core_headers(request.headers());
            // Extensions live in a RefCell: nothing of them is held across
            // the verification.
            let claims = request.extensions().get::<Claims>().cloned();
            let certificate = client_certificate(request.request());
            let seen = Seen {
                method: request.method().as_str(),
                path_and_query: request
                    .uri()
                    .path_and_query()
                    .map_or("/", |target| target.as_str()),
                headers: &headers,
                certificate: certificate.as_ref(),
            };
            let decision = protection.decide(&*verifier, seen, claims.as_ref()).await;
            match decision {
                Decision::Authenticated(claims) => {
                    request.extensions_mut().insert(claims);
                }
                Decision::Unauthenticated(marker) => {
                    request.extensions_mut().insert(marker);
                }
                Decision::AlreadyVerified => {}
                Decision::Refused(response) => {
                    let response = actix_response(response);
                    return Ok(request.into_response(response).map_into_right_body());
                }
            }
            let response = service.call(request).await?;
            Ok(response.map_into_left_body())
        })
    }
}

/// The certificate stored for the request's connection, else one in its
/// extensions.
fn client_certificate(request: &HttpRequest) -> Option<ClientCertificate> {
    request
        .conn_data::<ClientCertificate>()
        .cloned()
        .or_else(|| request.extensions().get::<ClientCertificate>().cloned())
}

/// actix-web's header fields as the core's `HeaderMap`, byte for byte.
fn core_headers(fields: &actix_web::http::header::HeaderMap) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(fields.len());
    for (name, value) in fields {
        // Both sides accept the same names and values; a field one of them
        // refused could not have been received.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_str().as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

/// The core's answer as actix-web's.
fn actix_response(response: Response<String>) -> HttpResponse {
    let (head, body) = response.into_parts();
    let status =
        ActixStatus::from_u16(head.status.as_u16()).unwrap_or(ActixStatus::INTERNAL_SERVER_ERROR);
    let mut answer = HttpResponse::build(status);
    for (name, value) in &head.headers {
        if let (Ok(name), Ok(value)) = (
            ActixName::from_bytes(name.as_str().as_bytes()),
            ActixValue::from_bytes(value.as_bytes()),
        ) {
            answer.insert_header((name, value));
        }
    }
    answer.body(body)
}

impl ResponseError for AuthRejection {
    fn status_code(&self) -> ActixStatus {
        ActixStatus::from_u16(self.to_http_status()).unwrap_or(ActixStatus::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        actix_response(self.to_http())
    }
}

/// The claims of the request's verified token.
#[derive(Debug, Clone, PartialEq)]
pub struct Authenticated(pub Claims);

/// The claims of the request's verified token, deserialized into `T`
/// (claims that do not fit are `claims_type_mismatch`, a logged 500).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticatedAs<T>(pub T);

/// The claims of the request's verified token, or `None` for a request an
/// optional middleware let through without credentials. Use it rather
/// than `Option<Authenticated>`, which actix-web makes `None` on any
/// refusal, a missing middleware included.
#[derive(Debug, Clone, PartialEq)]
pub struct MaybeAuthenticated(pub Option<Claims>);

fn left(request: &HttpRequest) -> Left {
    let extensions = request.extensions();
    Left::from(
        extensions.get::<Claims>(),
        extensions.get::<Unauthenticated>(),
    )
}

impl FromRequest for Authenticated {
    type Error = AuthRejection;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(left(request).required().map(Authenticated))
    }
}

impl<T: DeserializeOwned> FromRequest for AuthenticatedAs<T> {
    type Error = AuthRejection;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            left(request)
                .required()
                .and_then(|claims| typed(&claims))
                .map(AuthenticatedAs),
        )
    }
}

impl FromRequest for MaybeAuthenticated {
    type Error = AuthRejection;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(left(request).optional().map(MaybeAuthenticated))
    }
}
