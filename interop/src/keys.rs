//! [`ProviderKeys`]: the private keys one generation of the provider signs
//! with (and the one it would decrypt with), generated fresh by the test
//! kit, and the process's test CA that issues their `x5c` chains and the
//! provider's HTTPS certificate.

use std::sync::{Arc, Mutex, PoisonError};

use oidc_jwt_verifier_testkit::{KeyKind, TestCa, TestKey};
use serde_json::{json, Value};

use crate::HarnessError;

/// The CA of this process, made at first use.
static SHARED_CA: Mutex<Option<Arc<TestCa>>> = Mutex::new(None);

/// The key generations of this process, in order, made at first use.
static GENERATIONS: Mutex<Vec<Arc<ProviderKeys>>> = Mutex::new(Vec::new());

/// The CA every provider of this process uses (TEST ONLY), generated at
/// first use.
pub(crate) fn shared_ca() -> Result<Arc<TestCa>, HarnessError> {
    let mut shared = SHARED_CA.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(ca) = shared.as_ref() {
        return Ok(Arc::clone(ca));
    }
    let ca = Arc::new(TestCa::generate()?);
    *shared = Some(Arc::clone(&ca));
    Ok(ca)
}

/// One key as the provider's configuration receives it.
struct ProviderKey {
    key: TestKey,
    usage: Option<&'static str>,
    x5c: Option<Vec<String>>,
}

/// The keys of one provider generation (TEST ONLY), shaped as a real
/// deployment's are: an RSA 2048 key (`use: sig`, with an `x5c` chain) for
/// RS256 and PS256, an EC P-256 key (no `use`, with an `x5c` chain) for
/// ES256, an Ed25519 key (no `use`) for EdDSA and Ed25519, and an RSA 2048
/// `use: enc` key beside them. None carries `kid` or `alg`: the provider
/// derives the `kid` (a thumbprint) and publishes `alg` only where a key
/// fits a single algorithm.
pub(crate) struct ProviderKeys {
    keys: Vec<ProviderKey>,
}

impl ProviderKeys {
    /// Generation `n` (from 0) of this process, with `x5c` chains issued by
    /// [`shared_ca`]. Each is generated once and then shared by every
    /// provider of the process: RSA key generation takes about a second on a
    /// loaded machine, and providers on different ports do not care that
    /// they hold the same keys.
    pub(crate) fn generation(n: usize) -> Result<Arc<ProviderKeys>, HarnessError> {
        let mut generations = GENERATIONS.lock().unwrap_or_else(PoisonError::into_inner);
        if generations.len() <= n {
            let ca = shared_ca()?;
            while generations.len() <= n {
                generations.push(Arc::new(ProviderKeys::generate(&ca)?));
            }
        }
        Ok(Arc::clone(&generations[n]))
    }

    /// Generates a new set, with `x5c` chains issued by `ca`.
    fn generate(ca: &TestCa) -> Result<Self, HarnessError> {
        let rsa = TestKey::generate(KeyKind::RSA_2048)?;
        let ec = TestKey::generate(KeyKind::P256)?;
        let keys = vec![
            ProviderKey {
                x5c: Some(ca.x5c_chain("interop RSA signing key (TEST ONLY)", rsa.openssl_key())?),
                key: rsa,
                usage: Some("sig"),
            },
            ProviderKey {
                x5c: Some(ca.x5c_chain("interop EC signing key (TEST ONLY)", ec.openssl_key())?),
                key: ec,
                usage: None,
            },
            ProviderKey {
                key: TestKey::generate(KeyKind::Ed25519)?,
                usage: None,
                x5c: None,
            },
            ProviderKey {
                key: TestKey::generate(KeyKind::RSA_2048)?,
                usage: Some("enc"),
                x5c: None,
            },
        ];
        Ok(ProviderKeys { keys })
    }

    /// The `keys` member of the provider script's configuration: for each
    /// key its PKCS#8 PEM and the JWK members to add (`use`, `x5c`).
    pub(crate) fn to_config(&self) -> Result<Value, HarnessError> {
        let mut entries = Vec::with_capacity(self.keys.len());
        for key in &self.keys {
            let mut entry = json!({ "pem": key.key.private_pem()? });
            if let Some(usage) = key.usage {
                entry["use"] = json!(usage);
            }
            if let Some(x5c) = &key.x5c {
                entry["x5c"] = json!(x5c);
            }
            entries.push(entry);
        }
        Ok(Value::Array(entries))
    }
}
