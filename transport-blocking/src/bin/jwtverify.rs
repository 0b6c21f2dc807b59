//! `jwtverify`: verifies or explains one JWT access token from the command
//! line (`jwtverify --help`; the README's "Command line: jwtverify").
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    oidc_jwt_verifier_blocking::cli::main()
}
