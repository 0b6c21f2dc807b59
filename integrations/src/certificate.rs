//! [`ClientCertificate`]: the certificate a TLS client presented, for
//! certificate-bound tokens (RFC 8705, `cnf.x5t#S256`).

use std::sync::Arc;

/// The DER encoding of the certificate the client presented on the TLS
/// connection a request came over (the leaf, the first of the chain).
///
/// The integrations never terminate TLS: the server's TLS acceptor knows
/// the certificate and hands it over. With tower and axum, put it in the
/// request's extensions (`request.extensions_mut().insert(..)`) before the
/// layer runs; with actix-web, store it for the connection from
/// `HttpServer::on_connect` (see the crate's documentation), or in the
/// request's extensions. A request without one verifies as one over a
/// connection without a client certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    der: Arc<[u8]>,
}

impl ClientCertificate {
    /// The certificate whose DER encoding is `der`. It is not parsed: the
    /// binding compares the SHA-256 of these bytes.
    pub fn new(der: impl Into<Arc<[u8]>>) -> Self {
        ClientCertificate { der: der.into() }
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}
