// The issuer that globalSetup (ba-issuer/vitest) started, from a test file: jose verifies its
// tokens through createRemoteJWKSet, the real better-auth client signs up and in against it, and
// the test API's bad tokens, clock and mailbox do what a backend's tests need.
import { describe, expect, test, inject } from "vitest";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { createAuthClient } from "better-auth/client";
import { jwtClient } from "better-auth/client/plugins";
import { BAD_TOKEN_KINDS, connectIssuer } from "ba-issuer";

const issuer = connectIssuer();
const jwks = createRemoteJWKSet(new URL(issuer.jwksUrl));
const verify = (token) => jwtVerify(token, jwks, { issuer: issuer.issuer, audience: issuer.audience });

// What jose says for each bad kind (tests/interop/test-api.test.mjs).
const JOSE_REFUSAL = {
  expired: "ERR_JWT_EXPIRED",
  "not-yet-valid": "ERR_JWT_CLAIM_VALIDATION_FAILED",
  "wrong-issuer": "ERR_JWT_CLAIM_VALIDATION_FAILED",
  "wrong-audience": "ERR_JWT_CLAIM_VALIDATION_FAILED",
  "unknown-kid": "ERR_JWKS_NO_MATCHING_KEY",
  "bad-signature": "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
  "alg-none": "ERR_JOSE_NOT_SUPPORTED",
  "alg-confusion": "ERR_JOSE_NOT_SUPPORTED",
};

// The better-auth client as a Node backend test uses it: an origin header (Node's fetch sends
// sec-fetch-mode: cors) and the bearer token in place of a cookie jar.
function authClient() {
  let bearer = "";
  return createAuthClient({
    baseURL: issuer.origin,
    plugins: [jwtClient()],
    fetchOptions: {
      headers: { origin: issuer.origin },
      auth: { type: "Bearer", token: () => bearer },
      onSuccess: (ctx) => {
        bearer = ctx.response.headers.get("set-auth-token") ?? bearer;
      },
    },
  });
}

const bearerGet = (path, bearer) =>
  fetch(issuer.baseURL + path, { headers: { authorization: `Bearer ${bearer}` } });

describe("globalSetup", () => {
  test("exports the issuer to the test files", () => {
    expect(process.env.BA_ISSUER_ORIGIN).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(issuer.jwksUrl).toBe(`${process.env.BA_ISSUER_ORIGIN}/api/auth/jwks`);
    expect(issuer.issuer).toBe(process.env.BA_ISSUER_ORIGIN);
    expect(issuer.audience).toBe(process.env.BA_ISSUER_ORIGIN);
    expect(inject("baIssuer").origin).toBe(issuer.origin);
  });
});

describe("tokens", () => {
  test("a session's JWT verifies with jose against the JWKS, issuer and audience checked", async () => {
    const { token, user, bearer, cookie } = await issuer.createSession({ email: "ada@example.com", role: "admin" });
    const { payload, protectedHeader } = await verify(token);
    expect(payload.sub).toBe(user.id);
    expect(payload.email).toBe("ada@example.com");
    expect(payload.role).toBe("admin");
    expect(protectedHeader.alg).toBe("EdDSA");
    expect(bearer).toBeTruthy();
    expect(cookie).toContain("better-auth.session_token=");
  });

  test("a good minted token verifies; every bad kind is refused by jose for its own reason", async () => {
    const good = await issuer.mintToken({ claims: { sub: "service-1", scope: "read" } });
    expect((await verify(good.token)).payload.scope).toBe("read");
    expect(BAD_TOKEN_KINDS).toEqual(Object.keys(JOSE_REFUSAL));
    for (const kind of BAD_TOKEN_KINDS) {
      const { token } = await issuer.mintToken({ kind, claims: { sub: "service-1" } });
      await expect(verify(token), kind).rejects.toMatchObject({ code: JOSE_REFUSAL[kind] });
    }
  });

  test("a refused test API call throws IssuerError with Better Auth's code", async () => {
    await expect(issuer.mintToken({ kind: "no-such-kind" })).rejects.toMatchObject({
      name: "IssuerError", status: 400, code: "VALIDATION_ERROR",
    });
  });
});

describe("the real better-auth client", () => {
  test("signs up, signs in and gets a /token JWT that jose verifies", async () => {
    const email = "grace@example.com";
    const signUp = await authClient().signUp.email({ email, password: "grace-password", name: "Grace" });
    expect(signUp.error).toBeNull();
    const client = authClient();
    const signIn = await client.signIn.email({ email, password: "grace-password" });
    expect(signIn.error).toBeNull();
    expect(signIn.data.user.email).toBe(email);
    const { data, error } = await client.token();
    expect(error).toBeNull();
    const { payload } = await verify(data.token);
    expect(payload.sub).toBe(signIn.data.user.id);
    expect(payload.name).toBe("Grace");
  });

  test("a wrong password is refused as Better Auth refuses it", async () => {
    await authClient().signUp.email({ email: "wrong@example.com", password: "right-password", name: "W" });
    const { error } = await authClient().signIn.email({ email: "wrong@example.com", password: "not-the-password" });
    expect(error.status).toBe(401);
    expect(error.code).toBe("INVALID_EMAIL_OR_PASSWORD");
  });
});

describe("clock", () => {
  test("advanceClock makes a session expire; setClock makes tokens that jose finds expired", async () => {
    const { bearer } = await issuer.createSession({ email: "clock@example.com" });
    expect((await bearerGet("/token", bearer)).status).toBe(200);
    const before = await issuer.clock();
    const after = await issuer.advanceClock(8 * 24 * 3600 * 1000); // sessions live 7 days
    expect(after.nowMs - before.nowMs).toBeGreaterThanOrEqual(8 * 24 * 3600 * 1000);
    expect((await bearerGet("/token", bearer)).status).toBe(401);
    expect(await (await bearerGet("/get-session", bearer)).json()).toBeNull();

    await issuer.setClock(Date.now() - 3600 * 1000); // an hour ago: a 15-minute token is spent
    const { token } = await issuer.createSession({ email: "clock@example.com" });
    await expect(verify(token)).rejects.toMatchObject({ code: "ERR_JWT_EXPIRED" });
    await issuer.reset(); // the clock back to wall time, users gone
    expect(Math.abs((await issuer.clock()).nowMs - Date.now())).toBeLessThan(5000);
    const fresh = await issuer.createSession({ email: "clock@example.com" });
    await expect(verify(fresh.token)).resolves.toBeTruthy();
  });
});

describe("mail", () => {
  test("mail() returns the reset link after request-password-reset", async () => {
    const email = "dana@example.com";
    await issuer.createSession({ email, password: "dana-password" });
    await issuer.clearMail();
    const { error } = await authClient().requestPasswordReset({ email, redirectTo: "/reset" });
    expect(error).toBeNull();
    const mail = await issuer.mail(email);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ to: email, kind: "reset-password" });
    expect(mail[0].url).toContain(`/api/auth/reset-password/${mail[0].token}`);
    expect(await issuer.mail("nobody@example.com")).toEqual([]);
    // The link works: the password changes.
    const reset = await authClient().resetPassword({ newPassword: "dana-new-password", token: mail[0].token });
    expect(reset.error).toBeNull();
    expect((await authClient().signIn.email({ email, password: "dana-new-password" })).error).toBeNull();
  });
});
