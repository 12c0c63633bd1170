// The test API's tokens against real verifiers: jose (createRemoteJWKSet + jwtVerify) and PyJWT
// (PyJWKClient + jwt.decode) accept the valid token and reject every bad kind, each for its own
// reason.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
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

async function mint(kind) {
  const res = await fetch(`${srv.origin}/__test/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ kind, claims: { sub: "service-1", scope: "read" } }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).token;
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
