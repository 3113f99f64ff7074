/**
 * `deno task dev`'s side of the components it runs off the core's event loop
 * (`Component.offThread`: the chat log and stats): one Web Worker (scripts/_component_worker.ts)
 * in the same process, its own isolate and event loop on another thread, so that their stream
 * reads (batches handled for milliseconds at a time) no longer delay commands on the core's
 * loop. It dies with the process: nothing to clean up after a crash.
 *
 * The worker is given what dev itself started with (the config file and home, so that it loads
 * the same config; the server URL; the `.creds` text dev minted for each component's role, never
 * the authority's secret; the dirs; the log level) and connects one bus per component as its
 * role. Its log lines come back here and are written by dev's logger, so they are the lines the
 * same components write in-process.
 */
import type { BusTlsFiles, LogFields, Logger, LogLevel } from "@quicksilver/core";

/** dev -> worker: start these components (by `componentKey`). */
export interface ComponentThreadStart {
  type: "start";
  /** `--config` as dev was given it (undefined: `rosey.yaml` in `home` or the defaults). */
  configFile: string | undefined;
  /** dev's `--home`, absolute: the base dir `loadConfig` resolves against. */
  home: string;
  /** `componentKey` of each component to start, in start order. */
  keys: string[];
  nats: { url: string; tls?: BusTlsFiles | undefined };
  /** The `.creds` text of each component's role, by key. */
  creds: Record<string, string>;
  dirs: { logs: string; state: string };
  /** Lines below it are dropped in the worker, not posted. */
  logLevel: LogLevel;
}

/** dev -> worker: close every component, then drain its bus. */
export interface ComponentThreadStop {
  type: "stop";
}

/** worker -> dev. */
export type ComponentThreadReport =
  | { type: "log"; level: Exclude<LogLevel, "silent">; message: string; fields: LogFields }
  | { type: "started"; notices: string[] }
  /** Start-up failed; what was started was stopped again. `name` and `message` of the error. */
  | { type: "failed"; name: string; message: string }
  | { type: "stopped" };

/** Components running in a worker thread. */
export interface ComponentThread {
  /** Each component's `notice`, if any, in start order. */
  notices: string[];
  /** Closes the components (reverse start order) and their buses, then ends the worker. */
  stop(): Promise<void>;
}

/** The error a component threw at start in the worker: same name and message, so same line. */
export class ComponentThreadStartError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * Starts the components `start.keys` names in a new worker; resolves once each runs.
 * Rejects with {@linkcode ComponentThreadStartError} (the component's error name and message)
 * when one fails to start, after the worker stopped the others and was ended.
 */
export function startComponentThread(
  start: Omit<ComponentThreadStart, "type">,
  logger: Logger,
): Promise<ComponentThread> {
  const worker = new Worker(new URL("./_component_worker.ts", import.meta.url), {
    type: "module",
  });
  let stopped: (() => void) | undefined;
  return new Promise<ComponentThread>((resolve, reject) => {
    let running = false;
    worker.addEventListener("error", (event) => {
      // At start (the module did not load, an uncaught throw): dev's start-up fails as it does
      // for a component in-process. Later, the error is left to end the process, as an uncaught
      // error on dev's own loop would.
      if (running) return;
      event.preventDefault();
      worker.terminate();
      reject(new Error(`components worker: ${event.message}`));
    });
    worker.addEventListener("message", (event: MessageEvent<ComponentThreadReport>) => {
      const report = event.data;
      switch (report.type) {
        case "log":
          logger[report.level](report.message, report.fields);
          break;
        case "started":
          running = true;
          resolve({
            notices: report.notices,
            stop: () => {
              const done = new Promise<void>((resolve) => stopped = resolve);
              worker.postMessage({ type: "stop" } satisfies ComponentThreadStop);
              return done.finally(() => worker.terminate());
            },
          });
          break;
        case "failed":
          worker.terminate();
          reject(new ComponentThreadStartError(report.name, report.message));
          break;
        case "stopped":
          stopped?.();
          break;
      }
    });
    worker.postMessage({ type: "start", ...start } satisfies ComponentThreadStart);
  });
}
