/**
 * Logged-in browser sessions, in memory (a restart of the web service logs everyone out). The
 * cookie holds a random 256-bit id; each session has its own CSRF token that every state
 * change made with the cookie must send back in the `x-csrf-token` header.
 */

export interface Session {
  user: string;
  csrf: string;
  expiresAt: number;
}

/** The session cookie's name (`__Host-` prefixed when served over TLS). */
export const SESSION_COOKIE = "qs_session";

export function randomToken(bytes = 32): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: { ttlMs: number; now?: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  /** Starts a session; returns the cookie value. */
  create(user: string): { id: string; session: Session } {
    this.#sweep();
    const id = randomToken();
    const session = { user, csrf: randomToken(), expiresAt: this.#now() + this.#ttlMs };
    this.#sessions.set(id, session);
    return { id, session };
  }

  /** The live session for a cookie value, its expiry pushed on (sliding); else undefined. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.expiresAt = this.#now() + this.#ttlMs;
    return session;
  }

  delete(id: string | undefined): void {
    if (id) this.#sessions.delete(id);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, session] of this.#sessions) {
      if (session.expiresAt <= now) this.#sessions.delete(id);
    }
  }
}
