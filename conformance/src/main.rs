//! `conformance`: runs conformance corpora (FORMAT.md) through the
//! verifier's layers.
//!
//! ```text
//! conformance run DIR... [--layer core|blocking|async|all] [--json FILE]
//! ```
//!
//! Exit status: 0 when every case passed in every layer, 1 when one
//! failed, 2 when the command line or the corpus could not be used.
#![forbid(unsafe_code)]

use std::fs;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use oidc_jwt_verifier_conformance::case::load_corpus;
use oidc_jwt_verifier_conformance::runner::report::{to_json, write_text, Summary};
use oidc_jwt_verifier_conformance::runner::{run_corpus, CoreLayer, Layer, UnavailableLayer};

const USAGE: &str = "usage: conformance run DIR... [--layer core|blocking|async|all] [--json FILE]";

/// The layers a run can use, in the order `all` runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LayerName {
    Core,
    Blocking,
    Async,
}

impl LayerName {
    const ALL: [LayerName; 3] = [LayerName::Core, LayerName::Blocking, LayerName::Async];

    fn as_str(self) -> &'static str {
        match self {
            LayerName::Core => "core",
            LayerName::Blocking => "blocking",
            LayerName::Async => "async",
        }
    }

    /// The layer behind the name: adding a layer is one arm here.
    fn build(self) -> Box<dyn Layer> {
        match self {
            LayerName::Core => Box::new(CoreLayer),
            LayerName::Blocking | LayerName::Async => Box::new(UnavailableLayer::new(
                self.as_str(),
                format!("the {} layer is not available yet", self.as_str()),
            )),
        }
    }
}

/// `--layer` values: one layer, or `all`.
fn parse_layers(value: &str) -> Result<Vec<LayerName>, String> {
    if value == "all" {
        return Ok(LayerName::ALL.to_vec());
    }
    LayerName::ALL
        .into_iter()
        .find(|layer| layer.as_str() == value)
        .map(|layer| vec![layer])
        .ok_or_else(|| format!("unknown layer {value:?} (core, blocking, async or all)"))
}

/// A parsed command line.
#[derive(Debug)]
enum Command {
    /// `run`: run corpora.
    Run(RunOptions),
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
    let layers: Vec<Box<dyn Layer>> = options.layers.iter().map(|l| l.build()).collect();
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
    };
    result.unwrap_or_else(|error| {
        eprintln!("conformance: {error}");
        ExitCode::from(2)
    })
}
