//! The core layer: the Sans-IO verifier driven directly, its requests
//! answered from the `serve` table with no sockets ([`Endpoints`]), both
//! clocks taken from each step's `at`.

use std::time::{Duration, Instant};

use oidc_jwt_verifier_core::{Answer, Now, UnixTime, Verdict, Verifier};

use super::endpoints::{Endpoints, Exchange};
use super::{Layer, LayerError, Rejection, StartError, Verified, World};
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
        Ok(Box::new(CoreWorld::new(verifier)))
    }
}

/// A verifier, simulated endpoints and the clocks of the current step.
#[derive(Debug)]
struct CoreWorld {
    verifier: Verifier,
    endpoints: Endpoints,
    /// The monotonic time of the first `at`.
    origin: Instant,
    /// The first `at` of the case.
    first_at: Option<f64>,
    /// Both clocks of the current step.
    now: Option<Now>,
}

impl CoreWorld {
    fn new(verifier: Verifier) -> CoreWorld {
        CoreWorld {
            verifier,
            endpoints: Endpoints::default(),
            origin: Instant::now(),
            first_at: None,
            now: None,
        }
    }

    /// The canonical driver loop: ask; perform every request the verifier
    /// hands out (the refresh the answer waits for, or a background
    /// refresh-ahead, completed before the step ends); ask again until it
    /// answers.
    fn run<T>(
        &mut self,
        mut op: impl FnMut(&mut Verifier, Now) -> Answer<T>,
    ) -> Result<T, LayerError> {
        let now = self
            .now
            .ok_or_else(|| LayerError("an operation before any time was set".into()))?;
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
            let fed = match self.endpoints.perform(&request) {
                Exchange::Response(response) => {
                    self.verifier.handle_response(request.id(), response, now)
                }
                Exchange::Failure(failure) => {
                    self.verifier.handle_failure(request.id(), failure, now)
                }
            };
            fed.map_err(|unexpected| LayerError(unexpected.to_string()))?;
        }
        Err(LayerError(format!(
            "more than {MAX_REQUESTS_PER_STEP} requests in one step"
        )))
    }
}

impl World for CoreWorld {
    fn set_time(&mut self, at: f64) -> Result<(), LayerError> {
        let first = *self.first_at.get_or_insert(at);
        let since_first = Duration::try_from_secs_f64((at - first).max(0.0))
            .map_err(|_| LayerError(format!("at {at}: too far from the first step ({first})")))?;
        let monotonic = self
            .origin
            .checked_add(since_first)
            .ok_or_else(|| LayerError(format!("at {at}: too far from the first step ({first})")))?;
        self.now = Some(Now {
            wall: UnixTime::from_secs_f64(at),
            monotonic,
        });
        Ok(())
    }

    fn serve(&mut self, serve: &Serve) -> Result<(), LayerError> {
        self.endpoints.serve(serve);
        Ok(())
    }

    fn verify(&mut self, input: &VerifyInput) -> Result<Verified, LayerError> {
        self.run(|verifier, now| {
            let verdict = match input {
                VerifyInput::Token(token) => verifier.verify(token, now),
                VerifyInput::Header(header) => {
                    verifier.verify_authorization(header.as_deref(), now)
                }
            };
            match verdict {
                Verdict::Check(check) => Answer::Ready(
                    check
                        .finish()
                        .map(|claims| claims.to_json())
                        .map_err(|error| Rejection::from(&error)),
                ),
                Verdict::Rejected(error) => Answer::Ready(Err(Rejection::from(&error))),
                Verdict::NeedKeys => Answer::NeedKeys,
            }
        })
    }

    fn healthcheck(&mut self, refresh: bool) -> Result<bool, LayerError> {
        let query = self.verifier.key_query(refresh);
        self.run(|verifier, now| verifier.healthcheck(&query, now.monotonic))
    }

    fn signing_keys(
        &mut self,
        refresh: bool,
    ) -> Result<Result<Vec<Option<String>>, Rejection>, LayerError> {
        let query = self.verifier.key_query(refresh);
        let keys = self.run(|verifier, now| verifier.signing_keys(&query, now.monotonic))?;
        Ok(keys
            .map(|keys| {
                keys.iter()
                    .map(|key| key.kid().map(str::to_owned))
                    .collect()
            })
            .map_err(|error| Rejection::from(&error)))
    }

    fn fetch_count(&mut self, url: &str) -> Result<u64, LayerError> {
        Ok(self.endpoints.fetch_count(url))
    }
}
