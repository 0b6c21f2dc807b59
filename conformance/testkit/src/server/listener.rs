//! One loopback listener: the accept loop of one scripted URL.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::state::Shared;
use super::url::Scheme;

/// How long one wake-up connection may take, and how often it is tried.
const WAKE_TIMEOUT: Duration = Duration::from_millis(500);
const WAKE_TRIES: u32 = 20;

/// A bound listener with its accept thread.
pub(crate) struct Listener {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Binds `127.0.0.1:port` (0: any free port) and starts accepting;
    /// each connection is handed to `shared` as one for `url_key`.
    pub(crate) fn start(
        shared: Weak<Shared>,
        url_key: String,
        scheme: Scheme,
        port: u16,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name(format!("scripted-accept-{port}"))
            .spawn(move || accept_loop(&listener, &thread_stop, &shared, &url_key, scheme))?;
        Ok(Self {
            port,
            stop,
            thread: Some(thread),
        })
    }

    /// The port the listener is bound to.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Closes the listener and waits for its thread: once this returns,
    /// connecting to the port is refused.
    pub(crate) fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let Some(thread) = self.thread.take() else {
            return;
        };
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        for _ in 0..WAKE_TRIES {
            if thread.is_finished() {
                break;
            }
            // Wakes the blocking accept; the loop sees `stop` and returns.
            let _ = TcpStream::connect_timeout(&address, WAKE_TIMEOUT);
            thread::sleep(Duration::from_millis(1));
        }
        let _ = thread.join();
    }
}

fn accept_loop(
    listener: &TcpListener,
    stop: &AtomicBool,
    shared: &Weak<Shared>,
    url_key: &str,
    scheme: Scheme,
) {
    for connection in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        match connection {
            Ok(tcp) => Shared::spawn_connection(&shared, url_key, scheme, tcp),
            // Out of descriptors and the like: back off instead of spinning.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}
