//! [`Builder`]: the options of a [`JwtVerifier`] or [`JwksClient`] beyond its
//! configuration.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use oidc_jwt_verifier_core::{AuthConfig, Clock, SystemClock, TransportOptions, Verifier};

use crate::engine::Engine;
use crate::http::{self, HttpClient};
use crate::{BuildError, JwksClient, JwtVerifier};

/// Options for a [`JwtVerifier`] (from [`JwtVerifier::builder`]) or a
/// [`JwksClient`] (from [`JwksClient::builder`]).
pub struct Builder<T> {
    config: AuthConfig,
    clock: Arc<dyn Clock>,
    transport: TransportOptions,
    client: Option<HttpClient>,
    built: PhantomData<fn() -> T>,
}

impl<T> Builder<T> {
    pub(crate) fn new(config: AuthConfig) -> Self {
        Builder {
            config,
            clock: Arc::new(SystemClock),
            transport: TransportOptions::default(),
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
    /// place of the platform's (which are then never loaded). May be called
    /// again to add more.
    pub fn root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.transport.add_root_certificate_pem(pem);
        self
    }

    /// Trusts Mozilla's roots, compiled into this crate, in place of the
    /// platform's (for an image without a root store, say).
    pub fn webpki_roots(mut self) -> Self {
        self.transport.use_webpki_roots();
        self
    }

    /// Tunnels every `https` request through the HTTP proxy of `url`
    /// (`http://[user:password@]host[:port]`, the credentials sent as Basic
    /// auth), with `CONNECT`. Without this or [`Builder::proxy_from_env`],
    /// no proxy is used, whatever the environment says.
    pub fn proxy(mut self, url: &str) -> Self {
        self.transport.set_proxy(url);
        self
    }

    /// Tunnels `https` requests through the proxy `HTTPS_PROXY` (or
    /// `https_proxy`) names, if any, except to the hosts `NO_PROXY` (or
    /// `no_proxy`) exempts; the variables are read by `build`.
    pub fn proxy_from_env(mut self) -> Self {
        self.transport.set_proxy_from_env();
        self
    }

    /// Uses the caller's HTTP client instead of building one.
    pub fn http_client(mut self, client: HttpClient) -> Self {
        self.client = Some(client);
        self
    }

    fn engine(self) -> Result<Engine, BuildError> {
        let core = Verifier::new(self.config)?;
        let client = match self.client {
            Some(agent) => {
                self.transport.check_callers_client()?;
                http::Client::callers(agent)
            }
            None => {
                let transport = self.transport.resolve(std::env::var_os)?;
                http::Client::own(transport, core.http_timeout())?
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
            .field("transport", &self.transport)
            .field("http_client", &self.client.is_some())
            .finish_non_exhaustive()
    }
}
