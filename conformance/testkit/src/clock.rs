//! Time for tests: named instants, the system's Unix time, and a simulated
//! time that the test moves and the code under test reads.
//!
//! The kit depends on no crate of this project, so it offers the readings,
//! not a verifier's `Clock`. For the drivers, the core's `ManualClock`
//! (re-exported by both) is the ready-made clock a test moves by hand;
//! [`SimulatedTime`] is for code that needs both readings without the
//! core: a Sans-IO loop building its `Now`, a clock trait of your own, or a
//! driver clock that must also step the wall clock. One adapter turns it
//! into the verifier's clock (it names the core's `Clock` and `UnixTime`,
//! so it lives in your test, not here):
//!
//! ```text
//! struct TestClock(SimulatedTime);
//! impl Clock for TestClock {
//!     fn monotonic(&self) -> Instant { self.0.monotonic() }
//!     fn wall(&self) -> UnixTime { UnixTime::from_secs_f64(self.0.wall_unix()) }
//! }
//! ```

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// 2026-01-01T00:00:00Z in Unix seconds: when this project's conformance
/// cases and examples start.
pub const JAN_1_2026: u64 = 1_767_225_600;

/// 2100-01-01T00:00:00Z in Unix seconds: an `exp` no test outlives, for a
/// token a verifier on the system clock accepts.
pub const JAN_1_2100: u64 = 4_102_444_800;

/// The system's wall-clock time now, in whole Unix seconds (0 before the
/// epoch): for tokens whose `iat` and `exp` a verifier on the system clock,
/// or a real identity provider, judges.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// A simulated time that only moves when the test says so, shared by all
/// its clones (the test keeps one, the code under test reads another).
///
/// It gives both readings a verifier takes: a wall-clock Unix time (for
/// claims) and a monotonic [`Instant`] (for key caches). The monotonic
/// reading is the origin taken at creation plus the simulated time elapsed
/// since the start, never less than the origin (setting the time back
/// counts as no time passing). The wall reading is the simulated time plus
/// a wall offset, zero until [`step_wall`](Self::step_wall) sets one: a
/// wall clock stepped by NTP while monotonic time runs on.
///
/// ```
/// use std::time::Duration;
/// use oidc_jwt_verifier_testkit::clock::{SimulatedTime, JAN_1_2026};
///
/// let time = SimulatedTime::starting_at(JAN_1_2026 as f64);
/// let reader = time.clone();
/// let origin = reader.monotonic();
/// time.advance(90.5);
/// assert_eq!(reader.monotonic() - origin, Duration::from_millis(90_500));
/// assert_eq!(reader.wall_unix(), JAN_1_2026 as f64 + 90.5);
/// time.step_wall(-120.0);
/// assert_eq!(reader.wall_unix(), JAN_1_2026 as f64 - 29.5);
/// assert_eq!(reader.monotonic() - origin, Duration::from_millis(90_500));
/// ```
#[derive(Debug, Clone)]
pub struct SimulatedTime {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    origin: Instant,
    start_unix: f64,
    now: Mutex<Readings>,
}

#[derive(Debug, Clone, Copy)]
struct Readings {
    unix: f64,
    wall_offset: f64,
}

impl SimulatedTime {
    /// A time reading `unix` (Unix seconds), its monotonic origin read from
    /// the system now: the one clock reading it ever makes.
    pub fn starting_at(unix: f64) -> Self {
        Self::with_origin(Instant::now(), unix)
    }

    /// A time reading `unix`, with `origin` as its monotonic reading.
    pub fn with_origin(origin: Instant, unix: f64) -> Self {
        SimulatedTime {
            shared: Arc::new(Shared {
                origin,
                start_unix: unix,
                now: Mutex::new(Readings {
                    unix,
                    wall_offset: 0.0,
                }),
            }),
        }
    }

    /// The simulated Unix time both readings follow.
    pub fn unix(&self) -> f64 {
        self.readings().unix
    }

    /// Sets the simulated time (Unix seconds).
    pub fn set(&self, unix: f64) {
        self.update(|readings| readings.unix = unix);
    }

    /// Moves the simulated time on by `seconds` (back, when negative).
    pub fn advance(&self, seconds: f64) {
        self.update(|readings| readings.unix += seconds);
    }

    /// Sets how far the wall clock is off the simulated time (seconds,
    /// either way); the monotonic reading does not move.
    pub fn step_wall(&self, offset: f64) {
        self.update(|readings| readings.wall_offset = offset);
    }

    /// The wall-clock reading: the simulated time plus the wall offset.
    pub fn wall_unix(&self) -> f64 {
        let readings = self.readings();
        readings.unix + readings.wall_offset
    }

    /// The monotonic reading: the origin plus the simulated time elapsed
    /// since the start (none when the time is before the start; the
    /// origin's far end when too large for an [`Instant`]).
    pub fn monotonic(&self) -> Instant {
        let elapsed = (self.unix() - self.shared.start_unix).max(0.0);
        let elapsed = Duration::try_from_secs_f64(elapsed).unwrap_or(Duration::MAX);
        self.shared
            .origin
            .checked_add(elapsed)
            .unwrap_or(self.shared.origin)
    }

    fn readings(&self) -> Readings {
        *self
            .shared
            .now
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn update(&self, change: impl FnOnce(&mut Readings)) {
        change(
            &mut self
                .shared
                .now
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_the_time_back_is_no_time_passing() {
        let origin = Instant::now();
        let time = SimulatedTime::with_origin(origin, 1000.0);
        time.set(990.0);
        assert_eq!(time.monotonic(), origin);
        assert_eq!(time.wall_unix(), 990.0);
        time.set(1001.0);
        assert_eq!(time.monotonic() - origin, Duration::from_secs(1));
    }

    #[test]
    fn a_time_too_far_ahead_reads_the_origin() {
        let origin = Instant::now();
        let time = SimulatedTime::with_origin(origin, 0.0);
        time.set(f64::INFINITY);
        assert_eq!(time.monotonic(), origin);
        time.set(1e300);
        assert_eq!(time.monotonic(), origin);
    }

    #[test]
    fn named_instants_are_what_they_say() {
        assert_eq!(JAN_1_2026 % 86_400, 0);
        assert_eq!((JAN_1_2100 - JAN_1_2026) / 86_400, 74 * 365 + 18);
        assert!(unix_now() > JAN_1_2026 - 366 * 86_400);
    }
}
