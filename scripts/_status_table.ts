/**
 * The text `deno task status` prints: one row per component and plugin, then one line per
 * component that is not ok, with its reason.
 *
 * @module
 */
import { sanitizeChatText } from "../core/mod.ts";
import type { StatusTable } from "../services/monitor/mod.ts";

/**
 * A reason as one plain line: reasons carry others' text (a moderator's kick reason, a
 * plugin's error), which must not steer the operator's terminal.
 */
export function plainLine(text: string): string {
  return sanitizeChatText(text).replaceAll("\n", " ");
}

/** Formats a monitor status table as aligned columns plus the reasons of unhealthy parts. */
export function formatStatusTable(table: StatusTable): string {
  const mb = (bytes?: number) => bytes === undefined ? "-" : `${(bytes / 1048576).toFixed(1)} MB`;
  const duration = (ms?: number) => {
    if (ms === undefined) return "-";
    const s = Math.floor(ms / 1000);
    return s < 60
      ? `${s}s`
      : s < 3600
      ? `${Math.floor(s / 60)}m${s % 60}s`
      : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  };
  const rows: string[][] = [[
    "NAME",
    "KIND",
    "STATE",
    "PID",
    "UPTIME",
    "RESTARTS",
    "CPU",
    "RSS",
    "MESSAGES",
    "VIOLATIONS",
  ]];
  for (const c of table.components) {
    rows.push([
      c.component,
      "core",
      c.state,
      String(c.pid ?? "-"),
      duration(c.uptimeMs),
      "-",
      c.stats.cpuPercent === undefined ? "-" : `${c.stats.cpuPercent.toFixed(1)}%`,
      mb(c.rssBytes),
      String(c.stats.messages ?? "-"),
      String(c.stats.violations ?? "-"),
    ]);
  }
  // Several plugin hosts: one row per replica, named with its host.
  const hosts = new Set(table.plugins.map((p) => p.host).filter((h) => h !== undefined));
  for (const p of table.plugins) {
    rows.push([
      hosts.size > 1 && p.host ? `${p.name}@${p.host}` : p.name,
      "plugin",
      p.state,
      String(p.pid ?? "-"),
      duration(p.startedAt ? table.time - p.startedAt : undefined),
      String(p.restarts),
      p.cpuPercent === undefined ? "-" : `${p.cpuPercent.toFixed(1)}%`,
      mb(p.rssBytes),
      String(p.messages ?? "-"),
      String(p.violations),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));
  // "degraded" alone says nothing an operator can act on: the component's own reason does
  // (e.g. the CyTube connector kicked by a moderator, and that it stays out until restarted).
  for (const c of table.components) {
    if (c.state !== "ok" && c.detail) {
      lines.push(`${c.component} ${c.state}: ${plainLine(c.detail)}`);
    }
  }
  return lines.join("\n");
}
