// Compiled, not run: the package's types (index.d.ts, vitest.d.ts, teardown.d.ts) as a
// TypeScript user meets them. A wrong name or shape here fails `tsc --noEmit`.
import { BAD_TOKEN_KINDS, connectIssuer, IssuerError, startIssuer, type Issuer, type BadTokenKind } from "ba-issuer";
import globalSetup, { createGlobalSetup, setup, teardown } from "ba-issuer/vitest";
import jestTeardown from "ba-issuer/teardown";

export async function check(): Promise<string> {
  const issuer: Issuer = await startIssuer({
    testApi: true,
    seed: { users: [{ email: "a@example.com", password: "a-password" }] },
    keyFile: { kty: "OKP", crv: "Ed25519", d: "d", x: "x" },
    config: { jwt: { issuer: "https://auth.example.test" } },
    args: ["--discovery"],
    env: { NODE_ENV: "test" },
    timeout: 5000,
  });
  const session = await issuer.createSession({ email: "a@example.com", role: "admin" });
  const kind: BadTokenKind = BAD_TOKEN_KINDS[0];
  const minted = await issuer.mintToken({ kind, claims: { sub: session.user.id }, alg: "EdDSA", expiresIn: "15m" });
  const clock = await issuer.advanceClock(1000);
  await issuer.setClock(new Date());
  const [first] = await issuer.mail("a@example.com");
  await issuer.reset({ seed: false });
  const stopped: { code: number | null; signal: string | null } = await issuer.stop();
  const client = connectIssuer({ origin: issuer.origin });
  const error = new Error() instanceof IssuerError;
  const pair = createGlobalSetup({ args: [] });
  await pair.setup();
  await pair.teardown();
  await Promise.all([setup(), teardown(), globalSetup(), jestTeardown()]);
  return [session.token, session.bearer, minted.token, clock.iso, first?.url, stopped.code, client.jwksUrl, error, issuer.logs()].join();
}
