/** Renders metric snapshots (from every component) in the Prometheus text exposition format. */
import type { MetricSnapshot } from "@quicksilver/core";

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

function num(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/**
 * `snapshots` maps a component name to its metrics; each sample gets a `component` label,
 * and metrics of the same name from several components are merged under one HELP/TYPE.
 */
export function renderPrometheus(snapshots: Map<string, MetricSnapshot[]>): string {
  const byName = new Map<string, { help: string; type: string; lines: string[] }>();
  for (const [component, metrics] of snapshots) {
    for (const metric of metrics) {
      const name = `quicksilver_${metric.name}`;
      let entry = byName.get(name);
      if (!entry) {
        entry = { help: metric.help, type: metric.type, lines: [] };
        byName.set(name, entry);
      }
      if (entry.type !== metric.type) continue;
      if (metric.type === "histogram") {
        for (const s of metric.samples) {
          const labels = { component, ...s.labels };
          let cumulative = 0;
          s.buckets.forEach((le, i) => {
            cumulative += s.counts[i] ?? 0;
            entry!.lines.push(
              `${name}_bucket${labelText({ ...labels, le: num(le) })} ${cumulative}`,
            );
          });
          entry.lines.push(`${name}_bucket${labelText({ ...labels, le: "+Inf" })} ${s.count}`);
          entry.lines.push(`${name}_sum${labelText(labels)} ${num(s.sum)}`);
          entry.lines.push(`${name}_count${labelText(labels)} ${s.count}`);
        }
      } else {
        for (const s of metric.samples) {
          entry.lines.push(`${name}${labelText({ component, ...s.labels })} ${num(s.value)}`);
        }
      }
    }
  }
  const out: string[] = [];
  for (const [name, entry] of byName) {
    out.push(`# HELP ${name} ${entry.help.replace(/\n/g, " ")}`, `# TYPE ${name} ${entry.type}`);
    out.push(...entry.lines);
  }
  return out.join("\n") + "\n";
}
