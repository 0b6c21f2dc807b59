//! The little URL handling the library needs: scheme and host checks for
//! configured and discovered URLs, and resolving a redirect's `Location`
//! against the URL it answered, as RFC 3986 section 5 says.

/// An absolute `http` or `https` URL, split into the parts the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl<'a> {
    pub(crate) https: bool,
    /// `host[:port]` exactly as written (IPv6 hosts keep their brackets).
    pub(crate) authority: &'a str,
    /// The host without port or brackets.
    pub(crate) host: &'a str,
    /// Path, query and fragment; `""` when the URL has none.
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

    /// The reference `reference` resolved against this URL (RFC 3986
    /// section 5.2: absolute, network-path, absolute-path, relative-path and
    /// query-only references, dot segments removed), fragment included. The
    /// result is not checked: it may name another scheme, or not parse.
    pub(crate) fn resolve(&self, reference: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        let base = format!("{scheme}://{}{}", self.authority, self.rest);
        Reference::split(&base).resolve(&Reference::split(reference))
    }
}

/// The target URI of an HTTP request without its query and fragment,
/// normalised as RFC 3986 sections 6.2.2 and 6.2.3 say (what RFC 9449
/// section 4.3 compares DPoP's `htu` with): scheme and host in lower case,
/// the default port (443, 80) dropped, percent-encodings of unreserved
/// characters decoded and the others' hex digits in upper case, dot
/// segments removed, an empty path made `/`. `None` when `uri` is not an
/// absolute `http` or `https` URL (no user info) or has a broken
/// percent-encoding.
pub(crate) fn normalized_target(uri: &str) -> Option<String> {
    let url = HttpUrl::parse(uri)?;
    let (scheme, default_port) = if url.https {
        ("https", ":443")
    } else {
        ("http", ":80")
    };
    let authority = url.authority.to_ascii_lowercase();
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    let path_end = url.rest.find(['?', '#']).unwrap_or(url.rest.len());
    let path = normalized_percent_encoding(&url.rest[..path_end])?;
    let path = remove_dot_segments(&path);
    let path = if path.is_empty() { "/" } else { &path };
    Some(format!("{scheme}://{authority}{path}"))
}

/// Section 6.2.2.1 and 6.2.2.2: `%` triplets with upper-case hex digits,
/// those of unreserved characters decoded; `None` for a `%` not followed by
/// two hex digits.
fn normalized_percent_encoding(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let hex = rest.get(at + 1..at + 3)?;
        let byte = u8::from_str_radix(hex, 16).ok()?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push_str(&hex.to_ascii_uppercase());
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    Some(out)
}

/// A URI reference split into its five components (RFC 3986 appendix B):
/// `None` for a component that is absent, which differs from an empty one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

impl<'a> Reference<'a> {
    /// `^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?`
    fn split(text: &'a str) -> Self {
        let (text, fragment) = match text.split_once('#') {
            Some((before, fragment)) => (before, Some(fragment)),
            None => (text, None),
        };
        let (text, query) = match text.split_once('?') {
            Some((before, query)) => (before, Some(query)),
            None => (text, None),
        };
        let scheme_end = text
            .find([':', '/'])
            .filter(|&end| text[end..].starts_with(':'));
        let (scheme, text) = match scheme_end {
            Some(end) if end > 0 => (Some(&text[..end]), &text[end + 1..]),
            _ => (None, text),
        };
        let (authority, path) = match text.strip_prefix("//") {
            Some(after) => {
                let end = after.find('/').unwrap_or(after.len());
                (Some(&after[..end]), &after[end..])
            }
            None => (None, text),
        };
        Reference {
            scheme,
            authority,
            path,
            query,
            fragment,
        }
    }

    /// RFC 3986 section 5.2.2 (strict: a reference's own scheme always
    /// counts), with `self` as the base URI, recomposed as section 5.3 says.
    fn resolve(&self, reference: &Reference<'_>) -> String {
        let (scheme, authority, path, query);
        if reference.scheme.is_some() {
            scheme = reference.scheme;
            authority = reference.authority;
            path = remove_dot_segments(reference.path);
            query = reference.query;
        } else {
            scheme = self.scheme;
            if reference.authority.is_some() {
                authority = reference.authority;
                path = remove_dot_segments(reference.path);
                query = reference.query;
            } else {
                authority = self.authority;
                if reference.path.is_empty() {
                    path = self.path.to_owned();
                    query = reference.query.or(self.query);
                } else {
                    path = if reference.path.starts_with('/') {
                        remove_dot_segments(reference.path)
                    } else {
                        remove_dot_segments(&self.merge(reference.path))
                    };
                    query = reference.query;
                }
            }
        }
        let mut out = String::new();
        if let Some(scheme) = scheme {
            out.push_str(scheme);
            out.push(':');
        }
        if let Some(authority) = authority {
            out.push_str("//");
            out.push_str(authority);
        }
        out.push_str(&path);
        for (mark, part) in [('?', query), ('#', reference.fragment)] {
            if let Some(part) = part {
                out.push(mark);
                out.push_str(part);
            }
        }
        out
    }

    /// Section 5.2.3: a relative path appended to the base path's directory.
    fn merge(&self, path: &str) -> String {
        if self.authority.is_some() && self.path.is_empty() {
            return format!("/{path}");
        }
        let directory = self.path.rfind('/').map_or("", |i| &self.path[..=i]);
        format!("{directory}{path}")
    }
}

/// Section 5.2.4: interprets and removes the `.` and `..` segments.
fn remove_dot_segments(path: &str) -> String {
    let mut input = path;
    let mut output = String::with_capacity(path.len());
    while !input.is_empty() {
        if let Some(rest) = input
            .strip_prefix("../")
            .or_else(|| input.strip_prefix("./"))
        {
            input = rest;
        } else if input.starts_with("/./") {
            input = &input[2..];
        } else if input == "/." {
            input = "/";
        } else if input.starts_with("/../") || input == "/.." {
            input = if input == "/.." { "/" } else { &input[3..] };
            let cut = output.rfind('/').unwrap_or(0);
            output.truncate(cut);
        } else if input == "." || input == ".." {
            input = "";
        } else {
            let start = usize::from(input.starts_with('/'));
            let end = input[start..].find('/').map_or(input.len(), |i| i + start);
            output.push_str(&input[..end]);
            input = &input[end..];
        }
    }
    output
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
    fn targets_are_compared_normalised_without_query_and_fragment() {
        for (given, normal) in [
            (
                "https://server.example.com/token",
                "https://server.example.com/token",
            ),
            (
                "HTTPS://Server.Example.COM:443/token?x=1#f",
                "https://server.example.com/token",
            ),
            ("http://a.test:80", "http://a.test/"),
            ("http://a.test:8080/", "http://a.test:8080/"),
            ("https://a.test:80/", "https://a.test:80/"),
            ("https://a.test/%7euser/%2f%41", "https://a.test/~user/%2FA"),
            ("https://a.test/a/./b/../c", "https://a.test/a/c"),
            ("https://a.test/a/%2E%2E/c", "https://a.test/c"),
            ("https://a.test?q", "https://a.test/"),
            ("https://[::1]:443/p", "https://[::1]/p"),
        ] {
            assert_eq!(normalized_target(given).as_deref(), Some(normal), "{given}");
        }
        for bad in [
            "/token",
            "ftp://a.test/",
            "https://a.test/%",
            "https://a.test/%g1",
            "https://a.test/%+1",
            "https://u@a.test/",
        ] {
            assert_eq!(normalized_target(bad), None, "{bad}");
        }
    }

    /// RFC 3986 section 5.4.1, "Normal Examples".
    const NORMAL: [(&str, &str); 23] = [
        ("g:h", "g:h"),
        ("g", "http://a/b/c/g"),
        ("./g", "http://a/b/c/g"),
        ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"),
        ("//g", "http://g"),
        ("?y", "http://a/b/c/d;p?y"),
        ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"),
        ("g#s", "http://a/b/c/g#s"),
        ("g?y#s", "http://a/b/c/g?y#s"),
        (";x", "http://a/b/c/;x"),
        ("g;x", "http://a/b/c/g;x"),
        ("g;x?y#s", "http://a/b/c/g;x?y#s"),
        ("", "http://a/b/c/d;p?q"),
        (".", "http://a/b/c/"),
        ("./", "http://a/b/c/"),
        ("..", "http://a/b/"),
        ("../", "http://a/b/"),
        ("../g", "http://a/b/g"),
        ("../..", "http://a/"),
        ("../../", "http://a/"),
        ("../../g", "http://a/g"),
    ];

    /// RFC 3986 section 5.4.2, "Abnormal Examples" (the strict reading of
    /// `http:g`).
    const ABNORMAL: [(&str, &str); 19] = [
        ("../../../g", "http://a/g"),
        ("../../../../g", "http://a/g"),
        ("/./g", "http://a/g"),
        ("/../g", "http://a/g"),
        ("g.", "http://a/b/c/g."),
        (".g", "http://a/b/c/.g"),
        ("g..", "http://a/b/c/g.."),
        ("..g", "http://a/b/c/..g"),
        ("./../g", "http://a/b/g"),
        ("./g/.", "http://a/b/c/g/"),
        ("g/./h", "http://a/b/c/g/h"),
        ("g/../h", "http://a/b/c/h"),
        ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
        ("g;x=1/../y", "http://a/b/c/y"),
        ("g?y/./x", "http://a/b/c/g?y/./x"),
        ("g?y/../x", "http://a/b/c/g?y/../x"),
        ("g#s/./x", "http://a/b/c/g#s/./x"),
        ("g#s/../x", "http://a/b/c/g#s/../x"),
        ("http:g", "http:g"),
    ];

    #[test]
    fn resolves_every_example_of_rfc_3986_section_5_4() {
        let base = HttpUrl::parse("http://a/b/c/d;p?q").unwrap();
        for (reference, expected) in NORMAL.iter().chain(&ABNORMAL) {
            assert_eq!(base.resolve(reference), *expected, "{reference:?}");
        }
    }

    #[test]
    fn resolves_against_https_bases_with_ports_and_empty_paths() {
        let base = HttpUrl::parse("https://a.test:1/x/y?q").unwrap();
        assert_eq!(base.resolve("https://b.test/z"), "https://b.test/z");
        assert_eq!(base.resolve("//c.test/z"), "https://c.test/z");
        assert_eq!(base.resolve("/z"), "https://a.test:1/z");
        assert_eq!(base.resolve("z?k"), "https://a.test:1/x/z?k");
        assert_eq!(base.resolve("?v=2"), "https://a.test:1/x/y?v=2");
        assert_eq!(base.resolve("../../../z"), "https://a.test:1/z");
        let bare = HttpUrl::parse("https://a.test").unwrap();
        assert_eq!(bare.resolve("keys"), "https://a.test/keys");
        assert_eq!(bare.resolve("?k"), "https://a.test?k");
    }

    #[test]
    fn removes_dot_segments_as_section_5_2_4_shows() {
        assert_eq!(remove_dot_segments("/a/b/c/./../../g"), "/a/g");
        assert_eq!(remove_dot_segments("mid/content=5/../6"), "mid/6");
        assert_eq!(remove_dot_segments("/.."), "/");
        assert_eq!(remove_dot_segments(""), "");
    }
}
