//! The published benchmark of oidc-jwt-verifier. Run:
//!
//! ```sh
//! cargo run --release -p oidc-jwt-verifier-bench --bin bench -- [--quick] [--json] [--threads N] [--micro | --cold]
//! cargo run --release -p oidc-jwt-verifier-bench --bin bench -- --repeat LAYER ALG N
//! ```
//!
//! It measures, in one process and one run: the hot path's tokens per
//! second of the OpenSSL floor, the core, both drivers and jsonwebtoken
//! (aws-lc-rs) for RS256, PS256, ES256 and EdDSA, on one thread and on all
//! cores, each as a ratio to the floor of the same round; heap allocations
//! per verification; cold start phases against a loopback HTTPS issuer; an
//! unknown-kid flood; peak memory holding a 100-key JWK Set; and the core's
//! parts alone. It asserts nothing about any timing: the figures are read.
//! `--repeat` runs one layer's verifications alone, for an instruction
//! counter (see `repeat.rs`).
#![forbid(unsafe_code)]
// A benchmark reads clocks and starts threads.
#![allow(clippy::disallowed_methods)]

mod adapter;
mod allocs;
mod cold;
mod fixture;
mod flood;
mod layers;
mod micro;
mod options;
mod repeat;
mod report;
mod rss;
mod stats;
mod throughput;

use std::process::ExitCode;

use fixture::{Alg, Fixture};
use layers::{Layers, LoopbackIssuer};
use options::{Command, Options};
use report::{Machine, Report};
use throughput::Plan;

fn main() -> ExitCode {
    let command = match options::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("bench: {error}\n{}", options::USAGE);
            return ExitCode::from(2);
        }
    };
    let outcome = match command {
        Command::Help => {
            println!("{}", options::USAGE);
            Ok(())
        }
        Command::RssChild(child) => rss::child_main(child),
        Command::Repeat(repeat) => repeat::run(repeat),
        Command::Bench(options) => run(&options),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    let mut report = Report {
        machine: Some(Machine::this()),
        quick: options.quick,
        ..Report::default()
    };
    if options.cold_only {
        progress("cold starts");
        report.cold_starts = cold::measure(options.cold_starts())?;
        print(&report, options.json);
        return Ok(());
    }
    let fixtures = Alg::ALL
        .into_iter()
        .map(Fixture::new)
        .collect::<Result<Vec<_>, _>>()?;
    if !options.micro_only {
        // First, while the process is cold.
        progress("cold starts");
        report.cold_starts = cold::measure(options.cold_starts())?;

        let plan = Plan {
            rounds: options.rounds(),
            slice: options.slice(),
            thread_counts: options.thread_counts(),
        };
        let issuer = LoopbackIssuer::start(&fixtures)?;
        let sets = fixtures
            .iter()
            .map(|fixture| {
                Ok((
                    fixture.alg,
                    Layers::new(fixture, &issuer, &plan.thread_counts)?,
                ))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let fetched_before = issuer.requests();
        progress(&format!(
            "throughput: {} rounds of {} slices of {} ms",
            plan.rounds,
            sets.len() * plan.thread_counts.len() * layers::LayerName::ALL.len(),
            plan.slice.as_millis()
        ));
        report.results = throughput::measure(&sets, &plan)?;
        report.plan = Some(plan);
        let fetched = issuer.requests() - fetched_before;
        if fetched != 0 {
            return Err(format!(
                "the drivers fetched keys {fetched} times during the hot-path measurement"
            ));
        }

        progress("allocations");
        for (alg, layers) in &sets {
            report.allocations.extend(allocs::count(*alg, layers)?);
        }
        drop(sets);

        progress("unknown-kid flood");
        report.floods = flood::measure(options.flood_baseline())?;
        progress("peak memory");
        report.memory = Some(rss::measure(options.rss_runs())?);
    }
    progress("micro-benchmarks");
    report.micro = micro::measure(&fixtures, options.micro_budget())?;
    print(&report, options.json);
    Ok(())
}

fn print(report: &Report, json: bool) {
    if json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
}

fn progress(step: &str) {
    eprintln!("bench: {step}");
}
