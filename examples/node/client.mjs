// The real better-auth client from a plain Node process (a script, a test, a server-side
// render). Node's fetch sends `sec-fetch-mode: cors`, so Better Auth (and ba-issuer) want an
// Origin on sign-in and sign-up: pass one of the server's trusted origins (its base URL's, by
// default). Node has no cookie jar either: keep the bearer token the server hands out.
import { createAuthClient } from "better-auth/client";
import { jwtClient } from "better-auth/client/plugins";

export function makeClient(authOrigin) {
  let bearer = "";
  return createAuthClient({
    baseURL: authOrigin,
    plugins: [jwtClient()],
    fetchOptions: {
      headers: { origin: authOrigin },
      auth: { type: "Bearer", token: () => bearer },
      onSuccess: (ctx) => {
        const token = ctx.response.headers.get("set-auth-token");
        if (token) bearer = token;
      },
    },
  });
}

// Sign in (or up, the first time) and return a JWT for the session.
export async function jwtFor(client, { email, password, name = email.split("@")[0] }) {
  let { error } = await client.signIn.email({ email, password });
  if (error?.status === 401) ({ error } = await client.signUp.email({ email, password, name }));
  if (error) throw new Error(`sign-in failed: ${error.status} ${error.message}`);
  const { data, error: tokenError } = await client.token();
  if (tokenError) throw new Error(`token failed: ${tokenError.status}`);
  return data.token;
}
