//! The little URL handling the library needs: scheme and host checks for
//! configured and discovered URLs, and resolving redirect targets.

/// An absolute `http` or `https` URL, split into the parts the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl<'a> {
    pub(crate) https: bool,
    /// `host[:port]` exactly as written (IPv6 hosts keep their brackets).
    pub(crate) authority: &'a str,
    /// The host without port or brackets.
    pub(crate) host: &'a str,
    /// Path and query; `""` when the URL has none.
    pub(crate) rest: &'a str,
}

impl<'a> HttpUrl<'a> {
    /// Parses an absolute URL with scheme `http` or `https` (any case), a
    /// non-empty host, no user info, no whitespace or control characters.
    pub(crate) fn parse(url: &'a str) -> Option<Self> {
        if url.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return None;
        }
        let (scheme, after) = url.split_once("://")?;
        let https = if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.eq_ignore_ascii_case("http") {
            false
        } else {
            return None;
        };
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        if authority.contains('@') {
            return None;
        }
        let host = if let Some(v6) = authority.strip_prefix('[') {
            let (host, port) = v6.split_once(']')?;
            if !(port.is_empty() || valid_port(port.strip_prefix(':')?)) {
                return None;
            }
            host
        } else {
            match authority.split_once(':') {
                Some((host, port)) if valid_port(port) => host,
                Some(_) => return None,
                None => authority,
            }
        };
        if host.is_empty() {
            return None;
        }
        Some(HttpUrl {
            https,
            authority,
            host,
            rest,
        })
    }

    /// Whether the host is a loopback name or address.
    pub(crate) fn is_loopback(&self) -> bool {
        let host = self.host;
        if host.eq_ignore_ascii_case("localhost") || host == "::1" {
            return true;
        }
        host.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
            || host
                .parse::<std::net::Ipv6Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// Resolves a `Location` value against this URL (RFC 3986 section 5,
    /// for the forms servers send: absolute, scheme-relative, absolute-path
    /// and relative-path references).
    pub(crate) fn join(&self, location: &str) -> Option<String> {
        let scheme = if self.https { "https" } else { "http" };
        let location = location.split('#').next().unwrap_or_default();
        if location.contains("://") {
            return Some(location.to_owned());
        }
        if let Some(rest) = location.strip_prefix("//") {
            return Some(format!("{scheme}://{rest}"));
        }
        if location.starts_with('/') {
            return Some(format!("{scheme}://{}{location}", self.authority));
        }
        if location.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return None;
        }
        let path = self.rest.split(['?', '#']).next().unwrap_or_default();
        let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
        Some(format!("{scheme}://{}{dir}{location}", self.authority))
    }
}

fn valid_port(port: &str) -> bool {
    !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u16>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts_ports_and_paths() {
        let u = HttpUrl::parse("https://login.example.test:8443/jwks?x=1").unwrap();
        assert!(u.https);
        assert_eq!(
            (u.host, u.authority, u.rest),
            ("login.example.test", "login.example.test:8443", "/jwks?x=1")
        );
        let u = HttpUrl::parse("HTTP://[::1]:80").unwrap();
        assert!(!u.https && u.is_loopback() && u.rest.is_empty());
        assert!(HttpUrl::parse("http://127.0.0.9/").unwrap().is_loopback());
        assert!(!HttpUrl::parse("http://10.0.0.1/").unwrap().is_loopback());
    }

    #[test]
    fn rejects_what_is_not_an_http_url() {
        for bad in [
            "",
            "ftp://x/",
            "https://",
            "https:///p",
            "https://u@h/",
            "https://h:99999/",
            "https://h /",
            "jwks",
        ] {
            assert_eq!(HttpUrl::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn joins_redirect_locations() {
        let base = HttpUrl::parse("https://a.test:1/x/y?q").unwrap();
        assert_eq!(base.join("https://b.test/z").unwrap(), "https://b.test/z");
        assert_eq!(base.join("//c.test/z").unwrap(), "https://c.test/z");
        assert_eq!(base.join("/z").unwrap(), "https://a.test:1/z");
        assert_eq!(base.join("z?k").unwrap(), "https://a.test:1/x/z?k");
    }
}
