//! One JWK: the usability rules of SPEC.md "Keys" and a verifier built once.
