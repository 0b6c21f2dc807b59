//! The HTTP GETs the core asks for, done with `ureq`: TLS through
//! native-tls, timeouts, the body cap, redirects followed by hand, and the
//! one mapping of every outcome into the core's input.

use std::io::Read;
use std::time::{Duration, Instant};

use oidc_jwt_verifier_core::{FetchRequest, HttpResponse, TransportFailure, USER_AGENT};
use ureq::http::{header, Response};
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
use ureq::{Agent, Body};

/// The HTTP client the blocking driver uses: a [`ureq::Agent`].
///
/// The agent the driver builds itself uses native-tls, no proxy, and the
/// system roots (or only those given to
/// [`Builder::root_certificate_pem`](crate::Builder::root_certificate_pem)).
/// A caller's own agent (for a proxy, say) must be built with
/// [`TlsProvider::NativeTls`] to reach `https` URLs: this crate compiles no
/// other TLS stack. Whatever its configuration, the driver sets on every
/// request: no redirects followed by `ureq`, statuses returned as
/// responses, the timeouts of the request, and the crate's `User-Agent`.
/// (ureq then reuses the agent's TLS connector only if the agent has already
/// made a request of its own; otherwise each fetch sets one up anew, a few
/// tens of milliseconds of CPU per key refresh.)
pub type HttpClient = Agent;

/// The agent requests go through, and whether it already carries every
/// setting the driver needs.
///
/// ureq caches its TLS connector per agent, but builds a new one (OpenSSL
/// reading the whole root store, tens of milliseconds) for any request
/// carrying settings of its own. So the driver's own agent gets everything,
/// the timeouts included, once at construction, and its requests carry none;
/// only a caller's agent gets the driver's settings per request.
#[derive(Clone)]
pub(crate) struct Client {
    agent: Agent,
    preconfigured: bool,
}

impl Client {
    /// The agent built when the caller brings none: native-tls with the
    /// system roots, or only `roots` (DER certificates) when given; no proxy;
    /// `timeout` for connecting and for each whole exchange.
    pub(crate) fn own(roots: Option<Vec<Vec<u8>>>, timeout: Duration) -> Self {
        let root_certs = match roots {
            None => RootCerts::PlatformVerifier,
            Some(ders) => ders
                .iter()
                .map(|der| Certificate::from_der(der).to_owned())
                .collect::<Vec<_>>()
                .into(),
        };
        let tls = TlsConfig::builder()
            .provider(TlsProvider::NativeTls)
            .root_certs(root_certs)
            .build();
        let agent = Agent::config_builder()
            .tls_config(tls)
            .proxy(None)
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(timeout))
            .timeout_global(Some(timeout))
            .user_agent(USER_AGENT)
            .build()
            .new_agent();
        Client {
            agent,
            preconfigured: true,
        }
    }

    /// The caller's agent, given the driver's settings on every request.
    pub(crate) fn callers(agent: Agent) -> Self {
        Client {
            agent,
            preconfigured: false,
        }
    }
}

/// What one HTTP exchange amounted to.
#[derive(Debug)]
enum Outcome {
    /// A final response for the core.
    Response(HttpResponse),
    /// A redirect to this `Location`, for the core to judge.
    Redirect(String),
    /// No response the core can use.
    Failure(TransportFailure),
}

/// Performs `request`: GETs its URL and follows the redirects the core
/// allows ([`FetchRequest::hops`]), all within the request's one timeout.
pub(crate) fn fetch(
    client: &Client,
    request: &FetchRequest,
) -> Result<HttpResponse, TransportFailure> {
    // The I/O deadline is this machine's monotonic time, not the injected
    // clock: it bounds a real socket wait.
    let deadline = Instant::now() + request.timeout();
    let mut hops = request.hops();
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(TransportFailure::Timeout);
        }
        let exchange = get(
            client,
            hops.url(),
            request.timeout(),
            remaining,
            hops.is_first(),
        );
        match outcome(exchange, request.max_body_bytes()) {
            Outcome::Response(response) => return Ok(response),
            Outcome::Failure(failure) => return Err(failure),
            Outcome::Redirect(location) => hops.redirect(&location)?,
        }
    }
}

/// One GET of `url`, whatever the agent's own settings say. The driver's own
/// agent already holds them, the full timeout included, for a first hop;
/// a redirect hop gets only the time left.
fn get(
    client: &Client,
    url: &str,
    connect_timeout: Duration,
    total_timeout: Duration,
    first_hop: bool,
) -> Result<Response<Body>, ureq::Error> {
    if client.preconfigured && first_hop {
        return client.agent.get(url).call();
    }
    client
        .agent
        .get(url)
        .config()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_connect(Some(connect_timeout))
        .timeout_global(Some(total_timeout))
        .user_agent(USER_AGENT)
        .build()
        .call()
}

/// Every HTTP outcome, mapped in one place: a redirect with a `Location`
/// goes back to the core's redirect rule; any other status becomes a
/// response whose body is read up to `max_body + 1` bytes; a refused
/// connection, a timeout and anything else become the matching failure.
fn outcome(exchange: Result<Response<Body>, ureq::Error>, max_body: usize) -> Outcome {
    let failure = |error: ureq::Error| {
        Outcome::Failure(match error {
            ureq::Error::Timeout(_) => TransportFailure::Timeout,
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::ConnectionRefused => TransportFailure::Refused,
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    TransportFailure::Timeout
                }
                _ => TransportFailure::Other,
            },
            _ => TransportFailure::Other,
        })
    };
    let mut response = match exchange {
        Ok(response) => response,
        Err(error) => return failure(error),
    };
    let status = response.status().as_u16();
    if matches!(status, 301 | 302 | 303 | 307 | 308) {
        if let Some(location) = response.headers().get(header::LOCATION) {
            return match location.to_str() {
                Ok(location) => Outcome::Redirect(location.to_owned()),
                Err(_) => Outcome::Failure(TransportFailure::Redirect),
            };
        }
    }
    let joined = |name: header::HeaderName| {
        let values: Vec<&str> = response
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    };
    let cache_control = joined(header::CACHE_CONTROL);
    let retry_after = joined(header::RETRY_AFTER);
    let limit = u64::try_from(max_body)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut body = Vec::new();
    if let Err(error) = response
        .body_mut()
        .as_reader()
        .take(limit)
        .read_to_end(&mut body)
    {
        return failure(ureq::Error::from(error));
    }
    Outcome::Response(HttpResponse {
        status,
        cache_control,
        retry_after,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Response<Body> {
        let mut builder = Response::builder().status(status);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let body = Body::builder().data(body.to_vec());
        builder.body(body).expect("a valid test response")
    }

    fn io(kind: std::io::ErrorKind) -> ureq::Error {
        ureq::Error::Io(std::io::Error::from(kind))
    }

    #[test]
    fn failures_map_to_refused_timeout_or_other() {
        let cases = [
            (
                io(std::io::ErrorKind::ConnectionRefused),
                TransportFailure::Refused,
            ),
            (io(std::io::ErrorKind::TimedOut), TransportFailure::Timeout),
            (
                ureq::Error::Timeout(ureq::Timeout::Global),
                TransportFailure::Timeout,
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::Connect),
                TransportFailure::Timeout,
            ),
            (
                io(std::io::ErrorKind::ConnectionReset),
                TransportFailure::Other,
            ),
            (ureq::Error::HostNotFound, TransportFailure::Other),
            (ureq::Error::Tls("handshake"), TransportFailure::Other),
        ];
        for (error, expected) in cases {
            let shown = error.to_string();
            match outcome(Err(error), 10) {
                Outcome::Failure(failure) => assert_eq!(failure, expected, "{shown}"),
                other => panic!("{shown}: {other:?}"),
            }
        }
    }

    #[test]
    fn responses_carry_status_cache_headers_and_body() {
        let exchange = response(
            503,
            &[
                ("cache-control", "max-age=60"),
                ("cache-control", "no-transform"),
                ("retry-after", "7"),
            ],
            b"{}",
        );
        match outcome(Ok(exchange), 10) {
            Outcome::Response(r) => {
                assert_eq!(r.status, 503);
                assert_eq!(r.cache_control.as_deref(), Some("max-age=60, no-transform"));
                assert_eq!(r.retry_after.as_deref(), Some("7"));
                assert_eq!(r.body, b"{}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bodies_are_read_to_one_byte_past_the_limit() {
        let exchange = response(200, &[], &[b'x'; 100]);
        match outcome(Ok(exchange), 10) {
            Outcome::Response(r) => assert_eq!(r.body.len(), 11),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn redirect_statuses_with_a_location_go_back_to_the_core() {
        for status in [301, 302, 303, 307, 308] {
            match outcome(Ok(response(status, &[("location", "/next")], b"")), 10) {
                Outcome::Redirect(location) => assert_eq!(location, "/next"),
                other => panic!("{status}: {other:?}"),
            }
        }
        match outcome(Ok(response(302, &[], b"")), 10) {
            Outcome::Response(r) => assert_eq!(r.status, 302),
            other => panic!("{other:?}"),
        }
        match outcome(Ok(response(304, &[("location", "/x")], b"")), 10) {
            Outcome::Response(r) => assert_eq!(r.status, 304),
            other => panic!("{other:?}"),
        }
    }
}
