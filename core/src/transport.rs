//! The transport options of both drivers' builders, resolved alike: the
//! roots TLS trusts, the proxy, and what a caller's own HTTP client rules
//! out (the driver cannot change that client's settings).

use std::ffi::OsString;
use std::fmt;

use crate::build::{root_certificates_from_pem, BuildError};
use crate::proxy::HttpsProxy;

/// What a driver's builder was told about reaching the issuer. Nothing is
/// read or parsed until [`TransportOptions::resolve`].
#[derive(Clone, Default)]
pub struct TransportOptions {
    roots_pem: Option<Vec<u8>>,
    webpki_roots: bool,
    proxy: ProxyOption,
}

/// Where the proxy comes from.
#[derive(Clone, Default)]
enum ProxyOption {
    /// No proxy (the default).
    #[default]
    Direct,
    /// `HTTPS_PROXY` and `NO_PROXY`.
    FromEnv,
    /// This URL.
    Url(String),
}

/// The roots a driver's own client trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// The platform's, checked the platform's way (the default).
    Platform,
    /// Mozilla's root program, as compiled into the driver (`webpki-roots`).
    WebPki,
    /// Exactly these certificates (DER), in place of any other.
    Only(Vec<Vec<u8>>),
}

/// The options resolved for a driver's own HTTP client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transport {
    /// The roots TLS trusts.
    pub roots: Roots,
    /// The proxy `https` requests go through, if any.
    pub proxy: Option<HttpsProxy>,
}

impl TransportOptions {
    /// Trusts the certificates of this PEM bundle as the only roots; adds to
    /// those of an earlier call.
    pub fn add_root_certificate_pem(&mut self, pem: &[u8]) {
        self.roots_pem
            .get_or_insert_with(Vec::new)
            .extend_from_slice(pem);
    }

    /// Trusts Mozilla's roots, compiled in, instead of the platform's.
    pub fn use_webpki_roots(&mut self) {
        self.webpki_roots = true;
    }

    /// Tunnels `https` requests through the proxy of `url` (see
    /// [`HttpsProxy::from_url`]), replacing any earlier proxy option.
    pub fn set_proxy(&mut self, url: &str) {
        self.proxy = ProxyOption::Url(url.to_owned());
    }

    /// Tunnels `https` requests through the proxy the environment names
    /// when the client is built (see [`HttpsProxy::from_env`]), replacing
    /// any earlier proxy option.
    pub fn set_proxy_from_env(&mut self) {
        self.proxy = ProxyOption::FromEnv;
    }

    /// The roots and proxy of the driver's own client, the environment read
    /// through `var` (as `std::env::var_os` reads it) if the proxy comes
    /// from it.
    pub fn resolve(
        &self,
        var: impl Fn(&'static str) -> Option<OsString>,
    ) -> Result<Transport, BuildError> {
        let roots = match (&self.roots_pem, self.webpki_roots) {
            (Some(_), true) => return Err(BuildError::ConflictingRoots),
            (Some(pem), false) => Roots::Only(root_certificates_from_pem(pem)?),
            (None, true) => Roots::WebPki,
            (None, false) => Roots::Platform,
        };
        let proxy = match &self.proxy {
            ProxyOption::Direct => None,
            ProxyOption::FromEnv => HttpsProxy::from_env(var)?,
            ProxyOption::Url(url) => Some(HttpsProxy::from_url(url)?),
        };
        Ok(Transport { roots, proxy })
    }

    /// Checks that no option needs a client of the driver's own: a caller's
    /// client keeps its own roots and proxy.
    pub fn check_callers_client(&self) -> Result<(), BuildError> {
        if self.roots_pem.is_some() || self.webpki_roots {
            return Err(BuildError::RootCertificateWithHttpClient);
        }
        match self.proxy {
            ProxyOption::Direct => Ok(()),
            ProxyOption::FromEnv | ProxyOption::Url(_) => Err(BuildError::ProxyWithHttpClient),
        }
    }
}

/// Says which options are set, never a proxy URL (it may hold a password).
impl fmt::Debug for TransportOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proxy = match self.proxy {
            ProxyOption::Direct => "none",
            ProxyOption::FromEnv => "from the environment",
            ProxyOption::Url(_) => "given",
        };
        f.debug_struct("TransportOptions")
            .field("root_certificates", &self.roots_pem.is_some())
            .field("webpki_roots", &self.webpki_roots)
            .field("proxy", &proxy)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate (its key discarded), TEST ONLY.
    const PEM: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIBuzCCAWGgAwIBAgIUFC8Fc/jtQlZmM11HMxjgeuUcqmEwCgYIKoZIzj0EAwIw\n\
MjEwMC4GA1UEAwwnb2lkYy1qd3QtdmVyaWZpZXIgdGVzdCByb290IChURVNUIE9O\n\
TFkpMCAXDTI2MTIwMTIzMzEyMloYDzIxMjYxMTA3MjMzMTIyWjAyMTAwLgYDVQQD\n\
DCdvaWRjLWp3dC12ZXJpZmllciB0ZXN0IHJvb3QgKFRFU1QgT05MWSkwWTATBgcq\n\
hkjOPQIBBggqhkjOPQMBBwNCAATqLDcsOApzqu3hJD3HqP05WGeJ7xAC3uj9bMSB\n\
YVqmibeu+9OjUipr3wTi1Elbjr66SJIOZor6iTeAE5cP/Uqao1MwUTAdBgNVHQ4E\n\
FgQUxwOMTA3qV69cwNyO3XUZZjjt5f0wHwYDVR0jBBgwFoAUxwOMTA3qV69cwNyO\n\
3XUZZjjt5f0wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiBRoble\n\
C1Z4kBL7WaCk9C9a82jsXjO7Ui8zR4TjpXc0GgIhALu+1OjPFOvwzccIH7bbcxkE\n\
XJe/oSjxeSqrKmMPZIFw\n\
-----END CERTIFICATE-----\n";

    fn no_env(_: &str) -> Option<OsString> {
        None
    }

    #[test]
    fn the_platform_roots_and_no_proxy_by_default() {
        let transport = TransportOptions::default().resolve(no_env).unwrap();
        assert_eq!(transport.roots, Roots::Platform);
        assert_eq!(transport.proxy, None);
    }

    #[test]
    fn the_environment_is_read_only_when_asked_to() {
        let env = |name: &str| (name == "HTTPS_PROXY").then(|| OsString::from("http://p.test:1"));
        assert_eq!(
            TransportOptions::default().resolve(env).unwrap().proxy,
            None
        );
        let mut options = TransportOptions::default();
        options.set_proxy_from_env();
        let proxy = options.resolve(env).unwrap().proxy.expect("a proxy");
        assert_eq!((proxy.host(), proxy.port()), ("p.test", 1));
        options.set_proxy("http://given.test:2");
        assert_eq!(
            options.resolve(env).unwrap().proxy.unwrap().host(),
            "given.test"
        );
    }

    #[test]
    fn roots_replace_the_platform_and_exclude_each_other() {
        let mut options = TransportOptions::default();
        options.add_root_certificate_pem(PEM.as_bytes());
        options.add_root_certificate_pem(PEM.as_bytes());
        let Roots::Only(ders) = options.resolve(no_env).unwrap().roots else {
            panic!("not the given roots");
        };
        let one = root_certificates_from_pem(PEM.as_bytes()).unwrap();
        assert_eq!((ders.len(), &ders[..1]), (2, &one[..]));
        options.use_webpki_roots();
        assert_eq!(options.resolve(no_env), Err(BuildError::ConflictingRoots));
        let mut webpki = TransportOptions::default();
        webpki.use_webpki_roots();
        assert_eq!(webpki.resolve(no_env).unwrap().roots, Roots::WebPki);
    }

    #[test]
    fn a_bad_proxy_fails_the_build() {
        let mut options = TransportOptions::default();
        options.set_proxy("https://p.test");
        assert!(matches!(options.resolve(no_env), Err(BuildError::Proxy(_))));
    }

    #[test]
    fn a_callers_client_takes_neither_roots_nor_a_proxy() {
        assert_eq!(TransportOptions::default().check_callers_client(), Ok(()));
        let mut roots = TransportOptions::default();
        roots.use_webpki_roots();
        assert_eq!(
            roots.check_callers_client(),
            Err(BuildError::RootCertificateWithHttpClient)
        );
        let mut proxy = TransportOptions::default();
        proxy.set_proxy_from_env();
        assert_eq!(
            proxy.check_callers_client(),
            Err(BuildError::ProxyWithHttpClient)
        );
    }

    #[test]
    fn the_debug_form_never_shows_the_proxy_url() {
        let mut options = TransportOptions::default();
        options.set_proxy("http://alice:hunter2@p.test:1");
        let shown = format!("{options:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("p.test"),
            "{shown}"
        );
    }
}
