// ba-issuer for Node: run the bundled binary for a test run and drive its test API.
//
//   import { startIssuer } from "ba-issuer";
//   const issuer = await startIssuer({ seed: { users: [{ email: "ada@example.com", password: "pw-12345678" }] } });
//   const { token } = await issuer.createSession({ email: "ada@example.com", role: "admin" });
//   ...  // your API verifies `token` against issuer.jwksUrl, iss issuer.issuer, aud issuer.audience
//   await issuer.stop();
//
// The child is `BINARY --host 127.0.0.1 --port 0 --db :memory: [--test-api] [--seed F] [--config F]
// [--key-file F] ARGS...`; startIssuer() resolves once it prints `listening on http://HOST:PORT`
// (never a sleep). It dies with this process: on exit (an exit handler), and on a crash or a
// kill -9 (a watchdog, see watch()).

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The `kind`s of POST /__test/tokens: each makes a token a verifier must refuse. */
export const BAD_TOKEN_KINDS = Object.freeze([
  "expired", "not-yet-valid", "wrong-issuer", "wrong-audience",
  "unknown-kid", "bad-signature", "alg-none", "alg-confusion",
]);

const DEFAULT_ARGS = ["--host", "127.0.0.1", "--port", "0", "--db", ":memory:"];
const READY_LINE = /^listening on (\S+)/;
const SECRET_VARIABLES = ["BETTER_AUTH_SECRET", "BETTER_AUTH_SECRETS", "AUTH_SECRET", "BETTER_AUTH_SECRET_FILE"];
const DEFAULT_BASE_PATH = "/api/auth";
const STDERR_KEPT = 64 * 1024;      // bytes of the child's stderr kept for logs() and errors
const STDERR_LINES_SHOWN = 40;      // lines of it in a start error

// The watchdog: /bin/sh reading a pipe whose only writer is this process. The read ends when the
// pipe closes, i.e. when this process is gone however it died (kill -9 included); then it stops
// the server: SIGTERM, and SIGKILL if it is still there after 5 s. $1 is the server's pid.
const WATCHDOG = 'read _ <&0; kill -TERM "$1" 2>/dev/null; n=0; ' +
  'while kill -0 "$1" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n+1)); done; ' +
  'kill -KILL "$1" 2>/dev/null; exit 0';

/** An HTTP refusal from the issuer: `status`, Better Auth's `code` and `message`. */
export class IssuerError extends Error {
  constructor(method, path, status, body) {
    const code = body && typeof body === "object" ? body.code : undefined;
    const message = body && typeof body === "object" ? body.message : String(body ?? "");
    super(`${method} ${path}: ${status}${code ? " " + code : ""}${message ? ": " + message : ""}`);
    this.name = "IssuerError";
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/**
 * The binary to run: `explicit`, else $BA_ISSUER_BIN, else the one bundled for this platform
 * (bin/<platform>-<arch>/ba-issuer). Throws an Error naming where it looked.
 */
export function binaryPath(explicit) {
  const [path, source] = explicit ? [explicit, "the binary option"]
    : process.env.BA_ISSUER_BIN ? [process.env.BA_ISSUER_BIN, "$BA_ISSUER_BIN"]
    : [join(HERE, "bin", `${process.platform}-${process.arch}`, "ba-issuer"), "the package"];
  try {
    if (!statSync(path).isFile()) throw new Error("not a file");
    accessSync(path, constants.X_OK);
  } catch (e) {
    const hint = source === "the package"
      ? `this package bundles no ba-issuer for ${process.platform}-${process.arch}; build it from ` +
        "source and pass { binary } or set BA_ISSUER_BIN"
      : `from ${source}`;
    throw new Error(`ba-issuer binary ${path} cannot be run (${e.code ?? e.message}): ${hint}`);
  }
  return path;
}

// --- what the child is given ---------------------------------------------------------------

function childEnv(extra) {
  const env = { ...process.env, ...extra };
  if (!SECRET_VARIABLES.some((name) => env[name])) env.BETTER_AUTH_SECRET = randomBytes(32).toString("base64url");
  return env;
}

// A temporary directory (0700) for files made from objects; made on first use.
function scratch() {
  let dir = null;
  return {
    file(name, value) {
      dir ??= mkdtempSync(join(tmpdir(), "ba-issuer-"));
      const path = join(dir, name);
      writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value), { mode: 0o600 });
      return path;
    },
    remove() {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = null;
    },
  };
}

// A file option: a path (string) as given, or an object written to the scratch dir as JSON.
function fileArg(flag, value, name, files) {
  if (value === undefined || value === null) return [];
  return [flag, typeof value === "string" ? value : files.file(name, value)];
}

function flagValue(args, flag) {
  let value;
  args.forEach((arg, i) => {
    if (arg === flag && i + 1 < args.length) value = args[i + 1];
    else if (arg.startsWith(flag + "=")) value = arg.slice(flag.length + 1);
  });
  return value;
}

function readConfig(config, cwd) {
  if (config === undefined || config === null) return {};
  if (typeof config !== "string") return config;
  try {
    return JSON.parse(readFileSync(config.startsWith("/") ? config : join(cwd ?? process.cwd(), config), "utf8"));
  } catch {
    return {}; // the server reports a bad file itself, with its reason
  }
}

/**
 * Where the auth routes are and what a verifier checks, as the server derives them: the base URL
 * is --base-url, else the config's baseURL, else $BETTER_AUTH_URL; iss and aud are the config's
 * jwt.issuer / jwt.audience, else the base URL's origin, else `origin` (the address it listens on).
 */
export function describeSite(origin, { args = [], config = {}, env = {} } = {}) {
  const baseURL = flagValue(args, "--base-url") ?? config.baseURL ?? env.BETTER_AUTH_URL;
  const base = baseURL ? new URL(baseURL) : null;
  const urlPath = base && base.pathname !== "/" ? base.pathname.replace(/\/+$/, "") : "";
  const basePath = (config.basePath ?? (urlPath || DEFAULT_BASE_PATH)).replace(/\/+$/, "");
  const site = base ? base.origin : origin;
  return {
    origin,
    baseURL: origin + basePath,
    jwksUrl: origin + basePath + (config.jwks?.jwksPath ?? "/jwks"),
    issuer: config.jwt?.issuer ?? site,
    audience: config.jwt?.audience ?? site,
  };
}

// --- the process ---------------------------------------------------------------------------

const running = new Set(); // the started issuers' kill(), for the exit handler

function killAllOnExit() {
  for (const kill of running) kill("SIGTERM");
}

/**
 * Stops process `pid` (SIGTERM, then SIGKILL after 5 s) when this process dies, however it dies
 * (see WATCHDOG). Returns the watchdog; kill() it to call it off. Its stdin is ours alone: node
 * opens its pipes close-on-exec, so neither the server nor other children hold the writing end.
 */
export function watch(pid) {
  const dog = spawn("/bin/sh", ["-c", WATCHDOG, "ba-issuer-watchdog", String(pid)],
    { stdio: ["pipe", "ignore", "ignore"] });
  dog.on("error", () => {});           // no /bin/sh: the exit handler still stops the server
  dog.stdin.on("error", () => {});
  dog.unref();
  dog.stdin.unref?.();
  return dog;
}

// The child's stderr, the last STDERR_KEPT bytes of it.
function stderrLog(stream) {
  let text = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    text += chunk;
    if (text.length > STDERR_KEPT) text = text.slice(text.length - STDERR_KEPT);
  });
  return () => text;
}

function tail(text) {
  const lines = text.replace(/\n+$/, "").split("\n").filter(Boolean).slice(-STDERR_LINES_SHOWN);
  return lines.length ? lines.map((line) => "  | " + line).join("\n") : "  (nothing on stderr)";
}

// Resolves with the URL of the ready line, or rejects with what went wrong (without the stderr,
// which the caller adds once the child is gone). Lines before it go to `before`.
function waitReady(child, timeoutMs, before) {
  return new Promise((resolve, reject) => {
    let pending = "";
    const timer = setTimeout(() => finish(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk) => {
      pending += chunk;
      let newline;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        const ready = READY_LINE.exec(line);
        if (ready) return finish(null, ready[1].replace(/\/+$/, ""));
        before.push(line);
      }
    };
    const onClose = (code, signal) =>
      finish(new Error(`exited ${signal ? "on " + signal : "with code " + code} before it was ready`));
    const onError = (e) => finish(new Error(`could not be run: ${e.message}`));
    function finish(error, origin) {
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.off("close", onClose);
      child.off("error", onError);
      child.stdout.resume(); // from now on stdout is read and dropped, so the pipe never fills
      error ? reject(error) : resolve(origin);
    }
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", onData);
    child.on("close", onClose);
    child.on("error", onError);
  });
}

// Resolves when the child has exited and its pipes are closed ({code, signal}), or at once
// if it could not be spawned at all.
function closed(child) {
  return new Promise((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
    child.once("error", () => { if (child.pid === undefined) resolve({ code: null, signal: null }); });
  });
}

/**
 * Runs ba-issuer and resolves, once it is ready, with the running issuer (see index.d.ts).
 * Rejects with an Error whose message has the end of the child's stderr if it cannot start.
 */
export async function startIssuer(options = {}) {
  const { testApi = true, seed, keyFile, config, args = [], env, binary, cwd, timeout = 30000 } = options;
  const path = binaryPath(binary);
  const files = scratch();
  const extra = args.map(String);
  const argv = [...DEFAULT_ARGS, ...(testApi ? ["--test-api"] : []),
    ...fileArg("--seed", seed, "seed.json", files),
    ...fileArg("--config", config, "config.json", files),
    ...fileArg("--key-file", keyFile, "key.json", files), ...extra];
  const childEnvironment = childEnv(env);
  const child = spawn(path, argv, { stdio: ["ignore", "pipe", "pipe"], env: childEnvironment, cwd });
  const gone = closed(child);
  const stderr = stderrLog(child.stderr);
  const dog = child.pid === undefined ? null : watch(child.pid);
  child.once("exit", () => dog?.kill("SIGKILL")); // its pid may be reused: the watchdog must not outlive it
  const kill = (signal = "SIGTERM") => {
    dog?.kill("SIGKILL");
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    files.remove();
  };
  running.add(kill);
  if (!process.listeners("exit").includes(killAllOnExit)) process.on("exit", killAllOnExit);

  const stdout = [];
  let origin;
  try {
    origin = await waitReady(child, timeout, stdout);
  } catch (e) {
    kill("SIGKILL");
    running.delete(kill);
    await gone;
    const shown = stdout.length ? `its stdout:\n${tail(stdout.join("\n"))}\n` : "";
    const error = new Error(`ba-issuer ${e.message}; command: ${[path, ...argv].join(" ")}\n` +
      `${shown}its stderr:\n${tail(stderr())}`);
    error.stderr = stderr();
    error.exitCode = child.exitCode;
    throw error;
  }
  // A started issuer does not keep the event loop alive: a test runner that forgets stop() still
  // exits, and the exit handler stops the server.
  child.unref();
  child.stdout.unref?.();
  child.stderr.unref?.();

  const site = describeSite(origin, { args: extra, config: readConfig(config, cwd), env: childEnvironment });
  let stopping = null;
  return {
    ...connectIssuer(site, { testApi }),
    pid: child.pid,
    binary: path,
    /** Everything the server wrote to stderr (its log lines), the last 64 KiB. */
    logs: stderr,
    /** Stops the server: SIGTERM, SIGKILL after `timeout` ms; resolves with {code, signal} once it is gone (its port free). */
    stop({ timeout: grace = 10000 } = {}) {
      stopping ??= (async () => {
        child.ref();
        child.stdout.ref?.();
        child.stderr.ref?.();
        dog?.kill("SIGKILL");
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        const force = setTimeout(() => child.kill("SIGKILL"), grace);
        const result = await gone;
        clearTimeout(force);
        files.remove();
        running.delete(kill);
        return result;
      })();
      return stopping;
    },
  };
}

// --- the test API --------------------------------------------------------------------------

/**
 * The test API of an issuer started elsewhere (by globalSetup in the runner's main process, say):
 * `site` defaults to what startIssuer's globalSetup put in the environment (BA_ISSUER_*).
 */
export function connectIssuer(site = siteFromEnv(), { testApi = true } = {}) {
  if (!site?.origin) throw new Error("connectIssuer: no origin (is BA_ISSUER_ORIGIN set? use ba-issuer/vitest as globalSetup)");
  const { origin } = site;
  let emails = 0;
  const call = (method, path, body) => {
    if (!testApi) return Promise.reject(new Error(`${method} ${path}: the issuer was started with testApi: false`));
    return request(origin, method, path, body);
  };
  const clock = {
    clock: () => call("GET", "/__test/clock"),
    setClock: (ms) => call("POST", "/__test/clock", { set: Number(ms) / 1000 }),
    advanceClock: (ms) => call("POST", "/__test/clock", { advance: ms / 1000 }),
  };
  return {
    origin,
    baseURL: site.baseURL ?? origin + DEFAULT_BASE_PATH,
    jwksUrl: site.jwksUrl ?? origin + DEFAULT_BASE_PATH + "/jwks",
    issuer: site.issuer ?? origin,
    audience: site.audience ?? origin,
    createSession(user = {}) {
      const body = typeof user === "string" ? { email: user } : { ...user };
      body.email ??= `user${++emails}-${randomBytes(4).toString("hex")}@example.com`;
      return call("POST", "/__test/sessions", body);
    },
    mintToken({ kind, claims, alg, expiresIn } = {}) {
      const body = { claims: claims ?? {} };
      if (kind !== undefined) body.kind = kind;
      if (alg !== undefined) body.alg = alg;
      if (expiresIn !== undefined) body.expiresIn = expiresIn;
      return call("POST", "/__test/tokens", body);
    },
    ...clock,
    mail: (to) => call("GET", "/__test/mail" + (to ? "?to=" + encodeURIComponent(to) : "")),
    clearMail: () => call("DELETE", "/__test/mail"),
    async reset({ seed = true, clock: wallClock = true, mail = true } = {}) {
      const answer = await call("POST", "/__test/reset", { seed });
      if (wallClock) await clock.setClock(Date.now());
      if (mail) await call("DELETE", "/__test/mail");
      return answer;
    },
  };
}

function siteFromEnv(env = process.env) {
  if (!env.BA_ISSUER_ORIGIN) return null;
  const audience = env.BA_ISSUER_AUDIENCE;
  return {
    origin: env.BA_ISSUER_ORIGIN,
    baseURL: env.BA_ISSUER_BASE_URL,
    jwksUrl: env.BA_ISSUER_JWKS_URL,
    issuer: env.BA_ISSUER_ISSUER,
    audience: audience?.startsWith("[") ? JSON.parse(audience) : audience,
  };
}

/** The variables globalSetup exports for the test workers (connectIssuer() reads them). */
export function issuerEnv(issuer) {
  return {
    BA_ISSUER_ORIGIN: issuer.origin,
    BA_ISSUER_BASE_URL: issuer.baseURL,
    BA_ISSUER_JWKS_URL: issuer.jwksUrl,
    BA_ISSUER_ISSUER: issuer.issuer,
    BA_ISSUER_AUDIENCE: Array.isArray(issuer.audience) ? JSON.stringify(issuer.audience) : issuer.audience,
  };
}

// A JSON call to the test API. It sends no Origin: the test API refuses only an untrusted one.
async function request(origin, method, path, body) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(origin + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: kept as text
  }
  if (!response.ok) throw new IssuerError(method, path.split("?")[0], response.status, data);
  return data;
}
