// The examples against a ba-issuer started here (BA_ISSUER_BIN, else `ba-issuer` on PATH).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { makeClient, jwtFor } from "./client.mjs";
import { makeVerifier } from "./verify.mjs";

let server;
let origin;

before(async () => {
  server = spawn(process.env.BA_ISSUER_BIN ?? "ba-issuer", ["--port", "0", "--db", ":memory:", "--test-api"], {
    env: { ...process.env, BETTER_AUTH_SECRET: "node-example-secret-0123456789abcdefgh" },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const [line] = await once(server.stdout, "data");
  origin = /^listening on (\S+)/.exec(String(line))[1];
});

after(() => server.kill("SIGTERM"));

test("the better-auth client signs in from Node and its JWT verifies with jose", async () => {
  const client = makeClient(origin);
  const token = await jwtFor(client, { email: "node@example.com", password: "node-password", name: "Node" });
  const claims = await makeVerifier(origin)(token);
  assert.equal(claims.email, "node@example.com");
  // Again: the user exists, so this signs in.
  const again = await jwtFor(makeClient(origin), { email: "node@example.com", password: "node-password" });
  assert.equal((await makeVerifier(origin)(again)).sub, claims.sub);
});

test("without the origin header, Node's sign-in is refused as Better Auth refuses it", async () => {
  const res = await fetch(`${origin}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "node@example.com", password: "node-password" }),
  });
  assert.equal(res.status, 403);
  assert.equal((await res.json()).code, "MISSING_OR_NULL_ORIGIN");
});

test("the jose verifier refuses every bad kind of token", async () => {
  const verify = makeVerifier(origin);
  for (const kind of ["expired", "not-yet-valid", "wrong-issuer", "wrong-audience", "unknown-kid", "bad-signature", "alg-none"]) {
    const res = await fetch(`${origin}/__test/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind, claims: { sub: "u1" } }),
    });
    const { token } = await res.json();
    await assert.rejects(verify(token), `${kind} should be refused`);
  }
});
