// Small hand-written SVG charts (no chart library, nothing from a CDN): a line chart over
// time and a horizontal bar chart. Colours are SVG attributes, which the page's CSP allows.
const SVG = "http://www.w3.org/2000/svg";
export const COLOURS = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626"];

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const label = (value) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

function niceMax(value) {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

/**
 * series: [{ name, points: [[timeMs, value], ...] }]. Returns an <svg class="chart"> with a
 * y axis from 0, the time span on x, and one polyline per series.
 */
export function lineChart(series, { width = 800, height = 220 } = {}) {
  const svg = el("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img" });
  const pad = { left: 44, right: 12, top: 12, bottom: 24 };
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    svg.append(
      el("text", { x: width / 2, y: height / 2, "text-anchor": "middle" }, "no samples yet"),
    );
    return svg;
  }
  const t0 = Math.min(...all.map((p) => p[0]));
  const t1 = Math.max(...all.map((p) => p[0]), t0 + 1);
  const top = niceMax(Math.max(...all.map((p) => p[1])));
  const x = (t) => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - (v / top) * (height - pad.top - pad.bottom);
  for (const fraction of [0, 0.5, 1]) {
    const value = top * fraction;
    svg.append(
      el("line", {
        x1: pad.left,
        x2: width - pad.right,
        y1: y(value),
        y2: y(value),
        stroke: "#e5e7eb",
      }),
      el(
        "text",
        { x: pad.left - 6, y: y(value) + 4, "text-anchor": "end" },
        label(value),
      ),
    );
  }
  const time = (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  svg.append(
    el("text", { x: pad.left, y: height - 6 }, time(t0)),
    el("text", { x: width - pad.right, y: height - 6, "text-anchor": "end" }, time(t1)),
  );
  series.forEach((s, i) => {
    const points = s.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
    svg.append(el("polyline", {
      points,
      fill: "none",
      stroke: COLOURS[i % COLOURS.length],
      "stroke-width": 2,
      "data-series": s.name,
    }));
  });
  return svg;
}

/** items: [{ label, value }], largest first. Returns an <svg class="chart"> of bars. */
export function barChart(items, { width = 800 } = {}) {
  const row = 22;
  const height = Math.max(row * items.length + 8, 40);
  const svg = el("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img" });
  if (items.length === 0) {
    svg.append(
      el("text", { x: width / 2, y: 24, "text-anchor": "middle" }, "nobody has chatted yet"),
    );
    return svg;
  }
  const labelWidth = 140;
  const top = niceMax(Math.max(...items.map((i) => i.value)));
  items.forEach((item, i) => {
    const barWidth = ((width - labelWidth - 60) * item.value) / top;
    const yTop = 4 + i * row;
    svg.append(
      el("text", { x: labelWidth - 8, y: yTop + 15, "text-anchor": "end" }, item.label),
      el("rect", {
        x: labelWidth,
        y: yTop + 3,
        width: Math.max(barWidth, 1),
        height: row - 8,
        fill: COLOURS[0],
      }),
      el("text", { x: labelWidth + barWidth + 6, y: yTop + 15 }, String(item.value)),
    );
  });
  return svg;
}
