/**
 * The `web:` section of `rosey.yaml`: where the dashboard and HTTP API listen, the operator
 * accounts, TLS. Validated once at load; messages name the key and show what is right.
 */
import { z } from "zod";

const show = (value: unknown) => JSON.stringify(value);

/** `127.0.0.1:8080`, `0.0.0.0:80`, `[::1]:8080`; port 0 picks a free one (tests). */
const LISTEN = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** What `deno task web passwd` prints: `scrypt$<logN>$<r>$<p>$<salt b64>$<hash b64>`. */
export const PASSWORD_HASH =
  /^scrypt\$\d{1,2}\$\d{1,2}\$\d{1,2}\$[A-Za-z0-9+/=]{16,}\$[A-Za-z0-9+/=]{32,}$/;

/** An operator name: also what the dashboard shows and the log records. */
export const ACCOUNT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export const WebSectionSchema = z.strictObject({
  /** Off: no dashboard, no HTTP API. */
  enabled: z.boolean().default(true),
  /** `host:port` to bind. Loopback by default; another address without TLS is warned about. */
  listen: z.string().regex(LISTEN, {
    error: (issue) =>
      `${show(issue.input)} is not host:port; write e.g. "127.0.0.1:8080" (loopback only) or ` +
      `"0.0.0.0:8080" (every interface: configure web.tls too)`,
  }).refine((value) => Number(LISTEN.exec(value)?.[2]) <= 65535, {
    error: (issue) => `${show(issue.input)}: the port must be 0-65535`,
  }).default("127.0.0.1:8080"),
  /**
   * Operator accounts: name -> password hash from `deno task web passwd <name>`. Empty: the
   * first run creates `admin` with a generated password and prints it once.
   */
  accounts: z.record(
    z.string().regex(ACCOUNT_NAME, {
      error: (issue) =>
        `${show(issue.input)} is not an account name; use 1-64 letters, digits, "_", "." or "-"`,
    }),
    z.string().regex(PASSWORD_HASH, {
      error: () =>
        `not a password hash; create one with \`deno task web passwd <name>\` and paste the ` +
        `line it prints (it starts with "scrypt$")`,
    }),
  ).default({}),
  /** PEM files for HTTPS; session cookies are then `Secure`. */
  tls: z.strictObject({
    cert: z.string().min(1),
    key: z.string().min(1),
  }).optional(),
  /** How long a login lasts without use (hours). */
  sessionHours: z.number().min(0.1).max(24 * 30).default(12),
  /** Failed logins allowed per client address and per account in 15 minutes. */
  loginAttempts: z.number().int().min(1).max(1000).default(5),
  /** How often the user and chat-line history behind `/api/history` is sampled (seconds). */
  historyIntervalSeconds: z.number().int().min(1).max(3600).default(60),
});
export type WebConfig = z.infer<typeof WebSectionSchema>;

/** Splits `web.listen` into the host and port `Deno.serve` takes. */
export function parseListen(listen: string): { hostname: string; port: number } {
  const match = LISTEN.exec(listen);
  if (!match) throw new Error(`not host:port: ${listen}`);
  return { hostname: match[1]!.replace(/^\[|\]$/g, ""), port: Number(match[2]) };
}

/** True for addresses only this machine can reach. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\./.test(hostname);
}
