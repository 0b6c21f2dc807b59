//! `--repeat LAYER ALG N`: one layer verifying one algorithm's token `N`
//! times on this thread, and nothing else measured, for an instruction
//! counter to read (`valgrind --tool=callgrind`, whose counts repeat on a
//! noisy machine where timings do not). The verifications run inside
//! [`verify_times`] alone, so a profiler can count just them:
//!
//! ```sh
//! valgrind --tool=callgrind --collect-atstart=no \
//!   --toggle-collect='*repeat::verify_times*' \
//!   target/release/bench --repeat core EdDSA 2000
//! ```

use std::hint::black_box;

use crate::fixture::{Alg, Fixture};
use crate::layers::{AsyncLayer, BlockingLayer, CoreLayer, Floor, LayerName, LoopbackIssuer, Peer};

/// What to repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Repeat {
    pub(crate) layer: LayerName,
    pub(crate) alg: Alg,
    pub(crate) times: u64,
}

impl Repeat {
    /// Reads `LAYER ALG N` (layer as in the JSON output, algorithm by its
    /// JOSE name).
    pub(crate) fn parse(layer: &str, alg: &str, times: &str) -> Result<Self, String> {
        let layer = LayerName::ALL
            .into_iter()
            .find(|name| name.as_str() == layer)
            .ok_or_else(|| format!("--repeat: unknown layer {layer:?}"))?;
        let alg = Alg::ALL
            .into_iter()
            .find(|candidate| candidate.name() == alg)
            .ok_or_else(|| format!("--repeat: unknown algorithm {alg:?}"))?;
        let times = times
            .parse()
            .map_err(|_| format!("--repeat: {times:?} is not a count"))?;
        Ok(Repeat { layer, alg, times })
    }
}

/// Prepares the one layer, verifies `times` times, and prints how many
/// verifications accepted the token (all of them, or it is an error).
pub(crate) fn run(repeat: Repeat) -> Result<(), String> {
    let fixture = Fixture::new(repeat.alg)?;
    let accepted = match repeat.layer {
        LayerName::Floor => {
            let floor = Floor::new(&fixture)?;
            verify_times(repeat.times, || floor.verify())
        }
        LayerName::Core => {
            let core = CoreLayer::new(&fixture)?;
            verify_times(repeat.times, || core.verify().is_some())
        }
        LayerName::Blocking => {
            let issuer = LoopbackIssuer::start(std::slice::from_ref(&fixture))?;
            let blocking = BlockingLayer::new(&fixture, &issuer)?;
            verify_times(repeat.times, || blocking.verify().is_some())
        }
        LayerName::Async => {
            let issuer = LoopbackIssuer::start(std::slice::from_ref(&fixture))?;
            let asynchronous = AsyncLayer::new(&fixture, &issuer, &[1])?;
            verify_times(repeat.times, || asynchronous.verify_here().is_some())
        }
        LayerName::Jsonwebtoken => {
            let peer = Peer::new(&fixture)?;
            verify_times(repeat.times, || peer.verify().is_some())
        }
    };
    println!(
        "{} {}: {accepted} of {} verifications accepted",
        repeat.layer.as_str(),
        repeat.alg.name(),
        repeat.times
    );
    if accepted == repeat.times {
        Ok(())
    } else {
        Err("a verification of the valid token failed".into())
    }
}

/// Calls `verify` `times` times; returns how often it accepted.
#[inline(never)]
fn verify_times(times: u64, mut verify: impl FnMut() -> bool) -> u64 {
    (0..times).filter(|_| black_box(verify())).count() as u64
}
