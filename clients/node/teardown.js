// Jest's globalTeardown for ba-issuer/vitest's globalSetup: stops the issuer it started.
export { teardown as default } from "./vitest.js";
