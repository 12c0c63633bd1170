// Differential test: the same request table is sent to a fresh real Better Auth 1.7.25 (ref-server.mjs)
// and to a fresh ba-issuer, each on its own temp SQLite file and base URL http://127.0.0.1:<port>.
// Compared per case: status + reason, content-type, body (normalised: ids, tokens, dates, JWTs, origin),
// Set-Cookie names/values-shape/attributes in order, and the headers set-auth-token, set-auth-jwt,
// access-control-expose-headers, cache-control, pragma, location.
//
// Cases run in order and share state per server (users created by earlier cases), identically on both sides.
// Deliberate differences (compat spec §4.5: 413 over 64 KiB) are not compared; they are checked against
// ba-issuer alone at the end.
//
// INTEROP_DUMP=/path.json writes every case's raw responses from both sides (for NOTES.md).

import { parseSetCookie, rawRequest, SECRET } from "./harness.mjs";
import { JSONCT, SESSION, json, cookieOf } from "./case-support.mjs";
import { runDifferential } from "./differential-engine.mjs";
import { createHmac } from "node:crypto";
import { gzipSync } from "node:zlib";

const FORMCT = { "content-type": "application/x-www-form-urlencoded" };
const PW = "correct horse battery";

/**
 * Each case: name, and req(ctx) -> {method, path, headers, body}; optional after(res, ctx) to capture state;
 * optional compare: { body: false } to skip body comparison (e.g. HTML error page).
 */
const cases = [
  // §0 routing and health
  { name: "GET /ok", req: () => ({ method: "GET", path: "/ok" }) },
  { name: "POST /ok (wrong method) → 404", req: () => ({ method: "POST", path: "/ok", headers: JSONCT, body: "{}" }) },
  { name: "unknown path → 404 empty", req: () => ({ method: "GET", path: "/does-not-exist" }) },
  { name: "path outside base path → 404", req: () => ({ method: "GET", rawPath: "/jwks" }) },
  { name: "POST /token (wrong method) → 404", req: () => ({ method: "POST", path: "/token", headers: JSONCT, body: "{}" }) },
  { name: "GET /sign-in/email (wrong method) → 404", req: () => ({ method: "GET", path: "/sign-in/email" }) },
  { name: "GET /jwks/ trailing slash → 404", req: () => ({ method: "GET", path: "/jwks/" }) },
  { name: "GET /token/ trailing slash → 404", req: () => ({ method: "GET", path: "/token/" }) },
  { name: "OPTIONS /jwks → 404", req: () => ({ method: "OPTIONS", path: "/jwks" }) },
  { name: "HEAD /jwks → 404", req: () => ({ method: "HEAD", path: "/jwks" }) },
  { name: "GET /error → HTML page", req: () => ({ method: "GET", path: "/error" }), compare: { body: false } },
  // JWKS and no-session answers
  { name: "GET /jwks (first call creates the key)", req: () => ({ method: "GET", path: "/jwks" }) },
  { name: "GET /jwks again (same key)", req: () => ({ method: "GET", path: "/jwks" }) },
  { name: "GET /get-session without session → null", req: () => ({ method: "GET", path: "/get-session" }) },
  { name: "POST /get-session → 405", req: () => ({ method: "POST", path: "/get-session", headers: JSONCT, body: "{}" }) },
  { name: "GET /token without session → 401", req: () => ({ method: "GET", path: "/token" }) },
  { name: "POST /sign-out without session, no body", req: () => ({ method: "POST", path: "/sign-out" }) },
  { name: "POST /sign-out without session, {}", req: () => ({ method: "POST", path: "/sign-out", headers: JSONCT, body: "{}" }) },
  { name: "POST /sign-out application/json, no body", req: () => ({ method: "POST", path: "/sign-out", headers: JSONCT }) },
  { name: "POST /sign-out text/plain → 415", req: () => ({ method: "POST", path: "/sign-out", headers: { "content-type": "text/plain" }, body: "x" }) },
  { name: "POST /sign-out form-urlencoded → 415", req: () => ({ method: "POST", path: "/sign-out", headers: FORMCT, body: "a=b" }) },

  // §4.1 sign-up
  {
    name: "sign-up alice → 200 + cookie + set-auth-token",
    req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Alice", email: "alice@example.com", password: PW }) }),
    after: (res, ctx) => {
      ctx.signupCookie = cookieOf(SESSION, res);
    },
  },
  { name: "sign-up duplicate email → 422", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "A2", email: "alice@example.com", password: PW }) }) },
  { name: "sign-up duplicate email, other case → 422", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "A3", email: "ALICE@Example.COM", password: PW }) }) },
  { name: "sign-up {} → 400 all fields", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: "{}" }) },
  { name: "sign-up email:5,password:5 → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ email: 5, password: 5 }) }) },
  { name: "sign-up name:5 only → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: 5 }) }) },
  { name: "sign-up all wrong types → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: 5, email: true, password: null, image: 5, rememberMe: "yes", callbackURL: 5 }) }) },
  { name: "sign-up bad email → 400 VALIDATION_ERROR", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "B", email: "notanemail", password: PW }) }) },
  { name: "sign-up bad email and short password", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "B", email: "notanemail", password: "x" }) }) },
  { name: "sign-up password too short → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "B", email: "short@example.com", password: "1234567" }) }) },
  { name: "sign-up password empty → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "B", email: "empty@example.com", password: "" }) }) },
  { name: "sign-up password 129 chars → 400 too long", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "B", email: "long@example.com", password: "a".repeat(129) }) }) },
  { name: "sign-up password 65 astral chars (130 UTF-16 units) → too long", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "B", email: "astral@example.com", password: "😀".repeat(65) }) }) },
  { name: "sign-up password 128 chars → 200", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Max", email: "max128@example.com", password: "b".repeat(128) }) }) },
  { name: "sign-up password 8 chars → 200", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Min", email: "min8@example.com", password: "12345678" }) }) },
  { name: "sign-up extra fields + emailVerified:true ignored", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Extra", email: "extra@example.com", password: PW, emailVerified: true, role: "admin", id: "forcedid", createdAt: "2000-01-01T00:00:00.000Z" }) }) },
  { name: "sign-up image:null", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "NullImg", email: "nullimg@example.com", password: PW, image: null }) }) },
  { name: "sign-up image string", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Img", email: "img@example.com", password: PW, image: "https://cdn.example.com/a.png" }) }) },
  { name: "sign-up image:5 → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Img5", email: "img5@example.com", password: PW, image: 5 }) }) },
  { name: "sign-up name:\"\" → 200", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "", email: "noname@example.com", password: PW }) }) },
  { name: "sign-up name with spaces not trimmed", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "  Spacey  ", email: "spacey@example.com", password: PW }) }) },
  { name: "sign-up email with leading spaces → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "S", email: "  spacey2@example.com", password: PW }) }) },
  { name: "sign-up email \"\" → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "S", email: "", password: PW }) }) },
  { name: "sign-up name:null → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: null, email: "nullname@example.com", password: PW }) }) },
  { name: "sign-up name:5, email bad, password 5", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: 5, email: "bad", password: 5 }) }) },
  { name: "sign-up email bad, password 5", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "a", email: "bad", password: 5 }) }) },
  { name: "sign-up missing password, bad email, rememberMe yes", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "a", email: "bad", rememberMe: "yes" }) }) },
  { name: "sign-up bad email + password too long", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "a", email: "bad", password: "a".repeat(200) }) }) },
  { name: "sign-up callbackURL 5 and {} otherwise", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ callbackURL: 5 }) }) },
  { name: "sign-up untrusted callbackURL and missing fields", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ callbackURL: "https://evil.example/" }) }) },
  { name: "sign-up duplicate email + short password", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "a", email: "alice@example.com", password: "short" }) }) },
  { name: "sign-up duplicate email + untrusted callbackURL", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "a", email: "alice@example.com", password: PW, callbackURL: "https://evil.example/" }) }) },
  { name: "sign-up upper-case email stored lowercased", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Upper", email: "UPPER@Example.COM", password: PW }) }) },
  { name: "sign-up unicode name and NFKC password", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Zoë 😀", email: "nfkc@example.com", password: "p\u212Bssword-long" }) }) },
  { name: "sign-up rememberMe:false → session cookie without Max-Age + dont_remember", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Forgetful", email: "forget@example.com", password: PW, rememberMe: false }) }) },
  { name: "sign-up rememberMe:true", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Rem", email: "rem@example.com", password: PW, rememberMe: true }) }) },
  { name: "sign-up trusted relative callbackURL", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Cb", email: "cb@example.com", password: PW, callbackURL: "/dashboard" }) }) },
  { name: "sign-up untrusted callbackURL → 403", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: "Cb", email: "cb2@example.com", password: PW, callbackURL: "https://evil.example/x" }) }) },
  { name: "sign-up text/plain → 415", req: () => ({ method: "POST", path: "/sign-up/email", headers: { "content-type": "text/plain" }, body: json({ name: "T", email: "t@example.com", password: PW }) }) },
  { name: "sign-up malformed JSON → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: '{"name": "x",' }) },
  { name: "sign-up body [] → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: "[]" }) },
  { name: "sign-up body \"x\" → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: '"x"' }) },
  { name: "sign-up body null → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: "null" }) },
  { name: "sign-up body 5 → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: "5" }) },
  { name: "sign-up empty body with json content-type → 400", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: "" }) },
  { name: "sign-up no content-type with body → 400", req: () => ({ method: "POST", path: "/sign-up/email", body: json({ name: "N", email: "noct@example.com", password: PW }) }) },
  { name: "sign-up POST with no body and no content-type", req: () => ({ method: "POST", path: "/sign-up/email" }) },
  { name: "sign-up json; charset=utf-8 → 200", req: () => ({ method: "POST", path: "/sign-up/email", headers: { "content-type": "application/json; charset=utf-8" }, body: json({ name: "Cs", email: "charset@example.com", password: PW }) }) },
  { name: "sign-up APPLICATION/JSON upper-case content-type", req: () => ({ method: "POST", path: "/sign-up/email", headers: { "content-type": "Application/JSON" }, body: json({ name: "Uc", email: "ucct@example.com", password: PW }) }) },
  { name: "sign-up form-urlencoded → 200", req: () => ({ method: "POST", path: "/sign-up/email", headers: FORMCT, body: "name=Form%20User&email=form%40example.com&password=correct+horse+battery" }) },
  { name: "sign-up form-urlencoded rememberMe=false", req: () => ({ method: "POST", path: "/sign-up/email", headers: FORMCT, body: "name=F2&email=form2%40example.com&password=correct+horse+battery&rememberMe=false" }) },
  { name: "sign-up duplicate JSON keys (last wins)", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: '{"name":"Dup","email":"bad","email":"dupkeys@example.com","password":"correct horse battery"}' }) },

  // §4.2 sign-in
  {
    name: "sign-in alice → 200 redirect:false",
    req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW }) }),
    after: (res, ctx) => {
      ctx.cookie = cookieOf(SESSION, res);
      ctx.signed = res.headers["set-auth-token"];
      ctx.raw = res.json?.token;
    },
  },
  { name: "sign-in upper-case email → 200", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "ALICE@EXAMPLE.COM", password: PW }) }) },
  { name: "sign-in NFKC-equivalent password → 200", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "nfkc@example.com", password: "p\u00C5ssword-long" }) }) },
  { name: "sign-in 128-char password → 200", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "max128@example.com", password: "b".repeat(128) }) }) },
  { name: "sign-in form-urlencoded user → 200", req: () => ({ method: "POST", path: "/sign-in/email", headers: FORMCT, body: "email=form%40example.com&password=correct+horse+battery" }) },
  { name: "sign-in wrong password → 401", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: "wrong password!" }) }) },
  { name: "sign-in wrong password, chunked body → 401", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, chunked: true, body: json({ email: "alice@example.com", password: "wrong password!" }) }) },
  { name: "sign-in plain JSON labelled Content-Encoding: gzip → read as sent", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, "content-encoding": "gzip" }, body: json({ email: "alice@example.com", password: "wrong password!" }) }) },
  { name: "sign-in real gzip body → 400 Invalid JSON", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, "content-encoding": "gzip" }, body: gzipSync(json({ email: "alice@example.com", password: PW })) }) },
  { name: "GET /token with a body → answered as without", req: () => ({ method: "GET", path: "/token", headers: JSONCT, body: "{}" }) },
  { name: "sign-in unknown user → 401", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "nobody@example.com", password: PW }) }) },
  { name: "sign-in email not an address → 400 INVALID_EMAIL", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "notanemail", password: PW }) }) },
  { name: "sign-in email \"\" → 400 INVALID_EMAIL", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "", password: PW }) }) },
  { name: "sign-in bad email and empty password", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "notanemail", password: "" }) }) },
  { name: "sign-in short password → 401", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: "short" }) }) },
  { name: "sign-in empty password → 401", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: "" }) }) },
  { name: "sign-in password 129 chars → 400 too long", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: "a".repeat(129) }) }) },
  { name: "sign-in {} → 400", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: "{}" }) },
  { name: "sign-in email:5,password:5 → 400", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: 5, password: 5 }) }) },
  { name: "sign-in name:5 only → 400", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ name: 5 }) }) },
  { name: "sign-in email bad, password 5", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "bad", password: 5 }) }) },
  { name: "sign-in email bad, password missing", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "bad" }) }) },
  { name: "sign-in email 5, password ok", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: 5, password: PW }) }) },
  { name: "sign-in callbackURL 5 and body {} otherwise", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ callbackURL: 5 }) }) },
  { name: "sign-in bad email + password too long", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "bad", password: "a".repeat(200) }) }) },
  { name: "sign-in unknown user + password too long", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "nobody@example.com", password: "a".repeat(200) }) }) },
  { name: "sign-in body null → 400", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: "null" }) },
  { name: "sign-in no content-type with body → 400", req: () => ({ method: "POST", path: "/sign-in/email", body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-in rememberMe:\"yes\" → 400", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW, rememberMe: "yes" }) }) },
  { name: "sign-in body [] → 400", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: "[]" }) },
  { name: "sign-in malformed JSON → 400", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: "{bad json" }) },
  { name: "sign-in text/plain → 415", req: () => ({ method: "POST", path: "/sign-in/email", headers: { "content-type": "text/plain" }, body: "x" }) },
  { name: "sign-in multipart → 415", req: () => ({ method: "POST", path: "/sign-in/email", headers: { "content-type": "multipart/form-data; boundary=x" }, body: "--x--" }) },
  { name: "sign-in rememberMe:false → no Max-Age + dont_remember", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW, rememberMe: false }) }),
    after: (res, ctx) => {
      ctx.forgetCookies = res.setCookies.map((sc) => { const c = parseSetCookie(sc); return `${c.name}=${c.value}`; }).join("; ");
    },
  },
  { name: "sign-in form-urlencoded rememberMe=false", req: () => ({ method: "POST", path: "/sign-in/email", headers: FORMCT, body: "email=alice%40example.com&password=correct+horse+battery&rememberMe=false" }) },
  { name: "sign-in form-urlencoded rememberMe=true", req: () => ({ method: "POST", path: "/sign-in/email", headers: FORMCT, body: "email=alice%40example.com&password=correct+horse+battery&rememberMe=true" }) },
  { name: "sign-in callbackURL /dashboard → Location + redirect:true", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW, callbackURL: "/dashboard" }) }) },
  { name: "sign-in callbackURL absolute trusted", req: (ctx) => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW, callbackURL: `${ctx.origin}/home?x=1` }) }) },
  { name: "sign-in callbackURL untrusted → 403", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW, callbackURL: "https://evil.example/x" }) }) },
  { name: "sign-in callbackURL protocol-relative → 403", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW, callbackURL: "//evil.example/x" }) }) },
  { name: "sign-in callbackURL 5 → 400 without code", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: PW, callbackURL: 5 }) }) },
  { name: "sign-in callbackURL untrusted + wrong password", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: "wrong password!", callbackURL: "https://evil.example/x" }) }) },
  { name: "sign-in with x-forwarded-for and user-agent", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, "x-forwarded-for": "203.0.113.7", "user-agent": "interop-ua/1.0" }, body: json({ email: "alice@example.com", password: PW }) }),
    after: (res, ctx) => { ctx.xffCookie = cookieOf(SESSION, res); },
  },

  // §5 origin / CSRF
  { name: "sign-in evil Origin, no cookie → 403 INVALID_ORIGIN", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, origin: "https://evil.example" }, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-in trusted Origin → 200", req: (ctx) => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, origin: ctx.origin }, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-in Origin null, no cookie → 403", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, origin: "null" }, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-in trusted Referer only → 200", req: (ctx) => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, referer: `${ctx.origin}/login` }, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-in evil Referer only → 403", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, referer: "https://evil.example/login" }, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-in Sec-Fetch-Site cross-site + navigate → 403 CROSS_SITE_NAVIGATION_LOGIN_BLOCKED", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...FORMCT, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" }, body: "email=alice%40example.com&password=correct+horse+battery" }) },
  { name: "sign-in Sec-Fetch-Site cross-site + navigate + trusted Origin", req: (ctx) => ({ method: "POST", path: "/sign-in/email", headers: { ...FORMCT, origin: ctx.origin, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" }, body: "email=alice%40example.com&password=correct+horse+battery" }) },
  { name: "sign-in Sec-Fetch-Site same-origin, no Origin → 403 MISSING_OR_NULL_ORIGIN", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors" }, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-in Sec-Fetch-Mode cors only, no Origin → 403", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, "sec-fetch-mode": "cors" }, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-up evil Origin → 403", req: () => ({ method: "POST", path: "/sign-up/email", headers: { ...JSONCT, origin: "https://evil.example" }, body: json({ name: "E", email: "evil1@example.com", password: PW }) }) },
  { name: "sign-up cross-site navigate → 403", req: () => ({ method: "POST", path: "/sign-up/email", headers: { ...FORMCT, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" }, body: "name=E&email=evil2%40example.com&password=correct+horse+battery" }) },
  { name: "sign-in with cookie, no Origin → 403 MISSING_OR_NULL_ORIGIN", req: (ctx) => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, cookie: ctx.cookie }, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-out with cookie, no Origin → 403 MISSING_OR_NULL_ORIGIN", req: (ctx) => ({ method: "POST", path: "/sign-out", headers: { ...JSONCT, cookie: ctx.cookie }, body: "{}" }) },
  { name: "sign-out with cookie, Origin null → 403", req: (ctx) => ({ method: "POST", path: "/sign-out", headers: { ...JSONCT, cookie: ctx.cookie, origin: "null" }, body: "{}" }) },
  { name: "sign-out with cookie, evil Origin → 403 INVALID_ORIGIN", req: (ctx) => ({ method: "POST", path: "/sign-out", headers: { ...JSONCT, cookie: ctx.cookie, origin: "https://evil.example" }, body: "{}" }) },
  { name: "sign-out with unrelated cookie, no Origin → 403", req: () => ({ method: "POST", path: "/sign-out", headers: { ...JSONCT, cookie: "theme=dark" }, body: "{}" }) },
  { name: "sign-out with cookie, evil Referer → 403", req: (ctx) => ({ method: "POST", path: "/sign-out", headers: { ...JSONCT, cookie: ctx.cookie, referer: "https://evil.example/page" }, body: "{}" }) },
  { name: "sign-out with cookie, Origin with trailing path (trusted host)", req: (ctx) => ({ method: "POST", path: "/sign-out", headers: { ...JSONCT, cookie: "theme=dark", origin: `${ctx.origin}/` }, body: "{}" }) },
  { name: "sign-out with cookie, Origin different port → 403", req: (ctx) => ({ method: "POST", path: "/sign-out", headers: { ...JSONCT, cookie: "theme=dark", origin: "http://127.0.0.1:1" }, body: "{}" }) },

  // order of checks: origin/CSRF vs content-type vs JSON parse vs callbackURL vs zod
  { name: "order: sign-in evil Origin + body {}", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, origin: "https://evil.example" }, body: "{}" }) },
  { name: "order: sign-in evil Origin + text/plain", req: () => ({ method: "POST", path: "/sign-in/email", headers: { "content-type": "text/plain", origin: "https://evil.example" }, body: "x" }) },
  { name: "order: sign-in evil Origin + malformed JSON", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, origin: "https://evil.example" }, body: "{bad" }) },
  { name: "order: sign-in cross-site navigate + malformed JSON", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" }, body: "{bad" }) },
  { name: "order: sign-in text/plain + malformed body", req: () => ({ method: "POST", path: "/sign-in/email", headers: { "content-type": "text/plain" }, body: "{bad" }) },
  { name: "order: sign-up evil Origin + callbackURL 5", req: () => ({ method: "POST", path: "/sign-up/email", headers: { ...JSONCT, origin: "https://evil.example" }, body: json({ callbackURL: 5 }) }) },
  { name: "order: sign-out with cookie, no Origin, text/plain", req: (ctx) => ({ method: "POST", path: "/sign-out", headers: { "content-type": "text/plain", cookie: ctx.cookie }, body: "x" }) },
  { name: "order: sign-out with cookie, no Origin, malformed JSON", req: (ctx) => ({ method: "POST", path: "/sign-out", headers: { ...JSONCT, cookie: ctx.cookie }, body: "{bad" }) },
  { name: "order: unknown path with evil Origin and cookie → 404", req: (ctx) => ({ method: "POST", path: "/nope", headers: { ...JSONCT, cookie: ctx.cookie, origin: "https://evil.example" }, body: "{}" }) },
  { name: "order: sign-in with cookie, evil Origin, body {} → 403 first", req: (ctx) => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, cookie: ctx.cookie, origin: "https://evil.example" }, body: "{}" }) },
  { name: "order: sign-in evil Origin (no cookie) + untrusted callbackURL", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, origin: "https://evil.example" }, body: json({ email: "alice@example.com", password: PW, callbackURL: "https://evil.example/" }) }) },
  { name: "order: sign-in with cookie, evil Origin + untrusted callbackURL", req: (ctx) => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, cookie: ctx.cookie, origin: "https://evil.example" }, body: json({ email: "alice@example.com", password: PW, callbackURL: "https://evil.example/" }) }) },
  { name: "sign-out with cookie, Origin null + Sec-Fetch-Site same-origin → allowed", req: () => ({ method: "POST", path: "/sign-out", headers: { ...JSONCT, cookie: "theme=dark", origin: "null", "sec-fetch-site": "same-origin" }, body: "{}" }) },
  { name: "sign-in Origin null + Sec-Fetch-Site same-origin → allowed", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, origin: "null", "sec-fetch-site": "same-origin" }, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-in Sec-Fetch-Dest only, no Origin → 403", req: () => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, "sec-fetch-dest": "empty" }, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-in Sec-Fetch-Site none + trusted Origin → 200", req: (ctx) => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, "sec-fetch-site": "none", "sec-fetch-mode": "navigate", origin: ctx.origin }, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "order: sign-up all wrong types without callbackURL", req: () => ({ method: "POST", path: "/sign-up/email", headers: JSONCT, body: json({ name: 5, email: true, password: null, image: 5, rememberMe: "yes" }) }) },
  { name: "order: sign-in all wrong types without callbackURL", req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: true, password: null, rememberMe: "yes" }) }) },

  // §3 sessions, cookies, bearer, JWT
  { name: "get-session with cookie → session + set-auth-jwt", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: ctx.cookie } }) },
  { name: "get-session ?disableRefresh=true&disableCookieCache=true", req: (ctx) => ({ method: "GET", path: "/get-session?disableRefresh=true&disableCookieCache=true", headers: { cookie: ctx.cookie } }) },
  { name: "get-session x-forwarded-for session shows ip/user-agent", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: ctx.xffCookie } }) },
  { name: "get-session rememberMe:false session (dont_remember)", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: ctx.forgetCookies } }) },
  { name: "token with cookie → 200 {token}", req: (ctx) => ({ method: "GET", path: "/token", headers: { cookie: ctx.cookie } }) },
  { name: "token with cookie among others", req: (ctx) => ({ method: "GET", path: "/token", headers: { cookie: `a=1; ${ctx.cookie}; b=2` } }) },
  { name: "token with raw (not URL-encoded) signed cookie", req: (ctx) => ({ method: "GET", path: "/token", headers: { cookie: `${SESSION}=${ctx.signed}` } }) },
  { name: "token with bearer signed token", req: (ctx) => ({ method: "GET", path: "/token", headers: { authorization: `Bearer ${ctx.signed}` } }) },
  { name: "token with bearer raw session token", req: (ctx) => ({ method: "GET", path: "/token", headers: { authorization: `Bearer ${ctx.raw}` } }) },
  { name: "token with lower-case bearer scheme", req: (ctx) => ({ method: "GET", path: "/token", headers: { authorization: `bearer ${ctx.signed}` } }) },
  { name: "token with bearer base64url signature (sig containing + or /)",
    prepare: async (server, ctx) => {
      // Sign in until the signature contains '+' or '/', so that base64url differs from base64.
      for (let i = 0; i < 40; i++) {
        const r = await rawRequest(`${server.base}/sign-in/email`, { method: "POST", headers: JSONCT, body: json({ email: "alice@example.com", password: PW }) });
        const t = r.headers["set-auth-token"];
        if (t && /[+/]/.test(t.split(".")[1])) { ctx.signedPlus = t; return; }
      }
      throw new Error("no signature with + or / in 40 sign-ins");
    },
    req: (ctx) => ({ method: "GET", path: "/token", headers: { authorization: `Bearer ${ctx.signedPlus.replace(/\+/g, "-").replace(/\//g, "_")}` } }) },
  { name: "token with bearer base64 signature without padding", req: (ctx) => ({ method: "GET", path: "/token", headers: { authorization: `Bearer ${ctx.signedPlus.replace(/=$/, "")}` } }) },
  { name: "token with bearer URL-encoded signed token", req: (ctx) => ({ method: "GET", path: "/token", headers: { authorization: `Bearer ${encodeURIComponent(ctx.signedPlus)}` } }) },
  { name: "get-session cookie with base64url signature", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: `${SESSION}=${ctx.signedPlus.replace(/\+/g, "-").replace(/\//g, "_")}` } }) },
  { name: "token with bearer = a JWT → 401", req: (ctx) => ({ method: "GET", path: "/token", headers: { authorization: `Bearer ${ctx.jwt}` } }) },
  { name: "token with bearer garbage → 401", req: () => ({ method: "GET", path: "/token", headers: { authorization: "Bearer abc.def" } }) },
  { name: "token with Basic auth → 401", req: () => ({ method: "GET", path: "/token", headers: { authorization: "Basic YWxpY2U6cHc=" } }) },
  { name: "get-session with bearer", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { authorization: `Bearer ${ctx.signed}` } }) },
  { name: "bearer overrides a bad cookie", req: (ctx) => ({ method: "GET", path: "/token", headers: { authorization: `Bearer ${ctx.signed}`, cookie: `${SESSION}=bad.sig` } }) },
  { name: "get-session bad cookie signature → null", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: `${SESSION}=${ctx.raw}.${"A".repeat(43)}=` } }) },
  { name: "get-session unsigned raw token cookie → null", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: `${SESSION}=${ctx.raw}` } }) },
  { name: "get-session signature too short → null", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: `${SESSION}=${ctx.raw}.abc=` } }) },
  { name: "get-session valid sig for unknown token → null", req: () => {
      const t = "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
      const sig = createHmac("sha256", SECRET).update(t).digest("base64");
      return { method: "GET", path: "/get-session", headers: { cookie: `${SESSION}=${encodeURIComponent(`${t}.${sig}`)}` } };
    } },
  { name: "token bad cookie signature → 401", req: (ctx) => ({ method: "GET", path: "/token", headers: { cookie: `${SESSION}=${ctx.raw}.${"A".repeat(43)}=` } }) },
  { name: "get-session duplicate cookie names, first wins (bad first)", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: `${SESSION}=bad; ${ctx.cookie}` } }) },
  { name: "get-session __Secure- cookie name is ignored on http", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: `__Secure-${ctx.cookie}` } }) },
  { name: "sign-in with session cookie and trusted Origin → 200", req: (ctx) => ({ method: "POST", path: "/sign-in/email", headers: { ...JSONCT, cookie: ctx.cookie, origin: ctx.origin }, body: json({ email: "alice@example.com", password: PW }) }) },
  { name: "sign-out with bearer, no cookie, no Origin → 200", req: (ctx) => ({ method: "POST", path: "/sign-out", headers: { ...JSONCT, authorization: `Bearer ${ctx.signupSigned}` }, body: "{}" }) },
  { name: "get-session with signed-out bearer session → null", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { authorization: `Bearer ${ctx.signupSigned}` } }) },
  { name: "sign-out with cookie + trusted Origin → 200, clears cookies", req: (ctx) => ({ method: "POST", path: "/sign-out", headers: { ...JSONCT, cookie: ctx.cookie, origin: ctx.origin }, body: "{}" }) },
  { name: "get-session after sign-out → null", req: (ctx) => ({ method: "GET", path: "/get-session", headers: { cookie: ctx.cookie } }) },
  { name: "token after sign-out → 401", req: (ctx) => ({ method: "GET", path: "/token", headers: { cookie: ctx.cookie } }) },
  { name: "GET /jwks at the end (still one key)", req: () => ({ method: "GET", path: "/jwks" }) },
];

// Deliberate differences: sent to ba-issuer only, checked against the documented answer.
const deliberate = [
  {
    name: "body over 64 KiB (Content-Length) → 413 PAYLOAD_TOO_LARGE",
    req: () => ({ method: "POST", path: "/sign-in/email", headers: JSONCT, body: json({ email: "alice@example.com", password: "x".repeat(70 * 1024) }) }),
    expect: { status: 413, body: { message: "Request body too large", code: "PAYLOAD_TOO_LARGE" } },
  },
];

// Some ctx values come from a case's answer; JWT for the "bearer = JWT" case and the sign-up session's bearer.
function enrich(ctx, c, res) {
  if (c.name.startsWith("sign-up alice")) ctx.signupSigned = res.headers["set-auth-token"];
  if (res.json && typeof res.json.token === "string" && res.json.token.split(".").length === 3) ctx.jwt = res.json.token;
}

// The x-forwarded-for cases: Better Auth believes a one-address header from anyone, ba-issuer
// only from a trusted proxy (issue 19 §7), so here the loopback client is one.
const serverOpts = (kind) => (kind === "ba-issuer" ? { extraArgs: ["--trusted-proxy", "127.0.0.1/32"] } : {});

runDifferential({ cases, deliberate, enrich, serverOpts });
