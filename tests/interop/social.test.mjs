// Social sign-in (issue 25) against the real Better Auth 1.7.25:
//   1. ba-issuer's dev provider (--dev-oauth) is a real OIDC provider: Better Auth's genericOAuth,
//      pointed at its discovery URL, signs a user in (id_token verified against its JWKS, nonce,
//      PKCE, client_secret_post).
//   2. ba-issuer with the same genericOAuth config signs the same user in through the same
//      provider, and the user and account rows both wrote have the same shape.
//   3. The real better-auth client's signIn.social({provider: "github"}) against ba-issuer whose
//      dev provider stands in for github.
// The provider's own refusals are covered by tests/integration/social_test.cc.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { query as rows, accountShape } from "./case-support.mjs";
import { createAuthClient } from "better-auth/client";
import { symmetricDecrypt } from "better-auth/crypto";
import { startServer, tempDir, freePort, CookieJar, jarFetch, assertCleanExit, SECRET } from "./harness.mjs";

const dirs = tempDir("ba-social-");
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const servers = [];
let provider; // ba-issuer --dev-oauth --test-api, the OIDC provider
let ref; // Better Auth with genericOAuth
let subject; // ba-issuer with genericOAuth
let standIn; // ba-issuer --dev-oauth standing in for github

async function postJson(url, body, origin) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", origin },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${url}: ${text}`);
  return JSON.parse(text);
}

// sign-in/social on `srv`, then the provider's authorize (the selected user: no page), then the
// callback with the jar's state cookie. Returns the callback's answer.
async function socialSignIn(srv, jar, providerId) {
  const signIn = jarFetch(jar, srv.origin);
  const start = await signIn(`${srv.base}/sign-in/social`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ provider: providerId, callbackURL: "/welcome" }),
  });
  const started = await start.json();
  assert.equal(start.status, 200, JSON.stringify(started));
  assert.equal(started.redirect, true);
  assert.ok(jar.get("better-auth.state"), "state cookie set");
  const authorize = await fetch(started.url, { redirect: "manual" });
  assert.equal(authorize.status, 302, await authorize.text());
  const back = authorize.headers.get("location");
  assert.ok(back.startsWith(`${srv.base}/callback/${providerId}?code=`), back);
  const callback = await signIn(back, { redirect: "manual" });
  return callback;
}

async function sessionOf(srv, jar) {
  const res = await jarFetch(jar, srv.origin)(`${srv.base}/get-session`);
  assert.equal(res.status, 200);
  return res.json();
}

before(async () => {
  provider = await startServer("ba-issuer", { extraArgs: ["--dev-oauth", "--test-api"] });
  servers.push(provider);
  const [refPort, subjectPort] = [await freePort(), await freePort()];
  const refOrigin = `http://127.0.0.1:${refPort}`;
  const subjectOrigin = `http://127.0.0.1:${subjectPort}`;
  await postJson(`${provider.origin}/__test/dev-oauth/clients`, {
    clientId: "interop-client",
    clientSecret: "interop-secret",
    redirectURIs: [`${refOrigin}/api/auth/callback/dev`, `${subjectOrigin}/api/auth/callback/dev`],
  }, provider.origin);
  const user = await postJson(`${provider.origin}/__test/dev-oauth/users`,
    { email: "Grace@Example.com", name: "Grace Hopper", select: true }, provider.origin);
  assert.equal(user.email, "grace@example.com");
  const config = dirs.file("generic.json");
  writeFileSync(config, JSON.stringify({
    plugins: {
      genericOAuth: {
        config: [{
          providerId: "dev",
          discoveryUrl: `${provider.origin}/__dev-oauth/.well-known/openid-configuration`,
          clientId: "interop-client",
          clientSecret: "interop-secret",
          scopes: ["openid", "email", "profile"],
          pkce: true,
        }],
      },
    },
  }));
  ref = await startServer("ref", { port: refPort, db: dirs.file("ref.db"), extraArgs: ["--config", config] });
  servers.push(ref);
  subject = await startServer("ba-issuer", { port: subjectPort, db: dirs.file("subject.db"), extraArgs: ["--config", config] });
  servers.push(subject);
  const githubConfig = dirs.file("github.json");
  writeFileSync(githubConfig, JSON.stringify({ socialProviders: { github: {} } }));
  standIn = await startServer("ba-issuer", {
    db: dirs.file("stand-in.db"),
    extraArgs: ["--dev-oauth", "--test-api", "--config", githubConfig],
  });
  servers.push(standIn);
});

after(async () => {
  for (const s of servers.reverse()) assertCleanExit(s, await s.stop());
});

test("Better Auth's genericOAuth signs in through ba-issuer's dev provider (discovery, JWKS, PKCE)", async () => {
  const jar = new CookieJar();
  const callback = await socialSignIn(ref, jar, "dev");
  assert.equal(callback.status, 302, await callback.text());
  assert.equal(callback.headers.get("location"), "/welcome");
  assert.ok(jar.get("better-auth.session_token"), "session cookie set");
  assert.equal(jar.get("better-auth.state"), undefined, "state cookie expired");
  const session = await sessionOf(ref, jar);
  assert.equal(session.user.email, "grace@example.com");
  assert.equal(session.user.name, "Grace Hopper");
  assert.equal(session.user.emailVerified, true);
});

test("ba-issuer's genericOAuth signs the same user in, writing rows shaped as Better Auth's", async () => {
  const jar = new CookieJar();
  const callback = await socialSignIn(subject, jar, "dev");
  assert.equal(callback.status, 302, await callback.text());
  assert.equal(callback.headers.get("location"), "/welcome");
  const session = await sessionOf(subject, jar);
  assert.equal(session.user.email, "grace@example.com");
  assert.equal(session.user.emailVerified, true);

  const [refAccount] = rows(dirs.file("ref.db"), `SELECT * FROM account WHERE providerId = 'dev'`);
  const [ourAccount] = rows(dirs.file("subject.db"), `SELECT * FROM account WHERE providerId = 'dev'`);
  assert.ok(refAccount && ourAccount, "both wrote an account");
  assert.deepEqual(Object.keys(ourAccount).sort(), Object.keys(refAccount).sort());
  assert.deepEqual(accountShape(ourAccount), accountShape(refAccount));
  assert.equal(ourAccount.scope, "openid,email,profile");
  const ourExpiry = Date.parse(ourAccount.accessTokenExpiresAt) - Date.parse(ourAccount.createdAt);
  const refExpiry = Date.parse(refAccount.accessTokenExpiresAt) - Date.parse(refAccount.createdAt);
  assert.ok(Math.abs(ourExpiry - refExpiry) < 5000, `expiry ${ourExpiry} vs ${refExpiry}`);

  const pick = (u) => ({ name: u.name, email: u.email, emailVerified: u.emailVerified, image: u.image });
  const [refUser] = rows(dirs.file("ref.db"), `SELECT * FROM user`);
  const [ourUser] = rows(dirs.file("subject.db"), `SELECT * FROM user`);
  assert.deepEqual(pick(ourUser), pick(refUser));

  // Signing in again updates the tokens of the same account (updateAccountOnSignIn).
  const again = await socialSignIn(subject, new CookieJar(), "dev");
  assert.equal(again.status, 302);
  const accounts = rows(dirs.file("subject.db"), `SELECT * FROM account WHERE providerId = 'dev'`);
  assert.equal(accounts.length, 1);
  assert.notEqual(accounts[0].accessToken, ourAccount.accessToken);
  assert.equal(accounts[0].scope, ourAccount.scope);
});

test("sign-in/social answers as Better Auth: the same body, cookie and authorization URL", async () => {
  const answers = [];
  for (const srv of [ref, subject]) {
    const res = await fetch(`${srv.base}/sign-in/social`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: srv.origin },
      body: JSON.stringify({ provider: "dev", callbackURL: "/welcome", scopes: ["offline_access"], loginHint: "grace" }),
    });
    const body = await res.json();
    const url = new URL(body.url);
    const params = [...url.searchParams].map(([k, v]) =>
      [k, ["state", "nonce", "code_challenge"].includes(k) ? v.length : v.replace(srv.origin, "ORIGIN")]);
    const cookie = res.headers.getSetCookie().map((c) => c.replace(/=[^;]*/, "=V"));
    answers.push({ status: res.status, keys: Object.keys(body), redirect: body.redirect,
                   location: res.headers.get("location") === body.url, endpoint: url.origin + url.pathname,
                   params, cookie });
  }
  assert.deepEqual(answers[1], answers[0]);
  assert.deepEqual(answers[0].params.find(([k]) => k === "scope"), ["scope", "offline_access openid email profile"]);
});

test("a provider that is not configured, and a missing provider, are refused as Better Auth refuses them", async () => {
  for (const body of [{ provider: "nope" }, {}]) {
    const answers = [];
    for (const srv of [ref, subject]) {
      const res = await fetch(`${srv.base}/sign-in/social`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: srv.origin },
        body: JSON.stringify(body),
      });
      answers.push({ status: res.status, body: await res.json() });
    }
    assert.deepEqual(answers[1], answers[0], JSON.stringify(body));
  }
});

test("the callback answers as Better Auth: the redirect and the cookies it sets", async () => {
  const answers = [];
  for (const srv of [ref, subject]) {
    const callback = await socialSignIn(srv, new CookieJar(), "dev");
    answers.push({
      status: callback.status,
      location: callback.headers.get("location"),
      cookies: callback.headers.getSetCookie().map((c) => c.replace(/=[^;]*/, (v) => (v === "=" ? "=" : "=V"))),
    });
  }
  assert.deepEqual(answers[1], answers[0]);
});

test("a state that is not the one the browser holds is refused as Better Auth refuses it", async () => {
  for (const srv of [ref, subject]) {
    const jar = new CookieJar();
    const signIn = jarFetch(jar, srv.origin);
    const start = await signIn(`${srv.base}/sign-in/social`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider: "dev", callbackURL: "/welcome" }),
    });
    const { url } = await start.json();
    const back = (await fetch(url, { redirect: "manual" })).headers.get("location");
    const forged = back.replace(/state=[^&]+/, "state=forged");
    const res = await signIn(forged, { redirect: "manual" });
    assert.equal(res.status, 302, srv.kind);
    assert.equal(res.headers.get("location"), `${srv.base}/error?error=state_mismatch`, srv.kind);
    const noCookie = await fetch(back, { redirect: "manual" });
    assert.equal(noCookie.headers.get("location"), `${srv.base}/error?error=state_mismatch`, srv.kind);
  }
});

test("the better-auth client's signIn.social({provider: 'github'}) against the dev stand-in", async () => {
  await postJson(`${standIn.origin}/__test/dev-oauth/users`,
    { email: "linus@example.com", name: "Linus", select: true }, standIn.origin);
  const jar = new CookieJar();
  const client = createAuthClient({
    baseURL: standIn.origin,
    fetchOptions: { customFetchImpl: jarFetch(jar, standIn.origin) },
  });
  const { data, error } = await client.signIn.social({ provider: "github", callbackURL: "/home", disableRedirect: true });
  assert.equal(error, null);
  assert.equal(data.redirect, false);
  assert.ok(data.url.startsWith(`${standIn.origin}/__dev-oauth/authorize?`), data.url);
  const params = new URL(data.url).searchParams;
  assert.equal(params.get("client_id"), "dev-github");
  assert.equal(params.get("scope"), "read:user user:email");
  assert.equal(params.get("code_challenge_method"), "S256");
  const authorize = await fetch(data.url, { redirect: "manual" });
  const callback = await jarFetch(jar, standIn.origin)(authorize.headers.get("location"), { redirect: "manual" });
  assert.equal(callback.status, 302);
  assert.equal(callback.headers.get("location"), "/home");
  const session = await client.getSession();
  assert.equal(session.data.user.email, "linus@example.com");
  const accounts = await client.listAccounts();
  assert.deepEqual(accounts.data.map((a) => [a.providerId, a.scopes]), [["github", ["read:user", "user:email"]]]);
  const [row] = rows(dirs.file("stand-in.db"), `SELECT * FROM account`);
  assert.equal(row.idToken, null, "no openid scope: no id_token");
  assert.equal(row.scope, "read:user,user:email");
});

test("account.encryptOAuthTokens: both seal accessToken and refreshToken (not idToken) the same way", async () => {
  const [refPort, subjectPort] = [await freePort(), await freePort()];
  const urls = [`http://127.0.0.1:${refPort}`, `http://127.0.0.1:${subjectPort}`];
  await postJson(`${provider.origin}/__test/dev-oauth/clients`, {
    clientId: "sealed-client",
    clientSecret: "sealed-secret",
    redirectURIs: urls.map((u) => `${u}/api/auth/callback/dev`),
  }, provider.origin);
  const config = dirs.file("sealed.json");
  writeFileSync(config, JSON.stringify({
    account: { encryptOAuthTokens: true },
    plugins: { genericOAuth: { config: [{
      providerId: "dev",
      discoveryUrl: `${provider.origin}/__dev-oauth/.well-known/openid-configuration`,
      clientId: "sealed-client",
      clientSecret: "sealed-secret",
      scopes: ["openid", "email"],
    }] } },
  }));
  const pair = [
    await startServer("ref", { port: refPort, db: dirs.file("ref-sealed.db"), extraArgs: ["--config", config] }),
    await startServer("ba-issuer", { port: subjectPort, db: dirs.file("subject-sealed.db"), extraArgs: ["--config", config] }),
  ];
  servers.push(...pair);
  const sealed = [];
  for (const [srv, db] of [[pair[0], "ref-sealed.db"], [pair[1], "subject-sealed.db"]]) {
    const jar = new CookieJar();
    const callback = await socialSignIn(srv, jar, "dev");
    assert.equal(callback.status, 302, srv.kind);
    assert.equal(callback.headers.get("location"), "/welcome", srv.kind);
    const [row] = rows(dirs.file(db), `SELECT * FROM account WHERE providerId = 'dev'`);
    for (const column of ["accessToken", "refreshToken"]) {
      assert.match(row[column], /^[0-9a-f]+$/, `${srv.kind} ${column} sealed as hex`);
      const plain = await symmetricDecrypt({ key: SECRET, data: row[column] });
      assert.match(plain, /^[A-Za-z0-9]{40}$/, `${srv.kind} ${column} opens with Better Auth's symmetricDecrypt`);
    }
    assert.equal(row.idToken.split(".").length, 3, `${srv.kind} idToken stays a JWT`);
    sealed.push(accountShape(row));
    // get-access-token opens the sealed token; refresh-token seals the new ones.
    const call = (path) => jarFetch(jar, srv.origin)(`${srv.base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ accountId: row.id }),
    }).then((r) => r.json());
    const got = await call("/get-access-token");
    assert.equal(got.accessToken, await symmetricDecrypt({ key: SECRET, data: row.accessToken }), srv.kind);
    const refreshed = await call("/refresh-token");
    const [after] = rows(dirs.file(db), `SELECT * FROM account WHERE id = ?`, row.id);
    assert.match(after.accessToken, /^[0-9a-f]+$/, `${srv.kind}: the refreshed token sealed`);
    assert.equal(await symmetricDecrypt({ key: SECRET, data: after.accessToken }), refreshed.accessToken, srv.kind);
    assert.equal(await symmetricDecrypt({ key: SECRET, data: after.refreshToken }), refreshed.refreshToken, srv.kind);
  }
  assert.deepEqual(sealed[1], sealed[0]);
});

test("socialProviders.google with real credentials: the same authorization URL as Better Auth's google", async () => {
  const config = dirs.file("google.json");
  writeFileSync(config, JSON.stringify({
    socialProviders: { google: { clientId: "g-client.apps.googleusercontent.com", clientSecret: "g-secret",
                                 accessType: "offline", prompt: "consent", scope: ["https://www.googleapis.com/auth/drive.file"] } },
  }));
  const pair = [
    await startServer("ref", { db: dirs.file("ref-google.db"), extraArgs: ["--config", config] }),
    await startServer("ba-issuer", { db: dirs.file("subject-google.db"), extraArgs: ["--config", config] }),
  ];
  servers.push(...pair);
  const answers = [];
  for (const srv of pair) {
    const res = await fetch(`${srv.base}/sign-in/social`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: srv.origin },
      body: JSON.stringify({ provider: "google", callbackURL: "/welcome", disableRedirect: true }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    const url = new URL(body.url);
    answers.push({
      redirect: body.redirect,
      endpoint: url.origin + url.pathname,
      params: [...url.searchParams].map(([k, v]) =>
        [k, ["state", "code_challenge"].includes(k) ? v.length : v.replace(srv.origin, "ORIGIN")]),
    });
  }
  assert.deepEqual(answers[1], answers[0]);
  assert.equal(answers[0].endpoint, "https://accounts.google.com/o/oauth2/v2/auth");
});

test("implicit linking by email: refused to an unverified local user, as Better Auth refuses it", async () => {
  await postJson(`${provider.origin}/__test/dev-oauth/users`,
    { email: "linkme@example.com", name: "Link Me", select: true }, provider.origin);
  const answers = [];
  for (const [srv, db] of [[ref, "ref.db"], [subject, "subject.db"]]) {
    const signUp = await fetch(`${srv.base}/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: srv.origin },
      body: JSON.stringify({ email: "linkme@example.com", password: "correct horse battery", name: "Local" }),
    });
    assert.equal(signUp.status, 200, srv.kind);
    const callback = await socialSignIn(srv, new CookieJar(), "dev");
    const accounts = rows(dirs.file(db),
      `SELECT a.providerId FROM account a JOIN user u ON u.id = a.userId WHERE u.email = 'linkme@example.com'`);
    answers.push({ status: callback.status, location: callback.headers.get("location").replace(srv.origin, "ORIGIN"),
                   accounts: accounts.map((a) => a.providerId) });
  }
  assert.deepEqual(answers[1], answers[0]);
  assert.equal(answers[0].location, "ORIGIN/api/auth/error?error=account_not_linked");
  assert.deepEqual(answers[0].accounts, ["credential"]);
});

test("get-access-token and refresh-token answer as Better Auth: tokens, refresh at the provider, refusals", async () => {
  await postJson(`${provider.origin}/__test/dev-oauth/users`,
    { email: "tokens@example.com", name: "Token User", select: true }, provider.origin);
  const answers = [];
  for (const [srv, db] of [[ref, "ref.db"], [subject, "subject.db"]]) {
    const jar = new CookieJar();
    const callback = await socialSignIn(srv, jar, "dev");
    assert.equal(callback.status, 302, srv.kind);
    const call = jarFetch(jar, srv.origin);
    const accounts = await (await call(`${srv.base}/list-accounts`)).json();
    const id = accounts.find((a) => a.providerId === "dev").id;
    const post = async (path, body, fetcher = call) => {
      const res = await fetcher(`${srv.base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: srv.origin },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : text };
    };
    const shape = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) =>
      [k, k === "scopes" || k === "scope" || k === "providerId" ? v : k === "accountId" ? v === id
        : ISO.test(v) ? "ISO" : typeof v]));
    const got = await post("/get-access-token", { accountId: id });
    assert.equal(got.status, 200, `${srv.kind}: ${JSON.stringify(got.body)}`);
    const [row] = rows(dirs.file(db), `SELECT * FROM account WHERE id = ?`, id);
    assert.equal(got.body.accessToken, row.accessToken, `${srv.kind}: the stored token`);
    const refreshed = await post("/refresh-token", { accountId: id });
    assert.equal(refreshed.status, 200, `${srv.kind}: ${JSON.stringify(refreshed.body)}`);
    assert.notEqual(refreshed.body.accessToken, got.body.accessToken, `${srv.kind}: a new access token`);
    const [after] = rows(dirs.file(db), `SELECT * FROM account WHERE id = ?`, id);
    assert.equal(after.accessToken, refreshed.body.accessToken, `${srv.kind}: written to the account`);
    assert.equal(after.refreshToken, refreshed.body.refreshToken, `${srv.kind}: the rotated refresh token kept`);
    const again = await post("/refresh-token", { accountId: id });
    assert.equal(again.status, 200, `${srv.kind}: the rotated refresh token works`);
    const latest = await post("/get-access-token", { accountId: id });
    assert.equal(latest.body.accessToken, again.body.accessToken, srv.kind);
    const refusals = {};
    for (const [name, body] of Object.entries({
      empty: {}, none: undefined, number: { accountId: 5 }, extra: { accountId: id, x: 1 },
      cookie: { useAccountCookie: true }, unknown: { accountId: "nope" },
    })) {
      refusals[`get ${name}`] = await post("/get-access-token", body);
      refusals[`refresh ${name}`] = await post("/refresh-token", body);
    }
    refusals["no session"] = await post("/get-access-token", { accountId: id }, fetch);
    refusals["no session, bad body"] = await post("/refresh-token", {}, fetch);
    answers.push({ got: shape(got.body), refreshed: shape(refreshed.body), refusals });
  }
  assert.deepEqual(answers[1], answers[0]);
  assert.deepEqual(answers[0].refusals["no session"], { status: 401, body: "" });
});

test("overrideUserInfo and accountLinking.updateUserInfoOnLink: both write the provider's profile alike", async () => {
  const [refPort, subjectPort] = [await freePort(), await freePort()];
  const urls = [`http://127.0.0.1:${refPort}`, `http://127.0.0.1:${subjectPort}`];
  await postJson(`${provider.origin}/__test/dev-oauth/clients`, {
    clientId: "profile-client", clientSecret: "profile-secret",
    redirectURIs: urls.map((u) => `${u}/api/auth/callback/dev`),
  }, provider.origin);
  const config = dirs.file("profile.json");
  writeFileSync(config, JSON.stringify({
    account: { accountLinking: { updateUserInfoOnLink: true } },
    plugins: { genericOAuth: { config: [{
      providerId: "dev", overrideUserInfo: true,
      discoveryUrl: `${provider.origin}/__dev-oauth/.well-known/openid-configuration`,
      clientId: "profile-client", clientSecret: "profile-secret", scopes: ["openid", "email", "profile"],
    }] } },
  }));
  const pair = [
    await startServer("ref", { port: refPort, db: dirs.file("ref-profile.db"), extraArgs: ["--config", config] }),
    await startServer("ba-issuer", { port: subjectPort, db: dirs.file("subject-profile.db"), extraArgs: ["--config", config] }),
  ];
  servers.push(...pair);
  const dbs = ["ref-profile.db", "subject-profile.db"];
  const user = (i, email) => rows(dirs.file(dbs[i]), `SELECT name, email, emailVerified FROM user WHERE email = ?`, email)[0];
  const select = (email, name) => postJson(`${provider.origin}/__test/dev-oauth/users`, { email, name, select: true }, provider.origin);
  const seen = [];
  // overrideUserInfo: a returning user takes the provider's new name.
  await select("override@example.com", "First Name");
  for (const srv of pair) assert.equal((await socialSignIn(srv, new CookieJar(), "dev")).status, 302, srv.kind);
  await select("override@example.com", "Renamed At Provider");
  for (const [i, srv] of pair.entries()) {
    assert.equal((await socialSignIn(srv, new CookieJar(), "dev")).status, 302, srv.kind);
    seen.push(user(i, "override@example.com"));
  }
  // updateUserInfoOnLink: link-social copies the provider's name onto the local user.
  await select("local@example.com", "Provider Name");
  for (const [i, srv] of pair.entries()) {
    const jar = new CookieJar();
    const call = jarFetch(jar, srv.origin);
    const signUp = await call(`${srv.base}/sign-up/email`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "local@example.com", password: "correct horse battery", name: "Local Name" }),
    });
    assert.equal(signUp.status, 200, srv.kind);
    const start = await (await call(`${srv.base}/link-social`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider: "dev", callbackURL: "/linked" }),
    })).json();
    const back = (await fetch(start.url, { redirect: "manual" })).headers.get("location");
    const callback = await call(back, { redirect: "manual" });
    assert.equal(callback.headers.get("location"), "/linked", srv.kind);
    seen.push(user(i, "local@example.com"));
  }
  assert.deepEqual(seen[1], seen[0]);
  assert.deepEqual(seen[3], seen[2]);
  assert.equal(seen[0].name, "Renamed At Provider");
  assert.equal(seen[2].name, "Provider Name");
  assert.equal(seen[2].emailVerified, 0, "link never changes emailVerified");
});

test("account-info answers as Better Auth: the provider's user and profile now, and its refusals", async () => {
  await postJson(`${provider.origin}/__test/dev-oauth/users`,
    { email: "info@example.com", name: "Info User", select: true }, provider.origin);
  const answers = [];
  for (const srv of [ref, subject]) {
    const jar = new CookieJar();
    assert.equal((await socialSignIn(srv, jar, "dev")).status, 302, srv.kind);
    const call = jarFetch(jar, srv.origin);
    const id = (await (await call(`${srv.base}/list-accounts`)).json()).find((a) => a.providerId === "dev").id;
    const get = async (query, fetcher = call) => {
      const res = await fetcher(`${srv.base}/account-info${query}`);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : text };
    };
    const info = await get(`?accountId=${id}`);
    assert.equal(info.status, 200, `${srv.kind}: ${JSON.stringify(info.body)}`);
    assert.equal(info.body.account.id, id, srv.kind);
    const { data } = info.body;
    answers.push({
      keys: Object.keys(info.body),
      user: info.body.user,
      dataKeys: Object.keys(data).sort(),
      data: { id: typeof data.id, sub: typeof data.sub, email: data.email, name: data.name, emailVerified: data.emailVerified },
      account: { providerId: info.body.account.providerId, accountId: typeof info.body.account.accountId },
      none: await get(""),
      unknown: await get("?accountId=nope"),
      extra: await get(`?accountId=${id}&x=1`),
      noSession: await get(`?accountId=${id}`, fetch),
    });
  }
  assert.deepEqual(answers[1], answers[0]);
  assert.deepEqual(answers[0].user, { email: "info@example.com", emailVerified: true, name: "Info User" });
  assert.equal(answers[0].noSession.status, 401);
});

// An id_token as a native or one-tap client gets it from the provider itself: the dev
// provider's authorize and token, as the genericOAuth client "interop-client", with `nonce`.
async function providerIdToken(nonce) {
  const redirect = `${ref.origin}/api/auth/callback/dev`;
  const authorize = new URL(`${provider.origin}/__dev-oauth/authorize`);
  for (const [k, v] of Object.entries({ response_type: "code", client_id: "interop-client", redirect_uri: redirect,
                                        scope: "openid email profile", state: "s", nonce })) {
    authorize.searchParams.set(k, v);
  }
  const code = new URL((await fetch(authorize, { redirect: "manual" })).headers.get("location")).searchParams.get("code");
  const res = await fetch(`${provider.origin}/__dev-oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirect,
                                client_id: "interop-client", client_secret: "interop-secret" }),
  });
  const tokens = await res.json();
  assert.ok(tokens.id_token, JSON.stringify(tokens));
  return tokens.id_token;
}

test("sign-in/social with an idToken signs in at once, as Better Auth does, and refuses a bad one alike", async () => {
  await postJson(`${provider.origin}/__test/dev-oauth/users`,
    { email: "native@example.com", name: "Native App", select: true }, provider.origin);
  const answers = [];
  for (const [srv, db] of [[ref, "ref.db"], [subject, "subject.db"]]) {
    const post = async (idToken) => {
      const res = await fetch(`${srv.base}/sign-in/social`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: srv.origin },
        body: JSON.stringify({ provider: "dev", idToken }),
      });
      return { status: res.status, body: await res.json(), cookies: res.headers.getSetCookie().map((c) => c.split("=")[0]) };
    };
    const ok = await post({ token: await providerIdToken("nonce-1"), nonce: "nonce-1" });
    assert.equal(ok.status, 200, `${srv.kind}: ${JSON.stringify(ok.body)}`);
    const [session] = rows(dirs.file(db), `SELECT s.token FROM session s JOIN user u ON u.id = s.userId
                                            WHERE u.email = 'native@example.com'`);
    assert.equal(ok.body.token, session.token, srv.kind);
    const [account] = rows(dirs.file(db), `SELECT a.* FROM account a JOIN user u ON u.id = a.userId
                                            WHERE u.email = 'native@example.com'`);
    answers.push({
      status: ok.status, keys: Object.keys(ok.body), redirect: ok.body.redirect, cookies: ok.cookies,
      user: { name: ok.body.user.name, email: ok.body.user.email, emailVerified: ok.body.user.emailVerified },
      account: { providerId: account.providerId, idToken: account.idToken.split(".").length, accessToken: account.accessToken },
      wrongNonce: await post({ token: await providerIdToken("nonce-2"), nonce: "another" }),
      garbage: await post({ token: "not.a.token" }),
      noToken: await post({}),
    });
  }
  assert.deepEqual(answers[1], answers[0]);
  assert.equal(answers[0].wrongNonce.status, 401);
  assert.equal(answers[0].user.email, "native@example.com");
});
