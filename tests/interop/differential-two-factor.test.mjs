// Differential test of Better Auth's two-factor plugin (issue 19 §3) with
// {"plugins": {"twoFactor": {}}}: enable (random secret and backup codes masked), get-totp-uri,
// verify-totp on a session (turns it on), the sign-in redirect and its two_factor cookie,
// verify-totp / verify-otp / verify-backup-code against the challenge, wrong codes, the
// challenge's attempt limit, the account lockout, trust device and its rotation,
// generate-backup-codes, disable, and bad inputs; the rows compared at the end. TOTP codes are
// computed here from the secret of the totpURI (and ba-issuer's /__test/totp must agree).
// A second config sets issuer, skipVerificationOnEnable, backupCodeOptions and trustDeviceMaxAge.

import assert from "node:assert/strict";
import { describe } from "node:test";
import { writeFileSync } from "node:fs";
import { runDifferential } from "./differential-engine.mjs";
import { createHmac } from "node:crypto";
import { SECRET } from "./harness.mjs";
import { JSONCT, json, cookieOf, SESSION, mailTo, rows } from "./case-support.mjs";
import { keyOfUri, totp, wrongCode, twoFactorRows } from "./totp-support.mjs";

const PW = "correct horse battery";
const CONFIG = { plugins: { twoFactor: {} } };
const TWO_FACTOR = "better-auth.two_factor";
const TRUST = "better-auth.trust_device";
const DONT_REMEMBER = "better-auth.dont_remember";

const cookies = (...parts) => parts.filter(Boolean).join("; ");
const post = (ctx, path, body, cookie) => ({
  method: "POST",
  path,
  headers: { ...JSONCT, origin: ctx.origin, ...(cookie ? { cookie } : {}) },
  body: body === undefined ? undefined : json(body),
});
const signUp = (name, email) => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name, email, password: PW }) });
const signIn = (ctx, email, extra = {}, cookie) => post(ctx, "/sign-in/email", { email, password: PW, ...extra }, cookie);

// Keeps what a reply set: the session cookie of `who`, the challenge, trust and dont_remember
// cookies (each replaced when set again, dropped when expired).
function keep(who) {
  return (res, ctx) => {
    const session = cookieOf(SESSION, res);
    if (session) ctx[who] = session;
    for (const [name, key] of [[TWO_FACTOR, "challenge"], [TRUST, "trust"], [DONT_REMEMBER, "dontRemember"]]) {
      const set = res.setCookies.find((sc) => sc.startsWith(`${name}=`));
      if (set) ctx[key] = cookieOf(name, res);
    }
  };
}

function keepEnable(res, ctx) {
  if (res.status !== 200) return;
  ctx.key = keyOfUri(res.json.totpURI);
  ctx.masks ??= [];
  ctx.masks.push(new URL(res.json.totpURI).searchParams.get("secret"));
  ctx.codes = res.json.backupCodes;
  ctx.masks.push(...ctx.codes);
}

function keepCodes(res, ctx) {
  if (res.status !== 200) return;
  ctx.codes = res.json.backupCodes;
  (ctx.masks ??= []).push(...ctx.codes);
}

// A trust_device cookie signed with the secret whose HMAC token is wrong.
function forgedTrust() {
  const value = "AAAA!trust-device-forged";
  const sig = createHmac("sha256", SECRET).update(value).digest("base64");
  return `${TRUST}=${encodeURIComponent(`${value}.${sig}`)}`;
}

const challenge = (ctx, path, body) => post(ctx, path, body, cookies(ctx.challenge, ctx.dontRemember));

const cases = [
  { name: "sign-up alice → twoFactorEnabled false", req: () => signUp("Alice", "alice@example.com"), after: keep("alice") },
  { name: "update-user cannot set twoFactorEnabled → 400 FIELD_NOT_ALLOWED", req: (ctx) => post(ctx, "/update-user", { twoFactorEnabled: true }, ctx.alice) },
  { name: "update-user drops a falsy twoFactorEnabled → 200", req: (ctx) => post(ctx, "/update-user", { name: "Alice A", twoFactorEnabled: false }, ctx.alice) },
  { name: "enable without a password → 400 VALIDATION_ERROR", req: (ctx) => post(ctx, "/two-factor/enable", {}, ctx.alice) },
  { name: "enable with a bad method → 400 VALIDATION_ERROR", req: (ctx) => post(ctx, "/two-factor/enable", { password: PW, method: "sms" }, ctx.alice) },
  { name: "enable with both bad → both issues", req: (ctx) => post(ctx, "/two-factor/enable", { password: 5, method: "sms", issuer: 7 }, ctx.alice) },
  { name: "enable with a body that is no object → 400", req: (ctx) => ({ ...post(ctx, "/two-factor/enable", undefined, ctx.alice), body: "[1]" }) },
  { name: "enable with no session → 401", req: (ctx) => post(ctx, "/two-factor/enable", { password: PW }) },
  { name: "enable with a wrong password → 400 INVALID_PASSWORD", req: (ctx) => post(ctx, "/two-factor/enable", { password: "wrong password" }, ctx.alice) },
  { name: "enable → totpURI and 10 backup codes", req: (ctx) => post(ctx, "/two-factor/enable", { password: PW }, ctx.alice), after: keepEnable },
  { name: "get-totp-uri → the same URI", req: (ctx) => post(ctx, "/two-factor/get-totp-uri", { password: PW }, ctx.alice) },
  { name: "get-totp-uri with a wrong password → 400", req: (ctx) => post(ctx, "/two-factor/get-totp-uri", { password: "nope nope" }, ctx.alice) },
  { name: "get-totp-uri without a password → 400 VALIDATION_ERROR", req: (ctx) => post(ctx, "/two-factor/get-totp-uri", {}, ctx.alice) },
  { name: "generate-backup-codes before two-factor is on → 400 TWO_FACTOR_NOT_ENABLED", req: (ctx) => post(ctx, "/two-factor/generate-backup-codes", { password: PW }, ctx.alice) },
  { name: "sign-in before verifying → a session (two-factor not on yet)", req: (ctx) => signIn(ctx, "alice@example.com") },
  { name: "verify-totp on the session with a wrong code → 401 INVALID_CODE", req: (ctx) => post(ctx, "/two-factor/verify-totp", { code: wrongCode(ctx.key) }, ctx.alice) },
  { name: "verify-totp without a code → 400 VALIDATION_ERROR", req: (ctx) => post(ctx, "/two-factor/verify-totp", { trustDevice: "yes" }, ctx.alice) },
  {
    name: "verify-totp on the session with the right code → on, the session rotated",
    prepare: async (server, ctx) => {
      if (server.kind !== "ba-issuer") return;
      const res = await fetch(`${server.origin}/__test/totp?email=alice%40example.com`);
      assert.equal(res.status, 200);
      const body = await res.json();
      const now = Date.now();
      assert.ok([totp(ctx.key, now), totp(ctx.key, now - 1000)].includes(body.code), `/__test/totp ${body.code}`);
    },
    req: (ctx) => post(ctx, "/two-factor/verify-totp", { code: totp(ctx.key) }, ctx.alice),
    after: keep("alice"),
  },
  { name: "enable again → 400 TOTP_ALREADY_ENABLED", req: (ctx) => post(ctx, "/two-factor/enable", { password: PW }, ctx.alice) },
  { name: "get-session shows twoFactorEnabled true", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: ctx.alice } }) },
  { name: "sign-in → twoFactorRedirect, no session, the two_factor cookie", req: (ctx) => signIn(ctx, "alice@example.com"), after: keep("signin") },
  { name: "verify-totp with neither session nor cookie → 401 INVALID_TWO_FACTOR_COOKIE", req: (ctx) => post(ctx, "/two-factor/verify-totp", { code: "123456" }) },
  { name: "verify-totp with a forged cookie → 401", req: (ctx) => post(ctx, "/two-factor/verify-totp", { code: "123456" }, `${TWO_FACTOR}=2fa-forged.AAAA`) },
  { name: "verify-totp on the challenge, wrong code → 401 INVALID_CODE", req: (ctx) => challenge(ctx, "/two-factor/verify-totp", { code: wrongCode(ctx.key) }) },
  { name: "verify-totp on the challenge, right code → the session and cookies", req: (ctx) => challenge(ctx, "/two-factor/verify-totp", { code: totp(ctx.key) }), after: keep("alice") },
  { name: "the challenge is spent → 401", req: (ctx) => challenge(ctx, "/two-factor/verify-totp", { code: totp(ctx.key) }) },
  { name: "the verified session gets a token", req: (ctx) => ({ method: "GET", path: "/token", headers: { cookie: ctx.alice } }) },
  { name: "sign-in again → redirect", req: (ctx) => signIn(ctx, "alice@example.com"), after: keep("signin") },
  { name: "verify-totp with trustDevice → the trust_device cookie", req: (ctx) => challenge(ctx, "/two-factor/verify-totp", { code: totp(ctx.key), trustDevice: true }), after: keep("alice") },
  { name: "sign-in on the trusted device → a session, the trust cookie renewed", req: (ctx) => signIn(ctx, "alice@example.com", {}, ctx.trust), after: keep("alice") },
  { name: "sign-in with the renewed trust cookie → a session again", req: (ctx) => signIn(ctx, "alice@example.com", {}, ctx.trust), after: keep("alice") },
  { name: "sign-in with a tampered trust cookie → redirect, the trust cookie expired", req: (ctx) => signIn(ctx, "alice@example.com", {}, forgedTrust()), after: keep("signin") },
  { name: "sign-in with rememberMe false → redirect and dont_remember", req: (ctx) => { ctx.trust = undefined; return signIn(ctx, "alice@example.com", { rememberMe: false }); }, after: keep("signin") },
  { name: "verify-otp before send-otp → 400 OTP_HAS_EXPIRED", req: (ctx) => challenge(ctx, "/two-factor/verify-otp", { code: "123456" }) },
  { name: "send-otp with a bad body → 400", req: (ctx) => challenge(ctx, "/two-factor/send-otp", { trustDevice: "x" }) },
  { name: "send-otp with no body → 200", req: (ctx) => ({ ...challenge(ctx, "/two-factor/send-otp"), headers: { origin: ctx.origin, cookie: cookies(ctx.challenge, ctx.dontRemember) } }) },
  { name: "send-otp → 200, the code mailed", req: (ctx) => challenge(ctx, "/two-factor/send-otp", {}) },
  {
    name: "verify-otp with a wrong code → 401 INVALID_CODE",
    prepare: async (server, ctx) => {
      const [m] = await mailTo(server.origin, "alice@example.com");
      assert.equal(m.kind, "two-factor-otp");
      assert.deepEqual(Object.keys(m), ["to", "kind", "otp", "createdAt"]);
      ctx.otp = m.otp;
    },
    req: (ctx) => challenge(ctx, "/two-factor/verify-otp", { code: ctx.otp === "000000" ? "111111" : "000000" }),
  },
  { name: "verify-otp with the mailed code → a session (not remembered)", req: (ctx) => challenge(ctx, "/two-factor/verify-otp", { code: ctx.otp }), after: keep("alice") },
  { name: "generate-backup-codes with a wrong password → 400", req: (ctx) => post(ctx, "/two-factor/generate-backup-codes", { password: "wrong password" }, cookies(ctx.alice, ctx.dontRemember)) },
  { name: "generate-backup-codes → 10 new codes", req: (ctx) => post(ctx, "/two-factor/generate-backup-codes", { password: PW }, cookies(ctx.alice, ctx.dontRemember)), after: keepCodes },
  { name: "send-otp on a session → 200", req: (ctx) => post(ctx, "/two-factor/send-otp", {}, cookies(ctx.alice, ctx.dontRemember)) },
  {
    name: "verify-otp on a session → {token, user}",
    prepare: async (server, ctx) => { ctx.otp = (await mailTo(server.origin, "alice@example.com"))[0].otp; },
    req: (ctx) => post(ctx, "/two-factor/verify-otp", { code: ctx.otp }, cookies(ctx.alice, ctx.dontRemember)),
  },
  { name: "sign-in → redirect", req: (ctx) => { ctx.dontRemember = undefined; return signIn(ctx, "alice@example.com"); }, after: keep("signin") },
  { name: "verify-backup-code with a wrong code → 401 INVALID_BACKUP_CODE", req: (ctx) => challenge(ctx, "/two-factor/verify-backup-code", { code: "nope-nope" }) },
  { name: "verify-backup-code with an old code → 401", req: (ctx) => challenge(ctx, "/two-factor/verify-backup-code", { code: "00000-00000" }) },
  { name: "verify-backup-code with a code → a session", req: (ctx) => challenge(ctx, "/two-factor/verify-backup-code", { code: ctx.codes[0] }), after: keep("alice") },
  { name: "sign-in → redirect (for the used code)", req: (ctx) => signIn(ctx, "alice@example.com"), after: keep("signin") },
  { name: "verify-backup-code with the used code → 401", req: (ctx) => challenge(ctx, "/two-factor/verify-backup-code", { code: ctx.codes[0] }) },
  { name: "verify-backup-code with disableSession → {user}, no session", req: (ctx) => challenge(ctx, "/two-factor/verify-backup-code", { code: ctx.codes[1], disableSession: true }) },
  { name: "verify-backup-code on a session → {token, user}", req: (ctx) => post(ctx, "/two-factor/verify-backup-code", { code: ctx.codes[2] }, ctx.alice) },
  { name: "verify-backup-code again on the challenge that disableSession left → 401 (its counter is spent)", req: (ctx) => challenge(ctx, "/two-factor/verify-backup-code", { code: ctx.codes[3] }) },
  { name: "sign-in → a fresh challenge", req: (ctx) => signIn(ctx, "alice@example.com"), after: keep("signin") },
  ...Array.from({ length: 5 }, (_, i) => ({ name: `challenge attempt ${i + 1} with a wrong code → 401`, req: (ctx) => challenge(ctx, "/two-factor/verify-totp", { code: wrongCode(ctx.key) }) })),
  { name: "the sixth attempt → 400 TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE, the cookie expired", req: (ctx) => challenge(ctx, "/two-factor/verify-totp", { code: totp(ctx.key) }) },
  { name: "the spent challenge → 401", req: (ctx) => challenge(ctx, "/two-factor/verify-totp", { code: totp(ctx.key) }) },
  { name: "sign-in → a new challenge", req: (ctx) => signIn(ctx, "alice@example.com"), after: keep("signin") },
  ...Array.from({ length: 5 }, (_, i) => ({ name: `failure ${i + 6} of the account → 401`, req: (ctx) => challenge(ctx, "/two-factor/verify-backup-code", { code: `bad-${i}` }) })),
  { name: "sign-in → a third challenge", req: (ctx) => signIn(ctx, "alice@example.com"), after: keep("signin") },
  { name: "the account is locked → 429 ACCOUNT_TEMPORARILY_LOCKED, even with the right code", req: (ctx) => challenge(ctx, "/two-factor/verify-totp", { code: totp(ctx.key) }) },
  { name: "verify-otp is locked too → 429", req: (ctx) => challenge(ctx, "/two-factor/verify-otp", { code: "123456" }) },
  { name: "disable with a wrong password → 400", req: (ctx) => post(ctx, "/two-factor/disable", { password: "wrong password" }, ctx.alice) },
  { name: "disable without a session → 401", req: (ctx) => post(ctx, "/two-factor/disable", { password: PW }) },
  { name: "disable → off, the session rotated", req: (ctx) => post(ctx, "/two-factor/disable", { password: PW }, ctx.alice), after: keep("alice") },
  { name: "sign-in after disable → a session", req: (ctx) => signIn(ctx, "alice@example.com") },
  { name: "get-totp-uri after disable → 400 TOTP_NOT_ENABLED", req: (ctx) => post(ctx, "/two-factor/get-totp-uri", { password: PW }, ctx.alice) },
  { name: "generate-backup-codes after disable → 400", req: (ctx) => post(ctx, "/two-factor/generate-backup-codes", { password: PW }, ctx.alice) },
  // bob: skipVerificationOnEnable is off, so enable + verify; then trust device, and disable
  // with the trust cookie.
  { name: "sign-up bob", req: () => signUp("Bob", "bob@example.com"), after: keep("bob") },
  { name: "bob enables", req: (ctx) => post(ctx, "/two-factor/enable", { password: PW, issuer: "My App" }, ctx.bob), after: keepEnable },
  { name: "bob re-enables before verifying → a new secret", req: (ctx) => post(ctx, "/two-factor/enable", { password: PW }, ctx.bob), after: keepEnable },
  { name: "bob verifies a backup code on his session before TOTP → 200", req: (ctx) => post(ctx, "/two-factor/verify-backup-code", { code: ctx.codes[0] }, ctx.bob) },
  { name: "bob's sign-in while unverified → a session", req: (ctx) => signIn(ctx, "bob@example.com") },
  { name: "bob verifies TOTP", req: (ctx) => post(ctx, "/two-factor/verify-totp", { code: totp(ctx.key) }, ctx.bob), after: keep("bob") },
  { name: "bob signs in → redirect", req: (ctx) => signIn(ctx, "bob@example.com"), after: keep("signin") },
  { name: "bob passes with a backup code and trustDevice", req: (ctx) => challenge(ctx, "/two-factor/verify-backup-code", { code: ctx.codes[1], trustDevice: true }), after: keep("bob") },
  { name: "bob disables with the trust cookie → it is expired", req: (ctx) => post(ctx, "/two-factor/disable", { password: PW }, cookies(ctx.bob, ctx.trust)), after: keep("bob") },
  { name: "bob's old trust cookie no longer matters → a session", req: (ctx) => signIn(ctx, "bob@example.com", {}, ctx.trust) },
];

const serverOpts = (config, name) => (kind, dirs) => {
  const file = dirs.file(name);
  writeFileSync(file, JSON.stringify(config));
  return { extraArgs: ["--config", file, "--test-api"] };
};

// The two_factor and trust_device cookies carry random parts, masked in every answer so that
// their shape is compared: "2fa-<id>.<sig>" and "<hmac>!trust-device-<id>.<sig>".
const enrich = (ctx, c, res) => {
  ctx.masks ??= [];
  for (const name of [TWO_FACTOR, TRUST]) {
    const set = cookieOf(name, res);
    if (!set) continue;
    const raw = set.slice(name.length + 1);
    const dot = raw.lastIndexOf(".");
    const value = decodeURIComponent(raw.slice(0, dot));
    ctx.masks.push(raw.slice(dot + 1));
    if (name === TWO_FACTOR) {
      assert.match(value, /^2fa-[A-Za-z0-9_-]{20}$/);
      ctx.masks.push(value.slice("2fa-".length));
    } else {
      assert.match(value, /^[A-Za-z0-9_-]{43}!trust-device-[A-Za-z0-9_-]{32}$/);
      const [token, id] = value.split("!");
      ctx.masks.push(token, id.slice("trust-device-".length));
    }
  }
};

// rows()'s verification kinds cut random identifiers: twoFactorRows classifies them.
const finalChecks = (ref, sub, refCtx, subCtx) => {
  const core = (file) => ({ ...rows(file), verification: undefined });
  assert.deepEqual(core(subCtx.db), core(refCtx.db));
  assert.deepEqual(twoFactorRows(subCtx.db), twoFactorRows(refCtx.db));
};

describe("twoFactor() with Better Auth's defaults", () => {
  runDifferential({ cases, serverOpts: serverOpts(CONFIG, "two-factor.json"), enrich, finalChecks });
});

// Config 2: issuer, skipVerificationOnEnable, backupCodeOptions (amount, length) and
// trustDeviceMaxAge, options both servers take. Backup codes are masked in the answers; their
// number and shape ("xxxxx-" and the rest, a-z A-Z 0-9) are checked on each answer and compared
// between the servers at the end.
const OPTIONS = { issuer: "Opt App", skipVerificationOnEnable: true, backupCodeOptions: { amount: 4, length: 12 }, trustDeviceMaxAge: 3600 };
const shapeOf = (code) => code.replace(/[a-z]/g, "a").replace(/[A-Z]/g, "A").replace(/[0-9]/g, "0").replace(/[aA0]/g, "x");
function keepShapes(res, ctx) {
  if (res.status !== 200) return;
  const codes = res.json.backupCodes;
  assert.equal(codes.length, 4, `backupCodeOptions.amount 4: ${codes.length} codes`);
  for (const c of codes) assert.match(c, /^[A-Za-z0-9]{5}-[A-Za-z0-9]{7}$/, `backupCodeOptions.length 12: ${c}`);
  (ctx.shapes ??= []).push(codes.map(shapeOf));
}
const issuerOf = (res) => new URL(res.json.totpURI).searchParams.get("issuer");
const trustMaxAge = (res) => {
  const sc = res.setCookies.find((x) => x.startsWith(`${TRUST}=`) && !x.startsWith(`${TRUST}=;`));
  return sc && /Max-Age=(\d+)/i.exec(sc)?.[1];
};

const optionCases = [
  { name: "sign-up carol", req: () => signUp("Carol", "carol@example.com"), after: keep("carol") },
  {
    name: "enable → on at once (skipVerificationOnEnable): the session rotated, issuer Opt App, 4 codes of 12",
    req: (ctx) => post(ctx, "/two-factor/enable", { password: PW }, ctx.carol),
    after: (res, ctx) => {
      ctx.carolBefore = ctx.carol;
      keepEnable(res, ctx);
      keepShapes(res, ctx);
      keep("carol")(res, ctx);
      assert.equal(issuerOf(res), "Opt App");
    },
  },
  { name: "get-session → twoFactorEnabled true", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: ctx.carol } }) },
  { name: "get-session with the session before enable → null (deleted)", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: ctx.carolBefore } }) },
  { name: "get-totp-uri → the issuer is the app name (the plugin's issuer is not read there)", req: (ctx) => post(ctx, "/two-factor/get-totp-uri", { password: PW }, ctx.carol) },
  { name: "enable again → 400 TOTP_ALREADY_ENABLED (verified at once)", req: (ctx) => post(ctx, "/two-factor/enable", { password: PW, issuer: "Body App" }, ctx.carol) },
  { name: "verify-totp on the session → {token, user}, no rotation (already verified)", req: (ctx) => post(ctx, "/two-factor/verify-totp", { code: totp(ctx.key) }, ctx.carol) },
  { name: "sign-in → twoFactorRedirect with the methods, the two_factor cookie", req: (ctx) => signIn(ctx, "carol@example.com"), after: keep("signin") },
  {
    name: "verify-totp with trustDevice → the session, the trust_device cookie with Max-Age 3600",
    req: (ctx) => challenge(ctx, "/two-factor/verify-totp", { code: totp(ctx.key), trustDevice: true }),
    after: (res, ctx) => { keep("carol")(res, ctx); assert.equal(trustMaxAge(res), "3600"); },
  },
  {
    name: "sign-in with the trust cookie → a session, the trust cookie renewed with Max-Age 3600",
    req: (ctx) => signIn(ctx, "carol@example.com", {}, ctx.trust),
    after: (res, ctx) => { keep("carol")(res, ctx); assert.equal(trustMaxAge(res), "3600"); },
  },
  { name: "generate-backup-codes → 4 new codes of 12", req: (ctx) => post(ctx, "/two-factor/generate-backup-codes", { password: PW }, ctx.carol), after: (res, ctx) => { keepCodes(res, ctx); keepShapes(res, ctx); } },
  { name: "sign-in without the trust cookie → redirect", req: (ctx) => signIn(ctx, "carol@example.com"), after: keep("signin") },
  {
    name: "verify-backup-code (a new code) with trustDevice → the session, trust cookie Max-Age 3600",
    req: (ctx) => challenge(ctx, "/two-factor/verify-backup-code", { code: ctx.codes[0], trustDevice: true }),
    after: (res, ctx) => { keep("carol")(res, ctx); assert.equal(trustMaxAge(res), "3600"); },
  },
  { name: "sign-in with that trust cookie → a session", req: (ctx) => signIn(ctx, "carol@example.com", {}, ctx.trust), after: keep("carol") },
  { name: "sign-up dan", req: () => signUp("Dan", "dan@example.com"), after: keep("dan") },
  {
    name: "dan enables with issuer Body App → the body's issuer wins over the option",
    req: (ctx) => post(ctx, "/two-factor/enable", { password: PW, issuer: "Body App" }, ctx.dan),
    after: (res, ctx) => { keepEnable(res, ctx); keepShapes(res, ctx); keep("dan")(res, ctx); assert.equal(issuerOf(res), "Body App"); },
  },
  { name: "carol disables with the trust cookie → off, the trust cookie expired", req: (ctx) => post(ctx, "/two-factor/disable", { password: PW }, cookies(ctx.carol, ctx.trust)), after: keep("carol") },
  { name: "sign-in carol after disable → a session", req: (ctx) => signIn(ctx, "carol@example.com") },
];

describe("twoFactor() with issuer, skipVerificationOnEnable, backupCodeOptions and trustDeviceMaxAge", () => {
  runDifferential({
    cases: optionCases,
    serverOpts: serverOpts({ plugins: { twoFactor: OPTIONS } }, "two-factor-options.json"),
    enrich,
    finalChecks: (ref, sub, refCtx, subCtx) => {
      finalChecks(ref, sub, refCtx, subCtx);
      assert.equal(refCtx.shapes.length, 3);
      assert.deepEqual(subCtx.shapes, refCtx.shapes);
    },
  });
});
