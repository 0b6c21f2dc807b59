//! The explain report against the whole corpus: every verification of every
//! case, explained by a second core in lockstep, gives the verdict verify
//! gives, with its one failing check naming the same error code (none for
//! an accepted token), and every case still passes. The `dpop/` topic is
//! left out: an explanation reports the checks of a token, not the sender
//! constraints of a request (docs/rules.md, "Explain and the command line").

use std::path::PathBuf;

use oidc_jwt_verifier_conformance::case::load_corpus;
use oidc_jwt_verifier_conformance::runner::{run_case, ExplainedCoreLayer};

#[test]
fn every_verification_of_the_corpus_is_explained_with_its_verdict() {
    let roots: Vec<PathBuf> = ["corpus", "tests/shared-examples"]
        .into_iter()
        .map(|name| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name))
        .collect();
    let cases = load_corpus(&roots).expect("the corpus loads");
    let layer = ExplainedCoreLayer::new();
    let mut failures = Vec::new();
    let mut verifications = 0;
    for loaded in cases
        .iter()
        .filter(|loaded| !loaded.name.starts_with("dpop/"))
    {
        let case = loaded.case.as_ref().expect("a valid case");
        verifications += case.steps.iter().filter(|s| s.action() == "verify").count();
        if let Err(failure) = run_case(&layer, case) {
            failures.push(format!("{}: {failure:?}", loaded.name));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        layer.explained() >= verifications as u64,
        "{} explained of {verifications} token verifications",
        layer.explained()
    );
}
