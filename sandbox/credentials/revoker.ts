/**
 * The kill switch's NATS half: revokes plugin users at once, without a server reload, by pushing
 * an updated application-account JWT through `$SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE` from a
 * system-account user (NOTES-SANDBOX §4: the victim gets "User Authentication Revoked"
 * immediately and its reconnects are refused).
 *
 * Each update replaces the account's revocation list, so the revoker keeps every revocation it
 * made and sends them all each time; entries older than the longest JWT lifetime are dropped
 * (those JWTs have expired anyway). The server's full resolver stores each update in its JWT
 * dir, so revocations outlive a server restart; and before each update the revoker reads the
 * account JWT the server holds (`$SYS.REQ.ACCOUNT.<acc>.CLAIMS.LOOKUP`, nats-server
 * server/accounts.go) and keeps its revocations, so that a restarted plugin manager does not
 * un-revoke what an earlier run revoked.
 */
import {
  accountJwtRevoking,
  type Authority,
  type BusTlsFiles,
  EventBus,
  type Logger,
  mintUser,
  silentLogger,
} from "@quicksilver/core";
import { type Account, decode } from "@nats-io/jwt";
import { PluginCredentialsError } from "./errors.ts";

export class Revoker {
  readonly #authority: Authority;
  readonly #servers: string | string[];
  readonly #tls: BusTlsFiles | undefined;
  readonly #log: Logger;
  readonly #keepSeconds: number;
  readonly #revoked = new Map<string, number>();
  #bus: Promise<EventBus> | undefined;
  /** The account claims the server held at the last revocation (our operator's): kept in every update. */
  #stored: Account | undefined;

  constructor(options: {
    authority: Authority;
    servers: string | string[];
    tls?: BusTlsFiles;
    logger?: Logger;
    /** How long a revocation must be kept: the longest plugin JWT lifetime. */
    keepSeconds: number;
  }) {
    this.#authority = options.authority;
    this.#servers = options.servers;
    this.#tls = options.tls;
    this.#log = options.logger ?? silentLogger;
    this.#keepSeconds = options.keepSeconds;
  }

  /** Revokes a user by public key; resolves once the server confirmed the update. */
  async revoke(publicKey: string): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const bus = await this.#connect();
    // Read every time (a kill switch is rare): the stored claims may have changed since, e.g. a
    // plugin signing key rotated by `deno task auth plugin-host-key`, and must not be undone.
    for (const [key, at] of Object.entries(await this.#storedRevocations(bus))) {
      if (!this.#revoked.has(key)) this.#revoked.set(key, at);
    }
    for (const [key, at] of this.#revoked) {
      if (at < now - this.#keepSeconds) this.#revoked.delete(key);
    }
    this.#revoked.set(publicKey, now);
    const accountJwt = await accountJwtRevoking(
      this.#authority,
      Object.fromEntries(this.#revoked),
      this.#stored,
    );
    const subject = `$SYS.REQ.ACCOUNT.${this.#authority.appAccount.publicKey}.CLAIMS.UPDATE`;
    let reply: unknown;
    try {
      const msg = await bus.connection.request(subject, new TextEncoder().encode(accountJwt), {
        timeout: 5000,
      });
      reply = msg.json();
    } catch (cause) {
      throw new PluginCredentialsError(
        `revoking ${publicKey} failed: the server did not accept the claims update on ${subject}; ` +
          `is the system account configured (nats-auth.conf)?`,
        { cause },
      );
    }
    const data = (reply as { data?: { code?: number } })?.data;
    if (data?.code !== 200) {
      throw new PluginCredentialsError(
        `revoking ${publicKey} failed: the server answered ${JSON.stringify(reply)}`,
      );
    }
    this.#log.info("plugin user revoked", { user: publicKey });
  }

  /**
   * The revocations in the account JWT the server holds now, if our operator signed it; none if
   * the server has only the preloaded one or does not answer (a MEMORY resolver: nothing kept).
   */
  async #storedRevocations(bus: EventBus): Promise<Record<string, number>> {
    const subject = `$SYS.REQ.ACCOUNT.${this.#authority.appAccount.publicKey}.CLAIMS.LOOKUP`;
    try {
      const msg = await bus.connection.request(subject, new Uint8Array(), { timeout: 5000 });
      const claims = decode<Account>(msg.string());
      if (
        claims.iss !== this.#authority.operatorKeyPair.getPublicKey() ||
        claims.sub !== this.#authority.appAccount.publicKey
      ) {
        this.#stored = undefined;
        return {};
      }
      // Its scoped signing keys (plugin hosts elsewhere) must survive this update too.
      this.#stored = claims.nats as Account;
      return claims.nats.revocations ?? {};
    } catch (error) {
      this.#log.warn("could not read the stored account JWT; earlier revocations may be lost", {
        error: String(error),
      });
      return {};
    }
  }

  #connect(): Promise<EventBus> {
    this.#bus ??= (async () => {
      const user = await mintUser(this.#authority, {
        name: "svc-plugin-revoker",
        systemAccount: true,
        permissions: {
          publish: {
            allow: ["$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE", "$SYS.REQ.ACCOUNT.*.CLAIMS.LOOKUP"],
          },
          subscribe: { allow: ["_INBOX.svc-plugin-revoker.>"] },
        },
      });
      return await EventBus.connect({
        servers: this.#servers,
        name: "svc-plugin-revoker",
        creds: user.creds,
        ...(this.#tls ? { tls: this.#tls } : {}),
        logger: this.#log,
      });
    })();
    return this.#bus;
  }

  async close(): Promise<void> {
    const bus = this.#bus;
    this.#bus = undefined;
    if (bus) await (await bus.catch(() => undefined))?.close();
  }
}
