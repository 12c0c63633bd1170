// A Vitest (or Jest) globalSetup that runs one ba-issuer for the whole test run and exports where
// it is to the test files through the environment (BA_ISSUER_ORIGIN, BA_ISSUER_BASE_URL,
// BA_ISSUER_JWKS_URL, BA_ISSUER_ISSUER, BA_ISSUER_AUDIENCE); connectIssuer() reads them back.
//
//   // vitest.config.mjs: the defaults (test API on, in memory)
//   export default { test: { globalSetup: ["ba-issuer/vitest"] } };
//
//   // or a setup file of your own, with options:
//   import { createGlobalSetup } from "ba-issuer/vitest";
//   export const { setup, teardown } = createGlobalSetup({ seed: { users: [...] } });
//
// Jest: globalSetup "ba-issuer/vitest" (its default export) and globalTeardown
// "ba-issuer/teardown".

import { issuerEnv, startIssuer } from "./index.js";

const RUNNING = Symbol.for("ba-issuer.globalSetup"); // on globalThis: Jest loads teardown apart

/** setup() starts an issuer with `options` (as startIssuer's) and exports it; teardown() stops it. */
export function createGlobalSetup(options = {}) {
  return {
    async setup(project) {
      const issuer = await startIssuer(options);
      globalThis[RUNNING] = issuer;
      const env = issuerEnv(issuer);
      Object.assign(process.env, env);
      // Vitest: also `inject("baIssuer")` in a test file.
      project?.provide?.("baIssuer", { ...env, origin: issuer.origin, jwksUrl: issuer.jwksUrl });
    },
    teardown,
  };
}

/** Stops the issuer setup() started; safe to call twice. */
export async function teardown() {
  const issuer = globalThis[RUNNING];
  globalThis[RUNNING] = undefined;
  await issuer?.stop();
}

export const { setup } = createGlobalSetup();
export default setup;
