// panva's oidc-provider, set up as the interop test needs it: HTTPS on
// 127.0.0.1, one confidential client allowed the client_credentials grant,
// and one resource server per signing algorithm, each issuing RFC 9068 JWT
// access tokens signed with that algorithm.
//
// Usage: node provider.mjs CONFIG.json, the file written by the Rust test:
//   {
//     "port": 40123,                      // listens on https://127.0.0.1:<port>
//     "tls": {"cert": "PEM", "key": "PEM"},
//     "keys": [{"pem": "PKCS#8 PEM", "use": "sig", "x5c": ["base64 DER", ...]}, ...],
//     "client": {"id": "...", "secret": "...", "scope": "a b"},
//     "audience": "https://api.example.test",
//     "resources": {"https://api.example.test/rs256": "RS256", ...},
//     "access_token_ttl_s": 3600
//   }
// Keys get no `kid` and no `alg` here: the provider derives both the way it
// does for any deployment. It prints "ready <issuer>" once it listens.
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { createServer } from 'node:https';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `https://127.0.0.1:${config.port}`;
const algorithmOf = new Map(Object.entries(config.resources));

// A private JWK per PEM, with the members the test adds (`use`, `x5c`).
const jwks = {
  keys: config.keys.map(({ pem, ...members }) => ({
    ...createPrivateKey(pem).export({ format: 'jwk' }),
    ...members,
  })),
};

const provider = new Provider(issuer, {
  jwks,
  clients: [{
    client_id: config.client.id,
    client_secret: config.client.secret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    scope: config.client.scope,
  }],
  scopes: config.client.scope.split(' '),
  features: {
    clientCredentials: { enabled: true },
    // Publishes an RSA `use: enc` key beside the signing keys, as a
    // provider that also decrypts request objects does.
    encryption: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      getResourceServerInfo(ctx, resourceIndicator) {
        const alg = algorithmOf.get(resourceIndicator);
        if (alg === undefined) {
          throw new errors.InvalidTarget();
        }
        return {
          scope: config.client.scope,
          audience: config.audience,
          accessTokenFormat: 'jwt',
          accessTokenTTL: config.access_token_ttl_s,
          jwt: { sign: { alg } },
        };
      },
    },
  },
});

const server = createServer({ cert: config.tls.cert, key: config.tls.key }, provider.callback());
server.on('error', (error) => {
  console.error(`provider: ${error.message}`);
  process.exit(1);
});
server.listen(config.port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
