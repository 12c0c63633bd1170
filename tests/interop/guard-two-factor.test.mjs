// The two-factor guard (issue 19): real Better Auth 1.7.25 (ref-server.mjs with twoFactor) and
// ba-issuer on ONE SQLite file with one secret.
// - A user who turned two-factor on with Better Auth gets no session and no token from
//   ba-issuer with the password alone, even when ba-issuer's config names no plugin (the
//   user.twoFactorEnabled column implies it); a TOTP code from the secret Better Auth sealed
//   passes ba-issuer's challenge, and only then is there a token.
// - The reverse: a user who turned it on with ba-issuer is held by Better Auth, and passes there
//   with a TOTP code and a backup code that ba-issuer sealed.

import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { startServer, tempDir, rawRequest, parseSetCookie, assertCleanExit } from "./harness.mjs";
import { keyOfUri, totp } from "./totp-support.mjs";

const SESSION = "better-auth.session_token";
const TWO_FACTOR = "better-auth.two_factor";
const TRUST = "better-auth.trust_device";
const PW = "correct horse battery";
const dirs = tempDir("ba-guard-2fa-");
const running = new Set();
const config = dirs.file("two-factor.json");
writeFileSync(config, JSON.stringify({ plugins: { twoFactor: {} } }));

after(async () => {
  await Promise.all([...running].map((s) => s.stop()));
  dirs.remove();
});

async function start(kind, db, withConfig) {
  const s = await startServer(kind, { db, extraArgs: withConfig ? ["--config", config] : [] });
  running.add(s);
  return s;
}
async function stop(s) {
  const r = await s.stop();
  running.delete(s);
  assertCleanExit(s, r);
}

const post = (srv, path, body, cookie) =>
  rawRequest(`${srv.base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: srv.origin, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
const get = (srv, path, headers = {}) => rawRequest(`${srv.base}${path}`, { headers });

// "name=value" of the first non-empty Set-Cookie `name`.
function cookie(res, name) {
  for (const sc of res.setCookies) {
    const c = parseSetCookie(sc);
    if (c.name === name && c.value) return `${c.name}=${c.value}`;
  }
  return undefined;
}

function count(file, sql, ...args) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).get(...args).n;
  } finally {
    db.close();
  }
}
const sessionsOf = (db, email) => count(db, 'SELECT count(*) AS n FROM "session" s JOIN "user" u ON u.id = s.userId WHERE u.email = ?', email);

// Signs up on `srv`, enables two-factor and verifies it there; returns the key and codes.
async function enableOn(srv, email) {
  const up = await post(srv, "/sign-up/email", { name: "G", email, password: PW });
  assert.equal(up.status, 200, up.text);
  let session = cookie(up, SESSION);
  const enabled = await post(srv, "/two-factor/enable", { password: PW }, session);
  assert.equal(enabled.status, 200, enabled.text);
  const key = keyOfUri(enabled.json.totpURI);
  const verified = await post(srv, "/two-factor/verify-totp", { code: totp(key) }, session);
  assert.equal(verified.status, 200, verified.text);
  session = cookie(verified, SESSION);
  assert.ok(session, "verify-totp rotates the session");
  return { key, uri: enabled.json.totpURI, codes: enabled.json.backupCodes, session };
}

// The sign-in on `srv` holds the user: the redirect, no session cookie, no usable token.
async function assertHeld(srv, db, email) {
  const before = sessionsOf(db, email);
  const res = await post(srv, "/sign-in/email", { email, password: PW });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.twoFactorRedirect, true, res.text);
  assert.equal(res.json.token, undefined);
  assert.equal(cookie(res, SESSION), undefined, "no session cookie");
  const challenge = cookie(res, TWO_FACTOR);
  assert.ok(challenge, "the two_factor cookie");
  assert.equal(sessionsOf(db, email), before, "no session row");
  const bearer = res.headers["set-auth-token"];
  for (const headers of [{}, { cookie: challenge }, ...(bearer ? [{ authorization: `Bearer ${bearer}` }] : [])]) {
    const token = await get(srv, "/token", headers);
    assert.equal(token.status, 401, `/token with ${JSON.stringify(Object.keys(headers))}: ${token.text}`);
  }
  return challenge;
}

async function assertToken(srv, session) {
  const token = await get(srv, "/token", { cookie: session });
  assert.equal(token.status, 200, token.text);
  assert.match(token.json.token, /^eyJ/);
}

describe("enabled on Better Auth, held by ba-issuer (no plugins in its config)", () => {
  const db = dirs.file("ref-first.db");
  const email = "held@example.com";
  let ref;
  let sub;
  let key;
  test("Better Auth makes the schema and a user turns two-factor on there", async () => {
    ref = await start("ref", db, true);
    ({ key } = await enableOn(ref, email));
    sub = await start("ba-issuer", db, false);
  });
  test("ba-issuer's sign-in with the right password gives no session and no token", async () => {
    await assertHeld(sub, db, email);
  });
  test("get-session of Better Auth's session types twoFactorEnabled as true on ba-issuer", async () => {
    const res = await post(ref, "/sign-in/email", { email, password: PW });
    const challenge = cookie(res, TWO_FACTOR);
    const passed = await post(ref, "/two-factor/verify-totp", { code: totp(key) }, challenge);
    assert.equal(passed.status, 200, passed.text);
    const session = await get(sub, "/get-session", { cookie: cookie(passed, SESSION) });
    assert.equal(session.json.user.twoFactorEnabled, true);
  });
  test("a wrong code on ba-issuer's challenge makes no session", async () => {
    const challenge = await assertHeld(sub, db, email);
    const wrong = await post(sub, "/two-factor/verify-totp", { code: totp(key, Date.now() + 3600_000) }, challenge);
    assert.equal(wrong.status, 401, wrong.text);
    assert.equal(cookie(wrong, SESSION), undefined);
  });
  test("a TOTP code from the secret Better Auth sealed passes ba-issuer, then /token answers", async () => {
    const challenge = await assertHeld(sub, db, email);
    const passed = await post(sub, "/two-factor/verify-totp", { code: totp(key) }, challenge);
    assert.equal(passed.status, 200, passed.text);
    assert.equal(passed.json.user.twoFactorEnabled, true);
    await assertToken(sub, cookie(passed, SESSION));
  });
  test("a challenge ba-issuer opened is passed on Better Auth too (one verification table)", async () => {
    const challenge = await assertHeld(sub, db, email);
    const passed = await post(ref, "/two-factor/verify-totp", { code: totp(key) }, challenge);
    assert.equal(passed.status, 200, passed.text);
    await assertToken(sub, cookie(passed, SESSION));
  });
  test("a device trusted on Better Auth skips ba-issuer's challenge, and the reverse", async () => {
    let challenge = await assertHeld(ref, db, email);
    const onRef = await post(ref, "/two-factor/verify-totp", { code: totp(key), trustDevice: true }, challenge);
    assert.equal(onRef.status, 200, onRef.text);
    const refTrust = cookie(onRef, TRUST);
    assert.ok(refTrust);
    const skipped = await post(sub, "/sign-in/email", { email, password: PW }, refTrust);
    assert.equal(skipped.status, 200, skipped.text);
    assert.equal(skipped.json.twoFactorRedirect, undefined, skipped.text);
    await assertToken(sub, cookie(skipped, SESSION));
    const renewed = cookie(skipped, TRUST);
    assert.ok(renewed && renewed !== refTrust, "ba-issuer renews the trust cookie");
    const old = await post(sub, "/sign-in/email", { email, password: PW }, refTrust);
    assert.equal(old.json.twoFactorRedirect, true, "the replaced trust cookie no longer skips");
    const onRefAgain = await post(ref, "/sign-in/email", { email, password: PW }, renewed);
    assert.equal(onRefAgain.status, 200, onRefAgain.text);
    assert.equal(onRefAgain.json.twoFactorRedirect, undefined, "Better Auth takes ba-issuer's trust cookie");
    challenge = await assertHeld(sub, db, email);
    const onSub = await post(sub, "/two-factor/verify-totp", { code: totp(key), trustDevice: true }, challenge);
    const subTrust = cookie(onSub, TRUST);
    const refSkips = await post(ref, "/sign-in/email", { email, password: PW }, subTrust);
    assert.equal(refSkips.json.twoFactorRedirect, undefined, refSkips.text);
    assert.ok(cookie(refSkips, SESSION));
  });
  test("both stop cleanly", async () => {
    await stop(sub);
    await stop(ref);
  });
});

describe("enabled on ba-issuer, held and verified by Better Auth", () => {
  const db = dirs.file("issuer-first.db");
  const email = "reverse@example.com";
  let ref;
  let sub;
  let made;
  test("ba-issuer makes the schema and a user turns two-factor on there", async () => {
    sub = await start("ba-issuer", db, true);
    ref = await start("ref", db, true);
    made = await enableOn(sub, email);
  });
  test("Better Auth opens ba-issuer's sealed secret: the same totpURI", async () => {
    const uri = await post(ref, "/two-factor/get-totp-uri", { password: PW }, made.session);
    assert.equal(uri.status, 200, uri.text);
    assert.equal(uri.json.totpURI, made.uri);
  });
  test("Better Auth's sign-in holds the user", async () => {
    await assertHeld(ref, db, email);
  });
  test("Better Auth passes the user with a TOTP code of ba-issuer's secret", async () => {
    const challenge = await assertHeld(ref, db, email);
    const passed = await post(ref, "/two-factor/verify-totp", { code: totp(made.key) }, challenge);
    assert.equal(passed.status, 200, passed.text);
    await assertToken(ref, cookie(passed, SESSION));
  });
  test("Better Auth opens ba-issuer's sealed backup codes; the used code is gone on ba-issuer", async () => {
    let challenge = await assertHeld(ref, db, email);
    const passed = await post(ref, "/two-factor/verify-backup-code", { code: made.codes[0] }, challenge);
    assert.equal(passed.status, 200, passed.text);
    challenge = await assertHeld(sub, db, email);
    const reused = await post(sub, "/two-factor/verify-backup-code", { code: made.codes[0] }, challenge);
    assert.equal(reused.status, 401, reused.text);
    const fresh = await post(sub, "/two-factor/verify-backup-code", { code: made.codes[1] }, challenge);
    assert.equal(fresh.status, 200, fresh.text);
    await assertToken(sub, cookie(fresh, SESSION));
  });
  test("ba-issuer holds the user too, and passes it with the code", async () => {
    const challenge = await assertHeld(sub, db, email);
    const passed = await post(sub, "/two-factor/verify-totp", { code: totp(made.key) }, challenge);
    assert.equal(passed.status, 200, passed.text);
    await assertToken(sub, cookie(passed, SESSION));
  });
  test("both stop cleanly", async () => {
    await stop(sub);
    await stop(ref);
  });
});
