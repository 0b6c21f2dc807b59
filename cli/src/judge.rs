//! Verifying and explaining against the run's key source: over the network
//! through the blocking driver, or from a local JWK Set file by
//! driving the core directly, the file's bytes answering its request.

use std::sync::Arc;
use std::time::Instant;

use oidc_jwt_verifier_blocking::core::http_types::HeaderMap;
use oidc_jwt_verifier_blocking::core::{
    AuthError, Claims, Clock, Explain, FetchNext, FetchRequest, HttpResponse, Now, Progress, Query,
    SystemClock, UnixTime, Verifier, MAX_BODY_BYTES,
};

use oidc_jwt_verifier_blocking::JwtVerifier;

use super::input;
use super::settings::{KeySource, Settings};
use super::UsageError;

/// The most rounds one operation is asked: a verification needs at most
/// one refresh, and a file answers it at once.
const MAX_ROUNDS: usize = 4;

/// The system clocks, with the wall clock read as `at` when given: claims
/// are judged then, while the key cache keeps real (monotonic) time.
#[derive(Debug, Clone, Copy)]
struct ClaimsClock {
    at: Option<UnixTime>,
}

impl Clock for ClaimsClock {
    fn monotonic(&self) -> Instant {
        SystemClock.monotonic()
    }

    fn wall(&self) -> UnixTime {
        self.at.unwrap_or_else(|| SystemClock.wall())
    }
}

/// Verifies or explains tokens against the run's key source.
#[derive(Debug)]
pub(crate) enum Judge {
    /// The blocking driver, fetching as the configuration says.
    Network(JwtVerifier),
    /// The core, its one request answered with a file's bytes (boxed: a
    /// core verifier is large, a driver's handle small).
    File(Box<FileKeys>),
}

/// A core verifier whose key set is a local file: every request it hands
/// out is answered with the file's bytes as a 200, none is performed.
#[derive(Debug)]
pub(crate) struct FileKeys {
    core: Verifier,
    jwks: Vec<u8>,
    clock: ClaimsClock,
}

impl Judge {
    /// The judge `settings` describe (the configuration validated, the
    /// file or the root certificates read).
    pub(crate) fn new(settings: &Settings) -> Result<Judge, UsageError> {
        let config = settings.config.clone();
        let clock = ClaimsClock { at: settings.at };
        match &settings.keys {
            KeySource::Network { root_ca } => {
                let mut builder = JwtVerifier::builder(config).clock(Arc::new(clock));
                if let Some(path) = root_ca {
                    builder = builder.root_certificate_pem(&input::pem(path)?);
                }
                Ok(Judge::Network(builder.build()?))
            }
            KeySource::File(path) => {
                let core = Verifier::new(config).map_err(UsageError::from)?;
                // One byte over the body limit is enough to be refused as
                // a key source's oversized body would be.
                let jwks = input::file(path, MAX_BODY_BYTES as u64)?;
                Ok(Judge::File(Box::new(FileKeys { core, jwks, clock })))
            }
        }
    }

    /// Verifies `token` as a service would.
    pub(crate) fn verify(&mut self, token: &str) -> Result<Result<Claims, AuthError>, UsageError> {
        match self {
            Judge::Network(verifier) => Ok(verifier.verify_access_token(token)),
            Judge::File(keys) => keys.run(|core, query, now| {
                core.verify(token, query, now)
                    .map(|check| check.and_then(|c| c.finish()))
            }),
        }
    }

    /// Explains what verifying `token` does, check by check.
    pub(crate) fn explain(&mut self, token: &str) -> Result<Explain, UsageError> {
        match self {
            Judge::Network(verifier) => Ok(verifier.explain(token)),
            Judge::File(keys) => keys.run(|core, query, now| core.explain(token, query, now)),
        }
    }
}

impl FileKeys {
    /// Asks `operation` until it answers, answering each request it hands
    /// out from the file.
    fn run<T>(
        &mut self,
        mut operation: impl FnMut(&mut Verifier, &mut Query, Now) -> Progress<T>,
    ) -> Result<T, UsageError> {
        let mut query = Query::new();
        for _ in 0..MAX_ROUNDS {
            let now = self.clock.now();
            match operation(&mut self.core, &mut query, now) {
                Progress::Done { answer, background } => {
                    if let Some(request) = background {
                        self.answer(request, now);
                    }
                    return Ok(answer);
                }
                Progress::Fetch(request) => self.answer(request, now),
                Progress::Wait { .. } => break,
            }
        }
        Err(UsageError::new(
            "the verifier did not answer (a bug: please report it)",
        ))
    }

    /// Answers `request`, and any request its refresh goes on with (none:
    /// a JWK Set URL is one request), with the file's bytes.
    fn answer(&mut self, mut request: FetchRequest, now: Now) {
        for _ in 0..MAX_ROUNDS {
            let response = HttpResponse {
                status: 200,
                headers: HeaderMap::new(),
                body: self.jwks.clone(),
            };
            let answer = request.read(Ok(response));
            match self.core.handle_answer(answer, now) {
                Ok(FetchNext::Perform(next)) => request = next,
                Ok(FetchNext::Ended) | Err(_) => return,
            }
        }
    }
}
