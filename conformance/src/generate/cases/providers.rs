//! `providers/`: each preset of `oidc_jwt_verifier_core::preset`, its
//! configuration written out in full, against tokens shaped as that
//! provider issues them (header members, claim names and value shapes from
//! the provider's public documentation) at the provider's own key set URL.

use oidc_jwt_verifier_core::preset::{
    Auth0, CloudflareAccess, Cognito, EntraId, Google, Keycloak, Okta,
};
use oidc_jwt_verifier_core::AuthConfig;
use serde_json::{json, Map, Value};

use crate::generate::build::{CaseSpec, Expect, Reply};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{jwks_of, key, key_as, sign, T0};
use crate::issuer::{FixedKey, SigningAlg, TestKey, TokenBuilder};

/// When the tokens were issued, and until when they are valid.
const IAT: u64 = T0 - 30;
const EXP: u64 = T0 + 3600;

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let mut cases = auth0()?;
    cases.extend(okta()?);
    cases.extend(keycloak()?);
    cases.extend(google()?);
    cases.extend(cognito()?);
    cases.extend(entra_id()?);
    cases.extend(cloudflare_access()?);
    Ok(cases)
}

/// One provider's signing key and the key set it publishes (each case
/// brings the configuration: the preset, maybe adjusted).
struct Provider {
    folder: &'static str,
    key: TestKey,
    jwks: Value,
}

impl Provider {
    fn new(folder: &'static str, key: TestKey) -> Self {
        let jwks = jwks_of(&[&key]);
        Provider { folder, key, jwks }
    }

    /// A token of this provider's key: `header` members (beside `alg` and
    /// `kid`) and `claims`, in the order given.
    fn token(&self, header: &[(&str, Value)], claims: &Value) -> Result<String, GenerateError> {
        let mut builder = TokenBuilder::for_key(&self.key).remove_header("typ");
        for (name, value) in header {
            builder = builder.header(name, value.clone());
        }
        let claims: Map<String, Value> = claims.as_object().cloned().unwrap_or_default();
        sign(&builder.claims(&claims), &self.key)
    }

    /// A case verifying `token` with `config` (this provider's, or an
    /// adjusted copy) at `T0`.
    fn case(
        &self,
        slug: &str,
        description: &str,
        config: &AuthConfig,
        token: &str,
        expect: Expect,
    ) -> CaseSpec {
        let jwks_url = config.jwks_url.clone().unwrap_or_default();
        CaseSpec::configured(
            &format!("providers/{}/{slug}", self.folder),
            description,
            config,
        )
        .serve(&jwks_url, Reply::json(self.jwks.clone()))
        .verify(T0, token, expect)
    }
}

/// `claims` with `changes` merged in (`null` removes a claim).
fn with(claims: &Value, changes: Value) -> Value {
    let mut claims = claims.clone();
    if let (Some(members), Value::Object(changes)) = (claims.as_object_mut(), changes) {
        for (name, value) in changes {
            match value {
                Value::Null => members.remove(&name),
                value => members.insert(name, value),
            };
        }
    }
    claims
}

fn auth0() -> Result<Vec<CaseSpec>, GenerateError> {
    let config = Auth0::api("dev-abc123.us.auth0.com", "https://api.example.com");
    let rsa =
        key(FixedKey::Rsa2048A)?.with_kid("NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg");
    let auth0 = Provider::new("auth0", rsa);
    let access = json!({
        "iss": "https://dev-abc123.us.auth0.com/", "sub": "auth0|64f1c9a8e1b2c3d4e5f60718",
        "aud": ["https://api.example.com", "https://dev-abc123.us.auth0.com/userinfo"],
        "iat": IAT, "exp": EXP, "azp": "AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "scope": "openid profile read:orders", "permissions": ["read:orders", "write:orders"],
    });
    let typ = [("typ", json!("JWT"))];
    let strict = AuthConfig {
        required_scopes: vec!["read:orders".into()],
        required_permissions: vec!["write:orders".into()],
        ..config.clone()
    };
    let ps256 = Provider::new(
        "auth0",
        key_as(FixedKey::Rsa2048B, SigningAlg::Ps256)?.with_kid("ps256-signing-key"),
    );
    Ok(vec![
        auth0.case("access-token", "An Auth0 access token for an API (aud the API and the userinfo URL, scope a string, RBAC permissions an array), with a required scope and permission: valid.", &strict, &auth0.token(&typ, &access)?, Expect::claims(json!({"sub": "auth0|64f1c9a8e1b2c3d4e5f60718"}))),
        auth0.case("issuer-needs-the-trailing-slash", "A token whose iss lacks Auth0's trailing /: the preset spells the issuer as Auth0 does, so invalid_issuer.", &config, &auth0.token(&typ, &with(&access, json!({"iss": "https://dev-abc123.us.auth0.com"})))?, Expect::error(Code::InvalidIssuer)),
        auth0.case("permission-missing", "Permissions lacking write:orders: insufficient_permissions naming the required write:orders.", &strict, &auth0.token(&typ, &with(&access, json!({"permissions": ["read:orders"]})))?, Expect::permissions(&["write:orders"])),
        ps256.case("ps256-access-token", "An access token signed PS256 (Auth0's other asymmetric algorithm): valid.", &config, &ps256.token(&typ, &access)?, Expect::ok()),
    ])
}

fn okta() -> Result<Vec<CaseSpec>, GenerateError> {
    let custom = Okta::custom("acme.okta.com", "default", "api://default");
    let rsa = || {
        Ok::<_, GenerateError>(
            key(FixedKey::Rsa2048A)?.with_kid("Q5wjDK8nZUBpgSN2hb6NUvShKFS3BvgkS0bWvLj9RYY"),
        )
    };
    let okta = Provider::new("okta", rsa()?);
    let access = json!({
        "ver": 1, "jti": "AT.0mP4JKAZX1iACIT4vbEDF7LpvDVjxypPMf0D7uX39RE",
        "iss": "https://acme.okta.com/oauth2/default", "aud": "api://default",
        "iat": IAT, "exp": EXP, "cid": "0oa1b2c3d4E5f6G7h8i9", "uid": "00u1a2b3c4D5e6F7g8h9",
        "scp": ["openid", "orders:read"], "auth_time": IAT - 60, "sub": "alice@example.com",
    });
    let scoped = AuthConfig {
        required_scopes: vec!["orders:read".into()],
        ..custom.clone()
    };
    let org = Okta::org("acme.okta.com", "0oa1b2c3d4E5f6G7h8i9");
    let org_okta = Provider::new("okta", rsa()?);
    let id_token = json!({
        "sub": "00u1a2b3c4D5e6F7g8h9", "ver": 1, "iss": "https://acme.okta.com",
        "aud": "0oa1b2c3d4E5f6G7h8i9", "iat": IAT, "exp": EXP,
        "jti": "ID.4eAWJOCMB3SX8XewDfVR", "amr": ["pwd"], "idp": "00o1a2b3c4D5e6F7g8h9",
        "auth_time": IAT - 60, "at_hash": "preview_at_hash",
    });
    Ok(vec![
        okta.case("custom-server-access-token", "An access token of the default custom authorization server (scopes as an array in scp), with a required scope: valid.", &scoped, &okta.token(&[], &access)?, Expect::claims(json!({"cid": "0oa1b2c3d4E5f6G7h8i9"}))),
        okta.case("scope-read-from-scp-only", "The required scope only in a scope claim, scp lacking it: Okta's scopes are in scp, insufficient_scope.", &scoped, &okta.token(&[], &with(&access, json!({"scp": ["openid"], "scope": "orders:read"})))?, Expect::scope(&["orders:read"])),
        okta.case("org-server-token-refused", "An access token of the org authorization server (iss without /oauth2/default): not this server's, invalid_issuer.", &custom, &okta.token(&[], &with(&access, json!({"iss": "https://acme.okta.com", "aud": "https://acme.okta.com"})))?, Expect::error(Code::InvalidIssuer)),
        org_okta.case("org-server-id-token", "An ID token of the org authorization server for the application (aud the client ID): valid with the org preset.", &org, &org_okta.token(&[], &id_token)?, Expect::claims(json!({"sub": "00u1a2b3c4D5e6F7g8h9"}))),
    ])
}

fn keycloak() -> Result<Vec<CaseSpec>, GenerateError> {
    let realm = Keycloak::realm("https://sso.example.com", "acme", "orders-api");
    let rsa = key(FixedKey::Rsa2048A)?.with_kid("kSfj3RW8ZdEwz5sU3xH4c1w0Pf0eIzb2pXuXvT8Nq2Y");
    let keycloak = Provider::new("keycloak", rsa);
    let access = json!({
        "exp": EXP, "iat": IAT, "auth_time": IAT - 5, "jti": "5d1b8f0e-7a4c-4e7b-9d3a-2f6c8e1b0a9d",
        "iss": "https://sso.example.com/realms/acme", "aud": ["orders-api", "account"],
        "sub": "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b", "typ": "Bearer", "azp": "orders-web",
        "sid": "0b5c3a1e-2d4f-4a6b-8c9d-1e2f3a4b5c6d", "acr": "1",
        "realm_access": {"roles": ["offline_access", "orders-admin", "uma_authorization"]},
        "resource_access": {"orders-api": {"roles": ["read"]}, "account": {"roles": ["manage-account"]}},
        "scope": "openid email profile", "email_verified": true, "preferred_username": "alice",
    });
    let typ = [("typ", json!("JWT"))];
    let admin = AuthConfig {
        required_permissions: vec!["orders-admin".into()],
        ..realm.clone()
    };
    let client = AuthConfig {
        required_permissions: vec!["read".into()],
        ..Keycloak::client_roles(
            "https://sso.example.com",
            "acme",
            "orders-api",
            "orders-api",
        )
    };
    let client_admin = AuthConfig {
        required_permissions: vec!["orders-admin".into()],
        ..client.clone()
    };
    let ed25519 = Provider::new(
        "keycloak",
        key(FixedKey::Ed25519)?.with_kid("eddsa-realm-key"),
    );
    Ok(vec![
        keycloak.case("realm-role", "A Keycloak access token whose realm roles (realm_access.roles) hold the required orders-admin: valid.", &admin, &keycloak.token(&typ, &access)?, Expect::claims(json!({"azp": "orders-web"}))),
        keycloak.case("realm-role-missing", "Realm roles without orders-admin: insufficient_permissions naming it.", &admin, &keycloak.token(&typ, &with(&access, json!({"realm_access": {"roles": ["offline_access"]}})))?, Expect::permissions(&["orders-admin"])),
        keycloak.case("client-role", "The client_roles preset reads resource_access.orders-api.roles: its read role is there, valid.", &client, &keycloak.token(&typ, &access)?, Expect::ok()),
        keycloak.case("client-role-not-realm-role", "With client roles as permissions, a role held only as a realm role does not count: insufficient_permissions.", &client_admin, &keycloak.token(&typ, &access)?, Expect::permissions(&["orders-admin"])),
        keycloak.case("legacy-auth-path-issuer", "A token of a server still under /auth (iss https://sso.example.com/auth/realms/acme) against the preset without it: invalid_issuer.", &realm, &keycloak.token(&typ, &with(&access, json!({"iss": "https://sso.example.com/auth/realms/acme"})))?, Expect::error(Code::InvalidIssuer)),
        ed25519.case("eddsa-realm-key", "A realm signing with an Ed25519 key (EdDSA): the preset allows every asymmetric algorithm, valid.", &realm, &ed25519.token(&typ, &access)?, Expect::ok()),
    ])
}

fn google() -> Result<Vec<CaseSpec>, GenerateError> {
    let client_id = "1234567890-abc123def456.apps.googleusercontent.com";
    let config = Google::id_tokens(client_id);
    let rsa = key(FixedKey::Rsa2048A)?.with_kid("c7e04465649ffa606557650c7e65f0a87ae00fe8");
    let google = Provider::new("google", rsa);
    let id_token = json!({
        "iss": "https://accounts.google.com", "azp": client_id, "aud": client_id,
        "sub": "110169484474386276334", "email": "alice@example.com", "email_verified": true,
        "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q", "iat": IAT, "exp": EXP,
    });
    let typ = [("typ", json!("JWT"))];
    Ok(vec![
        google.case("id-token", "A Google ID token for the OAuth client (aud the client ID): valid.", &config, &google.token(&typ, &id_token)?, Expect::claims(json!({"email": "alice@example.com"}))),
        google.case("issuer-without-scheme", "Google may also write iss as accounts.google.com; one issuer is configured, so such a token is invalid_issuer (until a verifier for several issuers exists).", &config, &google.token(&typ, &with(&id_token, json!({"iss": "accounts.google.com"})))?, Expect::error(Code::InvalidIssuer)),
        google.case("another-client", "An ID token issued to another OAuth client: invalid_audience.", &config, &google.token(&typ, &with(&id_token, json!({"aud": "999-other.apps.googleusercontent.com"})))?, Expect::error(Code::InvalidAudience)),
    ])
}

fn cognito() -> Result<Vec<CaseSpec>, GenerateError> {
    let client_id = "5abcdefghij1234567890klmno";
    let config = Cognito::access_tokens("eu-west-1", "eu-west-1_AbCdEf123", client_id);
    let rsa = key(FixedKey::Rsa2048A)?.with_kid("1234example=");
    let cognito = Provider::new("cognito", rsa);
    let issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123";
    let access = json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "cognito:groups": ["admins"],
        "iss": issuer, "version": 2, "client_id": client_id,
        "origin_jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "token_use": "access",
        "scope": "aws.cognito.signin.user.admin orders/read", "auth_time": IAT,
        "exp": EXP, "iat": IAT, "jti": "aaaaaaaa-bbbb-cccc-dddd-ffffffffffff", "username": "alice",
    });
    let id_token = json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "cognito:groups": ["admins"],
        "email_verified": true, "iss": issuer, "cognito:username": "alice",
        "origin_jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "aud": client_id,
        "token_use": "id", "auth_time": IAT, "exp": EXP, "iat": IAT, "email": "alice@example.com",
    });
    let strict = AuthConfig {
        required_scopes: vec!["orders/read".into()],
        required_permissions: vec!["admins".into()],
        ..config.clone()
    };
    Ok(vec![
        cognito.case("access-token", "A Cognito access token (no aud, the app client in client_id, groups in cognito:groups) with a required scope and group: valid.", &strict, &cognito.token(&[], &access)?, Expect::claims(json!({"username": "alice"}))),
        cognito.case("id-token-refused", "An ID token of the same pool (aud the app client, no client_id): missing_claim naming client_id, so ID tokens never pass as access tokens.", &config, &cognito.token(&[], &id_token)?, Expect::missing_claim("client_id")),
        cognito.case("another-app-client", "An access token issued to another app client of the pool: invalid_audience.", &config, &cognito.token(&[], &with(&access, json!({"client_id": "7otherappclient0000000000"})))?, Expect::error(Code::InvalidAudience)),
        cognito.case("group-missing", "A user outside the admins group: insufficient_permissions naming it.", &strict, &cognito.token(&[], &with(&access, json!({"cognito:groups": ["readers"]})))?, Expect::permissions(&["admins"])),
    ])
}

fn entra_id() -> Result<Vec<CaseSpec>, GenerateError> {
    let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let api = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
    let config = EntraId::single_tenant(tenant, api);
    let rsa = key(FixedKey::Rsa2048A)?.with_kid("nOo3ZDrODXEK1jKWhXslHR_KXEg");
    let entra = Provider::new("entra-id", rsa);
    let delegated = json!({
        "aud": api, "iss": format!("https://login.microsoftonline.com/{tenant}/v2.0"),
        "iat": IAT, "nbf": IAT, "exp": EXP, "aio": "AWQAm/8TAAAA", "azp": "9c8b7a65-4321-4fed-8cba-0123456789ab",
        "azpacr": "0", "name": "Alice", "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474",
        "preferred_username": "alice@contoso.com", "rh": "0.AAAA", "scp": "Orders.Read Orders.Write",
        "sub": "MF4f-ggWMEji12KynJUNQZphaUTvLcQug5jdF2nl01Q", "tid": tenant,
        "uti": "fqiBqXLPj0eQa82S-IYFAA", "ver": "2.0",
    });
    let app_only = with(
        &delegated,
        json!({"scp": null, "name": null, "preferred_username": null, "roles": ["Orders.Admin"]}),
    );
    let typ = [("typ", json!("JWT"))];
    let scoped = AuthConfig {
        required_scopes: vec!["Orders.Read".into()],
        ..config.clone()
    };
    let admin = AuthConfig {
        required_permissions: vec!["Orders.Admin".into()],
        ..config.clone()
    };
    Ok(vec![
        entra.case("delegated-v2-token", "A v2.0 access token on behalf of a user (delegated scopes in scp, a space-separated string), with a required scope: valid.", &scoped, &entra.token(&typ, &delegated)?, Expect::claims(json!({"tid": tenant}))),
        entra.case("app-role", "An app-only v2.0 token (app roles in roles, no scp), with a required app role: valid.", &admin, &entra.token(&typ, &app_only)?, Expect::ok()),
        entra.case("v1-token-refused", "A v1.0 token (iss https://sts.windows.net/<tenant>/): the API must ask for v2.0 tokens, invalid_issuer.", &config, &entra.token(&typ, &with(&delegated, json!({"iss": format!("https://sts.windows.net/{tenant}/"), "ver": "1.0"})))?, Expect::error(Code::InvalidIssuer)),
        entra.case("other-tenant-refused", "A token of another tenant (its tenant ID in iss): a single-tenant preset, invalid_issuer.", &config, &entra.token(&typ, &with(&delegated, json!({"iss": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0"})))?, Expect::error(Code::InvalidIssuer)),
    ])
}

fn cloudflare_access() -> Result<Vec<CaseSpec>, GenerateError> {
    let tag = "4714c1358e65fe4b408ad6d432a5f878f7b8a4f3e5d6c7b8a9f0e1d2c3b4a5f6";
    let config = CloudflareAccess::application("acme", tag);
    let rsa = key(FixedKey::Rsa2048A)?
        .with_kid("1a1c3986a44ce6390be42ec772b031df8f433fdc71716db821dc0c39af3bce49");
    let mut cloudflare = Provider::new("cloudflare-access", rsa);
    // The certs endpoint also lists the keys as PEM beside the JWK Set.
    if let Some(members) = cloudflare.jwks.as_object_mut() {
        members.insert("public_cert".into(), json!({"kid": cloudflare.key.kid(), "cert": "-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----\n"}));
        members.insert("public_certs".into(), json!([{"kid": cloudflare.key.kid(), "cert": "-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----\n"}]));
    }
    let app = json!({
        "aud": [tag], "email": "alice@example.com", "exp": EXP, "iat": IAT, "nbf": IAT,
        "iss": "https://acme.cloudflareaccess.com", "type": "app",
        "identity_nonce": "6ei69kawdKzMIAPF", "sub": "7335d417-61da-459d-899c-0a01c76a2f94",
        "country": "US",
    });
    let typ = [("typ", json!("JWT"))];
    let good = cloudflare.token(&typ, &app)?;
    let in_request = |slug: &str, description: &str, headers: Value, expect: Expect| {
        let jwks_url = config.jwks_url.clone().unwrap_or_default();
        CaseSpec::configured(
            &format!("providers/cloudflare-access/{slug}"),
            description,
            &config,
        )
        .serve(&jwks_url, Reply::json(cloudflare.jwks.clone()))
        .verify_request(T0, json!({ "headers": headers }), expect)
    };
    Ok(vec![
        in_request("token-in-header", "The preset reads the application token from Cf-Access-Jwt-Assertion, as Access sends it on every request: valid.", json!({"Cf-Access-Jwt-Assertion": good}), Expect::claims(json!({"email": "alice@example.com"}))),
        in_request("token-in-cookie", "Without the header, the preset reads the CF_Authorization cookie a browser sends: valid.", json!({"Cookie": format!("CF_Authorization={good}")}), Expect::ok()),
        in_request("header-decides-over-cookie", "The header, present, decides: its garbage is malformed_token though the cookie holds a good token.", json!({"Cf-Access-Jwt-Assertion": "garbage", "Cookie": format!("CF_Authorization={good}")}), Expect::error(Code::MalformedToken)),
        in_request("authorization-not-read", "The preset reads no Authorization header: a Bearer token there alone is missing_token.", json!({"Authorization": format!("Bearer {good}")}), Expect::error(Code::MissingToken)),
        cloudflare.case("application-token", "A Cloudflare Access application token (aud an array holding the application's AUD tag), from a certs document that also lists PEM certificates: valid.", &config, &cloudflare.token(&typ, &app)?, Expect::claims(json!({"email": "alice@example.com"}))),
        cloudflare.case("another-application", "A token for another Access application (another AUD tag): invalid_audience.", &config, &cloudflare.token(&typ, &with(&app, json!({"aud": ["0000000000000000000000000000000000000000000000000000000000000000"]})))?, Expect::error(Code::InvalidAudience)),
        cloudflare.case("another-team", "A token of another team (iss https://other.cloudflareaccess.com): invalid_issuer.", &config, &cloudflare.token(&typ, &with(&app, json!({"iss": "https://other.cloudflareaccess.com"})))?, Expect::error(Code::InvalidIssuer)),
    ])
}
