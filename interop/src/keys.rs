//! [`ProviderKeys`]: the private keys one generation of the provider signs
//! with (and the one it would decrypt with), generated fresh by OpenSSL.

use std::sync::{Arc, Mutex};

use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use serde_json::{json, Value};

use crate::pki::TestCa;
use crate::HarnessError;

/// The key generations of this process, in order, made at first use.
static GENERATIONS: Mutex<Vec<Arc<ProviderKeys>>> = Mutex::new(Vec::new());

/// One key as the provider's configuration receives it.
struct ProviderKey {
    key: PKey<Private>,
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
    /// [`TestCa::shared`]. Each is generated once and then shared by every
    /// provider of the process: RSA key generation takes about a second on a
    /// loaded machine, and providers on different ports do not care that
    /// they hold the same keys.
    pub(crate) fn generation(n: usize) -> Result<Arc<ProviderKeys>, HarnessError> {
        let mut generations = GENERATIONS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if generations.len() <= n {
            let ca = TestCa::shared()?;
            while generations.len() <= n {
                generations.push(Arc::new(ProviderKeys::generate(&ca)?));
            }
        }
        Ok(Arc::clone(&generations[n]))
    }

    /// Generates a new set, with `x5c` chains issued by `ca`.
    fn generate(ca: &TestCa) -> Result<Self, HarnessError> {
        let rsa = PKey::from_rsa(Rsa::generate(2048)?)?;
        let ec = PKey::from_ec_key(EcKey::generate(
            EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?.as_ref(),
        )?)?;
        let keys = vec![
            ProviderKey {
                x5c: Some(ca.x5c_chain("interop RSA signing key (TEST ONLY)", &rsa)?),
                key: rsa,
                usage: Some("sig"),
            },
            ProviderKey {
                x5c: Some(ca.x5c_chain("interop EC signing key (TEST ONLY)", &ec)?),
                key: ec,
                usage: None,
            },
            ProviderKey {
                key: PKey::generate_ed25519()?,
                usage: None,
                x5c: None,
            },
            ProviderKey {
                key: PKey::from_rsa(Rsa::generate(2048)?)?,
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
            let pem = String::from_utf8_lossy(&key.key.private_key_to_pem_pkcs8()?).into_owned();
            let mut entry = json!({ "pem": pem });
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
