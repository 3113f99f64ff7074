/**
 * The worker thread of scripts/_component_thread.ts: starts the components it is sent (by key,
 * from app/components.ts) each on its own bus, with the config dev loaded, and posts their log
 * lines back for dev's logger to write. One "start", then one "stop".
 */
/// <reference lib="deno.worker" />
import {
  EventBus,
  LOG_LEVELS,
  type LogFields,
  type Logger,
  type LogLevel,
  type RunningComponent,
  safeJson,
} from "@quicksilver/core";
import { COMPONENTS, loadConfig } from "../app/mod.ts";
import { componentKey, startComponent } from "./_assembly.ts";
import type {
  ComponentThreadReport,
  ComponentThreadStart,
  ComponentThreadStop,
} from "./_component_thread.ts";

function report(message: ComponentThreadReport): void {
  self.postMessage(message);
}

/** A logger whose lines dev writes: level, message and fields cross to dev's thread. */
function postingLogger(level: LogLevel, base: LogFields = {}): Logger {
  const threshold = LOG_LEVELS[level];
  const emit = (level: Exclude<LogLevel, "silent">, message: string, fields?: LogFields) => {
    if (LOG_LEVELS[level] < threshold) return;
    const all = { ...base, ...fields };
    try {
      report({ type: "log", level, message, fields: all });
    } catch {
      // A field structured clone cannot copy (a function, a class with private state): sent as
      // its JSON, which is what the JSON log line would have shown of it anyway.
      const copy: unknown = JSON.parse(safeJson(all));
      report({
        type: "log",
        level,
        message,
        fields: typeof copy === "object" ? copy as LogFields : {},
      });
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => postingLogger(level, { ...base, ...fields }),
  };
}

const started: { name: string; running: RunningComponent; bus: EventBus }[] = [];

async function stopAll(log: Logger): Promise<void> {
  // The lines dev writes when one of its own components or connections does not stop.
  for (const { name, running, bus } of started.splice(0).reverse()) {
    await running.close().catch((error) =>
      log.warn(`${name} did not stop cleanly`, { error: String(error) })
    );
    await bus.drain().catch((error) =>
      log.warn(`${bus.name} connection did not stop cleanly`, { error: String(error) })
    );
  }
}

async function start(order: ComponentThreadStart, log: Logger): Promise<string[]> {
  const config = await loadConfig(order.configFile, { baseDir: order.home });
  const notices: string[] = [];
  for (const key of order.keys) {
    const component = COMPONENTS.find((component) => componentKey(component) === key);
    const creds = order.creds[key];
    if (!component || creds === undefined) throw new Error(`no component ${key} to start`);
    const bus = await EventBus.connect({
      servers: order.nats.url,
      name: component.role().name,
      creds,
      ...(order.nats.tls ? { tls: order.nats.tls } : {}),
      logger: log,
      connectTimeoutMs: 10_000,
    });
    try {
      const running = await startComponent(component, bus, config, order.dirs, log);
      started.push({ name: component.name, running, bus });
      if (running.notice) notices.push(running.notice);
    } catch (error) {
      await bus.drain().catch(() => undefined);
      throw error;
    }
  }
  return notices;
}

let log: Logger | undefined;
self.onmessage = async (event: MessageEvent<ComponentThreadStart | ComponentThreadStop>) => {
  const order = event.data;
  if (order.type === "start") {
    log = postingLogger(order.logLevel);
    try {
      report({ type: "started", notices: await start(order, log) });
    } catch (error) {
      await stopAll(log);
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      report({ type: "failed", name, message });
    }
  } else {
    await stopAll(log ?? postingLogger("silent"));
    report({ type: "stopped" });
  }
};
