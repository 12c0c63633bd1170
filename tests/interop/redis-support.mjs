// A throwaway redis-server for the interop tests (Debian's /usr/bin/redis-server, never the system
// service): 127.0.0.1 on a free port, a temporary directory, no persistence, killed when stopped.
//
//   const redis = await startRedis();
//   redis.url                        // redis://127.0.0.1:PORT
//   await redis.dump("better-auth:") // { key: { value, ttl } } for every key under the prefix
//   await redis.flush(); await redis.stop();
//
// A missing redis-server FAILS the test (startRedis throws), it is never skipped.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { freePort, tempDir } from "./harness.mjs";

export const REDIS_SERVER = process.env.REDIS_SERVER ?? "/usr/bin/redis-server";

/** Starts redis-server and waits until it answers PING. */
export async function startRedis({ readyTimeoutMs = 10000 } = {}) {
  if (!existsSync(REDIS_SERVER)) throw new Error(`redis-server not found at ${REDIS_SERVER} (scripts/setup installs it)`);
  const port = await freePort();
  const dir = tempDir("ba-redis-");
  const proc = spawn(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
    "--dir", dir.dir], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stdout.setEncoding("utf8").on("data", (d) => (log += d));
  proc.stderr.setEncoding("utf8").on("data", (d) => (log += d));
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  client.on("error", () => {});
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited before ready:\n${log}`);
    try {
      if (client.status !== "ready") await client.connect();
      if ((await client.ping()) === "PONG") break;
    } catch (e) {
      if (Date.now() > deadline) {
        proc.kill("SIGKILL");
        throw new Error(`redis-server not ready within ${readyTimeoutMs} ms (${e.message}):\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  return {
    port,
    url,
    client,
    log: () => log,
    /** Every key (optionally only those starting with prefix), sorted. */
    async keys(prefix = "") {
      const pattern = `${prefix.replace(/[\\*?[\]]/g, "\\$&")}*`;
      return (await client.keys(pattern)).sort();
    },
    /** One key: { value (string or null), ttl (seconds; -1 none, -2 missing) }. */
    async entry(key) {
      const [value, ttl] = await Promise.all([client.get(key), client.ttl(key)]);
      return { value, ttl };
    },
    /** { key: { value, ttl } } for every key starting with prefix. */
    async dump(prefix = "") {
      const out = {};
      for (const k of await this.keys(prefix)) out[k] = await this.entry(k);
      return out;
    },
    flush: () => client.flushall(),
    async stop() {
      client.disconnect();
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
      dir.remove();
    },
  };
}
