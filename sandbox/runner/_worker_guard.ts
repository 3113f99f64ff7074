/**
 * Workers for plugins, without Deno's worker options. A Worker from a `blob:` URL needs no
 * permission and inherits the plugin's (NOTES-SANDBOX.md, "Workers"); one asking for its own
 * permissions (`{deno: {permissions: ...}}`) makes Deno end the whole process with exit 70
 * ("unstable API" without --unstable-worker-options), a crash that named no attempt and that any
 * chat user could repeat. The runner, evaluated before plugin code, replaces `Worker` so that
 * such a worker is refused with an error the plugin can catch, and reported once (a tripwire).
 *
 * Plugin code could reach the original class through an instance (`worker.constructor`), so the
 * prototype's `constructor` is pointed at the guard and frozen too.
 */
import { tripwire } from "./_tripwire.ts";

export function guardWorkers(): void {
  const Original = globalThis.Worker;
  if (typeof Original !== "function") return;
  const construct = Reflect.construct;
  function Worker(this: unknown, specifier: string | URL, options?: WorkerOptions) {
    if (new.target === undefined) throw new TypeError("Worker must be called with new");
    // Each option read once: a getter cannot answer differently to this check and to Deno.
    let type: unknown;
    let name: unknown;
    let deno: unknown;
    if (options !== undefined && options !== null) {
      ({ type, name, deno } = options as WorkerOptions & { deno?: unknown });
    }
    if (deno !== undefined) {
      tripwire("worker-permissions", "a Worker with Deno options (its own permissions)");
      throw new Deno.errors.NotCapable(
        "Workers of a plugin cannot take Deno options: they run with the plugin's permissions",
      );
    }
    const safe: WorkerOptions = {};
    if (type !== undefined) safe.type = type as "classic" | "module";
    if (name !== undefined) safe.name = String(name);
    return construct(Original, [specifier, safe], Original);
  }
  Object.defineProperty(Worker, "prototype", { value: Original.prototype, writable: false });
  Object.defineProperty(Original.prototype, "constructor", {
    value: Worker,
    writable: false,
    configurable: false,
  });
  Object.defineProperty(globalThis, "Worker", {
    value: Worker,
    writable: false,
    configurable: false,
  });
}
