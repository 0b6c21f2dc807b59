//! The command line: `bench [--quick] [--json] [--threads N] [--micro]`.

use std::time::Duration;

use crate::repeat::Repeat;
use crate::rss::Child;

pub(crate) const USAGE: &str = "\
usage: bench [--quick] [--json] [--threads N] [--micro | --cold]
       bench --repeat LAYER ALG N

  --quick      a short run (under a minute on 2 cores); noisier figures
  --json       print one JSON object instead of tables
  --threads N  the many-thread figures use N threads (default: all cores)
  --micro      only the micro-benchmarks of the core's parts
  --cold       only the cold starts (a few seconds)
  --repeat     only LAYER (floor, core, blocking, async, jsonwebtoken)
               verifying the ALG (RS256, PS256, ES256, EdDSA) token N
               times, for an instruction counter (see src/repeat.rs)";

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    /// The whole benchmark (or only the micro-benchmarks).
    Bench(Options),
    /// Print the usage.
    Help,
    /// One layer's verifications and nothing else.
    Repeat(Repeat),
    /// Be a child process of the memory measurement.
    RssChild(Child),
}

/// Options of a benchmark run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Options {
    pub(crate) quick: bool,
    pub(crate) json: bool,
    pub(crate) threads: Option<usize>,
    pub(crate) micro_only: bool,
    pub(crate) cold_only: bool,
}

impl Options {
    /// Thread counts measured: one, and all cores (or `--threads`).
    pub(crate) fn thread_counts(&self) -> Vec<usize> {
        let many = self
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        if many > 1 {
            vec![1, many]
        } else {
            vec![1]
        }
    }

    /// Rounds of the throughput measurement.
    pub(crate) fn rounds(&self) -> usize {
        if self.quick {
            5
        } else {
            15
        }
    }

    /// One layer's time slice per round.
    pub(crate) fn slice(&self) -> Duration {
        Duration::from_millis(if self.quick { 100 } else { 300 })
    }

    /// Cold starts per driver.
    pub(crate) fn cold_starts(&self) -> usize {
        if self.quick {
            5
        } else {
            20
        }
    }

    /// Valid verifications timed without the flood.
    pub(crate) fn flood_baseline(&self) -> usize {
        if self.quick {
            1_000
        } else {
            5_000
        }
    }

    /// Runs of each memory child.
    pub(crate) fn rss_runs(&self) -> usize {
        if self.quick {
            1
        } else {
            3
        }
    }

    /// Time spent on each micro-benchmark.
    pub(crate) fn micro_budget(&self) -> Duration {
        Duration::from_millis(if self.quick { 100 } else { 500 })
    }
}

/// Reads the arguments (without the program name).
pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options {
        quick: false,
        json: false,
        threads: None,
        micro_only: false,
        cold_only: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--json" => options.json = true,
            "--micro" => options.micro_only = true,
            "--cold" => options.cold_only = true,
            "--threads" => {
                let value = args.next().ok_or("--threads needs a number")?;
                match value.parse::<usize>() {
                    Ok(threads) if threads > 0 => options.threads = Some(threads),
                    _ => return Err(format!("--threads {value}: not a positive number")),
                }
            }
            "--repeat" => {
                let mut next = || args.next().ok_or("--repeat needs LAYER ALG N");
                let (layer, alg, times) = (next()?, next()?, next()?);
                return Repeat::parse(&layer, &alg, &times).map(Command::Repeat);
            }
            "--rss-child" => {
                let value = args.next().unwrap_or_default();
                return Child::from_arg(&value)
                    .map(Command::RssChild)
                    .ok_or_else(|| format!("--rss-child {value}: unknown"));
            }
            "-h" | "--help" => return Ok(Command::Help),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.micro_only && options.cold_only {
        return Err("--micro and --cold exclude each other".into());
    }
    Ok(Command::Bench(options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn flags_and_thread_count() {
        let Ok(Command::Bench(options)) = parsed(&["--quick", "--json", "--threads", "8"]) else {
            panic!("not a run");
        };
        assert!(options.quick && options.json && !options.micro_only && !options.cold_only);
        let Ok(Command::Bench(cold)) = parsed(&["--cold"]) else {
            panic!("not a run");
        };
        assert!(cold.cold_only && !cold.micro_only);
        assert_eq!(options.thread_counts(), vec![1, 8]);
        let Ok(Command::Bench(one)) = parsed(&["--threads", "1"]) else {
            panic!("not a run");
        };
        assert_eq!(one.thread_counts(), vec![1]);
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(parsed(&["--threads"]).is_err());
        assert!(parsed(&["--threads", "0"]).is_err());
        assert!(parsed(&["--fast"]).is_err());
        assert!(parsed(&["--micro", "--cold"]).is_err());
        assert!(parsed(&["--rss-child", "other"]).is_err());
        assert!(parsed(&["--repeat", "core", "EdDSA"]).is_err());
        assert!(parsed(&["--repeat", "kernel", "EdDSA", "10"]).is_err());
        assert!(parsed(&["--repeat", "core", "HS256", "10"]).is_err());
        assert!(parsed(&["--repeat", "core", "EdDSA", "-1"]).is_err());
        assert_eq!(
            parsed(&["--repeat", "async", "ES256", "10"]),
            Ok(Command::Repeat(Repeat {
                layer: crate::layers::LayerName::Async,
                alg: crate::fixture::Alg::Es256,
                times: 10,
            }))
        );
        assert_eq!(parsed(&["--help"]), Ok(Command::Help));
        assert_eq!(
            parsed(&["--rss-child", "with-keys"]),
            Ok(Command::RssChild(Child::WithKeys))
        );
    }
}
