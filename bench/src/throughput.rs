//! Tokens per second of every layer, interleaved in rounds so that machine
//! noise hits all layers alike: in each round every layer runs one time
//! slice per algorithm and thread count (the layer order rotating from
//! round to round), and each figure's ratio to the floor is taken within
//! its round. Reported: medians over rounds.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crate::fixture::Alg;
use crate::layers::{AsyncLayer, LayerName, Layers};
use crate::stats::median;

/// How long and how often to measure.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) rounds: usize,
    pub(crate) slice: Duration,
    pub(crate) thread_counts: Vec<usize>,
}

/// One measured figure.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    pub(crate) alg: Alg,
    pub(crate) layer: LayerName,
    pub(crate) threads: usize,
    /// Median over rounds.
    pub(crate) tokens_per_s: f64,
    /// Median over rounds of this round's figure over this round's floor.
    pub(crate) ratio_to_floor: f64,
    /// For more than one thread: median over rounds of this figure over the
    /// same layer's one-thread figure of the same round.
    pub(crate) ratio_to_one_thread: Option<f64>,
}

type Key = (usize, LayerName, usize);

/// Measures every layer of every algorithm.
pub(crate) fn measure(sets: &[(Alg, Layers)], plan: &Plan) -> Result<Vec<Figure>, String> {
    // Warm-up: every slice once, short, not recorded.
    run_round(sets, plan, 0, plan.slice / 4)?;
    let mut samples: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
    for round in 0..plan.rounds {
        for (key, rate) in run_round(sets, plan, round, plan.slice)? {
            samples.entry(key).or_default().push(rate);
        }
    }
    let mut figures = Vec::new();
    for (index, (alg, _)) in sets.iter().enumerate() {
        for &threads in &plan.thread_counts {
            for layer in LayerName::ALL {
                let own = &samples[&(index, layer, threads)];
                let floor = &samples[&(index, LayerName::Floor, threads)];
                let one_thread = (threads != 1)
                    .then(|| samples.get(&(index, layer, 1)))
                    .flatten();
                figures.push(Figure {
                    alg: *alg,
                    layer,
                    threads,
                    tokens_per_s: median(own),
                    ratio_to_floor: median(&ratios(own, floor)),
                    ratio_to_one_thread: one_thread.map(|one| median(&ratios(own, one))),
                });
            }
        }
    }
    Ok(figures)
}

/// Round by round quotients.
fn ratios(values: &[f64], bases: &[f64]) -> Vec<f64> {
    values.iter().zip(bases).map(|(v, b)| v / b).collect()
}

/// One slice of every layer, algorithm and thread count.
fn run_round(
    sets: &[(Alg, Layers)],
    plan: &Plan,
    round: usize,
    slice: Duration,
) -> Result<Vec<(Key, f64)>, String> {
    let mut rates = Vec::new();
    for (index, (alg, layers)) in sets.iter().enumerate() {
        for &threads in &plan.thread_counts {
            let mut order = LayerName::ALL;
            order.rotate_left((round + index) % LayerName::ALL.len());
            for layer in order {
                let rate = rate(layers, layer, threads, slice).map_err(|error| {
                    format!("{} {} x{threads}: {error}", alg.name(), layer.as_str())
                })?;
                rates.push(((index, layer, threads), rate));
            }
        }
    }
    Ok(rates)
}

/// Tokens per second of one layer for one slice.
fn rate(layers: &Layers, layer: LayerName, threads: usize, slice: Duration) -> Result<f64, String> {
    let windows = match layer {
        LayerName::Floor => on_threads(threads, slice, || layers.floor.verify()),
        LayerName::Core => on_threads(threads, slice, || layers.core.verify().is_some()),
        LayerName::Blocking => on_threads(threads, slice, || layers.blocking.verify().is_some()),
        LayerName::Jsonwebtoken => on_threads(threads, slice, || layers.peer.verify().is_some()),
        LayerName::Async => on_tasks(&layers.asynchronous, threads, slice)?,
    };
    Window::rate(&windows)
}

/// What one thread or task did in a slice.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
    verified: u64,
    refused: u64,
}

impl Window {
    /// Runs `verify` from now until `slice` has passed.
    fn run(slice: Duration, mut verify: impl FnMut() -> bool) -> Window {
        let start = Instant::now();
        let deadline = start + slice;
        let (mut verified, mut refused) = (0, 0);
        let mut end = start;
        while end < deadline {
            if black_box(verify()) {
                verified += 1;
            } else {
                refused += 1;
            }
            end = Instant::now();
        }
        Window {
            start,
            end,
            verified,
            refused,
        }
    }

    /// Verifications per second over the span from the first start to the
    /// last end (so workers that did not overlap are not counted as if
    /// they had). Any refusal is an error: the token is valid.
    fn rate(windows: &[Window]) -> Result<f64, String> {
        let refused: u64 = windows.iter().map(|window| window.refused).sum();
        if refused > 0 {
            return Err(format!("{refused} verifications of a valid token failed"));
        }
        let start = windows.iter().map(|window| window.start).min();
        let end = windows.iter().map(|window| window.end).max();
        let verified: u64 = windows.iter().map(|window| window.verified).sum();
        match (start, end) {
            (Some(start), Some(end)) if end > start => {
                Ok(verified as f64 / (end - start).as_secs_f64())
            }
            _ => Err("nothing was measured".into()),
        }
    }
}

/// `threads` OS threads, started together, each verifying for `slice`.
fn on_threads(threads: usize, slice: Duration, verify: impl Fn() -> bool + Sync) -> Vec<Window> {
    let barrier = Barrier::new(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    Window::run(slice, &verify)
                })
            })
            .collect();
        workers
            .into_iter()
            .filter_map(|worker| worker.join().ok())
            .collect()
    })
}

/// `threads` Tokio tasks on a runtime of `threads` workers, started
/// together, each verifying for `slice`.
fn on_tasks(layer: &AsyncLayer, threads: usize, slice: Duration) -> Result<Vec<Window>, String> {
    let runtime = layer
        .runtime(threads)
        .ok_or_else(|| format!("no runtime of {threads} workers"))?;
    let barrier = Arc::new(tokio::sync::Barrier::new(threads));
    let tasks: Vec<_> = (0..threads)
        .map(|_| {
            let (barrier, verifier, token) = (
                Arc::clone(&barrier),
                Arc::clone(layer.verifier()),
                Arc::clone(layer.token()),
            );
            runtime.spawn(async move {
                barrier.wait().await;
                // The barrier's last task wakes the others into its worker's
                // LIFO slot, which no other worker may steal from, and a
                // task verifying with cached keys never yields: they would
                // run one after the other on that worker. Yielding once,
                // before the window opens, puts each task where an idle
                // worker takes it, as requests spread in a service.
                tokio::task::yield_now().await;
                let start = Instant::now();
                let deadline = start + slice;
                let (mut verified, mut refused) = (0, 0);
                let mut end = start;
                while end < deadline {
                    match verifier.verify_access_token(black_box(&token)).await {
                        Ok(claims) => {
                            black_box(claims);
                            verified += 1;
                        }
                        Err(_) => refused += 1,
                    }
                    end = Instant::now();
                }
                Window {
                    start,
                    end,
                    verified,
                    refused,
                }
            })
        })
        .collect();
    runtime.block_on(async {
        let mut windows = Vec::with_capacity(tasks.len());
        for task in tasks {
            windows.push(task.await.map_err(|error| format!("task: {error}"))?);
        }
        Ok(windows)
    })
}
