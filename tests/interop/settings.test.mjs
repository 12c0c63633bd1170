// A settings page built on the real Better Auth client (better-auth 1.7.25 createAuthClient)
// against ba-issuer (issue 10): list and revoke sessions, update the name, change the password
// with revokeOtherSessions, reset a forgotten password through the dev mailbox, verify the email.
// Then the shared-database checks: a reset requested on one server completes on the other, and a
// password changed on ba-issuer signs in on Better Auth.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createAuthClient } from "better-auth/client";
import { startServer, tempDir, CookieJar, jarFetch } from "./harness.mjs";
import { mailTo } from "./case-support.mjs";

const PW = "correct horse battery";
const PW2 = "second horse battery";
const PW3 = "third horse battery";
const EMAIL = "dana@example.com";

const dirs = tempDir("ba-settings-");
let srv;

before(async () => {
  srv = await startServer("ba-issuer", {
    db: dirs.file("settings.db"),
    extraArgs: ["--test-api"],
  });
});

after(async () => {
  await srv?.stop();
  dirs.remove();
});

// One browser: its own cookie jar, Origin like a same-origin page.
function browser(origin) {
  const jar = new CookieJar();
  return createAuthClient({ baseURL: origin, fetchOptions: { customFetchImpl: jarFetch(jar, origin) } });
}

const ok = (res, label) => {
  assert.equal(res.error, null, `${label}: ${JSON.stringify(res.error)}`);
  return res.data;
};

test("settings page: sessions, name, password, reset, verification", async () => {
  const laptop = browser(srv.origin);
  const phone = browser(srv.origin);
  ok(await laptop.signUp.email({ name: "Dana", email: EMAIL, password: PW }), "sign-up");
  ok(await phone.signIn.email({ email: EMAIL, password: PW }), "sign-in on the phone");

  const sessions = ok(await laptop.listSessions(), "listSessions");
  assert.equal(sessions.length, 2);
  const phoneToken = (await phone.getSession()).data.session.token;
  assert.ok(sessions.some((s) => s.token === phoneToken));

  ok(await laptop.revokeSession({ token: phoneToken }), "revokeSession");
  assert.equal((await phone.getSession()).data, null, "the phone is signed out");
  assert.equal(ok(await laptop.listSessions(), "listSessions after revoke").length, 1);

  ok(await laptop.updateUser({ name: "Dana Scully" }), "updateUser");
  assert.equal((await laptop.getSession()).data.user.name, "Dana Scully");
  const refused = await laptop.updateUser({ email: "other@example.com" });
  assert.equal(refused.error?.code, "EMAIL_CAN_NOT_BE_UPDATED");

  ok(await phone.signIn.email({ email: EMAIL, password: PW }), "phone signs in again");
  const wrong = await laptop.changePassword({ currentPassword: "not the password", newPassword: PW2 });
  assert.equal(wrong.error?.code, "INVALID_PASSWORD");
  const changed = ok(await laptop.changePassword({ currentPassword: PW, newPassword: PW2, revokeOtherSessions: true }), "changePassword");
  assert.match(changed.token, /^[A-Za-z0-9]{32}$/);
  assert.equal((await phone.getSession()).data, null, "other sessions are revoked");
  assert.equal((await laptop.getSession()).data.session.token, changed.token, "the laptop has the rotated session");

  await fetch(`${srv.origin}/__test/mail`, { method: "DELETE" });
  const forgot = browser(srv.origin);
  ok(await forgot.requestPasswordReset({ email: EMAIL, redirectTo: "/reset" }), "requestPasswordReset");
  const [mail] = await mailTo(srv.origin, EMAIL);
  assert.equal(mail.kind, "reset-password");
  assert.equal(mail.url, `${srv.base}/reset-password/${mail.token}?callbackURL=%2Freset`);
  const link = await fetch(mail.url, { redirect: "manual" });
  assert.equal(link.status, 302);
  assert.equal(link.headers.get("location"), `${srv.origin}/reset?token=${mail.token}`);
  ok(await forgot.resetPassword({ newPassword: PW3, token: mail.token }), "resetPassword");
  const reused = await forgot.resetPassword({ newPassword: PW, token: mail.token });
  assert.equal(reused.error?.code, "INVALID_TOKEN");
  assert.equal((await forgot.signIn.email({ email: EMAIL, password: PW2 })).error?.code, "INVALID_EMAIL_OR_PASSWORD");
  ok(await forgot.signIn.email({ email: EMAIL, password: PW3 }), "sign-in with the reset password");

  ok(await forgot.sendVerificationEmail({ email: EMAIL, callbackURL: "/verified" }), "sendVerificationEmail");
  const verify = (await mailTo(srv.origin, EMAIL)).find((m) => m.kind === "verify-email");
  ok(await forgot.verifyEmail({ query: { token: verify.token } }), "verifyEmail");
  assert.equal((await forgot.getSession()).data.user.emailVerified, true);

  const accounts = ok(await forgot.listAccounts(), "listAccounts");
  assert.deepEqual(accounts.map((a) => a.providerId), ["credential"]);
  assert.equal(Object.hasOwn(accounts[0], "password"), false, "no password hash on the wire");
});

test("dev mailbox: GET filters by address, newest first; DELETE empties it", async () => {
  await fetch(`${srv.origin}/__test/mail`, { method: "DELETE" });
  const c = browser(srv.origin);
  ok(await c.signUp.email({ name: "Eve", email: "eve@example.com", password: PW }), "sign-up eve");
  for (const email of ["eve@example.com", "nobody@example.com", "eve@example.com"]) {
    ok(await c.requestPasswordReset({ email }), "requestPasswordReset");
  }
  const eve = await mailTo(srv.origin, "eve@example.com");
  assert.equal(eve.length, 2, "unknown addresses get no mail");
  assert.deepEqual(Object.keys(eve[0]), ["to", "kind", "url", "token", "createdAt"]);
  assert.ok(eve[0].createdAt >= eve[1].createdAt, "newest first");
  assert.notEqual(eve[0].token, eve[1].token);
  // Log lines reach stderr through the server's log writer (within about 10 ms): wait for it.
  const logged = () => (srv.stderr() + srv.stdout()).split("\n")
    .some((l) => l.includes("mail") && l.includes(eve[0].url));
  for (let i = 0; i < 100 && !logged(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(logged(), "the link is logged on one line");
  const cleared = await fetch(`${srv.origin}/__test/mail`, { method: "DELETE" });
  assert.equal(cleared.status, 200);
  assert.deepEqual(await mailTo(srv.origin, "eve@example.com"), []);
});

// Two servers, one SQLite file and one secret.
async function pair(t) {
  const file = dirs.file(`shared-${t}.db`);
  const ref = await startServer("ref", { db: file, extraArgs: ["--test-api"] });
  const sub = await startServer("ba-issuer", { db: file, extraArgs: ["--test-api"] });
  return { ref, sub, stop: () => Promise.all([ref.stop(), sub.stop()]) };
}

test("shared database: a reset requested on one server completes on the other, both ways", async () => {
  const { ref, sub, stop } = await pair("reset");
  try {
    ok(await browser(ref.origin).signUp.email({ name: "Fox", email: "fox@example.com", password: PW }), "sign-up on Better Auth");
    ok(await browser(sub.origin).requestPasswordReset({ email: "fox@example.com" }), "reset requested on ba-issuer");
    const [fromSub] = await mailTo(sub.origin, "fox@example.com");
    ok(await browser(ref.origin).resetPassword({ newPassword: PW2, token: fromSub.token }), "completed on Better Auth");
    ok(await browser(sub.origin).signIn.email({ email: "fox@example.com", password: PW2 }), "new password on ba-issuer");

    ok(await browser(ref.origin).requestPasswordReset({ email: "fox@example.com" }), "reset requested on Better Auth");
    const [fromRef] = await mailTo(ref.origin, "fox@example.com");
    ok(await browser(sub.origin).resetPassword({ newPassword: PW3, token: fromRef.token }), "completed on ba-issuer");
    ok(await browser(ref.origin).signIn.email({ email: "fox@example.com", password: PW3 }), "new password on Better Auth");
  } finally {
    await stop();
  }
});

test("shared database: a password changed on ba-issuer signs in on Better Auth; verification tokens cross over", async () => {
  const { ref, sub, stop } = await pair("change");
  try {
    const page = browser(sub.origin);
    ok(await page.signUp.email({ name: "Gil", email: "gil@example.com", password: PW }), "sign-up on ba-issuer");
    ok(await page.changePassword({ currentPassword: PW, newPassword: PW2 }), "changePassword on ba-issuer");
    assert.equal((await browser(ref.origin).signIn.email({ email: "gil@example.com", password: PW })).error?.code, "INVALID_EMAIL_OR_PASSWORD");
    const other = browser(ref.origin);
    ok(await other.signIn.email({ email: "gil@example.com", password: PW2 }), "the new password on Better Auth");

    ok(await browser(ref.origin).sendVerificationEmail({ email: "gil@example.com" }), "verification mailed by Better Auth");
    const [mail] = await mailTo(ref.origin, "gil@example.com");
    ok(await browser(sub.origin).verifyEmail({ query: { token: mail.token } }), "verified on ba-issuer");
    assert.equal((await other.getSession()).data.user.emailVerified, true, "Better Auth sees the verified email");
  } finally {
    await stop();
  }
});
