//! Peak memory of a process holding a 100-key JWK Set against the same
//! process without one: the benchmark runs itself as child processes
//! (`--rss-child with-keys|without-keys`), each reading the same key-set
//! body from its standard input and building the same core verifier; only
//! `with-keys` loads the keys into it. Each reports its peak resident set
//! (`VmHWM` of `/proc/self/status`).

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use oidc_jwt_verifier_blocking::{Clock, SystemClock};
use oidc_jwt_verifier_testkit::{FixedKey, TestKey};
use serde_json::{json, Value};

use crate::adapter::CachedCore;
use crate::fixture::{config_for, Alg, JWKS_URL};
use crate::stats::median;

/// Keys in the set (the most a set may hold).
pub(crate) const KEYS: usize = 100;

/// The two children's peaks, in KiB (medians over the runs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Memory {
    pub(crate) keys: usize,
    pub(crate) runs: usize,
    pub(crate) with_keys_kib: f64,
    pub(crate) without_keys_kib: f64,
}

impl Memory {
    pub(crate) fn difference_kib(&self) -> f64 {
        self.with_keys_kib - self.without_keys_kib
    }
}

/// What a child process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Child {
    WithKeys,
    WithoutKeys,
}

impl Child {
    pub(crate) fn from_arg(arg: &str) -> Option<Self> {
        match arg {
            "with-keys" => Some(Child::WithKeys),
            "without-keys" => Some(Child::WithoutKeys),
            _ => None,
        }
    }

    fn arg(self) -> &'static str {
        match self {
            Child::WithKeys => "with-keys",
            Child::WithoutKeys => "without-keys",
        }
    }
}

/// Runs each child `runs` times, alternating.
pub(crate) fn measure(runs: usize) -> Result<Memory, String> {
    let body = hundred_key_set()?.to_string();
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        with.push(run_child(Child::WithKeys, &body)?);
        without.push(run_child(Child::WithoutKeys, &body)?);
    }
    Ok(Memory {
        keys: KEYS,
        runs: with.len(),
        with_keys_kib: median(&with),
        without_keys_kib: median(&without),
    })
}

/// 100 RSA 2048 public keys with distinct `kid`s (the two shipped RSA 2048
/// moduli, alternating: each entry is parsed and held on its own all the
/// same).
fn hundred_key_set() -> Result<Value, String> {
    let moduli = [FixedKey::Rsa2048A, FixedKey::Rsa2048B]
        .map(|key| TestKey::fixed(key).map_err(|error| format!("test key: {error}")));
    let moduli = [moduli[0].clone()?, moduli[1].clone()?];
    let keys: Vec<Value> = (0..KEYS)
        .map(|index| {
            moduli[index % 2]
                .clone()
                .with_kid(format!("key-{index:03}"))
                .public_jwk()
        })
        .collect();
    Ok(json!({ "keys": keys }))
}

fn run_child(child: Child, body: &str) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|error| format!("own executable: {error}"))?;
    let mut process = Command::new(exe)
        .args(["--rss-child", child.arg()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|error| format!("child process: {error}"))?;
    process
        .stdin
        .take()
        .ok_or("child has no stdin")?
        .write_all(body.as_bytes())
        .map_err(|error| format!("child stdin: {error}"))?;
    let output = process
        .wait_with_output()
        .map_err(|error| format!("child process: {error}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("child {} failed: {text}", child.arg()));
    }
    text.trim()
        .parse()
        .map_err(|_| format!("child {} printed {text:?}, not a size", child.arg()))
}

/// The child's side: prints its peak resident set in KiB.
pub(crate) fn child_main(child: Child) -> Result<(), String> {
    let mut body = Vec::new();
    std::io::stdin()
        .read_to_end(&mut body)
        .map_err(|error| format!("stdin: {error}"))?;
    let core = CachedCore::new(config_for(Alg::Rs256, JWKS_URL))?;
    if child == Child::WithKeys {
        core.load(&body, SystemClock.now())?;
    }
    let peak = peak_rss_kib()?;
    std::hint::black_box((&core, &body));
    println!("{peak}");
    Ok(())
}

/// `VmHWM` of this process, in KiB.
fn peak_rss_kib() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|error| format!("/proc/self/status: {error}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM in /proc/self/status".into())
}
