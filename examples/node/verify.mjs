// A Node backend's check of a Better Auth JWT with jose: keys from the JWKS (cached, refetched
// for an unknown kid), EdDSA only, issuer and audience = the auth server's origin.
import { createRemoteJWKSet, jwtVerify } from "jose";

export function makeVerifier(authOrigin) {
  const jwks = createRemoteJWKSet(new URL(`${authOrigin}/api/auth/jwks`));
  return async function verify(token) {
    const { payload } = await jwtVerify(token, jwks, {
      algorithms: ["EdDSA"],
      issuer: authOrigin,
      audience: authOrigin,
      requiredClaims: ["sub", "exp", "iat"],
    });
    return payload;
  };
}
