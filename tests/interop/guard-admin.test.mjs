// The guard of issue 19 §2: a user whom the real Better Auth 1.7.25 (ref-server.mjs with
// admin()) banned gets no session and no token on ba-issuer, by any route, on ONE SQLite file;
// and ba-issuer runs with a config that names no plugin: the `banned` column alone turns the
// check on. Routes tried: sign-in/email, verify-email's auto sign-in, reset-password,
// change-password, a leftover session (written into the store while banned) on get-session,
// /token (cookie and bearer) and list-sessions, and the test API (refused unless
// "allowBanned": true, whose session then serves nothing either). A ban that has ended is
// lifted by the next sign-in, as Better Auth lifts it.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { startServer, tempDir, rawRequest, SECRET, assertCleanExit } from "./harness.mjs";
import { JSONCT, json, cookieOf, SESSION, mailTo, verificationToken } from "./case-support.mjs";

const PW = "correct horse battery";
const PW2 = "another horse battery";
const VICTIM = "victim@example.com";
const BASE = {
  emailVerification: { autoSignInAfterVerification: true },
  emailAndPassword: { enabled: true },
};
const BANNED = { message: "You have been banned from this application. Please contact support if you believe this is an error.", code: "BANNED_USER" };

const dirs = tempDir("ba-guard-admin-");
const file = dirs.file("shared.db");
let ref;
let sub;

const post = (srv, path, body, headers = {}) =>
  rawRequest(`${srv.base}${path}`, { method: "POST", headers: { ...JSONCT, origin: srv.origin, ...headers }, body: json(body) });
const testApi = (srv, body) =>
  rawRequest(`${srv.origin}/__test/sessions`, { method: "POST", headers: JSONCT, body: json(body) });
const get = (srv, path, headers = {}) => rawRequest(`${srv.base}${path}`, { headers });
const signedCookie = (token) => `${SESSION}=${encodeURIComponent(`${token}.${createHmac("sha256", SECRET).update(token).digest("base64")}`)}`;
const sql = (text, ...args) => {
  const db = new Database(file);
  try {
    return /^\s*select/i.test(text) ? db.prepare(text).all(...args) : db.prepare(text).run(...args);
  } finally {
    db.close();
  }
};
const victimSessions = () => sql(`SELECT count(*) AS n FROM "session" s JOIN "user" u ON u.id = s.userId WHERE u.email = ?`, VICTIM)[0].n;
const idOf = (email) => sql(`SELECT id FROM "user" WHERE email = ?`, email)[0].id;
const noSessionCookie = (res, label) => assert.equal(cookieOf(SESSION, res), undefined, `${label}: a session cookie was set`);

before(async () => {
  const refConfig = dirs.file("ref.json");
  const subConfig = dirs.file("sub.json");
  writeFileSync(refConfig, JSON.stringify({ ...BASE, plugins: { admin: {} } }));
  writeFileSync(subConfig, JSON.stringify(BASE));  // no "plugins" section at all
  ref = await startServer("ref", { db: file, extraArgs: ["--config", refConfig] });
  sub = await startServer("ba-issuer", { db: file, extraArgs: ["--config", subConfig, "--test-api"] });
});

after(async () => {
  await Promise.all([ref?.stop(), sub?.stop()]);
  dirs.remove();
});

let adminCookie;
let leftover;  // a session of the victim written while banned

test("Better Auth's admin bans the victim; the victim's sessions on both servers go", async () => {
  for (const [email, name] of [["root@example.com", "Root"], [VICTIM, "Victim"], ["later@example.com", "Later"]]) {
    const res = await post(ref, "/sign-up/email", { name, email, password: PW });
    assert.equal(res.status, 200, res.text);
  }
  sql(`UPDATE "user" SET role = 'admin' WHERE email = 'root@example.com'`);
  adminCookie = cookieOf(SESSION, await post(ref, "/sign-in/email", { email: "root@example.com", password: PW }));
  const before = cookieOf(SESSION, await post(sub, "/sign-in/email", { email: VICTIM, password: PW }));
  assert.ok(before, "the victim signs in on ba-issuer before the ban");
  const ban = await post(ref, "/admin/ban-user", { userId: idOf(VICTIM), banReason: "abuse" }, { cookie: adminCookie });
  assert.equal(ban.status, 200, ban.text);
  assert.equal(ban.json.user.banned, true);
  assert.equal(victimSessions(), 0);
  const gone = await get(sub, "/get-session", { cookie: before });
  assert.equal(gone.text, "null");
});

test("a leftover session written while banned serves nothing: get-session, token, bearer, list-sessions", async () => {
  const token = "LeftoverSession0000000000000000A";
  const now = Date.now();
  sql(`INSERT INTO "session" (id, expiresAt, token, createdAt, updatedAt, ipAddress, userAgent, userId) VALUES (?, ?, ?, ?, ?, '', '', ?)`,
    "leftoverSessionId000000000000000", new Date(now + 86400000).toISOString(), token,
    new Date(now).toISOString(), new Date(now).toISOString(), idOf(VICTIM));
  leftover = signedCookie(token);
  // Better Auth itself still serves it (ba-issuer is stricter here, on purpose).
  const refSession = await get(ref, "/get-session", { cookie: leftover });
  assert.equal(refSession.json?.user?.email, VICTIM, "the reference serves a banned user's leftover session");
  const session = await get(sub, "/get-session", { cookie: leftover });
  assert.equal(session.status, 200);
  assert.equal(session.text, "null");
  assert.equal(session.headers["set-auth-jwt"], undefined);
  const tok = await get(sub, "/token", { cookie: leftover });
  assert.equal(tok.status, 401, tok.text);
  const bearer = await get(sub, "/token", { authorization: `Bearer ${decodeURIComponent(leftover.split("=")[1])}` });
  assert.equal(bearer.status, 401, bearer.text);
  const listed = await get(sub, "/list-sessions", { cookie: leftover });
  assert.equal(listed.status, 401, listed.text);
  const change = await post(sub, "/change-password", { currentPassword: PW, newPassword: PW2, revokeOtherSessions: true }, { cookie: leftover });
  assert.equal(change.status, 401, change.text);
  noSessionCookie(change, "change-password");
  sql(`DELETE FROM "session" WHERE token = ?`, token);
});

test("sign-in/email on ba-issuer: 403 BANNED_USER, as Better Auth answers it, and no session", async () => {
  const refAnswer = await post(ref, "/sign-in/email", { email: VICTIM, password: PW });
  const subAnswer = await post(sub, "/sign-in/email", { email: VICTIM, password: PW });
  assert.equal(refAnswer.status, 403);
  assert.equal(subAnswer.status, 403);
  assert.deepEqual(subAnswer.json, BANNED);
  assert.deepEqual(subAnswer.json, refAnswer.json);
  noSessionCookie(subAnswer, "sign-in");
  assert.equal(victimSessions(), 0);
});

test("verify-email's auto sign-in on ba-issuer makes no session", async () => {
  const res = await get(sub, `/verify-email?token=${verificationToken({ email: VICTIM }, 600)}`);
  assert.equal(res.status, 403, res.text);
  assert.deepEqual(res.json, BANNED);
  noSessionCookie(res, "verify-email");
  assert.equal(victimSessions(), 0);
});

test("reset-password on ba-issuer makes no session (and the ban stays)", async () => {
  const asked = await post(sub, "/request-password-reset", { email: VICTIM });
  assert.equal(asked.status, 200, asked.text);
  const [mail] = (await mailTo(sub.origin, VICTIM)).filter((m) => m.kind === "reset-password");
  assert.ok(mail, "a reset mail in the dev mailbox");
  const reset = await post(sub, "/reset-password", { token: mail.token, newPassword: PW2 });
  assert.equal(reset.status, 200, reset.text);
  noSessionCookie(reset, "reset-password");
  assert.equal(victimSessions(), 0);
  const again = await post(sub, "/sign-in/email", { email: VICTIM, password: PW2 });
  assert.equal(again.status, 403, again.text);
  assert.equal(sql(`SELECT banned FROM "user" WHERE email = ?`, VICTIM)[0].banned, 1);
});

test("the test API refuses a banned user's session unless allowBanned: true, whose session serves nothing", async () => {
  const refused = await testApi(sub, { email: VICTIM });
  assert.equal(refused.status, 403, refused.text);
  assert.deepEqual(refused.json, BANNED);
  assert.equal(victimSessions(), 0);
  const bad = await testApi(sub, { email: VICTIM, allowBanned: "yes" });
  assert.equal(bad.status, 400, bad.text);
  const onPurpose = await testApi(sub, { email: VICTIM, allowBanned: true });
  assert.equal(onPurpose.status, 200, onPurpose.text);
  assert.equal(onPurpose.json.user.banned, true);
  assert.equal(victimSessions(), 1);
  const session = await get(sub, "/get-session", { cookie: onPurpose.json.cookie });
  assert.equal(session.text, "null");
  const tok = await get(sub, "/token", { cookie: onPurpose.json.cookie });
  assert.equal(tok.status, 401);
});

test("a ban that has ended is lifted by the next sign-in on ba-issuer, as Better Auth lifts it", async () => {
  const ban = await post(ref, "/admin/ban-user", { userId: idOf("later@example.com"), banExpiresIn: 1 }, { cookie: adminCookie });
  assert.equal(ban.status, 200, ban.text);
  const during = await post(sub, "/sign-in/email", { email: "later@example.com", password: PW });
  assert.equal(during.status, 403, during.text);
  await new Promise((r) => setTimeout(r, 1300));
  const afterBan = await post(sub, "/sign-in/email", { email: "later@example.com", password: PW });
  assert.equal(afterBan.status, 200, afterBan.text);
  assert.ok(cookieOf(SESSION, afterBan));
  assert.deepEqual(sql(`SELECT banned, banReason, banExpires FROM "user" WHERE email = 'later@example.com'`)[0],
    { banned: 0, banReason: null, banExpires: null });
  // Better Auth reads the lifted row as ba-issuer wrote it.
  const onRef = await post(ref, "/sign-in/email", { email: "later@example.com", password: PW });
  assert.equal(onRef.status, 200, onRef.text);
  assert.equal(onRef.json.user.banned, false);
});

test("both servers stop cleanly", async () => {
  assertCleanExit(ref, await ref.stop());
  assertCleanExit(sub, await sub.stop());
});
