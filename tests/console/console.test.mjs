// The dev console (/__console) in Debian's Chromium, headless, driven by puppeteer-core, with the
// real better-auth client doing what an app would do beside it. One server, one page, the steps
// of issue 24's "Tested in a real browser" in order; then the refusals on servers of their own.
// Every browser console error and page error fails the run; each view is saved as a screenshot
// in CONSOLE_SCREENSHOT_DIR (else a temporary folder, printed).
//
// The refusal to a non-loopback peer is tested in console_api_test.cc: --console needs a
// loopback --host, so no other peer can reach this server from here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import puppeteer from "puppeteer-core";
import { createAuthClient } from "better-auth/client";
import { jwtClient } from "better-auth/client/plugins";

const BIN = process.env.BA_ISSUER_BIN;
const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const SECRET = "console-test-secret-0123456789abcdefghijkl";
const SHOTS = process.env.CONSOLE_SCREENSHOT_DIR || fs.mkdtempSync(path.join(os.tmpdir(), "console-screenshots-"));
fs.mkdirSync(SHOTS, { recursive: true });
const WAIT = { timeout: 15000 };

// ------------------------------------------------------------------ the server and the client

// ba-issuer with `args` on a free port: {proc, origin, stderr()}; null origin if it exited.
async function startServer(args, env = {}) {
  assert.ok(BIN, "BA_ISSUER_BIN names the ba-issuer binary");
  const proc = spawn(BIN, ["--port", "0", ...args], {
    env: { PATH: process.env.PATH, BETTER_AUTH_SECRET: SECRET, NODE_ENV: "development", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  proc.stderr.on("data", (d) => { err += d; });
  const exited = once(proc, "close");  // after its stdout and stderr are read to the end
  const line = await Promise.race([once(proc.stdout, "data").then(([d]) => String(d)), exited.then(() => "")]);
  const match = /^listening on (\S+)/.exec(line);
  return { proc, origin: match ? match[1] : null, exited, stderr: () => err };
}

// The real better-auth client from Node, keeping the session cookie it is given.
function makeClient(origin) {
  const jar = { cookie: "" };
  const client = createAuthClient({
    baseURL: origin,
    plugins: [jwtClient()],
    fetchOptions: {
      headers: { origin },
      onRequest: (ctx) => {
        if (jar.cookie) ctx.headers.set("cookie", jar.cookie);
        return ctx;
      },
      onResponse: (ctx) => {
        for (const c of ctx.response.headers.getSetCookie()) {
          if (c.startsWith("better-auth.session_token=")) jar.cookie = c.split(";")[0];
        }
      },
    },
  });
  return { client, jar };
}

async function json(origin, route, { method = "GET", body, headers = {} } = {}) {
  const res = await fetch(origin + route, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : null };
}

// ------------------------------------------------------------------ the browser

let server, origin, browser, page;
const problems = [];   // console errors, page errors, failed requests
const requested = [];  // every URL the page asked for

before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "console-db-"));
  server = await startServer(["--db", path.join(dir, "console.db"), "--console"]);
  assert.ok(server.origin, `the server did not start: ${server.stderr()}`);
  origin = server.origin;
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...(process.getuid?.() === 0 ? ["--no-sandbox"] : []), "--disable-dev-shm-usage", "--no-first-run"],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1000, height: 760 });
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // A navigation away cancels the page's poll in flight: not a failure of the page.
    if (r.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("request", (r) => requested.push(r.url()));
  page.on("dialog", (d) => d.accept());  // confirm() before rotate, revoke, delete, clear
  await page.goto(`${origin}/__console`, { waitUntil: "load" });
  await page.evaluate(() => { window.__noReload = true; });
});

after(async () => {
  await browser?.close();
  server?.proc.kill("SIGTERM");
  console.log(`screenshots: ${SHOTS}`);
});

async function go(view) {
  await page.click(`nav a[data-view="${view}"]`);
  await page.waitForFunction((v) => !document.getElementById(`view-${v}`).hidden, WAIT, view);
}

async function waitText(selector, text) {
  await page.waitForFunction((s, t) => (document.querySelector(s)?.textContent ?? "").includes(t), WAIT, selector, text);
}

async function waitGone(selector) {
  await page.waitForFunction((s) => !document.querySelector(s), WAIT, selector);
}

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

async function paste(selector, text) {
  await page.$eval(selector, (node, value) => {
    node.value = value;
    node.dispatchEvent(new Event("input", { bubbles: true }));
  }, text);
}

const stillSamePage = () => page.evaluate(() => window.__noReload === true);

// ------------------------------------------------------------------ the steps

const alice = { email: "alice@example.com", password: "alice-password-1", name: "Alice" };
let aliceApp;  // the better-auth client signed up as Alice

test("the page comes with its CSP and nosniff, and every view renders", async () => {
  const res = await fetch(`${origin}/__console`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^text\/html/);
  assert.match(res.headers.get("content-security-policy"), /default-src 'self'/);
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  for (const file of ["console.js", "console.css"]) {
    const asset = await fetch(`${origin}/__console/${file}`);
    assert.equal(asset.status, 200, file);
    assert.equal(asset.headers.get("x-content-type-options"), "nosniff");
  }
  assert.equal((await fetch(`${origin}/__console/nothing.js`)).status, 404);
  await page.waitForFunction(() => document.querySelector("#status .live"), WAIT);
});

test("sign up with the better-auth client: the user and the session appear without a reload", async () => {
  aliceApp = makeClient(origin);
  const { error } = await aliceApp.client.signUp.email(alice);
  assert.equal(error, null);
  await waitText("#users-table", alice.email);
  await shot("users");
  const { data } = await aliceApp.client.getSession();
  await go("sessions");
  await page.waitForSelector(`tr[data-session-id="${data.session.id}"]`, WAIT);
  // A second sign-in while the view is open shows up too.
  const second = makeClient(origin);
  assert.equal((await second.client.signIn.email(alice)).error, null);
  const { data: again } = await second.client.getSession();
  await page.waitForSelector(`tr[data-session-id="${again.session.id}"]`, WAIT);
  await waitText(`tr[data-session-id="${again.session.id}"]`, alice.email);
  assert.ok(await stillSamePage());
  await shot("sessions");
});

test("revoke the session in the console: /api/auth/token with its cookie answers 401", async () => {
  const { data } = await aliceApp.client.getSession();
  const before = await fetch(`${origin}/api/auth/token`, { headers: { cookie: aliceApp.jar.cookie } });
  assert.equal(before.status, 200);
  await page.click(`tr[data-session-id="${data.session.id}"] button`);
  await waitGone(`tr[data-session-id="${data.session.id}"]`);
  await waitText("#sessions-msg", "Session revoked");
  const after = await fetch(`${origin}/api/auth/token`, { headers: { cookie: aliceApp.jar.cookie } });
  assert.equal(after.status, 401);
});

test("rotate a key and watch the standby appear, with the JWKS and its ETag as served", async () => {
  await go("keys");
  await page.waitForSelector('#key-timeline li[data-state="active"]', WAIT);
  assert.equal(await page.$$eval('#key-timeline li[data-state="standby"]', (l) => l.length), 0);
  await page.click("#key-rotate");
  await page.waitForSelector('#key-timeline li[data-state="standby"]', WAIT);
  const standby = await page.$eval('#key-timeline li[data-state="standby"]', (li) => li.dataset.kid);
  await waitText("#jwks", standby);
  const served = await fetch(`${origin}/api/auth/jwks`);
  const jwks = await served.json();
  assert.ok(jwks.keys.some((k) => k.kid === standby), "the standby is published at once");
  await waitText("#jwks-etag", served.headers.get("etag"));
  // It does not sign yet: a token minted now carries the active key's kid.
  const active = await page.$eval('#key-timeline li[data-state="active"]', (li) => li.dataset.kid);
  const minted = await json(origin, "/__test/tokens", { method: "POST", body: {} });
  assert.equal(minted.body.header.kid, active);
  await shot("keys");
});

test("paste an expired token and read \"expired\" with the time; other bad kinds in words", async () => {
  await go("tokens");
  const { body } = await json(origin, "/__test/tokens", { method: "POST", body: { kind: "expired", claims: { sub: "u1" } } });
  const expiredAt = new Date(body.claims.exp * 1000).toISOString();
  await paste("#token-input", body.token);
  await waitText("#token-verdict", `expired at ${expiredAt}`);
  await waitText("#token-verdict", "ago by the server clock");
  await waitText("#token-verdict", "WebCrypto");  // Debian's chromium verifies Ed25519 itself
  await waitText("#token-claims", `"exp": ${body.claims.exp}`);
  await waitText("#token-header", '"alg": "EdDSA"');
  await shot("tokens");
  const words = {
    "unknown-kid": "unknown kid", "wrong-audience": "wrong audience", "wrong-issuer": "wrong issuer",
    "bad-signature": "bad signature", "not-yet-valid": "not valid yet", "alg-none": "unsigned",
    "alg-confusion": "alg confusion", valid: "Valid: signed by key",
  };
  for (const [kind, text] of Object.entries(words)) {
    const minted = await json(origin, "/__test/tokens", { method: "POST", body: { kind, claims: { sub: "u1" } } });
    await paste("#token-input", minted.body.token);
    await waitText("#token-verdict", text);
  }
  // Minted in the console for a user: valid.
  const users = await json(origin, "/__test/users");
  const id = users.body.users.find((u) => u.email === alice.email).id;
  await page.select('#mint-form select[name="user"]', id);
  await page.select('#mint-form select[name="kind"]', "valid");
  await page.click('#mint-form button[type="submit"]');
  await waitText("#mint-msg", `for ${alice.email}`);
  await waitText("#token-verdict", "Valid: signed by key");
  await waitText("#token-claims", `"sub": "${id}"`);
});

test("request a password reset, open the mail, follow the link and set a new password", async () => {
  await go("mail");
  const { error } = await aliceApp.client.requestPasswordReset({ email: alice.email, redirectTo: "/__console" });
  assert.equal(error, null);
  await waitText("#mail-list", alice.email);
  await waitText("#mail-list", "reset-password");
  await paste("#mail-to", "nobody@example.com");
  await waitText("#mail-list", "No mail to nobody@example.com");
  await paste("#mail-to", alice.email);
  await page.waitForSelector("#mail-list a.mail-link", WAIT);
  await shot("mail");
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("#mail-list a.mail-link")]);
  assert.match(page.url(), /\/__console\?token=/);
  await page.waitForSelector("#reset-dialog[open]", WAIT);
  await page.type('#reset-form input[name="password"]', "alice-password-2");
  await page.click('#reset-form button[type="submit"]');
  await waitText("#reset-msg", "Password set");
  await shot("reset-password");
  assert.equal((await makeClient(origin).client.signIn.email({ ...alice, password: "alice-password-2" })).error, null);
  const old = await makeClient(origin).client.signIn.email(alice);
  assert.equal(old.error.status, 401);
  await page.keyboard.press("Escape");
  await go("mail");
  await paste("#mail-to", "");
  await page.click("#mail-clear");
  await waitText("#mail-list", "The mailbox is empty");
});

test("advance the clock a day: the session is refreshed by the server, then expires", async () => {
  const app = makeClient(origin);
  assert.equal((await app.client.signIn.email({ ...alice, password: "alice-password-2" })).error, null);
  const { data } = await app.client.getSession();
  const id = data.session.id;
  await go("clock");
  const t0 = (await json(origin, "/__test/clock")).body.nowMs;
  await page.click('button[data-advance="86400"]');
  await waitText("#clock-msg", "Moved +1 day");
  const t1 = (await json(origin, "/__test/clock")).body.nowMs;
  assert.ok(t1 - t0 >= 86400e3 && t1 - t0 < 86400e3 + 60e3, `${t1 - t0}`);
  await waitText("#clock-offset", "Ahead of real time by 1 day");
  await shot("clock");
  // A day old: the next get-session refreshes it (session.updateAge), as Better Auth decides.
  const refreshed = await app.client.getSession();
  assert.ok(Date.parse(refreshed.data.session.expiresAt) > Date.parse(data.session.expiresAt));
  await go("sessions");
  await waitText(`tr[data-session-id="${id}"]`, "refreshed");
  // Eight days more, past its expiry: shown as expired, live.
  await json(origin, "/__test/clock", { method: "POST", body: { advance: 8 * 86400 } });
  await waitText(`tr[data-session-id="${id}"]`, "expired");
  await go("clock");
  await page.click("#clock-real");
  await waitText("#clock-offset", "Real time");
  const back = (await json(origin, "/__test/clock")).body.nowMs;
  assert.ok(Math.abs(back - Date.now()) < 5000);
});

test("users: create, edit name and verified, sign in as (the browser's cookie), delete", async () => {
  await go("users");
  await page.click("#user-new summary");
  await page.type('#user-form input[name="name"]', "Bob");
  await page.type('#user-form input[name="email"]', "bob@example.com");
  await page.type('#user-form input[name="password"]', "bob-password-1");
  await page.click('#user-form button[type="submit"]');
  await waitText("#users-msg", "Created bob@example.com");
  await waitText("#users-table", "bob@example.com");
  await page.type("#user-search", "BOB");
  await page.waitForFunction(() => document.querySelectorAll("#users-table tbody tr").length === 1, WAIT);
  await page.click('#users-table button[aria-label="Details of bob@example.com"]');
  await page.waitForSelector("#user-detail:not([hidden])", WAIT);
  await waitText("#user-accounts", "credential");
  await page.$eval('#user-edit input[name="name"]', (n) => { n.value = ""; });
  await page.type('#user-edit input[name="name"]', "Bobby");
  await page.click('#user-edit input[name="emailVerified"]');
  await page.click('#user-edit button[type="submit"]');
  await waitText("#users-msg", "Saved bob@example.com");
  await waitText("#users-table", "Bobby");
  const bob = (await json(origin, "/__test/users?search=bob")).body.users[0];
  assert.equal(bob.name, "Bobby");
  assert.equal(bob.emailVerified, true);
  await page.click("#user-sign-in-as");
  await waitText("#users-msg", "now has a session of bob@example.com");
  const session = await page.evaluate(() => fetch("/api/auth/get-session").then((r) => r.json()));
  assert.equal(session.user.email, "bob@example.com");
  await waitText("#browser-session", "signed in as bob@example.com");
  await waitText("#user-sessions", "HeadlessChrome");
  await page.click("#user-delete");
  await waitText("#users-msg", "User deleted");
  assert.equal((await json(origin, "/__test/users?search=bob")).body.users.length, 0);
  // A column an app or plugin added shows in the user's details.
  await json(origin, "/__test/users", { method: "POST", body: { email: "carol@example.com", role: "admin" } });
  await page.$eval("#user-search", (n) => { n.value = ""; });
  await page.type("#user-search", "carol");
  const details = '#users-table button[aria-label="Details of carol@example.com"]';
  await page.waitForSelector(details, WAIT);
  await page.click(details);
  await waitText("#user-fields", "role");
  await waitText("#user-fields", "admin");
});

test("keyboard: the views are reached with Tab and Enter, the buttons with Space", async () => {
  await page.focus("a.skip");  // the first stop of the page's tab order
  for (let i = 0; i < 3; i++) await page.keyboard.press("Tab");  // Users, Sessions, Keys
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.view), "keys");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => !document.getElementById("view-keys").hidden, WAIT);
  await page.waitForFunction(() => document.activeElement?.id === "h-keys", WAIT);
  await go("clock");
  await page.focus('button[data-advance="60"]');
  await page.keyboard.press("Space");
  await waitText("#clock-msg", "Moved +1 min");
  await page.click("#clock-real");
  await waitText("#clock-msg", "Back to real time");
});

test("readable at 360 px: no view scrolls sideways", async () => {
  await page.setViewport({ width: 360, height: 780 });
  for (const view of ["users", "sessions", "keys", "tokens", "mail", "clock"]) {
    await go(view);
    await new Promise((r) => setTimeout(r, 300));
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${view} is ${width} px wide`);
    await shot(`${view}-360`);
  }
  await page.setViewport({ width: 1000, height: 760 });
  // The README's picture: the keys view, 1000 px wide.
  await go("keys");
  await new Promise((r) => setTimeout(r, 300));
  await page.screenshot({ path: path.join(SHOTS, "readme-console.png"), clip: { x: 0, y: 0, width: 1000, height: 640 } });
});

test("other algorithms verify with WebCrypto too; without WebCrypto the server verifies", async () => {
  for (const alg of ["ES256", "ES512", "RS256", "PS256", "EdDSA"]) {
    const other = await startServer(["--db", ":memory:", "--console", "--alg", alg]);
    const tab = await browser.newPage();
    tab.on("console", (m) => { if (m.type() === "error") problems.push(`console (${alg}): ${m.text()}`); });
    tab.on("pageerror", (e) => problems.push(`page error (${alg}): ${e.message}`));
    // EdDSA again, on a page whose WebCrypto is gone: the server's /__test/verify decides.
    if (alg === "EdDSA") await tab.evaluateOnNewDocument(() => { delete Crypto.prototype.subtle; });
    try {
      await tab.goto(`${other.origin}/__console#tokens`, { waitUntil: "load" });
      const { body } = await json(other.origin, "/__test/tokens", { method: "POST", body: { claims: { sub: "u1" } } });
      assert.equal(body.header.alg, alg);
      await tab.waitForFunction(() => !document.getElementById("view-tokens").hidden, WAIT);
      await tab.$eval("#token-input", (node, value) => {
        node.value = value;
        node.dispatchEvent(new Event("input", { bubbles: true }));
      }, body.token);
      await tab.waitForFunction(() => document.querySelector("#token-verdict").textContent.includes("Valid: signed by key"), WAIT);
      const how = await tab.$eval("#token-verdict .how", (n) => n.textContent);
      assert.match(how, alg === "EdDSA" ? /checked by the server \(\/__test\/verify\)/ : /WebCrypto in this browser/, alg);
    } finally {
      await tab.close();
      other.proc.kill("SIGTERM");
    }
  }
});

test("social sign-in in the browser: signIn.social(github) through the dev provider's page", async () => {
  // Issue 25: an app's "Sign in with GitHub" against ba-issuer with --dev-oauth standing in.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "console-social-"));
  const config = path.join(dir, "social.json");
  fs.writeFileSync(config, JSON.stringify({ socialProviders: { github: {} } }));
  const social = await startServer(["--db", ":memory:", "--console", "--dev-oauth", "--config", config]);
  assert.ok(social.origin, `the server did not start: ${social.stderr()}`);
  const tab = await browser.newPage();
  tab.on("console", (m) => { if (m.type() === "error") problems.push(`console (social): ${m.text()}`); });
  tab.on("pageerror", (e) => problems.push(`page error (social): ${e.message}`));
  try {
    await tab.goto(`${social.origin}/__console`, { waitUntil: "load" });
    // What authClient.signIn.social({ provider: "github" }) sends, from the app's page.
    const started = await tab.evaluate(async () => {
      const r = await fetch("/api/auth/sign-in/social", {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ provider: "github", callbackURL: `${location.origin}/__console` }),
      });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.redirect, true);
    assert.ok(started.body.url.startsWith(`${social.origin}/__dev-oauth/authorize?`), started.body.url);
    await tab.goto(started.body.url, { waitUntil: "load" });
    await tab.type("input[name=email]", "octocat@example.com");
    await tab.type("input[name=name]", "Octo Cat");
    await tab.screenshot({ path: path.join(SHOTS, "dev-oauth-login.png") });
    await Promise.all([
      tab.waitForNavigation({ waitUntil: "load" }),
      tab.$$eval("form", (forms) => forms.at(-1).querySelector("button").click()),
    ]);
    assert.equal(new URL(tab.url()).pathname, "/__console", `landed on ${tab.url()}`);
    const session = await tab.evaluate(async () => (await fetch("/api/auth/get-session")).json());
    assert.equal(session?.user?.email, "octocat@example.com");
    assert.equal(session.user.name, "Octo Cat");
    const accounts = await tab.evaluate(async () => (await fetch("/api/auth/list-accounts")).json());
    assert.deepEqual(accounts.map((a) => a.providerId), ["github"]);
  } finally {
    await tab.close();
    social.proc.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("no request left the server, and no console error happened", () => {
  const foreign = requested.filter((u) => !u.startsWith(origin) && !u.startsWith("data:"));
  assert.deepEqual(foreign, []);
  assert.deepEqual(problems, []);
});

// ------------------------------------------------------------------ refusals

function getWithHost(port, route, host) {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: route, headers: { host } }, (res) => {
      let body = "";
      res.on("data", (d) => { body += d; });
      res.on("end", () => resolve({ status: res.statusCode, body }));
    }).on("error", reject);
  });
}

test("without --console (or --test-api) the console is 404 with an empty body", async () => {
  const plain = await startServer(["--db", ":memory:"]);
  try {
    for (const route of ["/__console", "/__console/", "/__console/console.js", "/__test/users", "/__test/changes"]) {
      const res = await fetch(plain.origin + route);
      assert.equal(res.status, 404, route);
      assert.equal(await res.text(), "", route);
    }
  } finally {
    plain.proc.kill("SIGTERM");
  }
});

test("under NODE_ENV=production: --console is refused at start, and without it the console is 404", async () => {
  const refused = await startServer(["--db", ":memory:", "--console", "--base-url", "http://localhost:3000"], { NODE_ENV: "production" });
  assert.equal(refused.origin, null);
  const [code] = await refused.exited;
  assert.equal(code, 2);
  assert.match(refused.stderr(), /--console is refused with NODE_ENV=production/);
  const prod = await startServer(["--db", ":memory:", "--base-url", "http://localhost:3000"], { NODE_ENV: "production" });
  try {
    assert.ok(prod.origin, prod.stderr());
    const res = await fetch(`${prod.origin}/__console`);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), "");
  } finally {
    prod.proc.kill("SIGTERM");
  }
});

test("--console on a non-loopback --host is refused; a non-loopback Host gets 403 (DNS rebinding)", async () => {
  const open = await startServer(["--db", ":memory:", "--console", "--host", "0.0.0.0"]);
  assert.equal(open.origin, null);
  assert.equal((await open.exited)[0], 2);
  assert.match(open.stderr(), /--console needs a loopback --host/);
  const port = new URL(origin).port;
  const rebound = await getWithHost(port, "/__console", "rebind.attacker.example");
  assert.equal(rebound.status, 403);
  assert.equal(JSON.parse(rebound.body).code, "HOST_NOT_ALLOWED");
  assert.equal((await getWithHost(port, "/__console", `localhost:${port}`)).status, 200);
});
