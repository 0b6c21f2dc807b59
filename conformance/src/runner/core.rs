//! The core layer: the Sans-IO verifier driven directly, its requests
//! answered from the `serve` table with no sockets ([`Endpoints`]), both
//! clocks taken from each step's `at`.

use std::time::Instant;

use oidc_jwt_verifier_core::http_types::HeaderMap;
use oidc_jwt_verifier_core::{
    AuthError, Check, Claims, FetchNext, FetchRequest, Now, Progress, Query, Requirements, Verifier,
};

use super::endpoints::Endpoints;
use super::step_time::StepTimes;
use super::{key_ids, verified, Layer, LayerError, Rejection, StartError, Verified, World};
use crate::case::{Case, Serve, VerifyInput};

/// How many times one operation is asked again after a refresh before the
/// runner gives up (the core's contract needs at most three).
const MAX_ROUNDS: usize = 8;

/// The most HTTP requests one step may cause (a refresh makes a handful).
const MAX_REQUESTS_PER_STEP: usize = 1000;

/// Drives the Sans-IO core directly.
#[derive(Debug, Clone, Copy, Default)]
pub struct CoreLayer;

impl Layer for CoreLayer {
    fn name(&self) -> &str {
        "core"
    }

    fn start(&self, case: &Case) -> Result<Box<dyn World + '_>, StartError> {
        let config = case.auth_config().map_err(StartError::Config)?;
        let verifier = Verifier::new(config).map_err(StartError::Config)?;
        // The origin of the case's simulated monotonic clock.
        let origin = Instant::now();
        Ok(Box::new(CoreWorld {
            core: SansIo::new(verifier),
            times: StepTimes::new(origin),
            now: None,
        }))
    }
}

/// The Sans-IO verifier with simulated endpoints: the canonical driver
/// loop, with no sockets.
#[derive(Debug)]
pub(crate) struct SansIo {
    verifier: Verifier,
    endpoints: Endpoints,
}

/// A verification's progress with its check finished (signature and claims).
fn finished(
    progress: Progress<Result<Check<'_>, AuthError>>,
) -> Progress<Result<Claims, AuthError>> {
    progress.map(|check| check.and_then(Check::finish))
}

impl SansIo {
    /// `verifier` with no endpoint served yet.
    pub(crate) fn new(verifier: Verifier) -> SansIo {
        SansIo {
            verifier,
            endpoints: Endpoints::default(),
        }
    }

    /// Sets what `serve.url` answers from now on.
    pub(crate) fn serve(&mut self, serve: &Serve) {
        self.endpoints.serve(serve);
    }

    /// Requests `url` has received so far.
    pub(crate) fn fetch_count(&self, url: &str) -> u64 {
        self.endpoints.fetch_count(url)
    }

    /// Verifies a case's input at `now`, as a driver's entry point for that
    /// input would: a bare token, an `Authorization` value, or a request
    /// (with a method and URI, read as a whole request, proofs included;
    /// else by its header fields).
    pub(crate) fn verify(
        &mut self,
        input: &VerifyInput,
        now: Now,
    ) -> Result<Result<Claims, AuthError>, LayerError> {
        let mut query = Query::new();
        // Built once: the verifier's answer borrows them across rounds.
        let (headers, route) = match input {
            VerifyInput::Request(request) => (request.header_map(), request.requirements()),
            _ => (HeaderMap::new(), Requirements::new()),
        };
        self.run(now, |verifier, now| {
            finished(match input {
                VerifyInput::Token(token) => verifier.verify(token, &mut query, now),
                VerifyInput::Header(header) => {
                    verifier.verify_authorization(header.as_deref(), &mut query, now)
                }
                VerifyInput::Request(request) => match request.incoming(&headers) {
                    Some(incoming) => verifier.verify_request(&incoming, &route, &mut query, now),
                    None => verifier.verify_headers(&headers, &route, &mut query, now),
                },
            })
        })
    }

    /// The canonical driver loop: ask; do what the answer says (perform the
    /// refresh handed out, request after request; or, once answered, the
    /// background refresh-ahead, completed before the step ends); ask again
    /// until it answers. With one caller, nobody else has a request out, so
    /// being told to wait is a failure of the contract.
    pub(crate) fn run<T>(
        &mut self,
        now: Now,
        mut op: impl FnMut(&mut Verifier, Now) -> Progress<T>,
    ) -> Result<T, LayerError> {
        for _ in 0..MAX_ROUNDS {
            match op(&mut self.verifier, now) {
                Progress::Done { answer, background } => {
                    if let Some(request) = background {
                        self.perform(request, now)?;
                    }
                    return Ok(answer);
                }
                Progress::Fetch(request) => self.perform(request, now)?,
                Progress::Wait { until } => {
                    return Err(LayerError(format!(
                        "told to wait (until {until:?}) with no request out"
                    )))
                }
            }
        }
        Err(LayerError(format!(
            "the verifier still needed keys after {MAX_ROUNDS} refreshes"
        )))
    }

    /// Performs a refresh, request after request, until the core says it
    /// has ended.
    fn perform(&mut self, mut request: FetchRequest, now: Now) -> Result<(), LayerError> {
        for _ in 0..MAX_REQUESTS_PER_STEP {
            let answer = request.read(self.endpoints.perform(&request));
            let next = self.verifier.handle_answer(answer, now);
            match next.map_err(|unexpected| LayerError(unexpected.to_string()))? {
                FetchNext::Perform(next) => request = next,
                FetchNext::Ended => return Ok(()),
            }
        }
        Err(LayerError(format!(
            "more than {MAX_REQUESTS_PER_STEP} requests in one step"
        )))
    }
}

/// A verifier, simulated endpoints and the clocks of the current step.
#[derive(Debug)]
struct CoreWorld {
    core: SansIo,
    times: StepTimes,
    /// Both clocks of the current step.
    now: Option<Now>,
}

impl CoreWorld {
    fn now(&self) -> Result<Now, LayerError> {
        self.now
            .ok_or_else(|| LayerError("an operation before any time was set".into()))
    }
}

impl World for CoreWorld {
    fn set_time(&mut self, at: f64) -> Result<(), LayerError> {
        self.now = Some(self.times.at(at)?);
        Ok(())
    }

    fn serve(&mut self, serve: &Serve) -> Result<(), LayerError> {
        self.core.serve(serve);
        Ok(())
    }

    fn verify(&mut self, input: &VerifyInput) -> Result<Verified, LayerError> {
        let outcome = self.core.verify(input, self.now()?)?;
        Ok(verified(outcome))
    }

    fn healthcheck(&mut self, refresh: bool) -> Result<bool, LayerError> {
        let (now, mut query) = (self.now()?, Query::with_refresh(refresh));
        self.core
            .run(now, |verifier, now| verifier.healthcheck(&mut query, now))
    }

    fn signing_keys(
        &mut self,
        refresh: bool,
    ) -> Result<Result<Vec<Option<String>>, Rejection>, LayerError> {
        let (now, mut query) = (self.now()?, Query::with_refresh(refresh));
        let keys = self
            .core
            .run(now, |verifier, now| verifier.signing_keys(&mut query, now))?;
        Ok(key_ids(keys))
    }

    fn fetch_count(&mut self, url: &str) -> Result<u64, LayerError> {
        Ok(self.core.fetch_count(url))
    }
}
