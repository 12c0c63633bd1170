// Types of ba-issuer's Node API (index.js).

/** A bad kind of token from mintToken(): each one a verifier must refuse. */
export type BadTokenKind =
  | "expired" | "not-yet-valid" | "wrong-issuer" | "wrong-audience"
  | "unknown-kid" | "bad-signature" | "alg-none" | "alg-confusion";
export const BAD_TOKEN_KINDS: readonly BadTokenKind[];

export type Alg = "EdDSA" | "ES256" | "ES512" | "RS256" | "PS256";
type Json = Record<string, unknown>;

export interface StartOptions {
  /** Serve the test API (/__test/*); default true. */
  testApi?: boolean;
  /** --seed: a file path, or the seed itself ({users: [{email, password?, name?, id?, sessionToken?, claims?, ...fields}]}). */
  seed?: string | { users: Json[] };
  /** --key-file: a file path, or an Ed25519 private JWK, for a stable kid and JWKS. */
  keyFile?: string | Json;
  /** --config: a file path, or Better Auth's options as an object (baseURL, jwt, jwks, session, ...). */
  config?: string | Json;
  /** More flags, after `--host 127.0.0.1 --port 0 --db :memory:` (a later flag wins, e.g. `--db FILE`). */
  args?: string[];
  /** Added to this process's environment for the child; a random BETTER_AUTH_SECRET is set if none is given. */
  env?: Record<string, string>;
  /** The binary; default $BA_ISSUER_BIN, else the one in this package. */
  binary?: string;
  /** The child's working directory (relative paths in args resolve there). */
  cwd?: string;
  /** Milliseconds to wait for the ready line; default 30000. */
  timeout?: number;
}

export interface TestSession {
  user: Json & { id: string; email: string; name: string };
  session: Json & { id: string; token: string; userId: string; expiresAt: string };
  /** A ready Cookie header value. */
  cookie: string;
  /** The value for `Authorization: Bearer ...` (the session token). */
  bearer: string;
  /** A JWT of the session, as GET /api/auth/token gives it. */
  token: string;
}

export interface MintOptions {
  /** Omit for a good token. */
  kind?: BadTokenKind;
  /** Over the defaults (iat, exp, iss, aud). */
  claims?: Json;
  /** A configured algorithm's newest key. */
  alg?: Alg;
  /** Seconds, or a time string such as "15m". */
  expiresIn?: number | string;
}

export interface Clock {
  now: number;
  nowMs: number;
  iso: string;
}

export interface Mail {
  to: string;
  kind: "reset-password" | "verify-email";
  url: string;
  token: string;
  createdAt: string;
}

/** The test API of a running issuer (what connectIssuer() gives; startIssuer() adds the process). */
export interface IssuerClient {
  /** http://127.0.0.1:PORT, where it listens. */
  origin: string;
  /** origin + the base path (default /api/auth): sign-in, sign-up, /token, /jwks... */
  baseURL: string;
  jwksUrl: string;
  /** The `iss` a verifier expects. */
  issuer: string;
  /** The `aud` a verifier expects. */
  audience: string | string[];
  /** POST /__test/sessions: the user (made if it does not exist; extra fields become user columns) and a new session. An email is made up if none is given. */
  createSession(user?: string | (Json & { email?: string; name?: string; password?: string; id?: string; claims?: Json })): Promise<TestSession>;
  /** POST /__test/tokens: a token signed by the current key, or a bad one of `kind`. */
  mintToken(options?: MintOptions): Promise<{ token: string; header: Json; claims: Json }>;
  /** GET /__test/clock. */
  clock(): Promise<Clock>;
  /** The server's one clock reads `ms` (Unix milliseconds, or a Date) and runs on from there. */
  setClock(ms: number | Date): Promise<Clock>;
  /** Moves the server's clock by `ms` milliseconds (negative: back): sessions, token iat/exp, key rotation. */
  advanceClock(ms: number): Promise<Clock>;
  /** GET /__test/mail: the dev mailbox, newest first (every message without `to`). */
  mail(to?: string): Promise<Mail[]>;
  /** DELETE /__test/mail. */
  clearMail(): Promise<{ success: true }>;
  /** Users, accounts and sessions go (keys stay); by default the seed comes back, the clock returns to wall time and the mailbox empties. */
  reset(options?: { seed?: boolean; clock?: boolean; mail?: boolean }): Promise<{ success: true; seeded: number }>;
}

export interface Issuer extends IssuerClient {
  pid: number;
  /** The binary it runs. */
  binary: string;
  /** Its stderr so far (log lines), the last 64 KiB. */
  logs(): string;
  /** SIGTERM, then SIGKILL after `timeout` ms (default 10000); resolves once it has exited and its port is free. */
  stop(options?: { timeout?: number }): Promise<{ code: number | null; signal: string | null }>;
}

/** Runs ba-issuer; resolves once it is ready. Rejects with the end of its stderr in the message if it cannot start. */
export function startIssuer(options?: StartOptions): Promise<Issuer>;

/** The test API of an issuer started elsewhere; default: the one globalSetup exported (BA_ISSUER_* variables). */
export function connectIssuer(
  site?: { origin: string; baseURL?: string; jwksUrl?: string; issuer?: string; audience?: string | string[] },
  options?: { testApi?: boolean },
): IssuerClient;

/** The BA_ISSUER_* variables for an issuer (what globalSetup exports). */
export function issuerEnv(issuer: IssuerClient): Record<string, string>;

/** The binary startIssuer runs: `explicit`, else $BA_ISSUER_BIN, else the bundled one. Throws if it cannot be run. */
export function binaryPath(explicit?: string): string;

/** What the server derives from its flags, config and environment. */
export function describeSite(
  origin: string,
  from?: { args?: string[]; config?: Json; env?: Record<string, string | undefined> },
): { origin: string; baseURL: string; jwksUrl: string; issuer: string; audience: string | string[] };

/** A refusal from the test API: HTTP status and Better Auth's error code. */
export class IssuerError extends Error {
  status: number;
  code?: string;
  body: unknown;
}
