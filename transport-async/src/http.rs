//! The HTTP GETs the core asks for, done with hyper: TLS through native-tls
//! (`hyper-tls`), the request's timeout, headers and body cap, every hop
//! judged by the core, and the one mapping of hyper's errors into the
//! core's input.

use std::error::Error;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_tls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use oidc_jwt_verifier_core::{FetchRequest, Hop, HttpResponse, TransportFailure, TransportKind};

/// The HTTP client the async driver uses: hyper-util's pooled client over
/// `hyper-tls`'s native-tls connector.
///
/// The client the driver builds itself trusts the system roots (or only
/// those given to
/// [`Builder::root_certificate_pem`](crate::Builder::root_certificate_pem)).
/// A caller's own client may have any settings: the legacy client never
/// follows redirects, and the driver sets the timeout and the core's
/// headers on every request itself.
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

/// Performs `request`: GETs each hop the core allows and reads the final
/// body to one byte past the limit, all within the request's one timeout,
/// which also bounds connecting.
pub(crate) async fn get(
    client: &HttpClient,
    request: &FetchRequest,
) -> Result<HttpResponse, TransportFailure> {
    tokio::time::timeout(request.timeout(), follow(client, request))
        .await
        .unwrap_or(Err(TransportKind::Timeout.into()))
}

async fn follow(
    client: &HttpClient,
    request: &FetchRequest,
) -> Result<HttpResponse, TransportFailure> {
    let mut hops = request.hops();
    loop {
        let mut get = Request::get(hops.url())
            .body(Empty::new())
            .map_err(|error| failure(Box::new(error)))?;
        get.headers_mut().extend(request.headers().clone());
        let response = client
            .request(get)
            .await
            .map_err(|error| failure(Box::new(error)))?;
        match hops.judge(response.status().as_u16(), response.headers()) {
            Hop::Follow => {}
            Hop::Refuse(refused) => return Err(refused),
            Hop::ReadBody => return read_body(response, request.max_body_bytes()).await,
        }
    }
}

/// The final response, its body read to `max_body + 1` bytes at most.
async fn read_body(
    response: Response<Incoming>,
    max_body: usize,
) -> Result<HttpResponse, TransportFailure> {
    let (parts, mut incoming) = response.into_parts();
    let limit = max_body.saturating_add(1);
    let mut body = Vec::new();
    while body.len() < limit {
        match incoming.frame().await {
            None => break,
            Some(Err(error)) => return Err(failure(Box::new(error))),
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    let wanted = limit.saturating_sub(body.len()).min(data.len());
                    body.extend_from_slice(&data[..wanted]);
                }
            }
        }
    }
    let status = parts.status.as_u16();
    let headers = parts.headers;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// Every hyper error as the core's transport failure, the error attached:
/// its chain of causes decides the kind.
fn failure(error: BoxError) -> TransportFailure {
    let mut kind = TransportKind::Other;
    let mut cause: Option<&(dyn Error + 'static)> = Some(&*error);
    while let Some(inner) = cause {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => kind = TransportKind::Refused,
                std::io::ErrorKind::TimedOut => kind = TransportKind::Timeout,
                _ => {}
            }
        }
        if inner.downcast_ref::<native_tls::Error>().is_some() {
            kind = TransportKind::Tls;
        }
        if inner
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_timeout)
        {
            kind = TransportKind::Timeout;
        }
        cause = inner.source();
    }
    TransportFailure::with_error(kind, error)
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

    #[test]
    fn failures_map_to_refused_timeout_or_other_and_keep_the_error() {
        let cases = [
            (
                io(std::io::ErrorKind::ConnectionRefused),
                TransportKind::Refused,
            ),
            (io(std::io::ErrorKind::TimedOut), TransportKind::Timeout),
            (
                Box::new(Wrapped(std::io::ErrorKind::ConnectionRefused.into())) as BoxError,
                TransportKind::Refused,
            ),
            (
                io(std::io::ErrorKind::ConnectionReset),
                TransportKind::Other,
            ),
            ("tls handshake failed".into(), TransportKind::Other),
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
