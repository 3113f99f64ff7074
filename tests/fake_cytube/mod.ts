/**
 * A fake CyTube server and wait helpers for connector tests.
 *
 * @module
 */

export {
  type ChatAttempt,
  FakeCytube,
  type FakeCytubeOptions,
  type ReceivedFrame,
  startFakeCytube,
} from "./server.ts";
export { Waiters } from "./wait.ts";
