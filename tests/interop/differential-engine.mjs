// The differential engine: a table of cases sent in order to a fresh real Better Auth 1.7.25
// (ref-server.mjs) and a fresh ba-issuer, answers compared after normalisation (see
// differential.test.mjs for what is compared). Used by differential.test.mjs and
// differential-accounts.test.mjs.
//
// runDifferential({ cases, deliberate, serverOpts, enrich, finalChecks }): registers one node:test
// test per case. serverOpts(kind, dirs) gives startServer's options for "ref" / "ba-issuer";
// enrich(ctx, case, res) captures state; finalChecks(ref, sub, refCtx, subCtx) runs before stop.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { startServer, tempDir, rawRequest, normalise, normaliseSetCookie, subjectIsRef } from "./harness.mjs";

const WATCHED_HEADERS = ["content-type", "set-auth-token", "set-auth-jwt", "access-control-expose-headers", "cache-control", "pragma", "location"];

// ba-issuer's /jwks adds cache headers on purpose (Better Auth sends none): Cache-Control
// "public, max-age=N" and an ETag. They are checked in client.test.mjs and left out here.
const JWKS_CACHE_HEADERS = ["cache-control", "etag"];

// ctx.masks: run-specific strings (reset tokens, two-factor cookies) shown as "<masked>" in the
// location header, the Set-Cookie values and the body.
function unmask(text, ctx) {
  for (const m of ctx.masks ?? []) text = text.split(m).join("<masked>");
  return text;
}

function summarise(res, ctx, path) {
  const origins = [ctx.origin];
  const headers = {};
  for (const h of WATCHED_HEADERS) {
    if (!(h in res.headers)) continue;
    if (path === "/jwks" && JWKS_CACHE_HEADERS.includes(h)) continue;
    const v = res.headers[h];
    if (h === "set-auth-token") headers[h] = normalise(v, origins);
    else if (h === "set-auth-jwt") headers[h] = normalise(v, origins);
    else if (h === "location") headers[h] = unmask(v.split(ctx.origin).join("<origin>"), ctx);
    else headers[h] = v;
  }
  let body;
  if (res.json !== undefined) body = normalise(JSON.parse(unmask(JSON.stringify(res.json), ctx)), origins);
  else body = { $text: res.text };
  return {
    status: `${res.status} ${res.statusText}`,
    headers,
    setCookies: res.setCookies.map((sc) => normaliseSetCookie(unmask(sc, ctx), origins)),
    body,
    bodyText: res.json !== undefined ? JSON.stringify(body) : res.text,
  };
}

function show(label, res) {
  const lines = [`--- ${label}: ${res.status} ${res.statusText}`];
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    const k = res.rawHeaders[i].toLowerCase();
    if (["date", "connection", "keep-alive", "transfer-encoding", "content-length"].includes(k)) continue;
    lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  }
  lines.push("", res.text.length > 2000 ? res.text.slice(0, 2000) + "…" : res.text);
  return lines.join("\n");
}

async function send(server, ctx, spec) {
  const url = spec.rawPath !== undefined ? `${server.origin}${spec.rawPath}` : `${server.base}${spec.path}`;
  return rawRequest(url, { method: spec.method, headers: spec.headers ?? {}, body: spec.body, chunked: spec.chunked });
}

export function runDifferential({ cases, deliberate = [], serverOpts = () => ({}), enrich = () => {}, finalChecks }) {
const dirs = tempDir("ba-diff-");
let ref;
let sub;
let subRestarts = 0;
const refCtx = {};
const subCtx = {};
const dump = [];
const subOpts = () => ({ db: dirs.file("subject.db"), ...serverOpts("ba-issuer", dirs) });

before(async () => {
  [ref, sub] = await Promise.all([
    startServer("ref", { db: dirs.file("ref.db"), ...serverOpts("ref", dirs) }),
    startServer("ba-issuer", subOpts()),
  ]);
  refCtx.origin = ref.origin;
  subCtx.origin = sub.origin;
  refCtx.server = ref;
  subCtx.server = sub;
  refCtx.db = dirs.file("ref.db");
  subCtx.db = dirs.file("subject.db");
});

after(async () => {
  await Promise.all([ref?.stop(), sub?.stop()]);
  if (process.env.INTEROP_DUMP) writeFileSync(process.env.INTEROP_DUMP, JSON.stringify(dump, null, 1));
  dirs.remove();
});

for (const c of cases) {
  test(c.name, async () => {
    // If ba-issuer died in an earlier case, restart it on the same file and port so later cases still say something.
    if (sub.proc.exitCode !== null || sub.proc.signalCode !== null) {
      subRestarts++;
      sub = await startServer("ba-issuer", { ...subOpts(), port: sub.port });
      subCtx.server = sub;
    }
    if (c.prepare) await Promise.all([c.prepare(ref, refCtx), c.prepare(sub, subCtx)]);
    const rspec = c.req(refCtx);
    const sspec = c.req(subCtx);
    const [r, s] = await Promise.all([
      send(ref, refCtx, rspec),
      send(sub, subCtx, sspec).catch(async (e) => {
        await new Promise((res) => setTimeout(res, 200));
        const st = sub.proc.exitCode !== null || sub.proc.signalCode !== null
          ? `${sub.kind} DIED: exit code ${sub.proc.exitCode}, signal ${sub.proc.signalCode}`
          : `${sub.kind} still running`;
        throw new Error(`request to ${sub.kind} failed: ${e.message}\n${st}\nrequest: ${JSON.stringify(sspec)}\nstderr tail:\n${sub.stderr().split("\n").slice(-15).join("\n")}`);
      }),
    ]);
    c.after?.(r, refCtx);
    c.after?.(s, subCtx);
    enrich(refCtx, c, r);
    enrich(subCtx, c, s);
    const rn = summarise(r, refCtx, rspec.path);
    const sn = summarise(s, subCtx, sspec.path);
    dump.push({ name: c.name, request: rspec, ref: { status: r.status, headers: r.rawHeaders, text: r.text }, subject: { status: s.status, headers: s.rawHeaders, text: s.text }, refNorm: rn, subNorm: sn });
    const context = `\n\nrequest: ${JSON.stringify(rspec)}\n${show("better-auth 1.7.25 (reference)", r)}\n${show(sub.kind, s)}\n`;
    assert.equal(sn.status, rn.status, `status differs${context}`);
    assert.deepEqual(sn.headers, rn.headers, `watched headers differ${context}`);
    assert.deepEqual(sn.setCookies, rn.setCookies, `Set-Cookie differs${context}`);
    if (c.compare?.body === false) return;
    assert.deepEqual(sn.body, rn.body, `body differs${context}`);
    assert.equal(sn.bodyText, rn.bodyText, `body key order differs${context}`);
  });
}

for (const d of deliberate) {
  test(`ba-issuer only (deliberate difference): ${d.name}`, { skip: subjectIsRef() ? "subject is the reference server" : false }, async () => {
    const spec = d.req(subCtx);
    const url = `${sub.base}${spec.path}`;
    const res = await rawRequest(url, spec);
    assert.equal(res.status, d.expect.status, `status; body ${res.text}`);
    assert.deepEqual(res.json, d.expect.body);
    assert.equal(res.headers["content-type"], "application/json");
  });
}

if (finalChecks) test("resulting rows", async () => finalChecks(ref, sub, refCtx, subCtx));

test("both servers stop on SIGTERM with exit code 0 (and ba-issuer never crashed)", async () => {
  assert.equal(subRestarts, 0, `ba-issuer had to be restarted ${subRestarts} time(s) after dying`);
  const [r, s] = await Promise.all([ref.stop(), sub.stop()]);
  assert.deepEqual(r, { code: 0, signal: null }, `reference exit: ${ref.stderr()}`);
  assert.deepEqual(s, { code: 0, signal: null }, `ba-issuer exit: ${sub.stderr()}`);
});
}
