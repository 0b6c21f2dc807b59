//! Test support shared by the integration tests: a loopback HTTP/HTTPS
//! server on std threads that counts and records requests, a throwaway CA,
//! and an issuer that mints RS256 tokens with keys generated here.
//!
//! The async driver's tests include this same file (by `#[path]`).
#![allow(dead_code, unreachable_pub)]

pub mod logs;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use josekit::jwk::Jwk;
use josekit::jws::{JwsHeader, RS256};
use josekit::jwt::{self, JwtPayload};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509NameBuilder, X509};
use serde_json::{json, Map, Value};

/// The issuer and audience every test token carries.
pub const ISSUER: &str = "https://issuer.test/";
/// The audience every test token carries.
pub const AUDIENCE: &str = "api://tests";
/// The wall-clock time tests start at (Unix seconds).
pub const T0: f64 = 1_700_000_000.0;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request target, e.g. `/jwks`.
    pub path: String,
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
}

/// A body to answer with.
#[derive(Debug, Clone)]
pub enum Body {
    /// These bytes, with a `Content-Length`.
    Bytes(Vec<u8>),
    /// Bytes without end (no `Content-Length`, until the client stops
    /// reading or 64 MiB were written).
    Endless,
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Waited before answering.
    pub delay: Duration,
}

impl Reply {
    /// A 200 with a JSON body.
    pub fn json(body: impl Into<String>) -> Self {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Body::Bytes(body.into().into_bytes()),
            delay: Duration::ZERO,
        }
    }

    /// An empty answer with this status.
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
            delay: Duration::ZERO,
        }
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Reply::status(status).header("location", location)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Answers after `delay`.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

struct State {
    seen: Mutex<Vec<Seen>>,
    handler: Mutex<Handler>,
    stop: AtomicBool,
}

/// A loopback HTTP or HTTPS server answering with a replaceable handler.
pub struct Server {
    addr: SocketAddr,
    scheme: &'static str,
    state: Arc<State>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// A plain HTTP server on 127.0.0.1.
    pub fn http(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        Self::start(None, Arc::new(handler))
    }

    /// An HTTPS server on 127.0.0.1 with a certificate of `ca`.
    pub fn https(ca: &TestCa, handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        Self::start(Some(ca.acceptor()), Arc::new(handler))
    }

    fn start(tls: Option<Arc<SslAcceptor>>, handler: Handler) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("a bound address");
        let state = Arc::new(State {
            seen: Mutex::new(Vec::new()),
            handler: Mutex::new(handler),
            stop: AtomicBool::new(false),
        });
        let scheme = if tls.is_some() { "https" } else { "http" };
        let accepting = Arc::clone(&state);
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&accepting);
                let tls = tls.clone();
                std::thread::spawn(move || serve(stream, tls, &state));
            }
        });
        Server {
            addr,
            scheme,
            state,
            accept: Some(accept),
        }
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }

    /// Replaces the handler.
    pub fn set_handler(&self, handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) {
        *self.state.handler.lock().unwrap() = Arc::new(handler);
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// How many requests were seen.
    pub fn hits(&self) -> usize {
        self.state.seen.lock().unwrap().len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// A port on which nothing listens (connections are refused).
pub fn closed_port_url(path: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    drop(listener);
    format!("http://{addr}{path}")
}

fn serve(stream: TcpStream, tls: Option<Arc<SslAcceptor>>, state: &State) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    match tls {
        None => exchange(stream, state),
        Some(acceptor) => {
            if let Ok(stream) = acceptor.accept(stream) {
                exchange(stream, state);
            }
        }
    }
}

fn exchange<S: Read + Write>(stream: S, state: &State) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 {
            return;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let seen = Seen { path, headers };
    state.seen.lock().unwrap().push(seen.clone());
    let handler = Arc::clone(&state.handler.lock().unwrap());
    let reply = handler(&seen);
    std::thread::sleep(reply.delay);
    let mut stream = reader.into_inner();
    let mut head = format!("HTTP/1.1 {} X\r\nconnection: close\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match reply.body {
        Body::Bytes(body) => {
            head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
        Body::Endless => {
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let chunk = [b' '; 16 * 1024];
            for _ in 0..4096 {
                if stream.write_all(&chunk).is_err() {
                    break;
                }
            }
        }
    }
    let _ = stream.flush();
}

/// A throwaway certificate authority and a server certificate it issued
/// for 127.0.0.1 and localhost.
pub struct TestCa {
    ca_pem: Vec<u8>,
    server_cert: X509,
    server_key: PKey<Private>,
}

impl TestCa {
    /// Generates the CA and the server certificate.
    pub fn new() -> Self {
        let ca_key = ec_key();
        let ca_name = name("oidc-jwt-verifier test CA");
        let mut ca = X509::builder().unwrap();
        ca.set_version(2).unwrap();
        ca.set_serial_number(&BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap())
            .unwrap();
        ca.set_subject_name(&ca_name).unwrap();
        ca.set_issuer_name(&ca_name).unwrap();
        ca.set_pubkey(&ca_key).unwrap();
        ca.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        ca.set_not_after(&Asn1Time::days_from_now(2).unwrap())
            .unwrap();
        ca.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        ca.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
        ca.sign(&ca_key, MessageDigest::sha256()).unwrap();
        let ca = ca.build();

        let server_key = ec_key();
        let mut cert = X509::builder().unwrap();
        cert.set_version(2).unwrap();
        cert.set_serial_number(&BigNum::from_u32(2).unwrap().to_asn1_integer().unwrap())
            .unwrap();
        cert.set_subject_name(&name("127.0.0.1")).unwrap();
        cert.set_issuer_name(ca.subject_name()).unwrap();
        cert.set_pubkey(&server_key).unwrap();
        cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        cert.set_not_after(&Asn1Time::days_from_now(2).unwrap())
            .unwrap();
        let san = SubjectAlternativeName::new()
            .ip("127.0.0.1")
            .dns("localhost")
            .build(&cert.x509v3_context(Some(&ca), None))
            .unwrap();
        cert.append_extension(san).unwrap();
        cert.append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
            .unwrap();
        cert.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .build()
                .unwrap(),
        )
        .unwrap();
        cert.sign(&ca_key, MessageDigest::sha256()).unwrap();
        TestCa {
            ca_pem: ca.to_pem().unwrap(),
            server_cert: cert.build(),
            server_key,
        }
    }

    /// The CA certificate, PEM.
    pub fn ca_pem(&self) -> &[u8] {
        &self.ca_pem
    }

    fn acceptor(&self) -> Arc<SslAcceptor> {
        let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
        acceptor.set_private_key(&self.server_key).unwrap();
        acceptor.set_certificate(&self.server_cert).unwrap();
        acceptor.check_private_key().unwrap();
        Arc::new(acceptor.build())
    }
}

fn ec_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

fn name(common_name: &str) -> openssl::x509::X509Name {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)
        .unwrap();
    name.build()
}

/// RS256 signing keys by `kid`, generated here.
pub struct Issuer {
    keys: Vec<(String, Jwk)>,
}

impl Issuer {
    /// An issuer with one key per `kid`.
    pub fn new(kids: &[&str]) -> Self {
        let keys = kids
            .iter()
            .map(|kid| {
                let mut key = Jwk::generate_rsa_key(2048).unwrap();
                key.set_key_id(*kid);
                key.set_algorithm("RS256");
                key.set_key_use("sig");
                (kid.to_string(), key)
            })
            .collect();
        Issuer { keys }
    }

    fn key(&self, kid: &str) -> &Jwk {
        &self
            .keys
            .iter()
            .find(|(name, _)| name == kid)
            .expect("a key with that kid")
            .1
    }

    /// The JWK Set of the public keys with these `kid`s.
    pub fn jwks(&self, kids: &[&str]) -> String {
        let keys: Vec<Value> = kids
            .iter()
            .map(|kid| {
                // `to_public_key` keeps only `kty`, `use`, `n` and `e`.
                let mut public = self.key(kid).to_public_key().unwrap();
                public.set_key_id(*kid);
                public.set_algorithm("RS256");
                Value::Object(public.as_ref().clone())
            })
            .collect();
        json!({ "keys": keys }).to_string()
    }

    /// A token signed with `kid` for [`ISSUER`] and [`AUDIENCE`], valid from
    /// [`T0`] for a day, with `extra` claims added.
    pub fn token_with(&self, kid: &str, extra: Value) -> String {
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(ISSUER));
        claims.insert("aud".into(), json!(AUDIENCE));
        claims.insert("sub".into(), json!("user-1"));
        claims.insert("iat".into(), json!(T0 as i64));
        claims.insert("exp".into(), json!(T0 as i64 + 86_400));
        if let Value::Object(extra) = extra {
            claims.extend(extra);
        }
        let payload = JwtPayload::from_map(claims).unwrap();
        let mut header = JwsHeader::new();
        header.set_token_type("JWT");
        header.set_key_id(kid);
        let signer = RS256.signer_from_jwk(self.key(kid)).unwrap();
        jwt::encode_with_signer(&payload, &header, &signer).unwrap()
    }

    /// A plain token signed with `kid`.
    pub fn token(&self, kid: &str) -> String {
        self.token_with(kid, json!({}))
    }
}

/// The JWK Set of `kid` padded to the 100-key limit with 99 RSA-16384
/// public keys whose moduli are random odd numbers: valid to the key rules
/// (no primality is checked for a public key), costly to parse, and never
/// matching a token.
pub fn heavy_key_set(issuer: &Issuer, kid: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    let mut set: Value = serde_json::from_str(&issuer.jwks(&[kid])).unwrap();
    let keys = set["keys"].as_array_mut().unwrap();
    for index in 0..99 {
        let mut modulus = [0u8; 2048];
        openssl::rand::rand_bytes(&mut modulus).unwrap();
        modulus[0] |= 0x80;
        modulus[2047] |= 1;
        keys.push(json!({
            "kty": "RSA",
            "kid": format!("filler-{index}"),
            "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(modulus),
            "e": "AQAB",
        }));
    }
    set.to_string()
}

/// How long the core takes to read (decode and parse) `jwks`, at best of
/// three: the yardstick for the parse-off-the-lock tests.
pub fn parse_time(jwks: &str, token: &str) -> Duration {
    use oidc_jwt_verifier_core::{HttpResponse, Now, Progress, Query, UnixTime, Verifier};
    let config =
        oidc_jwt_verifier_core::AuthConfig::with_jwks_url(ISSUER, AUDIENCE, "https://k.test/");
    let mut core = Verifier::new(config).unwrap();
    let now = Now {
        wall: UnixTime::from_secs_f64(T0),
        monotonic: std::time::Instant::now(),
    };
    let Progress::Fetch(request) = core.verify(token, &mut Query::new(), now) else {
        panic!("the first verification fetches");
    };
    (0..3)
        .map(|_| {
            let response = HttpResponse {
                status: 200,
                body: jwks.as_bytes().to_vec(),
                ..HttpResponse::default()
            };
            let started = std::time::Instant::now();
            let _ = request.read(Ok(response));
            started.elapsed()
        })
        .min()
        .unwrap()
}

/// What a [`ConnectProxy`] was asked to open: the `CONNECT` target
/// (`host:port`) and the `Proxy-Authorization` header, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunnel {
    pub target: String,
    pub authorization: Option<String>,
}

/// A loopback HTTP proxy that answers `CONNECT` only: it connects to the
/// target, says `200`, relays bytes both ways, and keeps every tunnel it
/// opened. Any other request gets `405` and opens nothing.
pub struct ConnectProxy {
    addr: SocketAddr,
    tunnels: Arc<Mutex<Vec<Tunnel>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl ConnectProxy {
    /// A proxy on 127.0.0.1.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("a bound address");
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
                std::thread::spawn(move || tunnel(stream, &opened));
            }
        });
        ConnectProxy {
            addr,
            tunnels,
            stop,
            accept: Some(accept),
        }
    }

    /// The proxy's URL, `http://127.0.0.1:port`, with `userinfo@` (as
    /// written, percent-encoded or not) if given.
    pub fn url(&self, userinfo: Option<&str>) -> String {
        match userinfo {
            Some(userinfo) => format!("http://{userinfo}@{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    /// Every tunnel opened so far.
    pub fn tunnels(&self) -> Vec<Tunnel> {
        self.tunnels.lock().unwrap().clone()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// Serves one proxy connection: a `CONNECT`, then the relay.
fn tunnel(client: TcpStream, opened: &Mutex<Vec<Tunnel>>) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(client);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut authorization = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 {
            return;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("proxy-authorization") {
                authorization = Some(value.trim().to_owned());
            }
        }
    }
    let mut words = line.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
        let _ = reader
            .get_mut()
            .write_all(b"HTTP/1.1 405 X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        return;
    };
    let Ok(mut upstream) = TcpStream::connect(target) else {
        let _ = reader.get_mut().write_all(b"HTTP/1.1 502 X\r\n\r\n");
        return;
    };
    opened.lock().unwrap().push(Tunnel {
        target: target.to_owned(),
        authorization,
    });
    // Nothing is sent before the 200, but pass on anything read ahead.
    let _ = upstream.write_all(reader.buffer());
    let mut client = reader.into_inner();
    let _ = client.set_read_timeout(None);
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let (Ok(mut client_read), Ok(mut upstream_write)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_read, &mut upstream_write);
        let _ = upstream_write.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut upstream, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
}
