// Differential test of Better Auth's organization plugin as far as tokens need it (issue 19
// §4): the real Better Auth 1.7.25 with organization() and ba-issuer with
// {"plugins": {"organization": {...}}}, the same config file for both. create (good input, bad
// input, a taken slug, keepCurrentActiveOrganization), check-slug, set-active (by id, by slug,
// a non-member's organization, unknown ones, null to unset), list, get-full-organization (the
// active one, by id, by slug, not a member, unknown), get-active-member (with and without an
// active organization), the session's activeOrganizationId in get-session, and the /token
// claims of claims.fromSession and claims.fromMember (ref-server.mjs makes them Better Auth's
// jwt({ jwt: { definePayload } })); then the organization, member and session rows of both
// databases, and the options allowUserToCreateOrganization, organizationLimit and creatorRole.

import assert from "node:assert/strict";
import { describe } from "node:test";
import { writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { runDifferential } from "./differential-engine.mjs";
import { JSONCT, json, cookieOf, SESSION } from "./case-support.mjs";

const PW = "correct horse battery";

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
const anon = (ctx, method, path, body) => as({ origin: ctx.origin }, "none", method, path, body);
const signUp = (name, email) => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name, email, password: PW }) });

// Reads the id of the organization with `slug` into ctx[key] (ids differ between the servers).
const learnOrg = (slug, key) => async (server, ctx) => {
  const db = new Database(ctx.db, { readonly: true });
  try {
    ctx[key] = db.prepare("SELECT id FROM organization WHERE slug = ?").get(slug).id;
  } finally {
    db.close();
  }
};

// bob a member of acme (role member), and invitations to acme of role admin and owner, written
// into the store as an operator would (the routes that make them are not served).
const addBobAndInvitations = async (server, ctx) => {
  const db = new Database(ctx.db);
  try {
    const id = (sql, ...a) => db.prepare(sql).get(...a).id;
    const acme = id("SELECT id FROM organization WHERE slug = 'acme'");
    const bob = id(`SELECT id FROM "user" WHERE email = 'bob@example.com'`);
    const alice = id(`SELECT id FROM "user" WHERE email = 'alice@example.com'`);
    const now = new Date().toISOString();
    const later = new Date(Date.now() + 86400e3).toISOString();
    db.prepare("INSERT INTO member (id, organizationId, userId, role, createdAt) VALUES (?, ?, ?, 'member', ?)").run("bobMember000000000000000000000AA", acme, bob, now);
    const invite = db.prepare("INSERT INTO invitation (id, organizationId, email, role, status, expiresAt, createdAt, inviterId) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)");
    invite.run("invitationAdmin00000000000000AAA", acme, "carol@example.com", "admin", later, now, alice);
    invite.run("invitationOwner00000000000000AAA", acme, "dan@example.com", "owner", later, now, alice);
  } finally {
    db.close();
  }
};

// The rows both databases hold at the end, run-specific values masked, and the tables' columns.
function orgRows(file) {
  const db = new Database(file, { readonly: true });
  try {
    const columns = (table) => db.prepare(`SELECT name, type, "notnull", pk FROM pragma_table_info('${table}') ORDER BY name`).all();
    return {
      organizations: db.prepare(`SELECT name, slug, logo, metadata, length(id) AS idLen, createdAt LIKE '____-__-__T__:__:__.___Z' AS isoDate
                                 FROM organization ORDER BY slug`).all(),
      members: db.prepare(`SELECT u.email, o.slug, m.role, m.createdAt LIKE '____-__-__T__:__:__.___Z' AS isoDate
                           FROM member m JOIN "user" u ON u.id = m.userId JOIN organization o ON o.id = m.organizationId ORDER BY u.email, o.slug`).all(),
      sessions: db.prepare(`SELECT u.email, o.slug AS active, s.activeOrganizationId IS NULL AS none, s.updatedAt >= s.createdAt AS updated
                            FROM "session" s JOIN "user" u ON u.id = s.userId LEFT JOIN organization o ON o.id = s.activeOrganizationId ORDER BY u.email, active`).all(),
      invitations: db.prepare("SELECT email, role, status FROM invitation ORDER BY email").all(),
      columns: { organization: columns("organization"), member: columns("member"), invitation: columns("invitation"),
                 session: columns("session").filter((c) => c.name === "activeOrganizationId") },
      foreignKeys: ["member", "invitation"].map((t) => db.prepare(`SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list('${t}') ORDER BY "from"`).all()),
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

const CLAIMS = {
  fromSession: { activeOrganizationId: "activeOrganizationId" },
  fromMember: { orgRole: "role", orgSlug: "organization.slug", orgId: "organizationId", orgName: "organization.name", nothing: "organization.nope.deeper" },
};

// Config 1: organization() with Better Auth's defaults, tokens with fromSession / fromMember.
const cases = [
  { name: "sign-up alice", req: () => signUp("Alice", "alice@example.com"), after: keep("alice") },
  { name: "sign-up bob", req: () => signUp("Bob", "bob@example.com"), after: keep("bob") },
  { name: "get-session alice → activeOrganizationId null", req: (ctx) => as(ctx, "alice", "GET", "/get-session") },
  { name: "token alice, no active organization → activeOrganizationId null, no member claims", req: (ctx) => as(ctx, "alice", "GET", "/token") },
  { name: "get-active-member without an active organization → 400 NO_ACTIVE_ORGANIZATION", req: (ctx) => as(ctx, "alice", "GET", "/organization/get-active-member") },
  { name: "get-active-member without a session → 401", req: (ctx) => anon(ctx, "GET", "/organization/get-active-member") },
  { name: "list alice → []", req: (ctx) => as(ctx, "alice", "GET", "/organization/list") },
  { name: "list without a session → 401", req: (ctx) => anon(ctx, "GET", "/organization/list") },
  { name: "get-full-organization without an active organization → null", req: (ctx) => as(ctx, "alice", "GET", "/organization/get-full-organization") },
  { name: "get-full-organization without a session → 401", req: (ctx) => anon(ctx, "GET", "/organization/get-full-organization") },

  // create: bad input
  { name: "create without a session → 401, empty body", req: (ctx) => anon(ctx, "POST", "/organization/create", { name: "X", slug: "x" }) },
  { name: "create without a body → 400", req: (ctx) => as(ctx, "alice", "POST", "/organization/create") },
  { name: "create {} → 400 name and slug", req: (ctx) => as(ctx, "alice", "POST", "/organization/create", {}) },
  { name: "create [] → 400 object", req: (ctx) => as(ctx, "alice", "POST", "/organization/create", "[]") },
  { name: "create empty name → 400 too small", req: (ctx) => as(ctx, "alice", "POST", "/organization/create", { name: "", slug: "x" }) },
  { name: "create bad types → 400 every issue", req: (ctx) => as(ctx, "alice", "POST", "/organization/create", { name: 5, slug: "x", logo: 3, metadata: "m", keepCurrentActiveOrganization: "yes" }) },
  { name: "create metadata array → 400", req: (ctx) => as(ctx, "alice", "POST", "/organization/create", { name: "X", slug: "x", metadata: [1] }) },
  { name: "create text/plain → 415", req: (ctx) => ({ ...as(ctx, "alice", "POST", "/organization/create"), headers: { "content-type": "text/plain", cookie: ctx.alice, origin: ctx.origin }, body: "x" }) },
  { name: "create with a cookie and no Origin → 403", req: (ctx) => ({ method: "POST", path: "/organization/create", headers: { ...JSONCT, cookie: ctx.alice }, body: json({ name: "X", slug: "x" }) }) },

  // create: good input
  { name: "create acme (logo, metadata) → 200, owner, active", req: (ctx) => as(ctx, "alice", "POST", "/organization/create", { name: "Acme", slug: "acme", logo: "https://example.com/logo.png", metadata: { plan: "pro", seats: 5, nested: { a: [1, 2] } } }) },
  { name: "get-session alice → activeOrganizationId acme", req: (ctx) => as(ctx, "alice", "GET", "/get-session") },
  { name: "token alice → fromSession and fromMember claims", req: (ctx) => as(ctx, "alice", "GET", "/token") },
  { name: "get-active-member alice → owner, with user", req: (ctx) => as(ctx, "alice", "GET", "/organization/get-active-member") },
  { name: "create with acme's slug → 400 ORGANIZATION_ALREADY_EXISTS", req: (ctx) => as(ctx, "bob", "POST", "/organization/create", { name: "Other", slug: "acme" }) },
  { name: "check-slug acme → 400 ORGANIZATION_SLUG_ALREADY_TAKEN", req: (ctx) => as(ctx, "bob", "POST", "/organization/check-slug", { slug: "acme" }) },
  { name: "check-slug free → status true", req: (ctx) => as(ctx, "bob", "POST", "/organization/check-slug", { slug: "free" }) },
  { name: "check-slug {} → 400", req: (ctx) => as(ctx, "bob", "POST", "/organization/check-slug", {}) },
  { name: "check-slug without a session → 401", req: (ctx) => anon(ctx, "POST", "/organization/check-slug", { slug: "free" }) },
  { name: "create beta as bob, keepCurrentActiveOrganization, logo null, no metadata", req: (ctx) => as(ctx, "bob", "POST", "/organization/create", { name: "Beta", slug: "beta", logo: null, keepCurrentActiveOrganization: true }) },
  { name: "get-session bob → still no active organization", req: (ctx) => as(ctx, "bob", "GET", "/get-session") },
  { name: "token bob → activeOrganizationId null", req: (ctx) => as(ctx, "bob", "GET", "/token") },
  { name: "create second as alice, keepCurrentActiveOrganization, metadata {}", req: (ctx) => as(ctx, "alice", "POST", "/organization/create", { name: "Second", slug: "second", metadata: {}, keepCurrentActiveOrganization: true }) },
  { name: "create third as alice, keepCurrentActiveOrganization false → active", req: (ctx) => as(ctx, "alice", "POST", "/organization/create", { name: "Third", slug: "third", keepCurrentActiveOrganization: false }) },
  { name: "list alice → three organizations, metadata as stored", req: (ctx) => as(ctx, "alice", "GET", "/organization/list") },
  { name: "list bob → beta", req: (ctx) => as(ctx, "bob", "GET", "/organization/list") },

  // set-active
  { name: "set-active without a session → 401", req: (ctx) => anon(ctx, "POST", "/organization/set-active", { organizationSlug: "acme" }) },
  { name: "set-active bad types → 400", req: (ctx) => as(ctx, "alice", "POST", "/organization/set-active", { organizationId: 5, organizationSlug: false }) },
  { name: "set-active unknown slug → 400 ORGANIZATION_NOT_FOUND", req: (ctx) => as(ctx, "alice", "POST", "/organization/set-active", { organizationSlug: "nope" }) },
  { name: "set-active beta (not a member) → 403, and the active organization unset", req: (ctx) => as(ctx, "alice", "POST", "/organization/set-active", { organizationSlug: "beta" }) },
  { name: "get-session alice → activeOrganizationId null again", req: (ctx) => as(ctx, "alice", "GET", "/get-session") },
  { name: "set-active {} with none active → null", req: (ctx) => as(ctx, "alice", "POST", "/organization/set-active", {}) },
  { name: "set-active unknown id → 403 not a member", req: (ctx) => as(ctx, "alice", "POST", "/organization/set-active", { organizationId: "nope" }) },
  { name: "set-active acme by slug → 200, session cookie set again", req: (ctx) => as(ctx, "alice", "POST", "/organization/set-active", { organizationSlug: "acme" }) },
  { name: "set-active {} → the active organization again", req: (ctx) => as(ctx, "alice", "POST", "/organization/set-active", {}) },
  { name: "set-active second by id (id wins over slug)", prepare: learnOrg("second", "secondId"), req: (ctx) => as(ctx, "alice", "POST", "/organization/set-active", { organizationId: ctx.secondId, organizationSlug: "acme" }) },
  { name: "token alice → second's claims", req: (ctx) => as(ctx, "alice", "GET", "/token") },
  { name: "get-full-organization alice (active: second)", req: (ctx) => as(ctx, "alice", "GET", "/organization/get-full-organization") },
  { name: "get-full-organization ?organizationSlug=acme", req: (ctx) => as(ctx, "alice", "GET", "/organization/get-full-organization?organizationSlug=acme") },
  { name: "get-full-organization ?organizationId=<third>", prepare: learnOrg("third", "thirdId"), req: (ctx) => as(ctx, "alice", "GET", `/organization/get-full-organization?organizationId=${ctx.thirdId}`) },
  { name: "get-full-organization ?organizationSlug=acme&membersLimit=1", req: (ctx) => as(ctx, "alice", "GET", "/organization/get-full-organization?organizationSlug=acme&membersLimit=1") },
  { name: "get-full-organization unknown slug → 400 ORGANIZATION_NOT_FOUND", req: (ctx) => as(ctx, "alice", "GET", "/organization/get-full-organization?organizationSlug=nope") },
  { name: "get-full-organization unknown id → 400", req: (ctx) => as(ctx, "alice", "GET", "/organization/get-full-organization?organizationId=nope") },
  { name: "bob sets beta active", req: (ctx) => as(ctx, "bob", "POST", "/organization/set-active", { organizationSlug: "beta" }) },
  { name: "get-full-organization acme as bob (not a member) → 403, bob's active unset", req: (ctx) => as(ctx, "bob", "GET", "/organization/get-full-organization?organizationSlug=acme") },
  { name: "get-session bob → activeOrganizationId null", req: (ctx) => as(ctx, "bob", "GET", "/get-session") },
  { name: "bob sets beta active again", req: (ctx) => as(ctx, "bob", "POST", "/organization/set-active", { organizationSlug: "beta" }) },
  { name: "bob made a member of acme and two invitations to acme written into the store; get-full-organization acme as alice (owner) → both invitations, two members", prepare: addBobAndInvitations, req: (ctx) => as(ctx, "alice", "GET", "/organization/get-full-organization?organizationSlug=acme") },
  { name: "get-full-organization acme, membersLimit=1 → one member", req: (ctx) => as(ctx, "alice", "GET", "/organization/get-full-organization?organizationSlug=acme&membersLimit=1") },
  { name: "get-full-organization acme, membersLimit=abc (NaN: the default)", req: (ctx) => as(ctx, "alice", "GET", "/organization/get-full-organization?organizationSlug=acme&membersLimit=abc") },
  { name: "bob sets acme active (a member)", req: (ctx) => as(ctx, "bob", "POST", "/organization/set-active", { organizationSlug: "acme" }) },
  { name: "get-full-organization as bob (role member) → no invitations", req: (ctx) => as(ctx, "bob", "GET", "/organization/get-full-organization") },
  { name: "get-active-member bob → member of acme", req: (ctx) => as(ctx, "bob", "GET", "/organization/get-active-member") },
  { name: "token bob → orgRole member", req: (ctx) => as(ctx, "bob", "GET", "/token") },
  { name: "list bob → beta and acme", req: (ctx) => as(ctx, "bob", "GET", "/organization/list") },
  { name: "bob sets beta active once more", req: (ctx) => as(ctx, "bob", "POST", "/organization/set-active", { organizationSlug: "beta" }) },
  { name: "get-active-member bob → owner of beta", req: (ctx) => as(ctx, "bob", "GET", "/organization/get-active-member") },
  { name: "token bob → beta's claims", req: (ctx) => as(ctx, "bob", "GET", "/token") },

  // unset
  { name: "set-active null → null, session cookie set again", req: (ctx) => as(ctx, "alice", "POST", "/organization/set-active", { organizationId: null }) },
  { name: "get-session alice after unset", req: (ctx) => as(ctx, "alice", "GET", "/get-session") },
  { name: "token alice after unset → no member claims", req: (ctx) => as(ctx, "alice", "GET", "/token") },
  { name: "set-active null with none active → null, no cookie", req: (ctx) => as(ctx, "alice", "POST", "/organization/set-active", { organizationId: null }) },
  { name: "get-active-member after unset → 400", req: (ctx) => as(ctx, "alice", "GET", "/organization/get-active-member") },
];

describe("organization() with Better Auth's defaults, claims.fromSession and claims.fromMember", () => {
  runDifferential({
    cases,
    serverOpts: serverOpts({ plugins: { organization: {} }, claims: CLAIMS }, "organization.json"),
    finalChecks: (ref, sub, refCtx, subCtx) => assert.deepEqual(orgRows(subCtx.db), orgRows(refCtx.db)),
  });
});

// Config 2: organizationLimit and creatorRole; config 3: allowUserToCreateOrganization false.
const limitCases = [
  { name: "sign-up carol", req: () => signUp("Carol", "carol@example.com"), after: keep("carol") },
  { name: "create one → role admin (creatorRole)", req: (ctx) => as(ctx, "carol", "POST", "/organization/create", { name: "One", slug: "one" }) },
  { name: "create two → 403 YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_ORGANIZATIONS", req: (ctx) => as(ctx, "carol", "POST", "/organization/create", { name: "Two", slug: "two" }) },
  { name: "get-active-member → admin", req: (ctx) => as(ctx, "carol", "GET", "/organization/get-active-member") },
  { name: "token → orgRole admin", req: (ctx) => as(ctx, "carol", "GET", "/token") },
  { name: "get-full-organization (active)", req: (ctx) => as(ctx, "carol", "GET", "/organization/get-full-organization") },
];
describe("organization() with organizationLimit 1 and creatorRole admin", () => {
  runDifferential({
    cases: limitCases,
    serverOpts: serverOpts({ plugins: { organization: { organizationLimit: 1, creatorRole: "admin" } }, claims: { fromMember: { orgRole: "role" } } }, "organization-limit.json"),
    finalChecks: (ref, sub, refCtx, subCtx) => assert.deepEqual(orgRows(subCtx.db), orgRows(refCtx.db)),
  });
});

const refusedCases = [
  { name: "sign-up dan", req: () => signUp("Dan", "dan@example.com"), after: keep("dan") },
  { name: "create → 403 YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_ORGANIZATION", req: (ctx) => as(ctx, "dan", "POST", "/organization/create", { name: "One", slug: "one" }) },
  { name: "create bad body → 400 first (zod before the option)", req: (ctx) => as(ctx, "dan", "POST", "/organization/create", {}) },
  { name: "token → no member claims", req: (ctx) => as(ctx, "dan", "GET", "/token") },
];
describe("organization() with allowUserToCreateOrganization false", () => {
  runDifferential({
    cases: refusedCases,
    serverOpts: serverOpts({ plugins: { organization: { allowUserToCreateOrganization: false } }, claims: { fromSession: { org: "activeOrganizationId", ua: "userAgent" }, fromMember: { orgRole: "role" } } }, "organization-refused.json"),
    finalChecks: (ref, sub, refCtx, subCtx) => assert.deepEqual(orgRows(subCtx.db), orgRows(refCtx.db)),
  });
});
