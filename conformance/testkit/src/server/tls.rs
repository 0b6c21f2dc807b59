//! The TLS acceptor a scripted server serves HTTPS with: a certificate for
//! loopback issued by a [`TestCa`].

use std::fmt;
use std::sync::Arc;

use openssl::ssl::{SslAcceptor, SslMethod};

use super::error::ServerError;
use crate::ca::TestCa;

/// A CA generated for a test run and the server certificate it issued for
/// `127.0.0.1`, `::1` and `localhost`: what a [`ScriptedServer`] serves
/// HTTPS with. Cloning shares it; hand one to
/// [`ScriptedServer::start_with_tls`] to start many servers with one CA.
///
/// [`ScriptedServer`]: super::ScriptedServer
/// [`ScriptedServer::start_with_tls`]: super::ScriptedServer::start_with_tls
#[derive(Clone)]
pub struct ServerTls {
    inner: Arc<RunTls>,
}

struct RunTls {
    ca_pem: String,
    acceptor: SslAcceptor,
}

impl ServerTls {
    /// Generates a CA, a server certificate it issues and the acceptor that
    /// serves it.
    pub fn generate() -> Result<Self, ServerError> {
        Self::issued_by(&TestCa::generate()?)
    }

    /// A server certificate issued by `ca` (which the client trusts) and
    /// the acceptor that serves it.
    pub fn issued_by(ca: &TestCa) -> Result<Self, ServerError> {
        let identity = ca.server_identity()?;
        let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
        acceptor.set_private_key(identity.private_key())?;
        acceptor.set_certificate(identity.certificate())?;
        acceptor.check_private_key()?;
        Ok(Self {
            inner: Arc::new(RunTls {
                ca_pem: ca.ca_pem().to_owned(),
                acceptor: acceptor.build(),
            }),
        })
    }

    /// The PEM of the CA: trust it in the client under test.
    pub fn ca_pem(&self) -> &str {
        &self.inner.ca_pem
    }

    pub(crate) fn acceptor(&self) -> &SslAcceptor {
        &self.inner.acceptor
    }
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls").finish_non_exhaustive()
    }
}
