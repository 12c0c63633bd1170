// The test API's tokens against real verifiers: jose (createRemoteJWKSet + jwtVerify) and PyJWT
// (PyJWKClient + jwt.decode) accept the valid token and reject every bad kind, each for its own
// reason.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHmac, createPublicKey } from "node:crypto";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { promisify } from "node:util";
import path from "node:path";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { startServer, HERE } from "./harness.mjs";

const execFileP = promisify(execFile);
let srv;
let JWKS;

before(async () => {
  srv = await startServer("ba-issuer", { extraArgs: ["--test-api"] });
  JWKS = createRemoteJWKSet(new URL(`${srv.base}/jwks`));
});

after(async () => {
  await srv?.stop();
});

async function mintOn(server, body, status = 200) {
  const res = await fetch(`${server.origin}/__test/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ claims: { sub: "service-1", scope: "read" }, ...body }),
  });
  assert.equal(res.status, status, await res.clone().text());
  return res.json();
}

async function mint(kind) {
  return (await mintOn(srv, { kind })).token;
}

async function joseError(token) {
  try {
    await jwtVerify(token, JWKS, { issuer: srv.origin, audience: srv.origin });
    return null;
  } catch (e) {
    return { code: e.code, claim: e.claim };
  }
}

async function pyjwt(token) {
  const script = path.join(HERE, "verify_pyjwt.py");
  const out = await execFileP("/usr/bin/python3", [script, `${srv.base}/jwks`, token, srv.origin, srv.origin], {
    timeout: 30000,
  }).catch((e) => e);
  return JSON.parse(out.stdout);
}

// What each verifier says, by kind.
const EXPECTED = {
  expired: { jose: { code: "ERR_JWT_EXPIRED", claim: "exp" }, pyjwt: "ExpiredSignatureError" },
  "not-yet-valid": { jose: { code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "nbf" }, pyjwt: "ImmatureSignatureError" },
  "wrong-issuer": { jose: { code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "iss" }, pyjwt: "InvalidIssuerError" },
  "wrong-audience": { jose: { code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "aud" }, pyjwt: "InvalidAudienceError" },
  "unknown-kid": { jose: { code: "ERR_JWKS_NO_MATCHING_KEY" }, pyjwt: "PyJWKClientError" },
  "bad-signature": { jose: { code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" }, pyjwt: "InvalidSignatureError" },
  "alg-none": { jose: { code: "ERR_JOSE_NOT_SUPPORTED" }, pyjwt: "InvalidAlgorithmError" },
  "alg-confusion": { jose: { code: "ERR_JOSE_NOT_SUPPORTED" }, pyjwt: "InvalidAlgorithmError" },
};

test("a valid test token verifies with jose and PyJWT", async () => {
  const token = await mint(undefined);
  assert.equal(await joseError(token), null);
  const py = await pyjwt(token);
  assert.equal(py.ok, true, JSON.stringify(py));
  assert.equal(py.claims.sub, "service-1");
  assert.equal(py.claims.scope, "read");
});

for (const [kind, expected] of Object.entries(EXPECTED)) {
  test(`kind ${kind}: jose and PyJWT both reject it`, async () => {
    const token = await mint(kind);
    const jose = await joseError(token);
    assert.notEqual(jose, null, "jose accepted it");
    assert.equal(jose.code, expected.jose.code, JSON.stringify(jose));
    if (expected.jose.claim) assert.equal(jose.claim, expected.jose.claim);
    const py = await pyjwt(token);
    assert.equal(py.ok, false, JSON.stringify(py));
    assert.equal(py.error.split(":")[0], expected.pyjwt, py.error);
  });
}

// An alg-confusion token is what it says: HS256 keyed with the PEM of the public key its kid
// names in the JWKS (the key a confused verifier would hand to HMAC).
async function checkConfusion(server, token) {
  const [header, payload, signature] = token.split(".");
  assert.deepEqual(JSON.parse(Buffer.from(header, "base64url")).alg, "HS256");
  const kid = JSON.parse(Buffer.from(header, "base64url")).kid;
  const jwks = await (await fetch(`${server.base}/jwks`)).json();
  const jwk = jwks.keys.find((k) => k.kid === kid);
  assert.ok(jwk, "the kid is in the JWKS");
  const pem = createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "pem" });
  const mac = createHmac("sha256", pem).update(`${header}.${payload}`).digest("base64url");
  assert.equal(signature, mac);
  return jwk;
}

test("alg-confusion: HS256 keyed with the signing key's public PEM", async () => {
  const jwk = await checkConfusion(srv, await mint("alg-confusion"));
  assert.equal(jwk.alg, "EdDSA");
});

test("alg picks a configured algorithm's key; RS256 tokens verify and confusion uses the RSA key", async () => {
  const config = path.join(os.tmpdir(), `ba-issuer-algs-${process.pid}.json`);
  writeFileSync(config, JSON.stringify({ jwks: { keyPairConfigs: [{ alg: "RS256" }, { alg: "ES256" }] } }));
  const multi = await startServer("ba-issuer", { extraArgs: ["--test-api", "--discovery", "--config", config] });
  try {
    const remote = createRemoteJWKSet(new URL(`${multi.base}/jwks`));
    for (const alg of ["EdDSA", "RS256", "ES256"]) {
      const { token, header } = await mintOn(multi, { alg });
      assert.equal(header.alg, alg);
      const { protectedHeader } = await jwtVerify(token, remote, { issuer: multi.origin, audience: multi.origin });
      assert.equal(protectedHeader.alg, alg);
    }
    const rsa = await checkConfusion(multi, (await mintOn(multi, { alg: "RS256", kind: "alg-confusion" })).token);
    assert.equal(rsa.kty, "RSA");
    const refused = await mintOn(multi, { alg: "PS256" }, 400);
    assert.match(refused.message, /keyPairConfigs/);
    const unknown = await mintOn(multi, { alg: "HS256" }, 400);
    assert.match(unknown.message, /^alg: /);
    const discovery = await (await fetch(`${multi.origin}/.well-known/openid-configuration`)).json();
    assert.deepEqual(discovery.id_token_signing_alg_values_supported, ["EdDSA", "RS256", "ES256"]);
  } finally {
    await multi.stop();
  }
});
