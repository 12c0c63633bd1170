// A real Better Auth 1.7.25 server (ref-server.mjs) and ba-issuer on ONE SQLite file with one secret.
// - schema: either side may create it, the other opens it without error;
// - keys: whichever side creates the signing key first, the other uses it (one jwks row, same JWKS);
// - users/passwords: sign up on one, sign in on the other;
// - sessions: a cookie or bearer token from one is accepted by the other's /get-session and /token;
// - JWTs from either verify against the other's JWKS;
// - concurrency: interleaved sign-ups on both; ba-issuer must never fail (Better Auth may, under SQLite contention).

import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { createLocalJWKSet, jwtVerify } from "jose";
import { startServer, tempDir, rawRequest, parseSetCookie, assertCleanExit } from "./harness.mjs";

const SESSION = "better-auth.session_token";
const JSONCT = { "content-type": "application/json" };
const dirs = tempDir("ba-shared-");
const running = new Set();

after(async () => {
  await Promise.all([...running].map((s) => s.stop()));
  dirs.remove();
});

async function start(kind, db) {
  const s = await startServer(kind, { db });
  running.add(s);
  return s;
}
async function stop(s) {
  const r = await s.stop();
  running.delete(s);
  assertCleanExit(s, r);
}

const post = (srv, path, body, headers = {}) =>
  rawRequest(`${srv.base}${path}`, { method: "POST", headers: { ...JSONCT, ...headers }, body: JSON.stringify(body) });
const get = (srv, path, headers = {}) => rawRequest(`${srv.base}${path}`, { headers });

function sessionCookie(res) {
  for (const sc of res.setCookies) {
    const c = parseSetCookie(sc);
    if (c.name === SESSION && c.value) return `${SESSION}=${c.value}`;
  }
  return undefined;
}

async function jwks(srv) {
  const r = await get(srv, "/jwks");
  assert.equal(r.status, 200, `${srv.kind} /jwks: ${r.text}`);
  return r.json;
}

function dbRows(file, sql, ...args) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...args);
  } finally {
    db.close();
  }
}

function fmt(res) {
  return `${res.status} ${res.text.slice(0, 500)}`;
}

describe("schema and key created by ba-issuer first", () => {
  const db = dirs.file("issuer-first.db");
  let sub;
  let ref;
  test("ba-issuer creates the schema, Better Auth's migrations then open it without error", async () => {
    sub = await start("ba-issuer", db);
    ref = await start("ref", db);
    const tables = dbRows(db, "select name from sqlite_master where type='table' order by name").map((r) => r.name);
    for (const t of ["account", "jwks", "session", "user", "verification"]) assert.ok(tables.includes(t), `table ${t} in ${tables}`);
  });
  test("key made by ba-issuer's /jwks is the one Better Auth publishes and signs with", async () => {
    const a = await jwks(sub);
    const b = await jwks(ref);
    assert.equal(a.keys.length, 1);
    assert.deepEqual(b, a);
    const s = await post(ref, "/sign-up/email", { name: "K", email: "k1@example.com", password: "password k1" });
    assert.equal(s.status, 200, fmt(s));
    const t = await get(ref, "/token", { cookie: sessionCookie(s) });
    assert.equal(t.status, 200, fmt(t));
    const { protectedHeader } = await jwtVerify(t.json.token, createLocalJWKSet(a), { issuer: ref.origin, audience: ref.origin });
    assert.equal(protectedHeader.kid, a.keys[0].kid);
    assert.equal(dbRows(db, "select count(*) n from jwks")[0].n, 1);
  });
  test("stop both", async () => {
    await Promise.all([stop(sub), stop(ref)]);
  });
});

describe("schema and key created by Better Auth first", () => {
  const db = dirs.file("ref-first.db");
  let sub;
  let ref;
  test("Better Auth creates schema and key; ba-issuer opens the file and publishes the same key", async () => {
    ref = await start("ref", db);
    const b = await jwks(ref);
    sub = await start("ba-issuer", db);
    const a = await jwks(sub);
    assert.deepEqual(a, b);
    assert.equal(a.keys.length, 1);
  });
  test("ba-issuer signs with Better Auth's key (no second key row)", async () => {
    const s = await post(sub, "/sign-up/email", { name: "K2", email: "k2@example.com", password: "password k2" });
    assert.equal(s.status, 200, fmt(s));
    const t = await get(sub, "/token", { cookie: sessionCookie(s) });
    assert.equal(t.status, 200, fmt(t));
    const b = await jwks(ref);
    const { protectedHeader } = await jwtVerify(t.json.token, createLocalJWKSet(b), { issuer: sub.origin, audience: sub.origin });
    assert.equal(protectedHeader.kid, b.keys[0].kid);
    assert.equal(dbRows(db, "select count(*) n from jwks")[0].n, 1);
  });
  test("stop both", async () => {
    await Promise.all([stop(sub), stop(ref)]);
  });
});

describe("both running on an empty file; first signing happens on Better Auth", () => {
  // ba-issuer makes its first key at start (never on a request), so Better Auth finds it.
  const db = dirs.file("race.db");
  let sub;
  let ref;
  test("ba-issuer started first made the key; Better Auth signs with it at its first /token, and so does ba-issuer", async () => {
    sub = await start("ba-issuer", db);
    ref = await start("ref", db);
    const s = await post(ref, "/sign-up/email", { name: "R", email: "r1@example.com", password: "password r1" });
    assert.equal(s.status, 200, fmt(s));
    const t = await get(ref, "/token", { cookie: sessionCookie(s) });
    assert.equal(t.status, 200, fmt(t));
    const refKid = JSON.parse(Buffer.from(t.json.token.split(".")[0], "base64url")).kid;
    // ba-issuer signs for a session made by Better Auth: must use the existing key.
    const t2 = await get(sub, "/token", { cookie: sessionCookie(s) });
    assert.equal(t2.status, 200, fmt(t2));
    const subKid = JSON.parse(Buffer.from(t2.json.token.split(".")[0], "base64url")).kid;
    assert.equal(subKid, refKid, "both sign with the one key in the table");
    const [a, b] = [await jwks(sub), await jwks(ref)];
    assert.deepEqual(a, b);
    assert.equal(a.keys.length, 1);
    assert.equal(dbRows(db, "select count(*) n from jwks")[0].n, 1);
  });
  test("stop both", async () => {
    await Promise.all([stop(sub), stop(ref)]);
  });
});

describe("one file, both servers: users, passwords, sessions, JWTs, concurrency", () => {
  const db = dirs.file("shared.db");
  let sub;
  let ref;
  const users = {};

  test("start both on one file", async () => {
    sub = await start("ba-issuer", db);
    ref = await start("ref", db);
  });

  test("sign up on each server", async () => {
    const a = await post(ref, "/sign-up/email", { name: "Made By BA", email: "by-ba@example.com", password: "shared secret pw 1" });
    assert.equal(a.status, 200, `Better Auth sign-up: ${fmt(a)}`);
    const b = await post(sub, "/sign-up/email", { name: "Made By Issuer", email: "by-issuer@example.com", password: "shared secret pw 2" });
    assert.equal(b.status, 200, `ba-issuer sign-up: ${fmt(b)}`);
    users.ba = { ...a.json.user, password: "shared secret pw 1" };
    users.issuer = { ...b.json.user, password: "shared secret pw 2" };
    // Storage format written by ba-issuer equals Better Auth's.
    const rows = dbRows(db, `select u.email, u.emailVerified, typeof(u.emailVerified) tv, u.createdAt, typeof(u.createdAt) tc, a.providerId, a.accountId = u.id same, a.password
                            from user u join account a on a.userId = u.id order by u.email`);
    assert.equal(rows.length, 2);
    for (const r of rows) {
      assert.equal(r.emailVerified, 0);
      assert.equal(r.tv, "integer");
      assert.equal(r.tc, "text");
      assert.match(r.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.equal(r.providerId, "credential");
      assert.equal(r.same, 1);
      assert.match(r.password, /^[0-9a-f]{32}:[0-9a-f]{128}$/, `password hash format for ${r.email}`);
    }
  });

  test("duplicate email across servers → 422 on both", async () => {
    const a = await post(ref, "/sign-up/email", { name: "x", email: "by-issuer@example.com", password: "whatever pw 9" });
    assert.equal(a.status, 422, fmt(a));
    const b = await post(sub, "/sign-up/email", { name: "x", email: "BY-BA@example.com", password: "whatever pw 9" });
    assert.equal(b.status, 422, fmt(b));
    assert.deepEqual(b.json, { message: "User already exists. Use another email.", code: "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL" });
  });

  test("sign in on the other server with the same password (hash compatibility)", async () => {
    const a = await post(sub, "/sign-in/email", { email: users.ba.email, password: users.ba.password });
    assert.equal(a.status, 200, `ba-issuer sign-in of a Better Auth user: ${fmt(a)}`);
    assert.equal(a.json.user.id, users.ba.id);
    const b = await post(ref, "/sign-in/email", { email: users.issuer.email, password: users.issuer.password });
    assert.equal(b.status, 200, `Better Auth sign-in of a ba-issuer user: ${fmt(b)}`);
    assert.equal(b.json.user.id, users.issuer.id);
    const { password: _pw, ...issuerUser } = users.issuer;
    assert.deepEqual(b.json.user, issuerUser, "Better Auth returns the ba-issuer-made user unchanged");
    const wrongA = await post(sub, "/sign-in/email", { email: users.ba.email, password: "not the password" });
    assert.equal(wrongA.status, 401);
    const wrongB = await post(ref, "/sign-in/email", { email: users.issuer.email, password: "not the password" });
    assert.equal(wrongB.status, 401);
    users.ba.cookieFromIssuer = sessionCookie(a);
    users.issuer.cookieFromBA = sessionCookie(b);
    users.issuer.bearerFromBA = b.headers["set-auth-token"];
  });

  test("NFKC password made on Better Auth signs in on ba-issuer (and back)", async () => {
    const a = await post(ref, "/sign-up/email", { name: "N", email: "nfkc-ba@example.com", password: "\u212Bngstr\u00F6m pw" });
    assert.equal(a.status, 200, fmt(a));
    const b = await post(sub, "/sign-in/email", { email: "nfkc-ba@example.com", password: "\u00C5ngstr\u00F6m pw" });
    assert.equal(b.status, 200, `ba-issuer must NFKC-normalise: ${fmt(b)}`);
    const c = await post(sub, "/sign-up/email", { name: "N2", email: "nfkc-issuer@example.com", password: "\uFF21\uFF22\uFF23 fullwidth" });
    assert.equal(c.status, 200, fmt(c));
    const d = await post(ref, "/sign-in/email", { email: "nfkc-issuer@example.com", password: "ABC fullwidth" });
    assert.equal(d.status, 200, `Better Auth sign-in with the NFKC form: ${fmt(d)}`);
  });

  test("a session cookie made by either server is accepted by the other's /get-session and /token", async () => {
    for (const [label, maker, reader, cookie, user] of [
      ["ba-issuer cookie on Better Auth", sub, ref, users.ba.cookieFromIssuer, users.ba],
      ["Better Auth cookie on ba-issuer", ref, sub, users.issuer.cookieFromBA, users.issuer],
    ]) {
      assert.ok(cookie, `${label}: cookie present`);
      const gs = await get(reader, "/get-session", { cookie });
      assert.equal(gs.status, 200, `${label}: ${fmt(gs)}`);
      assert.ok(gs.json, `${label}: session not null`);
      assert.equal(gs.json.user.id, user.id, label);
      assert.ok(gs.headers["set-auth-jwt"], `${label}: set-auth-jwt`);
      const tk = await get(reader, "/token", { cookie });
      assert.equal(tk.status, 200, `${label}: ${fmt(tk)}`);
      // Both sides describe the session identically.
      const gs2 = await get(maker, "/get-session", { cookie });
      assert.deepEqual(gs.json, gs2.json, `${label}: same session body from both`);
    }
    const br = await get(sub, "/token", { authorization: `Bearer ${users.issuer.bearerFromBA}` });
    assert.equal(br.status, 200, `Better Auth's set-auth-token as bearer on ba-issuer: ${fmt(br)}`);
  });

  test("the JWKS are identical and a JWT from either verifies against the other's JWKS", async () => {
    const [a, b] = [await jwks(sub), await jwks(ref)];
    assert.deepEqual(a, b);
    assert.equal(a.keys.length, 1);
    const tSub = await get(sub, "/token", { cookie: users.ba.cookieFromIssuer });
    const tRef = await get(ref, "/token", { cookie: users.ba.cookieFromIssuer });
    assert.equal(tSub.status, 200, fmt(tSub));
    assert.equal(tRef.status, 200, fmt(tRef));
    const r1 = await jwtVerify(tSub.json.token, createLocalJWKSet(b), { issuer: sub.origin, audience: sub.origin });
    const r2 = await jwtVerify(tRef.json.token, createLocalJWKSet(a), { issuer: ref.origin, audience: ref.origin });
    assert.equal(r1.protectedHeader.kid, r2.protectedHeader.kid);
    // Same claims apart from iat/exp and the origin.
    const strip = ({ iat, exp, iss, aud, ...rest }) => rest;
    assert.deepEqual(strip(r1.payload), strip(r2.payload));
    assert.equal(dbRows(db, "select count(*) n from jwks")[0].n, 1);
  });

  test("sign-out on one server ends the session on the other", async () => {
    const cookie = users.ba.cookieFromIssuer;
    const so = await post(ref, "/sign-out", {}, { cookie, origin: ref.origin });
    assert.equal(so.status, 200, fmt(so));
    const gs = await get(sub, "/get-session", { cookie });
    assert.equal(gs.text, "null");
    const tk = await get(sub, "/token", { cookie });
    assert.equal(tk.status, 401);
  });

  test("concurrent sign-ups on both servers; ba-issuer never fails; everyone signs in on both", async () => {
    const N = 20;
    const jobs = [];
    for (let i = 0; i < N; i++) {
      jobs.push(post(ref, "/sign-up/email", { name: `ba ${i}`, email: `c-ba-${i}@example.com`, password: `concurrent pw ${i}` }).then((r) => ({ side: "ba", i, r }), (e) => ({ side: "ba", i, e })));
      jobs.push(post(sub, "/sign-up/email", { name: `is ${i}`, email: `c-is-${i}@example.com`, password: `concurrent pw ${i}` }).then((r) => ({ side: "issuer", i, r }), (e) => ({ side: "issuer", i, e })));
    }
    const results = await Promise.all(jobs);
    const issuerFailures = results.filter((x) => x.side === "issuer" && (x.e || x.r.status !== 200));
    const baFailures = results.filter((x) => x.side === "ba" && (x.e || x.r.status !== 200));
    if (baFailures.length) {
      console.log(`# Better Auth sign-up failures under contention (allowed): ${baFailures.length}/${N}: ` +
        baFailures.map((x) => (x.e ? x.e.message : `${x.r.status} ${x.r.text.slice(0, 80)}`)).join(" | "));
    }
    assert.deepEqual(
      issuerFailures.map((x) => (x.e ? `#${x.i} ${x.e.message}` : `#${x.i} ${x.r.status} ${x.r.text.slice(0, 200)}`)),
      [],
      "every ba-issuer sign-up must succeed",
    );
    const created = results.filter((x) => !x.e && x.r.status === 200);
    // Afterwards every created user can sign in on both servers (sequentially: no contention now).
    const problems = [];
    for (const x of created) {
      const email = `c-${x.side === "ba" ? "ba" : "is"}-${x.i}@example.com`;
      for (const srv of [sub, ref]) {
        const r = await post(srv, "/sign-in/email", { email, password: `concurrent pw ${x.i}` });
        if (r.status !== 200) problems.push(`${email} on ${srv.kind}: ${fmt(r)}`);
      }
    }
    assert.deepEqual(problems, []);
    // Users that Better Auth failed to create must not exist half-made (user without account).
    const orphans = dbRows(db, `select u.email from user u left join account a on a.userId = u.id where a.id is null`);
    const orphanIssuer = orphans.filter((o) => o.email.startsWith("c-is-"));
    assert.deepEqual(orphanIssuer, [], "ba-issuer must never leave a user without its account");
    const count = dbRows(db, "select count(*) n from user where email like 'c-is-%'")[0].n;
    assert.equal(count, N);
  });

  test("stop both with exit code 0", async () => {
    await Promise.all([stop(sub), stop(ref)]);
  });
});
