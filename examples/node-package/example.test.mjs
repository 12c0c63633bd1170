// node:test with the ba-issuer npm package (npm install ba-issuer jose; node --test): one issuer
// for the file, a session's JWT verified as your API would verify it, and the bad tokens and the
// clock your API must handle. tests/dist/npm_package_test.sh runs it in a fresh project.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { BAD_TOKEN_KINDS, startIssuer } from "ba-issuer";

let issuer;
let verify;

before(async () => {
  issuer = await startIssuer(); // ready when it resolves; in memory, on a free port
  const jwks = createRemoteJWKSet(new URL(issuer.jwksUrl));
  verify = (token) => jwtVerify(token, jwks, { issuer: issuer.issuer, audience: issuer.audience });
});

after(() => issuer.stop());

test("a session's JWT verifies", async () => {
  const { token, user } = await issuer.createSession({ email: "ada@example.com", role: "admin" });
  const { payload } = await verify(token);
  assert.equal(payload.sub, user.id);
  assert.equal(payload.role, "admin");
});

test("every bad kind of token is refused", async () => {
  for (const kind of BAD_TOKEN_KINDS) {
    const { token } = await issuer.mintToken({ kind, claims: { sub: "u1" } });
    await assert.rejects(verify(token), `${kind} should be refused`);
  }
});

test("a session stops working when the clock passes its expiry", async () => {
  const { bearer } = await issuer.createSession({ email: "ada@example.com" });
  const token = () => fetch(`${issuer.baseURL}/token`, { headers: { authorization: `Bearer ${bearer}` } });
  assert.equal((await token()).status, 200);
  await issuer.advanceClock(8 * 24 * 3600 * 1000);
  assert.equal((await token()).status, 401);
  await issuer.reset();
});
