//! The HTTP GETs the core asks for, done with hyper: TLS through native-tls
//! (`hyper-tls`), the timeout, the body cap, redirects followed by hand, and
//! the one mapping of every outcome into the core's input.

use std::error::Error;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::header::{self, HeaderName};
use hyper::{Request, Response};
use hyper_tls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use oidc_jwt_verifier_core::{FetchRequest, HttpResponse, TransportFailure, USER_AGENT};

/// The HTTP client the async driver uses: hyper-util's pooled client over
/// `hyper-tls`'s native-tls connector.
///
/// The client the driver builds itself trusts the system roots (or only
/// those given to
/// [`Builder::root_certificate_pem`](crate::Builder::root_certificate_pem)).
/// A caller's own client may have any settings: the legacy client never
/// follows redirects, and the driver sets the timeout and the `User-Agent`
/// of every request itself.
pub type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

type BoxError = Box<dyn Error + Send + Sync>;

/// The client built when the caller brings none, over `tls`.
pub(crate) fn default_client(tls: native_tls::TlsConnector) -> HttpClient {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    let https = HttpsConnector::from((http, tls.into()));
    Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .build(https)
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
/// allows ([`FetchRequest::hops`]), all within the request's one timeout,
/// which also bounds connecting.
pub(crate) async fn fetch(
    client: &HttpClient,
    request: &FetchRequest,
) -> Result<HttpResponse, TransportFailure> {
    tokio::time::timeout(request.timeout(), follow(client, request))
        .await
        .unwrap_or(Err(TransportFailure::Timeout))
}

/// The hops of `request`, each judged by the core.
async fn follow(
    client: &HttpClient,
    request: &FetchRequest,
) -> Result<HttpResponse, TransportFailure> {
    let mut hops = request.hops();
    loop {
        let exchange = get(client, hops.url()).await;
        match outcome(exchange, request.max_body_bytes()).await {
            Outcome::Response(response) => return Ok(response),
            Outcome::Failure(failure) => return Err(failure),
            Outcome::Redirect(location) => hops.redirect(&location)?,
        }
    }
}

/// One GET of `url`.
async fn get(client: &HttpClient, url: &str) -> Result<Response<Incoming>, BoxError> {
    let request = Request::get(url)
        .header(header::USER_AGENT, USER_AGENT)
        .body(Empty::new())?;
    Ok(client.request(request).await?)
}

/// Every HTTP outcome, mapped in one place: a redirect with a `Location`
/// goes back to the core's redirect rule; any other status becomes a
/// response whose body is read up to `max_body + 1` bytes; a refused
/// connection, a timeout and anything else become the matching failure.
async fn outcome(exchange: Result<Response<Incoming>, BoxError>, max_body: usize) -> Outcome {
    let failure = |error: &(dyn Error + 'static)| {
        let mut cause = Some(error);
        while let Some(error) = cause {
            if let Some(io) = error.downcast_ref::<std::io::Error>() {
                match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => {
                        return Outcome::Failure(TransportFailure::Refused)
                    }
                    std::io::ErrorKind::TimedOut => {
                        return Outcome::Failure(TransportFailure::Timeout)
                    }
                    _ => {}
                }
            }
            if error
                .downcast_ref::<hyper::Error>()
                .is_some_and(hyper::Error::is_timeout)
            {
                return Outcome::Failure(TransportFailure::Timeout);
            }
            cause = error.source();
        }
        Outcome::Failure(TransportFailure::Other)
    };
    let response = match exchange {
        Ok(response) => response,
        Err(error) => return failure(&*error),
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
    let joined = |name: HeaderName| {
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
    let limit = max_body.saturating_add(1);
    let mut incoming = response.into_body();
    let mut body = Vec::new();
    while body.len() < limit {
        match incoming.frame().await {
            None => break,
            Some(Err(error)) => return failure(&error),
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    let wanted = limit.saturating_sub(body.len()).min(data.len());
                    body.extend_from_slice(data.slice(..wanted).as_ref());
                }
            }
        }
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

    fn io(kind: std::io::ErrorKind) -> BoxError {
        Box::new(std::io::Error::from(kind))
    }

    /// An error wrapping another, as hyper-util's client errors do.
    #[derive(Debug)]
    struct Wrapped(std::io::Error);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error (Connect)")
        }
    }

    impl Error for Wrapped {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[tokio::test]
    async fn failures_map_to_refused_timeout_or_other() {
        let cases = [
            (
                io(std::io::ErrorKind::ConnectionRefused),
                TransportFailure::Refused,
            ),
            (io(std::io::ErrorKind::TimedOut), TransportFailure::Timeout),
            (
                Box::new(Wrapped(std::io::ErrorKind::ConnectionRefused.into())) as BoxError,
                TransportFailure::Refused,
            ),
            (
                io(std::io::ErrorKind::ConnectionReset),
                TransportFailure::Other,
            ),
            ("tls handshake failed".into(), TransportFailure::Other),
        ];
        for (error, expected) in cases {
            let shown = error.to_string();
            match outcome(Err(error), 10).await {
                Outcome::Failure(failure) => assert_eq!(failure, expected, "{shown}"),
                other => panic!("{shown}: {other:?}"),
            }
        }
    }
}
