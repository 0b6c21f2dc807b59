//! Strict compact-JWS parsing and the header policy (SPEC.md rows
//! `missing_token` to `missing_kid`).
