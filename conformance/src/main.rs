//! `conformance`: runs conformance corpora (docs/case-format.md) through the
//! verifier's layers.
//!
//! ```text
//! conformance run DIR... [--layer core|blocking|async|all] [--json FILE]
//! conformance demo
//! conformance generate DIR [--force]
//! ```
//!
//! `run` uses every layer unless `--layer` names one. Exit status: 0 when
//! every case passed in every layer, 1 when one failed, 2 when the command
//! line or the corpus could not be used. `demo` verifies good and bad
//! tokens through every layer on loopback: 0 when every line behaved as
//! expected, 1 otherwise. `generate` writes the corpus of
//! [`oidc_jwt_verifier_conformance::generate`] under DIR: missing case files
//! only, or every file with `--force`.
#![forbid(unsafe_code)]

use std::fs;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use oidc_jwt_verifier_conformance::case::load_corpus;
use oidc_jwt_verifier_conformance::runner::report::{to_json, write_text, Summary};
use oidc_jwt_verifier_conformance::runner::{run_corpus, LayerName};

const USAGE: &str = "usage: conformance run DIR... [--layer core|blocking|async|all] [--json FILE]\n       conformance demo\n       conformance generate DIR [--force]";

/// `--layer` values: one layer, or `all`.
fn parse_layers(value: &str) -> Result<Vec<LayerName>, String> {
    if value == "all" {
        return Ok(LayerName::ALL.to_vec());
    }
    LayerName::parse(value)
        .map(|layer| vec![layer])
        .ok_or_else(|| format!("unknown layer {value:?} (core, blocking, async or all)"))
}

/// A parsed command line.
#[derive(Debug)]
enum Command {
    /// `run`: run corpora.
    Run(RunOptions),
    /// `demo`: the verifier at work on loopback.
    Demo,
    /// `generate`: write the generated corpus.
    Generate {
        /// The corpus folder.
        dir: PathBuf,
        /// Rewrite existing case files.
        force: bool,
    },
}

#[derive(Debug)]
struct RunOptions {
    roots: Vec<PathBuf>,
    layers: Vec<LayerName>,
    json: Option<PathBuf>,
}

fn parse_command(args: &[String]) -> Result<Command, String> {
    match args.split_first() {
        Some((command, rest)) if command == "run" => parse_run(rest).map(Command::Run),
        Some((command, rest)) if command == "demo" => match rest {
            [] => Ok(Command::Demo),
            [extra, ..] => Err(format!("demo takes no arguments (got {extra:?})")),
        },
        Some((command, rest)) if command == "generate" => parse_generate(rest),
        Some((command, _)) => Err(format!("unknown command {command:?}")),
        None => Err("no command".into()),
    }
}

fn parse_run(args: &[String]) -> Result<RunOptions, String> {
    let mut roots = Vec::new();
    let mut layers = None;
    let mut json = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "--layer" if layers.is_none() => layers = Some(parse_layers(&value()?)?),
            "--json" if json.is_none() => json = Some(PathBuf::from(value()?)),
            "--layer" | "--json" => return Err(format!("{flag} given twice")),
            _ if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ => roots.push(PathBuf::from(arg)),
        }
    }
    if roots.is_empty() {
        return Err("run needs at least one corpus folder".into());
    }
    Ok(RunOptions {
        roots,
        layers: layers.unwrap_or_else(|| LayerName::ALL.to_vec()),
        json,
    })
}

fn run(options: &RunOptions) -> Result<ExitCode, String> {
    let cases = load_corpus(&options.roots).map_err(|error| error.to_string())?;
    let layers = options
        .layers
        .iter()
        .map(|layer| layer.build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| format!("cannot start a layer: {error}"))?;
    let outcomes = run_corpus(&layers, &cases);
    if let Some(path) = &options.json {
        let report = to_json(&outcomes).to_string();
        fs::write(path, report)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    write_text(&outcomes, &mut io::stdout().lock())
        .map_err(|error| format!("cannot write the report: {error}"))?;
    Ok(if Summary::of(&outcomes).failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn parse_generate(args: &[String]) -> Result<Command, String> {
    let mut dir = None;
    let mut force = false;
    for arg in args {
        match arg.as_str() {
            "--force" if !force => force = true,
            "--force" => return Err("--force given twice".into()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            path if dir.is_none() => dir = Some(PathBuf::from(path)),
            _ => return Err("generate takes one corpus folder".into()),
        }
    }
    let dir = dir.ok_or("generate needs a corpus folder")?;
    Ok(Command::Generate { dir, force })
}

fn generate(dir: &std::path::Path, force: bool) -> Result<ExitCode, String> {
    let summary = oidc_jwt_verifier_conformance::generate::generate(dir, force)
        .map_err(|error| error.to_string())?;
    println!(
        "{} written, {} kept ({} stale), {} unknown",
        summary.written,
        summary.kept,
        summary.stale.len(),
        summary.unknown.len()
    );
    for name in &summary.stale {
        println!("stale (rerun with --force to update): {name}");
    }
    for path in &summary.unknown {
        println!("not generated: {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn demo() -> Result<ExitCode, String> {
    let summary = oidc_jwt_verifier_conformance::demo::run(&mut io::stdout().lock())
        .map_err(|error| format!("demo: {error}"))?;
    Ok(if summary.all_as_expected() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse_command(&args) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("conformance: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match &command {
        Command::Run(options) => run(options),
        Command::Demo => demo(),
        Command::Generate { dir, force } => generate(dir, *force),
    };
    result.unwrap_or_else(|error| {
        eprintln!("conformance: {error}");
        ExitCode::from(2)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn generate_takes_one_folder_and_an_optional_force() {
        let parsed = parse_command(&args(&["generate", "corpus", "--force"]));
        assert!(
            matches!(parsed, Ok(Command::Generate { ref dir, force: true }) if dir == &PathBuf::from("corpus"))
        );
        let parsed = parse_command(&args(&["generate", "corpus"]));
        assert!(matches!(parsed, Ok(Command::Generate { force: false, .. })));
        assert!(parse_command(&args(&["generate"])).is_err());
        assert!(parse_command(&args(&["generate", "a", "b"])).is_err());
        assert!(parse_command(&args(&["generate", "a", "--force", "--force"])).is_err());
        assert!(parse_command(&args(&["generate", "a", "--fast"])).is_err());
    }
}
