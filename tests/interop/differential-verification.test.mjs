// Differential test of emailAndPassword.requireEmailVerification and session.freshAge (issue 10):
// sign-up without auto sign-in (and the generic answer for a taken email), sign-in refused until
// the mailed link is followed, list-sessions refused once the session is older than freshAge,
// delete-user answered 404 while user.deleteUser is off. Same engine and comparison as
// differential.test.mjs; both servers read VERIFICATION_CONFIG.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { runDifferential } from "./differential-engine.mjs";
import { JSONCT, json, cookieOf, SESSION, mailTo, rows } from "./case-support.mjs";

const PW = "correct horse battery";
const VERIFICATION_CONFIG = {
  emailAndPassword: { enabled: true, requireEmailVerification: true },
  session: { freshAge: 2 },
};

const withCookie = (ctx, method, path, body) => ({
  method,
  path,
  headers: { ...(body === undefined ? {} : JSONCT), cookie: ctx.carol, origin: ctx.origin },
  body: body === undefined ? undefined : json(body),
});
const signUp = (name) => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name, email: "carol@example.com", password: PW, callbackURL: "/welcome" }) });
const signIn = (password) => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "carol@example.com", password }) });

const cases = [
  { name: "sign-up carol → no token, no cookie (a verification mail instead)", req: () => signUp("Carol") },
  { name: "sign-up carol again → the same generic answer, not 422", req: () => signUp("Carol Two") },
  { name: "sign-in unverified carol → 403 EMAIL_NOT_VERIFIED", req: () => signIn(PW) },
  { name: "sign-in carol wrong password → 401 first", req: () => signIn("wrong password") },
  {
    name: "verify-email with the mailed link → 302 to the callback, no session (no autoSignIn)",
    prepare: async (server, ctx) => {
      const [m] = await mailTo(server.origin, "carol@example.com");
      ctx.verify = m.token;
      ctx.mailUrl = m.url;
    },
    req: (ctx) => ({ method: "GET", path: ctx.mailUrl.slice(ctx.mailUrl.indexOf("/verify-email")) }),
  },
  { name: "sign-in verified carol → 200", req: () => signIn(PW), after: (res, ctx) => { ctx.carol = cookieOf(SESSION, res); } },
  { name: "list-sessions on a fresh session → 200", req: (ctx) => withCookie(ctx, "GET", "/list-sessions") },
  {
    name: "list-sessions once the session is older than freshAge → 403 SESSION_NOT_FRESH",
    prepare: () => new Promise((resolve) => setTimeout(resolve, 2200)),
    req: (ctx) => withCookie(ctx, "GET", "/list-sessions"),
  },
  { name: "revoke-other-sessions needs no fresh session → 200", req: (ctx) => withCookie(ctx, "POST", "/revoke-other-sessions", {}) },
  { name: "delete-user while user.deleteUser is off → 404", req: (ctx) => withCookie(ctx, "POST", "/delete-user", {}) },
  { name: "delete-user off, no session → 401 first", req: () => ({ method: "POST", path: "/delete-user", headers: JSONCT, body: "{}" }) },
];

runDifferential({
  cases,
  serverOpts: (kind, dirs) => {
    const file = dirs.file("verification.json");
    writeFileSync(file, JSON.stringify(VERIFICATION_CONFIG));
    return { extraArgs: ["--config", file, "--test-api"] };
  },
  finalChecks: (ref, sub, refCtx, subCtx) => assert.deepEqual(rows(subCtx.db), rows(refCtx.db)),
});
