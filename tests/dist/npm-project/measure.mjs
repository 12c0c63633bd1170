// Prints the time from a startIssuer() call to its promise resolving (the server ready): the
// first (cold) start, then the median, min and max of RUNS (argv[2], default 10) more, in ms.
import { startIssuer } from "ba-issuer";

const runs = Number(process.argv[2] ?? 10);
const times = [];
const coldStart = performance.now();
await (await startIssuer()).stop(); // the first start also loads the binary and node's modules
const cold = performance.now() - coldStart;
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const issuer = await startIssuer();
  times.push(performance.now() - started);
  await issuer.stop();
}
times.sort((a, b) => a - b);
const median = runs % 2 ? times[(runs - 1) / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
console.log(`startIssuer() to ready: median ${median.toFixed(1)} ms over ${runs} ` +
  `(min ${times[0].toFixed(1)}, max ${times[runs - 1].toFixed(1)}); first start ${cold.toFixed(1)} ms`);
