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
//   lead time before its first signature (minus 200 ms of snapshot granularity), and so was it in the
//   other server's JWKS wherever that server was observed before the key appeared;
// - Better Auth never makes a key of its own: every jwks row is recorded in ba_issuer_key or predates
//   ba-issuer; one key per interval (expiresAt values exactly one interval apart, row count bounded);
// - ba-issuer's JWKS max-age is no longer than the lead time, and one ETag always names one body.
// Scenario 1: ba-issuer first on an empty file. Scenario 2: Better Auth first makes a key with an
// expiresAt; ba-issuer joins, signs with it until it expires, and writes the standby both switch to.

import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { createLocalJWKSet, jwtVerify } from "jose";
import { startServer, tempDir, rawRequest, parseSetCookie, decodeJwt, assertCleanExit } from "./harness.mjs";

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

// Generous ready timeouts: Better Auth's start (Node, module loading, migrations) is slow on a loaded machine.
const READY_TIMEOUT_MS = 90000;

async function startIssuer(db) {
  const s = await startServer("ba-issuer", { db, extraArgs: ["--rotation-interval", String(INTERVAL_S)], readyTimeoutMs: READY_TIMEOUT_MS });
  running.add(s);
  return s;
}
async function startRef(db) {
  const s = await startServer("ref", { db, env: { BA_ROTATION_INTERVAL: String(INTERVAL_S) }, readyTimeoutMs: READY_TIMEOUT_MS });
  running.add(s);
  return s;
}
async function stop(s) {
  const r = await s.stop();
  running.delete(s);
  assertCleanExit(s, r, 30);
}

const post = (srv, path, body) =>
  rawRequest(`${srv.base}${path}`, { method: "POST", headers: JSONCT, body: JSON.stringify(body) });
const get = (srv, path, headers = {}) => rawRequest(`${srv.base}${path}`, { headers });
const fmt = (res) => `${res.status} ${res.text.slice(0, 300)}`;

const signUp = (srv, email) => session(srv, "/sign-up/email", { name: email, email, password: `password of ${email}` });
const signIn = (srv, email) => session(srv, "/sign-in/email", { email, password: `password of ${email}` });

async function session(srv, path, body) {
  const r = await post(srv, path, body);
  assert.equal(r.status, 200, `${srv.kind} ${path}: ${fmt(r)}`);
  for (const sc of r.setCookies) {
    const c = parseSetCookie(sc);
    if (c.name === SESSION && c.value) return `${SESSION}=${c.value}`;
  }
  throw new Error(`${srv.kind} ${path} set no session cookie`);
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
    this.snapshots = []; // { server, kids, sentAt, receivedAt, cacheControl, etag, body }
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
      this.snapshots.push({ server: label, kids: r.json.keys.map((k) => k.kid), sentAt, receivedAt, cacheControl: r.headers["cache-control"], etag: r.headers.etag, body: r.text });
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
 * Publication-to-first-signature per (kid, signing server), excluding `initialKids`:
 * - anyLeadMs: from the first snapshot of ANY server that listed the kid (its receive time: the kid was
 *   published by then) to the first token with it (its send time: it was signed after that);
 * - otherLeadMs: the same on the OTHER server's JWKS, from the send time of its first snapshot that listed the
 *   kid (a slow answer, e.g. Better Auth busy hashing a password, does not count against the signer);
 *   null when the kid was already in that server's first snapshot (not observed before the key existed).
 */
function leads(obs, initialKids) {
  const first = new Map(); // server -> its first snapshot
  const seen = new Map(); // `${server}|${kid}` or `*|${kid}` -> first snapshot listing the kid
  const note = (k, s) => { if (!seen.has(k) || seen.get(k).receivedAt > s.receivedAt) seen.set(k, s); };
  for (const s of obs.snapshots) {
    if (!first.has(s.server) || first.get(s.server).receivedAt > s.receivedAt) first.set(s.server, s);
    for (const kid of s.kids) {
      note(`${s.server}|${kid}`, s);
      note(`*|${kid}`, s);
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
    const any = seen.get(`*|${kid}`);
    const onOther = seen.get(`${other}|${kid}`);
    const measurable = onOther && onOther !== first.get(other);
    out.push({
      kid, server, other, firstSigned: signedAt,
      anyLeadMs: any ? signedAt - any.receivedAt : null,
      otherLeadMs: measurable ? signedAt - onOther.sentAt : null,
      otherSeen: onOther !== undefined,
    });
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

  // Publication precedes the first signature by the lead time: in any JWKS, and in the other server's.
  const ls = leads(obs, initialKids);
  for (const l of ls) {
    const onOther = l.otherLeadMs === null ? `already in ${l.other}'s first snapshot` : `${l.otherLeadMs} ms after ${l.other}'s JWKS`;
    t.diagnostic(`kid ${l.kid.slice(0, 8)}… first signed by ${l.server} ${l.anyLeadMs} ms after its first JWKS appearance (${onOther})`);
  }
  const min = LEAD_MS - SNAPSHOT_SLACK_MS;
  const short = ls.filter((l) => l.anyLeadMs === null || l.anyLeadMs < min || !l.otherSeen || (l.otherLeadMs !== null && l.otherLeadMs < min));
  assert.deepEqual(short, [], `every new kid published >= ${LEAD_MS} ms (less ${SNAPSHOT_SLACK_MS} ms granularity) before it signs, by both servers`);
  const rotated = new Set(ls.map((l) => l.kid));
  assert.ok(rotated.size >= 2, `several rotations observed (new signing kids: ${rotated.size})`);
  for (const l of labels) assert.ok(ls.some((x) => x.server === l), `${l} signed with a rotated key`);

  // ba-issuer's JWKS may be cached no longer than the lead time; one ETag names one body across rotations.
  const issuerSnaps = obs.snapshots.filter((s) => s.server === "issuer");
  assert.ok(issuerSnaps.length > 0);
  const bodyOf = new Map();
  for (const s of issuerSnaps) {
    const m = /(?:^|[,\s])max-age=(\d+)(?:$|[,\s])/.exec(s.cacheControl ?? "");
    assert.ok(m && Number(m[1]) * 1000 <= LEAD_MS, `ba-issuer Cache-Control ${s.cacheControl} within the lead time`);
    assert.ok(s.etag, "ba-issuer /jwks has an ETag");
    if (!bodyOf.has(s.etag)) bodyOf.set(s.etag, s.body);
    assert.equal(s.body, bodyOf.get(s.etag), `one ETag ${s.etag}, one body`);
  }
  assert.ok(bodyOf.size >= 2, "the ETag changed as keys rotated");

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
    ctx.issuerUser = "then-issuer@example.com"; // signed up now, signed in on ba-issuer later
    await signUp(ctx.servers.ref, ctx.issuerUser);
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
    const joinedAt = Date.now();
    ctx.rowsAtStart = { count: 1, at: k0.createdAt };
    obs.watchJwks(ctx.servers.issuer, "issuer");
    obs.pollTokens(ctx.servers.ref, "ref");
    obs.pollTokens(ctx.servers.issuer, "issuer");
    ctx.started = true;
    // Precondition of the scenario (not a latency bound on ba-issuer): it joined while Better Auth's key
    // had more than the lead time left, so its standby can be published for the whole lead time.
    assert.ok(joinedAt < k0.expiresAt - LEAD_MS, `ba-issuer joined ${k0.expiresAt - joinedAt} ms before Better Auth's key expires (need > ${LEAD_MS})`);
    obs.cookies.push(await signIn(ctx.servers.issuer, ctx.issuerUser));
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
    k0 = rows.find((r) => r.id === k0.id); // its expiresAt as it is now
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
