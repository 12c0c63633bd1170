// Every algorithm Better Auth signs with (issue 12): EdDSA, ES256, ES512, RS256 and PS256, against the real
// better-auth 1.7.25 configured with jwt({ jwks: { keyPairConfig: { alg } } }) (ref-server.mjs reads BA_KEY_ALG).
//
// Per algorithm, two SQLite files, one secret:
// - "Better Auth first": Better Auth makes the key; ba-issuer --alg ALG joins, makes no key of its own, publishes
//   the same JWKS and signs with Better Auth's key (same kid); each one's token verifies against the other's JWKS
//   (jose createRemoteJWKSet + jwtVerify with algorithms [ALG], and PyJWT's PyJWKClient).
// - "ba-issuer first": ba-issuer --alg ALG alone on a fresh file: its key row is stored as Better Auth stores one
//   (alg/crv columns, public and sealed private JWK with Better Auth's member order, compared with the row Better
//   Auth made above); its JWKS entry has exactly Better Auth's members in Better Auth's order and nothing private;
//   its token has header {alg, kid} and verifies with jose and PyJWT. Then Better Auth joins and signs with
//   ba-issuer's key, and the tokens verify both ways.
// Mixed key set: ba-issuer --alg EdDSA, then --alg ES256, then --alg RS256 on one file (each makes a key of its
// algorithm and keeps the older ones live), plus a Better Auth configured for ES256: one JWKS URL holds the three
// keys, every server signs with the key of its own algorithm, and jose (one createRemoteJWKSet) and PyJWT accept
// every token against that one URL.
// Two ba-issuer behaviours are asserted that Better Auth does not share, so BA_ISSUER_BIN=@ref fails those steps:
// ba-issuer makes its first key at start (Better Auth on the first /jwks or /token), and it makes a key of its
// --alg when only keys of other algorithms are live (Better Auth signs with the newest of those instead).

import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { symmetricDecrypt } from "better-auth/crypto";
import { startServer, tempDir, rawRequest, parseSetCookie, decodeJwt, SECRET, HERE, assertCleanExit } from "./harness.mjs";

const execFileP = promisify(execFile);
const SESSION = "better-auth.session_token";
const JSONCT = { "content-type": "application/json" };
// Generous: Better Auth's start (Node, modules, migrations) and RSA key generation are slow on a loaded 2-core machine.
const READY_TIMEOUT_MS = 120000;
const JWKS_FETCH_TIMEOUT_MS = 30000; // jose's default is 5 s
const remoteSet = (srv) => createRemoteJWKSet(new URL(jwksUrl(srv)), { timeoutDuration: JWKS_FETCH_TIMEOUT_MS });

/** What Better Auth 1.7.25 (jose exportJWK on Node 20) stores and publishes per algorithm. */
const ALGS = {
  EdDSA: { kty: "OKP", crv: "Ed25519", sigLen: 64, entry: ["alg", "crv", "x", "kty", "kid"] },
  ES256: { kty: "EC", crv: "P-256", sigLen: 64, entry: ["alg", "crv", "kty", "x", "y", "kid"] },
  ES512: { kty: "EC", crv: "P-521", sigLen: 132, entry: ["alg", "crv", "kty", "x", "y", "kid"] },
  RS256: { kty: "RSA", crv: null, sigLen: 256, entry: ["alg", "kty", "n", "e", "kid"] },
  PS256: { kty: "RSA", crv: null, sigLen: 256, entry: ["alg", "kty", "n", "e", "kid"] },
};
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
const NEVER_PUBLISHED = [...PRIVATE_MEMBERS, "use", "key_ops", "ext"];

const dirs = tempDir("ba-algorithms-");
const running = new Set();

after(async () => {
  await Promise.all([...running].map((s) => s.stop()));
  dirs.remove();
});

/** ba-issuer with --alg ALG, or Better Auth with keyPairConfig.alg = ALG (undefined: Better Auth's default). */
async function start(kind, db, alg) {
  const opts = { db, readyTimeoutMs: READY_TIMEOUT_MS };
  if (kind === "ba-issuer") opts.extraArgs = ["--alg", alg];
  else if (alg) opts.env = { BA_KEY_ALG: alg };
  const s = await startServer(kind, opts);
  running.add(s);
  return s;
}
async function stop(s) {
  const r = await s.stop();
  running.delete(s);
  assertCleanExit(s, r);
}

const fmt = (res) => `${res.status} ${res.text.slice(0, 300)}`;
const get = (srv, p, headers = {}) => rawRequest(`${srv.base}${p}`, { headers });
const jwksUrl = (srv) => `${srv.base}/jwks`;

let users = 0;
/** A new user on `srv`; returns its session cookie (valid on every server sharing the file). */
async function signUp(srv) {
  const email = `alg-${++users}-${Date.now()}@example.com`;
  const r = await rawRequest(`${srv.base}/sign-up/email`, {
    method: "POST",
    headers: JSONCT,
    body: JSON.stringify({ name: `User ${users}`, email, password: `password of ${email}` }),
  });
  assert.equal(r.status, 200, `${srv.kind} sign-up: ${fmt(r)}`);
  const c = r.setCookies.map(parseSetCookie).find((x) => x.name === SESSION && x.value);
  assert.ok(c, `${srv.kind} sign-up set a session cookie`);
  return `${SESSION}=${c.value}`;
}

/** GET /token; checks the header is exactly {alg, kid} (Better Auth: no typ) and the signature width. */
async function token(srv, cookie, alg) {
  const r = await get(srv, "/token", { cookie });
  assert.equal(r.status, 200, `${srv.kind} /token: ${fmt(r)}`);
  const d = decodeJwt(r.json.token);
  assert.deepEqual(Object.keys(d.header), ["alg", "kid"], `${srv.kind} JWT header members`);
  assert.equal(d.header.alg, alg, `${srv.kind} JWT header alg`);
  assert.equal(d.signature.length, ALGS[alg].sigLen, `${srv.kind} ${alg} signature length (raw, not DER)`);
  return { token: r.json.token, kid: d.header.kid, alg, signer: srv };
}

async function jwks(srv) {
  const r = await get(srv, "/jwks");
  assert.equal(r.status, 200, `${srv.kind} /jwks: ${fmt(r)}`);
  return r.json;
}

/** jose: createRemoteJWKSet on `verifier`'s /jwks (or a set made once by the caller) and jwtVerify. */
async function joseVerify(t, verifier, algorithms = [t.alg], set = remoteSet(verifier)) {
  const iss = t.signer.origin;
  const { protectedHeader, payload } = await jwtVerify(t.token, set, { issuer: iss, audience: iss, algorithms });
  assert.equal(protectedHeader.kid, t.kid);
  assert.equal(protectedHeader.alg, t.alg);
  assert.equal(typeof payload.sub, "string");
}

/** PyJWT (Debian python3-jwt): PyJWKClient on `verifier`'s /jwks, jwt.decode with `algorithms`. */
async function pyjwtVerify(t, verifier, algorithms = [t.alg]) {
  const iss = t.signer.origin;
  const args = [path.join(HERE, "verify_pyjwt.py"), jwksUrl(verifier), t.token, iss, iss, algorithms.join(",")];
  const out = await execFileP("/usr/bin/python3", args, { timeout: 60000 }).catch((e) => e);
  let res;
  try {
    res = JSON.parse(out.stdout);
  } catch {
    throw new Error(`verify_pyjwt.py printed no JSON: stdout=${out.stdout} stderr=${out.stderr}`);
  }
  assert.equal(res.ok, true, `PyJWT rejects ${t.alg} token of ${t.signer.kind} against ${verifier.kind}'s JWKS: ${res.error}`);
  assert.equal(res.header.alg, t.alg);
  assert.equal(res.header.kid, t.kid);
  assert.equal(res.jwk?.kid, t.kid);
}

/** Both verifiers. */
async function verifyEverywhere(t, verifier) {
  await joseVerify(t, verifier);
  await pyjwtVerify(t, verifier);
}

function jwksRows(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 10000 });
  try {
    return db.prepare("select id, publicKey, privateKey, createdAt, expiresAt, alg, crv from jwks").all();
  } finally {
    db.close();
  }
}

/** A stored row opened as Better Auth opens it: { publicJwk, privateJwk } (privateKey sealed with the secret). */
async function openRow(row) {
  const publicJwk = JSON.parse(row.publicKey);
  const sealed = JSON.parse(row.privateKey);
  assert.equal(typeof sealed, "string", "privateKey column is a JSON string (the sealed private JWK)");
  const privateJwk = JSON.parse(await symmetricDecrypt({ key: SECRET, data: sealed }));
  return { publicJwk, privateJwk };
}

/** The JWKS entry of a key has Better Auth's members in Better Auth's order and nothing private. */
function checkEntry(entry, alg) {
  const spec = ALGS[alg];
  assert.deepEqual(Object.keys(entry), spec.entry, `${alg} JWKS entry members and order`);
  for (const m of NEVER_PUBLISHED) assert.ok(!(m in entry), `${alg} JWKS entry has no "${m}"`);
  assert.equal(entry.alg, alg);
  assert.equal(entry.kty, spec.kty);
  if (spec.crv) assert.equal(entry.crv, spec.crv);
  assert.match(entry.kid, /^[A-Za-z0-9]{32}$/);
}

/** What the first describe of each algorithm learns from Better Auth, for the second one to compare with. */
const reference = {};

for (const alg of Object.keys(ALGS)) {
  describe(`${alg}: Better Auth makes the key, ba-issuer --alg ${alg} joins`, () => {
    const db = dirs.file(`ref-first-${alg}.db`);
    const ctx = {};
    test(`Better Auth (keyPairConfig.alg ${alg}) makes one ${alg} key and signs with it`, async () => {
      ctx.ref = await start("ref", db, alg);
      ctx.refJwks = await jwks(ctx.ref);
      assert.equal(ctx.refJwks.keys.length, 1);
      checkEntry(ctx.refJwks.keys[0], alg);
      ctx.cookie = await signUp(ctx.ref);
      ctx.refToken = await token(ctx.ref, ctx.cookie, alg);
      assert.equal(ctx.refToken.kid, ctx.refJwks.keys[0].kid);
      const [row] = jwksRows(db);
      assert.equal(row.alg, alg);
      assert.equal(row.crv, ALGS[alg].crv);
      reference[alg] = { entry: ctx.refJwks.keys[0], row, opened: await openRow(row) };
    });
    test(`ba-issuer --alg ${alg} makes no key, publishes the same JWKS and signs with Better Auth's key`, async () => {
      assert.ok(ctx.ref, "needs the Better Auth server of the step before");
      ctx.sub = await start("ba-issuer", db, alg);
      assert.equal(jwksRows(db).length, 1, "ba-issuer made no key of its own");
      assert.deepEqual(await jwks(ctx.sub), ctx.refJwks);
      ctx.subToken = await token(ctx.sub, ctx.cookie, alg);
      assert.equal(ctx.subToken.kid, ctx.refToken.kid, "same kid");
    });
    test("each token verifies against the other's JWKS with jose and PyJWT", async () => {
      assert.ok(ctx.subToken, "needs the tokens of the steps before");
      await verifyEverywhere(ctx.subToken, ctx.ref);
      await verifyEverywhere(ctx.refToken, ctx.sub);
      assert.equal(jwksRows(db).length, 1);
    });
    test("stop both", async () => {
      await Promise.all([ctx.ref, ctx.sub].filter(Boolean).map(stop));
    });
  });

  describe(`${alg}: ba-issuer --alg ${alg} makes the key, Better Auth joins`, () => {
    const db = dirs.file(`issuer-first-${alg}.db`);
    const ctx = {};
    test(`ba-issuer --alg ${alg} alone stores its key as Better Auth stores a ${alg} key`, async () => {
      const ref = reference[alg];
      assert.ok(ref, `needs Better Auth's ${alg} key from the describe before`);
      ctx.sub = await start("ba-issuer", db, alg);
      const rows = jwksRows(db);
      assert.equal(rows.length, 1, "one key, made at start");
      const [row] = rows;
      assert.equal(row.alg, alg, "alg column");
      assert.equal(row.crv, ref.row.crv, "crv column as Better Auth writes it");
      assert.equal(row.expiresAt, null);
      assert.match(row.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      const { publicJwk, privateJwk } = await openRow(row);
      assert.deepEqual(Object.keys(publicJwk), Object.keys(ref.opened.publicJwk), "public JWK members in Better Auth's order");
      assert.deepEqual(Object.keys(privateJwk), Object.keys(ref.opened.privateJwk), "private JWK members in Better Auth's order");
      for (const [k, v] of Object.entries(publicJwk)) assert.equal(privateJwk[k], v, `private JWK repeats public "${k}"`);
      for (const [k, v] of Object.entries(publicJwk)) assert.equal(v.length, ref.opened.publicJwk[k].length, `"${k}" length`);
    });
    test(`its JWKS entry has exactly Better Auth's members, in Better Auth's order, nothing private`, async () => {
      assert.ok(ctx.sub, "needs ba-issuer of the step before");
      ctx.subJwks = await jwks(ctx.sub);
      assert.equal(ctx.subJwks.keys.length, 1);
      const [entry] = ctx.subJwks.keys;
      checkEntry(entry, alg);
      assert.deepEqual(Object.keys(entry), Object.keys(reference[alg].entry), "same member order as Better Auth's entry");
      assert.equal(entry.kid, jwksRows(db)[0].id);
    });
    test(`/token is an ${alg} JWT that jose and PyJWT verify against ba-issuer's JWKS`, async () => {
      assert.ok(ctx.subJwks, "needs the steps before");
      ctx.cookie = await signUp(ctx.sub);
      ctx.subToken = await token(ctx.sub, ctx.cookie, alg);
      assert.equal(ctx.subToken.kid, ctx.subJwks.keys[0].kid);
      await verifyEverywhere(ctx.subToken, ctx.sub);
    });
    test(`Better Auth (keyPairConfig.alg ${alg}) publishes the same JWKS and signs with ba-issuer's key`, async () => {
      assert.ok(ctx.subToken, "needs the steps before");
      ctx.ref = await start("ref", db, alg);
      assert.deepEqual(await jwks(ctx.ref), ctx.subJwks);
      const refToken = await token(ctx.ref, ctx.cookie, alg);
      assert.equal(refToken.kid, ctx.subToken.kid, "same kid");
      await verifyEverywhere(refToken, ctx.sub);
      await verifyEverywhere(ctx.subToken, ctx.ref);
      assert.equal(jwksRows(db).length, 1, "Better Auth made no key");
    });
    test("stop both", async () => {
      await Promise.all([ctx.sub, ctx.ref].filter(Boolean).map(stop));
    });
  });
}

describe("one key set holding EdDSA, ES256 and RS256 keys", () => {
  const db = dirs.file("mixed.db");
  const MIXED = ["EdDSA", "ES256", "RS256"];
  const servers = {};
  const tokens = [];
  test("ba-issuer --alg EdDSA, then ES256, then RS256 on one file: each makes a key of its algorithm", async () => {
    for (const alg of MIXED) {
      servers[alg] = await start("ba-issuer", db, alg);
      const rows = jwksRows(db);
      assert.deepEqual(rows.map((r) => r.alg), MIXED.slice(0, MIXED.indexOf(alg) + 1), "one new key per algorithm, older keys kept");
      assert.ok(rows.every((r) => r.expiresAt === null), "every key live");
    }
  });
  test("every server signs with the key of its own algorithm, not the newest key", async () => {
    assert.equal(Object.keys(servers).length, MIXED.length, "needs the servers of the step before");
    servers.ref = await start("ref", db, "ES256");
    const rows = jwksRows(db);
    assert.equal(rows.length, MIXED.length, "Better Auth made no key");
    const kidOf = Object.fromEntries(rows.map((r) => [r.alg, r.id]));
    const cookie = await signUp(servers.EdDSA);
    for (const alg of MIXED) tokens.push(await token(servers[alg], cookie, alg));
    tokens.push(await token(servers.ref, cookie, "ES256"));
    for (const t of tokens) assert.equal(t.kid, kidOf[t.alg], `${t.signer.kind} ${t.alg} kid`);
  });
  test("all servers publish one JWKS with the three keys, in table order", async () => {
    assert.equal(tokens.length, MIXED.length + 1, "needs the tokens of the step before");
    const sets = await Promise.all(Object.values(servers).map(jwks));
    for (const s of sets.slice(1)) assert.deepEqual(s, sets[0]);
    assert.deepEqual(sets[0].keys.map((k) => k.alg), MIXED);
    for (const k of sets[0].keys) checkEntry(k, k.alg);
  });
  test("jose: one createRemoteJWKSet on one URL accepts a token of each algorithm", async () => {
    assert.equal(tokens.length, MIXED.length + 1, "needs the tokens of the steps before");
    const set = remoteSet(servers.EdDSA);
    for (const t of tokens) await joseVerify(t, servers.EdDSA, MIXED, set);
    // Better Auth's JWKS URL serves the same set.
    const refSet = remoteSet(servers.ref);
    for (const t of tokens) await joseVerify(t, servers.ref, MIXED, refSet);
  });
  test("PyJWT: PyJWKClient on the same URL accepts a token of each algorithm", async () => {
    assert.equal(tokens.length, MIXED.length + 1, "needs the tokens of the steps before");
    for (const t of tokens) await pyjwtVerify(t, servers.EdDSA, MIXED);
  });
  test("stop all", async () => {
    await Promise.all(Object.values(servers).map(stop));
  });
});
