/**
 * The lite NATS client (core NATS over Deno's own TCP) that sandboxed plugins run the EventBus
 * on: `EventBus.connect({ ..., client: "lite" })`.
 *
 * @module
 */
export { connectLite, type LiteConnectOptions } from "./lite_connection.ts";
export { CredsError, type CredsSigner, credsSigner } from "./nkey_signer.ts";
export { ProtocolError, ProtocolParser, type ServerInfo, type ServerOp } from "./protocol.ts";
