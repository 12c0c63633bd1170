// The one line a user adds: ba-issuer/vitest starts one issuer for the run and exports it
// through BA_ISSUER_* variables (connectIssuer() in the test files).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["ba-issuer/vitest"],
    include: ["*.test.mjs"],
    testTimeout: 20000,
  },
});
