// Differential test of Better Auth's rate limiter (issue 19 §6): both servers run the same
// rateLimit options (ba-issuer reads RATE_LIMIT_CONFIG with --config, ref-server.mjs its
// rateLimit section): the database storage, a tight default rule, customRules with false and a
// wildcard, and Better Auth's special rules over them. Compared as in differential.test.mjs
// (status, body, content type), plus X-Retry-After, then the rateLimit rows of both databases
// (key "ip|path" and count). The client is 127.0.0.1 for both: Better Auth's development
// fallback without X-Forwarded-For, and ba-issuer's peer address.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { runDifferential } from "./differential-engine.mjs";
import { JSONCT, json } from "./case-support.mjs";

const PW = "correct horse battery";
const TOO_MANY = { message: "Too many requests. Please try again later." };

export const RATE_LIMIT_CONFIG = {
  rateLimit: {
    enabled: true,
    storage: "database",
    window: 10,
    max: 2,
    customRules: { "/ok": false, "/list-*": { window: 30, max: 1 } },
  },
};

// X-Retry-After of each 429, by case name.
const retry = (res, ctx) => {
  if (res.status === 429) (ctx.retry ??= {})[ctx.current] = Number(res.headers["x-retry-after"]);
};
const named = (name, req) => ({
  name,
  req: (ctx) => {
    ctx.current = name;
    return req(ctx);
  },
  after: retry,
});
const signIn = (password) => () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password }) });
const signUp = (who) => () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: who, email: `${who}@example.com`, password: PW }) });
const reset = () => ({ method: "POST", path: "/request-password-reset", headers: JSONCT, body: json({ email: "nobody@example.com" }) });
const get = (path) => () => ({ method: "GET", path });

const cases = [
  // Sign-up: Better Auth's special rule (3 per 10 s) over the default (2 per 10 s).
  named("sign-up alice", signUp("alice")),
  named("sign-up bob", signUp("bob")),
  named("sign-up carol (the 3rd in 10 s)", signUp("carol")),
  named("sign-up dave → 429", signUp("dave")),
  // Sign-in: its own count, 3 per 10 s; the 4th is refused even with the right password.
  named("sign-in wrong password 1", signIn("wrong password")),
  named("sign-in wrong password 2", signIn("wrong password")),
  named("sign-in wrong password 3", signIn("wrong password")),
  named("sign-in right password 4th → 429", signIn(PW)),
  // The default rule from the config: 2 per 10 s.
  named("token without a session 1", get("/token")),
  named("token without a session 2", get("/token")),
  named("token 3rd → 429 (rateLimit.max 2)", get("/token")),
  // customRules: false takes the path out; a wildcard key with its own rule.
  named("ok 1 (customRules false)", get("/ok")),
  named("ok 2", get("/ok")),
  named("ok 3", get("/ok")),
  named("ok 4: never limited", get("/ok")),
  named("list-sessions without a session (\"/list-*\": 1 per 30 s)", get("/list-sessions")),
  named("list-sessions 2nd → 429", get("/list-sessions")),
  named("list-accounts: the same rule, its own count", get("/list-accounts")),
  // Password reset requests: 3 per 60 s.
  named("request-password-reset 1", reset),
  named("request-password-reset 2", reset),
  named("request-password-reset 3", reset),
  named("request-password-reset 4th → 429", reset),
];

// Sent to ba-issuer only: it keys the client by its own address, so X-Forwarded-For from a peer
// that is no trusted proxy changes nothing. Better Auth (no trustedProxies) believes a
// single-address header from anyone and would count it apart (200).
const deliberate = [
  {
    name: "request-password-reset with a spoofed X-Forwarded-For is still this client → 429",
    req: () => ({ ...reset(), headers: { ...JSONCT, "x-forwarded-for": "203.0.113.50" } }),
    expect: { status: 429, body: TOO_MANY },
  },
];

const configFile = (dirs) => {
  const file = dirs.file("rate-limit.json");
  writeFileSync(file, JSON.stringify(RATE_LIMIT_CONFIG));
  return file;
};

function limitRows(file) {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT "key", "count" FROM "rateLimit" ORDER BY "key"').all();
  } finally {
    db.close();
  }
}

runDifferential({
  cases,
  deliberate,
  serverOpts: (kind, dirs) => ({ extraArgs: ["--config", configFile(dirs)] }),
  finalChecks: (ref, sub, refCtx, subCtx) => {
    assert.deepEqual(Object.keys(subCtx.retry ?? {}), Object.keys(refCtx.retry ?? {}));
    assert.equal(Object.keys(refCtx.retry).length, 5);
    for (const [name, seconds] of Object.entries(refCtx.retry)) {
      const window = /reset/.test(name) ? 60 : /list/.test(name) ? 30 : 10;
      for (const s of [seconds, subCtx.retry[name]]) assert.ok(s >= window - 2 && s <= window, `${name}: X-Retry-After ${s}`);
      assert.ok(Math.abs(seconds - subCtx.retry[name]) <= 1, `${name}: ${seconds} vs ${subCtx.retry[name]}`);
    }
    const refRows = limitRows(refCtx.db);
    assert.deepEqual(limitRows(subCtx.db), refRows);
    assert.ok(refRows.some((r) => r.key === "127.0.0.1|/sign-in/email" && r.count === 3), JSON.stringify(refRows));
  },
});
