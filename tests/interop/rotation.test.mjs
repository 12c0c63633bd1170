// Key rotation ahead of time, ba-issuer beside a real Better Auth 1.7.25 on ONE SQLite file, one secret
// (issue 7). Both rotate every 3 s: ba-issuer with --rotation-interval 3, Better Auth with
// jwt({ jwks: { rotationInterval: 3 } }) (ref-server.mjs reads BA_ROTATION_INTERVAL).
// The standby lead time is min(--jwks-max-age 300 s, interval / 2) = 1.5 s.
//
// While both run, /token is polled on each server every ~50 ms (sessions made on either server) and
// /jwks of each every ~100 ms. Every request is bracketed by its send and receive times, so a token was
// signed, and a JWKS answer made, inside its bracket. Checked:
// - every token verifies (jose) against the OTHER server's JWKS fetched afterwards;
// - every token is signed with the key Better Auth's rule names at that moment (newest live row by
//   createdAt), whenever that key is the same at both ends of the token's bracket;
// - every kid that signs, except the one active when the run began, was in a JWKS snapshot at least the
//   lead time before its first signature (minus 200 ms of snapshot granularity), on the other server's
//   JWKS where that server was observed before the key appeared, else on any;
// - Better Auth never makes a key of its own: every jwks row is recorded in ba_issuer_key or predates
//   ba-issuer; one key per interval (expiresAt values exactly one interval apart, row count bounded);
// - ba-issuer's JWKS max-age is no longer than the lead time.
// Scenario 1: ba-issuer first on an empty file. Scenario 2: Better Auth first makes a key with an
// expiresAt; ba-issuer joins, signs with it until it expires, and writes the standby both switch to.

import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { createLocalJWKSet, jwtVerify } from "jose";
import { startServer, tempDir, rawRequest, parseSetCookie, decodeJwt } from "./harness.mjs";

const INTERVAL_S = 3;
const INTERVAL_MS = INTERVAL_S * 1000;
const LEAD_MS = INTERVAL_MS / 2; // --jwks-max-age defaults to 300 s, capped at half the interval
const SNAPSHOT_SLACK_MS = 200;
const TOKEN_EVERY_MS = 50;
const SNAPSHOT_EVERY_MS = 100;
const SESSION = "better-auth.session_token";
const JSONCT = { "content-type": "application/json" };

const dirs = tempDir("ba-rotation-");
const running = new Set();

after(async () => {
  await Promise.all([...running].map((s) => s.stop()));
  dirs.remove();
});

async function startIssuer(db) {
  const s = await startServer("ba-issuer", { db, extraArgs: ["--rotation-interval", String(INTERVAL_S)] });
  running.add(s);
  return s;
}
async function startRef(db) {
  const s = await startServer("ref", { db, env: { BA_ROTATION_INTERVAL: String(INTERVAL_S) } });
  running.add(s);
  return s;
}
async function stop(s) {
  const r = await s.stop();
  running.delete(s);
  assert.deepEqual(r, { code: 0, signal: null }, `${s.kind} exit; stderr:\n${tail(s)}`);
}
const tail = (s) => s.stderr().split("\n").slice(-30).join("\n");

const post = (srv, path, body) =>
  rawRequest(`${srv.base}${path}`, { method: "POST", headers: JSONCT, body: JSON.stringify(body) });
const get = (srv, path, headers = {}) => rawRequest(`${srv.base}${path}`, { headers });
const fmt = (res) => `${res.status} ${res.text.slice(0, 300)}`;

async function signUp(srv, email) {
  const r = await post(srv, "/sign-up/email", { name: email, email, password: `password of ${email}` });
  assert.equal(r.status, 200, `${srv.kind} sign-up: ${fmt(r)}`);
  for (const sc of r.setCookies) {
    const c = parseSetCookie(sc);
    if (c.name === SESSION && c.value) return `${SESSION}=${c.value}`;
  }
  throw new Error(`${srv.kind} sign-up set no session cookie`);
}

function dbRows(file, sql) {
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 10000 });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}
/** The jwks rows with times in ms: { id, createdAt, expiresAt (null or ms) }. */
function jwksRows(file) {
  return dbRows(file, `select id, createdAt, expiresAt from jwks`).map((r) => ({
    id: r.id,
    createdAt: Date.parse(r.createdAt),
    expiresAt: r.expiresAt === null ? null : Date.parse(r.expiresAt),
  }));
}
/** ba-issuer's own records: Map id -> { createdAt ms, revokedAt }. */
function issuerRecords(file) {
  const table = dbRows(file, `select name from sqlite_master where type='table' and name='ba_issuer_key'`);
  assert.equal(table.length, 1, "ba-issuer's table ba_issuer_key exists");
  return new Map(dbRows(file, `select id, createdAt, revokedAt from ba_issuer_key`).map((r) => [r.id, { createdAt: Date.parse(r.createdAt), revokedAt: r.revokedAt }]));
}

/**
 * Better Auth's signing rule: the newest live row by createdAt (live: expiresAt NULL or > t), among the rows
 * that existed at t (`existedAt(row)`: its true creation time; a standby's createdAt is back-dated).
 */
function signerAt(rows, t, existedAt = (r) => r.createdAt) {
  let best = null;
  for (const r of rows) {
    if (existedAt(r) > t) continue;
    if (r.expiresAt !== null && !(r.expiresAt > t)) continue;
    if (!best || r.createdAt > best.createdAt) best = r;
  }
  return best?.id ?? null;
}

/** Polls /token and /jwks of the servers it is given until stopped; records everything with its bracket. */
class Observer {
  constructor() {
    this.tokens = []; // { server, token, kid, sentAt, receivedAt }
    this.snapshots = []; // { server, kids, sentAt, receivedAt, cacheControl }
    this.failures = [];
    this.cookies = [];
    this.loops = [];
    this.stopped = false;
  }
  watchJwks(srv, label) {
    this.loops.push(this.#loop(SNAPSHOT_EVERY_MS, async () => {
      const sentAt = Date.now();
      const r = await get(srv, "/jwks");
      const receivedAt = Date.now();
      if (r.status !== 200 || !Array.isArray(r.json?.keys)) return this.failures.push(`${label} /jwks: ${fmt(r)}`);
      this.snapshots.push({ server: label, kids: r.json.keys.map((k) => k.kid), sentAt, receivedAt, cacheControl: r.headers["cache-control"] });
    }, label));
  }
  pollTokens(srv, label) {
    let i = 0;
    this.loops.push(this.#loop(TOKEN_EVERY_MS, async () => {
      const cookie = this.cookies[i++ % this.cookies.length];
      const sentAt = Date.now();
      const r = await get(srv, "/token", { cookie });
      const receivedAt = Date.now();
      if (r.status !== 200 || typeof r.json?.token !== "string") return this.failures.push(`${label} /token: ${fmt(r)}`);
      this.tokens.push({ server: label, token: r.json.token, kid: decodeJwt(r.json.token).header.kid, sentAt, receivedAt });
    }, label));
  }
  async #loop(everyMs, step, label) {
    while (!this.stopped) {
      try {
        await step();
      } catch (e) {
        this.failures.push(`${label}: ${e.message}`);
      }
      await sleep(everyMs);
    }
  }
  async stop() {
    this.stopped = true;
    await Promise.all(this.loops);
  }
}

/**
 * Publication-to-first-signature per (kid, signing server), excluding `initialKids`.
 * Publication on the other server: its first snapshot with the kid, unless the kid was already in that
 * server's first snapshot (the server was not observed before the key existed): then the kid's first
 * appearance in any snapshot. Returns [{ kid, server, firstSigned, publishedAt, leadMs, seenOn }].
 */
function leads(obs, initialKids) {
  const firstSnap = new Map(); // server -> receivedAt of its first snapshot
  const seen = new Map(); // `${server}|${kid}` or `*|${kid}` -> first receivedAt
  const note = (k, t) => { if (!seen.has(k) || seen.get(k) > t) seen.set(k, t); };
  for (const s of obs.snapshots) {
    if (!firstSnap.has(s.server) || firstSnap.get(s.server) > s.receivedAt) firstSnap.set(s.server, s.receivedAt);
    for (const kid of s.kids) {
      note(`${s.server}|${kid}`, s.receivedAt);
      note(`*|${kid}`, s.receivedAt);
    }
  }
  const firstSigned = new Map(); // `${server}|${kid}` -> sentAt
  for (const t of obs.tokens) {
    const k = `${t.server}|${t.kid}`;
    if (!firstSigned.has(k) || firstSigned.get(k) > t.sentAt) firstSigned.set(k, t.sentAt);
  }
  const servers = [...new Set(obs.tokens.map((t) => t.server))];
  const out = [];
  for (const [k, signedAt] of firstSigned) {
    const [server, kid] = k.split("|");
    if (initialKids.has(kid)) continue;
    const other = servers.find((s) => s !== server) ?? server;
    const onOther = seen.get(`${other}|${kid}`);
    const useOther = onOther !== undefined && onOther > firstSnap.get(other);
    const publishedAt = useOther ? onOther : seen.get(`*|${kid}`);
    out.push({ kid, server, firstSigned: signedAt, publishedAt, leadMs: publishedAt === undefined ? null : signedAt - publishedAt, seenOn: useOther ? other : "any" });
  }
  return out.sort((a, b) => a.firstSigned - b.firstSigned);
}

/** Checks shared by both scenarios; `ctx`: { t, obs, db, servers: {label: srv}, initialKids, preexisting, rowsAtStart }. */
async function checkRun({ t, obs, db, servers, initialKids, preexisting, rowsAtStart }) {
  assert.deepEqual(obs.failures, [], "every /token and /jwks request answered 200");
  const labels = Object.keys(servers);
  for (const l of labels) assert.ok(obs.tokens.filter((x) => x.server === l).length >= 20, `${l} signed tokens during the run`);

  const rows = jwksRows(db);
  const records = issuerRecords(db);
  const existedAt = (r) => records.get(r.id)?.createdAt ?? r.createdAt;
  const endAt = Date.now();

  // Every token verifies against the other server's JWKS fetched now.
  const sets = {};
  for (const l of labels) {
    const r = await get(servers[l], "/jwks");
    assert.equal(r.status, 200, fmt(r));
    sets[l] = createLocalJWKSet(r.json);
  }
  const unverified = [];
  for (const tk of obs.tokens) {
    const other = labels.find((l) => l !== tk.server);
    const iss = servers[tk.server].origin;
    try {
      await jwtVerify(tk.token, sets[other], { issuer: iss, audience: iss, algorithms: ["EdDSA"] });
    } catch (e) {
      unverified.push(`${tk.server} kid ${tk.kid}: ${e.code ?? e.message}`);
    }
  }
  assert.deepEqual(unverified.slice(0, 10), [], `${unverified.length} of ${obs.tokens.length} tokens do not verify against the other server's JWKS`);

  // Every token is signed with the key Better Auth's rule names, when the rule names one key across its bracket.
  const rowIds = new Set(rows.map((r) => r.id));
  const wrongKey = [];
  let ruled = 0;
  for (const tk of obs.tokens) {
    assert.ok(rowIds.has(tk.kid), `${tk.server} signed with kid ${tk.kid}, which is not a jwks row`);
    const [a, b] = [signerAt(rows, tk.sentAt, existedAt), signerAt(rows, tk.receivedAt, existedAt)];
    if (a !== b) continue;
    ruled++;
    if (tk.kid !== a) wrongKey.push(`${tk.server} at ${new Date(tk.sentAt).toISOString()}: ${tk.kid}, rule says ${a}`);
  }
  assert.deepEqual(wrongKey.slice(0, 10), [], `${wrongKey.length} tokens signed with another key than the newest live one`);
  assert.ok(ruled >= obs.tokens.length / 2, `most tokens fall between key changes (${ruled}/${obs.tokens.length})`);

  // Publication precedes the first signature by the lead time.
  const ls = leads(obs, initialKids);
  for (const l of ls) {
    t.diagnostic(`kid ${l.kid.slice(0, 8)}… first signed by ${l.server} ${l.leadMs} ms after it was first seen in a JWKS (${l.seenOn})`);
  }
  const short = ls.filter((l) => l.leadMs === null || l.leadMs < LEAD_MS - SNAPSHOT_SLACK_MS);
  assert.deepEqual(short, [], `every new kid published >= ${LEAD_MS} ms (less ${SNAPSHOT_SLACK_MS} ms granularity) before it signs`);
  const rotated = new Set(ls.map((l) => l.kid));
  assert.ok(rotated.size >= 2, `several rotations observed (new signing kids: ${rotated.size})`);
  for (const l of labels) assert.ok(ls.some((x) => x.server === l), `${l} signed with a rotated key`);

  // ba-issuer's JWKS may be cached no longer than the lead time.
  const issuerSnaps = obs.snapshots.filter((s) => s.server === "issuer");
  assert.ok(issuerSnaps.length > 0);
  for (const s of issuerSnaps) {
    const m = /(?:^|[,\s])max-age=(\d+)(?:$|[,\s])/.exec(s.cacheControl ?? "");
    assert.ok(m && Number(m[1]) * 1000 <= LEAD_MS, `ba-issuer Cache-Control ${s.cacheControl} within the lead time`);
  }

  // Better Auth made no key of its own: every row is ba-issuer's (recorded) or was there before it started.
  const foreign = rows.filter((r) => !records.has(r.id) && !preexisting.has(r.id)).map((r) => r.id);
  assert.deepEqual(foreign, [], "jwks rows not made by ba-issuer (Better Auth created a key)");
  for (const [id, rec] of records) assert.equal(rec.revokedAt, null, `key ${id} not revoked`);

  // One key per interval: every row expires, one interval after the one before; the count is bounded.
  const exp = rows.map((r) => r.expiresAt);
  assert.ok(exp.every((e) => e !== null), "with rotation on, every key has an expiresAt");
  exp.sort((a, b) => a - b);
  const gaps = exp.slice(1).map((e, i) => e - exp[i]);
  assert.deepEqual(gaps, gaps.map(() => INTERVAL_MS), `expiresAt values one interval apart: ${exp.map((e) => new Date(e).toISOString()).join(", ")}`);
  const allowed = rowsAtStart.count + Math.floor((endAt - rowsAtStart.at) / INTERVAL_MS) + 1;
  assert.ok(rows.length <= allowed, `jwks rows ${rows.length} <= ${allowed} (${rowsAtStart.count} at start, one per ${INTERVAL_S} s since)`);
  t.diagnostic(`${obs.tokens.length} tokens, ${obs.snapshots.length} JWKS snapshots, ${rows.length} jwks rows, ${rotated.size} rotated signing kids`);
  return { rows, records, leads: ls };
}

/** The later steps of a scenario fail at once (and stop its polling) when its start failed. */
async function assertStarted(ctx, obs) {
  if (ctx.started) return;
  await obs.stop();
  assert.fail("the servers did not start (see the first failing step)");
}

describe("ba-issuer first, then Better Auth, both rotating every 3 s on one file", () => {
  const db = dirs.file("issuer-first.db");
  const obs = new Observer();
  const ctx = { obs, db, servers: {}, preexisting: new Set() };

  test("start ba-issuer (first key and standby at start), then Better Auth; sessions on both", async () => {
    ctx.servers.issuer = await startIssuer(db);
    const atStart = jwksRows(db);
    ctx.rowsAtStart = { count: atStart.length, at: Date.now() };
    assert.ok(atStart.length >= 1, "ba-issuer made its first key at start");
    ctx.initialKids = new Set([signerAt(atStart, ctx.rowsAtStart.at)]);
    obs.watchJwks(ctx.servers.issuer, "issuer");
    ctx.servers.ref = await startRef(db);
    obs.watchJwks(ctx.servers.ref, "ref");
    obs.cookies.push(await signUp(ctx.servers.issuer, "rot-issuer@example.com"), await signUp(ctx.servers.ref, "rot-ref@example.com"));
    ctx.started = true;
  });

  test("poll /token on both and /jwks of both for 12 s", async () => {
    await assertStarted(ctx, obs);
    obs.pollTokens(ctx.servers.issuer, "issuer");
    obs.pollTokens(ctx.servers.ref, "ref");
    await sleep(12000);
    await obs.stop();
  });

  test("tokens verify across servers; each new kid published for the lead time before it signs; no Better Auth key; one key per interval", async (t) => {
    await assertStarted(ctx, obs);
    await checkRun({ t, ...ctx });
  });

  test("stop both with exit code 0", async () => {
    await Promise.all(Object.values(ctx.servers).map(stop));
  });
});

describe("Better Auth first (its key has an expiresAt), then ba-issuer takes over the rotation", () => {
  const db = dirs.file("ref-first.db");
  const obs = new Observer();
  const ctx = { obs, db, servers: {} };
  let k0;

  test("Better Auth on an empty file makes its key, with an expiresAt, on its first /token", async () => {
    ctx.servers.ref = await startRef(db);
    assert.equal(jwksRows(db).length, 0, "no key before the first signing");
    const cookie = await signUp(ctx.servers.ref, "first-ref@example.com");
    obs.cookies.push(cookie);
    const before = Date.now();
    const r = await get(ctx.servers.ref, "/token", { cookie });
    assert.equal(r.status, 200, fmt(r));
    const rows = jwksRows(db);
    assert.equal(rows.length, 1, "one key made by Better Auth");
    k0 = rows[0];
    assert.equal(decodeJwt(r.json.token).header.kid, k0.id);
    assert.ok(k0.createdAt >= before - 5, "created by that /token");
    // rotationInterval is seconds. expiresAt is computed a moment before the row's createdAt is set
    // (utils.mjs createJwk, then the adapter's createJwk sets createdAt again), so it can be a few ms short.
    const life = k0.expiresAt - k0.createdAt;
    assert.ok(life <= INTERVAL_MS && life > INTERVAL_MS - 500, `Better Auth's expiresAt - createdAt = ${life} ms, about rotationInterval`);
    ctx.preexisting = new Set([k0.id]);
    ctx.initialKids = new Set([k0.id]);
    // From now on /jwks of Better Auth cannot create a key (the table is not empty).
    obs.watchJwks(ctx.servers.ref, "ref");
  });

  test("ba-issuer joins the file and signs with Better Auth's key while it is live", async () => {
    ctx.servers.issuer = await startIssuer(db);
    ctx.rowsAtStart = { count: 1, at: k0.createdAt };
    obs.watchJwks(ctx.servers.issuer, "issuer");
    obs.pollTokens(ctx.servers.ref, "ref");
    obs.pollTokens(ctx.servers.issuer, "issuer");
    obs.cookies.push(await signUp(ctx.servers.issuer, "then-issuer@example.com"));
    ctx.started = true;
    assert.ok(Date.now() < k0.expiresAt - 500, `ba-issuer up and polled well before Better Auth's key expires (${k0.expiresAt - Date.now()} ms left)`);
  });

  test("poll both until three more intervals have passed", async () => {
    await assertStarted(ctx, obs);
    await sleep(Math.max(0, k0.expiresAt + 3 * INTERVAL_MS + 500 - Date.now()));
    await obs.stop();
  });

  test("both sign with Better Auth's key until it expires, then with ba-issuer's standby", async () => {
    await assertStarted(ctx, obs);
    const rows = jwksRows(db);
    const records = issuerRecords(db);
    const standby = rows.filter((r) => r.id !== k0.id && r.expiresAt === k0.expiresAt + INTERVAL_MS);
    assert.equal(standby.length, 1, "one standby for Better Auth's key, expiring one interval after it");
    const s1 = standby[0];
    assert.ok(records.has(s1.id), "the standby is ba-issuer's");
    assert.ok(s1.createdAt < k0.createdAt, "the standby sorts below Better Auth's key by createdAt");
    for (const label of ["ref", "issuer"]) {
      const mine = obs.tokens.filter((x) => x.server === label);
      const beforeExpiry = mine.filter((x) => x.receivedAt < k0.expiresAt);
      const afterExpiry = mine.filter((x) => x.sentAt > k0.expiresAt && x.receivedAt < s1.expiresAt);
      assert.ok(beforeExpiry.length > 0, `${label} signed before Better Auth's key expired`);
      assert.ok(afterExpiry.length > 0, `${label} signed after the takeover`);
      assert.deepEqual([...new Set(beforeExpiry.map((x) => x.kid))], [k0.id], `${label} signs with Better Auth's key until it expires`);
      assert.deepEqual([...new Set(afterExpiry.map((x) => x.kid))], [s1.id], `${label} signs with the standby after the takeover`);
    }
  });

  test("tokens verify across servers; neither signs with a kid not published for the lead time; no Better Auth key after the first; one key per interval", async (t) => {
    await assertStarted(ctx, obs);
    await checkRun({ t, ...ctx });
  });

  test("stop both with exit code 0", async () => {
    await Promise.all(Object.values(ctx.servers).map(stop));
  });
});
