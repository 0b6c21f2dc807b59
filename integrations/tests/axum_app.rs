//! An axum app protected by `AuthLayer` and read with the extractors, over
//! real HTTP on loopback: every answer a client can get, header and cookie
//! sources, optional auth, per-route requirements, two issuers.

mod web;

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get as route;
use axum::{Json, Router};
use oidc_jwt_verifier_async::{AsyncJwtVerifier, Requirements};
use oidc_jwt_verifier_testkit::logs::{self, logged};
use oidc_jwt_verifier_web::axum::{AuthRejection, Authenticated, AuthenticatedAs};
use oidc_jwt_verifier_web::tower::AuthLayer;
use oidc_jwt_verifier_web::{ClientCertificate, PublicOrigin, RequestVerifier};
use serde_json::{json, Value};
use tokio::runtime::Runtime;
use web::{
    bearer, check_certificate, check_dpop, dpop, dpop_either, get, header_and_cookie, proof, World,
    CERTIFICATE, ORIGIN, T0,
};

/// Serves `app` on a loopback port; the runtime keeps it running.
fn serve(app: Router) -> (Runtime, String) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    runtime.spawn(async move { axum::serve(listener, app).await });
    (runtime, base)
}

async fn me(Authenticated(claims): Authenticated) -> Json<Value> {
    Json(json!({ "sub": claims.subject, "iss": claims.issuer }))
}

async fn maybe(claims: Option<Authenticated>) -> String {
    match claims {
        Some(Authenticated(claims)) => claims.subject.unwrap_or_default(),
        None => "anonymous".to_owned(),
    }
}

#[derive(serde::Deserialize)]
struct Tenant {
    sub: String,
    tenant: String,
}

async fn tenant(AuthenticatedAs(tenant): AuthenticatedAs<Tenant>) -> String {
    format!("{} of {}", tenant.sub, tenant.tenant)
}

/// A requirement judged in the handler: the method form.
async fn admin(
    State(verifier): State<Arc<AsyncJwtVerifier>>,
    Authenticated(claims): Authenticated,
) -> Result<String, AuthRejection> {
    verifier.authorize_claims(&claims, &Requirements::new().permission("admin"))?;
    Ok("admin".to_owned())
}

/// The app of most tests: `/me` and `/tenant` behind the layer (realm
/// `orders`), `/orders` also requiring `orders:write`, `/admin` judging a
/// permission in its handler, `/public` optional, `/forgotten` with no
/// layer at all.
fn app(verifier: Arc<AsyncJwtVerifier>) -> Router {
    let layer = AuthLayer::new(verifier.clone()).realm("orders");
    let protected = Router::new()
        .route("/me", route(me))
        .route("/tenant", route(tenant))
        .route(
            "/orders",
            route(me).route_layer(
                layer
                    .clone()
                    .require(Requirements::new().scope("orders:write")),
            ),
        )
        .route("/admin", route(admin))
        .layer(layer.clone())
        .with_state(verifier.clone());
    let public = Router::new()
        .route("/public", route(maybe))
        .route("/public/me", route(me))
        .layer(layer.optional());
    Router::new()
        .merge(protected)
        .merge(public)
        .route("/forgotten", route(me))
}

#[test]
fn a_valid_token_reaches_the_handler_with_its_claims() {
    let world = World::new();
    let (_runtime, base) = serve(app(world.verifier(|_| {})));
    let answer = get(
        &format!("{base}/me"),
        &[("authorization", &bearer(&world.token(json!({}))))],
    );
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json()["sub"], "user-1");
    assert_eq!(world.fetches().0, 1);
}

#[test]
fn refusals_carry_their_status_challenge_and_json_body() {
    let world = World::new();
    let (_runtime, base) = serve(app(world.verifier(|_| {})));
    let me = format!("{base}/me");
    let missing = get(&me, &[]);
    assert_eq!(
        (missing.status, missing.challenge.as_deref()),
        (401, Some(r#"Bearer realm="orders""#))
    );
    assert_eq!(missing.code(), "missing_token");
    assert_eq!(missing.content_type.as_deref(), Some("application/json"));

    let malformed = get(&me, &[("authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l")]);
    assert_eq!(malformed.status, 400);
    assert_eq!(
        malformed.challenge.as_deref(),
        Some(
            r#"Bearer realm="orders", error="invalid_request", error_description="Malformed Authorization header""#
        )
    );

    let expired = world.token(json!({"exp": T0 as i64 - 10}));
    let answer = get(&me, &[("authorization", &bearer(&expired))]);
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.challenge.as_deref(),
        Some(
            r#"Bearer realm="orders", error="invalid_token", error_description="Token is expired""#
        )
    );
    assert_eq!(
        answer.json(),
        json!({"error": "token_expired", "error_description": "Token is expired"})
    );
}

#[test]
fn a_route_requirement_is_the_403_listing_every_required_scope() {
    let world = World::new();
    let verifier = world.verifier(|config| config.required_scopes = vec!["orders:read".into()]);
    let (_runtime, base) = serve(app(verifier));
    let orders = format!("{base}/orders");
    let reader = world.token(json!({"scope": "orders:read"}));
    let answer = get(&orders, &[("authorization", &bearer(&reader))]);
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(
        answer.challenge.as_deref(),
        Some(
            r#"Bearer realm="orders", error="insufficient_scope", error_description="Insufficient scope", scope="orders:read orders:write""#
        )
    );
    assert_eq!(answer.code(), "insufficient_scope");
    // The reader passes the routes that ask no more than the configuration.
    assert_eq!(
        get(
            &format!("{base}/me"),
            &[("authorization", &bearer(&reader))]
        )
        .status,
        200
    );
    let writer = world.token(json!({"scope": "orders:read orders:write"}));
    assert_eq!(
        get(&orders, &[("authorization", &bearer(&writer))]).status,
        200
    );

    // The method form, in a handler: the same 403, for permissions.
    let admin = format!("{base}/admin");
    let answer = get(&admin, &[("authorization", &bearer(&reader))]);
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.challenge.as_deref(),
        Some(
            r#"Bearer error="insufficient_scope", error_description="Insufficient permissions", permissions="admin""#
        )
    );
    let granted = world.token(json!({"scope": "orders:read", "permissions": ["admin"]}));
    assert_eq!(
        get(&admin, &[("authorization", &bearer(&granted))]).body,
        "admin"
    );
}

#[test]
fn an_outage_is_a_503_without_challenge_logged_with_its_cause() {
    logs::capture().expect("the kit's subscriber is the global one");
    let world = World::new();
    world.keys_answer(503);
    let (_runtime, base) = serve(app(world.verifier(|_| {})));
    let answer = get(
        &format!("{base}/me"),
        &[("authorization", &bearer(&world.token(json!({}))))],
    );
    assert_eq!((answer.status, answer.challenge.as_deref()), (503, None));
    assert_eq!(
        answer.json(),
        json!({"error": "jwks_fetch_failed", "error_description": "JWKS fetch failed"})
    );
    let url = world.jwks_url();
    let refused = logged()
        .into_iter()
        .find(|event| {
            event.field("event") == Some("request_refused")
                && event
                    .field("cause")
                    .is_some_and(|cause| cause.contains(&url))
        })
        .expect("the 503 logged with its cause");
    assert_eq!(refused.field("code"), Some("jwks_fetch_failed"));
    assert!(
        refused.field("cause").unwrap().contains("503"),
        "{refused:?}"
    );
}

#[test]
fn optional_auth_lets_only_requests_without_credentials_through() {
    let world = World::new();
    let (_runtime, base) = serve(app(world.verifier(|_| {})));
    let public = format!("{base}/public");
    assert_eq!(get(&public, &[]).body, "anonymous");
    assert_eq!(
        get(&public, &[("authorization", "Bearer")]).body,
        "anonymous"
    );
    let token = world.token(json!({}));
    assert_eq!(
        get(&public, &[("authorization", &bearer(&token))]).body,
        "user-1"
    );
    let bad = get(&public, &[("authorization", "Bearer not.a.token")]);
    assert_eq!((bad.status, bad.code().as_str()), (401, "malformed_token"));
    assert_eq!(get(&public, &[("authorization", "Basic x")]).status, 400);
    // An extractor that needs claims, behind an optional layer, refuses
    // the unauthenticated request with the layer's realm.
    let answer = get(&format!("{base}/public/me"), &[]);
    assert_eq!(
        (answer.status, answer.challenge.as_deref()),
        (401, Some(r#"Bearer realm="orders""#))
    );
}

#[test]
fn a_token_is_read_from_the_configured_header_or_cookie() {
    let world = World::new();
    let (_runtime, base) = serve(app(world.verifier(header_and_cookie)));
    let me = format!("{base}/me");
    let token = world.token(json!({}));
    assert_eq!(get(&me, &[("x-access-token", &token)]).status, 200);
    let cookie = format!("theme=dark; session={token}");
    assert_eq!(get(&me, &[("cookie", &cookie)]).status, 200);
    // Authorization is not a source here.
    let answer = get(&me, &[("authorization", &bearer(&token))]);
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (401, "missing_token")
    );
    // The header, present, decides; the cookie after it is not looked at.
    let answer = get(&me, &[("x-access-token", "garbage"), ("cookie", &cookie)]);
    assert_eq!(answer.code(), "malformed_token");
    let twice = get(
        &me,
        &[("cookie", &format!("session={token}; session={token}"))],
    );
    assert_eq!(twice.status, 400);
}

#[test]
fn two_issuers_each_verify_their_own_tokens() {
    let world = World::new();
    let both = world.both();
    let app = Router::new()
        .route("/me", route(me))
        .layer(AuthLayer::new(both.clone()));
    let (_runtime, base) = serve(app);
    let me = format!("{base}/me");
    let answer = get(&me, &[("authorization", &bearer(&world.token(json!({}))))]);
    assert_eq!(
        (answer.status, answer.json()["sub"].clone()),
        (200, json!("user-1"))
    );
    let answer = get(&me, &[("authorization", &bearer(&world.other_token()))]);
    assert_eq!(
        (answer.status, answer.json()["iss"].clone()),
        (200, json!(web::OTHER))
    );
    assert_eq!(world.fetches(), (1, 1));
    // Signed by the first issuer's key but naming an issuer off the list:
    // invalid_issuer, with no fetch anywhere.
    let stranger = world.token(json!({"iss": "https://stranger.test/"}));
    let answer = get(&me, &[("authorization", &bearer(&stranger))]);
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (401, "invalid_issuer")
    );
    // The second issuer's key does not vouch for a token naming the first.
    let forged = world.forged_token();
    assert_eq!(
        get(&me, &[("authorization", &bearer(&forged))]).code(),
        "key_not_found"
    );
    assert_eq!(world.fetches(), (1, 1));
    assert_eq!(
        both.status(web::OTHER)
            .map(|status| status.counters.accepted),
        Some(1)
    );
}

#[test]
fn claims_that_do_not_fit_the_handlers_type_are_a_logged_500() {
    logs::capture().expect("the kit's subscriber is the global one");
    let world = World::new();
    let (_runtime, base) = serve(app(world.verifier(|_| {})));
    let tenant = format!("{base}/tenant");
    let fits = world.token(json!({"tenant": "acme"}));
    assert_eq!(
        get(&tenant, &[("authorization", &bearer(&fits))]).body,
        "user-1 of acme"
    );
    let answer = get(
        &tenant,
        &[(
            "authorization",
            &bearer(&world.token(json!({"sub": "mallory"}))),
        )],
    );
    assert_eq!((answer.status, answer.challenge.as_deref()), (500, None));
    assert_eq!(answer.code(), "claims_type_mismatch");
    assert!(
        !answer.body.contains("mallory") && !answer.body.contains("tenant"),
        "{answer:?}"
    );
    let logged = logged()
        .into_iter()
        .find(|event| event.field("code") == Some("claims_type_mismatch"))
        .expect("the 500 logged");
    assert_eq!(logged.field("cause"), Some("missing field `tenant`"));
}

#[test]
fn a_route_no_layer_covers_fails_closed() {
    let world = World::new();
    let (_runtime, base) = serve(app(world.verifier(|_| {})));
    let token = world.token(json!({}));
    let answer = get(
        &format!("{base}/forgotten"),
        &[("authorization", &bearer(&token))],
    );
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (500, "server_error")
    );
    assert_eq!(world.fetches().0, 0);
}

/// `/me` behind a layer of `verifier` with the public origin [`ORIGIN`],
/// `/no-origin/me` behind one without, realm `orders` on both.
fn dpop_app<V: RequestVerifier>(verifier: Arc<V>) -> Router {
    let layer = AuthLayer::new(verifier).realm("orders");
    let origin = PublicOrigin::new(ORIGIN).expect("an origin");
    Router::new()
        .route("/me", route(me).layer(layer.clone().public_origin(origin)))
        .route("/no-origin/me", route(me).layer(layer))
}

#[test]
fn dpop_bound_tokens_need_a_proof_for_the_public_origin() {
    let world = World::new();
    let (_runtime, base) = serve(dpop_app(world.verifier(dpop_either)));
    check_dpop(&format!("{base}/me"), &world.dpop_token());
}

#[test]
fn several_issuers_take_dpop_proofs_alike() {
    let world = World::new();
    let (_runtime, base) = serve(dpop_app(world.both_with(dpop_either)));
    let url = format!("{base}/me");
    check_dpop(&url, &world.other_dpop_token());
    let token = world.dpop_token();
    let answer = get(
        &url,
        &[
            ("authorization", &dpop(&token)),
            ("dpop", &proof(&format!("{ORIGIN}/me"), &token, "first")),
        ],
    );
    assert_eq!(answer.json()["iss"], web::ISSUER);
}

#[test]
fn without_a_public_origin_no_proof_matches() {
    logs::capture().expect("the kit's subscriber is the global one");
    let world = World::new();
    let (_runtime, base) = serve(dpop_app(world.verifier(dpop_either)));
    let url = format!("{base}/no-origin/me");
    let token = world.dpop_token();
    for (htu, jti) in [(format!("{ORIGIN}/no-origin/me"), "a"), (url.clone(), "b")] {
        let answer = get(
            &url,
            &[
                ("authorization", &dpop(&token)),
                ("dpop", &proof(&htu, &token, jti)),
            ],
        );
        assert_eq!(answer.code(), "invalid_dpop_proof", "{htu}");
    }
    assert!(logged()
        .iter()
        .any(|event| event.field("event") == Some("dpop_without_public_origin")));
    // Bearer tokens are not affected.
    let plain = world.token(json!({}));
    assert_eq!(get(&url, &[("authorization", &bearer(&plain))]).status, 200);
}

#[test]
fn certificate_bound_tokens_need_the_client_certificate_extension() {
    let world = World::new();
    let verifier = world.verifier(|_| {});
    // The TLS acceptor's part: the certificate in the request's extensions,
    // outside the layer.
    let mtls = Router::new()
        .route("/mtls/me", route(me))
        .layer(AuthLayer::new(verifier.clone()))
        .layer(axum::Extension(ClientCertificate::new(CERTIFICATE)));
    let plain = Router::new()
        .route("/me", route(me))
        .layer(AuthLayer::new(verifier));
    let (_runtime, base) = serve(mtls.merge(plain));
    check_certificate(&world, &format!("{base}/mtls/me"), &format!("{base}/me"));
}
