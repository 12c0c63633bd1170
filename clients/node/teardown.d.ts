// Types of ba-issuer/teardown (teardown.js).
export { teardown as default } from "./vitest.js";
