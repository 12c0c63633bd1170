// Fails (exit 1) with a clear message unless the interop test dependencies are installed as pinned.
// Run by CTest as interop.deps; install with: cd tests/interop && npm_config_nodedir=/usr npm ci
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const problems = [];
const [major] = process.versions.node.split(".").map(Number);
if (major < 20) problems.push(`Node ${process.versions.node} is too old: need Node >= 20`);

const want = { "better-auth": "1.7.25", jose: /^6\./, "better-sqlite3": /^12\./, pg: "8.23.1",
  ioredis: "5.11.1", "@better-auth/redis-storage": "1.7.5", "oauth2-mock-server": "8.2.3" };
for (const [name, ver] of Object.entries(want)) {
  const pj = path.join(here, "node_modules", name, "package.json");
  if (!existsSync(pj)) {
    problems.push(`${name} is not installed (${pj} missing)`);
    continue;
  }
  const v = JSON.parse(readFileSync(pj, "utf8")).version;
  if (typeof ver === "string" ? v !== ver : !ver.test(v)) problems.push(`${name} ${v} installed, want ${ver}`);
}
if (!problems.length) {
  try {
    const require = createRequire(path.join(here, "package.json"));
    const Database = require("better-sqlite3");
    new Database(":memory:").prepare("select 1").get();
  } catch (e) {
    problems.push(`better-sqlite3 native module does not load: ${e.message}`);
  }
}
if (problems.length) {
  console.error("interop test dependencies are not ready:\n  " + problems.join("\n  "));
  console.error("install them with:  cd tests/interop && npm_config_nodedir=/usr npm ci");
  process.exit(1);
}
console.log(`interop deps ok: node ${process.versions.node}, better-auth 1.7.25`);
