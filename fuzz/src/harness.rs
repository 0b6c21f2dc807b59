//! The fuzz loop: seeded iterations of one target, each judged, each
//! failure reduced, printed with its seed and iteration, and written as a
//! case file.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use oidc_jwt_verifier_conformance::runner::{Layer, LayerName};

use crate::judge::{expectations, layers_alike, parse_case, Failure, Judge};
use crate::known::{classify, Known};
use crate::rng::Rng;
use crate::script::Script;
use crate::trace::Answer;

/// One input of a target: a case, how to judge it, and the steps any
/// reduction of it must keep.
#[derive(Debug, Clone)]
pub struct Input {
    /// The case.
    pub script: Script,
    /// How it is judged.
    pub judge: Judge,
    /// Steps every reduced case keeps (the `serve` steps, the original
    /// token's verification...), by index.
    pub anchors: Vec<usize>,
}

/// A fuzz target: makes one input per iteration from its random stream.
pub trait Target {
    /// The name on the command line.
    fn name(&self) -> &'static str;

    /// The input of one iteration. `Err` is a harness fault (a key that
    /// would not sign), not a finding.
    fn input(&mut self, rng: &mut Rng) -> Result<Input, String>;
}

/// How long a run goes on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// This many iterations.
    Iterations(u64),
    /// Iterations until this much time has passed.
    Time(Duration),
}

/// What a run does.
#[derive(Debug, Clone)]
pub struct Options {
    /// The seed of every iteration's stream.
    pub seed: u64,
    /// The first iteration (a finding's iteration re-runs it alone).
    pub start: u64,
    /// How long to go on.
    pub budget: Budget,
    /// Where findings are written (none: only printed).
    pub findings: Option<PathBuf>,
    /// Stop after this many findings.
    pub max_findings: usize,
    /// Where every input is written as a case (passing or not), so that
    /// any iteration can become a corpus case.
    pub dump: Option<PathBuf>,
    /// Count failures that are deviations already reported
    /// ([`known`](crate::known)) apart instead of as findings.
    pub known_apart: bool,
}

/// A failing input: where it came from, why it failed, and the case that
/// reproduces it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The target.
    pub target: &'static str,
    /// The run's seed.
    pub seed: u64,
    /// The iteration.
    pub iteration: u64,
    /// Why it failed (after reduction).
    pub failure: Failure,
    /// The reproducing case (JSON, docs/case-format.md).
    pub case: Value,
    /// Where it was written, if it was.
    pub path: Option<PathBuf>,
}

impl Finding {
    /// The case's name: `fuzz/<target>/s<seed>-i<iteration>`.
    pub fn name(target: &str, seed: u64, iteration: u64) -> String {
        format!("fuzz/{target}/s{seed}-i{iteration}")
    }

    /// One line for people: target, seed, iteration, step and reason.
    pub fn summary(&self) -> String {
        let step = self
            .failure
            .step
            .map_or_else(String::new, |step| format!(" step {step}"));
        format!(
            "FAIL {} --seed {} --start {}{step}: {}",
            self.target, self.seed, self.iteration, self.failure.reason
        )
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The target.
    pub target: &'static str,
    /// Iterations run.
    pub iterations: u64,
    /// Verifications and other steps judged.
    pub steps: u64,
    /// Every failure found (at most `max_findings`), known ones apart.
    pub findings: Vec<Finding>,
    /// How many failures were deviations already reported
    /// ([`known`](crate::known)), by name.
    pub known: Vec<(&'static str, u64)>,
}

impl Report {
    fn count_known(&mut self, name: &'static str) -> bool {
        match self.known.iter_mut().find(|(known, _)| *known == name) {
            Some((_, count)) => {
                *count += 1;
                false
            }
            None => {
                self.known.push((name, 1));
                true
            }
        }
    }
}

/// The layers a run judges with: the core alone, or every layer (built
/// once per run; the socket layers start a loopback server per case).
pub struct Layers {
    all: Option<Vec<Box<dyn Layer>>>,
}

impl Layers {
    /// No socket layer built yet.
    pub fn new() -> Layers {
        Layers { all: None }
    }

    /// Every layer, the core first.
    pub fn all(&mut self) -> Result<&[Box<dyn Layer>], String> {
        if self.all.is_none() {
            let built = LayerName::build_all().map_err(|error| format!("no layers: {error}"))?;
            self.all = Some(built);
        }
        Ok(self.all.as_deref().unwrap_or(&[]))
    }
}

impl Default for Layers {
    fn default() -> Self {
        Layers::new()
    }
}

/// Runs `target` as `options` say, printing each finding to `log`.
pub fn run(
    target: &mut dyn Target,
    options: &Options,
    log: &mut dyn io::Write,
) -> Result<Report, String> {
    let started = Instant::now();
    let mut layers = Layers::new();
    let mut report = Report {
        target: target.name(),
        iterations: 0,
        steps: 0,
        findings: Vec::new(),
        known: Vec::new(),
    };
    while !done(options.budget, report.iterations, started) {
        let context = Context {
            target: target.name(),
            seed: options.seed,
            iteration: options.start + report.iterations,
        };
        let input = target.input(&mut Rng::for_iteration(context.seed, context.iteration))?;
        report.steps += input.script.steps().len() as u64;
        if let Some(dir) = &options.dump {
            dump(&context, &input, dir)?;
        }
        let judged = judge_input(&context, &input, &mut layers, options.known_apart)?;
        report.iterations += 1;
        record(&mut report, judged, options, log).map_err(|error| error.to_string())?;
        if report.findings.len() >= options.max_findings {
            break;
        }
    }
    Ok(report)
}

/// Adds what one iteration found to `report`: the first of each known
/// deviation printed, a finding printed and written.
fn record(
    report: &mut Report,
    judged: Judged,
    options: &Options,
    log: &mut dyn io::Write,
) -> io::Result<()> {
    for (known, finding) in &judged.known {
        if report.count_known(known.name) {
            let summary = finding.summary();
            writeln!(
                log,
                "KNOWN {} (fuzz/findings/{}): {summary}",
                known.name, known.case
            )?;
        }
    }
    let Some(mut finding) = judged.finding else {
        return Ok(());
    };
    if let Some(dir) = &options.findings {
        let path = write_finding(dir, &finding).map_err(|error| {
            io::Error::other(format!(
                "cannot write a finding to {}: {error}",
                dir.display()
            ))
        })?;
        finding.path = Some(path);
    }
    let written = finding
        .path
        .as_ref()
        .map_or_else(String::new, |path| format!("\n  case: {}", path.display()));
    writeln!(log, "{}{written}", finding.summary())?;
    report.findings.push(finding);
    Ok(())
}

fn done(budget: Budget, iterations: u64, started: Instant) -> bool {
    match budget {
        Budget::Iterations(limit) => iterations >= limit,
        Budget::Time(limit) => started.elapsed() >= limit,
    }
}

/// Where an input came from.
struct Context {
    target: &'static str,
    seed: u64,
    iteration: u64,
}

impl Context {
    fn case(&self, script: &Script) -> Value {
        script.to_case(&Finding::name(self.target, self.seed, self.iteration))
    }

    /// The finding, its case's description saying where it came from.
    fn finding(&self, failure: Failure, script: &Script) -> Finding {
        let mut script = script.clone();
        script.describe(&format!(
            "Found by `fuzz {} --seed {} --start {}`: {}",
            self.target, self.seed, self.iteration, failure.reason
        ));
        let case = self.case(&script);
        Finding {
            target: self.target,
            seed: self.seed,
            iteration: self.iteration,
            failure,
            case,
            path: None,
        }
    }
}

/// What judging one input found.
struct Judged {
    /// The first failure that is not a known deviation, reduced.
    finding: Option<Finding>,
    /// Known deviations met on the way (each failing step is dropped and
    /// the rest judged again).
    known: Vec<(&'static Known, Finding)>,
}

/// Judges one input; a failure comes back reduced, as a finding.
fn judge_input(
    context: &Context,
    input: &Input,
    layers: &mut Layers,
    known_apart: bool,
) -> Result<Judged, String> {
    let mut judged = Judged {
        finding: None,
        known: Vec::new(),
    };
    match input.judge {
        Judge::Expectations => {
            let mut input = input.clone();
            while let Err(failure) = judge_expectations(context, &input.script) {
                let step = failure.step;
                let (failure, script) = reduce(context, &input, failure);
                let finding = context.finding(failure, &script);
                let known = known_apart.then(|| classify(&finding)).flatten();
                match (known, step) {
                    (Some(known), Some(step)) if !input.anchors.contains(&step) => {
                        judged.known.push((known, finding));
                        input = without_step(&input, step);
                    }
                    _ => {
                        judged.finding = Some(finding);
                        break;
                    }
                }
            }
        }
        Judge::Layers => {
            let all = layers.all()?;
            let parsed = match parse_case(&context.case(&input.script)) {
                Ok(parsed) => parsed,
                Err(failure) => {
                    judged.finding = Some(context.finding(failure, &input.script));
                    return Ok(judged);
                }
            };
            if let Err((failure, reference)) = layers_alike_retrying(all, &parsed) {
                let script = with_answers(&input.script, &reference, failure.step);
                let finding = context.finding(failure, &script);
                // A world is judged whole: a known deviation drops it.
                match known_apart.then(|| classify(&finding)).flatten() {
                    Some(known) => judged.known.push((known, finding)),
                    None => judged.finding = Some(finding),
                }
            }
        }
    }
    Ok(judged)
}

/// The loopback server of the socket layers reserves a port by binding it
/// and letting it go, and binds it again when the URL is first served;
/// another process can take it in between. That is the test server's
/// fault, not the verifier's.
const PORT_TAKEN: &str = "Address already in use";

/// [`layers_alike`], run once more when a socket layer could not bind a
/// loopback port ([`PORT_TAKEN`]); a second failure stands.
fn layers_alike_retrying(
    all: &[Box<dyn Layer>],
    case: &oidc_jwt_verifier_conformance::case::Case,
) -> Result<Vec<Answer>, (Failure, Vec<Answer>)> {
    match layers_alike(all, case) {
        Err((failure, _)) if failure.reason.contains(PORT_TAKEN) => layers_alike(all, case),
        outcome => outcome,
    }
}

/// `input` without step `step` (anchors after it renumbered).
fn without_step(input: &Input, step: usize) -> Input {
    let keep: Vec<usize> = (0..input.script.steps().len())
        .filter(|index| *index != step)
        .collect();
    Input {
        script: input.script.with_steps(&keep),
        judge: input.judge,
        anchors: input
            .anchors
            .iter()
            .map(|&anchor| if anchor > step { anchor - 1 } else { anchor })
            .collect(),
    }
}

fn judge_expectations(context: &Context, script: &Script) -> Result<(), Failure> {
    expectations(&parse_case(&context.case(script))?)
}

/// The smallest case this harness tries that still fails: the anchors and
/// the failing step (for a panic, the first step that panics with the
/// anchors alone); the whole case when no smaller one fails.
fn reduce(context: &Context, input: &Input, failure: Failure) -> (Failure, Script) {
    let candidates: Vec<usize> = match failure.step {
        Some(step) if !input.anchors.contains(&step) => vec![step],
        Some(_) => Vec::new(),
        None => (0..input.script.steps().len())
            .filter(|index| !input.anchors.contains(index))
            .collect(),
    };
    for candidate in candidates {
        let mut keep: Vec<usize> = input.anchors.clone();
        keep.push(candidate);
        keep.sort_unstable();
        keep.dedup();
        let reduced = input.script.with_steps(&keep);
        if let Err(reduced_failure) = judge_expectations(context, &reduced) {
            return (reduced_failure, reduced);
        }
    }
    (failure, input.script.clone())
}

/// `script` cut after the failing step, each step's expectation replaced
/// by the reference layer's answer where it gave one.
fn with_answers(script: &Script, answers: &[Answer], failing: Option<usize>) -> Script {
    let last = failing.unwrap_or(usize::MAX);
    let keep: Vec<usize> = (0..script.steps().len())
        .filter(|index| *index <= last)
        .collect();
    let mut cut = script.with_steps(&keep);
    cut.fill_answers(answers);
    cut
}

/// Writes `finding.case` as `<dir>/<target>-s<seed>-i<iteration>.json`.
pub fn write_finding(dir: &Path, finding: &Finding) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let path = dir.join(format!(
        "{}-s{}-i{}.json",
        finding.target, finding.seed, finding.iteration
    ));
    let mut text = serde_json::to_string_pretty(&finding.case).map_err(io::Error::other)?;
    text.push('\n');
    fs::write(&path, text)?;
    Ok(path)
}

/// Writes `input` as `<dir>/<target>-s<seed>-i<iteration>.json`; a world's
/// expectations are the core's answers.
fn dump(context: &Context, input: &Input, dir: &Path) -> Result<(), String> {
    let mut script = input.script.clone();
    if input.judge == Judge::Layers {
        let case = parse_case(&context.case(&script)).map_err(|failure| failure.reason)?;
        let answers =
            crate::trace::trace(&oidc_jwt_verifier_conformance::runner::CoreLayer, &case).answers;
        script.fill_answers(&answers);
    }
    let finding = Finding {
        target: context.target,
        seed: context.seed,
        iteration: context.iteration,
        failure: Failure::new(None, String::new()),
        case: context.case(&script),
        path: None,
    };
    write_finding(dir, &finding)
        .map(|_| ())
        .map_err(|error| format!("cannot write to {}: {error}", dir.display()))
}
