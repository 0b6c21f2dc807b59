//! The two clock readings of a step, both derived from its `at`
//! (docs/case-format.md, "verify"): the wall clock reads `at`, the monotonic
//! clock reads its origin plus the time since the case's first `at`.

use std::time::{Duration, Instant};

use oidc_jwt_verifier_core::{Now, UnixTime};

use super::LayerError;

/// Turns each step's `at` into both readings, the same way in every layer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepTimes {
    /// The monotonic reading at the first `at`.
    origin: Instant,
    /// The first `at` of the case, once a step has given one.
    first_at: Option<f64>,
}

impl StepTimes {
    /// Readings whose monotonic clock starts at `origin`.
    pub(crate) fn new(origin: Instant) -> StepTimes {
        StepTimes {
            origin,
            first_at: None,
        }
    }

    /// Both readings at `at` Unix seconds. A time before the first counts
    /// as no time passing; one too far from it for an [`Instant`] is an
    /// error.
    pub(crate) fn at(&mut self, at: f64) -> Result<Now, LayerError> {
        let first = *self.first_at.get_or_insert(at);
        let too_far = || LayerError(format!("at {at}: too far from the first step ({first})"));
        let since_first =
            Duration::try_from_secs_f64((at - first).max(0.0)).map_err(|_| too_far())?;
        let monotonic = self.origin.checked_add(since_first).ok_or_else(too_far)?;
        Ok(Now {
            wall: UnixTime::from_secs_f64(at),
            monotonic,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_time_counts_from_the_first_step_and_never_goes_back() {
        let origin = Instant::now();
        let mut times = StepTimes::new(origin);
        let first = times.at(1000.0).unwrap();
        assert_eq!(
            (first.monotonic, first.wall.as_secs_f64()),
            (origin, 1000.0)
        );
        let later = times.at(1030.5).unwrap();
        assert_eq!(later.monotonic - origin, Duration::from_millis(30_500));
        assert_eq!(times.at(990.0).unwrap().monotonic, origin);
    }

    #[test]
    fn a_time_too_far_away_is_a_layer_error() {
        let mut times = StepTimes::new(Instant::now());
        times.at(0.0).unwrap();
        assert!(times.at(f64::INFINITY).is_err());
        assert!(times.at(1e300).is_err());
    }
}
