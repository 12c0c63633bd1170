// Differential test of the account routes (issue 10): sessions, profile, password change and
// reset, email verification, accounts, delete-user. Both servers run with the same options
// (ACCOUNTS_CONFIG: ba-issuer reads it with --config, ref-server.mjs reads its Better Auth
// sections) and capture mail: ba-issuer's dev mailbox and the reference's sendResetPassword /
// sendVerificationEmail, both at GET /__test/mail. Compared as in differential.test.mjs, then the
// resulting rows of both databases.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { runDifferential } from "./differential-engine.mjs";
import { JSONCT, json, cookieOf, SESSION, mailTo, verificationToken, rows } from "./case-support.mjs";

const PW = "correct horse battery";
const PW2 = "new horse battery staple";
const PW3 = "reset horse battery staple";

export const ACCOUNTS_CONFIG = {
  emailAndPassword: { enabled: true, resetPasswordTokenExpiresIn: 600, revokeSessionsOnPasswordReset: true },
  emailVerification: { sendOnSignUp: true, autoSignInAfterVerification: true, expiresIn: 1800 },
  user: { deleteUser: { enabled: true } },
};

// A request with the session cookie `name` of ctx and a trusted Origin.
const as = (ctx, name, method, path, body) => ({
  method,
  path,
  headers: { ...(body === undefined ? {} : JSONCT), cookie: ctx[name], origin: ctx.origin },
  body: body === undefined ? undefined : json(body),
});
const keep = (name) => (res, ctx) => {
  const c = cookieOf(SESSION, res);
  if (c) ctx[name] = c;
};
// Picks the newest mail of a kind for an address into ctx[key] (and masks its token).
const takeMail = (to, kind, key) => async (server, ctx) => {
  const m = (await mailTo(server.origin, to)).find((x) => x.kind === kind);
  if (!m) throw new Error(`no ${kind} mail for ${to} on ${server.kind}`);
  ctx[key] = m.token;
  (ctx.masks ??= []).push(m.token);
};

const cases = [
  { name: "sign-up alice (sendOnSignUp mails a link)", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Alice", email: "alice@example.com", password: PW }) }), after: keep("alice") },
  { name: "sign-up bob", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Bob", email: "bob@example.com", password: PW }) }), after: keep("bob") },
  { name: "sign-in alice again (second session)", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW }) }), after: keep("alice2") },

  // list-sessions, list-accounts
  { name: "list-sessions without a session → 401", req: () => ({ method: "GET", path: "/list-sessions" }) },
  { name: "list-sessions alice → her two sessions", req: (ctx) => as(ctx, "alice", "GET", "/list-sessions") },
  { name: "list-accounts without a session → 401", req: () => ({ method: "GET", path: "/list-accounts" }) },
  { name: "list-accounts alice → her credential account", req: (ctx) => as(ctx, "alice", "GET", "/list-accounts") },

  // revoke-session
  { name: "revoke-session with a cookie and no Origin → 403", req: (ctx) => ({ method: "POST", path: "/revoke-session", headers: { ...JSONCT, cookie: ctx.alice }, body: json({ token: "x" }) }) },
  { name: "revoke-session {} → 400", req: (ctx) => as(ctx, "alice", "POST", "/revoke-session", {}) },
  { name: "revoke-session token:5 → 400", req: (ctx) => as(ctx, "alice", "POST", "/revoke-session", { token: 5 }) },
  { name: "revoke-session without a session → 401", req: () => ({ method: "POST", path: "/revoke-session", headers: JSONCT, body: json({ token: "x" }) }) },
  { name: "revoke-session text/plain → 415", req: (ctx) => ({ ...as(ctx, "alice", "POST", "/revoke-session"), headers: { "content-type": "text/plain", cookie: ctx.alice, origin: ctx.origin }, body: "x" }) },
  { name: "revoke-session of another user's token → 200, nothing revoked", req: (ctx) => as(ctx, "alice", "POST", "/revoke-session", { token: decodeURIComponent(ctx.bob.split("=")[1]).split(".")[0] }) },
  { name: "bob's session still lives", req: (ctx) => as(ctx, "bob", "GET", "/get-session") },
  { name: "revoke-session alice's second session → 200", req: (ctx) => as(ctx, "alice", "POST", "/revoke-session", { token: decodeURIComponent(ctx.alice2.split("=")[1]).split(".")[0] }) },
  { name: "the revoked session is gone → null + cookies cleared", req: (ctx) => as(ctx, "alice2", "GET", "/get-session") },
  { name: "revoke-session of an unknown token → 200", req: (ctx) => as(ctx, "alice", "POST", "/revoke-session", { token: "Z".repeat(32) }) },

  // update-user
  { name: "update-user without a session → 401", req: () => ({ method: "POST", path: "/update-user", headers: JSONCT, body: json({ name: "X" }) }) },
  { name: "update-user {} → 400 No fields to update", req: (ctx) => as(ctx, "alice", "POST", "/update-user", {}) },
  { name: "update-user [] → 400 record", req: (ctx) => ({ ...as(ctx, "alice", "POST", "/update-user", {}), body: "[]" }) },
  { name: "update-user email → 400 EMAIL_CAN_NOT_BE_UPDATED", req: (ctx) => as(ctx, "alice", "POST", "/update-user", { email: "other@example.com" }) },
  { name: "update-user email:\"\" and name → 200 (falsy email ignored)", req: (ctx) => as(ctx, "alice", "POST", "/update-user", { email: "", name: "Alice A" }) },
  { name: "update-user unknown field only → 400", req: (ctx) => as(ctx, "alice", "POST", "/update-user", { role: "admin" }) },
  { name: "update-user name and image → 200 + session cookie", req: (ctx) => as(ctx, "alice", "POST", "/update-user", { name: "Alice B", image: "https://cdn.example.com/a.png" }) },
  { name: "update-user image:null → 200", req: (ctx) => as(ctx, "alice", "POST", "/update-user", { image: null }) },
  { name: "get-session shows the new name", req: (ctx) => as(ctx, "alice", "GET", "/get-session") },

  // change-password
  { name: "change-password {} → 400", req: (ctx) => as(ctx, "alice", "POST", "/change-password", {}) },
  { name: "change-password revokeOtherSessions:\"yes\" → 400", req: (ctx) => as(ctx, "alice", "POST", "/change-password", { newPassword: PW2, currentPassword: PW, revokeOtherSessions: "yes" }) },
  { name: "change-password without a session → 401", req: () => ({ method: "POST", path: "/change-password", headers: JSONCT, body: json({ newPassword: PW2, currentPassword: PW }) }) },
  { name: "change-password new too short → 400", req: (ctx) => as(ctx, "alice", "POST", "/change-password", { newPassword: "short", currentPassword: PW }) },
  { name: "change-password new too long → 400", req: (ctx) => as(ctx, "alice", "POST", "/change-password", { newPassword: "a".repeat(129), currentPassword: PW }) },
  { name: "change-password current too long → 400", req: (ctx) => as(ctx, "alice", "POST", "/change-password", { newPassword: PW2, currentPassword: "a".repeat(129) }) },
  { name: "change-password wrong current → 400 INVALID_PASSWORD", req: (ctx) => as(ctx, "alice", "POST", "/change-password", { newPassword: PW2, currentPassword: "wrong password" }) },
  { name: "sign-in alice with the old password still works", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW }) }), after: keep("alice3") },
  { name: "change-password, keep sessions → token null", req: (ctx) => as(ctx, "alice", "POST", "/change-password", { newPassword: PW2, currentPassword: PW }) },
  { name: "change-password with revokeOtherSessions → new session and cookie", req: (ctx) => as(ctx, "alice", "POST", "/change-password", { newPassword: PW, currentPassword: PW2, revokeOtherSessions: true }), after: keep("alice4") },
  { name: "the old session is gone after the rotation", req: (ctx) => as(ctx, "alice", "GET", "/get-session") },
  { name: "the other session is gone too", req: (ctx) => as(ctx, "alice3", "GET", "/get-session") },
  { name: "the new session works", req: (ctx) => as(ctx, "alice4", "GET", "/list-sessions") },

  // request-password-reset and the reset
  { name: "request-password-reset {} → 400", req: () => ({ method: "POST", path: "/request-password-reset", headers: JSONCT, body: "{}" }) },
  { name: "request-password-reset bad email → 400", req: () => ({ method: "POST", path: "/request-password-reset", headers: JSONCT, body: json({ email: "nope" }) }) },
  { name: "request-password-reset unknown email → 200 (same answer)", req: () => ({ method: "POST", path: "/request-password-reset", headers: JSONCT, body: json({ email: "nobody@example.com" }) }) },
  { name: "request-password-reset untrusted redirectTo → 403", req: () => ({ method: "POST", path: "/request-password-reset", headers: JSONCT, body: json({ email: "alice@example.com", redirectTo: "https://evil.example/reset" }) }) },
  { name: "request-password-reset redirectTo:5 → 400", req: () => ({ method: "POST", path: "/request-password-reset", headers: JSONCT, body: json({ email: "alice@example.com", redirectTo: 5 }) }) },
  { name: "request-password-reset alice → 200, mail sent", req: () => ({ method: "POST", path: "/request-password-reset", headers: JSONCT, body: json({ email: "ALICE@example.com", redirectTo: "/reset" }) }) },
  { name: "GET /reset-password/:token → 302 to the callback with the token", prepare: takeMail("alice@example.com", "reset-password", "reset"), req: (ctx) => ({ method: "GET", path: `/reset-password/${ctx.reset}?callbackURL=%2Freset` }) },
  { name: "GET /reset-password/:token absolute callback → 302", req: (ctx) => ({ method: "GET", path: `/reset-password/${ctx.reset}?callbackURL=${encodeURIComponent(ctx.origin + "/r?x=1")}` }) },
  { name: "GET /reset-password/bad → 302 with error=INVALID_TOKEN", req: () => ({ method: "GET", path: "/reset-password/badtoken?callbackURL=%2Freset" }) },
  { name: "GET /reset-password/:token without callbackURL → 400", req: (ctx) => ({ method: "GET", path: `/reset-password/${ctx.reset}` }) },
  { name: "GET /reset-password/:token empty callbackURL → 302 to /error", req: (ctx) => ({ method: "GET", path: `/reset-password/${ctx.reset}?callbackURL=` }) },
  { name: "GET /reset-password/:token untrusted callbackURL → 403", req: (ctx) => ({ method: "GET", path: `/reset-password/${ctx.reset}?callbackURL=${encodeURIComponent("https://evil.example/")}` }) },
  { name: "GET /reset-password/ (no token) → 404", req: () => ({ method: "GET", path: "/reset-password/?callbackURL=%2Freset" }) },
  { name: "POST /reset-password {} → 400", req: () => ({ method: "POST", path: "/reset-password", headers: JSONCT, body: "{}" }) },
  { name: "POST /reset-password without token → 400 INVALID_TOKEN", req: () => ({ method: "POST", path: "/reset-password", headers: JSONCT, body: json({ newPassword: PW3 }) }) },
  { name: "POST /reset-password bad token → 400 INVALID_TOKEN", req: () => ({ method: "POST", path: "/reset-password", headers: JSONCT, body: json({ newPassword: PW3, token: "badtoken" }) }) },
  { name: "POST /reset-password too short → 400", req: (ctx) => ({ method: "POST", path: "/reset-password", headers: JSONCT, body: json({ newPassword: "short", token: ctx.reset }) }) },
  { name: "POST /reset-password → 200", req: (ctx) => ({ method: "POST", path: "/reset-password", headers: JSONCT, body: json({ newPassword: PW3, token: ctx.reset }) }) },
  { name: "POST /reset-password reused token → 400 INVALID_TOKEN", req: (ctx) => ({ method: "POST", path: "/reset-password", headers: JSONCT, body: json({ newPassword: PW, token: ctx.reset }) }) },
  { name: "revokeSessionsOnPasswordReset: alice's session is gone", req: (ctx) => as(ctx, "alice4", "GET", "/get-session") },
  { name: "sign-in alice with the old password → 401", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-in alice with the reset password → 200", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW3 }) }), after: keep("alice") },
  { name: "request-password-reset for bob, token in the query", req: () => ({ method: "POST", path: "/request-password-reset", headers: JSONCT, body: json({ email: "bob@example.com" }) }) },
  { name: "POST /reset-password?token= → 200", prepare: takeMail("bob@example.com", "reset-password", "bobReset"), req: (ctx) => ({ method: "POST", path: `/reset-password?token=${ctx.bobReset}`, headers: JSONCT, body: json({ newPassword: PW3 }) }) },

  // email verification
  { name: "send-verification-email {} → 400", req: () => ({ method: "POST", path: "/send-verification-email", headers: JSONCT, body: "{}" }) },
  { name: "send-verification-email untrusted callbackURL → 403", req: () => ({ method: "POST", path: "/send-verification-email", headers: JSONCT, body: json({ email: "bob@example.com", callbackURL: "https://evil.example/" }) }) },
  { name: "send-verification-email, no session, unknown email → 200", req: () => ({ method: "POST", path: "/send-verification-email", headers: JSONCT, body: json({ email: "nobody@example.com" }) }) },
  { name: "send-verification-email, session of another email → 400 EMAIL_MISMATCH", req: (ctx) => as(ctx, "alice", "POST", "/send-verification-email", { email: "bob@example.com" }) },
  { name: "send-verification-email, no session, bob → 200 (mail)", req: () => ({ method: "POST", path: "/send-verification-email", headers: JSONCT, body: json({ email: "bob@example.com", callbackURL: "/verified" }) }) },
  { name: "verify-email without token → 400", req: () => ({ method: "GET", path: "/verify-email" }) },
  { name: "verify-email bad token → 401 INVALID_TOKEN", req: () => ({ method: "GET", path: "/verify-email?token=abc.def.ghi" }) },
  { name: "verify-email bad token with callbackURL → 302 ?error=INVALID_TOKEN", req: () => ({ method: "GET", path: "/verify-email?token=abc&callbackURL=%2Fverified" }) },
  { name: "verify-email untrusted callbackURL → 403", req: () => ({ method: "GET", path: `/verify-email?token=abc&callbackURL=${encodeURIComponent("https://evil.example/")}` }) },
  { name: "verify-email expired token → 401 TOKEN_EXPIRED", req: () => ({ method: "GET", path: `/verify-email?token=${verificationToken({ email: "bob@example.com" }, -10)}` }) },
  { name: "verify-email token for an unknown user → 401 USER_NOT_FOUND", req: () => ({ method: "GET", path: `/verify-email?token=${verificationToken({ email: "ghost@example.com" }, 600)}` }) },
  { name: "verify-email token with another user's id → 401 INVALID_TOKEN", req: () => ({ method: "GET", path: `/verify-email?token=${verificationToken({ email: "bob@example.com", userId: "someone-else" }, 600)}` }) },
  { name: "verify-email bob (mailed token) → 302 + auto sign-in cookie", prepare: takeMail("bob@example.com", "verify-email", "bobVerify"), req: (ctx) => ({ method: "GET", path: `/verify-email?token=${ctx.bobVerify}&callbackURL=%2Fverified` }) },
  { name: "verify-email bob again → 302, no new session", req: (ctx) => ({ method: "GET", path: `/verify-email?token=${ctx.bobVerify}&callbackURL=%2Fverified` }) },
  { name: "verify-email alice with a token signed by the test (same secret) → 200 + session", req: () => ({ method: "GET", path: `/verify-email?token=${verificationToken({ email: "alice@example.com" }, 600)}` }) },
  { name: "send-verification-email for verified alice with her session → 400", req: (ctx) => as(ctx, "alice", "POST", "/send-verification-email", { email: "alice@example.com" }) },

  // revoke-other-sessions, revoke-sessions
  { name: "sign-in bob twice (1)", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "bob@example.com", password: PW3 }) }), after: keep("bob") },
  { name: "sign-in bob twice (2)", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "bob@example.com", password: PW3 }) }), after: keep("bob2") },
  { name: "revoke-other-sessions without a session → 401", req: () => ({ method: "POST", path: "/revoke-other-sessions", headers: JSONCT, body: "{}" }) },
  { name: "revoke-other-sessions bob → 200", req: (ctx) => as(ctx, "bob", "POST", "/revoke-other-sessions", {}) },
  { name: "bob's other session is gone", req: (ctx) => as(ctx, "bob2", "GET", "/get-session") },
  { name: "bob's own session stays", req: (ctx) => as(ctx, "bob", "GET", "/list-sessions") },
  { name: "revoke-sessions bob, no body → 200 + cookies cleared", req: (ctx) => as(ctx, "bob", "POST", "/revoke-sessions") },
  { name: "bob has no session left", req: (ctx) => as(ctx, "bob", "GET", "/get-session") },

  // delete-user
  { name: "delete-user without a session → 401", req: () => ({ method: "POST", path: "/delete-user", headers: JSONCT, body: "{}" }) },
  { name: "delete-user password:5 → 400", req: (ctx) => as(ctx, "alice", "POST", "/delete-user", { password: 5 }) },
  { name: "delete-user wrong password → 400 INVALID_PASSWORD", req: (ctx) => as(ctx, "alice", "POST", "/delete-user", { password: "wrong password" }) },
  { name: "delete-user unknown token → 404 INVALID_TOKEN", req: (ctx) => as(ctx, "alice", "POST", "/delete-user", { token: "nope" }) },
  { name: "delete-user with the password → 200 + cookies cleared", req: (ctx) => as(ctx, "alice", "POST", "/delete-user", { password: PW3 }) },
  { name: "alice's session is gone", req: (ctx) => as(ctx, "alice", "GET", "/get-session") },
  { name: "sign-in alice after delete → 401", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW3 }) }) },
];

const configFile = (dirs) => {
  const file = dirs.file("accounts.json");
  writeFileSync(file, JSON.stringify(ACCOUNTS_CONFIG));
  return file;
};

runDifferential({
  cases,
  serverOpts: (kind, dirs) => ({ extraArgs: ["--config", configFile(dirs), "--test-api"] }),
  finalChecks: (ref, sub, refCtx, subCtx) => {
    assert.deepEqual(rows(subCtx.db), rows(refCtx.db));
  },
});
