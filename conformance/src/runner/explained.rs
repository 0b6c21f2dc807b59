//! The core layer twice in lockstep, one verifier verifying and the other
//! explaining: every `verify` step must get the same verdict from
//! [`Verifier::explain`] as from [`Verifier::verify`], and the report's
//! failing check must be the one that decided. Both verifiers see the same
//! steps at the same times, so their key sources evolve alike; every other
//! operation and every request count must agree too.
//!
//! [`Verifier::explain`]: oidc_jwt_verifier_core::Verifier::explain
//! [`Verifier::verify`]: oidc_jwt_verifier_core::Verifier::verify

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use oidc_jwt_verifier_core::{
    token_from_authorization, AuthError, Claims, Explain, Now, Outcome, Query, Verifier,
};

use super::core::SansIo;
use super::step_time::StepTimes;
use super::{key_ids, verified, Layer, LayerError, Rejection, StartError, Verified, World};
use crate::case::{Case, Serve, VerifyInput};

/// Runs a case through the core, each verification also explained.
#[derive(Debug, Default)]
pub struct ExplainedCoreLayer {
    explained: Arc<AtomicU64>,
}

impl ExplainedCoreLayer {
    /// A layer that has explained nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many verifications were explained (and agreed) so far.
    pub fn explained(&self) -> u64 {
        self.explained.load(Ordering::Relaxed)
    }
}

impl Layer for ExplainedCoreLayer {
    fn name(&self) -> &str {
        "core+explain"
    }

    fn start(&self, case: &Case) -> Result<Box<dyn World + '_>, StartError> {
        let verifier = || {
            let config = case.auth_config().map_err(StartError::Config)?;
            Verifier::new(config).map_err(StartError::Config)
        };
        let (verifying, explaining) = (verifier()?, verifier()?);
        Ok(Box::new(ExplainedWorld {
            verifying: SansIo::new(verifying),
            explaining: SansIo::new(explaining),
            times: StepTimes::new(Instant::now()),
            now: None,
            explained: Arc::clone(&self.explained),
        }))
    }
}

/// Two verifiers with their own endpoints, played the same steps.
#[derive(Debug)]
struct ExplainedWorld {
    verifying: SansIo,
    explaining: SansIo,
    times: StepTimes,
    now: Option<Now>,
    explained: Arc<AtomicU64>,
}

impl ExplainedWorld {
    fn now(&self) -> Result<Now, LayerError> {
        self.now
            .ok_or_else(|| LayerError("an operation before any time was set".into()))
    }

    /// The explanation of `input`, or, for a header or a request that
    /// holds no token, the refusal its own checks give (they come before
    /// any check of a token).
    fn explain(
        &mut self,
        input: &VerifyInput,
        now: Now,
    ) -> Result<Result<Explain, AuthError>, LayerError> {
        let mut query = Query::new();
        let token = match input {
            VerifyInput::Token(token) => token.as_str(),
            VerifyInput::Header(header) => match token_from_authorization(header.as_deref()) {
                Ok(token) => token,
                Err(error) => return Ok(Err(error)),
            },
            VerifyInput::Request(request) => {
                let (headers, route) = (request.header_map(), request.requirements());
                return self.explaining.run(now, |verifier, now| {
                    verifier.explain_headers(&headers, &route, &mut query, now)
                });
            }
        };
        self.explaining
            .run(now, |verifier, now| {
                verifier.explain(token, &mut query, now)
            })
            .map(Ok)
    }
}

/// Why `report` disagrees with `verdict`, if it does.
fn disagreement(report: &Explain, verdict: &Result<Claims, AuthError>) -> Option<String> {
    let failing: Vec<_> = report
        .checks()
        .iter()
        .filter(|row| row.outcome == Outcome::Fail)
        .collect();
    let explained = report.verdict();
    match (verdict, explained, failing.as_slice()) {
        (Ok(claims), Ok(explained), []) if claims == explained => None,
        (Err(error), Err(explained), [failed])
            if error.code() == explained.code() && failed.check.codes().contains(&error.code()) =>
        {
            None
        }
        _ => Some(format!(
            "verify gave {:?}; explain gave {:?} with failing checks {:?}",
            verdict.as_ref().map_err(AuthError::code),
            explained.map_err(AuthError::code),
            failing.iter().map(|row| row.check).collect::<Vec<_>>(),
        )),
    }
}

impl World for ExplainedWorld {
    fn set_time(&mut self, at: f64) -> Result<(), LayerError> {
        self.now = Some(self.times.at(at)?);
        Ok(())
    }

    fn serve(&mut self, serve: &Serve) -> Result<(), LayerError> {
        self.verifying.serve(serve);
        self.explaining.serve(serve);
        Ok(())
    }

    fn verify(&mut self, input: &VerifyInput) -> Result<Verified, LayerError> {
        let now = self.now()?;
        let verdict = self.verifying.verify(input, now)?;
        match self.explain(input, now)? {
            Ok(report) => {
                if let Some(why) = disagreement(&report, &verdict) {
                    return Err(LayerError(why));
                }
                self.explained.fetch_add(1, Ordering::Relaxed);
            }
            Err(refused) if verdict.as_ref().err() == Some(&refused) => {}
            Err(refused) => {
                return Err(LayerError(format!(
                    "the header refused as {} for explain, not for verify",
                    refused.code()
                )))
            }
        }
        Ok(verified(verdict))
    }

    fn healthcheck(&mut self, refresh: bool) -> Result<bool, LayerError> {
        let now = self.now()?;
        let [verifying, explaining] = [&mut self.verifying, &mut self.explaining].map(|core| {
            let mut query = Query::with_refresh(refresh);
            core.run(now, |verifier, now| verifier.healthcheck(&mut query, now))
        });
        agreed(verifying, explaining, "healthcheck")
    }

    fn signing_keys(
        &mut self,
        refresh: bool,
    ) -> Result<Result<Vec<Option<String>>, Rejection>, LayerError> {
        let now = self.now()?;
        let [verifying, explaining] = [&mut self.verifying, &mut self.explaining].map(|core| {
            let mut query = Query::with_refresh(refresh);
            core.run(now, |verifier, now| verifier.signing_keys(&mut query, now))
                .map(key_ids)
        });
        agreed(verifying, explaining, "signing_keys")
    }

    fn fetch_count(&mut self, url: &str) -> Result<u64, LayerError> {
        let (verifying, explaining) = (
            self.verifying.fetch_count(url),
            self.explaining.fetch_count(url),
        );
        agreed(Ok(verifying), Ok(explaining), "the request count")
    }
}

/// The verifying world's answer, when the explaining one gave the same.
fn agreed<T: PartialEq + std::fmt::Debug>(
    verifying: Result<T, LayerError>,
    explaining: Result<T, LayerError>,
    what: &str,
) -> Result<T, LayerError> {
    let (verifying, explaining) = (verifying?, explaining?);
    if verifying != explaining {
        return Err(LayerError(format!(
            "{what}: {verifying:?} when verifying, {explaining:?} when explaining"
        )));
    }
    Ok(verifying)
}
