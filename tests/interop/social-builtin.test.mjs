// Social sign-in (issue 25) with the built-in github and discord providers, against the real
// Better Auth 1.7.25's own github and discord providers:
//   - with real credentials, ba-issuer's authorization URL is Better Auth's, parameter for
//     parameter (the endpoints are github.com's and discord.com's: no network is needed to
//     build them);
//   - Better Auth's providers, their calls to github.com and discord.com sent to ba-issuer's dev
//     provider (redirect-fetch.mjs), sign a user in through its GitHub-shaped /user and
//     /user/emails and Discord-shaped /users/@me; ba-issuer's stand-ins sign the same user in
//     through the same provider, and the user and account rows both wrote are compared. So the
//     stand-ins read those APIs as Better Auth reads them, and the dev provider answers them as
//     Better Auth expects GitHub and Discord to.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { query as rows } from "./case-support.mjs";
import { startServer, tempDir, freePort, CookieJar, jarFetch, assertCleanExit } from "./harness.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const dirs = tempDir("ba-social-builtin-");
const servers = [];
const REAL = {
  github: { clientId: "gh-client", clientSecret: "gh-secret" },
  discord: { clientId: "dc-client", clientSecret: "dc-secret" },
};
let standIn; // ba-issuer --dev-oauth: the stand-ins, and the provider Better Auth is sent to
let ref; // Better Auth with the real providers, fetch redirected
let real; // ba-issuer with the real providers' credentials (no --dev-oauth)


async function postJson(url, body, origin) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", origin },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

async function startSocial(srv, jar, provider, extra = {}) {
  const res = await jarFetch(jar, srv.origin)(`${srv.base}/sign-in/social`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ provider, callbackURL: "/welcome", disableRedirect: true, ...extra }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, `${srv.kind}: ${JSON.stringify(body)}`);
  return new URL(body.url);
}

// The URL's parameters, the random ones by length and the server's origin as ORIGIN.
function paramsOf(url, srv) {
  return [...url.searchParams].map(([k, v]) =>
    [k, ["state", "code_challenge"].includes(k) ? v.length : v.replace(srv.origin, "ORIGIN")]);
}

// The whole flow; a github.com or discord.com authorization URL goes to the dev provider's.
async function signIn(srv, provider) {
  const jar = new CookieJar();
  const url = await startSocial(srv, jar, provider);
  const authorize = `${standIn.origin}/__dev-oauth/authorize${url.search}`;
  const answer = await fetch(authorize, { redirect: "manual" });
  assert.equal(answer.status, 302, `${srv.kind}: ${await answer.text()}`);
  const callback = await jarFetch(jar, srv.origin)(answer.headers.get("location"), { redirect: "manual" });
  assert.equal(callback.status, 302, `${srv.kind} ${provider}: ${await callback.text()}`);
  const session = await (await jarFetch(jar, srv.origin)(`${srv.base}/get-session`)).json();
  const accounts = await (await jarFetch(jar, srv.origin)(`${srv.base}/list-accounts`)).json();
  const id = accounts.find((a) => a.providerId === provider).id;
  const info = await (await jarFetch(jar, srv.origin)(`${srv.base}/account-info?accountId=${id}`)).json();
  return { location: callback.headers.get("location"), session, info };
}

before(async () => {
  const standInConfig = dirs.file("stand-in.json");
  writeFileSync(standInConfig, JSON.stringify({ socialProviders: { github: {}, discord: {} } }));
  standIn = await startServer("ba-issuer", {
    db: dirs.file("stand-in.db"),
    extraArgs: ["--dev-oauth", "--test-api", "--config", standInConfig],
  });
  servers.push(standIn);
  const refPort = await freePort();
  const refOrigin = `http://127.0.0.1:${refPort}`;
  for (const [id, { clientId, clientSecret }] of Object.entries(REAL)) {
    await postJson(`${standIn.origin}/__test/dev-oauth/clients`,
      { clientId, clientSecret, redirectURIs: [`${refOrigin}/api/auth/callback/${id}`] }, standIn.origin);
  }
  const dev = `${standIn.origin}/__dev-oauth`;
  const realConfig = dirs.file("real.json");
  writeFileSync(realConfig, JSON.stringify({ socialProviders: REAL }));
  ref = await startServer("ref", {
    port: refPort,
    db: dirs.file("ref.db"),
    extraArgs: ["--config", realConfig],
    env: {
      NODE_OPTIONS: `--import ${pathToFileURL(path.join(HERE, "redirect-fetch.mjs")).href}`,
      REDIRECT_FETCH: JSON.stringify({
        "https://github.com/login/oauth/access_token": `${dev}/token`,
        "https://api.github.com/": `${dev}/github/`,
        "https://discord.com/api/oauth2/token": `${dev}/token`,
        "https://discord.com/api/users/": `${dev}/discord/users/`,
      }),
    },
  });
  servers.push(ref);
  real = await startServer("ba-issuer", { db: dirs.file("real.db"), extraArgs: ["--config", realConfig] });
  servers.push(real);
});

after(async () => {
  for (const s of servers.reverse()) assertCleanExit(s, await s.stop());
});

for (const provider of ["github", "discord"]) {
  test(`${provider} with real credentials: the authorization URL is Better Auth's, parameter for parameter`, async () => {
    const extras = [{}, { scopes: ["extra:scope"], loginHint: "octo" }];
    for (const extra of extras) {
      const [ours, theirs] = [await startSocial(real, new CookieJar(), provider, extra),
                              await startSocial(ref, new CookieJar(), provider, extra)];
      assert.equal(ours.origin + ours.pathname, theirs.origin + theirs.pathname);
      assert.deepEqual(paramsOf(ours, real), paramsOf(theirs, ref), JSON.stringify(extra));
    }
    const expected = provider === "github" ? "https://github.com/login/oauth/authorize"
                                           : "https://discord.com/api/oauth2/authorize";
    const url = await startSocial(real, new CookieJar(), provider);
    assert.equal(url.origin + url.pathname, expected);
  });

  test(`${provider}: Better Auth's provider and ba-issuer's stand-in read the same user and write the same rows`, async () => {
    const email = `${provider}-user@example.com`; // a new user each: its name and image are this provider's
    await postJson(`${standIn.origin}/__test/dev-oauth/users`, { email, name: "Octo Cat", select: true }, standIn.origin);
    const theirs = await signIn(ref, provider);
    const ours = await signIn(standIn, provider);
    assert.equal(theirs.location, "/welcome");
    assert.equal(ours.location, theirs.location);
    const pick = (u) => ({ name: u.name, email: u.email, emailVerified: u.emailVerified, image: u.image });
    assert.deepEqual(pick(ours.session.user), pick(theirs.session.user));
    assert.equal(theirs.session.user.email, email);
    assert.equal(theirs.session.user.name, "Octo Cat");
    if (provider === "discord") assert.match(theirs.session.user.image, /^https:\/\/cdn\.discordapp\.com\/embed\/avatars\/\d\.png$/);

    const sql = `SELECT * FROM account WHERE providerId = '${provider}'`;
    const [theirAccount] = rows(dirs.file("ref.db"), sql);
    const [ourAccount] = rows(dirs.file("stand-in.db"), sql);
    assert.ok(theirAccount && ourAccount, "both wrote an account");
    const shape = (a) => ({
      accountId: a.accountId, scope: a.scope, idToken: a.idToken, password: a.password,
      accessToken: typeof a.accessToken, refreshToken: a.refreshToken === null ? null : typeof a.refreshToken,
      accessTokenExpiresAt: typeof a.accessTokenExpiresAt, refreshTokenExpiresAt: a.refreshTokenExpiresAt,
    });
    assert.deepEqual(shape(ourAccount), shape(theirAccount));
    assert.match(ourAccount.accountId, /^\d+$/, "the provider's numeric id");
    // account-info: Better Auth's provider's getUserInfo, read again through the stored token.
    assert.equal(theirs.info.user.email, email, JSON.stringify(theirs.info));
    assert.equal(theirs.info.account.providerId, provider);
    assert.deepEqual(ours.info.user, theirs.info.user);
    assert.deepEqual(Object.keys(ours.info.data).sort(), Object.keys(theirs.info.data).sort());
    assert.deepEqual({ ...ours.info.data, id: typeof ours.info.data.id },
                     { ...theirs.info.data, id: typeof theirs.info.data.id });
    assert.equal(String(ours.info.data.id), ourAccount.accountId);
  });
}
