/**
 * A private nats-server for one test: the project's own nats.conf copied into a temp dir, on
 * free ports, with its own operator and accounts. Never a mock: tests see the real server's
 * permissions, JetStream and reconnect behaviour.
 */
import { mintUser, type SubjectPermissions, type UserCredentials } from "@quicksilver/core";
import { EventBus, type EventBusOptions } from "@quicksilver/core";
import { type Logger, silentLogger } from "@quicksilver/core";
import {
  type EphemeralNatsServer,
  freePort,
  type NatsServer,
  startEphemeralNatsServer,
} from "./nats_server.ts";

/** A free port on 127.0.0.1, for tests that need an address where nothing listens. */
export { freePort };

/** Full rights in the application account; what an unrestricted test client gets. */
export const ALL_RIGHTS: SubjectPermissions = {
  publish: { allow: [">"] },
  subscribe: { allow: [">"] },
};

export class TestNats {
  readonly #ephemeral: EphemeralNatsServer;
  readonly #buses = new Set<EventBus>();

  private constructor(ephemeral: EphemeralNatsServer) {
    this.#ephemeral = ephemeral;
  }

  static async start(options: { logger?: Logger } = {}): Promise<TestNats> {
    return new TestNats(
      await startEphemeralNatsServer({ logger: options.logger ?? silentLogger }),
    );
  }

  get server(): NatsServer {
    return this.#ephemeral.server;
  }

  /** The server's temp dir (its config, store and state), removed on close. */
  get dir(): string {
    return this.#ephemeral.dir;
  }

  get url(): string {
    return this.server.url;
  }

  get authority() {
    return this.server.authority;
  }

  /** Mints a user in the application account (all rights unless `permissions` narrows them). */
  mint(name: string, permissions: SubjectPermissions = ALL_RIGHTS, extra: {
    maxSubscriptions?: number;
    maxPayload?: number;
    expiresInSeconds?: number;
    systemAccount?: boolean;
  } = {}): Promise<UserCredentials> {
    return mintUser(this.authority, { name, permissions, ...extra });
  }

  /** Connects a bus as a fresh user; closed automatically when the TestNats is disposed. */
  async connect(
    name: string,
    permissions: SubjectPermissions = ALL_RIGHTS,
    options: Partial<EventBusOptions> = {},
  ): Promise<EventBus> {
    const user = await this.mint(name, permissions);
    const bus = await EventBus.connect({
      servers: this.url,
      name,
      creds: user.creds,
      reconnectWaitMs: 100,
      ...options,
    });
    this.#buses.add(bus);
    return bus;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#buses].map((bus) => bus.close()));
    await this.#ephemeral.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
