// Differential test of Better Auth's username plugin (issue 19 §5): the real Better Auth 1.7.25
// with username() and ba-issuer with {"plugins": {"username": {...}}}, the same config file for
// both. Sign-up and update-user with username / displayUsername (normalisation, validation,
// taken names, the displayUsername <-> username defaults), POST /sign-in/username with good and
// bad input, POST /is-username-available, the sign-in answer and the token's claims, the admin
// ban and the two-factor redirect on the username sign-in, organization() beside it (create,
// set-active, get-active-member, get-full-organization and the /token claims of
// claims.fromSession / claims.fromMember for a user signed in by username), then the rows of both
// databases.

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
const post = (ctx, path, body, cookie) => ({
  method: "POST",
  path,
  headers: { ...JSONCT, origin: ctx.origin, ...(cookie ? { cookie } : {}) },
  body: typeof body === "string" ? body : json(body),
});
const signUp = (ctx, name, email, extra = {}) => post(ctx, "/sign-up/email", { name, email, password: PW, ...extra });
const byName = (ctx, username, password = PW, extra = {}) => post(ctx, "/sign-in/username", { username, password, ...extra });
const update = (ctx, who, body) => post(ctx, "/update-user", body, ctx[who]);
const available = (ctx, username) => post(ctx, "/is-username-available", { username });

function write(file, sql) {
  const db = new Database(file);
  try {
    db.prepare(sql).run();
  } finally {
    db.close();
  }
}

// The rows both databases hold at the end.
function usernameRows(file, display = true) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      users: db.prepare(`SELECT email, name, username${display ? ", displayUsername" : ""} FROM "user" ORDER BY email`).all(),
      sessions: db.prepare(`SELECT u.email, count(*) AS n FROM "session" s JOIN "user" u ON u.id = s.userId GROUP BY u.email ORDER BY u.email`).all(),
      columns: db.prepare(`SELECT name, type, "notnull" FROM pragma_table_info('user') WHERE name IN ('username', 'displayUsername') ORDER BY name`).all(),
      unique: db.prepare(`SELECT count(*) AS n FROM pragma_index_list('user') l WHERE l."unique" = 1
                          AND EXISTS (SELECT 1 FROM pragma_index_info(l.name) i WHERE i.name = 'username')`).get(),
    };
  } finally {
    db.close();
  }
}

// The two-factor cookie of a redirected sign-in carries random parts: masked, its shape compared.
const TWO_FACTOR = "better-auth.two_factor";
const enrich = (ctx, c, res) => {
  const set = cookieOf(TWO_FACTOR, res);
  if (set) (ctx.masks ??= []).push(set.slice(TWO_FACTOR.length + 1));
};

const serverOpts = (config, file) => (kind, dirs) => {
  const path = dirs.file(file);
  writeFileSync(path, JSON.stringify(config));
  return { extraArgs: ["--config", path, "--test-api"] };
};

// Config 1: username() with Better Auth's defaults, beside admin(), twoFactor() and organization(),
// with the claims of differential-organization.test.mjs.
const cases = [
  // sign-up
  { name: "sign-up alice with username Alice_1 → lowercased, displayUsername as given", req: (ctx) => signUp(ctx, "Alice", "alice@example.com", { username: "Alice_1" }), after: keep("alice") },
  { name: "sign-up bob with displayUsername only (a valid name) → username from it", req: (ctx) => signUp(ctx, "Bob", "bob@example.com", { displayUsername: "Bob.B" }), after: keep("bob") },
  { name: "sign-up carol with displayUsername only (not a valid name) → no username", req: (ctx) => signUp(ctx, "Carol", "carol@example.com", { displayUsername: "Carol C!" }), after: keep("carol") },
  { name: "sign-up dave with both → both kept", req: (ctx) => signUp(ctx, "Dave", "dave@example.com", { username: "dave", displayUsername: "Dave the Brave" }), after: keep("dave") },
  { name: "sign-up erin with no username → null fields", req: (ctx) => signUp(ctx, "Erin", "erin@example.com"), after: keep("erin") },
  { name: "sign-up taken username (other case) → 400 USERNAME_IS_ALREADY_TAKEN", req: (ctx) => signUp(ctx, "Eve", "eve@example.com", { username: "ALICE_1" }) },
  { name: "sign-up taken via displayUsername → 400 taken", req: (ctx) => signUp(ctx, "Eve", "eve@example.com", { displayUsername: "dave" }) },
  { name: "sign-up username too short → 400 USERNAME_TOO_SHORT", req: (ctx) => signUp(ctx, "Eve", "eve@example.com", { username: "ab" }) },
  { name: "sign-up username too long → 400 USERNAME_TOO_LONG", req: (ctx) => signUp(ctx, "Eve", "eve@example.com", { username: "a".repeat(31) }) },
  { name: "sign-up username 30 chars → 200", req: (ctx) => signUp(ctx, "Frank", "frank@example.com", { username: "f".repeat(30) }) },
  { name: "sign-up username with a space → 400 INVALID_USERNAME", req: (ctx) => signUp(ctx, "Eve", "eve@example.com", { username: "eve smith" }) },
  { name: "sign-up username with a dash → 400 INVALID_USERNAME", req: (ctx) => signUp(ctx, "Eve", "eve@example.com", { username: "eve-smith" }) },
  { name: "sign-up username non-ASCII → 400 INVALID_USERNAME", req: (ctx) => signUp(ctx, "Eve", "eve@example.com", { username: "évé" }) },
  { name: "sign-up bad username beats a short password → 400 USERNAME_TOO_SHORT", req: (ctx) => post(ctx, "/sign-up/email", { name: "Eve", email: "eve@example.com", password: "x", username: "ab" }) },
  { name: "sign-up bad username beats a missing email → 400 USERNAME_TOO_SHORT", req: (ctx) => post(ctx, "/sign-up/email", { name: "Eve", password: PW, username: "ab" }) },
  { name: "sign-up taken email with a free username → 422 USER_ALREADY_EXISTS", req: (ctx) => signUp(ctx, "Alice", "alice@example.com", { username: "someone" }) },
  { name: "sign-up username null → 200, no username", req: (ctx) => signUp(ctx, "Gina", "gina@example.com", { username: null }) },

  // sign-in/username
  { name: "sign-in alice by username → 200, user with username", req: (ctx) => byName(ctx, "alice_1"), after: keep("alice") },
  { name: "sign-in alice by username in capitals → 200", req: (ctx) => byName(ctx, "ALICE_1") },
  { name: "sign-in with callbackURL → redirect true, Location", req: (ctx) => byName(ctx, "alice_1", PW, { callbackURL: "/dashboard" }) },
  { name: "sign-in rememberMe false → session cookie without Max-Age, dont_remember", req: (ctx) => byName(ctx, "dave", PW, { rememberMe: false }) },
  { name: "sign-in wrong password → 401 INVALID_USERNAME_OR_PASSWORD", req: (ctx) => byName(ctx, "alice_1", "wrong password!") },
  { name: "sign-in unknown username → 401", req: (ctx) => byName(ctx, "nobody") },
  { name: "sign-in empty username → 401", req: (ctx) => byName(ctx, "") },
  { name: "sign-in empty password → 401", req: (ctx) => byName(ctx, "alice_1", "") },
  { name: "sign-in too short → 422 USERNAME_TOO_SHORT", req: (ctx) => byName(ctx, "al") },
  { name: "sign-in invalid → 422 INVALID_USERNAME", req: (ctx) => byName(ctx, "alice 1") },
  { name: "sign-in too long → 422 USERNAME_TOO_LONG", req: (ctx) => byName(ctx, "x".repeat(40)) },
  { name: "sign-in password over 128 → 400 PASSWORD_TOO_LONG", req: (ctx) => byName(ctx, "alice_1", "p".repeat(129)) },
  { name: "sign-in missing password → 400 VALIDATION_ERROR", req: (ctx) => post(ctx, "/sign-in/username", { username: "alice_1" }) },
  { name: "sign-in username a number → 400 VALIDATION_ERROR", req: (ctx) => post(ctx, "/sign-in/username", { username: 12345, password: PW }) },
  { name: "sign-in rememberMe a string → 400 VALIDATION_ERROR", req: (ctx) => byName(ctx, "alice_1", PW, { rememberMe: "yes" }) },
  { name: "sign-in no body → 400", req: (ctx) => ({ method: "POST", path: "/sign-in/username", headers: { ...JSONCT, origin: ctx.origin } }) },
  { name: "sign-in text/plain → 415", req: (ctx) => ({ method: "POST", path: "/sign-in/username", headers: { "content-type": "text/plain", origin: ctx.origin }, body: "x" }) },
  { name: "sign-in form-urlencoded → 415", req: (ctx) => ({ method: "POST", path: "/sign-in/username", headers: { "content-type": "application/x-www-form-urlencoded", origin: ctx.origin }, body: `username=alice_1&password=${encodeURIComponent(PW)}` }) },
  { name: "sign-in with an untrusted callbackURL → 403", req: (ctx) => byName(ctx, "alice_1", PW, { callbackURL: "https://evil.example/x" }) },
  { name: "sign-in with a cookie and no Origin → 403", req: (ctx) => ({ method: "POST", path: "/sign-in/username", headers: { ...JSONCT, cookie: ctx.alice }, body: json({ username: "alice_1", password: PW }) }) },
  { name: "sign-in by displayUsername 'Dave the Brave' → 422 INVALID_USERNAME", req: (ctx) => byName(ctx, "Dave the Brave") },
  { name: "get-session alice → username fields", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: ctx.alice } }) },
  { name: "token alice → username and displayUsername in the claims", req: (ctx) => ({ method: "GET", path: "/token", headers: { cookie: ctx.alice } }) },

  // is-username-available
  { name: "is-username-available taken (other case) → false", req: (ctx) => available(ctx, "Alice_1") },
  { name: "is-username-available free → true", req: (ctx) => available(ctx, "zed_99") },
  { name: "is-username-available too short → 422", req: (ctx) => available(ctx, "zz") },
  { name: "is-username-available invalid → 422", req: (ctx) => available(ctx, "z z z") },
  { name: "is-username-available empty → 422 INVALID_USERNAME", req: (ctx) => available(ctx, "") },
  { name: "is-username-available number → 400", req: (ctx) => post(ctx, "/is-username-available", { username: 5 }) },
  { name: "is-username-available {} → 400", req: (ctx) => post(ctx, "/is-username-available", {}) },

  // update-user
  { name: "update-user erin sets username Erin.E → lowercased; displayUsername untouched", req: (ctx) => update(ctx, "erin", { username: "Erin.E" }) },
  { name: "get-session erin → username erin.e, displayUsername null", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: ctx.erin } }) },
  { name: "update-user erin to alice's name → 400 taken", req: (ctx) => update(ctx, "erin", { username: "alice_1" }) },
  { name: "update-user erin to her own name in capitals → 200", req: (ctx) => update(ctx, "erin", { username: "ERIN.E" }) },
  { name: "update-user erin too short → 400 USERNAME_TOO_SHORT", req: (ctx) => update(ctx, "erin", { username: "e" }) },
  { name: "update-user erin invalid → 400 INVALID_USERNAME", req: (ctx) => update(ctx, "erin", { username: "e r i n" }) },
  { name: "update-user erin displayUsername only → 200", req: (ctx) => update(ctx, "erin", { displayUsername: "Erin E." }) },
  { name: "update-user carol username and name → 200", req: (ctx) => update(ctx, "carol", { name: "Carol C", username: "carol" }) },
  { name: "update-user without a session, taken name → 400 taken", req: (ctx) => post(ctx, "/update-user", { username: "alice_1" }) },
  { name: "update-user without a session, free name → 401", req: (ctx) => post(ctx, "/update-user", { username: "free_name" }) },
  { name: "update-user bad name without a session → 400 USERNAME_TOO_SHORT", req: (ctx) => post(ctx, "/update-user", { username: "x" }) },
  { name: "sign-in erin by her new name → 200", req: (ctx) => byName(ctx, "erin.e") },

  // organization() on the username sign-in: alice (signed in by username) creates an
  // organization, which becomes her session's active one; its claims reach /token; a new
  // username sign-in starts without an active organization until set-active.
  { name: "organization create as alice (username session) → 200, owner, active", req: (ctx) => post(ctx, "/organization/create", { name: "Names Inc", slug: "names" }, ctx.alice) },
  { name: "get-session alice → activeOrganizationId names, username fields", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: ctx.alice } }) },
  { name: "get-active-member alice → owner of names, with user", req: (ctx) => ({ method: "GET", path: "/organization/get-active-member", headers: { cookie: ctx.alice } }) },
  { name: "token alice → username claims beside fromSession and fromMember claims", req: (ctx) => ({ method: "GET", path: "/token", headers: { cookie: ctx.alice } }) },
  { name: "sign-in alice by username again → a new session, no active organization", req: (ctx) => byName(ctx, "Alice_1"), after: keep("alice2") },
  { name: "get-active-member on the new session → 400 NO_ACTIVE_ORGANIZATION", req: (ctx) => ({ method: "GET", path: "/organization/get-active-member", headers: { cookie: ctx.alice2 } }) },
  { name: "set-active names by slug on the new session → 200, session cookie set again", req: (ctx) => post(ctx, "/organization/set-active", { organizationSlug: "names" }, ctx.alice2) },
  { name: "token on the new session → names' claims", req: (ctx) => ({ method: "GET", path: "/token", headers: { cookie: ctx.alice2 } }) },
  { name: "get-full-organization names → alice's member row, her user", req: (ctx) => ({ method: "GET", path: "/organization/get-full-organization", headers: { cookie: ctx.alice2 } }) },
  { name: "set-active names as dave (not a member) → 403", req: (ctx) => post(ctx, "/organization/set-active", { organizationSlug: "names" }, ctx.dave) },

  // The other plugins' guards on the username sign-in
  { name: "bob banned in the store; sign-in bob by username → 403 BANNED_USER", prepare: async (s, ctx) => write(ctx.db, `UPDATE "user" SET banned = 1 WHERE email = 'bob@example.com'`), req: (ctx) => byName(ctx, "bob.b") },
  { name: "dave with two-factor on in the store; sign-in dave by username → twoFactorRedirect, no session", prepare: async (s, ctx) => write(ctx.db, `UPDATE "user" SET twoFactorEnabled = 1 WHERE email = 'dave@example.com'`), req: (ctx) => byName(ctx, "dave") },
];

// The organization, member and active-organization rows (config 1 only).
function organizationRows(file) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      organizations: db.prepare("SELECT name, slug, logo, metadata FROM organization ORDER BY slug").all(),
      members: db.prepare(`SELECT u.email, u.username, o.slug, m.role FROM member m JOIN "user" u ON u.id = m.userId
                           JOIN organization o ON o.id = m.organizationId ORDER BY u.email, o.slug`).all(),
      sessions: db.prepare(`SELECT u.email, o.slug AS active, count(*) AS n FROM "session" s JOIN "user" u ON u.id = s.userId
                            LEFT JOIN organization o ON o.id = s.activeOrganizationId GROUP BY u.email, active ORDER BY u.email, active`).all(),
    };
  } finally {
    db.close();
  }
}

// The claims of differential-organization.test.mjs's config 1, less its path that ends nowhere.
const CLAIMS = {
  fromSession: { activeOrganizationId: "activeOrganizationId" },
  fromMember: { orgRole: "role", orgSlug: "organization.slug", orgId: "organizationId", orgName: "organization.name" },
};

describe("username() with Better Auth's defaults, beside admin(), twoFactor() and organization()", () => {
  runDifferential({
    cases,
    enrich,
    serverOpts: serverOpts({ plugins: { admin: {}, twoFactor: {}, organization: {}, username: {} }, claims: CLAIMS }, "username.json"),
    finalChecks: (ref, sub, refCtx, subCtx) => {
      assert.deepEqual(usernameRows(subCtx.db), usernameRows(refCtx.db));
      assert.deepEqual(organizationRows(subCtx.db), organizationRows(refCtx.db));
    },
  });
});

// Config 2: lengths, no normalisation, validation after normalisation, immutable usernames.
const OPTIONS = { minUsernameLength: 4, maxUsernameLength: 8, usernameNormalization: false, immutableUsername: true };
const optionCases = [
  { name: "sign-up Mixed.Case → kept as given (no normalisation)", req: (ctx) => signUp(ctx, "Mia", "mia@example.com", { username: "Mia.Case" }), after: keep("mia") },
  { name: "sign-up lowercase variant → 200 (names differ without normalisation)", req: (ctx) => signUp(ctx, "Max", "max@example.com", { username: "mia.case" }), after: keep("max") },
  { name: "sign-up 3 chars → 400 too short (min 4)", req: (ctx) => signUp(ctx, "Eve", "eve@example.com", { username: "abc" }) },
  { name: "sign-up 9 chars → 400 too long (max 8)", req: (ctx) => signUp(ctx, "Eve", "eve@example.com", { username: "abcdefghi" }) },
  { name: "sign-up no username → 200", req: (ctx) => signUp(ctx, "Nia", "nia@example.com"), after: keep("nia") },
  { name: "sign-in Mia.Case exact → 200", req: (ctx) => byName(ctx, "Mia.Case") },
  { name: "sign-in MIA.CASE → 401 (no normalisation)", req: (ctx) => byName(ctx, "MIA.CASE") },
  { name: "sign-in 3 chars → 422 too short", req: (ctx) => byName(ctx, "abc") },
  { name: "update-user mia to another name → 400 USERNAME_IS_IMMUTABLE", req: (ctx) => update(ctx, "mia", { username: "Mia.New" }) },
  { name: "update-user mia to the same name → 200", req: (ctx) => update(ctx, "mia", { username: "Mia.Case" }) },
  { name: "update-user nia sets a first name → 200 (immutable only once set)", req: (ctx) => update(ctx, "nia", { username: "nia.n" }) },
  { name: "is-username-available mia.case → false", req: (ctx) => available(ctx, "mia.case") },
  { name: "is-username-available MIA.CASE → true", req: (ctx) => available(ctx, "MIA.CASE") },
];

describe("username() with minUsernameLength, maxUsernameLength, usernameNormalization false, immutableUsername", () => {
  runDifferential({
    cases: optionCases,
    serverOpts: serverOpts({ plugins: { username: OPTIONS } }, "username-options.json"),
    finalChecks: (ref, sub, refCtx, subCtx) => assert.deepEqual(usernameRows(subCtx.db), usernameRows(refCtx.db)),
  });
});

// Config 3: displayUsername false (no such column), validation after normalisation.
const noDisplayCases = [
  { name: "sign-up with displayUsername → ignored, no column", req: (ctx) => signUp(ctx, "Ola", "ola@example.com", { username: "Ola_O", displayUsername: "Ola!" }), after: keep("ola") },
  { name: "sign-in ola_o → user without displayUsername", req: (ctx) => byName(ctx, "OLA_O") },
  { name: "update-user displayUsername only → 400 No fields to update", req: (ctx) => update(ctx, "ola", { displayUsername: "x" }) },
  { name: "token ola → username only in the claims", req: (ctx) => ({ method: "GET", path: "/token", headers: { cookie: ctx.ola } }) },
];

describe("username() with displayUsername false and validationOrder post-normalization", () => {
  runDifferential({
    cases: noDisplayCases,
    serverOpts: serverOpts({ plugins: { username: { displayUsername: false, validationOrder: { username: "post-normalization" } } } }, "username-nodisplay.json"),
    finalChecks: (ref, sub, refCtx, subCtx) => assert.deepEqual(usernameRows(subCtx.db, false), usernameRows(refCtx.db, false)),
  });
});
