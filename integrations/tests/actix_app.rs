//! An actix-web app protected by `AuthMiddleware` and read with its
//! extractors, over real HTTP on loopback: the same answers as the axum
//! app's, header and cookie sources, optional auth, per-route requirements,
//! two issuers.

mod web;

use std::sync::mpsc;
use std::sync::Arc;

use actix_web::{web as actix, App, HttpResponse, HttpServer};
use oidc_jwt_verifier_async::Requirements;
use oidc_jwt_verifier_testkit::logs::{self, logged};
use oidc_jwt_verifier_web::actix::{
    AuthMiddleware, Authenticated, AuthenticatedAs, MaybeAuthenticated,
};
use oidc_jwt_verifier_web::{ClientCertificate, PublicOrigin, RequestVerifier};
use serde_json::json;
use web::{
    bearer, check_certificate, check_dpop, dpop_either, get, header_and_cookie, World, CERTIFICATE,
    ORIGIN, T0,
};

/// Serves the app `verifier` protects on a loopback port, on an actix
/// system of its own thread; returns its base URL.
fn serve<V: RequestVerifier>(verifier: Arc<V>) -> String {
    serve_with_certificate(verifier, None)
}

/// [`serve`], every connection presenting `certificate` (what the
/// `on_connect` hook of a TLS server stores: the TLS itself is not the
/// point here).
fn serve_with_certificate<V: RequestVerifier>(
    verifier: Arc<V>,
    certificate: Option<&'static [u8]>,
) -> String {
    let (sender, address) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || app(verifier.clone()))
                .on_connect(move |_connection, data| {
                    if let Some(der) = certificate {
                        data.insert(ClientCertificate::new(der));
                    }
                })
                .workers(1)
                .bind(("127.0.0.1", 0))
                .expect("a loopback port");
            sender.send(server.addrs()[0]).expect("the test waits");
            server.run().await
        })
    });
    format!("http://{}", address.recv().expect("the server's address"))
}

/// `/api/*` behind the middleware (realm `orders`): `/api/orders` also
/// requiring `orders:write`, `/api/admin` judging a permission in its
/// handler; `/public/*` optional; `/forgotten` with no middleware; `/me`
/// behind one with the public origin [`ORIGIN`].
fn app<V: RequestVerifier>(
    verifier: Arc<V>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let auth = AuthMiddleware::new(verifier.clone()).realm("orders");
    let origin = PublicOrigin::new(ORIGIN).expect("an origin");
    App::new()
        .service(
            actix::resource("/me")
                .wrap(auth.clone().public_origin(origin))
                .route(actix::get().to(me)),
        )
        .app_data(actix::Data::from(verifier))
        .service(
            actix::scope("/api")
                .wrap(auth.clone())
                .route("/me", actix::get().to(me))
                .route("/tenant", actix::get().to(tenant))
                .route("/admin", actix::get().to(admin::<V>))
                .service(
                    actix::resource("/orders")
                        .wrap(
                            auth.clone()
                                .require(Requirements::new().scope("orders:write")),
                        )
                        .route(actix::get().to(me)),
                ),
        )
        .service(
            actix::scope("/public")
                .wrap(auth.optional())
                .route("", actix::get().to(maybe))
                .route("/me", actix::get().to(me)),
        )
        .route("/forgotten", actix::get().to(me))
}

async fn me(Authenticated(claims): Authenticated) -> String {
    format!("{} {}", claims.subject.unwrap_or_default(), claims.issuer)
}

async fn maybe(MaybeAuthenticated(claims): MaybeAuthenticated) -> String {
    claims
        .and_then(|claims| claims.subject)
        .unwrap_or_else(|| "anonymous".to_owned())
}

#[derive(serde::Deserialize)]
struct Tenant {
    tenant: String,
}

async fn tenant(AuthenticatedAs(tenant): AuthenticatedAs<Tenant>) -> String {
    tenant.tenant
}

async fn admin<V: RequestVerifier>(
    verifier: actix::Data<V>,
    Authenticated(claims): Authenticated,
) -> Result<HttpResponse, oidc_jwt_verifier_web::AuthRejection> {
    verifier.authorize_claims(&claims, &Requirements::new().permission("admin"))?;
    Ok(HttpResponse::Ok().body("admin"))
}

#[test]
fn answers_as_the_rules_say() {
    let world = World::new();
    let verifier = world.verifier(|config| config.required_scopes = vec!["orders:read".into()]);
    let base = serve(verifier);
    let me = format!("{base}/api/me");
    let reader = world.token(json!({"scope": "orders:read"}));
    let answer = get(&me, &[("authorization", &bearer(&reader))]);
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "user-1 https://issuer.test/")
    );

    let missing = get(&me, &[]);
    assert_eq!(
        (missing.status, missing.challenge.as_deref()),
        (401, Some(r#"Bearer realm="orders""#))
    );
    assert_eq!(missing.content_type.as_deref(), Some("application/json"));
    assert_eq!(missing.code(), "missing_token");
    let malformed = get(&me, &[("authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l")]);
    assert_eq!(
        (malformed.status, malformed.code().as_str()),
        (400, "invalid_request")
    );
    let expired = world.token(json!({"scope": "orders:read", "exp": T0 as i64 - 1}));
    let answer = get(&me, &[("authorization", &bearer(&expired))]);
    assert_eq!(
        (answer.status, answer.challenge.as_deref()),
        (
            401,
            Some(
                r#"Bearer realm="orders", error="invalid_token", error_description="Token is expired""#
            )
        )
    );

    let orders = format!("{base}/api/orders");
    let answer = get(&orders, &[("authorization", &bearer(&reader))]);
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.challenge.as_deref(),
        Some(
            r#"Bearer realm="orders", error="insufficient_scope", error_description="Insufficient scope", scope="orders:read orders:write""#
        )
    );
    let writer = world.token(json!({"scope": "orders:read orders:write"}));
    assert_eq!(
        get(&orders, &[("authorization", &bearer(&writer))]).status,
        200
    );
    let answer = get(
        &format!("{base}/api/admin"),
        &[("authorization", &bearer(&reader))],
    );
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (403, "insufficient_permissions")
    );
    assert_eq!(
        world.fetches().0,
        1,
        "verified once per request, fetched once"
    );
}

#[test]
fn an_outage_is_a_logged_503() {
    logs::capture().expect("the kit's subscriber is the global one");
    let world = World::new();
    world.keys_answer(503);
    let base = serve(world.verifier(|_| {}));
    let answer = get(
        &format!("{base}/api/me"),
        &[("authorization", &bearer(&world.token(json!({}))))],
    );
    assert_eq!((answer.status, answer.challenge.as_deref()), (503, None));
    assert_eq!(answer.code(), "jwks_fetch_failed");
    let url = world.jwks_url();
    assert!(logged()
        .iter()
        .any(|event| event.field("event") == Some("request_refused")
            && event
                .field("cause")
                .is_some_and(|cause| cause.contains(&url))));
}

#[test]
fn optional_auth_header_and_cookie_sources() {
    let world = World::new();
    let base = serve(world.verifier(header_and_cookie));
    let public = format!("{base}/public");
    let token = world.token(json!({}));
    assert_eq!(get(&public, &[]).body, "anonymous");
    assert_eq!(get(&public, &[("x-access-token", &token)]).body, "user-1");
    assert_eq!(
        get(&public, &[("cookie", &format!("a=b; session={token}"))]).body,
        "user-1"
    );
    let bad = get(&public, &[("x-access-token", "not.a.token")]);
    assert_eq!((bad.status, bad.code().as_str()), (401, "malformed_token"));
    let answer = get(&format!("{base}/public/me"), &[]);
    assert_eq!(
        (answer.status, answer.challenge.as_deref()),
        (401, Some(r#"Bearer realm="orders""#))
    );
    // Authorization is not one of this verifier's sources.
    assert_eq!(
        get(
            &format!("{base}/api/me"),
            &[("authorization", &bearer(&token))]
        )
        .code(),
        "missing_token"
    );
}

#[test]
fn two_issuers_typed_claims_and_a_forgotten_middleware() {
    let world = World::new();
    let base = serve(world.both());
    let me = format!("{base}/api/me");
    assert_eq!(
        get(&me, &[("authorization", &bearer(&world.token(json!({}))))]).body,
        "user-1 https://issuer.test/"
    );
    assert_eq!(
        get(&me, &[("authorization", &bearer(&world.other_token()))]).body,
        format!("bob {}", web::OTHER)
    );
    let stranger = world.token(json!({"iss": "https://stranger.test/"}));
    let answer = get(&me, &[("authorization", &bearer(&stranger))]);
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (401, "invalid_issuer")
    );
    assert_eq!(world.fetches(), (1, 1));

    let tenant = format!("{base}/api/tenant");
    assert_eq!(
        get(
            &tenant,
            &[(
                "authorization",
                &bearer(&world.token(json!({"tenant": "acme"})))
            )]
        )
        .body,
        "acme"
    );
    let answer = get(
        &tenant,
        &[("authorization", &bearer(&world.token(json!({}))))],
    );
    assert_eq!((answer.status, answer.challenge.as_deref()), (500, None));
    assert_eq!(answer.code(), "claims_type_mismatch");

    let answer = get(
        &format!("{base}/forgotten"),
        &[("authorization", &bearer(&world.token(json!({}))))],
    );
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (500, "server_error")
    );
}

#[test]
fn dpop_bound_tokens_need_a_proof_for_the_public_origin() {
    let world = World::new();
    let base = serve(world.verifier(dpop_either));
    check_dpop(&format!("{base}/me"), &world.dpop_token());
}

#[test]
fn certificate_bound_tokens_need_the_connections_client_certificate() {
    let world = World::new();
    let verifier = world.verifier(|_| {});
    let with = serve_with_certificate(verifier.clone(), Some(CERTIFICATE));
    let without = serve(verifier);
    check_certificate(
        &world,
        &format!("{with}/api/me"),
        &format!("{without}/api/me"),
    );
}
