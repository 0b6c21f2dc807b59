//! The benchmark's output: tables for people, or one JSON object.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::adapter;
use crate::allocs::Allocations;
use crate::cold::{ColdStart, Phases};
use crate::flood::{Flood, Latencies};
use crate::layers::LayerName;
use crate::micro::Micro;
use crate::rss::Memory;
use crate::throughput::{Figure, Plan};

/// The machine the figures came from.
#[derive(Debug, Clone)]
pub(crate) struct Machine {
    pub(crate) cpus: usize,
    pub(crate) cpu_model: String,
    pub(crate) openssl: String,
}

impl Machine {
    pub(crate) fn this() -> Self {
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|line| line.strip_prefix("model name"))
                    .and_then(|rest| rest.split_once(':'))
                    .map(|(_, model)| model.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".into());
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            cpu_model,
            openssl: openssl::version::version().to_owned(),
        }
    }
}

/// Everything one run measured (sections left out are `None` or empty).
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) machine: Option<Machine>,
    pub(crate) quick: bool,
    pub(crate) plan: Option<Plan>,
    pub(crate) results: Vec<Figure>,
    pub(crate) allocations: Vec<Allocations>,
    pub(crate) cold_starts: Vec<ColdStart>,
    pub(crate) floods: Vec<Flood>,
    pub(crate) memory: Option<Memory>,
    pub(crate) micro: Vec<Micro>,
}

impl Report {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "machine": self.machine.as_ref().map(|machine| json!({
                "cpus": machine.cpus,
                "cpu_model": machine.cpu_model,
                "openssl": machine.openssl,
            })),
            "backend": adapter::BACKEND,
            "mode": if self.quick { "quick" } else { "full" },
            "rounds": self.plan.as_ref().map(|plan| plan.rounds),
            "slice_ms": self.plan.as_ref().map(|plan| plan.slice.as_millis() as u64),
            "results": self.results.iter().map(|figure| json!({
                "alg": figure.alg.name(),
                "layer": figure.layer.as_str(),
                "backend": figure.layer.backend(),
                "threads": figure.threads,
                "tokens_per_s": figure.tokens_per_s.round(),
                "ratio_to_floor": round3(figure.ratio_to_floor),
                "ratio_to_one_thread": figure.ratio_to_one_thread.map(round3),
            })).collect::<Vec<_>>(),
            "allocations": self.allocations.iter().map(|counted| json!({
                "alg": counted.alg.name(),
                "layer": counted.layer.as_str(),
                "backend": counted.layer.backend(),
                "allocations_per_verification": round3(counted.allocations),
                "bytes_per_verification": counted.bytes.round(),
                "claims_allocations": round3(counted.claims_allocations),
                "claims_bytes": counted.claims_bytes.round(),
                "allocations_beyond_claims": round3(counted.beyond_claims()),
                "bytes_beyond_claims": counted.bytes_beyond_claims().round(),
            })).collect::<Vec<_>>(),
            "cold_start": self.cold_starts.iter().map(|start| json!({
                "driver": start.driver.as_str(),
                "repetitions": start.repetitions,
                "median_ms": phases_json(&start.median),
                "first_ms": phases_json(&start.first),
            })).collect::<Vec<_>>(),
            "flood": self.floods.iter().map(|flood| json!({
                "driver": flood.driver.as_str(),
                "tokens": flood.tokens,
                "concurrency": flood.flooders,
                "cooldown_s": flood.cooldown_s,
                "issuer_requests": flood.issuer_requests,
                "refused_key_not_found": flood.key_not_found,
                "flood_ms": round3(flood.flood_ms),
                "during_flood": latencies_json(&flood.during),
                "without_flood": latencies_json(&flood.without),
            })).collect::<Vec<_>>(),
            "memory": self.memory.map(|memory| json!({
                "keys": memory.keys,
                "runs": memory.runs,
                "with_keys_peak_rss_kib": memory.with_keys_kib,
                "without_keys_peak_rss_kib": memory.without_keys_kib,
                "difference_kib": memory.difference_kib(),
            })),
            "micro": self.micro.iter().map(|micro| json!({
                "part": micro.part,
                "case": micro.case,
                "ns_per_call": micro.ns_per_call.round(),
                "calls": micro.calls,
            })).collect::<Vec<_>>(),
        })
    }

    pub(crate) fn to_text(&self) -> String {
        let mut out = String::new();
        if let Some(machine) = &self.machine {
            out += &format!(
                "machine: {} cpus, {}, {}\n",
                machine.cpus, machine.cpu_model, machine.openssl
            );
        }
        out += &format!(
            "signature backend of core, blocking and async: {}\n",
            adapter::BACKEND
        );
        if let Some(plan) = &self.plan {
            out += &throughput_text(&self.results, plan);
        }
        if !self.allocations.is_empty() {
            out += &allocations_text(&self.allocations);
        }
        if !self.cold_starts.is_empty() {
            out += &cold_text(&self.cold_starts);
        }
        if !self.floods.is_empty() {
            out += &flood_text(&self.floods);
        }
        if let Some(memory) = &self.memory {
            out += &format!(
                "\nPeak RSS (VmHWM, median of {} runs): {} KiB holding a {}-key JWKS, {} KiB without: {:+} KiB\n",
                memory.runs,
                memory.with_keys_kib,
                memory.keys,
                memory.without_keys_kib,
                memory.difference_kib()
            );
        }
        if !self.micro.is_empty() {
            out += "\nMicro-benchmarks (core parts, median of 5 runs)\n";
            for micro in &self.micro {
                out += &format!(
                    "  {:<16} {:<26} {:>12}\n",
                    micro.part,
                    micro.case,
                    duration_text(micro.ns_per_call)
                );
            }
        }
        out
    }
}

/// Nanoseconds in the unit that keeps them readable.
fn duration_text(ns: f64) -> String {
    if ns < 10_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 10_000_000.0 {
        format!("{:.1} us", ns / 1e3)
    } else {
        format!("{:.1} ms", ns / 1e6)
    }
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

fn phases_json(phases: &Phases) -> Value {
    json!({
        "build": round3(phases.build),
        "discovery": round3(phases.discovery),
        "jwks_fetch": round3(phases.jwks_fetch),
        "first_verification": round3(phases.first_verification),
        "total": round3(phases.total),
    })
}

fn latencies_json(latencies: &Latencies) -> Value {
    json!({
        "samples": latencies.samples,
        "p50_us": round3(latencies.p50_us),
        "p99_us": round3(latencies.p99_us),
    })
}

fn throughput_text(figures: &[Figure], plan: &Plan) -> String {
    let mut out = format!(
        "\nTokens per second (median of {} rounds of {} ms slices; x = ratio to the floor in the same round)\n",
        plan.rounds,
        plan.slice.as_millis()
    );
    out += &format!("  {:<6} {:>7}", "alg", "threads");
    for layer in LayerName::ALL {
        out += &format!(
            " {:>19}",
            format!("{} ({})", layer.as_str(), layer.backend())
        );
    }
    out += "\n";
    let mut rows: Vec<(&str, usize)> = figures
        .iter()
        .map(|figure| (figure.alg.name(), figure.threads))
        .collect();
    rows.dedup();
    for (alg, threads) in rows {
        out += &format!("  {alg:<6} {threads:>7}");
        for layer in LayerName::ALL {
            let figure = figures
                .iter()
                .find(|f| f.alg.name() == alg && f.threads == threads && f.layer == layer);
            out += &match figure {
                Some(f) => format!(" {:>11.0} {:>5.2}x", f.tokens_per_s, f.ratio_to_floor),
                None => format!(" {:>19}", "-"),
            };
        }
        out += "\n";
    }
    let scaled: Vec<&Figure> = figures
        .iter()
        .filter(|figure| figure.ratio_to_one_thread.is_some())
        .collect();
    if let Some(first) = scaled.first() {
        out += &format!(
            "  {} threads over one thread (same round):\n",
            first.threads
        );
        for alg in figures
            .iter()
            .map(|figure| figure.alg)
            .collect::<BTreeSet<_>>()
        {
            out += &format!("  {:<14}", alg.name());
            for layer in LayerName::ALL {
                let ratio = scaled
                    .iter()
                    .find(|f| f.alg == alg && f.layer == layer)
                    .and_then(|f| f.ratio_to_one_thread);
                out += &match ratio {
                    Some(ratio) => format!(" {:>18.2}x", ratio),
                    None => format!(" {:>19}", "-"),
                };
            }
            out += "\n";
        }
    }
    out
}

fn allocations_text(counted: &[Allocations]) -> String {
    let mut out = String::from(
        "\nHeap allocations per verification (Rust heap only; OpenSSL's own mallocs are not seen)\n",
    );
    out += &format!(
        "  {:<6} {:<13} {:>8} {:>8} {:>14} {:>14}\n",
        "alg", "layer", "allocs", "bytes", "in claims", "beyond claims"
    );
    for c in counted {
        out += &format!(
            "  {:<6} {:<13} {:>8.1} {:>8.0} {:>6.1} ({:>5.0}) {:>6.1} ({:>5.0})\n",
            c.alg.name(),
            c.layer.as_str(),
            c.allocations,
            c.bytes,
            c.claims_allocations,
            c.claims_bytes,
            c.beyond_claims(),
            c.bytes_beyond_claims()
        );
    }
    out
}

fn cold_text(starts: &[ColdStart]) -> String {
    let mut out = String::from("\nCold start, discovery then JWKS over loopback HTTPS (ms)\n");
    out += &format!(
        "  {:<18} {:>8} {:>10} {:>10} {:>12} {:>8}\n",
        "driver", "build", "discovery", "JWKS fetch", "first verify", "total"
    );
    for start in starts {
        for (label, phases) in [
            (
                format!("{} median/{}", start.driver.as_str(), start.repetitions),
                &start.median,
            ),
            (format!("{} first", start.driver.as_str()), &start.first),
        ] {
            out += &format!(
                "  {:<18} {:>8.2} {:>10.2} {:>10.2} {:>12.2} {:>8.2}\n",
                label,
                phases.build,
                phases.discovery,
                phases.jwks_fetch,
                phases.first_verification,
                phases.total
            );
        }
    }
    out
}

fn flood_text(floods: &[Flood]) -> String {
    let mut out = String::from("\nUnknown-kid flood\n");
    for flood in floods {
        out += &format!(
            "  {:<8} {} tokens from {} {}: issuer received {} request(s) (cooldown {} s), {} refused key_not_found, {:.1} ms\n",
            flood.driver.as_str(),
            flood.tokens,
            flood.flooders,
            if flood.driver.as_str() == "async" { "tasks" } else { "threads" },
            flood.issuer_requests,
            flood.cooldown_s,
            flood.key_not_found,
            flood.flood_ms
        );
        out += &format!(
            "           valid token p50/p99: {:.1}/{:.1} us during ({} samples), {:.1}/{:.1} us without ({} samples)\n",
            flood.during.p50_us,
            flood.during.p99_us,
            flood.during.samples,
            flood.without.p50_us,
            flood.without.p99_us,
            flood.without.samples
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cold::Driver;
    use crate::fixture::Alg;
    use std::time::Duration;

    fn report() -> Report {
        let figure = |layer, threads, tokens_per_s, ratio_to_floor, ratio_to_one_thread| Figure {
            alg: Alg::Es256,
            layer,
            threads,
            tokens_per_s,
            ratio_to_floor,
            ratio_to_one_thread,
        };
        let phases = Phases {
            build: 1.0,
            discovery: 2.0,
            jwks_fetch: 3.0,
            first_verification: 0.5,
            total: 6.5,
        };
        let latencies = Latencies {
            samples: 10,
            p50_us: 40.0,
            p99_us: 90.0,
        };
        Report {
            machine: Some(Machine {
                cpus: 2,
                cpu_model: "cpu".into(),
                openssl: "OpenSSL 3".into(),
            }),
            quick: true,
            plan: Some(Plan {
                rounds: 3,
                slice: Duration::from_millis(100),
                thread_counts: vec![1, 2],
            }),
            results: vec![
                figure(LayerName::Floor, 1, 1000.0, 1.0, None),
                figure(LayerName::Jsonwebtoken, 2, 1900.4, 0.95, Some(1.9)),
            ],
            allocations: vec![Allocations {
                alg: Alg::Es256,
                layer: LayerName::Core,
                allocations: 10.0,
                bytes: 900.0,
                claims_allocations: 8.0,
                claims_bytes: 700.0,
            }],
            cold_starts: vec![ColdStart {
                driver: Driver::Async,
                repetitions: 5,
                first: phases,
                median: phases,
            }],
            floods: vec![Flood {
                driver: Driver::Blocking,
                tokens: 10_000,
                flooders: 64,
                cooldown_s: 30.0,
                issuer_requests: 1,
                key_not_found: 10_000,
                flood_ms: 50.0,
                during: latencies,
                without: latencies,
            }],
            memory: Some(Memory {
                keys: 100,
                runs: 1,
                with_keys_kib: 8000.0,
                without_keys_kib: 6000.0,
            }),
            micro: vec![Micro {
                part: "key selection",
                case: "1 key".into(),
                ns_per_call: 30.2,
                calls: 100,
            }],
        }
    }

    #[test]
    fn json_results_hold_one_object_per_figure() {
        let json = report().to_json();
        assert_eq!(json["mode"], "quick");
        assert_eq!(json["backend"], adapter::BACKEND);
        assert_eq!(json["machine"]["cpus"], 2);
        let results = json["results"].as_array().expect("results");
        assert_eq!(results.len(), 2);
        assert_eq!(
            results[1],
            json!({
                "alg": "ES256",
                "layer": "jsonwebtoken",
                "backend": "aws-lc-rs",
                "threads": 2,
                "tokens_per_s": 1900.0,
                "ratio_to_floor": 0.95,
                "ratio_to_one_thread": 1.9,
            })
        );
        assert_eq!(results[0]["backend"], "openssl");
        assert_eq!(results[0]["ratio_to_one_thread"], Value::Null);
    }

    #[test]
    fn json_sections_carry_their_figures() {
        let json = report().to_json();
        assert_eq!(json["allocations"][0]["allocations_beyond_claims"], 2.0);
        assert_eq!(json["allocations"][0]["bytes_beyond_claims"], 200.0);
        assert_eq!(json["cold_start"][0]["driver"], "async");
        assert_eq!(json["cold_start"][0]["median_ms"]["jwks_fetch"], 3.0);
        assert_eq!(json["flood"][0]["issuer_requests"], 1);
        assert_eq!(json["flood"][0]["during_flood"]["p99_us"], 90.0);
        assert_eq!(json["memory"]["difference_kib"], 2000.0);
        assert_eq!(json["micro"][0]["ns_per_call"], 30.0);
    }

    #[test]
    fn text_has_every_section() {
        let text = report().to_text();
        for heading in [
            "Tokens per second",
            "2 threads over one thread",
            "Heap allocations",
            "Cold start",
            "Unknown-kid flood",
            "Peak RSS",
            "Micro-benchmarks",
        ] {
            assert!(text.contains(heading), "{heading} missing from:\n{text}");
        }
        assert_eq!(duration_text(30.2), "30 ns");
        assert_eq!(duration_text(12_345.0), "12.3 us");
        assert_eq!(duration_text(64_100_000.0), "64.1 ms");
    }
}
