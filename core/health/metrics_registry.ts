/**
 * A small metrics registry: counters, gauges and fixed-bucket histograms with labels. Each
 * component keeps one and publishes its snapshot on `rosey.monitoring.metrics`, where a status
 * service can render all snapshots as Prometheus text. Recording is a map lookup and an add:
 * cheap enough for the command hot path.
 */
import { z } from "zod";

export type Labels = Record<string, string>;

/** Latency buckets in ms: sub-millisecond resolution where NATS hops live, up to 10 s. */
export const LATENCY_BUCKETS_MS = [
  0.25,
  0.5,
  1,
  2,
  5,
  10,
  25,
  50,
  100,
  250,
  500,
  1000,
  2500,
  5000,
  10000,
] as const;

const SampleSchema = z.object({ labels: z.record(z.string(), z.string()), value: z.number() });
const HistogramSampleSchema = z.object({
  labels: z.record(z.string(), z.string()),
  buckets: z.array(z.number()),
  counts: z.array(z.number()),
  sum: z.number(),
  count: z.number(),
});

export const MetricSnapshotSchema = z.discriminatedUnion("type", [
  z.object({
    name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/),
    help: z.string(),
    type: z.enum(["counter", "gauge"]),
    samples: z.array(SampleSchema),
  }),
  z.object({
    name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/),
    help: z.string(),
    type: z.literal("histogram"),
    samples: z.array(HistogramSampleSchema),
  }),
]);
export type MetricSnapshot = z.infer<typeof MetricSnapshotSchema>;

function keyOf(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  return keys.sort().map((k) => `${k}=${labels[k]}`).join(",");
}

interface Series<V> {
  labels: Labels;
  value: V;
}

interface HistogramValue {
  counts: number[];
  sum: number;
  count: number;
}

export class Counter {
  readonly #series = new Map<string, Series<number>>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const series = this.#series.get(key);
    if (series) series.value += by;
    else this.#series.set(key, { labels, value: by });
  }
  get(labels: Labels = {}): number {
    return this.#series.get(keyOf(labels))?.value ?? 0;
  }
  snapshot(): MetricSnapshot {
    return {
      name: this.name,
      help: this.help,
      type: "counter",
      samples: [...this.#series.values()].map((s) => ({ labels: s.labels, value: s.value })),
    };
  }
}

export class Gauge {
  readonly #series = new Map<string, Series<number>>();
  constructor(readonly name: string, readonly help: string) {}
  set(value: number, labels: Labels = {}): void {
    this.#series.set(keyOf(labels), { labels, value });
  }
  get(labels: Labels = {}): number {
    return this.#series.get(keyOf(labels))?.value ?? 0;
  }
  /** Drops every series (for gauges rebuilt from scratch, like per-plugin state). */
  reset(): void {
    this.#series.clear();
  }
  snapshot(): MetricSnapshot {
    return {
      name: this.name,
      help: this.help,
      type: "gauge",
      samples: [...this.#series.values()].map((s) => ({ labels: s.labels, value: s.value })),
    };
  }
}

export class Histogram {
  readonly #series = new Map<string, Series<HistogramValue>>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = LATENCY_BUCKETS_MS,
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const key = keyOf(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = {
        labels,
        value: { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 },
      };
      this.#series.set(key, series);
    }
    const v = series.value;
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= this.buckets[i]!) {
        v.counts[i]!++;
        break;
      }
    }
    v.sum += value;
    v.count++;
  }
  snapshot(): MetricSnapshot {
    return {
      name: this.name,
      help: this.help,
      type: "histogram",
      samples: [...this.#series.values()].map((s) => ({
        labels: s.labels,
        buckets: [...this.buckets],
        counts: [...s.value.counts],
        sum: s.value.sum,
        count: s.value.count,
      })),
    };
  }
}

/** One component's metrics. Names are prefixed `quicksilver_` when rendered. */
export class MetricsRegistry {
  readonly #metrics = new Map<string, Counter | Gauge | Histogram>();

  counter(name: string, help: string): Counter {
    return this.#get(name, () => new Counter(name, help), Counter);
  }
  gauge(name: string, help: string): Gauge {
    return this.#get(name, () => new Gauge(name, help), Gauge);
  }
  histogram(name: string, help: string, buckets?: readonly number[]): Histogram {
    return this.#get(name, () => new Histogram(name, help, buckets), Histogram);
  }

  #get<M extends Counter | Gauge | Histogram>(
    name: string,
    create: () => M,
    // deno-lint-ignore no-explicit-any -- any constructor of the three metric classes
    kind: new (...args: any[]) => M,
  ): M {
    const existing = this.#metrics.get(name);
    if (existing) {
      if (!(existing instanceof kind)) {
        throw new TypeError(`metric ${name} already exists as another type`);
      }
      return existing;
    }
    const metric = create();
    this.#metrics.set(name, metric);
    return metric;
  }

  snapshot(): MetricSnapshot[] {
    return [...this.#metrics.values()].map((m) => m.snapshot());
  }
}
