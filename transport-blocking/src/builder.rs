//! [`Builder`]: the options of a [`JwtVerifier`] or [`JwksClient`] beyond its
//! configuration.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use oidc_jwt_verifier_core::{AuthConfig, Clock, SystemClock, Verifier};

use crate::engine::Engine;
use crate::http::{self, HttpClient};
use crate::{tls, BuildError, JwksClient, JwtVerifier};

/// Options for a [`JwtVerifier`] (from [`JwtVerifier::builder`]) or a
/// [`JwksClient`] (from [`JwksClient::builder`]).
pub struct Builder<T> {
    config: AuthConfig,
    clock: Arc<dyn Clock>,
    root_certificates_pem: Option<Vec<u8>>,
    client: Option<HttpClient>,
    built: PhantomData<fn() -> T>,
}

impl<T> Builder<T> {
    pub(crate) fn new(config: AuthConfig) -> Self {
        Builder {
            config,
            clock: Arc::new(SystemClock),
            root_certificates_pem: None,
            client: None,
            built: PhantomData,
        }
    }

    /// Reads time from `clock` instead of the system clocks.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Trusts the certificates of this PEM bundle as the only TLS roots, in
    /// place of the system's. May be called again to add more.
    pub fn root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.root_certificates_pem
            .get_or_insert_with(Vec::new)
            .extend_from_slice(pem);
        self
    }

    /// Uses the caller's HTTP client instead of building one.
    pub fn http_client(mut self, client: HttpClient) -> Self {
        self.client = Some(client);
        self
    }

    fn engine(self) -> Result<Engine, BuildError> {
        let core = Verifier::new(self.config)?;
        let client = match (self.client, self.root_certificates_pem) {
            (Some(_), Some(_)) => return Err(BuildError::RootCertificateWithHttpClient),
            (Some(agent), None) => http::Client::callers(agent),
            (None, pem) => {
                let roots = pem
                    .map(|pem| oidc_jwt_verifier_core::root_certificates_from_pem(&pem))
                    .transpose()?;
                // Surfaces a TLS setup failure now rather than at the first fetch.
                tls::connector(roots.as_deref())?;
                http::Client::own(roots, core.http_timeout())
            }
        };
        Ok(Engine::new(core, self.clock, client))
    }
}

impl Builder<JwtVerifier> {
    /// Validates the configuration and builds the verifier.
    pub fn build(self) -> Result<JwtVerifier, BuildError> {
        Ok(JwtVerifier {
            engine: self.engine()?,
        })
    }
}

impl Builder<JwksClient> {
    /// Validates the configuration and builds the key client.
    pub fn build(self) -> Result<JwksClient, BuildError> {
        Ok(JwksClient {
            engine: self.engine()?,
        })
    }
}

impl<T> fmt::Debug for Builder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("config", &self.config)
            .field("root_certificates", &self.root_certificates_pem.is_some())
            .field("http_client", &self.client.is_some())
            .finish_non_exhaustive()
    }
}
