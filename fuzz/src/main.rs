//! `fuzz`: runs the harness's targets, or replays findings.
//!
//! ```text
//! fuzz TARGET|all [--seed N] [--start N] [--iterations N | --seconds N]
//!      [--findings DIR] [--max-findings N] [--no-known] [--dump DIR]
//! fuzz --replay DIR...
//! ```
//!
//! Exit status: 0 when nothing failed, 1 when a finding was made or a
//! replayed case failed, 2 when the command line or the harness itself
//! could not run.
#![forbid(unsafe_code)]

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use oidc_jwt_verifier_fuzz::harness::{run, Budget, Layers, Options};
use oidc_jwt_verifier_fuzz::replay::replay;
use oidc_jwt_verifier_fuzz::targets;

const USAGE: &str = "usage: fuzz TARGET|all [--seed N] [--start N] [--iterations N | --seconds N] [--findings DIR] [--max-findings N] [--no-known] [--dump DIR]\n       fuzz --replay DIR...\ntargets: tokens, jwks, claims, worlds";

#[derive(Debug)]
enum Command {
    Run {
        targets: Vec<String>,
        options: Options,
    },
    Replay(Vec<PathBuf>),
}

fn number<T: std::str::FromStr>(flag: &str, value: Option<&String>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{flag}: not a number: {value:?}"))
}

fn parse(args: &[String]) -> Result<Command, String> {
    let Some((first, rest)) = args.split_first() else {
        return Err("no target".into());
    };
    if first == "--replay" {
        if rest.is_empty() {
            return Err("--replay needs a folder".into());
        }
        return Ok(Command::Replay(rest.iter().map(PathBuf::from).collect()));
    }
    let targets: Vec<String> = if first == "all" {
        targets::NAMES
            .iter()
            .map(|name| (*name).to_owned())
            .collect()
    } else {
        vec![first.clone()]
    };
    let mut options = Options {
        seed: 1,
        start: 0,
        budget: Budget::Iterations(100),
        findings: Some(PathBuf::from("fuzz-findings")),
        max_findings: 10,
        known_apart: true,
        dump: None,
    };
    let mut args = rest.iter();
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--seed" => options.seed = number(flag, args.next())?,
            "--start" => options.start = number(flag, args.next())?,
            "--iterations" => options.budget = Budget::Iterations(number(flag, args.next())?),
            "--seconds" => {
                let seconds: f64 = number(flag, args.next())?;
                let time = Duration::try_from_secs_f64(seconds)
                    .map_err(|_| format!("--seconds: not a duration: {seconds}"))?;
                options.budget = Budget::Time(time);
            }
            "--findings" => {
                let dir = args.next().ok_or("--findings needs a folder")?;
                options.findings = Some(PathBuf::from(dir));
            }
            "--max-findings" => options.max_findings = number(flag, args.next())?,
            "--no-known" => options.known_apart = false,
            "--dump" => {
                let dir = args.next().ok_or("--dump needs a folder")?;
                options.dump = Some(PathBuf::from(dir));
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(Command::Run { targets, options })
}

fn run_targets(names: &[String], options: &Options) -> Result<ExitCode, String> {
    let (mut clean, mut failing) = (0u64, 0u64);
    for name in names {
        let mut target = targets::build(name)?;
        let report = run(target.as_mut(), options, &mut io::stdout().lock())?;
        println!(
            "{name}: seed {}, iterations {}..{}, {} steps judged, {} findings",
            options.seed,
            options.start,
            options.start + report.iterations,
            report.steps,
            report.findings.len()
        );
        for (known, count) in &report.known {
            println!("{name}: {count} failures were the known deviation {known}");
        }
        let found = report.findings.len() as u64;
        failing += found;
        clean += report.iterations.saturating_sub(found);
    }
    // Iterations without a finding, and findings.
    println!("{clean} passed, {failing} failed");
    Ok(if failing > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn run_replay(dirs: &[PathBuf]) -> Result<ExitCode, String> {
    let report = replay(dirs, &mut Layers::new())?;
    for failure in &report.failures {
        println!("FAIL {}: {}", failure.path.display(), failure.reason);
    }
    let failed_cases = {
        let mut paths: Vec<&PathBuf> = report.failures.iter().map(|f| &f.path).collect();
        paths.dedup();
        paths.len()
    };
    println!(
        "{} passed, {} failed",
        report.cases - failed_cases,
        failed_cases
    );
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = parse(&args).and_then(|command| match command {
        Command::Run { targets, options } => run_targets(&targets, &options),
        Command::Replay(dirs) => run_replay(&dirs),
    });
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("fuzz: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
