// RFC 6238 TOTP as Better Auth's two-factor plugin computes it (HMAC-SHA1 over the secret's
// bytes, 6 digits, 30 s), from the secret an otpauth:// URI carries in base32; and the
// two-factor rows of a database, masked for comparison.
import { createHmac } from "node:crypto";
import Database from "better-sqlite3";

export function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text) {
    if (c === "=") break;
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 255);
    }
  }
  return Buffer.from(out);
}

// The key bytes of an otpauth URI's secret.
export const keyOfUri = (uri) => base32Decode(new URL(uri).searchParams.get("secret"));

export function totp(key, nowMs = Date.now(), { period = 30, digits = 6 } = {}) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(nowMs / 1000 / period)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const o = mac[mac.length - 1] & 15;
  const n = (((mac[o] & 127) << 24) | (mac[o + 1] << 16) | (mac[o + 2] << 8) | mac[o + 3]) % 10 ** digits;
  return String(n).padStart(digits, "0");
}

// A code that is no TOTP of the steps around now.
export function wrongCode(key) {
  const near = [-1, 0, 1].map((i) => totp(key, Date.now() + i * 30000));
  for (let n = 0; ; n++) {
    const c = String(n).padStart(6, "0");
    if (!near.includes(c)) return c;
  }
}

// What two-factor wrote: the user's flag, its twoFactor row (sealed lengths, counters) and the
// verification rows by kind.
export function twoFactorRows(file) {
  const db = new Database(file, { readonly: true });
  try {
    const users = db.prepare('SELECT email, twoFactorEnabled FROM "user" ORDER BY email').all();
    const twoFactor = db.prepare('SELECT u.email, length(t.secret) AS secretLen, length(t.backupCodes) AS codesLen, t.verified, t.failedVerificationCount AS failed, t.lockedUntil IS NOT NULL AS locked FROM "twoFactor" t JOIN "user" u ON u.id = t.userId ORDER BY u.email').all();
    const kinds = {};
    for (const { identifier, value } of db.prepare('SELECT identifier, value FROM "verification"').all()) {
      const kind = identifier.startsWith("2fa-attempts-") ? `2fa-attempts=${value}`
        : identifier.startsWith("2fa-otp-") ? `2fa-otp:${value.split(":")[1]}`
        : identifier.startsWith("2fa-") ? "2fa-challenge"
        : identifier.startsWith("trust-device-") ? "trust-device"
        : identifier.slice(0, 15);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    return { users, twoFactor, verification: Object.entries(kinds).sort() };
  } finally {
    db.close();
  }
}
