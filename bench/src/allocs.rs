//! Heap allocations and bytes per verification on the hot path, counted by
//! this binary's global allocator (`allocation-counter`, per thread). Every
//! verification's answer is kept until counting ends, so what it still
//! holds then is what the returned claims own; the rest was allocated and
//! freed inside the verification. Only Rust's heap is seen: OpenSSL's own
//! `malloc` calls (its per-call contexts, say) are not counted.

use crate::fixture::Alg;
use crate::layers::{LayerName, Layers};

/// Verifications averaged over.
const VERIFICATIONS: usize = 200;

/// One layer's allocations per verification.
#[derive(Debug, Clone)]
pub(crate) struct Allocations {
    pub(crate) alg: Alg,
    pub(crate) layer: LayerName,
    pub(crate) allocations: f64,
    pub(crate) bytes: f64,
    /// Held by the returned claims.
    pub(crate) claims_allocations: f64,
    pub(crate) claims_bytes: f64,
}

impl Allocations {
    pub(crate) fn beyond_claims(&self) -> f64 {
        self.allocations - self.claims_allocations
    }

    pub(crate) fn bytes_beyond_claims(&self) -> f64 {
        self.bytes - self.claims_bytes
    }
}

/// Counts every layer of one algorithm.
pub(crate) fn count(alg: Alg, layers: &Layers) -> Result<Vec<Allocations>, String> {
    LayerName::ALL
        .into_iter()
        .map(|layer| {
            let info = match layer {
                LayerName::Floor => counted(|| layers.floor.verify().then_some(())),
                LayerName::Core => counted(|| layers.core.verify()),
                LayerName::Blocking => counted(|| layers.blocking.verify()),
                LayerName::Async => counted(|| layers.asynchronous.verify_here()),
                LayerName::Jsonwebtoken => counted(|| layers.peer.verify()),
            }
            .ok_or_else(|| format!("{} {}: a verification failed", alg.name(), layer.as_str()))?;
            let per = |total: f64| total / VERIFICATIONS as f64;
            Ok(Allocations {
                alg,
                layer,
                allocations: per(info.count_total as f64),
                bytes: per(info.bytes_total as f64),
                claims_allocations: per(info.count_current as f64),
                claims_bytes: per(info.bytes_current as f64),
            })
        })
        .collect()
}

/// Runs `verify` [`VERIFICATIONS`] times (after a few uncounted warm-up
/// calls) keeping every answer, and returns what was allocated meanwhile;
/// `None` if any verification failed.
fn counted<T>(mut verify: impl FnMut() -> Option<T>) -> Option<allocation_counter::AllocationInfo> {
    for _ in 0..10 {
        verify()?;
    }
    let mut kept: Vec<Option<T>> = Vec::with_capacity(VERIFICATIONS);
    let info = allocation_counter::measure(|| {
        for _ in 0..VERIFICATIONS {
            kept.push(verify());
        }
    });
    kept.iter().all(Option::is_some).then_some(info)
}
