// Redis secondary storage shared by the real Better Auth 1.7.25 and ba-issuer (issue 21): one
// throwaway redis-server and one SQLite file, Better Auth (ref-server.mjs, the official
// @better-auth/redis-storage adapter over ioredis) and ba-issuer with the same config file.
//   a. a session made on either works on the other (/get-session, /token verified with jose);
//   b. a sign-out on either is seen by the other at once;
//   c. the Redis contents after the same flow on each: key names, the session value's fields,
//      types and key order, the active-sessions list, TTLs; (c2) a password-reset verification
//      value, Redis only, asked on one server and consumed on the other;
//   d. list-sessions, revoke-session, revoke-other-sessions, revoke-sessions across both, and the
//      revoked-sessions-before tombstone; (d2) update-user refreshing the user in cached sessions;
//   e. session.storeSessionInDatabase: both stores written, a session made on one works on the
//      other, also from the database alone (a custom secondaryStorage.keyPrefix);
//      (e2) session.preserveSessionInDatabase: a sign-out keeps the row, expired;
//   f. rateLimit with secondary storage: one counter for both servers (given by --secondary-storage).
// Config keys: secondaryStorage.url, secondaryStorage.keyPrefix, session.storeSessionInDatabase,
// session.preserveSessionInDatabase, rateLimit.enabled, rateLimit.customRules.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { createLocalJWKSet, jwtVerify } from "jose";
import { startServer, tempDir, rawRequest, assertCleanExit, normalise, RE } from "./harness.mjs";
import { JSONCT, json, cookieOf, SESSION } from "./case-support.mjs";
import { startRedis } from "./redis-support.mjs";

const PW = "correct horse battery";
const UA = "redis-interop/1";
const WEEK_S = 604800;
const PREFIX = "better-auth:";
const dirs = tempDir("ba-redis-interop-");
const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
  dirs.remove();
});

// Redis, then ba-issuer (it makes the schema), then Better Auth, on one SQLite file and one config.
async function startSetup(name, config, extraArgs = () => []) {
  const redis = await startRedis();
  cleanup.push(() => redis.stop());
  const db = dirs.file(`${name}.db`);
  const file = dirs.file(`${name}.json`);
  writeFileSync(file, JSON.stringify(config(redis)));
  const opts = { db, extraArgs: ["--config", file, ...extraArgs(redis)] };
  const sub = await startServer("ba-issuer", opts);
  cleanup.push(() => sub.stop());
  const ref = await startServer("ref", opts);
  cleanup.push(() => ref.stop());
  return { redis, db, sub, ref };
}

function call(srv, method, path, { cookie, body, headers = {} } = {}) {
  return rawRequest(`${srv.base}${path}`, {
    method,
    headers: {
      "user-agent": UA,
      ...(body === undefined ? {} : JSONCT),
      ...(method === "GET" ? {} : { origin: srv.origin }),
      ...(cookie ? { cookie } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : json(body),
  });
}
const fmt = (srv, res) => `${srv.kind}: ${res.status} ${res.text.slice(0, 400)}`;

// Sign-up or sign-in on srv: { cookie, token, userId }.
async function enter(srv, kind, email) {
  const body = kind === "up" ? { name: email.split("@")[0], email, password: PW } : { email, password: PW };
  const res = await call(srv, "POST", `/sign-${kind}/email`, { body });
  assert.equal(res.status, 200, fmt(srv, res));
  const cookie = cookieOf(SESSION, res);
  assert.ok(cookie, `${srv.kind}: sign-${kind} sets ${SESSION}`);
  return { cookie, token: res.json.token, userId: res.json.user.id };
}

// get-session of `s` on srv: the answer's session token, or null (asserting 200 either way).
async function sessionOn(srv, s) {
  const res = await call(srv, "GET", "/get-session", { cookie: s.cookie });
  assert.equal(res.status, 200, fmt(srv, res));
  if (res.json === null) return null;
  assert.equal(res.json.user.id, s.userId, fmt(srv, res));
  return res.json.session.token;
}

// /token of `s` on srv, verified with jose against srv's /jwks (iss and aud = srv's origin).
async function verifiedToken(srv, s) {
  const res = await call(srv, "GET", "/token", { cookie: s.cookie });
  assert.equal(res.status, 200, fmt(srv, res));
  const keys = await call(srv, "GET", "/jwks");
  assert.equal(keys.status, 200, fmt(srv, keys));
  const { payload } = await jwtVerify(res.json.token, createLocalJWKSet(keys.json), { issuer: srv.origin, audience: srv.origin });
  assert.equal(payload.sub, s.userId);
  return payload;
}

async function assertSignedOut(srv, s, label) {
  assert.equal(await sessionOn(srv, s), null, `${label}: get-session on ${srv.kind}`);
  const t = await call(srv, "GET", "/token", { cookie: s.cookie });
  assert.equal(t.status, 401, `${label}: /token on ${fmt(srv, t)}`);
}

// A JSON value's shape: objects as [key, shape] pairs in their order, strings as date/id32/string.
function shape(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return v.map(shape);
  if (typeof v === "object") return Object.entries(v).map(([k, x]) => [k, shape(x)]);
  if (typeof v === "string") return RE.isoDate.test(v) ? "string:date" : RE.id32.test(v) ? "string:id32" : "string";
  return typeof v;
}

// The Redis value under key, JSON, written compact (JSON.stringify's bytes) and with a TTL close to
// floor((expiresAt - now) / 1000), Better Auth's getTTLSeconds.
async function jsonEntry(redis, key, expiresAtMs) {
  const { value, ttl } = await redis.entry(key);
  assert.ok(value !== null, `redis key ${key} missing`);
  const parsed = JSON.parse(value);
  assert.equal(value, JSON.stringify(parsed), `${key}: compact JSON`);
  const expected = Math.floor((expiresAtMs(parsed) - Date.now()) / 1000);
  assert.ok(Math.abs(ttl - expected) <= 1, `${key}: TTL ${ttl}, expected about ${expected}`);
  return { parsed, ttl };
}

const rowsOf = (file, sql, ...args) => {
  const conn = new Database(file, { readonly: true });
  try {
    return conn.prepare(sql).all(...args);
  } finally {
    conn.close();
  }
};

describe("Redis-only sessions (secondaryStorage.url), one Redis, one SQLite file", () => {
  let env;
  before(async () => {
    env = await startSetup("redis-only", (redis) => ({ secondaryStorage: { url: redis.url } }), () => ["--test-api"]);
  });

  test("a. a session made on Better Auth works on ba-issuer, and one made on ba-issuer on Better Auth", async () => {
    const { sub, ref } = env;
    for (const [maker, other, email] of [[ref, sub, "alice@example.com"], [sub, ref, "bob@example.com"]]) {
      for (const kind of ["up", "in"]) {
        const s = await enter(maker, kind, email);
        assert.ok(await env.redis.entry(PREFIX + s.token).then((e) => e.value), `${maker.kind}: ${PREFIX}<token> written`);
        assert.equal(await sessionOn(other, s), s.token, `sign-${kind} on ${maker.kind}, get-session on ${other.kind}`);
        await verifiedToken(other, s);
        await verifiedToken(maker, s);
      }
    }
    // No session row in SQL: the sessions live in Redis only.
    const tables = rowsOf(env.db, "SELECT name FROM sqlite_master WHERE type='table' AND name='session'");
    if (tables.length) assert.deepEqual(rowsOf(env.db, 'SELECT count(*) AS n FROM "session"'), [{ n: 0 }], "session table empty");
  });

  test("b. a sign-out on either server is seen by the other at once", async () => {
    const { sub, ref, redis } = env;
    for (const [out, other, email] of [[ref, sub, "alice@example.com"], [sub, ref, "bob@example.com"]]) {
      const s = await enter(other, "in", email);
      const keep = await enter(other, "in", email);
      assert.equal(await sessionOn(out, s), s.token);
      const res = await call(out, "POST", "/sign-out", { cookie: s.cookie, body: {} });
      assert.equal(res.status, 200, fmt(out, res));
      assert.deepEqual(res.json, { success: true });
      await assertSignedOut(other, s, `signed out on ${out.kind}`);
      await assertSignedOut(out, s, `signed out on ${out.kind}`);
      assert.equal((await redis.entry(PREFIX + s.token)).value, null, "the token's key is deleted");
      const list = JSON.parse((await redis.entry(`${PREFIX}active-sessions-${s.userId}`)).value);
      assert.ok(!list.some((e) => e.token === s.token), `sign-out on ${out.kind} drops the token from the list`);
      assert.ok(list.some((e) => e.token === keep.token), "the other session stays listed");
      assert.equal(await sessionOn(other, keep), keep.token, "the user's other session lives on");
    }
  });

  test("c. the Redis contents after the same flow on each server: keys, value fields, types, order, TTLs", async () => {
    const { redis } = env;
    const seen = {};
    for (const [srv, email] of [[env.ref, "carol@example.com"], [env.sub, "dan@example.com"]]) {
      await redis.flush();
      const first = await enter(srv, "up", email);
      const second = await enter(srv, "in", email);
      assert.equal(await sessionOn(srv, first), first.token);
      const uid = first.userId;
      const keys = await redis.keys();
      assert.deepEqual(keys, [`${PREFIX}active-sessions-${uid}`, PREFIX + first.token, PREFIX + second.token].sort(), `${srv.kind}: keys`);
      const values = [];
      for (const s of [first, second]) {
        const { parsed, ttl } = await jsonEntry(redis, PREFIX + s.token, (v) => Date.parse(v.session.expiresAt));
        assert.ok(ttl <= WEEK_S && ttl > WEEK_S - 60, `${srv.kind}: session TTL ${ttl}`);
        assert.equal(parsed.session.token, s.token);
        assert.equal(parsed.session.userId, uid);
        assert.equal(parsed.user.id, uid);
        assert.equal(parsed.user.email, email);
        assert.equal(parsed.session.ipAddress, "127.0.0.1");
        assert.equal(parsed.session.userAgent, UA);
        const life = Date.parse(parsed.session.expiresAt) - Date.parse(parsed.session.createdAt);
        assert.ok(Math.abs(life - WEEK_S * 1000) < 1000, `${srv.kind}: expiresAt - createdAt = ${life} ms`);
        values.push(parsed);
      }
      const list = await jsonEntry(redis, `${PREFIX}active-sessions-${uid}`, (v) => Math.max(...v.map((e) => e.expiresAt)));
      assert.deepEqual(list.parsed, values.map((v) => ({ token: v.session.token, expiresAt: Date.parse(v.session.expiresAt) })),
        `${srv.kind}: active-sessions = [{token, expiresAt (ms)}] in ascending expiresAt`);
      seen[srv.kind] = { value: shape(values[0]), list: shape(list.parsed), sessionKeys: Object.keys(values[0].session), userKeys: Object.keys(values[0].user) };
    }
    // Better Auth's own layout (Redis-only mode): the createSession literal, the user row with id last.
    assert.deepEqual(seen.ref.sessionKeys, ["id", "ipAddress", "userAgent", "expiresAt", "userId", "token", "createdAt", "updatedAt"]);
    assert.deepEqual(seen.ref.userKeys, ["name", "email", "emailVerified", "image", "createdAt", "updatedAt", "id"]);
    const sub = seen[env.sub.kind];
    assert.deepEqual(sub.sessionKeys, seen.ref.sessionKeys, "session fields and their order");
    assert.deepEqual(sub.userKeys, seen.ref.userKeys, "user fields and their order");
    assert.deepEqual(sub.value, seen.ref.value, "session value: fields, types, order");
    assert.deepEqual(sub.list, seen.ref.list, "active-sessions list");
  });

  test("c2. verification values: a reset token asked on one server, in Redis only, is consumed on the other", async () => {
    const { redis } = env;
    const seen = {};
    for (const [srv, other, email] of [[env.ref, env.sub, "carol@example.com"], [env.sub, env.ref, "dan@example.com"]]) {
      const res = await call(srv, "POST", "/request-password-reset", { body: { email } });
      assert.equal(res.status, 200, fmt(srv, res));
      const keys = await redis.keys(`${PREFIX}verification:`);
      assert.equal(keys.length, 1, `${srv.kind}: one verification key: ${keys}`);
      assert.match(keys[0], /^better-auth:verification:reset-password:[A-Za-z0-9]{24}$/, srv.kind);
      const token = keys[0].split(":").at(-1);
      const { parsed, ttl } = await jsonEntry(redis, keys[0], (v) => Date.parse(v.expiresAt));
      assert.ok(ttl <= 3600 && ttl > 3600 - 60, `${srv.kind}: verification TTL ${ttl}`);
      assert.equal(parsed.identifier, `reset-password:${token}`);
      seen[srv.kind] = { keys: Object.keys(parsed), value: shape(parsed) };
      const reset = await call(other, "POST", "/reset-password", { body: { newPassword: `${PW} 2`, token } });
      assert.equal(reset.status, 200, `reset on ${fmt(other, reset)}`);
      assert.deepEqual(await redis.keys(`${PREFIX}verification:`), [], "consumed: the key is gone");
      const signIn = await call(srv, "POST", "/sign-in/email", { body: { email, password: `${PW} 2` } });
      assert.equal(signIn.status, 200, fmt(srv, signIn));
    }
    const tables = rowsOf(env.db, "SELECT name FROM sqlite_master WHERE type='table' AND name='verification'");
    if (tables.length) assert.deepEqual(rowsOf(env.db, 'SELECT count(*) AS n FROM "verification"'), [{ n: 0 }], "verification table unused");
    // Better Auth's layout in Redis-only mode: no id.
    assert.deepEqual(seen.ref.keys, ["createdAt", "updatedAt", "value", "identifier", "expiresAt"]);
    assert.deepEqual(seen[env.sub.kind].keys, seen.ref.keys, "verification value: fields and order");
    assert.deepEqual(seen[env.sub.kind].value, seen.ref.value, "verification value: fields, types, order");
  });

  test("d. list-sessions, revoke-session, revoke-other-sessions and revoke-sessions seen across both", async () => {
    const { sub, ref, redis } = env;
    await enter(ref, "up", "erin@example.com");
    const s1 = await enter(ref, "in", "erin@example.com");
    const s2 = await enter(ref, "in", "erin@example.com");
    const s3 = await enter(sub, "in", "erin@example.com");
    const listOn = async (srv, s) => {
      const res = await call(srv, "GET", "/list-sessions", { cookie: s.cookie });
      assert.equal(res.status, 200, fmt(srv, res));
      return res.json;
    };
    const fromRef = await listOn(ref, s1);
    const fromSub = await listOn(sub, s3);
    assert.deepEqual(fromSub, fromRef, "list-sessions: the same answer from both");
    for (const s of [s1, s2, s3]) assert.ok(fromRef.some((x) => x.token === s.token), `listed: ${s.token.slice(0, 4)}…`);
    assert.deepEqual(normalise(fromSub), normalise(fromRef));

    let res = await call(sub, "POST", "/revoke-session", { cookie: s1.cookie, body: { token: s2.token } });
    assert.equal(res.status, 200, fmt(sub, res));
    assert.deepEqual(res.json, { status: true });
    assert.equal(await sessionOn(ref, s2), null, "revoke-session on ba-issuer: Better Auth's session gone");
    assert.equal(await sessionOn(ref, s1), s1.token);

    res = await call(ref, "POST", "/revoke-other-sessions", { cookie: s1.cookie, body: {} });
    assert.equal(res.status, 200, fmt(ref, res));
    assert.equal(await sessionOn(sub, s3), null, "revoke-other-sessions on Better Auth: ba-issuer's session gone");
    assert.equal(await sessionOn(sub, s1), s1.token, "the current session stays");
    assert.deepEqual((await listOn(sub, s1)).map((x) => x.token), [s1.token]);
    assert.deepEqual((await listOn(ref, s1)).map((x) => x.token), [s1.token]);

    // revoke-sessions on each server, for a user of its own: the same keys are left behind.
    for (const [srv, other, email] of [[ref, sub, "erin@example.com"], [sub, ref, "fay@example.com"]]) {
      if (srv === sub) await enter(sub, "up", email);
      const a = srv === ref ? s1 : await enter(other, "in", email);
      const b = await enter(srv, "in", email);
      res = await call(srv, "POST", "/revoke-sessions", { cookie: b.cookie, body: {} });
      assert.equal(res.status, 200, fmt(srv, res));
      assert.deepEqual(res.json, { status: true });
      for (const s of [a, b]) await assertSignedOut(other, s, `revoke-sessions on ${srv.kind}`);
      const keys = (await redis.keys()).filter((k) => k.includes(a.userId) || k === PREFIX + a.token || k === PREFIX + b.token);
      assert.deepEqual(keys, [`${PREFIX}revoked-sessions-before-${a.userId}`], `${srv.kind}: keys left for the user`);
      const tomb = await redis.entry(keys[0]);
      assert.match(tomb.value, /^\d{13}$/, "revoked-sessions-before: ms epoch as decimal");
      // Written with TTL max(session.expiresIn, 1 day) at the revocation time the value holds.
      const expected = Math.floor((Number(tomb.value) + WEEK_S * 1000 - Date.now()) / 1000);
      assert.ok(Math.abs(tomb.ttl - expected) <= 1, `${srv.kind}: tombstone TTL ${tomb.ttl}, expected about ${expected}`);
      // A new session after the revocation works on both.
      const fresh = await enter(other, "in", email);
      assert.equal(await sessionOn(srv, fresh), fresh.token, `a session after revoke-sessions on ${srv.kind}`);
    }
  });

  test("d2. update-user on either server rewrites the user in every cached session of that user", async () => {
    const { sub, ref, redis } = env;
    await enter(ref, "up", "gil@example.com");
    const onRef = await enter(ref, "in", "gil@example.com");
    const onSub = await enter(sub, "in", "gil@example.com");
    for (const [srv, other, name] of [[sub, ref, "Gil Two"], [ref, sub, "Gil Three"]]) {
      const before = {};
      for (const s of [onRef, onSub]) before[s.token] = JSON.parse((await redis.entry(PREFIX + s.token)).value);
      const res = await call(srv, "POST", "/update-user", { cookie: (srv === ref ? onRef : onSub).cookie, body: { name } });
      assert.equal(res.status, 200, fmt(srv, res));
      for (const s of [onRef, onSub]) {
        const { parsed } = await jsonEntry(redis, PREFIX + s.token, (v) => Date.parse(v.session.expiresAt));
        assert.equal(parsed.user.name, name, `${srv.kind}'s update-user: the cached user of ${s.token.slice(0, 4)}…`);
        assert.deepEqual(parsed.session, before[s.token].session, "the cached session itself is kept as it was");
        assert.deepEqual(Object.keys(parsed.user), Object.keys(before[s.token].user), "user fields and order kept");
      }
      const seen = await call(other, "GET", "/get-session", { cookie: (other === ref ? onRef : onSub).cookie });
      assert.equal(seen.json?.user?.name, name, `get-session on ${fmt(other, seen)}`);
    }
  });

  test("stop both", async () => {
    for (const s of [env.sub, env.ref]) assertCleanExit(s, await s.stop());
  });
});

describe("session.storeSessionInDatabase: true, secondaryStorage.keyPrefix \"interop:\"", () => {
  const prefix = "interop:";
  let env;
  before(async () => {
    env = await startSetup("store-in-db", (redis) => ({
      secondaryStorage: { url: redis.url, keyPrefix: prefix },
      session: { storeSessionInDatabase: true },
    }));
  });

  test("e. both stores written; a session made on one works on the other, also from the database alone", async () => {
    const { sub, ref, redis, db } = env;
    const seen = {};
    for (const [maker, other, email] of [[ref, sub, "gus@example.com"], [sub, ref, "hal@example.com"]]) {
      const s = await enter(maker, "up", email);
      const rows = rowsOf(db, 'SELECT id, token, userId FROM "session" WHERE token = ?', s.token);
      assert.equal(rows.length, 1, `${maker.kind}: one session row`);
      const { parsed } = await jsonEntry(redis, prefix + s.token, (v) => Date.parse(v.session.expiresAt));
      assert.equal(parsed.session.id, rows[0].id, `${maker.kind}: the same session id in Redis and SQL`);
      assert.ok((await redis.entry(`${prefix}active-sessions-${s.userId}`)).value, "active-sessions list under the prefix");
      assert.ok(!(await redis.keys(PREFIX)).length, "nothing under the default prefix");
      seen[maker.kind] = { value: shape(parsed), sessionKeys: Object.keys(parsed.session) };

      assert.equal(await sessionOn(other, s), s.token, `made on ${maker.kind}, read on ${other.kind}`);
      await verifiedToken(other, s);
      // Without its Redis key, the database row still serves the session (Better Auth's fallback).
      await redis.client.del(prefix + s.token);
      assert.equal(await sessionOn(other, s), s.token, `${other.kind}: from the database alone`);
      assert.equal(await sessionOn(maker, s), s.token, `${maker.kind}: from the database alone`);

      const again = await enter(other, "in", email);
      const out = await call(maker, "POST", "/sign-out", { cookie: again.cookie, body: {} });
      assert.equal(out.status, 200, fmt(maker, out));
      await assertSignedOut(other, again, `sign-out on ${maker.kind}`);
      assert.equal(rowsOf(db, 'SELECT count(*) AS n FROM "session" WHERE token = ?', again.token)[0].n, 0, "row deleted");
      assert.equal((await redis.entry(prefix + again.token)).value, null, "key deleted");
    }
    // Better Auth writes the database row: schema order with id last.
    assert.deepEqual(seen.ref.sessionKeys, ["expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId", "id"]);
    assert.deepEqual(seen[sub.kind].sessionKeys, seen.ref.sessionKeys, "session fields and order (database mode)");
    assert.deepEqual(seen[sub.kind].value, seen.ref.value, "session value: fields, types, order (database mode)");
  });

  test("stop both", async () => {
    for (const s of [env.sub, env.ref]) assertCleanExit(s, await s.stop());
  });
});

describe("rate limits counted together in Redis (--secondary-storage, rateLimit.customRules)", () => {
  const TOO_MANY = { message: "Too many requests. Please try again later." };
  const WINDOW = 15;
  let env;
  before(async () => {
    env = await startSetup("rate-limit",
      () => ({ rateLimit: { enabled: true, customRules: { "/sign-in/email": { window: WINDOW, max: 3 } } } }),
      (redis) => ["--secondary-storage", redis.url]);
    const made = await call(env.sub, "POST", "/sign-up/email", { body: { name: "Ivy", email: "ivy@example.com", password: PW } });
    assert.equal(made.status, 200, fmt(env.sub, made));
  });

  test("f. sign-ins spread over both servers share one counter: the 4th is 429 wherever it lands", async () => {
    const { sub, ref, redis } = env;
    const key = `${PREFIX}127.0.0.1|/sign-in/email`;
    const wrong = (srv) => call(srv, "POST", "/sign-in/email", { body: { email: "ivy@example.com", password: "wrong password" } });
    const started = Date.now();
    for (const [i, srv] of [sub, ref, sub].entries()) {
      const r = await wrong(srv);
      assert.equal(r.status, 401, `attempt ${i + 1}: ${fmt(srv, r)}`);
      assert.equal((await redis.entry(key)).value, String(i + 1), `counter after attempt ${i + 1} (on ${srv.kind})`);
    }
    for (const [i, srv] of [ref, sub].entries()) {
      const r = await call(srv, "POST", "/sign-in/email", { body: { email: "ivy@example.com", password: PW } });
      assert.equal(r.status, 429, `attempt ${i + 4}: ${fmt(srv, r)}`);
      assert.deepEqual(r.json, TOO_MANY, srv.kind);
      assert.equal(r.headers["x-retry-after"], String(WINDOW), `${srv.kind}: X-Retry-After is the rule's window`);
    }
    const { value, ttl } = await redis.entry(key);
    assert.equal(value, "5", "every request counted, the refused ones too (INCR)");
    // Set once, at the first request, to the custom rule's window (not the default 10 s).
    const expected = WINDOW - Math.floor((Date.now() - started) / 1000);
    assert.ok(Math.abs(ttl - expected) <= 1, `counter TTL ${ttl}, expected about ${expected}: the custom window, set once`);
    // No counter in SQL.
    const table = rowsOf(env.db, "SELECT name FROM sqlite_master WHERE type='table' AND name='rateLimit'");
    if (table.length) assert.deepEqual(rowsOf(env.db, 'SELECT count(*) AS n FROM "rateLimit"'), [{ n: 0 }], "rateLimit table unused");
  });

  test("stop both", async () => {
    for (const s of [env.sub, env.ref]) assertCleanExit(s, await s.stop());
  });
});

describe("session.preserveSessionInDatabase: true (with storeSessionInDatabase)", () => {
  let env;
  before(async () => {
    env = await startSetup("preserve", (redis) => ({
      secondaryStorage: { url: redis.url },
      session: { storeSessionInDatabase: true, preserveSessionInDatabase: true },
    }));
  });

  test("e2. a sign-out on either server ends the session everywhere but keeps its row, expired", async () => {
    const { sub, ref, redis, db } = env;
    for (const [maker, out, email] of [[ref, sub, "jo@example.com"], [sub, ref, "kim@example.com"]]) {
      const s = await enter(maker, "up", email);
      assert.equal(await sessionOn(out, s), s.token);
      const res = await call(out, "POST", "/sign-out", { cookie: s.cookie, body: {} });
      assert.equal(res.status, 200, fmt(out, res));
      await assertSignedOut(maker, s, `sign-out on ${out.kind}`);
      assert.equal((await redis.entry(PREFIX + s.token)).value, null, "key deleted");
      const rows = rowsOf(db, 'SELECT expiresAt FROM "session" WHERE token = ?', s.token);
      assert.equal(rows.length, 1, `sign-out on ${out.kind}: the row is preserved`);
      const ends = typeof rows[0].expiresAt === "number" ? rows[0].expiresAt : Date.parse(rows[0].expiresAt);
      assert.ok(ends <= Date.now(), `sign-out on ${out.kind}: the preserved row is expired (${rows[0].expiresAt})`);
      // Not served from the preserved row either, even without the Redis key.
      await assertSignedOut(out, s, `preserved row on ${out.kind}`);
    }
  });

  test("stop both", async () => {
    for (const s of [env.sub, env.ref]) assertCleanExit(s, await s.stop());
  });
});
