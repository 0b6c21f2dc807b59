//! Every use of the core's own driving API, in one place: load a key set
//! into a [`Verifier`], verify with the cached keys (the core behind a mutex,
//! as a multi-threaded service holds it), and the single parts the
//! micro-benchmarks time. Nothing else in the benchmark names a core type
//! beyond the drivers' shared ones (`AuthConfig`, `Claims`, `AuthError`,
//! `Now`, `Clock`).

use std::sync::{Mutex, PoisonError};

use oidc_jwt_verifier_core::parts::{ParsedKeySet, ParsedToken, Parts};
use oidc_jwt_verifier_core::{
    AuthConfig, AuthError, Claims, FetchNext, HttpResponse, Now, Progress, Query, TokenReader,
    UnixTime, Verifier,
};

/// The signature backend our layers run on: the one the core was built
/// with (this crate's feature `openssl` or `aws-lc`).
pub(crate) const BACKEND: &str = oidc_jwt_verifier_core::SIGNATURE_BACKEND;

/// A core verifier behind a mutex, as the drivers hold it: the token read
/// before the lock is taken, the lock held for the key lookup only, the
/// signature and claims checked after it is released.
pub(crate) struct CachedCore {
    core: Mutex<Verifier>,
    reader: TokenReader,
}

/// Why a verification with cached keys gave no claims.
#[derive(Debug)]
pub(crate) enum CoreError {
    /// The token was refused.
    Refused(AuthError),
    /// The core asked for keys: none are cached (or they expired).
    NeedsKeys,
}

impl std::fmt::Display for CoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CoreError::Refused(error) => write!(f, "refused: {}", error.code()),
            CoreError::NeedsKeys => f.write_str("no keys cached"),
        }
    }
}

impl CachedCore {
    /// A verifier with nothing cached.
    pub(crate) fn new(config: AuthConfig) -> Result<Self, String> {
        let core = Verifier::new(config).map_err(|error| format!("configuration: {error}"))?;
        Ok(CachedCore {
            reader: core.token_reader(),
            core: Mutex::new(core),
        })
    }

    /// Loads a key set as if the JWKS endpoint had answered 200 with `body`:
    /// the refresh the core asks for is answered at once.
    pub(crate) fn load(&self, body: &[u8], now: Now) -> Result<(), String> {
        let mut core = self.lock();
        let mut query = Query::new();
        for _ in 0..2 {
            match core.healthcheck(&mut query, now) {
                Progress::Done { answer: true, .. } => return Ok(()),
                Progress::Done { answer: false, .. } => {
                    return Err("the key set has no usable key".into())
                }
                Progress::Wait { .. } => {
                    return Err("the core waits for a fetch nobody made".into())
                }
                Progress::Fetch(request) => {
                    let response = HttpResponse {
                        status: 200,
                        body: body.to_vec(),
                        ..HttpResponse::default()
                    };
                    let answer = request.read(Ok(response));
                    match core.handle_answer(answer, now) {
                        Ok(FetchNext::Ended) => {}
                        Ok(FetchNext::Perform(_)) => {
                            return Err("the core asked for a second request".into())
                        }
                        Err(error) => return Err(error.to_string()),
                    }
                }
            }
        }
        Err("the core still asks for keys after one was fed in".into())
    }

    /// Verifies `token` with the cached keys at `now`.
    pub(crate) fn verify(&self, token: &str, now: Now) -> Result<Claims, CoreError> {
        let token = self.reader.read(token).map_err(CoreError::Refused)?;
        let progress = self.lock().choose_key(&token, &mut Query::new(), now);
        match progress {
            Progress::Done { answer, .. } => {
                let key = answer.map_err(CoreError::Refused)?;
                token.finish(key).map_err(CoreError::Refused)
            }
            Progress::Fetch(_) | Progress::Wait { .. } => Err(CoreError::NeedsKeys),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Verifier> {
        self.core.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The verification's parts, one at a time (the core's hidden
/// micro-benchmark entry points).
pub(crate) struct CoreParts {
    parts: Parts,
}

/// A token after compact parsing and the header policy.
#[derive(Clone)]
pub(crate) struct Parsed<'t>(ParsedToken<'t>);

/// A parsed key set.
pub(crate) struct KeySet(ParsedKeySet);

impl CoreParts {
    pub(crate) fn new(config: &AuthConfig) -> Result<Self, String> {
        Parts::new(config)
            .map(|parts| CoreParts { parts })
            .map_err(|error| format!("configuration: {error}"))
    }

    /// Compact parsing and the header policy.
    pub(crate) fn parse_token<'t>(&self, token: &'t str) -> Result<Parsed<'t>, AuthError> {
        self.parts.parse_token(token).map(Parsed)
    }

    /// The claim checks at wall-clock time `now` (Unix seconds).
    pub(crate) fn check_claims(&self, token: Parsed<'_>, now: f64) -> Result<Claims, AuthError> {
        self.parts
            .check_claims(token.0, UnixTime::from_secs_f64(now))
    }

    /// JWK Set parsing, keys made ready to verify.
    pub(crate) fn parse_key_set(&self, body: &[u8]) -> Result<KeySet, String> {
        self.parts
            .parse_key_set(body)
            .map(KeySet)
            .map_err(|problem| format!("{problem:?}"))
    }
}

impl KeySet {
    /// Key selection for `token`: whether exactly one key fits it.
    pub(crate) fn selects_one(&self, token: &Parsed<'_>) -> bool {
        self.0.selects_one(token.0.kid(), token.0.alg())
    }
}
