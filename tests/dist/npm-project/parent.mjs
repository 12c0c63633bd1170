// A parent for npm_package_test.sh's orphan checks: starts an issuer, prints
// {"parent": PID, "child": PID, "origin": URL}, and waits; then, by MODE (argv[2]):
//   hang   waits to be killed (kill -9 from the script)
//   throw  on SIGUSR2, dies of an uncaught exception
//   exit   on SIGUSR2, lets its event loop run dry without stop(): a started issuer keeps
//          nothing alive, and the exit handler stops it
import { startIssuer } from "ba-issuer";

const mode = process.argv[2];
const issuer = await startIssuer();
const waiting = setInterval(() => {}, 1000);
process.on("SIGUSR2", () => {
  if (mode === "throw") throw new Error("the test runner crashed");
  if (mode === "exit") clearInterval(waiting);
});
console.log(JSON.stringify({ parent: process.pid, child: issuer.pid, origin: issuer.origin }));
