/**
 * Under Deno 2.9, transport-node lets an `ECONNRESET` escape as an uncaught error when the
 * server rejects authentication, and the process exits (NOTES-SANDBOX §6). The connection
 * object reports the failure properly on its own, so this guard only stops the stray copy
 * from killing the process. Installed once per process by the first bus.
 */
let installed = false;

function isStraySocketError(value: unknown): boolean {
  if (!(value instanceof Error)) return false;
  const code = (value as { code?: unknown }).code;
  return code === "ECONNRESET" || code === "EPIPE" ||
    /read ECONNRESET|write EPIPE/.test(value.message);
}

export function installSocketErrorGuard(): void {
  if (installed) return;
  installed = true;
  globalThis.addEventListener("error", (event) => {
    if (isStraySocketError(event.error)) event.preventDefault();
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    if (isStraySocketError(event.reason)) event.preventDefault();
  });
}
