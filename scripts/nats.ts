/**
 * `deno task nats`: runs the project's nats-server in the foreground (127.0.0.1:4222, monitoring
 * on 127.0.0.1:8222, JetStream under .rosey/), creating the auth setup on first run.
 * Ctrl-C stops it.
 */
import { createLogger } from "../core/log/mod.ts";
import { NatsServer, NatsServerNotFoundError, NatsServerStartError } from "@quicksilver/testbed";

const log = createLogger({ fields: { component: "nats" } });
try {
  const server = await NatsServer.start({ logger: log });
  log.info(
    `serving ${server.url}; monitoring ${server.monitorUrl}/varz; log ${server.options.logFile}`,
  );
  const stop = async () => {
    log.info("stopping nats-server");
    await server.stop();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
} catch (error) {
  if (error instanceof NatsServerNotFoundError || error instanceof NatsServerStartError) {
    console.error(error.message);
    Deno.exit(1);
  }
  throw error;
}
