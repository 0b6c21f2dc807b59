//! A loopback HTTP proxy that opens `CONNECT` tunnels and keeps a record of
//! each: for testing that a client's `https` requests go through a proxy
//! (and only those it should), with the credentials it was given.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the proxy waits for a request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// One tunnel a [`ConnectProxy`] opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunnel {
    /// The `CONNECT` target, `host:port` as the client wrote it.
    pub target: String,
    /// The request's `Proxy-Authorization` header, if it had one.
    pub authorization: Option<String>,
}

/// A loopback HTTP proxy that answers `CONNECT` only: it connects to the
/// target, answers `200`, relays bytes both ways until either side closes,
/// and records the tunnel. Any other request gets `405` and opens nothing;
/// a target it cannot reach gets `502`.
///
/// ```
/// use oidc_jwt_verifier_testkit::ConnectProxy;
///
/// let proxy = ConnectProxy::start()?;
/// assert!(proxy.url(Some("alice:secret")).starts_with("http://alice:secret@127.0.0.1:"));
/// assert!(proxy.tunnels().is_empty());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ConnectProxy {
    addr: SocketAddr,
    tunnels: Arc<Mutex<Vec<Tunnel>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ConnectProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectProxy")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl ConnectProxy {
    /// A proxy listening on 127.0.0.1 (a port the kernel chose).
    pub fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (opened, stopping) = (Arc::clone(&tunnels), Arc::clone(&stop));
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let opened = Arc::clone(&opened);
                std::thread::spawn(move || serve(stream, &opened));
            }
        });
        Ok(ConnectProxy {
            addr,
            tunnels,
            stop,
            accept: Some(accept),
        })
    }

    /// The proxy's URL, `http://127.0.0.1:<port>`, with `userinfo@` (as
    /// written: percent-encode it yourself) when given.
    pub fn url(&self, userinfo: Option<&str>) -> String {
        match userinfo {
            Some(userinfo) => format!("http://{userinfo}@{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    /// Every tunnel opened so far, in order.
    pub fn tunnels(&self) -> Vec<Tunnel> {
        self.tunnels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for ConnectProxy {
    /// Stops accepting (tunnels already open run until a side closes).
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// Serves one proxy connection: a `CONNECT`, then the relay.
fn serve(client: TcpStream, opened: &Mutex<Vec<Tunnel>>) {
    let _ = client.set_read_timeout(Some(HEAD_TIMEOUT));
    let mut reader = BufReader::new(client);
    let Some((request_line, authorization)) = read_head(&mut reader) else {
        return;
    };
    let mut words = request_line.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
        let refused =
            b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let _ = reader.get_mut().write_all(refused);
        return;
    };
    let Ok(mut upstream) = TcpStream::connect(target) else {
        let failed = b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let _ = reader.get_mut().write_all(failed);
        return;
    };
    opened
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Tunnel {
            target: target.to_owned(),
            authorization,
        });
    // A client sends nothing before the 200; pass on anything read ahead.
    if upstream.write_all(reader.buffer()).is_err() {
        return;
    }
    let mut client = reader.into_inner();
    let _ = client.set_read_timeout(None);
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    relay(client, upstream);
}

/// The request line and the `Proxy-Authorization` value of a request head.
fn read_head(reader: &mut BufReader<TcpStream>) -> Option<(String, Option<String>)> {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).ok()? == 0 {
        return None;
    }
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Some((request_line, authorization));
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("proxy-authorization") {
                authorization = Some(value.trim().to_owned());
            }
        }
    }
}

/// Copies bytes both ways until each side has closed its half.
fn relay(mut client: TcpStream, mut upstream: TcpStream) {
    let (Ok(mut from_client), Ok(mut to_upstream)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut to_upstream);
        let _ = to_upstream.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut upstream, &mut client);
    let _ = client.shutdown(Shutdown::Write);
    let _ = up.join();
}
