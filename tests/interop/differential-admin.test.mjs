// Differential test of Better Auth's admin plugin (issue 19 §2): the real Better Auth 1.7.25
// with admin() and ba-issuer with {"plugins": {"admin": {...}}}, the same config file for both.
// Sign-up (the default role, the plugin's fields refused as input), the ban check and its
// expiry on sign-in, role and ban fields typed in answers and token claims, and every admin
// route (ban-user, unban-user, set-role, list-users, revoke-user-sessions, impersonate-user,
// stop-impersonating) with good and bad input, then the rows of both databases.
//
// An admin cannot be made through the API: the first one is written into each database the
// same way (a `prepare` step), as an operator would: role = 'admin', or (second config) the
// user's id made the one adminUserIds names.

import assert from "node:assert/strict";
import { describe } from "node:test";
import { writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { runDifferential } from "./differential-engine.mjs";
import { parseSetCookie } from "./harness.mjs";
import { JSONCT, json, cookieOf, SESSION, verificationToken } from "./case-support.mjs";

const PW = "correct horse battery";
const FIXED_ADMIN_ID = "fixedAdminId000000000000000000AA";

// Every non-empty cookie a reply sets, kept as ctx[name] (a Cookie header), over what it had.
const keepAll = (name) => (res, ctx) => {
  const jar = new Map((ctx[name] ?? "").split("; ").filter(Boolean).map((p) => [p.split("=")[0], p]));
  for (const sc of res.setCookies) {
    const c = parseSetCookie(sc);
    if (c.value) jar.set(c.name, `${c.name}=${c.value}`);
    else jar.delete(c.name);
  }
  ctx[name] = [...jar.values()].join("; ");
};
const keep = (name) => (res, ctx) => {
  const c = cookieOf(SESSION, res);
  if (c) ctx[name] = c;
};
const as = (ctx, name, method, path, body) => ({
  method,
  path,
  headers: { ...(body === undefined ? {} : JSONCT), ...(ctx[name] ? { cookie: ctx[name] } : {}), origin: ctx.origin },
  body: body === undefined ? undefined : typeof body === "string" ? body : json(body),
});
const signUp = (name, email, extra = {}) => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name, email, password: PW, ...extra }) });
const signIn = (email) => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email, password: PW }) });

function write(file, ...statements) {
  const db = new Database(file);
  try {
    db.pragma("foreign_keys = OFF");  // an id moves in user, account and session together
    db.transaction(() => statements.forEach(([sql, ...args]) => db.prepare(sql).run(...args)))();
  } finally {
    db.close();
  }
}
const idOf = (file, email) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT id FROM "user" WHERE email = ?').get(email).id;
  } finally {
    db.close();
  }
};
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
// Reads a user's id into ctx[key] (the ids differ between the two servers).
const learnId = (email, key) => async (server, ctx) => {
  ctx[key] = idOf(ctx.db, email);
};
const tokenOf = (ctx, name) => decodeURIComponent(ctx[name].match(/session_token=([^;]+)/)[1]).split(".")[0];

// The rows both databases hold at the end, run-specific values masked.
function adminRows(file) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      users: db.prepare(`SELECT email, role, banned, banReason, banExpires IS NOT NULL AS banEnds,
                         updatedAt > createdAt AS updatedAfter FROM "user" ORDER BY email`).all(),
      sessions: db.prepare(`SELECT u.email, count(*) AS n, count(s.impersonatedBy) AS impersonated
                            FROM "session" s JOIN "user" u ON u.id = s.userId GROUP BY u.email ORDER BY u.email`).all(),
      columns: db.prepare(`SELECT name, type FROM pragma_table_info('user') WHERE name IN ('role','banned','banReason','banExpires')
                           UNION ALL SELECT name, type FROM pragma_table_info('session') WHERE name = 'impersonatedBy'`).all(),
    };
  } finally {
    db.close();
  }
}

const serverOpts = (config, file) => (kind, dirs) => {
  const path = dirs.file(file);
  writeFileSync(path, JSON.stringify(config));
  return { extraArgs: ["--config", path, "--test-api"] };
};

// Config 1: admin() with Better Auth's defaults.
const cases = [
  { name: "sign-up root → role user, banned false", req: () => signUp("Root", "root@example.com"), after: keep("root") },
  { name: "sign-up bob", req: () => signUp("Bob", "bob@example.com"), after: keep("bob") },
  { name: "sign-up carol with banned:true → 200, banned false (input replaced by the default)", req: () => signUp("Carol", "carol@example.com", { banned: true }), after: keep("carol") },
  { name: "sign-up with role → 400 FIELD_NOT_ALLOWED", req: () => signUp("Eve", "eve@example.com", { role: "admin" }) },
  { name: "sign-up with banReason → 400 FIELD_NOT_ALLOWED", req: () => signUp("Eve", "eve@example.com", { banReason: "x" }) },
  { name: "sign-up with role:\"\" (falsy) → 200", req: () => signUp("Dave", "dave@example.com", { role: "" }), after: keep("dave") },
  { name: "update-user role → 400 FIELD_NOT_ALLOWED", req: (ctx) => as(ctx, "bob", "POST", "/update-user", { role: "admin" }) },
  { name: "update-user banned:false only → 400 No fields to update", req: (ctx) => as(ctx, "bob", "POST", "/update-user", { banned: false }) },
  { name: "update-user banned:true → 400 FIELD_NOT_ALLOWED", req: (ctx) => as(ctx, "bob", "POST", "/update-user", { name: "B", banned: true }) },

  // Non-admins and no session
  { name: "ban-user without a session → 401, empty body", req: (ctx) => ({ method: "POST", path: "/admin/ban-user", headers: { ...JSONCT, origin: ctx.origin }, body: json({ userId: "x" }) }) },
  { name: "ban-user as bob (role user) → 403", req: (ctx) => as(ctx, "bob", "POST", "/admin/ban-user", { userId: "x" }) },
  { name: "unban-user as bob → 403", req: (ctx) => as(ctx, "bob", "POST", "/admin/unban-user", { userId: "x" }) },
  { name: "set-role as bob → 403", req: (ctx) => as(ctx, "bob", "POST", "/admin/set-role", { userId: "x", role: "admin" }) },
  { name: "list-users as bob → 403", req: (ctx) => as(ctx, "bob", "GET", "/admin/list-users") },
  { name: "list-users without a session → 401", req: () => ({ method: "GET", path: "/admin/list-users" }) },
  { name: "revoke-user-sessions as bob → 403", req: (ctx) => as(ctx, "bob", "POST", "/admin/revoke-user-sessions", { userId: "x" }) },
  { name: "impersonate-user as bob → 403", req: (ctx) => as(ctx, "bob", "POST", "/admin/impersonate-user", { userId: "x" }) },
  { name: "stop-impersonating without a session → 401", req: (ctx) => ({ method: "POST", path: "/admin/stop-impersonating", headers: { origin: ctx.origin } }) },
  { name: "stop-impersonating, not impersonating → 400", req: (ctx) => as(ctx, "bob", "POST", "/admin/stop-impersonating") },

  // The first admin, written into each database
  { name: "root made admin in the store; sign-in root → role admin", prepare: async (s, ctx) => write(ctx.db, [`UPDATE "user" SET role = 'admin' WHERE email = 'root@example.com'`]), req: () => signIn("root@example.com"), after: keep("root") },
  { name: "get-session root → role admin, impersonatedBy null", req: (ctx) => as(ctx, "root", "GET", "/get-session") },
  { name: "token root → role and ban fields in the claims", req: (ctx) => as(ctx, "root", "GET", "/token") },

  // ban-user
  { name: "ban-user no body → 400", req: (ctx) => as(ctx, "root", "POST", "/admin/ban-user") },
  { name: "ban-user {} → 400 userId", req: (ctx) => as(ctx, "root", "POST", "/admin/ban-user", {}) },
  { name: "ban-user [] → 400 object", req: (ctx) => as(ctx, "root", "POST", "/admin/ban-user", "[]") },
  { name: "ban-user bad types → 400 both issues", req: (ctx) => as(ctx, "root", "POST", "/admin/ban-user", { userId: 5, banReason: 4, banExpiresIn: "x" }) },
  { name: "ban-user text/plain → 415", req: (ctx) => ({ ...as(ctx, "root", "POST", "/admin/ban-user"), headers: { "content-type": "text/plain", cookie: ctx.root, origin: ctx.origin }, body: "x" }) },
  { name: "ban-user with a cookie and no Origin → 403", req: (ctx) => ({ method: "POST", path: "/admin/ban-user", headers: { ...JSONCT, cookie: ctx.root }, body: json({ userId: "x" }) }) },
  { name: "ban-user unknown user → 404 USER_NOT_FOUND", req: (ctx) => as(ctx, "root", "POST", "/admin/ban-user", { userId: "nobody" }) },
  { name: "ban-user userId null → 404 (coerced to \"null\")", req: (ctx) => as(ctx, "root", "POST", "/admin/ban-user", { userId: null }) },
  { name: "ban-user yourself → 400 YOU_CANNOT_BAN_YOURSELF", prepare: learnId("root@example.com", "rootId"), req: (ctx) => as(ctx, "root", "POST", "/admin/ban-user", { userId: ctx.rootId }) },
  { name: "ban-user bob → 200, banned, reason", prepare: learnId("bob@example.com", "bobId"), req: (ctx) => as(ctx, "root", "POST", "/admin/ban-user", { userId: ctx.bobId, banReason: "spam" }) },
  { name: "bob's session is gone (ban-user deletes it)", req: (ctx) => as(ctx, "bob", "GET", "/get-session") },
  { name: "token with bob's old cookie → 401", req: (ctx) => as(ctx, "bob", "GET", "/token") },
  { name: "sign-in bob → 403 BANNED_USER", req: () => signIn("bob@example.com") },
  { name: "verify-email banned bob (auto sign-in) → 403 BANNED_USER", req: () => ({ method: "GET", path: `/verify-email?token=${verificationToken({ email: "bob@example.com" }, 600)}` }) },
  { name: "verify-email banned bob with callbackURL", req: () => ({ method: "GET", path: `/verify-email?token=${verificationToken({ email: "bob@example.com" }, 600)}&callbackURL=%2Fdone` }) },
  { name: "ban-user bob again, empty reason → \"No reason\", banExpiresIn 0 → never", req: (ctx) => as(ctx, "root", "POST", "/admin/ban-user", { userId: ctx.bobId, banReason: "", banExpiresIn: 0 }) },
  { name: "impersonate banned bob → 403 BANNED_USER", req: (ctx) => as(ctx, "root", "POST", "/admin/impersonate-user", { userId: ctx.bobId }) },

  // list-users
  { name: "list-users → every user, total", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users") },
  { name: "list-users limit=1 offset=1", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?limit=1&offset=1") },
  { name: "list-users limit=0 offset=0 (falsy: not echoed)", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?limit=0&offset=0") },
  { name: "list-users limit=abc (NaN: no limit)", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?limit=abc") },
  { name: "list-users limit=1.5 → no users", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?limit=1.5") },
  { name: "list-users search email contains 'o'", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?searchValue=o") },
  { name: "list-users search name starts_with C", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?searchValue=C&searchField=name&searchOperator=starts_with") },
  { name: "list-users search ends_with", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?searchValue=example.com&searchOperator=ends_with") },
  { name: "list-users sortBy email desc", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?sortBy=email&sortDirection=desc") },
  { name: "list-users sortBy unknown field → no users", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?sortBy=nope") },
  { name: "list-users filter banned=true", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?filterField=banned&filterValue=true") },
  { name: "list-users filter role ne user", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?filterField=role&filterValue=user&filterOperator=ne") },
  { name: "list-users filter role not_in user", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?filterField=role&filterValue=user&filterOperator=not_in") },
  { name: "list-users filter in (one value) → no users", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?filterField=role&filterValue=user&filterOperator=in") },
  { name: "list-users filter on an unknown field → no users", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?filterField=nope&filterValue=1") },
  { name: "list-users filter email eq (default field and operator)", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?filterValue=carol%40example.com") },
  { name: "list-users bad enums → 400 every issue", req: (ctx) => as(ctx, "root", "GET", "/admin/list-users?searchField=role&searchOperator=x&sortDirection=up&filterOperator=zz") },

  // unban-user
  { name: "unban-user {} → 400", req: (ctx) => as(ctx, "root", "POST", "/admin/unban-user", {}) },
  { name: "unban-user unknown → 404", req: (ctx) => as(ctx, "root", "POST", "/admin/unban-user", { userId: "nobody" }) },
  { name: "unban-user bob → 200", req: (ctx) => as(ctx, "root", "POST", "/admin/unban-user", { userId: ctx.bobId }) },
  { name: "sign-in bob after unban → 200", req: () => signIn("bob@example.com"), after: keep("bob") },

  // set-role
  { name: "set-role {} → 400 both issues", req: (ctx) => as(ctx, "root", "POST", "/admin/set-role", {}) },
  { name: "set-role role:5 → 400", req: (ctx) => as(ctx, "root", "POST", "/admin/set-role", { userId: "x", role: 5 }) },
  { name: "set-role role:[admin,5] → 400", req: (ctx) => as(ctx, "root", "POST", "/admin/set-role", { userId: "x", role: ["admin", 5] }) },
  { name: "set-role unknown user → 404", req: (ctx) => as(ctx, "root", "POST", "/admin/set-role", { userId: "nobody", role: "admin" }) },
  { name: "set-role bob [admin, user] → 200 'admin,user'", req: (ctx) => as(ctx, "root", "POST", "/admin/set-role", { userId: ctx.bobId, role: ["admin", "user"] }) },
  { name: "bob (now admin,user) may list users", req: (ctx) => as(ctx, "bob", "GET", "/admin/list-users?limit=1") },
  { name: "set-role bob superhero (no roles configured: any value) → 200", req: (ctx) => as(ctx, "root", "POST", "/admin/set-role", { userId: ctx.bobId, role: "superhero" }) },
  { name: "bob (superhero) may not list users", req: (ctx) => as(ctx, "bob", "GET", "/admin/list-users") },
  { name: "set-role bob user → 200", req: (ctx) => as(ctx, "root", "POST", "/admin/set-role", { userId: ctx.bobId, role: "user" }) },

  // revoke-user-sessions
  { name: "revoke-user-sessions {} → 400", req: (ctx) => as(ctx, "root", "POST", "/admin/revoke-user-sessions", {}) },
  { name: "revoke-user-sessions unknown user → 200", req: (ctx) => as(ctx, "root", "POST", "/admin/revoke-user-sessions", { userId: "nobody" }) },
  { name: "revoke-user-sessions bob → 200", req: (ctx) => as(ctx, "root", "POST", "/admin/revoke-user-sessions", { userId: ctx.bobId }) },
  { name: "bob's session is revoked", req: (ctx) => as(ctx, "bob", "GET", "/get-session") },

  // A ban that ends: banExpiresIn 1 s, then the next sign-in lifts it
  { name: "ban-user carol for 1 s → banExpires set", prepare: learnId("carol@example.com", "carolId"), req: (ctx) => as(ctx, "root", "POST", "/admin/ban-user", { userId: ctx.carolId, banExpiresIn: 1 }) },
  { name: "sign-in carol during the ban → 403", req: () => signIn("carol@example.com") },
  { name: "sign-in carol after it ended → 200 (ban lifted in the store; the answer shows the user as read)", prepare: () => wait(1300), req: () => signIn("carol@example.com"), after: keep("carol") },
  { name: "get-session carol → banned false", req: (ctx) => as(ctx, "carol", "GET", "/get-session") },

  // impersonate-user / stop-impersonating
  { name: "impersonate-user {} → 400", req: (ctx) => as(ctx, "root", "POST", "/admin/impersonate-user", {}) },
  { name: "impersonate-user unknown → 404", req: (ctx) => as(ctx, "root", "POST", "/admin/impersonate-user", { userId: "nobody" }) },
  { name: "impersonate-user root (an admin) → 403 YOU_CANNOT_IMPERSONATE_ADMINS", req: (ctx) => as(ctx, "root", "POST", "/admin/impersonate-user", { userId: ctx.rootId }) },
  { name: "sign-in root again (a jar with every cookie)", req: () => signIn("root@example.com"), after: keepAll("rootJar") },
  { name: "impersonate-user carol → 200, session cookies and admin_session", req: (ctx) => as(ctx, "rootJar", "POST", "/admin/impersonate-user", { userId: ctx.carolId }), after: keepAll("rootJar") },
  { name: "get-session as carol (impersonated) → impersonatedBy", req: (ctx) => as(ctx, "rootJar", "GET", "/get-session") },
  { name: "list-sessions as carol hides the impersonation session", req: (ctx) => as(ctx, "rootJar", "GET", "/list-sessions") },
  { name: "token as carol (impersonated)", req: (ctx) => as(ctx, "rootJar", "GET", "/token") },
  { name: "stop-impersonating without the admin cookie → 500", req: (ctx) => ({ ...as(ctx, "rootJar", "POST", "/admin/stop-impersonating"), headers: { origin: ctx.origin, cookie: ctx.rootJar.split("; ").filter((c) => !c.includes("admin_session")).join("; ") } }) },
  { name: "stop-impersonating → 200, root's session back", req: (ctx) => as(ctx, "rootJar", "POST", "/admin/stop-impersonating"), after: keepAll("rootJar") },
  { name: "get-session after stop → root", req: (ctx) => as(ctx, "rootJar", "GET", "/get-session") },
  { name: "impersonate-user dave (a second impersonation)", prepare: learnId("dave@example.com", "daveId"), req: (ctx) => as(ctx, "root", "POST", "/admin/impersonate-user", { userId: ctx.daveId }), after: keepAll("rootImp2") },
  { name: "sign-in root rememberMe:false", req: () => ({ ...signIn("root@example.com"), body: json({ email: "root@example.com", password: PW, rememberMe: false }) }), after: keepAll("rootShort") },
  { name: "impersonate-user dave from a dont-remember session", req: (ctx) => as(ctx, "rootShort", "POST", "/admin/impersonate-user", { userId: ctx.daveId }), after: keepAll("rootShort") },
  { name: "stop-impersonating → the dont-remember session back (no Max-Age)", req: (ctx) => as(ctx, "rootShort", "POST", "/admin/stop-impersonating") },
];

describe("admin() with Better Auth's defaults", () => {
  runDifferential({
    cases,
    serverOpts: serverOpts({ emailVerification: { autoSignInAfterVerification: true }, plugins: { admin: {} } }, "admin.json"),
    finalChecks: (ref, sub, refCtx, subCtx) => assert.deepEqual(adminRows(subCtx.db), adminRows(refCtx.db)),
  });
});

// Config 2: bannedUserMessage, adminUserIds, defaultRole, defaultBanReason, defaultBanExpiresIn.
const OPTIONS = {
  bannedUserMessage: "Your account is suspended.",
  adminUserIds: [FIXED_ADMIN_ID],
  defaultRole: "member",
  defaultBanReason: "Rules",
  defaultBanExpiresIn: 3600,
};
// ops: a user whose id is the one adminUserIds names, written into the store with mia's
// password hash (same password) and no role (so defaultRole applies).
const insertFixedAdmin = async (server, ctx) => {
  const db = new Database(ctx.db, { readonly: true });
  const hash = db.prepare(`SELECT a.password FROM "account" a JOIN "user" u ON u.id = a.userId WHERE u.email = 'mia@example.com'`).get().password;
  db.close();
  const now = new Date().toISOString();
  write(ctx.db,
    ['INSERT INTO "user" (id, name, email, emailVerified, image, createdAt, updatedAt, banned) VALUES (?, ?, ?, 0, NULL, ?, ?, 0)', FIXED_ADMIN_ID, "Ops", "ops@example.com", now, now],
    ['INSERT INTO "account" (id, accountId, providerId, userId, password, createdAt, updatedAt) VALUES (?, ?, \'credential\', ?, ?, ?, ?)', "opsAccount", FIXED_ADMIN_ID, FIXED_ADMIN_ID, hash, now, now]);
};
const optionCases = [
  { name: "sign-up mia → role member (defaultRole)", req: () => signUp("Mia", "mia@example.com"), after: keep("mia") },
  { name: "ops (id in adminUserIds, no role) written into the store; sign-in ops", prepare: insertFixedAdmin, req: () => signIn("ops@example.com"), after: keepAll("ops") },
  { name: "ops (member, in adminUserIds) lists users", req: (ctx) => as(ctx, "ops", "GET", "/admin/list-users") },
  { name: "ban-user mia → defaultBanReason, banExpires in an hour", prepare: learnId("mia@example.com", "miaId"), req: (ctx) => as(ctx, "ops", "POST", "/admin/ban-user", { userId: ctx.miaId }) },
  { name: "sign-in mia → 403 with bannedUserMessage", req: () => signIn("mia@example.com") },
  { name: "unban mia", req: (ctx) => as(ctx, "ops", "POST", "/admin/unban-user", { userId: ctx.miaId }) },
  { name: "set-role mia admin", req: (ctx) => as(ctx, "ops", "POST", "/admin/set-role", { userId: ctx.miaId, role: "admin" }) },
  { name: "sign-in mia (admin role)", req: () => signIn("mia@example.com"), after: keep("mia") },
  { name: "mia (admin role) may not impersonate ops (in adminUserIds)", req: (ctx) => as(ctx, "mia", "POST", "/admin/impersonate-user", { userId: FIXED_ADMIN_ID }) },
  { name: "ops (adminUserIds: every permission) may impersonate mia (an admin)", req: (ctx) => as(ctx, "ops", "POST", "/admin/impersonate-user", { userId: ctx.miaId }) },
];

describe("admin() with bannedUserMessage, adminUserIds, defaultRole, defaultBanReason, defaultBanExpiresIn", () => {
  runDifferential({
    cases: optionCases,
    serverOpts: serverOpts({ plugins: { admin: OPTIONS } }, "admin-options.json"),
    finalChecks: (ref, sub, refCtx, subCtx) => assert.deepEqual(adminRows(subCtx.db), adminRows(refCtx.db)),
  });
});
