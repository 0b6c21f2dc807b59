//! `jwtverify`, the binary, run as a user runs it: against the test kit's
//! test issuer on loopback (discovery, a JWKS URL) and against a JWK Set
//! file, with tokens as arguments and on standard input; one test per exit
//! status, and the explain report as text and as JSON.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use oidc_jwt_verifier_testkit::{
    tamper, FixedKey, Issuer, Reply, ScriptedServer, TestKey, TokenBuilder,
};
use serde_json::{json, Value};

const AUDIENCE: &str = "https://api.example.test";
/// The time tests judge claims at (`--at`): 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600;
const DISCOVERY: &str = "https://id.example.test/.well-known/openid-configuration";
const JWKS: &str = "https://id.example.test/jwks";

/// What one run of the binary printed and exited with.
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `jwtverify` with `args`, `stdin` written to its standard input.
fn jwtverify(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jwtverify"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().expect("a stdin pipe");
    // The binary stops reading at its bound: the rest may find the pipe closed.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("the binary ends");
    Run {
        status: status.code().expect("an exit status"),
        stdout: String::from_utf8(stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(stderr).expect("UTF-8 output"),
    }
}

/// A file of this test run holding `contents`.
fn file(name: &str, contents: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let unique = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("jwtverify-{}-{unique}-{name}", std::process::id()));
    std::fs::write(&path, contents).expect("a temporary file");
    path
}

fn now() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(since.as_secs()).expect("a sane clock")
}

/// The test issuer, named `issuer`, with a fixed key.
fn issuer(issuer: &str) -> Issuer {
    Issuer::with_key(
        issuer,
        TestKey::fixed(FixedKey::Rsa2048A).expect("a test key"),
    )
}

/// A token from `issuer` for [`AUDIENCE`], valid from `iat` for an hour.
fn token_at(issuer: &Issuer, iat: i64, edit: impl FnOnce(TokenBuilder) -> TokenBuilder) -> String {
    let builder = issuer
        .token()
        .claim("sub", json!("alice"))
        .claim("aud", json!(AUDIENCE))
        .claim("iat", json!(iat))
        .claim("exp", json!(iat + 3600))
        .claim("scope", json!("read"));
    edit(builder).sign(issuer.signing_key()).expect("signed")
}

fn token(issuer: &Issuer) -> String {
    token_at(issuer, T0, |t| t)
}

/// The identity provider on loopback: discovery and key set, over HTTPS
/// with the server's own CA (written to a file for `--root-ca`).
struct Provider {
    server: ScriptedServer,
    issuer: Issuer,
    root_ca: PathBuf,
}

impl Provider {
    fn start() -> Provider {
        let server = ScriptedServer::start().expect("the server starts");
        let discovery = server.map_url(DISCOVERY).expect("mapped");
        let issuer_url = discovery.replace(".well-known/openid-configuration", "");
        let issuer = issuer(&issuer_url);
        server.serve_json(JWKS, issuer.jwks()).expect("served");
        server
            .serve_json(DISCOVERY, issuer.discovery_document(JWKS))
            .expect("served");
        let root_ca = file("ca.pem", server.ca_pem());
        Provider {
            server,
            issuer,
            root_ca,
        }
    }

    fn jwks_url(&self) -> String {
        self.server.map_url(JWKS).expect("mapped")
    }

    /// The arguments of a discovery run.
    fn discovery_args(&self) -> Vec<String> {
        let root_ca = self.root_ca.display().to_string();
        let issuer = self.issuer.issuer().to_owned();
        vec!["--issuer".into(), issuer, "--root-ca".into(), root_ca]
            .into_iter()
            .chain(["--audience".into(), AUDIENCE.into()])
            .chain(["--at".into(), T0.to_string()])
            .collect()
    }
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// An issuer whose keys are in a file: the arguments of a `--jwks-file` run.
fn offline() -> (Issuer, Vec<String>) {
    let issuer = issuer("https://id.example.test/");
    let jwks = file("jwks.json", &issuer.jwks().to_string());
    let args = [
        "--issuer",
        "https://id.example.test/",
        "--jwks-file",
        &jwks.display().to_string(),
        "--audience",
        AUDIENCE,
        "--at",
        &T0.to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    (issuer, args)
}

fn with(args: &[String], more: &[&str]) -> Vec<String> {
    args.iter()
        .cloned()
        .chain(more.iter().map(|arg| (*arg).to_owned()))
        .collect()
}

#[test]
fn exit_0_accepted_through_discovery_prints_the_claims() {
    let provider = Provider::start();
    let token = token(&provider.issuer);
    let run = jwtverify(&strs(&with(&provider.discovery_args(), &[&token])), "");
    assert_eq!(run.status, 0, "{run:?}");
    let claims = run.json();
    assert_eq!(
        (claims["sub"].as_str(), claims["exp"].as_i64()),
        (Some("alice"), Some(T0 + 3600))
    );
    assert!(run.stderr.is_empty(), "{run:?}");
    assert_eq!(provider.server.requests(DISCOVERY), 1);
    assert_eq!(provider.server.requests(JWKS), 1);
}

#[test]
fn exit_0_accepted_through_a_jwks_url_with_the_token_on_stdin() {
    let provider = Provider::start();
    let root_ca = provider.root_ca.display().to_string();
    let jwks_url = provider.jwks_url();
    let mut args = vec![
        "--issuer",
        provider.issuer.issuer(),
        "--jwks-url",
        &jwks_url,
    ];
    args.extend(["--root-ca", &root_ca, "--audience", AUDIENCE, "--json"]);
    let now = now();
    let token = token_at(&provider.issuer, now - 60, |t| t);
    for stdin_arg in [None, Some("-")] {
        let mut args = args.clone();
        args.extend(stdin_arg);
        let run = jwtverify(&args, &format!("{token}\n"));
        assert_eq!(run.status, 0, "{run:?}");
        let out = run.json();
        assert_eq!(
            (out["result"].as_str(), out["exit_code"].as_i64()),
            (Some("accepted"), Some(0))
        );
        assert_eq!(out["claims"]["iat"], json!(now - 60));
    }
    assert_eq!(
        provider.server.requests(DISCOVERY),
        0,
        "no discovery with --jwks-url"
    );
}

#[test]
fn exit_0_accepted_from_a_jwks_file_with_nothing_fetched() {
    let (issuer, args) = offline();
    let run = jwtverify(&strs(&with(&args, &[&token(&issuer)])), "");
    assert_eq!(run.status, 0, "{run:?}");
    assert_eq!(run.json()["sub"], "alice");
}

#[test]
fn exit_1_refused_prints_code_status_message_and_challenge() {
    let (issuer, args) = offline();
    let expired = token_at(&issuer, T0 - 7200, |t| t);
    let run = jwtverify(&strs(&with(&args, &[&expired])), "");
    assert_eq!(run.status, 1, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert_eq!(
        run.stderr,
        "refused: token_expired (401)\n  message: Token is expired\n  challenge: Bearer \
         error=\"invalid_token\", error_description=\"Token is expired\"\n"
    );
    let run = jwtverify(
        &strs(&with(
            &args,
            &["--scope", "write", "--json", &token(&issuer)],
        )),
        "",
    );
    assert_eq!(run.status, 1, "{run:?}");
    let error = &run.json()["error"];
    assert_eq!(
        (error["code"].as_str(), error["status"].as_i64()),
        (Some("insufficient_scope"), Some(403))
    );
    assert_eq!(error["missing_scopes"], json!(["write"]));
    assert_eq!(
        error["www_authenticate"],
        "Bearer error=\"insufficient_scope\", error_description=\"Insufficient scope\", scope=\"write\""
    );
    let run = jwtverify(&strs(&with(&args, &["--json"])), "  \n");
    assert_eq!(
        (run.status, &run.json()["error"]["code"]),
        (1, &json!("missing_token"))
    );
}

#[test]
fn exit_2_usage_configuration_and_input_errors() {
    let (issuer, args) = offline();
    let token = token(&issuer);
    let cases: [(Vec<String>, &str); 5] = [
        (
            vec!["--issuer".into(), "https://id.test/".into(), token.clone()],
            "give at least one --audience",
        ),
        (with(&args, &["--alg", "HS256", &token]), "allowed_algs"),
        (
            with(&args, &["--realm", "r", &token]),
            "--realm is a preset parameter",
        ),
        (
            vec![
                "--issuer",
                "https://id.test/",
                "--audience",
                "a",
                "--jwks-file",
                "/nonexistent/k.json",
                &token,
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            "reading /nonexistent/k.json",
        ),
        (with(&args, &["--no-such-flag"]), "--no-such-flag"),
    ];
    for (args, says) in cases {
        let run = jwtverify(&strs(&args), "");
        assert_eq!(run.status, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(says), "{args:?}: {run:?}");
    }
    let run = jwtverify(
        &strs(&with(&args, &["--alg", "none", "--json", &token])),
        "",
    );
    assert_eq!(run.status, 2, "{run:?}");
    let out = run.json();
    assert_eq!(
        (out["result"].as_str(), out["exit_code"].as_i64()),
        (Some("usage_error"), Some(2))
    );
    assert!(
        out["message"].as_str().unwrap().contains("allowed_algs"),
        "{out}"
    );
    assert_eq!(jwtverify(&["--help"], "").status, 0);
}

#[test]
fn exit_3_key_source_unavailable_prints_the_cause() {
    let provider = Provider::start();
    provider
        .server
        .serve(JWKS, Reply::Refused)
        .expect("refused");
    let token = token(&provider.issuer);
    let run = jwtverify(&strs(&with(&provider.discovery_args(), &[&token])), "");
    assert_eq!(run.status, 3, "{run:?}");
    assert!(
        run.stderr
            .starts_with("unavailable: jwks_fetch_failed (503)\n"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("  challenge: none (a 503 carries none)\n"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains(&format!("  cause: {}: ", provider.jwks_url())),
        "{run:?}"
    );

    let (issuer, args) = offline();
    let jwks = file(
        "jwks.json",
        r#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#,
    );
    let mut args = args;
    args[3] = jwks.display().to_string();
    let run = jwtverify(
        &strs(&with(&args, &["--json", &token_at(&issuer, T0, |t| t)])),
        "",
    );
    assert_eq!(run.status, 3, "{run:?}");
    let error = &run.json()["error"];
    assert_eq!(error["code"], "jwks_error");
    assert_eq!(error["www_authenticate"], Value::Null);
    assert_eq!(
        error["causes"],
        json!([format!("{}: no usable key", jwks.display())])
    );
}

#[test]
fn the_issuer_must_match_the_discovery_document() {
    let provider = Provider::start();
    let other = issuer("https://elsewhere.example.test/");
    provider
        .server
        .serve_json(DISCOVERY, other.discovery_document(JWKS))
        .expect("served");
    let run = jwtverify(
        &strs(&with(
            &provider.discovery_args(),
            &["--json", &token(&provider.issuer)],
        )),
        "",
    );
    assert_eq!(
        (run.status, &run.json()["error"]["code"]),
        (3, &json!("issuer_mismatch"))
    );
    assert_eq!(
        provider.server.requests(JWKS),
        0,
        "no key from that document is fetched"
    );
}

#[test]
fn at_judges_the_claims_at_another_moment() {
    let (issuer, args) = offline();
    let token = token(&issuer);
    let judged = |at: i64| {
        let mut args = args.clone();
        args[7] = at.to_string();
        jwtverify(&strs(&with(&args, &["--json", &token])), "")
    };
    assert_eq!(judged(T0 + 3599).status, 0);
    let late = judged(T0 + 3600);
    assert_eq!(
        (late.status, &late.json()["error"]["code"]),
        (1, &json!("token_expired"))
    );
    let early = judged(T0 - 1);
    assert_eq!(early.status, 0, "no nbf: {early:?}");
    let leeway = {
        let mut args = args.clone();
        args[7] = (T0 + 3600).to_string();
        jwtverify(&strs(&with(&args, &["--leeway", "1", &token])), "")
    };
    assert_eq!(leeway.status, 0, "{leeway:?}");
    let old = token_at(&issuer, 1_000_000_000, |t| t);
    let unjudged: Vec<String> = args[..6].to_vec();
    let now = jwtverify(&strs(&with(&unjudged, &[&old])), "");
    assert_eq!(now.status, 1, "a token of 2001 is expired now: {now:?}");
    let then = jwtverify(&strs(&with(&unjudged, &["--at", "1000000100", &old])), "");
    assert_eq!(then.status, 0, "{then:?}");
}

#[test]
fn explain_an_accepted_token_as_text_and_json() {
    let (issuer, args) = offline();
    let token = token(&issuer);
    let run = jwtverify(
        &strs(&with(&args, &["--explain", "--scope", "read", &token])),
        "",
    );
    assert_eq!(run.status, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("header (signature verified)\n  {\n"),
        "{run:?}"
    );
    for line in [
        "  pass         token_size        at most max_token_bytes long, checked before any decoding",
        "  pass         key_lookup        exactly one usable key fits the kid and alg (fetched if needed)",
        "  pass         scopes            the scope claim grants every required scope",
        "                                 required_scopes = [\"read\"] (configuration)",
        "                                 now = 1767225600 (time)",
        "verdict: accepted",
    ] {
        assert!(run.stdout.lines().any(|l| l == line), "{line}\n{run:?}");
    }
    assert!(
        !run.stdout.contains("FAIL") && !run.stdout.contains("untrusted"),
        "{run:?}"
    );
    assert!(run.stderr.is_empty(), "{run:?}");

    let run = jwtverify(&strs(&with(&args, &["--explain", "--json", &token])), "");
    let out = run.json();
    assert_eq!(
        (out["result"].as_str(), out["claims"]["sub"].as_str()),
        (Some("accepted"), Some("alice"))
    );
    let explain = &out["explain"];
    assert_eq!(
        (
            explain["verdict"].as_str(),
            explain["signature_verified"].as_bool()
        ),
        (Some("accepted"), Some(true))
    );
    let checks = explain["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 24);
    assert!(
        checks.iter().all(|check| check["outcome"] == "pass"),
        "{explain}"
    );
}

/// The one failing check of a JSON explain report, and the outcomes after it.
fn failing(explain: &Value) -> (String, String, Vec<String>) {
    let checks = explain["checks"].as_array().unwrap();
    let at = checks
        .iter()
        .position(|check| check["outcome"] == "fail")
        .expect("a failing check");
    let after = checks[at + 1..]
        .iter()
        .map(|c| c["outcome"].as_str().unwrap().to_owned());
    let failed = &checks[at];
    (
        failed["check"].as_str().unwrap().to_owned(),
        failed["error"]["code"].as_str().unwrap().to_owned(),
        after.collect(),
    )
}

#[test]
fn explain_an_expired_token() {
    let (issuer, args) = offline();
    let expired = token_at(&issuer, T0 - 7200, |t| t);
    let run = jwtverify(&strs(&with(&args, &["--explain", &expired])), "");
    assert_eq!(run.status, 1, "{run:?}");
    for line in [
        "  FAIL         exp               now < exp + leeway_s",
        "                                 -> token_expired (401): Token is expired",
        &format!(
            "                                 exp = {} (token)",
            T0 - 3600
        ),
        "  not reached  nbf               now >= nbf - leeway_s, when nbf is present",
        "verdict: refused, token_expired (401): Token is expired",
    ] {
        assert!(run.stdout.lines().any(|l| l == line), "{line}\n{run:?}");
    }
    assert!(
        run.stderr.starts_with("refused: token_expired (401)\n"),
        "{run:?}"
    );
    let run = jwtverify(&strs(&with(&args, &["--explain", "--json", &expired])), "");
    let (check, code, after) = failing(&run.json()["explain"]);
    assert_eq!((check.as_str(), code.as_str()), ("exp", "token_expired"));
    assert!(
        after.iter().all(|outcome| outcome == "not_reached"),
        "{after:?}"
    );
}

#[test]
fn explain_a_bad_signature_shows_the_claims_untrusted() {
    let (issuer, args) = offline();
    let forged = tamper::tamper_signature(&token_at(&issuer, T0 - 7200, |t| t)).expect("tampered");
    let run = jwtverify(&strs(&with(&args, &["--explain", &forged])), "");
    assert_eq!(run.status, 1, "{run:?}");
    assert!(
        run.stdout
            .contains("payload (untrusted: the signature has not verified)\n"),
        "{run:?}"
    );
    assert!(run.stdout.contains("\"sub\": \"alice\""), "{run:?}");
    for line in [
        "  FAIL         signature         the signature verifies under that key",
        "  not reached  exp               now < exp + leeway_s",
        &format!(
            "                                 exp = {} (token, untrusted)",
            T0 - 3600
        ),
    ] {
        assert!(run.stdout.lines().any(|l| l == line), "{line}\n{run:?}");
    }
    let run = jwtverify(&strs(&with(&args, &["--explain", "--json", &forged])), "");
    let out = run.json();
    assert_eq!(out["explain"]["signature_verified"], false);
    assert_eq!(out["explain"]["payload"]["sub"], "alice");
    let (check, code, _) = failing(&out["explain"]);
    assert_eq!(
        (check.as_str(), code.as_str()),
        ("signature", "invalid_signature")
    );
    let exp = &out["explain"]["checks"][18];
    assert_eq!(
        (exp["check"].as_str(), exp["outcome"].as_str()),
        (Some("exp"), Some("not_reached"))
    );
    assert_eq!(
        exp["values"][0],
        json!({"name": "exp", "value": T0 - 3600, "origin": "token", "trusted": false})
    );
}

#[test]
fn explain_a_missing_scope_through_discovery() {
    let provider = Provider::start();
    let token = token(&provider.issuer);
    let args = with(
        &provider.discovery_args(),
        &["--scope", "read", "--scope", "write"],
    );
    let run = jwtverify(&strs(&with(&args, &["--explain", &token])), "");
    assert_eq!(run.status, 1, "{run:?}");
    for line in [
        "  FAIL         scopes            the scope claim grants every required scope",
        "                                 -> insufficient_scope (403): Insufficient scope",
        "                                 scope = \"read\" (token)",
        "                                 required_scopes = [\"read\",\"write\"] (configuration)",
        "  not reached  permissions       the permissions claim grants every required permission",
    ] {
        assert!(run.stdout.lines().any(|l| l == line), "{line}\n{run:?}");
    }
    assert!(run.stderr.contains("  missing scopes: write\n"), "{run:?}");
    let run = jwtverify(&strs(&with(&args, &["--explain", "--json", &token])), "");
    let out = run.json();
    let (check, code, _) = failing(&out["explain"]);
    assert_eq!(
        (check.as_str(), code.as_str()),
        ("scopes", "insufficient_scope")
    );
    assert_eq!(out["error"]["missing_scopes"], json!(["write"]));
    let key = &out["explain"]["checks"][13]["values"][2];
    assert_eq!(
        (key["name"].as_str(), key["origin"].as_str()),
        (Some("key"), Some("key"))
    );
}

#[test]
fn explain_a_key_source_outage_fails_the_key_lookup() {
    let provider = Provider::start();
    provider
        .server
        .serve(DISCOVERY, Reply::Refused)
        .expect("refused");
    let token = token(&provider.issuer);
    let run = jwtverify(
        &strs(&with(
            &provider.discovery_args(),
            &["--explain", "--json", &token],
        )),
        "",
    );
    assert_eq!(run.status, 3, "{run:?}");
    let out = run.json();
    let (check, code, _) = failing(&out["explain"]);
    assert_eq!(
        (check.as_str(), code.as_str()),
        ("key_lookup", "jwks_fetch_failed")
    );
    assert!(
        !out["error"]["causes"].as_array().unwrap().is_empty(),
        "{out}"
    );
}

#[test]
fn a_preset_with_a_jwks_file() {
    let auth0 = issuer("https://dev-abc.us.auth0.com/");
    let jwks = file("auth0.json", &auth0.jwks().to_string());
    let token = token_at(&auth0, T0, |t| {
        t.claim("permissions", json!(["read:orders"]))
    });
    let run = jwtverify(
        &[
            "--preset",
            "auth0",
            "--domain",
            "dev-abc.us.auth0.com",
            "--audience",
            AUDIENCE,
            "--jwks-file",
            &jwks.display().to_string(),
            "--permission",
            "read:orders",
            "--at",
            &T0.to_string(),
            &token,
        ],
        "",
    );
    assert_eq!(run.status, 0, "{run:?}");
    let run = jwtverify(
        &[
            "--preset",
            "keycloak",
            "--base-url",
            "https://sso.example.test",
            "--realm",
            "acme",
            "--audience",
            AUDIENCE,
            "--jwks-file",
            &jwks.display().to_string(),
            "--at",
            &T0.to_string(),
            "--json",
            &token,
        ],
        "",
    );
    assert_eq!(
        (run.status, &run.json()["error"]["code"]),
        (1, &json!("invalid_issuer"))
    );
}

#[test]
fn plain_http_to_a_loopback_test_issuer_only_with_the_flag() {
    let server = ScriptedServer::start().expect("the server starts");
    let jwks = "http://id.example.test/jwks";
    let issuer = issuer("http://id.example.test/");
    server.serve_json(jwks, issuer.jwks()).expect("served");
    let url = server.map_url(jwks).expect("mapped");
    let base = [
        "--issuer",
        "http://id.example.test/",
        "--jwks-url",
        &url,
        "--audience",
        AUDIENCE,
    ];
    let at = T0.to_string();
    let token = token(&issuer);
    let mut args = base.to_vec();
    args.extend(["--at", &at, &token]);
    let refused = jwtverify(&args, "");
    assert_eq!(refused.status, 2, "{refused:?}");
    assert!(refused.stderr.contains("jwks_url"), "{refused:?}");
    args.push("--allow-insecure-http");
    assert_eq!(jwtverify(&args, "").status, 0);
    let elsewhere = [
        "--issuer",
        "http://id.example.test/",
        "--audience",
        AUDIENCE,
        "--allow-insecure-http",
        &token,
    ];
    let run = jwtverify(&elsewhere, "");
    assert_eq!(run.status, 2, "{run:?}");
    assert!(run.stderr.contains("loopback addresses only"), "{run:?}");
}
