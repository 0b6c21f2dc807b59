// A real DPoP client (RFC 9449): panva's `dpop` package, pinned by
// package-lock.json. Started by the interop test, never by hand in CI.
//
// Usage: node client.mjs <alg>. Generates a key pair of <alg> and prints
// one JSON line {"jkt": <RFC 7638 thumbprint of the public key, by the
// package>}; then for each JSON line {"htm", "htu", "token"} read on stdin
// prints one line {"proof": <the package's proof for that request>}.
import { createInterface } from 'node:readline';
import * as DPoP from 'dpop';

const alg = process.argv[2];
const keypair = await DPoP.generateKeyPair(alg);
const jkt = await DPoP.calculateThumbprint(keypair.publicKey);
process.stdout.write(`${JSON.stringify({ jkt })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  const { htm, htu, token } = JSON.parse(line);
  const proof = await DPoP.generateProof(keypair, htu, htm, undefined, token);
  process.stdout.write(`${JSON.stringify({ proof })}\n`);
}
