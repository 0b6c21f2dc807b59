//! The two clocks the core is given: wall-clock Unix time for claims, a
//! monotonic [`Instant`] for the key cache. The core itself never reads a
//! clock; drivers read one through [`Clock`].

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Wall-clock time as Unix seconds (fractions allowed), used only to judge
/// `exp` and `nbf`. It may step backwards; the core takes it as given.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct UnixTime(f64);

impl UnixTime {
    /// Unix time from seconds since the epoch.
    pub fn from_secs_f64(secs: f64) -> Self {
        UnixTime(secs)
    }

    /// Seconds since the Unix epoch.
    pub fn as_secs_f64(self) -> f64 {
        self.0
    }

    /// Converts a [`SystemTime`] (times before the epoch become negative).
    pub fn from_system_time(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => UnixTime(after.as_secs_f64()),
            Err(before) => UnixTime(-before.duration().as_secs_f64()),
        }
    }
}

/// The two readings every input carries: wall-clock time for claims and a
/// monotonic instant for the key cache (docs/rules.md, "Fetching and caching").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Now {
    /// Wall-clock Unix time, compared with `exp` and `nbf`.
    pub wall: UnixTime,
    /// Monotonic time, for freshness, cooldown, backoff and the stale window.
    pub monotonic: Instant,
}

/// Seconds (validated finite and non-negative) as a [`Duration`], saturating
/// at [`Duration::MAX`] so that huge configured windows mean "never".
pub(crate) fn seconds(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(Duration::MAX)
}

/// Where drivers get both times from. The core never calls it.
pub trait Clock: Send + Sync {
    /// The monotonic time, for the key cache.
    fn monotonic(&self) -> Instant;
    /// The wall-clock time, for claims.
    fn wall(&self) -> UnixTime;

    /// Both readings at once.
    fn now(&self) -> Now {
        Now {
            wall: self.wall(),
            monotonic: self.monotonic(),
        }
    }
}

/// The system clocks: [`Instant::now`] and [`SystemTime::now`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[allow(clippy::disallowed_methods)] // the one place that reads the system clocks; the state machine never does
impl Clock for SystemClock {
    fn monotonic(&self) -> Instant {
        Instant::now()
    }

    fn wall(&self) -> UnixTime {
        UnixTime::from_system_time(SystemTime::now())
    }
}

/// A clock moved by hand, for tests and conformance runs: one Unix time
/// gives both readings (the monotonic one is `origin + (t - t0)`).
#[derive(Debug)]
pub struct ManualClock {
    origin: Instant,
    origin_unix: f64,
    now_unix: Mutex<f64>,
}

impl ManualClock {
    /// A clock reading `unix` now, with `origin` as its monotonic reading.
    pub fn new(origin: Instant, unix: f64) -> Self {
        ManualClock {
            origin,
            origin_unix: unix,
            now_unix: Mutex::new(unix),
        }
    }

    /// Sets the time (Unix seconds). Setting it before the first reading
    /// leaves the monotonic reading at the origin.
    pub fn set(&self, unix: f64) {
        *self.now_unix.lock().unwrap_or_else(|e| e.into_inner()) = unix;
    }

    fn unix(&self) -> f64 {
        *self.now_unix.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn monotonic(&self) -> Instant {
        let elapsed = seconds(self.unix() - self.origin_unix);
        self.origin.checked_add(elapsed).unwrap_or(self.origin)
    }

    fn wall(&self) -> UnixTime {
        UnixTime(self.unix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_saturate_and_clamp() {
        assert_eq!(seconds(1.5), Duration::from_millis(1500));
        assert_eq!(seconds(1e300), Duration::MAX);
        assert_eq!(seconds(-3.0), Duration::ZERO);
    }

    #[test]
    fn manual_clock_moves_both_readings() {
        #[allow(clippy::disallowed_methods)]
        let origin = Instant::now();
        let clock = ManualClock::new(origin, 1000.0);
        clock.set(1010.5);
        assert_eq!(clock.monotonic() - origin, Duration::from_millis(10_500));
        assert_eq!(clock.wall(), UnixTime::from_secs_f64(1010.5));
    }

    #[test]
    fn system_time_before_epoch_is_negative() {
        let t = UNIX_EPOCH - Duration::from_secs(5);
        assert_eq!(UnixTime::from_system_time(t).as_secs_f64(), -5.0);
    }
}
