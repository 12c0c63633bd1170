#!/usr/bin/env node
// `npx ba-issuer ARGS...`: runs the bundled binary (or $BA_ISSUER_BIN) with ARGS, this terminal's
// stdio, and its exit status; SIGINT, SIGTERM and SIGHUP are passed on, and the binary is stopped
// if this process is killed (watch()).
import { spawn } from "node:child_process";
import { binaryPath, watch } from "./index.js";

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"];

let path;
try {
  path = binaryPath();
} catch (e) {
  console.error(`ba-issuer: ${e.message}`);
  process.exit(127);
}
const child = spawn(path, process.argv.slice(2), { stdio: "inherit" });
const dog = child.pid === undefined ? null : watch(child.pid);
const forward = (signal) => child.kill(signal);
for (const signal of FORWARDED) process.on(signal, forward);
child.on("error", (e) => {
  console.error(`ba-issuer: could not run ${path}: ${e.message}`);
  process.exit(127);
});
child.on("exit", (code, signal) => {
  dog?.kill("SIGKILL");
  if (signal) {
    for (const s of FORWARDED) process.off(s, forward);
    process.kill(process.pid, signal); // end as the binary did
  } else {
    process.exit(code ?? 1);
  }
});
