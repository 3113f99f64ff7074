/** Percentiles and a latency histogram as a standalone SVG a person can open in a browser. */

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return {
    count: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1) ?? 0),
    mean: round(mean),
  };
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"];

/**
 * Log-scaled histogram of several latency series (ms) on one chart: bars per series, one
 * colour each, with p50/p99 in the legend.
 */
export function latencyHistogramSvg(series: { name: string; samples: number[] }[]): string {
  const width = 900, height = 420, left = 60, bottom = 50, top = 40, right = 20;
  const all = series.flatMap((s) => s.samples).filter((v) => v > 0);
  const lo = Math.log10(Math.max(0.01, Math.min(...all)));
  const hi = Math.log10(Math.max(...all) * 1.05);
  const bins = 60;
  const binOf = (v: number) =>
    Math.min(
      bins - 1,
      Math.max(0, Math.floor(((Math.log10(Math.max(v, 1e-3)) - lo) / (hi - lo)) * bins)),
    );
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s.samples) c[binOf(v)]!++;
    return c.map((n) => n / Math.max(1, s.samples.length));
  });
  const maxShare = Math.max(...counts.flat(), 0.01);
  const plotW = width - left - right, plotH = height - top - bottom;
  const barW = plotW / bins / series.length;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${
      width / 2
    }" y="20" text-anchor="middle" font-size="15">Latency histogram (share of samples per bin, log-scaled ms)</text>`,
  );
  counts.forEach((c, si) => {
    c.forEach((share, bi) => {
      if (share === 0) return;
      // Bars use the lower 75 % of the plot so the legend above them never hides one.
      const h = (share / maxShare) * plotH * 0.75;
      const x = left + (bi * series.length + si) * barW;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${
          barW.toFixed(2)
        }" height="${h.toFixed(1)}" fill="${COLOURS[si % COLOURS.length]}"/>`,
      );
    });
  });
  for (let d = Math.floor(lo); d <= Math.floor(hi); d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      const lv = Math.log10(v);
      if (lv < lo || lv > hi) continue;
      const x = left + ((lv - lo) / (hi - lo)) * plotW;
      parts.push(
        `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${top + plotH}" y2="${
          top + plotH + 5
        }" stroke="black"/>`,
        `<text x="${x.toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle">${
          v >= 1 ? v : v.toPrecision(1)
        }</text>`,
      );
    }
  }
  parts.push(
    `<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${
      top + plotH
    }" stroke="black"/>`,
    `<text x="${left + plotW / 2}" y="${height - 10}" text-anchor="middle">milliseconds</text>`,
  );
  parts.push(
    `<rect x="${left + 4}" y="${top}" width="${plotW * 0.8}" height="${
      series.length * 18 + 8
    }" fill="white" fill-opacity="0.85"/>`,
  );
  series.forEach((s, si) => {
    const sum = summarize(s.samples);
    parts.push(
      `<rect x="${left + 10}" y="${top + 5 + si * 18}" width="12" height="12" fill="${
        COLOURS[si % COLOURS.length]
      }"/>`,
      `<text x="${left + 28}" y="${top + 15 + si * 18}">${
        escapeXml(s.name)
      }: n=${sum.count} p50=${sum.p50} p99=${sum.p99} max=${sum.max} ms</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"]/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!,
  );
}
