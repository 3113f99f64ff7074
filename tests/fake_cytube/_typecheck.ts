/**
 * The fake's version of CyTube's `patchTypecheckedFunctions`: a payload of the wrong shape is
 * answered with `errorMsg "Unexpected error for message X: ..."` instead of being handled.
 *
 * @module
 */

import type { Socket } from "socket.io";

/** A plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks `data` against a spec like the server's `TYPE_*` tables (`{ msg: "string",
 * meta: "object,optional" }`). Returns false, after telling the socket, if it does not match.
 */
export function typecheck(
  socket: Socket,
  event: string,
  data: unknown,
  spec: Record<string, string>,
): boolean {
  const fail = (why: string) => {
    socket.emit("errorMsg", { msg: `Unexpected error for message ${event}: ${why}` });
    return false;
  };
  if (!isObject(data)) return fail("expected an object");
  for (const [key, types] of Object.entries(spec)) {
    const allowed = types.split(",");
    const value = data[key];
    if (value === undefined && allowed.includes("optional")) continue;
    if (!allowed.includes(typeof value)) return fail(`${key} should be ${types}`);
  }
  return true;
}
