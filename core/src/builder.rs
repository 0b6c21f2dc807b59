//! [`Builder`]: the options of a driver's handle beyond its configuration
//! (clock, TLS roots, proxy, the caller's HTTP client), the same in every
//! driver, and how they are validated and resolved before the driver sees
//! them. A driver only says what it builds from the result ([`Build`]).

use std::ffi::OsString;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::build::BuildError;
use crate::config::AuthConfig;
use crate::time::{Clock, SystemClock};
use crate::transport::{Transport, TransportOptions};
use crate::verifier::Verifier;

/// A driver's handle built from a [`Builder`]: how a driver plugs in.
pub trait Build: Sized {
    /// The driver's HTTP client type, taken by [`Builder::http_client`].
    type HttpClient;

    /// Builds the handle from the checked options.
    fn build(parts: BuildParts<Self::HttpClient>) -> Result<Self, BuildError>;

    /// Reads the process environment, as `std::env::var_os` does, for
    /// [`Builder::proxy_from_env`]: the driver reads it, the core never does.
    fn environment(name: &'static str) -> Option<OsString>;
}

/// What a [`Builder`] hands its driver once every option is checked.
pub struct BuildParts<C> {
    /// The core, its configuration validated.
    pub core: Verifier,
    /// Where the driver reads time.
    pub clock: Arc<dyn Clock>,
    /// The HTTP client the driver uses.
    pub client: ClientChoice<C>,
}

/// The HTTP client a driver uses.
#[derive(Debug)]
pub enum ClientChoice<C> {
    /// The caller's own, used as it is: no transport option was set, as
    /// the driver cannot change that client's roots or proxy.
    Callers(C),
    /// One the driver builds, with these resolved options (and the core's
    /// [`http_timeout`](Verifier::http_timeout)).
    Own(Transport),
}

/// Options for a driver's verifier or key client, from its `builder`
/// function. Nothing is checked until [`build`](Builder::build).
pub struct Builder<T: Build> {
    config: AuthConfig,
    clock: Arc<dyn Clock>,
    transport: TransportOptions,
    client: Option<T::HttpClient>,
    built: PhantomData<fn() -> T>,
}

impl<T: Build> Builder<T> {
    /// The options for `config`: the system clock, the platform's roots,
    /// no proxy, a client of the driver's own.
    pub fn new(config: AuthConfig) -> Self {
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

    /// Trusts Mozilla's roots, compiled into the driver, in place of the
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

    /// Uses the caller's HTTP client instead of building one (then no root
    /// or proxy option may be set: `build` refuses them).
    pub fn http_client(mut self, client: T::HttpClient) -> Self {
        self.client = Some(client);
        self
    }

    /// Validates the configuration and the options, and builds the handle.
    pub fn build(self) -> Result<T, BuildError> {
        self.build_with_env(T::environment)
    }

    /// [`build`](Self::build), the environment read through `var` (in place
    /// of [`Build::environment`]) when the proxy comes from it.
    pub fn build_with_env(
        self,
        var: impl Fn(&'static str) -> Option<OsString>,
    ) -> Result<T, BuildError> {
        let core = Verifier::new(self.config)?;
        let client = match self.client {
            Some(client) => {
                self.transport.check_callers_client()?;
                ClientChoice::Callers(client)
            }
            None => ClientChoice::Own(self.transport.resolve(var)?),
        };
        T::build(BuildParts {
            core,
            clock: self.clock,
            client,
        })
    }
}

impl<T: Build> fmt::Debug for Builder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("config", &self.config)
            .field("transport", &self.transport)
            .field("http_client", &self.client.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::HttpsProxy;
    use crate::transport::Roots;

    /// A handle that keeps what it was given.
    #[derive(Debug)]
    struct Kept(ClientChoice<&'static str>);

    impl Build for Kept {
        type HttpClient = &'static str;

        fn build(parts: BuildParts<&'static str>) -> Result<Self, BuildError> {
            Ok(Kept(parts.client))
        }

        fn environment(_: &'static str) -> Option<OsString> {
            None
        }
    }

    fn config() -> AuthConfig {
        AuthConfig::with_jwks_url(
            "https://id.example.test/",
            "api",
            "https://id.example.test/jwks",
        )
    }

    fn no_env(_: &'static str) -> Option<OsString> {
        None
    }

    #[test]
    fn the_defaults_are_platform_roots_no_proxy_and_an_own_client() {
        let Kept(client) = Builder::<Kept>::new(config())
            .build_with_env(no_env)
            .unwrap();
        let ClientChoice::Own(transport) = client else {
            panic!("a caller's client was not given");
        };
        assert_eq!(transport.roots, Roots::Platform);
        assert_eq!(transport.proxy, None);
    }

    #[test]
    fn a_callers_client_is_used_as_it_is_and_takes_no_transport_option() {
        let kept = Builder::<Kept>::new(config()).http_client("theirs").build();
        assert!(matches!(kept, Ok(Kept(ClientChoice::Callers("theirs")))));
        let with_roots = Builder::<Kept>::new(config())
            .http_client("theirs")
            .webpki_roots()
            .build();
        assert!(matches!(
            with_roots,
            Err(BuildError::RootCertificateWithHttpClient)
        ));
        let with_proxy = Builder::<Kept>::new(config())
            .proxy("http://127.0.0.1:3128")
            .http_client("theirs")
            .build();
        assert!(matches!(with_proxy, Err(BuildError::ProxyWithHttpClient)));
    }

    #[test]
    fn the_proxy_comes_from_the_environment_only_when_asked() {
        let env =
            |name: &'static str| (name == "HTTPS_PROXY").then(|| "http://127.0.0.1:3128".into());
        let Kept(ClientChoice::Own(ignored)) =
            Builder::<Kept>::new(config()).build_with_env(env).unwrap()
        else {
            panic!("an own client");
        };
        assert_eq!(ignored.proxy, None);
        let Kept(ClientChoice::Own(read)) = Builder::<Kept>::new(config())
            .proxy_from_env()
            .build_with_env(env)
            .unwrap()
        else {
            panic!("an own client");
        };
        let expected = HttpsProxy::from_url("http://127.0.0.1:3128").unwrap();
        assert_eq!(read.proxy, Some(expected));
    }

    #[test]
    fn an_invalid_configuration_is_refused_before_the_driver_sees_it() {
        let mut bad = config();
        bad.audience.clear();
        let built = Builder::<Kept>::new(bad).build_with_env(no_env);
        assert!(matches!(built, Err(BuildError::Config(_))), "{built:?}");
    }
}
