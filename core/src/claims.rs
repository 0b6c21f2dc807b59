//! Claim checks (SPEC.md rows `missing_claim` to `insufficient_permissions`)
//! and the typed [`Claims`] a verification returns.
