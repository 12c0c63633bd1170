// Social sign-in (issue 25) through a provider that is not ba-issuer's own: oauth2-mock-server, an
// OAuth 2 / OIDC test provider run here in-process (discovery, authorize redirecting at once as
// navikt's mock-oauth2-server does without its login page, token with PKCE checks, userinfo,
// JWKS). The real Better Auth 1.7.25 and ba-issuer get the same genericOAuth config; each signs the
// same user in, and the user and account rows each wrote are compared, then the answers to a
// provider refusing the authorization and refusing the code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { query as rows, accountShape } from "./case-support.mjs";
import { OAuth2Server } from "oauth2-mock-server";
import { startServer, tempDir, freePort, CookieJar, jarFetch, assertCleanExit } from "./harness.mjs";

const dirs = tempDir("ba-social-provider-");
const CLIENT_ID = "mock-client";
const PROFILE = {
  sub: "ada-1815",
  email: "ada@example.com",
  email_verified: true,
  name: "Ada Lovelace",
  picture: "https://images.example.com/ada.png",
};
const servers = [];
const mock = new OAuth2Server();
let pair; // [Better Auth, ba-issuer], both with the same genericOAuth config
// What the next authorize or token answer does; each test sets what it needs and resets it.
let refuseAuthorize = null;
let refuseToken = null;
let tokenRequests = [];

// sign-in/social, the provider's authorize, then the callback with the jar's state cookie.
async function signIn(srv, jar) {
  const call = jarFetch(jar, srv.origin);
  const start = await call(`${srv.base}/sign-in/social`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ provider: "mock", callbackURL: "/welcome" }),
  });
  const started = await start.json();
  assert.equal(start.status, 200, `${srv.kind}: ${JSON.stringify(started)}`);
  const authorize = await fetch(started.url, { redirect: "manual" });
  assert.equal(authorize.status, 302, `${srv.kind}: ${await authorize.text()}`);
  const back = authorize.headers.get("location");
  assert.ok(back.startsWith(`${srv.base}/callback/mock?`), back);
  return { url: new URL(started.url), callback: await call(back, { redirect: "manual" }) };
}

function answerOf(srv, callback) {
  return {
    status: callback.status,
    location: (callback.headers.get("location") ?? "").replace(srv.origin, "ORIGIN"),
    cookies: callback.headers.getSetCookie().map((c) => c.replace(/=[^;]*/, (v) => (v === "=" ? "=" : "=V"))),
  };
}

before(async () => {
  await mock.issuer.keys.generate("RS256");
  mock.service.on("beforeTokenSigning", (token) => {
    if (token.payload.aud === CLIENT_ID) Object.assign(token.payload, PROFILE); // the id_token
  });
  mock.service.on("beforeUserinfo", (response) => { response.body = { ...PROFILE }; });
  mock.service.on("beforeAuthorizeRedirect", ({ url }) => {
    if (!refuseAuthorize) return;
    url.searchParams.delete("code");
    url.searchParams.set("error", refuseAuthorize);
  });
  mock.service.on("beforeResponse", (response, req) => {
    tokenRequests.push({ ...req.body, authorization: req.headers.authorization ?? null });
    if (!refuseToken) return;
    response.statusCode = 400;
    response.body = { error: refuseToken };
  });
  await mock.start(await freePort(), "127.0.0.1");
  const config = dirs.file("mock.json");
  writeFileSync(config, JSON.stringify({
    plugins: {
      genericOAuth: {
        config: [{
          providerId: "mock",
          discoveryUrl: `${mock.issuer.url}/.well-known/openid-configuration`,
          clientId: CLIENT_ID,
          clientSecret: "mock-secret",
          scopes: ["openid", "email", "profile"],
          pkce: true,
        }],
      },
    },
  }));
  pair = [
    await startServer("ref", { db: dirs.file("ref.db"), extraArgs: ["--config", config] }),
    await startServer("ba-issuer", { db: dirs.file("subject.db"), extraArgs: ["--config", config] }),
  ];
  servers.push(...pair);
});

after(async () => {
  for (const s of servers.reverse()) assertCleanExit(s, await s.stop());
  await mock.stop();
});

test("both sign the user in through oauth2-mock-server, with the same answers and the same rows", async () => {
  const answers = [];
  const requests = [];
  for (const srv of pair) {
    const jar = new CookieJar();
    tokenRequests = [];
    const { url, callback } = await signIn(srv, jar);
    assert.equal(callback.status, 302, `${srv.kind}: ${await callback.text()}`);
    assert.equal(url.origin, mock.issuer.url, "authorization URL from discovery");
    answers.push(answerOf(srv, callback));
    const session = await (await jarFetch(jar, srv.origin)(`${srv.base}/get-session`)).json();
    assert.equal(session.user.email, PROFILE.email, srv.kind);
    assert.equal(session.user.name, PROFILE.name, srv.kind);
    assert.equal(session.user.emailVerified, true, srv.kind);
    assert.equal(session.user.image, PROFILE.picture, srv.kind);
    // The token request as each sent it: grant, PKCE verifier, redirect_uri, client authentication.
    assert.equal(tokenRequests.length, 1, srv.kind);
    const [sent] = tokenRequests;
    requests.push({
      keys: Object.keys(sent).sort(),
      grant_type: sent.grant_type,
      redirect_uri: (sent.redirect_uri ?? "").replace(srv.origin, "ORIGIN"),
      verifier: /^[A-Za-z0-9._~-]{43,128}$/.test(sent.code_verifier ?? ""),
    });
  }
  assert.deepEqual(answers[1], answers[0]);
  assert.equal(answers[0].location, "/welcome");
  assert.deepEqual(requests[1], requests[0]);
  assert.equal(requests[0].redirect_uri, "ORIGIN/api/auth/callback/mock");

  const [refAccount] = rows(dirs.file("ref.db"), `SELECT * FROM account WHERE providerId = 'mock'`);
  const [ourAccount] = rows(dirs.file("subject.db"), `SELECT * FROM account WHERE providerId = 'mock'`);
  assert.ok(refAccount && ourAccount, "both wrote an account");
  assert.deepEqual(Object.keys(ourAccount).sort(), Object.keys(refAccount).sort());
  assert.deepEqual(accountShape(ourAccount), accountShape(refAccount));
  for (const account of [ourAccount, refAccount]) {
    assert.equal(account.accessToken.split(".").length, 3, "the mock's access token, a JWT, stored as given");
  }
  assert.equal(ourAccount.accountId, PROFILE.sub);
  const expiry = (row) => Date.parse(row.accessTokenExpiresAt) - Date.parse(row.createdAt);
  assert.ok(Math.abs(expiry(ourAccount) - expiry(refAccount)) < 5000,
            `expiry ${expiry(ourAccount)} vs ${expiry(refAccount)}`);
  const pick = (u) => ({ name: u.name, email: u.email, emailVerified: u.emailVerified, image: u.image });
  const [refUser] = rows(dirs.file("ref.db"), `SELECT * FROM user`);
  const [ourUser] = rows(dirs.file("subject.db"), `SELECT * FROM user`);
  assert.deepEqual(pick(ourUser), pick(refUser));
  assert.equal(ourAccount.userId, ourUser.id);
});

test("signing in again: the same user and account, its tokens replaced, on both", async () => {
  const before = pair.map((srv, i) => rows(dirs.file(["ref.db", "subject.db"][i]), `SELECT * FROM account`));
  const answers = [];
  for (const [i, srv] of pair.entries()) {
    const { callback } = await signIn(srv, new CookieJar());
    answers.push(answerOf(srv, callback));
    const after = rows(dirs.file(["ref.db", "subject.db"][i]), `SELECT * FROM account`);
    assert.equal(after.length, before[i].length, srv.kind);
    assert.equal(after[0].id, before[i][0].id, srv.kind);
    // (The mock's access token can repeat within a second; its refresh token is a new UUID.)
    assert.notEqual(after[0].refreshToken, before[i][0].refreshToken, `${srv.kind}: tokens updated`);
    assert.equal(rows(dirs.file(["ref.db", "subject.db"][i]), `SELECT * FROM user`).length, 1, srv.kind);
  }
  assert.deepEqual(answers[1], answers[0]);
});

test("the provider refusing the authorization: both redirect to the same error", async () => {
  refuseAuthorize = "access_denied";
  try {
    const answers = [];
    for (const srv of pair) {
      const { callback } = await signIn(srv, new CookieJar());
      answers.push(answerOf(srv, callback));
    }
    assert.deepEqual(answers[1], answers[0]);
    assert.match(answers[0].location, /error=access_denied/);
  } finally {
    refuseAuthorize = null;
  }
});

test("the provider refusing the code at its token endpoint: both redirect to the same error, no session", async () => {
  refuseToken = "invalid_grant";
  try {
    const answers = [];
    for (const srv of pair) {
      const { callback } = await signIn(srv, new CookieJar());
      const answer = answerOf(srv, callback);
      assert.ok(!answer.cookies.some((c) => c.startsWith("better-auth.session_token=V")), `${srv.kind}: no session`);
      answers.push(answer);
    }
    assert.deepEqual(answers[1], answers[0]);
    assert.match(answers[0].location, /error=/);
  } finally {
    refuseToken = null;
  }
});

// Each case changes what the provider answers; both must refuse it with the same redirect, and
// neither may write a user for it.
const idToken = (change) => (token) => { if (token.payload.aud === CLIENT_ID) change(token); };
const BAD_ANSWERS = [
  { name: "an id_token under a key its JWKS does not have", error: "unable_to_get_user_info",
    tokenSigning: idToken((t) => { t.header.kid = "not-in-jwks"; }) },
  { name: "an id_token whose nonce is not the one sent", error: "unable_to_get_user_info",
    tokenSigning: idToken((t) => { t.payload.nonce = "another-nonce"; }) },
  { name: "a profile without an email", error: "email_not_found",
    tokenSigning: idToken((t) => { delete t.payload.email; }),
    userinfo: (response) => { delete response.body.email; } },
];

for (const bad of BAD_ANSWERS) {
  test(`${bad.name}: both refuse it alike and write no user`, async () => {
    if (bad.tokenSigning) mock.service.on("beforeTokenSigning", bad.tokenSigning);
    if (bad.userinfo) mock.service.on("beforeUserinfo", bad.userinfo);
    try {
      const answers = [];
      for (const [i, srv] of pair.entries()) {
        const db = dirs.file(["ref.db", "subject.db"][i]);
        const users = rows(db, `SELECT id FROM user`).length;
        const { callback } = await signIn(srv, new CookieJar());
        answers.push(answerOf(srv, callback));
        assert.equal(rows(db, `SELECT id FROM user`).length, users, `${srv.kind}: no user written`);
      }
      assert.deepEqual(answers[1], answers[0]);
      assert.equal(answers[0].location, `ORIGIN/api/auth/error?error=${bad.error}`);
    } finally {
      if (bad.tokenSigning) mock.service.off("beforeTokenSigning", bad.tokenSigning);
      if (bad.userinfo) mock.service.off("beforeUserinfo", bad.userinfo);
    }
  });
}
