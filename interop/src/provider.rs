//! [`OpenIdProvider`]: panva's oidc-provider as a child process on
//! 127.0.0.1, over HTTPS with a generated CA, stopped (killed) when dropped.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use tempfile::TempDir;
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
use ureq::Agent;

use oidc_jwt_verifier_testkit::ServerIdentity;

use crate::keys::{shared_ca, ProviderKeys};
use crate::{install, HarnessError};

/// The audience of every access token the provider issues: one API, one
/// resource indicator per signing algorithm (see [`resource_for`]).
pub const AUDIENCE: &str = "https://orders.example.test";

/// The confidential client the tokens are issued to (`sub` and `client_id`
/// of a client_credentials token).
pub const CLIENT_ID: &str = "orders-service";

/// Every scope the client may ask for.
pub const CLIENT_SCOPES: [&str; 2] = ["orders:read", "orders:write"];

/// The JWS algorithms the provider signs access tokens with, one resource
/// indicator each: RFC 7518's names and RFC 9864's `Ed25519`.
pub const ALGORITHMS: [&str; 5] = ["RS256", "PS256", "ES256", "EdDSA", "Ed25519"];

/// How long an access token lives, seconds: long enough for a test to move
/// its clock past the verifier's stale window while tokens stay valid.
pub const ACCESS_TOKEN_TTL_S: u64 = 3600;

/// The client's secret (TEST ONLY).
const CLIENT_SECRET: &str = "interop-client-secret-TEST-ONLY-0123456789";

/// How long a starting provider may take to serve its discovery document.
/// Generous: Node starts slowly on a loaded 2-core machine.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// Pause between two readiness polls.
const POLL_EVERY: Duration = Duration::from_millis(100);

/// Timeout of one request of the harness to the provider.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How many ports a first start tries when the one picked was taken
/// between picking and listening.
const PORT_TRIES: usize = 3;

/// The resource indicator (RFC 8707) whose tokens are signed with `alg`.
pub fn resource_for(alg: &str) -> String {
    format!("{AUDIENCE}/{}", alg.to_ascii_lowercase())
}

/// The pinned oidc-provider, running as `node provider.mjs` on
/// `https://127.0.0.1:<port>`: client_credentials with resource indicators,
/// RFC 9068 JWT access tokens for every algorithm of [`ALGORITHMS`],
/// signed with one generation of generated test keys.
///
/// The port stays the same across restarts, so the issuer does too.
/// Dropping it kills the process (also when a test panics).
pub struct OpenIdProvider {
    node_project: PathBuf,
    files: TempDir,
    port: u16,
    ca_pem: String,
    identity: ServerIdentity,
    generation: usize,
    keys: Arc<ProviderKeys>,
    agent: Agent,
    process: Option<Child>,
    starts: usize,
}

impl OpenIdProvider {
    /// Installs the pinned packages if needed, takes the process's test CA
    /// and first key generation (generating them at first use), issues a
    /// server certificate, starts the provider on a free port and waits
    /// until it serves its discovery document.
    pub fn start() -> Result<Self, HarnessError> {
        let node_project = install::ensure_installed(install::NodeProject::Provider)?;
        let ca = shared_ca()?;
        let ca_pem = ca.ca_pem().to_owned();
        let identity = ca.server_identity()?;
        let keys = ProviderKeys::generation(0)?;
        let agent = agent_trusting(&ca_pem)?;
        let files = tempfile::Builder::new()
            .prefix("oidc-interop-")
            .tempdir()
            .map_err(HarnessError::io(
                "creating a folder for the provider's files",
            ))?;
        let mut provider = OpenIdProvider {
            node_project,
            files,
            port: 0,
            ca_pem,
            identity,
            generation: 0,
            keys,
            agent,
            process: None,
            starts: 0,
        };
        provider.start_on_a_free_port()?;
        Ok(provider)
    }

    /// The issuer: `https://127.0.0.1:<port>` (the provider's `iss`).
    pub fn issuer(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The OpenID Connect discovery document's URL.
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer())
    }

    /// The test CA's certificate (PEM): trust it, and only it.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The provider's discovery document, as it serves it now.
    pub fn discovery_document(&self) -> Result<Value, HarnessError> {
        Ok(self.get_json(&self.discovery_url())?.1)
    }

    /// The `jwks_uri` of the discovery document.
    pub fn jwks_uri(&self) -> Result<String, HarnessError> {
        self.endpoint("jwks_uri")
    }

    /// The published JWK Set and the `Content-Type` it is served with.
    pub fn published_jwks(&self) -> Result<(String, Value), HarnessError> {
        self.get_json(&self.jwks_uri()?)
    }

    /// An access token from the token endpoint: the client_credentials
    /// grant for the resource of `alg`, asking for `scope`.
    pub fn access_token(&self, alg: &str, scope: &str) -> Result<String, HarnessError> {
        let url = self.endpoint("token_endpoint")?;
        let credentials = STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
        let resource = resource_for(alg);
        let form = [
            ("grant_type", "client_credentials"),
            ("resource", resource.as_str()),
            ("scope", scope),
        ];
        let response = self
            .agent
            .post(&url)
            .header("authorization", format!("Basic {credentials}"))
            .send_form(form);
        let (status, _, body) = read_response(&url, response)?;
        if status != 200 {
            return Err(HarnessError::http(
                &url,
                format!("answered {status}: {body}"),
            ));
        }
        let body: Value = parse_json(&url, &body)?;
        match body["access_token"].as_str() {
            Some(token) => Ok(token.to_owned()),
            None => Err(HarnessError::http(
                &url,
                format!("no access_token in {body}"),
            )),
        }
    }

    /// Kills the provider and waits for it to end: from now on its port
    /// refuses connections. Stopping a stopped provider does nothing.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            // Killing fails only if it already ended; waiting reaps it.
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Stops the provider and starts it again with the same keys, on the
    /// same port.
    pub fn restart(&mut self) -> Result<(), HarnessError> {
        self.stop();
        self.spawn_and_wait()
    }

    /// Stops the provider and starts it again on the same port with the
    /// next key generation: every old key is gone from its JWK Set, and
    /// tokens are signed with the new keys.
    pub fn restart_with_new_keys(&mut self) -> Result<(), HarnessError> {
        self.generation += 1;
        self.keys = ProviderKeys::generation(self.generation)?;
        self.restart()
    }

    /// Picks a free port and starts there, trying another port when the
    /// one picked was taken before the provider could listen on it.
    fn start_on_a_free_port(&mut self) -> Result<(), HarnessError> {
        let mut tries = 0;
        loop {
            self.port = free_port()?;
            tries += 1;
            match self.spawn_and_wait() {
                Err(HarnessError::ProviderExited { log, .. })
                    if log.contains("EADDRINUSE") && tries < PORT_TRIES =>
                {
                    continue
                }
                outcome => return outcome,
            }
        }
    }

    /// Writes the configuration, starts `node provider.mjs` and waits until
    /// the discovery document names this issuer.
    fn spawn_and_wait(&mut self) -> Result<(), HarnessError> {
        self.starts += 1;
        let config = self.files.path().join("provider.json");
        let config_text = self.config()?.to_string();
        std::fs::write(&config, config_text)
            .map_err(HarnessError::io(format!("writing {}", config.display())))?;
        let log_path = self
            .files
            .path()
            .join(format!("provider-{}.log", self.starts));
        let log = File::create(&log_path)
            .map_err(HarnessError::io(format!("creating {}", log_path.display())))?;
        let log_too = log
            .try_clone()
            .map_err(HarnessError::io("sharing the provider's log file"))?;
        let process = Command::new("node")
            .arg(self.node_project.join("provider.mjs"))
            .arg(&config)
            .current_dir(&self.node_project)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_too)
            .spawn()
            .map_err(HarnessError::io(
                "starting `node provider.mjs` (the interop test needs Node.js on the PATH)",
            ))?;
        self.process = Some(process);
        self.wait_until_ready(&log_path)
    }

    /// Polls the discovery URL until it answers with this issuer, the
    /// process ends, or [`READY_WITHIN`] passes.
    fn wait_until_ready(&mut self, log_path: &Path) -> Result<(), HarnessError> {
        let url = self.discovery_url();
        let started = Instant::now();
        loop {
            let last = match self.get_json(&url) {
                Ok((_, document)) if document["issuer"] == json!(self.issuer()) => return Ok(()),
                Ok((_, document)) => format!("a document naming issuer {}", document["issuer"]),
                Err(error) => error.to_string(),
            };
            let exited = match self.process.as_mut().map(Child::try_wait) {
                Some(Ok(Some(status))) => Some(status.to_string()),
                Some(Ok(None)) => None,
                Some(Err(error)) => Some(error.to_string()),
                None => Some("never started".to_owned()),
            };
            if let Some(status) = exited {
                self.process = None;
                let log = read_log(log_path);
                return Err(HarnessError::ProviderExited { status, log });
            }
            if started.elapsed() >= READY_WITHIN {
                self.stop();
                return Err(HarnessError::ProviderNotReady {
                    url,
                    waited: READY_WITHIN,
                    last,
                    log: read_log(log_path),
                });
            }
            std::thread::sleep(POLL_EVERY);
        }
    }

    /// The configuration `provider.mjs` reads.
    fn config(&self) -> Result<Value, HarnessError> {
        let resources: serde_json::Map<String, Value> = ALGORITHMS
            .iter()
            .map(|alg| (resource_for(alg), json!(alg)))
            .collect();
        Ok(json!({
            "port": self.port,
            "tls": {"cert": self.identity.cert_pem, "key": self.identity.key_pem},
            "keys": self.keys.to_config()?,
            "client": {"id": CLIENT_ID, "secret": CLIENT_SECRET, "scope": CLIENT_SCOPES.join(" ")},
            "audience": AUDIENCE,
            "resources": resources,
            "access_token_ttl_s": ACCESS_TOKEN_TTL_S,
        }))
    }

    /// A URL member of the discovery document.
    fn endpoint(&self, member: &str) -> Result<String, HarnessError> {
        let document = self.discovery_document()?;
        match document[member].as_str() {
            Some(url) => Ok(url.to_owned()),
            None => Err(HarnessError::http(
                &self.discovery_url(),
                format!("no {member} in {document}"),
            )),
        }
    }

    /// GETs `url`, expecting 200 and JSON; returns the content type too.
    fn get_json(&self, url: &str) -> Result<(String, Value), HarnessError> {
        let (status, content_type, body) = read_response(url, self.agent.get(url).call())?;
        if status != 200 {
            return Err(HarnessError::http(
                url,
                format!("answered {status}: {body}"),
            ));
        }
        Ok((content_type, parse_json(url, &body)?))
    }
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port of 127.0.0.1 free now (the listener is closed again at once, so
/// the provider can listen there).
fn free_port() -> Result<u16, HarnessError> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(HarnessError::io("binding 127.0.0.1:0 to find a free port"))?;
    let port = listener
        .local_addr()
        .map_err(HarnessError::io("reading the free port"))?
        .port();
    Ok(port)
}

/// An agent trusting only the test CA, returning every status as a
/// response, never using a proxy.
fn agent_trusting(ca_pem: &str) -> Result<Agent, HarnessError> {
    let root = Certificate::from_pem(ca_pem.as_bytes())
        .map_err(|error| HarnessError::http("the test CA", error))?;
    let tls = TlsConfig::builder()
        .provider(TlsProvider::NativeTls)
        .root_certs(RootCerts::Specific(Arc::new(vec![root])))
        .build();
    Ok(Agent::config_builder()
        .tls_config(tls)
        .proxy(None)
        .http_status_as_error(false)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .build()
        .new_agent())
}

/// The status, `Content-Type` and body text of an exchange.
fn read_response(
    url: &str,
    exchange: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(u16, String, String), HarnessError> {
    let mut response = exchange.map_err(|error| HarnessError::http(url, error))?;
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|error| HarnessError::http(url, error))?;
    Ok((response.status().as_u16(), content_type, body))
}

fn parse_json(url: &str, body: &str) -> Result<Value, HarnessError> {
    serde_json::from_str(body).map_err(|error| HarnessError::http(url, format!("{error}: {body}")))
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| format!("(unreadable: {error})"))
}
