// Shared helpers for the interop tests: start/stop servers (ba-issuer or the real Better Auth reference),
// raw HTTP requests with exact headers, a tiny cookie jar, JWT decoding and response normalisation.
//
// Environment:
//   BA_ISSUER_BIN   path of the ba-issuer binary (default ../../build/ba-issuer relative to this folder).
//                   The special value "@ref" runs ref-server.mjs in its place (self-check of the tests).
//   INTEROP_SECRET  overrides the test secret (default below, 45 characters).
//   INTEROP_DEBUG=1 echoes server stderr.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import net from "node:net";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SECRET = process.env.INTEROP_SECRET ?? "interop-test-secret-0123456789-abcdefghijklmn";
export const REF_SERVER = path.join(HERE, "ref-server.mjs");

export function baIssuerBin() {
  return process.env.BA_ISSUER_BIN ?? path.resolve(HERE, "../../build/ba-issuer");
}

/** True when the "subject" under test is really the reference server (BA_ISSUER_BIN=@ref). */
export function subjectIsRef() {
  return baIssuerBin() === "@ref";
}

export function tempDir(prefix = "ba-interop-") {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    file: (name) => path.join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A port that was free a moment ago (bind 127.0.0.1:0, read, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Start a server process and wait for its ready line.
 * kind: "ba-issuer" | "ref"
 * opts: { db (path or ":memory:"), port (number; default: a free port), baseUrl (true = http://127.0.0.1:PORT,
 *         false = none, string = that), env (extra env), extraArgs, readyTimeoutMs }
 * Returns { kind, port, origin, base, proc, stderr(), stdout(), stop() -> Promise<{code, signal}> }.
 */
// Asserts that a server stopped by `s.stop()` (which returned `result`) exited cleanly; the
// message carries the last `lines` lines of its stderr.
export function assertCleanExit(s, result, lines = 20) {
  assert.deepEqual(result, { code: 0, signal: null },
    `${s.kind} exit; stderr:\n${s.stderr().split("\n").slice(-lines).join("\n")}`);
}

export async function startServer(kind, opts = {}) {
  const port = opts.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const baseUrl = opts.baseUrl === undefined || opts.baseUrl === true ? origin : opts.baseUrl || null;
  const args = ["--host", "127.0.0.1", "--port", String(port), "--db", opts.db ?? ":memory:"];
  if (baseUrl) args.push("--base-url", baseUrl);
  if (opts.extraArgs) args.push(...opts.extraArgs);

  let cmd;
  let cmdArgs;
  let label = kind;
  if (kind === "ref" || (kind === "ba-issuer" && subjectIsRef())) {
    cmd = process.execPath;
    cmdArgs = [REF_SERVER, ...args];
    if (kind === "ba-issuer") label = "ba-issuer(@ref)";
  } else if (kind === "ba-issuer") {
    cmd = baIssuerBin();
    if (!existsSync(cmd)) {
      throw new Error(`ba-issuer binary not found at ${cmd} (set BA_ISSUER_BIN)`);
    }
    cmdArgs = args;
  } else {
    throw new Error(`unknown server kind ${kind}`);
  }

  const env = {
    ...process.env,
    BETTER_AUTH_SECRET: SECRET,
    NODE_ENV: "development",
    BETTER_AUTH_TELEMETRY: "0",
    ...(opts.env ?? {}),
  };
  // Never let an inherited base URL change what the test passes explicitly.
  for (const k of [
    "BETTER_AUTH_URL",
    "NEXT_PUBLIC_BETTER_AUTH_URL",
    "PUBLIC_BETTER_AUTH_URL",
    "NUXT_PUBLIC_BETTER_AUTH_URL",
    "NUXT_PUBLIC_AUTH_URL",
    "BASE_URL",
    "BETTER_AUTH_TRUSTED_ORIGINS",
    "BETTER_AUTH_SECRETS",
  ]) {
    if (!(opts.env && k in opts.env)) delete env[k];
  }

  const proc = spawn(cmd, cmdArgs, { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const exited = new Promise((resolve) => {
    proc.on("exit", (code, signal) => resolve({ code, signal }));
    proc.on("error", (e) => {
      err += `spawn error: ${e.message}\n`;
      resolve({ code: null, signal: null, error: e });
    });
  });
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (d) => {
    err += d;
    if (process.env.INTEROP_DEBUG) process.stderr.write(`[${label}:${port}] ${d}`);
  });
  proc.stdout.setEncoding("utf8");

  const readyTimeoutMs = opts.readyTimeoutMs ?? 30000;
  const readyLine = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`${label}: no ready line within ${readyTimeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, readyTimeoutMs);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /^listening on \S+$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited before ready (code ${code}, signal ${signal})\nstdout: ${out}\nstderr: ${err}`));
    });
  });
  const expected = `listening on ${origin}`;
  if (readyLine !== expected) {
    proc.kill("SIGKILL");
    throw new Error(`${label}: ready line ${JSON.stringify(readyLine)}, expected ${JSON.stringify(expected)}`);
  }
  // The ready line must be the first line on stdout.
  if (!out.startsWith(expected + "\n")) {
    proc.kill("SIGKILL");
    throw new Error(`${label}: ready line must be the first stdout line, got ${JSON.stringify(out)}`);
  }

  let stopped = null;
  return {
    kind: label,
    port,
    origin,
    base: `${(baseUrl && new URL(baseUrl).pathname !== "/" ? baseUrl : origin + "/api/auth").replace(/\/$/, "")}`,
    proc,
    stderr: () => err,
    stdout: () => out,
    exited,
    /** SIGTERM, then wait (SIGKILL after timeoutMs). Resolves { code, signal }. */
    stop(timeoutMs = 10000) {
      if (stopped) return stopped;
      stopped = (async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
        const t = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
        const r = await exited;
        clearTimeout(t);
        return r;
      })();
      return stopped;
    },
  };
}

/**
 * Raw HTTP request with exactly the headers given (plus Host and, for a body, Content-Length;
 * with `chunked`, Transfer-Encoding: chunked and the body in two chunks instead).
 * body: string | Buffer | undefined. Returns { status, statusText, headers (lower-cased, joined),
 * setCookies (array), rawHeaders, text, json (parsed or undefined) }.
 */
export function rawRequest(url, { method = "GET", headers = {}, body, chunked = false } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
    const hdrs = { ...headers };
    if (data !== undefined && !chunked && !Object.keys(hdrs).some((k) => k.toLowerCase() === "content-length")) {
      hdrs["content-length"] = String(data.length);
    }
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        headers: hdrs,
        agent: false,
        setHost: true,
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const headersOut = {};
          const setCookies = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const k = res.rawHeaders[i].toLowerCase();
            const v = res.rawHeaders[i + 1];
            if (k === "set-cookie") setCookies.push(v);
            else headersOut[k] = k in headersOut ? `${headersOut[k]}, ${v}` : v;
          }
          let json;
          try {
            json = text.length ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode,
            statusText: res.statusMessage,
            headers: headersOut,
            setCookies,
            rawHeaders: res.rawHeaders,
            text,
            json,
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.setTimeout(30000, () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    if (data !== undefined && chunked) {
      req.write(data.subarray(0, 10));
      req.write(data.subarray(10));
    } else if (data !== undefined) {
      req.write(data);
    }
    req.end();
  });
}

/** Parse one Set-Cookie header: { name, value, attrs: [[key, value|true], ...] } in order. */
export function parseSetCookie(sc) {
  const parts = sc.split(";").map((s) => s.trim());
  const first = parts.shift();
  const eq = first.indexOf("=");
  const name = first.slice(0, eq);
  const value = first.slice(eq + 1);
  const attrs = parts
    .filter((p) => p.length)
    .map((p) => {
      const i = p.indexOf("=");
      return i < 0 ? [p, true] : [p.slice(0, i), p.slice(i + 1)];
    });
  return { name, value, attrs };
}

/** Minimal cookie jar for one origin. */
export class CookieJar {
  constructor() {
    this.cookies = new Map();
  }
  /** Accepts a fetch Response, a rawRequest result, or an array of Set-Cookie strings. */
  update(resOrList) {
    let list;
    if (Array.isArray(resOrList)) list = resOrList;
    else if (resOrList?.setCookies) list = resOrList.setCookies;
    else list = resOrList.headers.getSetCookie();
    for (const sc of list) {
      const { name, value, attrs } = parseSetCookie(sc);
      const maxAge = attrs.find(([k]) => k.toLowerCase() === "max-age");
      if (value === "" || (maxAge && Number(maxAge[1]) <= 0)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  get(name) {
    return this.cookies.get(name);
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  get size() {
    return this.cookies.size;
  }
}

/**
 * A fetch that behaves like a same-origin browser page: sends the jar's cookies, adds Origin for
 * non-GET requests, and stores Set-Cookie answers. Used as the Better Auth client's customFetchImpl.
 */
export function jarFetch(jar, origin, log) {
  return async (input, init = {}) => {
    const req = new Request(input, init);
    const headers = new Headers(req.headers);
    const cookie = jar.header();
    if (cookie) headers.set("cookie", cookie);
    if (req.method !== "GET" && req.method !== "HEAD" && !headers.has("origin")) headers.set("origin", origin);
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
    const res = await fetch(req.url, { method: req.method, headers, body, redirect: "manual" });
    jar.update(res);
    if (log) log.push({ method: req.method, url: req.url, status: res.status, headers: res.headers });
    return res;
  };
}

export function b64urlDecode(s) {
  return Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

/** Decode a compact JWS without verifying: { header, payload, signature (Buffer), parts }. */
export function decodeJwt(token) {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error(`not a compact JWS: ${token}`);
  return {
    header: JSON.parse(b64urlDecode(parts[0]).toString("utf8")),
    payload: JSON.parse(b64urlDecode(parts[1]).toString("utf8")),
    signature: b64urlDecode(parts[2]),
    parts,
  };
}

export const RE = {
  isoDate: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
  id32: /^[A-Za-z0-9]{32}$/,
  jwt: /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
  signedToken: /^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$/,
  signedTokenEnc: /^[A-Za-z0-9]{32}\.(?:[A-Za-z0-9]|%2B|%2F){43,}%3D$/,
  b64url32: /^[A-Za-z0-9_-]{43}$/,
  // the admin plugin's admin_session cookie: "<token>:<dont_remember value>" signed, encoded
  adminSession: /^[A-Za-z0-9]{32}%3A(true)?\.(?:[A-Za-z0-9]|%2B|%2F){43,}%3D$/,
};

function normaliseString(s, origins) {
  for (const o of origins) if (o && s.includes(o)) s = s.split(o).join("<origin>");
  if (RE.isoDate.test(s)) return "<date>";
  if (RE.id32.test(s)) return "<id32>";
  if (RE.signedToken.test(s)) return "<id32>.<sig>";
  if (RE.signedTokenEnc.test(s)) return "<id32>.<sig%>";
  if (RE.b64url32.test(s)) return "<b64url32>";
  if (RE.adminSession.test(s)) return s.replace(/^[A-Za-z0-9]{32}(%3A(?:true)?)\..*$/, "<id32>$1.<sig%>");
  return s;
}

/** Structural normalisation of a decoded JWT: keeps header/claim names and types, masks values. */
export function normaliseJwt(token, origins) {
  let d;
  try {
    d = decodeJwt(token);
  } catch {
    return "<not-a-jwt>";
  }
  const payload = normalise(d.payload, origins);
  if (typeof d.payload.iat === "number") payload.iat = "<iat>";
  if (typeof d.payload.exp === "number" && typeof d.payload.iat === "number") payload.exp = `<iat+${d.payload.exp - d.payload.iat}>`;
  return { $jwt: { header: normalise(d.header, origins), payload, sigLen: d.signature.length } };
}

/** Recursively replace run-specific values (dates, ids, tokens, JWTs, the server origin) with placeholders. */
export function normalise(v, origins = []) {
  if (typeof v === "string") {
    if (RE.jwt.test(v) && v.split(".")[0].startsWith("eyJ")) return normaliseJwt(v, origins);
    return normaliseString(v, origins);
  }
  if (Array.isArray(v)) return v.map((x) => normalise(x, origins));
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = normalise(x, origins);
    return o;
  }
  return v;
}

/** Normalised Set-Cookie: name, value shape, attributes in order (Expires date masked). */
export function normaliseSetCookie(sc, origins = []) {
  const { name, value, attrs } = parseSetCookie(sc);
  let shape;
  if (value === "") shape = "";
  else if (/^true\.[A-Za-z0-9%+/=]+$/.test(value)) shape = "true.<sig>";
  else shape = normaliseString(value, origins);
  const a = attrs.map(([k, x]) => (k.toLowerCase() === "expires" ? `${k}=<date>` : x === true ? k : `${k}=${x}`));
  return [`${name}=${shape}`, ...a].join("; ");
}
