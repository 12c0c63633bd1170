// A real Better Auth 1.7.25 (npm pg, its Kysely PostgreSQL dialect) and ba-issuer on ONE
// PostgreSQL database with one secret (issue 13):
// - ba-issuer creates the schema; Better Auth's migration then finds nothing to add;
// - users: sign up on one, sign in on the other, both ways;
// - sessions: a bearer token from one is accepted by the other's /get-session and /token;
// - keys: both sign with the one key and each one's JWTs verify against the other's JWKS.
// Needs the run's throwaway cluster (BA_TEST_PG_DIR, CTest's pg_cluster fixture): fails without.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { createLocalJWKSet, jwtVerify } from "jose";
import { startServer, rawRequest, assertCleanExit } from "./harness.mjs";

const JSONCT = { "content-type": "application/json" };
const running = new Set();
after(async () => Promise.all([...running].map((s) => s.stop())));

function clusterUrl() {
  const dir = process.env.BA_TEST_PG_DIR;
  assert.ok(dir, "BA_TEST_PG_DIR must name the run's PostgreSQL cluster");
  return readFileSync(path.join(dir, "url"), "utf8").trim();
}

async function sql(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

async function freshDatabase() {
  const base = clusterUrl();
  const name = `ba_interop_${process.pid}`;
  await sql(base, `drop database if exists ${name}`);
  await sql(base, `create database ${name}`);
  return base.slice(0, base.lastIndexOf("/") + 1) + name;
}

const post = (srv, p, body, headers = {}) =>
  rawRequest(`${srv.base}${p}`, { method: "POST", headers: { ...JSONCT, origin: srv.origin, ...headers }, body: JSON.stringify(body) });
const get = (srv, p, headers = {}) => rawRequest(`${srv.base}${p}`, { headers });
const bearer = (t) => ({ authorization: `Bearer ${t}` });

async function signUp(srv, email) {
  const r = await post(srv, "/sign-up/email", { name: "PG", email, password: "password123" });
  assert.equal(r.status, 200, `${srv.kind} sign-up: ${r.text}`);
  return r.json.token;
}
async function signIn(srv, email) {
  const r = await post(srv, "/sign-in/email", { email, password: "password123" });
  assert.equal(r.status, 200, `${srv.kind} sign-in: ${r.text}`);
  return r.json.token;
}
async function tokenVerifiesOn(jwtOwner, session, verifier) {
  const t = await get(jwtOwner, "/token", bearer(session));
  assert.equal(t.status, 200, `${jwtOwner.kind} /token: ${t.text}`);
  const keys = await get(verifier, "/jwks");
  await jwtVerify(t.json.token, createLocalJWKSet(keys.json));
}

const columns = (url) => sql(url, `select table_name, column_name, data_type from information_schema.columns
  where table_schema = 'public' order by 1, 2`);

test("Better Auth on PostgreSQL and ba-issuer share users, sessions and keys", async () => {
  const url = await freshDatabase();
  const issuer = await startServer("ba-issuer", { db: `${url}?poll=1` });
  running.add(issuer);
  const before = await columns(url);
  const ref = await startServer("ref", { db: url });  // runs Better Auth's migrations
  running.add(ref);
  assert.deepEqual(await columns(url), before, "Better Auth's migration changed ba-issuer's schema");

  await signUp(ref, "from-ba@example.com");
  await signUp(issuer, "from-issuer@example.com");
  const s1 = await signIn(issuer, "from-ba@example.com");
  const s2 = await signIn(ref, "from-issuer@example.com");
  for (const [srv, session, email] of [[ref, s1, "from-ba@example.com"], [issuer, s2, "from-issuer@example.com"]]) {
    const r = await get(srv, "/get-session", bearer(session));
    assert.equal(r.json?.user?.email, email, `${srv.kind} /get-session: ${r.text}`);
  }
  await tokenVerifiesOn(issuer, s2, ref);
  await tokenVerifiesOn(ref, s1, issuer);
  const keys = await sql(url, `select count(*)::int as n from "jwks"`);
  assert.equal(keys[0].n, 1, "both sign with the one key");
  for (const s of [ref, issuer]) {
    const r = await s.stop();
    running.delete(s);
    assertCleanExit(s, r);
  }
});
