#!/usr/bin/env node
// A real Better Auth 1.7.25 server, configured the way ba-issuer must behave:
//   emailAndPassword.enabled, plugins [jwt(), bearer()], SQLite through better-sqlite3, or
//   PostgreSQL through a pg.Pool when --db is a postgres:// URL (Better Auth's Kysely dialect).
//
// Command line mirrors ba-issuer's contract (docs: shared/design/architecture.md):
//   node ref-server.mjs [--host 127.0.0.1] [--port 0] [--db FILE|:memory:] [--base-url URL]
//                      [--rotation-interval S] [--grace-period S] [--alg ALG]
//                      [--secondary-storage redis://...]
// Environment: DB_PATH (if --db is not given), BETTER_AUTH_SECRET, BASE_URL / BETTER_AUTH_URL
// (Better Auth's own lookup applies when --base-url is absent), NODE_ENV (defaults to development),
// BA_ROTATION_INTERVAL / BA_GRACE_PERIOD / BA_KEY_ALG (if the flags are not given).
// Rotation interval and grace period are seconds, passed as jwt({ jwks: { rotationInterval, gracePeriod } })
// only when set; without them the plugin is plain jwt(). The key algorithm (EdDSA, ES256, ES512, RS256, PS256, ...)
// is passed as jwt({ jwks: { keyPairConfig: { alg } } }) when set (jose's defaults: the alg's curve, RSA modulus 2048).
//
// At start it runs Better Auth's own migrations, then prints exactly
//   listening on http://HOST:PORT
// on stdout. SIGTERM / SIGINT close it and exit 0.

import http from "node:http";
import process from "node:process";
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import pg from "pg";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { jwt, bearer, admin, twoFactor, organization, username, genericOAuth } from "better-auth/plugins";
import { toNodeHandler } from "better-auth/node";
import { Redis } from "ioredis";
import { redisStorage } from "@better-auth/redis-storage";

if (!process.env.NODE_ENV) process.env.NODE_ENV = "development";
if (!process.env.BETTER_AUTH_TELEMETRY) process.env.BETTER_AUTH_TELEMETRY = "0";

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument: ${a}`);
    if (m[1] === "test-api") continue;  // ba-issuer's switch; the mail capture below is always on
    const value = m[2] !== undefined ? m[2] : argv[++i];
    if (value === undefined) throw new Error(`missing value for --${m[1]}`);
    out[m[1]] = value;
  }
  return out;
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`ref-server: ${e.message}\n`);
  process.exit(2);
}

const host = args.host ?? "127.0.0.1";
const port = Number(args.port ?? process.env.PORT ?? 0);
const dbPath = args.db ?? process.env.DB_PATH;
if (!dbPath) {
  process.stderr.write("ref-server: set --db or DB_PATH\n");
  process.exit(2);
}
// Only pass baseURL when given explicitly; otherwise Better Auth applies its own env lookup
// (BETTER_AUTH_URL, ..., BASE_URL) and falls back to each request's origin.
const baseURL = args["base-url"] ?? undefined;

// Seconds, as numbers (Better Auth tests rotationInterval for truthiness: "0" would mean on).
function seconds(name, flag, envName) {
  const raw = args[flag] ?? process.env[envName];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`ref-server: bad ${name}: ${raw}\n`);
    process.exit(2);
  }
  return n;
}
const rotationInterval = seconds("rotation interval", "rotation-interval", "BA_ROTATION_INTERVAL");
const gracePeriod = seconds("grace period", "grace-period", "BA_GRACE_PERIOD");
const keyAlg = args.alg ?? (process.env.BA_KEY_ALG || undefined);
const jwksOptions = {
  ...(rotationInterval !== undefined ? { rotationInterval } : {}),
  ...(gracePeriod !== undefined ? { gracePeriod } : {}),
  ...(keyAlg !== undefined ? { keyPairConfig: { alg: keyAlg } } : {}),
};

const database = /^postgres(ql)?:\/\//.test(dbPath)
  ? new pg.Pool({ connectionString: dbPath })
  : new Database(dbPath);

// The dev mailbox's counterpart: every message sendResetPassword or sendVerificationEmail gets,
// newest first, at GET /__test/mail?to=EMAIL (DELETE empties it), in ba-issuer's shape.
// --config FILE (ba-issuer's config file, read for its Better Auth option sections) and
// BA_REF_OPTIONS (JSON, applied after it) set emailAndPassword, emailVerification, user, session,
// rateLimit, advanced and plugins (admin, twoFactor, organization, username with their options;
// a two-factor OTP is captured in the mailbox as kind "two-factor-otp"), and ba-issuer's
// "claims" (made a definePayload, below).
const mail = [];
const capture = (kind) => async ({ user, url, token }) => {
  mail.unshift({ to: user.email, kind, url, token, createdAt: new Date().toISOString() });
};
const extra = {};
for (const source of [args.config ? readFileSync(args.config, "utf8") : "{}", process.env.BA_REF_OPTIONS ?? "{}"]) {
  const parsed = JSON.parse(source);
  for (const k of ["emailAndPassword", "emailVerification", "user", "session", "plugins", "rateLimit", "advanced", "claims",
                   "secondaryStorage", "verification", "account", "socialProviders"]) {
    if (parsed[k]) extra[k] = { ...(extra[k] ?? {}), ...parsed[k] };
  }
}

// ba-issuer's config "claims" as the jwt plugin's definePayload (only when the config has it):
// the user's fields (include, exclude), fromUser, static, then claims.fromSession (the session
// as get-session shows it) and claims.fromMember (the active organization's member, with
// "organization": its row, read through the adapter), in the file's order; a later claim wins.
// Paths go into objects at dots; a path that ends nowhere adds no claim.
const plain = (x) => (x === undefined ? undefined : JSON.parse(JSON.stringify(x)));
function at(value, path) {
  let v = value;
  for (const k of path.split(".")) {
    if (v === null || typeof v !== "object" || Array.isArray(v) || !(k in v)) return undefined;
    v = v[k];
  }
  return v;
}
async function memberSource(user, session) {
  const organizationId = session.activeOrganizationId;
  if (!organizationId) return null;
  const { adapter } = await auth.$context;
  const member = await adapter.findOne({ model: "member", where: [{ field: "userId", value: user.id }, { field: "organizationId", value: organizationId }] });
  if (!member) return null;
  const organization = await adapter.findOne({ model: "organization", where: [{ field: "id", value: organizationId }] });
  return { ...member, organization };
}
function definePayloadOf(shape) {
  return async ({ user, session }) => {
    const u = plain(user);
    const payload = {};
    for (const [k, v] of Object.entries(u)) {
      if (shape.include?.length && !shape.include.includes(k)) continue;
      if (!(shape.exclude ?? []).includes(k)) payload[k] = v;
    }
    for (const [claim, field] of Object.entries(shape.fromUser ?? {})) if (field in u) payload[claim] = u[field];
    Object.assign(payload, shape.static ?? {});
    const sources = { session: plain(session) };
    if (shape.fromMember) sources.member = plain(await memberSource(user, session));
    for (const [key, picks] of Object.entries(shape)) {
      if (!/^from[A-Z]/.test(key) || key === "fromUser") continue;
      const source = sources[key[4].toLowerCase() + key.slice(5)];
      if (source === null || source === undefined) continue;
      for (const [claim, field] of Object.entries(picks)) {
        const v = at(source, field);
        if (v !== undefined) payload[claim] = v;
      }
    }
    return payload;
  };
}
const jwtOptions = {
  ...(Object.keys(jwksOptions).length ? { jwks: jwksOptions } : {}),
  ...(extra.claims ? { jwt: { definePayload: definePayloadOf(extra.claims) } } : {}),
};

// The config's "plugins" section, as ba-issuer reads it ({"admin": {...options}, ...}), made
// into Better Auth's plugins with those options. Options that are functions in Better Auth
// (two-factor's sendOTP, organization's sendInvitationEmail) are given captures here.
const pluginMakers = {
  admin: (o) => admin(o),
  twoFactor: (o) => twoFactor({ ...o, otpOptions: { sendOTP: captureOtp, ...(o.otpOptions ?? {}) } }),
  organization: (o) => organization(o),
  username: (o) => username(o),
  genericOAuth: (o) => genericOAuth(o),
};
const otps = [];
async function captureOtp({ user, otp }) {
  mail.unshift({ to: user.email, kind: "two-factor-otp", otp, createdAt: new Date().toISOString() });
  otps.unshift({ to: user.email, otp });
}
const extraPlugins = [];
for (const [name, options] of Object.entries(extra.plugins ?? {})) {
  if (options === false) continue;
  if (!pluginMakers[name]) {
    process.stderr.write(`ref-server: unknown plugin ${name}\n`);
    process.exit(2);
  }
  extraPlugins.push(pluginMakers[name](options === true ? {} : options));
}

// Secondary storage (ba-issuer's --secondary-storage URL, or the config's secondaryStorage.url and
// keyPrefix): the official @better-auth/redis-storage adapter over ioredis, keyPrefix default
// "better-auth:" as that adapter's. ba-issuer's own URL options (pool, timeout, connect_timeout)
// are not ioredis options and are left out. The config's session.storeSessionInDatabase /
// preserveSessionInDatabase go through "session" above, verification.storeInDatabase here.
const secondaryUrl = args["secondary-storage"] ?? extra.secondaryStorage?.url;
let redisClient = null;
if (secondaryUrl) {
  const u = new URL(secondaryUrl);
  for (const k of ["pool", "timeout", "connect_timeout"]) u.searchParams.delete(k);
  redisClient = new Redis(u.toString());
  redisClient.on("error", (e) => process.stderr.write(`ref-server: redis: ${e.message}\n`));
}
const secondaryOptions = redisClient
  ? { secondaryStorage: redisStorage({ client: redisClient, keyPrefix: extra.secondaryStorage?.keyPrefix ?? "better-auth:" }) }
  : {};

const auth = betterAuth({
  database,
  secret: process.env.BETTER_AUTH_SECRET,
  ...(baseURL ? { baseURL } : {}),
  emailAndPassword: {
    enabled: true,
    sendResetPassword: capture("reset-password"),
    ...(extra.emailAndPassword ?? {}),
  },
  emailVerification: { sendVerificationEmail: capture("verify-email"), ...(extra.emailVerification ?? {}) },
  ...(extra.user ? { user: extra.user } : {}),
  ...(extra.session ? { session: extra.session } : {}),
  ...(extra.rateLimit ? { rateLimit: extra.rateLimit } : {}),
  ...(extra.advanced ? { advanced: extra.advanced } : {}),
  ...(extra.verification ? { verification: extra.verification } : {}),
  ...(extra.account ? { account: extra.account } : {}),
  ...(extra.socialProviders ? { socialProviders: extra.socialProviders } : {}),
  ...secondaryOptions,
  plugins: [Object.keys(jwtOptions).length ? jwt(jwtOptions) : jwt(), bearer(), ...extraPlugins],
});

try {
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
} catch (e) {
  process.stderr.write(`ref-server: migration failed: ${e?.stack ?? e}\n`);
  process.exit(2);
}

const handler = toNodeHandler(auth);
const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname !== "/__test/mail") return handler(req, res);
  if (req.method === "DELETE") mail.length = 0;
  const to = url.searchParams.get("to");
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(req.method === "DELETE" ? { success: true } : mail.filter((m) => !to || m.to === to)));
});
server.listen(port, host, () => {
  const addr = server.address();
  process.stdout.write(`listening on http://${host}:${addr.port}\n`);
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close(() => {
    Promise.resolve()
      .then(() => (database.end ? database.end() : database.close()))
      .then(() => redisClient?.quit())
      .catch(() => {})
      .finally(() => process.exit(0));
  });
  server.closeIdleConnections?.();
  setTimeout(() => {
    server.closeAllConnections?.();
  }, 2000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
