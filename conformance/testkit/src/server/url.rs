//! The URLs a case names, and their loopback stand-ins.

use super::error::ServerError;

/// `http` or `https`: plain or TLS listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// Scheme, host and port: what a URL's origin is compared by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Origin {
    pub(crate) scheme: Scheme,
    /// Lowercase host; IPv6 literals keep their brackets.
    pub(crate) host: String,
    pub(crate) port: u16,
}

/// An absolute `http(s)` URL, normalized: lowercase scheme and host, no
/// default port, a path that starts with `/`, no fragment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct CaseUrl {
    pub(crate) origin: Origin,
    /// Path and query, as the request target of a request for this URL.
    pub(crate) target: String,
}

impl CaseUrl {
    /// Parses an absolute `http(s)` URL; refuses user info, empty hosts,
    /// bad ports and whitespace.
    pub(crate) fn parse(url: &str) -> Result<Self, ServerError> {
        let bad = || ServerError::BadUrl(url.to_owned());
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(bad()),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(authority_end);
        let (host, port) = split_host_port(authority, scheme).ok_or_else(bad)?;
        let target = if target.starts_with('/') {
            target.to_owned()
        } else {
            format!("/{target}")
        };
        Ok(Self {
            origin: Origin { scheme, host, port },
            target,
        })
    }

    /// Another URL on this URL's origin: `target` must start with `/`.
    pub(crate) fn with_target(&self, target: &str) -> Self {
        Self {
            origin: self.origin.clone(),
            target: target.to_owned(),
        }
    }

    /// The normalized text, the key counts and scripts are stored under.
    pub(crate) fn key(&self) -> String {
        let Origin { scheme, host, port } = &self.origin;
        if *port == scheme.default_port() {
            format!("{}://{host}{}", scheme.name(), self.target)
        } else {
            format!("{}://{host}:{port}{}", scheme.name(), self.target)
        }
    }

    /// The URL that reaches this URL's loopback listener on `port`.
    pub(crate) fn loopback(&self, port: u16) -> String {
        format!(
            "{}://127.0.0.1:{port}{}",
            self.origin.scheme.name(),
            self.target
        )
    }
}

/// `host[:port]` with lowercase host; `None` for user info, an empty host
/// or a bad port.
fn split_host_port(authority: &str, scheme: Scheme) -> Option<(String, u16)> {
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if let Some(after_bracket) = authority.strip_prefix('[') {
        let (inside, after) = after_bracket.split_once(']')?;
        let port = match after {
            "" => None,
            other => Some(other.strip_prefix(':')?),
        };
        (format!("[{inside}]"), port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (authority.to_owned(), None),
        }
    };
    let port = match port {
        None | Some("") => scheme.default_port(),
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => digits.parse().ok()?,
        Some(_) => return None,
    };
    let host = host.to_ascii_lowercase();
    (!host.is_empty() && host != "[]").then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(url: &str) -> String {
        CaseUrl::parse(url).unwrap().key()
    }

    #[test]
    fn normalizes_scheme_host_default_port_and_empty_path() {
        assert_eq!(
            key("HTTPS://Login.Example.TEST:443"),
            "https://login.example.test/"
        );
        assert_eq!(key("http://a.test:80/x?y=1#frag"), "http://a.test/x?y=1");
        assert_eq!(key("https://a.test:8443/jwks"), "https://a.test:8443/jwks");
        assert_eq!(key("https://a.test?q"), "https://a.test/?q");
        assert_eq!(key("http://[::1]:8080/k"), "http://[::1]:8080/k");
    }

    #[test]
    fn path_case_is_kept() {
        assert_ne!(key("https://a.test/JWKS"), key("https://a.test/jwks"));
    }

    #[test]
    fn refuses_what_cannot_be_mapped() {
        for url in [
            "ftp://a.test/",
            "a.test/jwks",
            "https://user@a.test/",
            "https://:443/",
            "https://a.test:99999/",
            "https://a.test:x/",
            "https://a.test/ x",
            "https://[::1/",
        ] {
            assert!(CaseUrl::parse(url).is_err(), "{url}");
        }
    }

    #[test]
    fn loopback_keeps_scheme_and_target() {
        let url = CaseUrl::parse("https://login.example.test/.well-known/jwks.json?a=b").unwrap();
        assert_eq!(
            url.loopback(4000),
            "https://127.0.0.1:4000/.well-known/jwks.json?a=b"
        );
        assert_eq!(
            url.with_target("/other").key(),
            "https://login.example.test/other"
        );
    }
}
