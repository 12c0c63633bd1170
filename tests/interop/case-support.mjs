// Small helpers shared by the differential case tables and the account tests.
import { createHmac } from "node:crypto";
import Database from "better-sqlite3";
import { parseSetCookie, SECRET } from "./harness.mjs";

export const JSONCT = { "content-type": "application/json" };
export const SESSION = "better-auth.session_token";
export const json = (o) => JSON.stringify(o);

// "name=value" of the first non-empty Set-Cookie `name` of a rawRequest answer.
export const cookieOf = (name, res) => {
  for (const sc of res.setCookies) {
    const c = parseSetCookie(sc);
    if (c.name === name && c.value) return `${c.name}=${c.value}`;
  }
  return undefined;
};

// The dev mailbox of a server (ba-issuer --test-api, or ref-server.mjs), newest first.
export async function mailTo(origin, to) {
  const res = await fetch(`${origin}/__test/mail?to=${encodeURIComponent(to)}`);
  if (!res.ok) throw new Error(`GET /__test/mail: ${res.status}`);
  return res.json();
}

// An email verification token as Better Auth signs it (HS256 over the secret), expiring in
// `ttl` seconds (negative: already expired).
export function verificationToken(payload, ttl, secret = SECRET) {
  const b64 = (x) => Buffer.from(JSON.stringify(x)).toString("base64url");
  const iat = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: "HS256" })}.${b64({ ...payload, iat, exp: iat + ttl })}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

// The rows of one query on a SQLite file, opened read-only for it.
export function query(file, sql, ...params) {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}

// The parts of an OAuth account row that must match between Better Auth's and ba-issuer's:
// which columns are set, and their formats.
export function accountShape(row) {
  const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
  return {
    providerId: row.providerId,
    accountId: row.accountId,
    password: row.password,
    scope: row.scope,
    accessToken: typeof row.accessToken === "string" && row.accessToken.length > 0,
    refreshToken: typeof row.refreshToken === "string" && row.refreshToken.length > 0,
    idToken: typeof row.idToken === "string" && row.idToken.split(".").length === 3,
    accessTokenExpiresAt: ISO.test(row.accessTokenExpiresAt ?? ""),
    refreshTokenExpiresAt: row.refreshTokenExpiresAt,
    createdAt: ISO.test(row.createdAt),
    updatedAt: ISO.test(row.updatedAt),
  };
}

// The rows both databases hold at the end, with run-specific values masked.
export function rows(file) {
  const db = new Database(file, { readonly: true });
  try {
    const users = db.prepare('SELECT name, email, emailVerified, image FROM "user" ORDER BY email').all();
    const sessions = db.prepare('SELECT u.email, count(*) AS n FROM "session" s JOIN "user" u ON u.id = s.userId GROUP BY u.email ORDER BY u.email').all();
    const accounts = db.prepare('SELECT u.email, a.providerId, a.accountId = a.userId AS selfId, length(a.password) AS pwLen FROM "account" a JOIN "user" u ON u.id = a.userId ORDER BY u.email').all();
    const verification = db.prepare('SELECT substr(identifier, 1, 15) AS kind, count(*) AS n FROM "verification" GROUP BY kind ORDER BY kind').all();
    return { users, sessions, accounts, verification };
  } finally {
    db.close();
  }
}
