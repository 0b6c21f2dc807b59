//! [`DpopClient`]: panva's `dpop` package (pinned by
//! `dpop-client/package-lock.json`) as a real DPoP client: a key pair it
//! generated, and the proofs it signs for the requests a test names.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value};

use crate::install::{ensure_installed, NodeProject};
use crate::HarnessError;

/// The proof algorithms the package signs with.
pub const DPOP_CLIENT_ALGORITHMS: [&str; 4] = ["ES256", "PS256", "RS256", "Ed25519"];

/// A running `node dpop-client/client.mjs <alg>`: one key pair for its
/// lifetime, one proof per [`proof`](Self::proof). Killed when dropped.
#[derive(Debug)]
pub struct DpopClient {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    jkt: String,
}

impl DpopClient {
    /// Installs the package if needed (`npm ci`) and starts a client whose
    /// key pair is of `alg` (one of [`DPOP_CLIENT_ALGORITHMS`]).
    pub fn start(alg: &str) -> Result<DpopClient, HarnessError> {
        let dir = ensure_installed(NodeProject::DpopClient)?;
        let mut child = Command::new("node")
            .arg("client.mjs")
            .arg(alg)
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(HarnessError::io("starting node client.mjs"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(HarnessError::DpopClient("no pipes to the client".into()));
        };
        let mut client = DpopClient {
            child,
            stdin,
            stdout: BufReader::new(stdout),
            jkt: String::new(),
        };
        client.jkt = client.read_member("jkt")?;
        Ok(client)
    }

    /// The RFC 7638 thumbprint of the client's public key, as the package
    /// computes it: what an authorization server puts in `cnf.jkt`.
    pub fn jkt(&self) -> &str {
        &self.jkt
    }

    /// The package's proof for a `method` request to `uri` carrying `token`
    /// (its `ath`), issued now by the machine's clock.
    pub fn proof(&mut self, method: &str, uri: &str, token: &str) -> Result<String, HarnessError> {
        let request = json!({"htm": method, "htu": uri, "token": token});
        writeln!(self.stdin, "{request}").map_err(HarnessError::io("writing to the client"))?;
        self.stdin
            .flush()
            .map_err(HarnessError::io("writing to the client"))?;
        self.read_member("proof")
    }

    /// Reads one JSON line and returns its string member `name`.
    fn read_member(&mut self, name: &str) -> Result<String, HarnessError> {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(HarnessError::io("reading from the client"))?;
        serde_json::from_str::<Value>(&line)
            .ok()
            .and_then(|value| value.get(name)?.as_str().map(str::to_owned))
            .ok_or_else(|| {
                HarnessError::DpopClient(format!("expected {{\"{name}\": ...}}, got {line:?}"))
            })
    }
}

impl Drop for DpopClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
