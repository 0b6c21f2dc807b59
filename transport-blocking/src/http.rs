//! The HTTP GETs the core asks for, done with `ureq`: TLS through the
//! stack of the build (`tls`), a proxy's tunnel for the URLs the core says
//! it takes, the request's timeout, headers and body cap, every hop judged
//! by the core, and the one mapping of ureq's errors into the core's input.

use std::io::Read;
use std::time::{Duration, Instant};

use oidc_jwt_verifier_core::{
    BuildError, FetchRequest, Hop, Hops, HttpResponse, HttpsProxy, ProxyError, Transport,
    TransportFailure, TransportKind,
};
use ureq::http::Response;
use ureq::{Agent, Body, Proxy, ProxyProtocol};

use crate::tls;

/// The HTTP client the blocking driver uses: a [`ureq::Agent`].
///
/// The agents the driver builds itself use the TLS stack of the build
/// (native-tls or rustls), the platform's roots (or those the builder was
/// given), and no proxy unless the builder was asked for one. A caller's
/// own agent (with a proxy of its own, say) must be built with this build's
/// [`TlsProvider`](ureq::tls::TlsProvider) to reach `https` URLs. Whatever
/// its configuration, the driver sets on every request: no redirects
/// followed by `ureq`, statuses returned as responses, the timeouts of the
/// request, and the core's headers. (ureq then reuses the agent's TLS
/// connector only if the agent has already made a request of its own;
/// otherwise each fetch sets one up anew.)
pub type HttpClient = Agent;

/// The agents requests go through, and whether they already carry every
/// setting the driver needs.
///
/// ureq builds an agent's TLS connector at its first request and keeps it,
/// but builds a new one (with native-tls: OpenSSL reading the whole root
/// store, tens of milliseconds) for any request carrying settings of its
/// own. So the driver's own agents get everything, the timeouts included,
/// once at construction, and their requests carry none; only a caller's
/// agent gets the driver's settings per request.
#[derive(Clone)]
pub(crate) struct Client {
    agent: Agent,
    /// The proxy and the agent tunnelling through it, for the URLs it takes.
    proxied: Option<(HttpsProxy, Agent)>,
    preconfigured: bool,
}

impl Client {
    /// The agents built when the caller brings none, for `transport`:
    /// `timeout` for connecting and for each whole exchange.
    pub(crate) fn own(transport: Transport, timeout: Duration) -> Result<Self, BuildError> {
        let tls = tls::config(&transport.roots)?;
        let agent = |proxy: Option<Proxy>| {
            Agent::config_builder()
                .tls_config(tls.clone())
                .proxy(proxy)
                .http_status_as_error(false)
                .max_redirects(0)
                .max_redirects_will_error(false)
                .timeout_connect(Some(timeout))
                .timeout_global(Some(timeout))
                .build()
                .new_agent()
        };
        let proxied = match transport.proxy {
            Some(proxy) => Some((agent(Some(tunnel(&proxy)?)), proxy)),
            None => None,
        };
        Ok(Client {
            agent: agent(None),
            proxied: proxied.map(|(agent, proxy)| (proxy, agent)),
            preconfigured: true,
        })
    }

    /// The caller's agent, given the driver's settings on every request.
    pub(crate) fn callers(agent: Agent) -> Self {
        Client {
            agent,
            proxied: None,
            preconfigured: false,
        }
    }

    /// The agent for `url`: the proxy's if it tunnels `url`.
    fn agent_for(&self, url: &str) -> &Agent {
        match &self.proxied {
            Some((proxy, agent)) if proxy.tunnels(url) => agent,
            _ => &self.agent,
        }
    }
}

/// ureq's `CONNECT` proxy for `proxy`, its credentials sent as Basic auth.
fn tunnel(proxy: &HttpsProxy) -> Result<Proxy, BuildError> {
    let authority = proxy.authority();
    let (host, _) = authority.rsplit_once(':').unwrap_or_default();
    let mut tunnel = Proxy::builder(ProxyProtocol::Http)
        .host(host)
        .port(proxy.port());
    if let Some((user, password)) = proxy.credentials() {
        tunnel = tunnel.username(user).password(password);
    }
    let refused = ProxyError::Malformed {
        origin: "the proxy",
        reason: "ureq refuses its host",
    };
    tunnel.build().map_err(|_| BuildError::Proxy(refused))
}

/// Performs `request`: GETs each hop the core allows, all within the
/// request's one timeout, and reads the final body to one byte past the
/// limit.
pub(crate) fn get(
    client: &Client,
    request: &FetchRequest,
) -> Result<HttpResponse, TransportFailure> {
    // The I/O deadline is this machine's monotonic time, not the injected
    // clock: it bounds a real socket wait.
    let deadline = Instant::now().checked_add(request.timeout());
    let mut hops = request.hops();
    loop {
        let remaining = deadline.map_or(request.timeout(), |deadline| {
            deadline.saturating_duration_since(Instant::now())
        });
        if remaining.is_zero() {
            return Err(TransportKind::Timeout.into());
        }
        let mut response = exchange(client, request, &hops, remaining).map_err(failure)?;
        match hops.judge(response.status().as_u16(), response.headers()) {
            Hop::Follow => {}
            Hop::Refuse(refused) => return Err(refused),
            Hop::ReadBody => {
                let mut body = Vec::new();
                let limit = u64::try_from(request.max_body_bytes()).unwrap_or(u64::MAX);
                let reader = response.body_mut().as_reader();
                reader
                    .take(limit.saturating_add(1))
                    .read_to_end(&mut body)
                    .map_err(|error| failure(ureq::Error::from(error)))?;
                let (parts, _) = response.into_parts();
                let status = parts.status.as_u16();
                let headers = parts.headers;
                return Ok(HttpResponse {
                    status,
                    headers,
                    body,
                });
            }
        }
    }
}

/// One GET of the current hop with the core's headers, whatever the agent's
/// own settings say. The driver's own agent already holds them, the full
/// timeout included, for a first hop; a redirect hop gets only the time left.
fn exchange(
    client: &Client,
    request: &FetchRequest,
    hops: &Hops<'_>,
    remaining: Duration,
) -> Result<Response<Body>, ureq::Error> {
    let mut get = client.agent_for(hops.url()).get(hops.url());
    for (name, value) in request.headers() {
        get = get.header(name, value);
    }
    if client.preconfigured && hops.is_first() {
        return get.call();
    }
    get.config()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_connect(Some(request.timeout()))
        .timeout_global(Some(remaining))
        .build()
        .call()
}

/// Every ureq error as the core's transport failure, the error attached.
fn failure(error: ureq::Error) -> TransportFailure {
    let kind = match &error {
        _ if tls::is_tls_failure(&error) => TransportKind::Tls,
        ureq::Error::Timeout(_) => TransportKind::Timeout,
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => TransportKind::Refused,
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => TransportKind::Timeout,
            _ => TransportKind::Other,
        },
        _ => TransportKind::Other,
    };
    TransportFailure::with_error(kind, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(kind: std::io::ErrorKind) -> ureq::Error {
        ureq::Error::Io(std::io::Error::from(kind))
    }

    #[test]
    fn failures_map_to_refused_timeout_tls_or_other_and_keep_the_error() {
        let cases = [
            (
                io(std::io::ErrorKind::ConnectionRefused),
                TransportKind::Refused,
            ),
            (io(std::io::ErrorKind::TimedOut), TransportKind::Timeout),
            (
                ureq::Error::Timeout(ureq::Timeout::Global),
                TransportKind::Timeout,
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::Connect),
                TransportKind::Timeout,
            ),
            (
                io(std::io::ErrorKind::ConnectionReset),
                TransportKind::Other,
            ),
            (ureq::Error::HostNotFound, TransportKind::Other),
            (ureq::Error::Tls("handshake"), TransportKind::Tls),
        ];
        for (error, expected) in cases {
            let shown = error.to_string();
            let failure = failure(error);
            assert_eq!(failure.kind(), expected, "{shown}");
            let source = std::error::Error::source(&failure).map(ToString::to_string);
            assert_eq!(source.as_deref(), Some(shown.as_str()));
        }
    }
}
