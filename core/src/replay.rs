//! The DPoP replay cache (RFC 9449 section 11.1): the proofs accepted
//! within the `iat` window, so that none is accepted twice, in a bounded
//! amount of memory, with no clock of its own (the caller's wall-clock
//! time decides what has expired).
//!
//! # Bound and behaviour when full
//!
//! At most `capacity` proofs are remembered, each as a 32-byte digest of
//! its key thumbprint and `jti` with its `iat` in whole seconds (rounded
//! down), so the memory is bounded whatever the `jti`s. An entry leaves
//! once its proof could no longer pass the `iat` check. When the cache is
//! full of live entries:
//!
//! - a proof whose `iat` is not later than the oldest remembered one is
//!   refused (it cannot be remembered, so it could not be told apart from
//!   its own replay later), and nothing changes;
//! - otherwise the entry with the oldest `iat` leaves to make room, and
//!   from then on every proof whose `iat` is at or before that entry's is
//!   refused: it could be that proof, replayed.
//!
//! So the cache never grows past its bound and never accepts a replay; a
//! flood of distinct valid proofs narrows the window of `iat`s accepted
//! (to the most recent ones) instead, until entries expire. Only proofs of
//! requests whose access token verified and is bound to the proof's key
//! reach the cache, so only a holder of such a token and its key can flood
//! it.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, PoisonError};

/// The digest a proof is remembered by.
pub(crate) type ProofDigest = [u8; 32];

/// Why the cache did not take a proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The same proof (key and `jti`) was accepted within the window.
    Replayed,
    /// The cache is full of later proofs, or dropped one at least as old:
    /// this proof's replay could not be detected.
    TooOld,
}

/// The bounded set of proofs accepted within the window, shared by every
/// thread of one verifier (its lock is held for a map lookup and insert).
#[derive(Debug)]
pub(crate) struct ReplayCache {
    capacity: usize,
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    iat_of: HashMap<ProofDigest, i64>,
    by_iat: BTreeSet<(i64, ProofDigest)>,
    /// The latest `iat` of an entry dropped while still live: proofs at or
    /// before it are refused.
    dropped_up_to: Option<i64>,
}

impl ReplayCache {
    /// An empty cache that remembers at most `capacity` proofs (at least 1).
    pub(crate) fn new(capacity: usize) -> Self {
        ReplayCache {
            capacity: capacity.max(1),
            entries: Mutex::default(),
        }
    }

    /// Remembers the proof `digest` issued at `iat` (seconds), or refuses
    /// it. `expired_before` is the earliest `iat` a proof may still have at
    /// the caller's time (now minus the window's past side): entries
    /// before it leave first.
    pub(crate) fn remember(
        &self,
        digest: ProofDigest,
        iat: f64,
        expired_before: f64,
    ) -> Result<(), Refusal> {
        let iat = whole_seconds(iat);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.expire(expired_before);
        if entries.iat_of.contains_key(&digest) {
            return Err(Refusal::Replayed);
        }
        if entries.dropped_up_to.is_some_and(|dropped| iat <= dropped) {
            return Err(Refusal::TooOld);
        }
        if entries.iat_of.len() >= self.capacity {
            let oldest = *entries.by_iat.first().expect("a full cache has entries");
            if iat <= oldest.0 {
                return Err(Refusal::TooOld);
            }
            entries.remove(oldest);
            entries.dropped_up_to =
                Some(entries.dropped_up_to.map_or(oldest.0, |d| d.max(oldest.0)));
        }
        entries.iat_of.insert(digest, iat);
        entries.by_iat.insert((iat, digest));
        Ok(())
    }

    /// How many proofs are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        debug_assert_eq!(entries.iat_of.len(), entries.by_iat.len());
        entries.iat_of.len()
    }
}

impl Entries {
    /// Drops every entry whose proof can no longer pass the `iat` check
    /// (an `iat` in whole seconds `s` stands for one in `[s, s + 1)`).
    fn expire(&mut self, expired_before: f64) {
        while let Some(&oldest) = self.by_iat.first() {
            if (oldest.0 as f64) + 1.0 > expired_before {
                break;
            }
            self.remove(oldest);
        }
        if self
            .dropped_up_to
            .is_some_and(|dropped| (dropped as f64) + 1.0 <= expired_before)
        {
            self.dropped_up_to = None;
        }
    }

    fn remove(&mut self, entry: (i64, ProofDigest)) {
        self.by_iat.remove(&entry);
        self.iat_of.remove(&entry.1);
    }
}

/// `iat` rounded down to whole seconds; the `iat` check has bounded it
/// already, and the conversion saturates for anything else.
fn whole_seconds(iat: f64) -> i64 {
    iat.floor() as i64
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn digest(n: u64) -> ProofDigest {
        let mut digest = [0u8; 32];
        digest[..8].copy_from_slice(&n.to_be_bytes());
        digest
    }

    const WINDOW: f64 = 60.0;

    fn remember(cache: &ReplayCache, n: u64, iat: f64, now: f64) -> Result<(), Refusal> {
        cache.remember(digest(n), iat, now - WINDOW)
    }

    #[test]
    fn a_proof_is_taken_once_within_the_window() {
        let cache = ReplayCache::new(10);
        assert_eq!(remember(&cache, 1, 1000.0, 1000.0), Ok(()));
        assert_eq!(remember(&cache, 1, 1000.0, 1001.0), Err(Refusal::Replayed));
        assert_eq!(remember(&cache, 1, 1000.0, 1060.5), Err(Refusal::Replayed));
        assert_eq!(remember(&cache, 2, 1000.0, 1000.0), Ok(()));
        // Past the window the entry leaves (the iat check refuses the proof by then).
        assert_eq!(remember(&cache, 3, 1061.0, 1061.0), Ok(()));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_full_cache_drops_the_oldest_and_refuses_what_is_not_later() {
        let cache = ReplayCache::new(3);
        for (n, iat) in [(1, 100.0), (2, 101.0), (3, 102.0)] {
            assert_eq!(remember(&cache, n, iat, 110.0), Ok(()));
        }
        // Not later than the oldest: refused, nothing dropped.
        assert_eq!(remember(&cache, 4, 100.9, 110.0), Err(Refusal::TooOld));
        assert_eq!(cache.len(), 3);
        // Later: the oldest (iat 100) leaves.
        assert_eq!(remember(&cache, 5, 103.0, 110.0), Ok(()));
        assert_eq!(cache.len(), 3);
        // Its replay, and anything at or before it, is refused.
        assert_eq!(remember(&cache, 1, 100.0, 110.0), Err(Refusal::TooOld));
        assert_eq!(remember(&cache, 6, 100.5, 110.0), Err(Refusal::TooOld));
        // The others are still known as replays.
        assert_eq!(remember(&cache, 2, 101.0, 110.0), Err(Refusal::Replayed));
        // Once everything expired, the dropped mark goes too.
        assert_eq!(remember(&cache, 7, 170.0, 170.0), Ok(()));
        assert_eq!(cache.len(), 1);
    }

    proptest! {
        /// A flood of distinct proofs never grows the cache past its bound,
        /// and no proof is ever taken twice while it could pass the iat check.
        #[test]
        fn a_flood_stays_bounded_and_lets_no_replay_through(
            capacity in 1usize..16,
            proofs in proptest::collection::vec((0u64..40, 0u32..30), 1..300),
        ) {
            let cache = ReplayCache::new(capacity);
            let mut now = 1000.0;
            let mut taken: Vec<(u64, f64, f64)> = Vec::new();
            for (n, age) in proofs {
                now += 0.25;
                let iat = (now - f64::from(age)).floor();
                // One proof, one digest: the same `n` at another iat is another proof.
                let n = n << 32 | iat as u64;
                if remember(&cache, n, iat, now).is_ok() {
                    let replayed_in_window = taken.iter().any(|&(m, their_iat, _)| {
                        m == n && their_iat == iat && iat >= now - WINDOW
                    });
                    prop_assert!(!replayed_in_window, "proof {n} taken twice");
                    taken.push((n, iat, now));
                }
                prop_assert!(cache.len() <= capacity);
            }
        }
    }
}
