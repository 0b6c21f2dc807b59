//! The HTTP GETs the core asks for, done with hyper: TLS through the stack
//! of the build (`tls`), a proxy's tunnel for the URLs the core says it
//! takes, the request's timeout, headers and body cap, every hop judged by
//! the core, and the one mapping of hyper's errors into the core's input.

use std::error::Error;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::{Request, Response, Uri};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use oidc_jwt_verifier_core::{
    BuildError, FetchRequest, Hop, HttpResponse, HttpsProxy, ProxyError, Transport,
    TransportFailure, TransportKind,
};

use crate::tls::{self, HttpsConnector};

/// The HTTP client the async driver uses: hyper-util's pooled client over
/// the HTTPS connector of the build's TLS stack (`hyper_tls::HttpsConnector`
/// with native-tls, `hyper_rustls::HttpsConnector` with rustls).
///
/// The client the driver builds itself trusts the platform's roots (or
/// those the builder was given) and uses no proxy unless the builder was
/// asked for one. A caller's own client may have any settings: the legacy
/// client never follows redirects, and the driver sets the timeout and the
/// core's headers on every request itself.
pub type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

type BoxError = Box<dyn Error + Send + Sync>;

/// The driver's own client through a proxy's `CONNECT` tunnel.
type TunnelledClient = Client<HttpsConnector<Tunnel<HttpConnector>>, Empty<Bytes>>;

/// The clients requests go through: the direct one, and the proxy with the
/// client tunnelling through it, for the URLs it takes. Both share one TLS
/// connector, built with them.
#[derive(Clone)]
pub(crate) struct Clients {
    direct: HttpClient,
    tunnelled: Option<(HttpsProxy, TunnelledClient)>,
}

impl Clients {
    /// The clients built when the caller brings none, for `transport`.
    pub(crate) fn own(transport: Transport) -> Result<Self, BuildError> {
        let tls = tls::connector(&transport.roots)?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        let tunnelled = match transport.proxy {
            Some(proxy) => Some((tunnel(&proxy, http.clone())?, proxy)),
            None => None,
        };
        Ok(Clients {
            direct: client(tls::https(&tls, http)),
            tunnelled: tunnelled.map(|(tunnel, proxy)| (proxy, client(tls::https(&tls, tunnel)))),
        })
    }

    /// The caller's client.
    pub(crate) fn callers(client: HttpClient) -> Self {
        Clients {
            direct: client,
            tunnelled: None,
        }
    }
}

/// A pooled client over `connector`.
fn client<C: Connect + Clone>(connector: C) -> Client<C, Empty<Bytes>> {
    Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .build(connector)
}

/// hyper-util's `CONNECT` tunnel through `proxy`, its credentials sent as
/// Basic auth.
fn tunnel(proxy: &HttpsProxy, http: HttpConnector) -> Result<Tunnel<HttpConnector>, BuildError> {
    let refused = ProxyError::Malformed {
        origin: "the proxy",
        reason: "hyper refuses its host",
    };
    let uri: Uri = proxy
        .url()
        .parse()
        .map_err(|_| BuildError::Proxy(refused))?;
    let tunnel = Tunnel::new(uri, http);
    Ok(match proxy.basic_authorization() {
        Some(authorization) => tunnel.with_auth(authorization),
        None => tunnel,
    })
}

/// Performs `request`: GETs each hop the core allows and reads the final
/// body to one byte past the limit, all within the request's one timeout,
/// which also bounds connecting.
pub(crate) async fn get(
    clients: &Clients,
    request: &FetchRequest,
) -> Result<HttpResponse, TransportFailure> {
    tokio::time::timeout(request.timeout(), follow(clients, request))
        .await
        .unwrap_or(Err(TransportKind::Timeout.into()))
}

async fn follow(
    clients: &Clients,
    request: &FetchRequest,
) -> Result<HttpResponse, TransportFailure> {
    let mut hops = request.hops();
    loop {
        let mut get = Request::get(hops.url())
            .body(Empty::new())
            .map_err(|error| failure(Box::new(error)))?;
        get.headers_mut().extend(request.headers().clone());
        let response = match &clients.tunnelled {
            Some((proxy, tunnelled)) if proxy.tunnels(hops.url()) => tunnelled.request(get).await,
            _ => clients.direct.request(get).await,
        };
        let response = response.map_err(|error| failure(Box::new(error)))?;
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
        let io = inner.downcast_ref::<std::io::Error>();
        match io.map(std::io::Error::kind) {
            Some(std::io::ErrorKind::ConnectionRefused) => kind = TransportKind::Refused,
            Some(std::io::ErrorKind::TimedOut) => kind = TransportKind::Timeout,
            _ => {}
        }
        if tls::is_tls_failure(inner) {
            kind = TransportKind::Tls;
        }
        if inner
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_timeout)
        {
            kind = TransportKind::Timeout;
        }
        // An I/O error's `source` skips the error it wraps: step into it.
        cause = match io.and_then(std::io::Error::get_ref) {
            Some(wrapped) => Some(wrapped),
            None => inner.source(),
        };
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
