//! The HTTPS proxy both drivers tunnel through when their builder is asked
//! to: its URL (given, or read from `HTTPS_PROXY`), the hosts `NO_PROXY`
//! exempts, and which request URLs go through it. It is decided here so that
//! both drivers route every request alike; nothing here opens a connection
//! or reads the environment (the driver hands the variables over).

use std::ffi::OsString;
use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;
use http::HeaderValue;

use crate::url::HttpUrl;

/// The variables read for the proxy's URL, the first one set and non-empty
/// winning.
const PROXY_VARIABLES: [&str; 2] = ["HTTPS_PROXY", "https_proxy"];
/// The variables read for the hosts that bypass the proxy, the first one set
/// winning.
const NO_PROXY_VARIABLES: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// An HTTP proxy that `https` requests are tunnelled through with `CONNECT`:
/// the TLS session runs through the tunnel, end to end, so the proxy sees
/// the host and port asked for and nothing of the exchange.
///
/// Its `Debug` form never shows the credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpsProxy {
    host: String,
    port: u16,
    credentials: Option<Credentials>,
    exempt: Vec<Exemption>,
}

/// The user and password of the proxy URL, percent-decoded.
#[derive(Clone, PartialEq, Eq)]
struct Credentials {
    user: String,
    password: String,
}

/// One entry of `NO_PROXY`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Exemption {
    /// `*`: every host.
    All,
    /// A name and every name under it, lower-cased, without leading dots.
    Domain(String),
    /// One address.
    Address(IpAddr),
    /// Every address of a network (`10.0.0.0/8`, `fd00::/8`).
    Network(IpAddr, u8),
}

/// A proxy URL or variable that cannot be used. Its message names where the
/// value came from, never the value (it may hold a password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// A scheme other than `http`: a proxy reached over TLS, or a SOCKS
    /// proxy, is not supported.
    #[error("{origin}: only http:// proxies are supported (the tunnel carries the TLS)")]
    UnsupportedScheme {
        /// `the proxy URL`, or the variable it was read from.
        origin: &'static str,
    },
    /// Not of the form `http://[user[:password]@]host[:port][/]`.
    #[error("{origin}: not a proxy URL of the form http://[user:password@]host[:port]: {reason}")]
    Malformed {
        /// `the proxy URL`, or the variable it was read from.
        origin: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An environment variable whose value is not valid Unicode.
    #[error("{origin} is not valid Unicode")]
    NotUnicode {
        /// The variable.
        origin: &'static str,
    },
}

impl ProxyError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            ProxyError::UnsupportedScheme { .. } => "proxy_unsupported_scheme",
            ProxyError::Malformed { .. } => "proxy_malformed",
            ProxyError::NotUnicode { .. } => "proxy_not_unicode",
        }
    }
}

impl HttpsProxy {
    /// The proxy of `url`: `http://[user[:password]@]host[:port][/]`, the
    /// scheme optional (`host:port` means `http://host:port`), the port 80
    /// when absent, user and password percent-decoded. It tunnels every
    /// `https` URL.
    pub fn from_url(url: &str) -> Result<Self, ProxyError> {
        Self::parse(url, "the proxy URL")
    }

    /// The proxy the environment names, read through `var` (as
    /// `std::env::var_os` reads it): the first of `HTTPS_PROXY` and
    /// `https_proxy` set and non-empty, or none; exempting the hosts of the
    /// first of `NO_PROXY` and `no_proxy` set (see [`HttpsProxy::tunnels`]).
    /// `HTTP_PROXY` and `ALL_PROXY` are not read: every key fetch is `https`.
    pub fn from_env(
        var: impl Fn(&'static str) -> Option<OsString>,
    ) -> Result<Option<Self>, ProxyError> {
        let Some((origin, url)) = first_set(&var, PROXY_VARIABLES)? else {
            return Ok(None);
        };
        let mut proxy = Self::parse(&url, origin)?;
        if let Some((_, list)) = first_set(&var, NO_PROXY_VARIABLES)? {
            proxy.exempt = list
                .split([',', ' ', '\t'])
                .filter_map(Exemption::parse)
                .collect();
        }
        Ok(Some(proxy))
    }

    fn parse(url: &str, origin: &'static str) -> Result<Self, ProxyError> {
        let malformed = |reason| ProxyError::Malformed { origin, reason };
        let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(ProxyError::UnsupportedScheme { origin });
        }
        let (credentials, rest) = match rest.rsplit_once('@') {
            Some((userinfo, rest)) => (Some(Credentials::parse(userinfo, origin)?), rest),
            None => (None, rest),
        };
        let plain = format!("http://{rest}");
        let parsed = HttpUrl::parse(&plain).ok_or(malformed("no host, or a bad port"))?;
        if !matches!(parsed.rest, "" | "/") {
            return Err(malformed("it has a path, query or fragment"));
        }
        let port = match parsed.authority.rsplit_once(':') {
            Some((_, port)) if !parsed.authority.ends_with(']') => port.parse().ok(),
            _ => None,
        };
        Ok(HttpsProxy {
            host: parsed.host.to_owned(),
            port: port.unwrap_or(80),
            credentials,
            exempt: Vec::new(),
        })
    }

    /// The proxy's host (an IPv6 address without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `host:port` of the proxy, an IPv6 host in brackets.
    pub fn authority(&self) -> String {
        match self.host.parse::<IpAddr>() {
            Ok(IpAddr::V6(_)) => format!("[{}]:{}", self.host, self.port),
            _ => format!("{}:{}", self.host, self.port),
        }
    }

    /// The proxy's own URL, `http://host:port`, without credentials.
    pub fn url(&self) -> String {
        format!("http://{}", self.authority())
    }

    /// The user and password of the proxy URL, if it had any.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        let credentials = self.credentials.as_ref()?;
        Some((&credentials.user, &credentials.password))
    }

    /// The `Proxy-Authorization` value of the credentials: `Basic`, the
    /// user and password joined by `:`, in base64 (RFC 7617); marked
    /// sensitive, so that `http` never shows it.
    pub fn basic_authorization(&self) -> Option<HeaderValue> {
        let (user, password) = self.credentials()?;
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let mut value = HeaderValue::try_from(format!("Basic {encoded}")).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// Whether a request to `url` goes through this proxy: an `https` URL
    /// whose host no `NO_PROXY` entry exempts. A `NO_PROXY` entry is `*`
    /// (every host), a name (matching itself and every name under it; a
    /// leading `.` or `*.` changes nothing), an IP address, or a network in
    /// CIDR notation; a port on an entry is ignored, and so is an entry that
    /// is none of these. Plain `http` URLs never go through the proxy.
    pub fn tunnels(&self, url: &str) -> bool {
        let Some(url) = HttpUrl::parse(url) else {
            return false;
        };
        url.https && !self.exempt.iter().any(|entry| entry.matches(url.host))
    }
}

/// The first of `names` set (and non-empty), with its value.
fn first_set(
    var: &impl Fn(&'static str) -> Option<OsString>,
    names: [&'static str; 2],
) -> Result<Option<(&'static str, String)>, ProxyError> {
    for origin in names {
        match var(origin).map(OsString::into_string) {
            None => {}
            Some(Err(_)) => return Err(ProxyError::NotUnicode { origin }),
            Some(Ok(value)) if value.is_empty() => {}
            Some(Ok(value)) => return Ok(Some((origin, value))),
        }
    }
    Ok(None)
}

impl Credentials {
    fn parse(userinfo: &str, origin: &'static str) -> Result<Self, ProxyError> {
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        let decoded = |part| {
            percent_decode(part).ok_or(ProxyError::Malformed {
                origin,
                reason: "its user or password is not percent-encoded UTF-8",
            })
        };
        Ok(Credentials {
            user: decoded(user)?,
            password: decoded(password)?,
        })
    }
}

/// `text` with every `%XX` decoded, if the result is UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

impl Exemption {
    fn parse(entry: &str) -> Option<Self> {
        if entry == "*" {
            return Some(Exemption::All);
        }
        if let Some((address, bits)) = entry.split_once('/') {
            let address: IpAddr = address.parse().ok()?;
            let bits: u8 = bits.parse().ok()?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            return (bits <= max).then_some(Exemption::Network(address, bits));
        }
        let host = match entry.strip_prefix('[') {
            Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
            None if entry.matches(':').count() == 1 => entry.split(':').next().unwrap_or_default(),
            None => entry,
        };
        if let Ok(address) = host.parse() {
            return Some(Exemption::Address(address));
        }
        let name = host.trim_start_matches('*').trim_start_matches('.');
        (!name.is_empty()).then(|| Exemption::Domain(name.to_ascii_lowercase()))
    }

    fn matches(&self, host: &str) -> bool {
        let address = host.parse::<IpAddr>().ok();
        match (self, address) {
            (Exemption::All, _) => true,
            (Exemption::Address(exempt), Some(address)) => *exempt == address,
            (Exemption::Network(network, bits), Some(address)) => {
                in_network(address, *network, *bits)
            }
            (Exemption::Domain(domain), None) => {
                let host = host.trim_end_matches('.').to_ascii_lowercase();
                host == *domain
                    || host
                        .strip_suffix(domain.as_str())
                        .is_some_and(|head| head.ends_with('.'))
            }
            _ => false,
        }
    }
}

/// Whether `address` is in the network of `bits` leading bits of `network`.
fn in_network(address: IpAddr, network: IpAddr, bits: u8) -> bool {
    let prefix = |address: IpAddr| -> Option<u128> {
        let (value, width) = match (address, network) {
            (IpAddr::V4(a), IpAddr::V4(_)) => (u128::from(u32::from(a)), 32),
            (IpAddr::V6(a), IpAddr::V6(_)) => (u128::from(a), 128),
            _ => return None,
        };
        let host_bits = width - u32::from(bits);
        Some(value.checked_shr(host_bits).unwrap_or(0))
    };
    prefix(address).is_some_and(|value| Some(value) == prefix(network))
}

impl fmt::Debug for HttpsProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpsProxy")
            .field("url", &self.url())
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .field("exempt", &self.exempt)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&'static str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        }
    }

    #[test]
    fn proxy_urls_give_host_port_and_credentials() {
        let proxy =
            HttpsProxy::from_url("http://alice:s%40cret%3A1@proxy.corp.test:3128/").unwrap();
        assert_eq!((proxy.host(), proxy.port()), ("proxy.corp.test", 3128));
        assert_eq!(proxy.credentials(), Some(("alice", "s@cret:1")));
        assert_eq!(proxy.url(), "http://proxy.corp.test:3128");
        let authorization = proxy.basic_authorization().expect("credentials");
        assert_eq!(authorization, "Basic YWxpY2U6c0BjcmV0OjE=");
        assert!(authorization.is_sensitive());

        let bare = HttpsProxy::from_url("proxy.corp.test").unwrap();
        assert_eq!(
            (bare.host(), bare.port(), bare.credentials()),
            ("proxy.corp.test", 80, None)
        );
        let v6 = HttpsProxy::from_url("HTTP://[::1]:8080").unwrap();
        assert_eq!(
            (v6.host(), v6.port(), v6.url().as_str()),
            ("::1", 8080, "http://[::1]:8080")
        );
        let user_only = HttpsProxy::from_url("http://bob@127.0.0.1:1").unwrap();
        assert_eq!(user_only.credentials(), Some(("bob", "")));
    }

    #[test]
    fn unusable_proxy_urls_are_refused_without_echoing_them() {
        for (url, code) in [
            ("https://proxy.test:443", "proxy_unsupported_scheme"),
            ("socks5://proxy.test:1080", "proxy_unsupported_scheme"),
            ("http://proxy.test:3128/path", "proxy_malformed"),
            ("http://proxy.test:3128?x", "proxy_malformed"),
            ("http://proxy.test:99999", "proxy_malformed"),
            ("http://:3128", "proxy_malformed"),
            ("http://user:p%zzword@proxy.test", "proxy_malformed"),
            ("http://user:p%ff@proxy.test", "proxy_malformed"),
            ("http://user:password@", "proxy_malformed"),
            ("http://proxy.test:3128\n", "proxy_malformed"),
        ] {
            let error = HttpsProxy::from_url(url).unwrap_err();
            assert_eq!(error.code(), code, "{url}");
            let shown = error.to_string();
            assert!(shown.starts_with("the proxy URL"), "{shown}");
            assert!(
                !shown.contains("proxy.test") && !shown.contains("p%"),
                "{shown}"
            );
        }
    }

    #[test]
    fn the_debug_form_hides_the_credentials() {
        let proxy = HttpsProxy::from_url("http://alice:hunter2@proxy.test:3128").unwrap();
        let shown = format!("{proxy:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("alice"),
            "{shown}"
        );
        assert!(shown.contains("http://proxy.test:3128") && shown.contains("<redacted>"));
    }

    #[test]
    fn only_https_urls_go_through_the_proxy() {
        let proxy = HttpsProxy::from_url("http://127.0.0.1:3128").unwrap();
        assert!(proxy.tunnels("https://login.example.test/jwks"));
        assert!(proxy.tunnels("HTTPS://127.0.0.1:8443/jwks"));
        assert!(!proxy.tunnels("http://127.0.0.1:8080/jwks"));
        assert!(!proxy.tunnels("not a url"));
    }

    #[test]
    fn the_environment_names_the_proxy_upper_case_first() {
        assert_eq!(HttpsProxy::from_env(env(&[])), Ok(None));
        assert_eq!(HttpsProxy::from_env(env(&[("HTTPS_PROXY", "")])), Ok(None));
        assert_eq!(
            HttpsProxy::from_env(env(&[("HTTP_PROXY", "http://p:1")])),
            Ok(None)
        );
        let both = [
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
        ];
        let proxy = HttpsProxy::from_env(env(&both)).unwrap().unwrap();
        assert_eq!((proxy.host(), proxy.port()), ("upper", 1));
        let lower = [("HTTPS_PROXY", ""), ("https_proxy", "http://lower:2")];
        assert_eq!(
            HttpsProxy::from_env(env(&lower)).unwrap().unwrap().host(),
            "lower"
        );
        let bad = HttpsProxy::from_env(env(&[("https_proxy", "ftp://p:1")])).unwrap_err();
        assert_eq!(
            bad.to_string(),
            "https_proxy: only http:// proxies are supported (the tunnel carries the TLS)"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_variable_that_is_not_unicode_is_refused() {
        use std::os::unix::ffi::OsStringExt;
        let var = |name: &str| (name == "HTTPS_PROXY").then(|| OsString::from_vec(vec![0xff]));
        assert_eq!(
            HttpsProxy::from_env(var),
            Err(ProxyError::NotUnicode {
                origin: "HTTPS_PROXY"
            })
        );
    }

    #[test]
    fn no_proxy_exempts_names_addresses_and_networks() {
        let vars = [
            ("HTTPS_PROXY", "http://127.0.0.1:3128"),
            (
                "NO_PROXY",
                "internal.test, .corp.test,*.svc.test,10.1.0.0/16 192.0.2.7,[::1]:8443,localhost:9000,bad/99",
            ),
            ("no_proxy", "*"),
        ];
        let proxy = HttpsProxy::from_env(env(&vars)).unwrap().unwrap();
        for (url, tunnelled) in [
            ("https://internal.test/", false),
            ("https://keys.internal.test/", false),
            ("https://INTERNAL.TEST./", false),
            ("https://notinternal.test/", true),
            ("https://internal.test.evil.test/", true),
            ("https://corp.test/", false),
            ("https://a.b.corp.test/", false),
            ("https://svc.test/", false),
            ("https://10.1.200.3/", false),
            ("https://10.2.0.1/", true),
            ("https://192.0.2.7:8443/", false),
            ("https://192.0.2.8/", true),
            ("https://[::1]/", false),
            ("https://localhost/", false),
            ("https://login.example.test/", true),
        ] {
            assert_eq!(proxy.tunnels(url), tunnelled, "{url}");
        }
    }

    #[test]
    fn no_proxy_star_and_networks_of_either_family() {
        let all = [("HTTPS_PROXY", "p:1"), ("no_proxy", "*")];
        let proxy = HttpsProxy::from_env(env(&all)).unwrap().unwrap();
        assert!(!proxy.tunnels("https://anything.test/"));
        assert!(in_network(
            "fd00::1".parse().unwrap(),
            "fd00::".parse().unwrap(),
            8
        ));
        assert!(!in_network(
            "fe00::1".parse().unwrap(),
            "fd00::".parse().unwrap(),
            8
        ));
        assert!(in_network(
            "1.2.3.4".parse().unwrap(),
            "0.0.0.0".parse().unwrap(),
            0
        ));
        assert!(!in_network(
            "1.2.3.4".parse().unwrap(),
            "::".parse().unwrap(),
            0
        ));
        assert!(in_network(
            "1.2.3.4".parse().unwrap(),
            "1.2.3.4".parse().unwrap(),
            32
        ));
    }
}
