// Rate limits shared by every instance (issue 19 §6, §7): three ba-issuer instances and a real
// Better Auth 1.7.25 on ONE SQLite file, rateLimit {"enabled": true, "storage": "database"}.
// - wrong passwords spread over the instances: together they allow what one allows (3 per
//   10 s), and the 4th gets 429 with X-Retry-After from every instance, Better Auth's too;
// - clients are keyed by their own address (each request here comes from its own loopback
//   source address): an attacker's 3 wrong passwords do not 429 the victim, on any instance,
//   and a spoofed X-Forwarded-For from an untrusted peer changes nothing;
// - a store that fails (the rateLimit table dropped, or made unwritable) answers 503
//   SERVICE_UNAVAILABLE, never "no limit", and the limit is back once the table is.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { startServer, tempDir, assertCleanExit } from "./harness.mjs";

const TOO_MANY = { message: "Too many requests. Please try again later." };
const PW = "correct horse battery";
const dirs = tempDir("ba-ratelimit-");
const db = dirs.file("shared.db");
const config = dirs.file("config.json");
let issuers = [];
let ref;

// One POST with a JSON body from the loopback source address `from`.
function post(srv, path, body, { from = "127.0.0.1", headers = {} } = {}) {
  const data = Buffer.from(JSON.stringify(body));
  const url = new URL(`${srv.base}${path}`);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: url.pathname, method: "POST", localAddress: from,
      agent: false,
      headers: { "content-type": "application/json", "content-length": data.length, origin: srv.origin, ...headers },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    req.end(data);
  });
}

const signIn = (srv, email, password, opts) => post(srv, "/sign-in/email", { email, password }, opts);

function assertLimited(res, label) {
  assert.equal(res.status, 429, `${label}: ${res.status} ${res.text}`);
  assert.deepEqual(res.json, TOO_MANY, label);
  assert.equal(res.headers["content-type"], "application/json", label);
  const retry = Number(res.headers["x-retry-after"]);
  assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 10, `${label}: X-Retry-After ${res.headers["x-retry-after"]}`);
}

function rateRows() {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare('SELECT "key", "count" FROM "rateLimit" ORDER BY "key"').all();
  } finally {
    conn.close();
  }
}

function onDb(sql) {
  const conn = new Database(db);
  try {
    conn.pragma("busy_timeout = 5000");
    conn.exec(sql);
  } finally {
    conn.close();
  }
}

// Waits until the window of every key has passed (the special rules' 10 s).
const nextWindow = () => new Promise((r) => setTimeout(r, 10500));

before(async () => {
  writeFileSync(config, JSON.stringify({ rateLimit: { enabled: true, storage: "database" } }));
  const opts = { db, extraArgs: ["--config", config] };
  issuers.push(await startServer("ba-issuer", opts));  // first: makes the schema, rateLimit too
  issuers.push(...(await Promise.all([startServer("ba-issuer", opts), startServer("ba-issuer", opts)])));
  ref = await startServer("ref", opts);
  const made = await post(issuers[0], "/sign-up/email", { name: "Victim", email: "victim@example.com", password: PW }, { from: "127.0.0.9" });
  assert.equal(made.status, 200, made.text);
});

after(async () => {
  await Promise.all([...issuers, ref].filter(Boolean).map((s) => s.stop()));
  dirs.remove();
});

test("three instances allow together what one allows: 3 per 10 s, then 429 from each", async () => {
  const from = "127.0.0.2";
  for (const [i, srv] of issuers.entries()) {
    const r = await signIn(srv, "victim@example.com", "wrong password", { from });
    assert.equal(r.status, 401, `attempt ${i + 1} on instance ${i + 1}: ${r.text}`);
  }
  for (const [i, srv] of issuers.entries()) assertLimited(await signIn(srv, "victim@example.com", PW, { from }), `instance ${i + 1}`);
  // Better Auth beside them reads the same row and refuses too. It cannot see the peer, so
  // it is told the same client the way it reads clients, by X-Forwarded-For.
  assertLimited(await signIn(ref, "victim@example.com", PW, { from, headers: { "x-forwarded-for": from } }), "Better Auth beside them");
  const row = rateRows().find((r) => r.key === "127.0.0.2|/sign-in/email");
  assert.deepEqual(row, { key: "127.0.0.2|/sign-in/email", count: 3 });
});

test("Better Auth and ba-issuer count into one row (Better Auth's key format)", async () => {
  // Better Auth (NODE_ENV=development, no X-Forwarded-For) keys every client as 127.0.0.1;
  // ba-issuer keys this peer as 127.0.0.1 too.
  assert.equal((await signIn(ref, "nobody@example.com", "x-wrong-1")).status, 401);
  assert.equal((await signIn(issuers[0], "nobody@example.com", "x-wrong-2")).status, 401);
  assert.equal((await signIn(ref, "nobody@example.com", "x-wrong-3")).status, 401);
  assertLimited(await signIn(issuers[1], "nobody@example.com", "x-wrong-4"), "ba-issuer after Better Auth");
  assertLimited(await signIn(ref, "nobody@example.com", "x-wrong-5"), "Better Auth after ba-issuer");
  assert.equal(rateRows().find((r) => r.key === "127.0.0.1|/sign-in/email")?.count, 3);
});

test("an attacker's 3 wrong passwords do not 429 the victim, on any instance", async () => {
  await nextWindow();
  const attacker = "127.0.0.3";
  for (let i = 0; i < 3; i++) {
    assert.equal((await signIn(issuers[i], "victim@example.com", "guess", { from: attacker })).status, 401);
  }
  assertLimited(await signIn(issuers[0], "victim@example.com", "guess", { from: attacker }), "attacker");
  for (const [i, srv] of issuers.entries()) {
    const r = await signIn(srv, "victim@example.com", PW, { from: `127.0.0.${10 + i}` });
    assert.equal(r.status, 200, `victim on instance ${i + 1}: ${r.text}`);
  }
});

test("a spoofed X-Forwarded-For from an untrusted peer changes nothing", async () => {
  await nextWindow();
  const from = "127.0.0.4";
  for (let i = 0; i < 3; i++) {
    const r = await signIn(issuers[i], "victim@example.com", "guess", { from, headers: { "x-forwarded-for": `198.51.100.${i}` } });
    assert.equal(r.status, 401);
  }
  assertLimited(await signIn(issuers[2], "victim@example.com", PW, { from, headers: { "x-forwarded-for": "198.51.100.77" } }), "spoofer");
  // Nor does it make the victim's address share the spoofer's count.
  assert.equal((await signIn(issuers[0], "victim@example.com", PW, { from: "127.0.0.5" })).status, 200);
  assert.ok(!rateRows().some((r) => r.key.startsWith("198.51.100.")), JSON.stringify(rateRows()));
  // The session stores the peer, not the header.
  const made = await signIn(issuers[1], "victim@example.com", PW, { from: "127.0.0.6", headers: { "x-forwarded-for": "198.51.100.88" } });
  assert.equal(made.status, 200);
  const conn = new Database(db, { readonly: true });
  const ip = conn.prepare('SELECT "ipAddress" FROM "session" WHERE "token" = ?').get(made.json.token)?.ipAddress;
  conn.close();
  assert.equal(ip, "127.0.0.6");
});

test("a store that fails answers 503, never \"no limit\"; the limit returns with the table", async () => {
  onDb('CREATE TRIGGER "rl_no_insert" BEFORE INSERT ON "rateLimit" BEGIN SELECT RAISE(ABORT, \'read-only\'); END;'
    + 'CREATE TRIGGER "rl_no_update" BEFORE UPDATE ON "rateLimit" BEGIN SELECT RAISE(ABORT, \'read-only\'); END;');
  for (const [i, srv] of issuers.entries()) {
    const r = await signIn(srv, "victim@example.com", PW, { from: `127.0.0.${20 + i}` });
    assert.equal(r.status, 503, `unwritable, instance ${i + 1}: ${r.text}`);
    assert.equal(r.json?.code, "SERVICE_UNAVAILABLE");
    assert.ok(!/rateLimit|sqlite|RAISE/i.test(r.text), `no internals in ${r.text}`);
  }
  onDb('DROP TRIGGER "rl_no_insert"; DROP TRIGGER "rl_no_update"; DROP TABLE "rateLimit";');
  for (const [i, srv] of issuers.entries()) {
    const r = await post(srv, "/get-session", {}, { from: "127.0.0.30" });
    assert.equal(r.status, 503, `dropped, instance ${i + 1}: ${r.text}`);
    assert.equal(r.json?.code, "SERVICE_UNAVAILABLE");
  }
  for (const s of issuers) assert.match(s.stderr(), /rate_limit_unavailable/);
  // A restart declares the table again; the count starts over and holds across instances.
  await issuers[0].stop().then((r) => assertCleanExit(issuers[0], r));
  issuers[0] = await startServer("ba-issuer", { db, port: issuers[0].port, extraArgs: ["--config", config] });
  const from = "127.0.0.31";
  for (const srv of issuers) assert.equal((await signIn(srv, "victim@example.com", "guess", { from })).status, 401);
  assertLimited(await signIn(issuers[1], "victim@example.com", PW, { from }), "after the table is back");
});
