// startIssuer() itself, in a test file: the bundled binary, options as objects, stop() freeing
// the port, and a failing start reporting the server's stderr.
import { describe, expect, test } from "vitest";
import { createServer } from "node:net";
import { once } from "node:events";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { startIssuer } from "ba-issuer";

// RFC 8037 A.1's Ed25519 key: its thumbprint is the kid.
const RFC8037_KEY = {
  kty: "OKP", crv: "Ed25519",
  d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
  x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
};
const RFC8037_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

async function portIsFree(port) {
  const server = createServer();
  server.listen(port, "127.0.0.1");
  const [outcome] = await Promise.race([once(server, "listening").then(() => ["free"]), once(server, "error")]);
  if (outcome === "free") server.close();
  return outcome === "free";
}

describe("startIssuer", () => {
  test("runs the binary inside the installed package", async () => {
    const issuer = await startIssuer();
    try {
      expect(process.env.BA_ISSUER_BIN).toBeUndefined();
      expect(issuer.binary).toMatch(/node_modules\/ba-issuer\/bin\/linux-x64\/ba-issuer$/);
    } finally {
      await issuer.stop();
    }
    expect(issuer.logs()).toContain("key_created"); // all of stderr is in once stop() resolves
    expect(issuer.logs()).toContain("stopped");
  });

  test("stop() resolves once the server is gone and its port is free", async () => {
    const issuer = await startIssuer();
    const port = Number(new URL(issuer.origin).port);
    expect((await fetch(issuer.jwksUrl)).status).toBe(200);
    expect(await portIsFree(port)).toBe(false);
    expect(await issuer.stop()).toEqual({ code: 0, signal: null });
    expect(await portIsFree(port)).toBe(true);
    await expect(fetch(issuer.jwksUrl)).rejects.toThrow();
    expect(await issuer.stop()).toEqual({ code: 0, signal: null }); // again: the same answer
  });

  test("seed, keyFile and config as objects; issuer and audience follow the config", async () => {
    const issuer = await startIssuer({
      seed: { users: [{ email: "seeded@example.com", password: "seeded-password", role: "editor" }] },
      keyFile: RFC8037_KEY,
      config: { jwt: { issuer: "https://auth.example.test", audience: ["api"] } },
    });
    try {
      expect(issuer.issuer).toBe("https://auth.example.test");
      expect(issuer.audience).toEqual(["api"]);
      const { keys } = await (await fetch(issuer.jwksUrl)).json();
      expect(keys.map((k) => k.kid)).toEqual([RFC8037_KID]);
      const res = await fetch(`${issuer.baseURL}/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: issuer.origin },
        body: JSON.stringify({ email: "seeded@example.com", password: "seeded-password" }),
      });
      expect(res.status).toBe(200);
      const bearer = res.headers.get("set-auth-token");
      const { token } = await (await fetch(`${issuer.baseURL}/token`, { headers: { authorization: `Bearer ${bearer}` } })).json();
      const jwks = createRemoteJWKSet(new URL(issuer.jwksUrl));
      const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: issuer.issuer, audience: issuer.audience });
      expect(protectedHeader.kid).toBe(RFC8037_KID);
      expect(payload.role).toBe("editor");
      // reset() brings the seed back.
      await issuer.reset();
      expect((await issuer.createSession({ email: "seeded@example.com" })).user.role).toBe("editor");
    } finally {
      await issuer.stop();
    }
  });

  test("a failing start rejects with the server's stderr in the message", async () => {
    const started = startIssuer({ args: ["--bogus"] });
    await expect(started).rejects.toThrow(/exited with code 2 before it was ready/);
    await expect(started).rejects.toThrow(/unknown argument: --bogus/);
    await expect(started).rejects.toMatchObject({ exitCode: 2 });
  });

  test("a missing binary is named", async () => {
    await expect(startIssuer({ binary: "/nonexistent/ba-issuer" })).rejects.toThrow(/\/nonexistent\/ba-issuer cannot be run \(ENOENT\)/);
  });
});
