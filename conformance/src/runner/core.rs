//! The core layer: the Sans-IO verifier driven directly, its requests
//! answered from the `serve` table with no sockets ([`Endpoints`]), both
//! clocks taken from each step's `at`.

use std::time::Instant;

use oidc_jwt_verifier_core::{Answer, AuthError, Claims, KeyQuery, Now, Verdict, Verifier};

use super::endpoints::Endpoints;
use super::step_time::StepTimes;
use super::{key_ids, verified, Layer, LayerError, Rejection, StartError, Verified, World};
use crate::case::{Case, Serve, VerifyInput};

/// How many times one operation is asked again after a refresh before the
/// runner gives up (the core's contract needs at most two).
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

/// A verdict as the driver loop's answer: the finished check (signature
/// and claims), the rejection, or keys to fetch first.
pub(crate) fn verdict_answer(verdict: Verdict<'_>) -> Answer<Result<Claims, AuthError>> {
    match verdict {
        Verdict::Check(check) => Answer::Ready(check.finish()),
        Verdict::Rejected(error) => Answer::Ready(Err(error)),
        Verdict::NeedKeys => Answer::NeedKeys,
    }
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

    /// A key-source operation to keep across the rounds of [`run`](Self::run).
    fn key_query(&self, refresh: bool) -> KeyQuery {
        self.verifier.key_query(refresh)
    }

    /// Requests `url` has received so far.
    pub(crate) fn fetch_count(&self, url: &str) -> u64 {
        self.endpoints.fetch_count(url)
    }

    /// The canonical driver loop: ask; perform every request the verifier
    /// hands out (the refresh the answer waits for, or a background
    /// refresh-ahead, completed before the step ends); ask again until it
    /// answers.
    pub(crate) fn run<T>(
        &mut self,
        now: Now,
        mut op: impl FnMut(&mut Verifier, Now) -> Answer<T>,
    ) -> Result<T, LayerError> {
        for _ in 0..MAX_ROUNDS {
            let answer = op(&mut self.verifier, now);
            self.perform_fetches(now.monotonic)?;
            if let Answer::Ready(value) = answer {
                return Ok(value);
            }
        }
        Err(LayerError(format!(
            "the verifier still needed keys after {MAX_ROUNDS} refreshes"
        )))
    }

    fn perform_fetches(&mut self, now: Instant) -> Result<(), LayerError> {
        for _ in 0..MAX_REQUESTS_PER_STEP {
            let Some(request) = self.verifier.poll_fetch(now) else {
                if self.verifier.is_refreshing() {
                    return Err(LayerError(
                        "a refresh is under way but no request is out".into(),
                    ));
                }
                return Ok(());
            };
            let outcome = self.endpoints.perform(&request);
            let fed = self.verifier.handle_outcome(request.id(), outcome, now);
            fed.map_err(|unexpected| LayerError(unexpected.to_string()))?;
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
        let now = self.now()?;
        let outcome = self.core.run(now, |verifier, now| {
            verdict_answer(match input {
                VerifyInput::Token(token) => verifier.verify(token, now),
                VerifyInput::Header(header) => {
                    verifier.verify_authorization(header.as_deref(), now)
                }
            })
        })?;
        Ok(verified(outcome))
    }

    fn healthcheck(&mut self, refresh: bool) -> Result<bool, LayerError> {
        let (now, query) = (self.now()?, self.core.key_query(refresh));
        self.core.run(now, |verifier, now| {
            verifier.healthcheck(&query, now.monotonic)
        })
    }

    fn signing_keys(
        &mut self,
        refresh: bool,
    ) -> Result<Result<Vec<Option<String>>, Rejection>, LayerError> {
        let (now, query) = (self.now()?, self.core.key_query(refresh));
        let keys = self.core.run(now, |verifier, now| {
            verifier.signing_keys(&query, now.monotonic)
        })?;
        Ok(key_ids(keys))
    }

    fn fetch_count(&mut self, url: &str) -> Result<u64, LayerError> {
        Ok(self.core.fetch_count(url))
    }
}
