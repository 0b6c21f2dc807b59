//! Framework integrations of the async driver
//! ([`oidc_jwt_verifier_async`]): routes protected by its verifiers, with
//! every rule the core's; this crate is glue.
//!
//! - feature `tower`: [`tower::AuthLayer`], a layer verifying every request
//!   (any tower-based server: axum, hyper-util, tonic);
//! - feature `axum` (implies `tower`): extractors of the verified claims;
//! - feature `actix`: [`actix::AuthMiddleware`] and extractors for
//!   actix-web 4.
//!
//! The layer and the middleware are one type, `AuthGuard`, over an
//! [`AsyncJwtVerifier`](oidc_jwt_verifier_async::AsyncJwtVerifier) or an
//! [`AsyncMultiIssuerVerifier`](oidc_jwt_verifier_async::AsyncMultiIssuerVerifier)
//! ([`RequestVerifier`]). Each request is verified whole: its method, its
//! absolute URI (built from the configured [`PublicOrigin`] and the
//! request's path: DPoP, RFC 9449), its header fields and the
//! [`ClientCertificate`] of its TLS connection (certificate-bound tokens,
//! RFC 8705). A refusal carries the verifier's own challenge (`DPoP` with
//! its `algs` when DPoP is on).
//!
//! # The public origin, and forwarded headers
//!
//! A server sees the path of a request, not the URI its client addressed.
//! The scheme and host come from configuration
//! ([`AuthGuard::public_origin`]), never from the request: `Host`, an
//! absolute-form request target, HTTP/2's `:authority`,
//! `X-Forwarded-Host`, `X-Forwarded-Proto` and `Forwarded` are all chosen
//! by the client (or by whoever reaches the server around its proxy), and
//! trusting them would let a proof made for another service pass here.
//! Without a public origin the URI is the request's path alone, which no
//! proof's `htu` matches: DPoP requests are refused (`invalid_dpop_proof`,
//! logged with a hint), bearer and certificate-bound tokens are not
//! affected.
//!
//! With axum, a layer inside a nested router (`Router::nest`) sees the
//! path with the nest's prefix removed: put the layer on the outer router
//! (or around the nested one), where the path is the one the client sent,
//! or DPoP proofs will not match there.
//!
//! # Client certificates
//!
//! A certificate-bound token (`cnf.x5t#S256`) needs the DER of the client
//! certificate the TLS connection presented, as a [`ClientCertificate`];
//! the integrations do not terminate TLS and never read a certificate
//! from a header field.
//!
//! - tower and axum: the server's TLS acceptor (or the per-connection
//!   service it builds) inserts it in each request's extensions before the
//!   layer runs.
//! - actix-web: `HttpServer::on_connect(|connection, data| ..)` downcasts
//!   `connection` to the TLS stream type of the server's acceptor (with
//!   rustls `actix_tls::accept::rustls_0_23::TlsStream<TcpStream>`, whose
//!   `get_ref().1.peer_certificates()` holds the chain; with openssl
//!   `actix_tls::accept::openssl::TlsStream<TcpStream>` and
//!   `ssl().peer_certificate()`) and inserts the leaf's DER as a
//!   `ClientCertificate` in `data`; the middleware reads it with
//!   `HttpRequest::conn_data` (or from the request's extensions).
//!
//! # TLS stack and signature backend
//!
//! Features `native-tls` or `rustls`, and `openssl` or `aws-lc`, exactly
//! one of each (default `native-tls`, `openssl`), forwarded to the async
//! driver.
#![forbid(unsafe_code)]

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;
mod certificate;
#[cfg(any(feature = "tower", feature = "actix"))]
mod guard;
mod origin;
#[cfg(any(feature = "tower", feature = "actix"))]
mod protection;
mod rejection;
#[cfg(feature = "tower")]
pub mod tower;
mod verifier;

pub use certificate::ClientCertificate;
#[cfg(any(feature = "tower", feature = "actix"))]
pub use guard::AuthGuard;
pub use origin::{OriginError, PublicOrigin};
pub use rejection::{AuthRejection, Unauthenticated};
pub use verifier::RequestVerifier;
