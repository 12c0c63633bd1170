// Types of ba-issuer/vitest (vitest.js).
import type { StartOptions } from "./index.js";

type Provider = { provide?(key: string, value: unknown): void };

/** A globalSetup's setup/teardown pair that runs one issuer started with `options`. */
export function createGlobalSetup(options?: StartOptions): {
  setup(project?: Provider): Promise<void>;
  teardown(): Promise<void>;
};
/** Starts an issuer with the defaults and sets BA_ISSUER_ORIGIN, BA_ISSUER_BASE_URL, BA_ISSUER_JWKS_URL, BA_ISSUER_ISSUER, BA_ISSUER_AUDIENCE. */
export function setup(project?: Provider): Promise<void>;
/** Stops it. */
export function teardown(): Promise<void>;
export default setup;
