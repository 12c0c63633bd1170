// The real Better Auth client (better-auth 1.7.25 createAuthClient + jwtClient) against ba-issuer,
// tokens verified with jose (createRemoteJWKSet + jwtVerify) and PyJWT (verify_pyjwt.py).
// Node has no cookie jar: the client gets a customFetchImpl that keeps cookies and sends Origin like a
// same-origin browser page (harness.mjs jarFetch).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import path from "node:path";
import { createAuthClient } from "better-auth/client";
import { jwtClient } from "better-auth/client/plugins";
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from "jose";
import { startServer, tempDir, CookieJar, jarFetch, rawRequest, decodeJwt, HERE } from "./harness.mjs";

const execFileP = promisify(execFile);
const SESSION = "better-auth.session_token";
const USER_CLAIMS = ["name", "email", "emailVerified", "image", "createdAt", "updatedAt", "id"];

const dirs = tempDir("ba-client-");
let srv;
let client;
let jar;
let JWKS;
const state = {};

function newClient(fetchImpl, extra = {}) {
  return createAuthClient({
    baseURL: srv.origin,
    plugins: [jwtClient()],
    fetchOptions: { customFetchImpl: fetchImpl, ...extra },
  });
}

before(async () => {
  srv = await startServer("ba-issuer", { db: dirs.file("client.db") });
  jar = new CookieJar();
  client = newClient(jarFetch(jar, srv.origin));
  JWKS = createRemoteJWKSet(new URL(`${srv.base}/jwks`));
});

after(async () => {
  await srv?.stop();
  dirs.remove();
});

/** Checks every claim rule of compat spec §1.4 for a token issued to `user`. */
async function checkJwt(token, user, label) {
  const { payload, protectedHeader } = await jwtVerify(token, JWKS, { issuer: srv.origin, audience: srv.origin });
  assert.deepEqual(Object.keys(protectedHeader).sort(), ["alg", "kid"], `${label}: header members`);
  assert.equal(protectedHeader.alg, "EdDSA");
  assert.match(protectedHeader.kid, /^[A-Za-z0-9]{32}$/);
  assert.deepEqual(
    Object.keys(payload).sort(),
    ["iat", ...USER_CLAIMS, "sub", "exp", "iss", "aud"].sort(),
    `${label}: claim names ${JSON.stringify(payload)}`,
  );
  assert.equal(typeof payload.iat, "number");
  assert.ok(Number.isInteger(payload.iat));
  assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 120, `${label}: iat near now`);
  assert.equal(payload.exp, payload.iat + 900, `${label}: exp = iat + 900`);
  assert.equal(payload.iss, srv.origin);
  assert.equal(payload.aud, srv.origin);
  assert.equal(payload.sub, user.id);
  assert.equal(payload.id, user.id);
  assert.equal(payload.name, user.name);
  assert.equal(payload.email, user.email);
  assert.equal(payload.emailVerified, false);
  assert.equal(payload.image, null);
  assert.match(payload.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.match(payload.updatedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.equal(new Date(payload.createdAt).getTime(), new Date(user.createdAt).getTime());
  assert.equal(decodeJwt(token).signature.length, 64, `${label}: Ed25519 signature is 64 bytes`);
  // No padding anywhere in the compact form.
  assert.doesNotMatch(token, /=/);
  return { payload, protectedHeader };
}

async function pyjwt(token) {
  let out;
  try {
    out = await execFileP("/usr/bin/python3", [path.join(HERE, "verify_pyjwt.py"), `${srv.base}/jwks`, token, srv.origin, srv.origin], { timeout: 30000 });
  } catch (e) {
    // exit 1 = verification failed; still JSON on stdout
    out = e;
  }
  let res;
  try {
    res = JSON.parse(out.stdout);
  } catch {
    throw new Error(`verify_pyjwt.py printed no JSON: stdout=${out.stdout} stderr=${out.stderr}`);
  }
  return res;
}

test("signUp.email creates the user and a session cookie", async () => {
  const email = `client-${Date.now()}@example.com`;
  const { data, error } = await client.signUp.email({ name: "Client User", email, password: "client password 1" });
  assert.equal(error, null, JSON.stringify(error));
  assert.match(data.token, /^[A-Za-z0-9]{32}$/);
  assert.equal(data.user.email, email);
  assert.equal(data.user.name, "Client User");
  assert.equal(data.user.emailVerified, false);
  assert.equal(data.user.image, null);
  assert.match(data.user.id, /^[A-Za-z0-9]{32}$/);
  // The client's JSON parser turns ISO dates into Date objects: the server must send ISO-8601 with Z.
  assert.ok(data.user.createdAt instanceof Date, "createdAt parsed as Date");
  assert.ok(!Number.isNaN(data.user.createdAt.getTime()));
  assert.ok(!("redirect" in data), "sign-up has no redirect member");
  assert.ok(jar.get(SESSION), "session cookie stored");
  assert.ok(jar.get(SESSION).startsWith(`${data.token}.`), "cookie value is token.signature");
  state.email = email;
  state.password = "client password 1";
  state.user = data.user;
});

test("signIn.email with wrong password gives the client error shape", async () => {
  const { data, error } = await client.signIn.email({ email: state.email, password: "wrong password!!" });
  assert.equal(data, null);
  assert.equal(error.status, 401);
  assert.equal(error.statusText, "Unauthorized");
  assert.equal(error.code, "INVALID_EMAIL_OR_PASSWORD");
  assert.equal(error.message, "Invalid email or password");
});

test("signIn.email signs in (new session cookie)", async () => {
  const before = jar.get(SESSION);
  const { data, error } = await client.signIn.email({ email: state.email.toUpperCase(), password: state.password });
  assert.equal(error, null, JSON.stringify(error));
  assert.equal(data.redirect, false);
  assert.ok(!("url" in data), "no url member without callbackURL");
  assert.match(data.token, /^[A-Za-z0-9]{32}$/);
  assert.equal(data.user.id, state.user.id);
  assert.notEqual(jar.get(SESSION), before, "a new session cookie was set");
  assert.ok(jar.get(SESSION).startsWith(`${data.token}.`));
  state.sessionToken = data.token;
});

test("getSession returns the session and the set-auth-jwt header", async () => {
  let jwtHeader = null;
  let expose = null;
  let cacheControl = null;
  const { data, error } = await client.getSession({
    fetchOptions: {
      onSuccess: (ctx) => {
        jwtHeader = ctx.response.headers.get("set-auth-jwt");
        expose = ctx.response.headers.get("access-control-expose-headers");
        cacheControl = ctx.response.headers.get("cache-control");
      },
    },
  });
  assert.equal(error, null, JSON.stringify(error));
  assert.equal(data.user.id, state.user.id);
  assert.equal(data.user.email, state.email);
  assert.equal(data.session.token, state.sessionToken);
  assert.equal(data.session.userId, state.user.id);
  assert.ok(data.session.expiresAt instanceof Date);
  const days = (data.session.expiresAt.getTime() - Date.now()) / 86400000;
  assert.ok(days > 6.9 && days <= 7.01, `session expires in 7 days, got ${days}`);
  assert.equal(data.session.ipAddress, "127.0.0.1");
  assert.equal(cacheControl, "no-store");
  assert.ok(jwtHeader, "set-auth-jwt header present");
  assert.ok(expose.split(",").map((s) => s.trim()).includes("set-auth-jwt"), `expose headers: ${expose}`);
  await checkJwt(jwtHeader, state.user, "set-auth-jwt");
  state.headerJwt = jwtHeader;
});

test("token() returns a JWT that jose verifies against the remote JWKS", async () => {
  const { data, error } = await client.token();
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(Object.keys(data), ["token"]);
  const { protectedHeader } = await checkJwt(data.token, state.user, "/token");
  state.jwt = data.token;
  state.kid = protectedHeader.kid;
});

test("jwks() returns exactly one EdDSA key with Better Auth's member set", async () => {
  const { data, error } = await client.jwks();
  assert.equal(error, null, JSON.stringify(error));
  assert.equal(data.keys.length, 1);
  const k = data.keys[0];
  assert.deepEqual(Object.keys(k).sort(), ["alg", "crv", "kid", "kty", "x"]);
  assert.equal(k.alg, "EdDSA");
  assert.equal(k.crv, "Ed25519");
  assert.equal(k.kty, "OKP");
  assert.equal(k.kid, state.kid);
  assert.match(k.x, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(!("use" in k));
  assert.ok(!("d" in k), "no private material");
  // Raw answer: 200, application/json, cacheable for the standby lead time (Better Auth sends no
  // cache headers; ba-issuer does on purpose), a strong ETag, no redirect.
  const raw = await rawRequest(`${srv.base}/jwks`, { headers: { accept: "application/json, application/jwk-set+json", "user-agent": "jose/v6.2.18" } });
  assert.equal(raw.status, 200);
  assert.equal(raw.headers["content-type"], "application/json");
  assert.equal(raw.headers["cache-control"], "public, max-age=300");
  assert.match(raw.headers.etag, /^"[0-9a-f]{32}"$/);
  assert.deepEqual(raw.json, data);
  const revalidated = await rawRequest(`${srv.base}/jwks`, { headers: { "if-none-match": raw.headers.etag } });
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.text, "");
});

test("PyJWT PyJWKClient + jwt.decode verifies the /token JWT", async () => {
  const res = await pyjwt(state.jwt);
  assert.equal(res.ok, true, res.error);
  const { payload } = await jwtVerify(state.jwt, JWKS, { issuer: srv.origin, audience: srv.origin });
  assert.deepEqual(res.claims, payload);
  assert.deepEqual(res.header, { alg: "EdDSA", kid: state.kid });
  assert.equal(res.jwk.kid, state.kid);
});

test("PyJWT verifies the set-auth-jwt JWT too, and rejects a wrong audience / tampered token", async () => {
  const ok = await pyjwt(state.headerJwt);
  assert.equal(ok.ok, true, ok.error);
  const badAud = await execFileP("/usr/bin/python3", [path.join(HERE, "verify_pyjwt.py"), `${srv.base}/jwks`, state.jwt, srv.origin, "https://other.example"]).catch((e) => e);
  assert.equal(JSON.parse(badAud.stdout).ok, false);
  const [h, p, s] = state.jwt.split(".");
  const claims = JSON.parse(Buffer.from(p, "base64url"));
  claims.sub = "attacker";
  const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
  const bad = await pyjwt(forged);
  assert.equal(bad.ok, false);
  await assert.rejects(jwtVerify(forged, JWKS, { issuer: srv.origin, audience: srv.origin }));
});

test("jose rejects wrong issuer / audience", async () => {
  await assert.rejects(jwtVerify(state.jwt, JWKS, { issuer: `${srv.origin}/api/auth`, audience: srv.origin }));
  await assert.rejects(jwtVerify(state.jwt, JWKS, { issuer: srv.origin, audience: "http://localhost:3000" }));
  assert.deepEqual(decodeProtectedHeader(state.jwt), { alg: "EdDSA", kid: state.kid });
});

test("bearer flow: set-auth-token from sign-in, then Authorization: Bearer on /token and /get-session", async () => {
  // Raw: sign-in without cookies gives set-auth-token and exposes it.
  const r = await rawRequest(`${srv.base}/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: state.email, password: state.password }),
  });
  assert.equal(r.status, 200, r.text);
  const bearer = r.headers["set-auth-token"];
  assert.match(bearer ?? "", /^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$/, "set-auth-token is token.base64sig (decoded)");
  assert.equal(bearer.split(".")[0], r.json.token);
  assert.ok((r.headers["access-control-expose-headers"] ?? "").split(",").map((s) => s.trim()).includes("set-auth-token"));
  const cookie = r.setCookies.find((c) => c.startsWith(`${SESSION}=`));
  assert.ok(cookie, "session cookie also set");
  assert.equal(decodeURIComponent(cookie.split(";")[0].slice(SESSION.length + 1)), bearer);

  const t = await rawRequest(`${srv.base}/token`, { headers: { authorization: `Bearer ${bearer}` } });
  assert.equal(t.status, 200, t.text);
  await checkJwt(t.json.token, state.user, "bearer /token");
  assert.equal(t.headers["set-auth-jwt"], undefined, "/token does not set set-auth-jwt");

  // The real client's documented bearer setup: fetchOptions.auth + reading set-auth-token in onSuccess.
  let captured = null;
  const plain = newClient((input, init) => fetch(input, init), {});
  const si = await plain.signIn.email(
    { email: state.email, password: state.password },
    { headers: { origin: srv.origin }, onSuccess: (ctx) => { captured = ctx.response.headers.get("set-auth-token"); } },
  );
  assert.equal(si.error, null, JSON.stringify(si.error));
  assert.ok(captured, "client saw set-auth-token");
  const bearerClient = newClient((input, init) => fetch(input, init), { auth: { type: "Bearer", token: () => captured } });
  let jwtHeader = null;
  const gs = await bearerClient.getSession({ fetchOptions: { onSuccess: (ctx) => { jwtHeader = ctx.response.headers.get("set-auth-jwt"); } } });
  assert.equal(gs.error, null, JSON.stringify(gs.error));
  assert.equal(gs.data.session.token, captured.split(".")[0]);
  assert.ok(jwtHeader);
  await checkJwt(jwtHeader, state.user, "bearer set-auth-jwt");
  const tk = await bearerClient.token();
  assert.equal(tk.error, null, JSON.stringify(tk.error));
  await checkJwt(tk.data.token, state.user, "bearer client token()");
  // A raw (unsigned) session token also works as a bearer.
  const raw = await rawRequest(`${srv.base}/token`, { headers: { authorization: `Bearer ${captured.split(".")[0]}` } });
  assert.equal(raw.status, 200, raw.text);
  // A JWT is not a session credential.
  const j = await rawRequest(`${srv.base}/token`, { headers: { authorization: `Bearer ${tk.data.token}` } });
  assert.equal(j.status, 401);
  assert.deepEqual(j.json, { message: "Unauthorized", code: "UNAUTHORIZED" });
  // Bearer sign-out ends that session.
  const so = await bearerClient.signOut();
  assert.equal(so.error, null, JSON.stringify(so.error));
  assert.deepEqual(so.data, { success: true });
  const after = await rawRequest(`${srv.base}/token`, { headers: { authorization: `Bearer ${captured}` } });
  assert.equal(after.status, 401);
});

test("the cookie session still works after the bearer session was signed out", async () => {
  const { data, error } = await client.token();
  assert.equal(error, null, JSON.stringify(error));
  await checkJwt(data.token, state.user, "token after other sign-out");
});

test("signOut clears the cookies; afterwards getSession is null and token() is 401", async () => {
  const { data, error } = await client.signOut();
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(data, { success: true });
  assert.equal(jar.get(SESSION), undefined, "session cookie deleted by Set-Cookie Max-Age=0");
  const gs = await client.getSession();
  assert.equal(gs.error, null);
  assert.equal(gs.data, null);
  const tk = await client.token();
  assert.equal(tk.data, null);
  assert.equal(tk.error.status, 401);
  assert.equal(tk.error.code, "UNAUTHORIZED");
});

test("the old session cookie no longer works after sign-out", async () => {
  // Sign in again to get a cookie, sign out, then replay the old cookie by hand.
  const si = await client.signIn.email({ email: state.email, password: state.password });
  assert.equal(si.error, null);
  const cookie = `${SESSION}=${jar.get(SESSION)}`;
  const so = await client.signOut();
  assert.equal(so.error, null);
  const r = await rawRequest(`${srv.base}/get-session`, { headers: { cookie } });
  assert.equal(r.status, 200);
  assert.equal(r.text, "null");
  const t = await rawRequest(`${srv.base}/token`, { headers: { cookie } });
  assert.equal(t.status, 401);
});

test("JWKS is stable: still the same single key after all of this", async () => {
  const { data } = await client.jwks();
  assert.equal(data.keys.length, 1);
  assert.equal(data.keys[0].kid, state.kid);
});

test("server stops on SIGTERM with exit code 0", async () => {
  const r = await srv.stop();
  assert.deepEqual(r, { code: 0, signal: null }, srv.stderr());
});
