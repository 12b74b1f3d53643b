/**
 * Small SVG chart writer for bench/RESULTS.md: line charts on log-log axes (time vs size,
 * time vs parties) and grouped bar charts on a log value axis (LAN vs WAN). No dependencies;
 * output is a standalone SVG 1.1 document that browsers, GitHub and rsvg render alike.
 * Every data point is one `<circle class="pt">` (or `<rect class="bar">`) with a <title>
 * giving its exact value, so a reader can hover for numbers.
 */

/** One line of a chart. */
export interface Series {
  label: string;
  points: ReadonlyArray<readonly [number, number]>;
}

/** Options shared by the chart kinds. */
export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Logarithmic x axis (line charts; default true). */
  logX?: boolean;
  /** Logarithmic y axis (default true). */
  logY?: boolean;
  /** Format a y value for tick labels and tooltips (default: compact number). */
  formatY?: (v: number) => string;
  formatX?: (v: number) => string;
  /** Explicit x ticks (e.g. the party counts measured) instead of decades. */
  xTicks?: number[];
}

/** One group of bars (e.g. a benchmark), one bar per variant (e.g. network profile). */
export interface BarGroup {
  label: string;
  bars: ReadonlyArray<{ label: string; value: number }>;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const MARGIN = { left: 78, right: 20, top: 40, bottom: 58 };

/** Escape text for SVG content and attributes. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Compact number: 0.0012 → "1.2m", 25000 → "25k", 3 → "3". */
export function compact(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  const units: Array<[number, string]> = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'µ']];
  for (const [u, s] of units) {
    if (a >= u * 0.9995) return `${trim(v / u)}${s}`;
  }
  return v.toExponential(1);
}

function trim(x: number): string {
  const r = Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
  return r.includes('.') ? r.replace(/\.?0+$/, '') : r;
}

interface Axis {
  min: number;
  max: number;
  log: boolean;
  ticks: number[];
}

/** An axis covering [lo, hi] with readable ticks: powers of 10 (plus 2 and 5 on short log ranges). */
function makeAxis(lo: number, hi: number, log: boolean): Axis {
  if (log) {
    if (!(lo > 0)) throw new RangeError(`chart: log axis needs positive values, got ${lo}`);
    const a = Math.floor(Math.log10(lo));
    let b = Math.ceil(Math.log10(hi));
    if (a === b) b += 1;
    const ticks: number[] = [];
    const mult = b - a <= 2 ? [1, 2, 5] : b - a <= 4 ? [1, 3] : [1];
    for (let e = a; e <= b; e++) for (const m of mult) ticks.push(m * 10 ** e);
    // Trim to the ticks that bracket the data, so short ranges are not squeezed into a corner.
    const min = Math.max(...ticks.filter((t) => t <= lo * (1 + 1e-9)));
    const max = Math.min(...ticks.filter((t) => t >= hi * (1 - 1e-9)));
    return { min, max: max > min ? max : min * 10, log, ticks: ticks.filter((t) => t >= min && t <= max) };
  }
  const low = Math.min(0, lo);
  let high = hi > low ? hi : low + 1;
  const step0 = 10 ** Math.floor(Math.log10((high - low) / 5));
  const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => (high - low) / s <= 6)!;
  high = Math.ceil(high / step) * step;
  const ticks: number[] = [];
  for (let t = Math.floor(low / step) * step; t <= high + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { min: ticks[0]!, max: high, log, ticks };
}

function scale(axis: Axis, v: number, from: number, to: number): number {
  const f = axis.log ? (Math.log10(v) - Math.log10(axis.min)) / (Math.log10(axis.max) - Math.log10(axis.min)) : (v - axis.min) / (axis.max - axis.min);
  return from + f * (to - from);
}

function frame(o: ChartOptions, w: number, h: number, body: string[], yAxis: Axis, fy: (v: number) => string): string[] {
  const x0 = MARGIN.left;
  const x1 = w - MARGIN.right;
  const y0 = h - MARGIN.bottom;
  const y1 = MARGIN.top;
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${xmlEscape(o.title)}</title>`,
    `<rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>`,
    `<text x="${w / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${xmlEscape(o.title)}</text>`,
  ];
  for (const t of yAxis.ticks) {
    const y = scale(yAxis, t, y0, y1).toFixed(1);
    out.push(`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${xmlEscape(fy(t))}</text>`);
  }
  out.push(`<text transform="translate(16 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${xmlEscape(o.yLabel)}${yAxis.log ? ' (log scale)' : ''}</text>`);
  out.push(...body);
  out.push(`<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#333"/>`, `<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#333"/>`);
  return out;
}

function legend(labels: string[], w: number): string[] {
  const out: string[] = [];
  let x = MARGIN.left + 10;
  let y = MARGIN.top + 12;
  for (let i = 0; i < labels.length; i++) {
    const width = 26 + labels[i]!.length * 7;
    if (x + width > w - MARGIN.right) {
      x = MARGIN.left + 10;
      y += 16;
    }
    out.push(`<rect x="${x}" y="${y - 8}" width="14" height="10" fill="${COLORS[i % COLORS.length]}"/>`);
    out.push(`<text x="${x + 18}" y="${y}" >${xmlEscape(labels[i]!)}</text>`);
    x += width;
  }
  return [`<g class="legend">`, ...out, `</g>`];
}

/** A line chart, one polyline with point markers per series; log-log by default. */
export function lineChart(series: readonly Series[], o: ChartOptions): string {
  const w = o.width ?? 640;
  const h = o.height ?? 420;
  const logX = o.logX ?? true;
  const logY = o.logY ?? true;
  const fx = o.formatX ?? compact;
  const fy = o.formatY ?? compact;
  const pts = series.flatMap((s) => s.points);
  if (pts.length === 0) throw new RangeError(`chart "${o.title}": no data points`);
  for (const [x, y] of pts) {
    if (!Number.isFinite(x) || !Number.isFinite(y) || (logX && x <= 0) || (logY && y <= 0)) throw new RangeError(`chart "${o.title}": point (${x}, ${y}) cannot be drawn on ${logX ? 'log' : 'linear'}-${logY ? 'log' : 'linear'} axes`);
  }
  const xa = o.xTicks && o.xTicks.length >= 2
    ? { min: Math.min(...o.xTicks, ...pts.map((p) => p[0])), max: Math.max(...o.xTicks, ...pts.map((p) => p[0])), log: logX, ticks: [...o.xTicks] }
    : makeAxis(Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0])), logX);
  // Head room above the data for the legend.
  const ymax = Math.max(...pts.map((p) => p[1]));
  const ya = makeAxis(Math.min(...pts.map((p) => p[1])), logY ? ymax * 3 : ymax * 1.25, logY);
  const x0 = MARGIN.left;
  const x1 = w - MARGIN.right;
  const y0 = h - MARGIN.bottom;
  const y1 = MARGIN.top;
  const body: string[] = [];
  for (const t of xa.ticks) {
    const x = scale(xa, t, x0, x1).toFixed(1);
    body.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y1}" stroke="#f0f0f0"/>`);
    body.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + 5}" stroke="#333"/>`);
    body.push(`<text x="${x}" y="${y0 + 18}" text-anchor="middle">${xmlEscape(fx(t))}</text>`);
  }
  body.push(`<text x="${(x0 + x1) / 2}" y="${h - 14}" text-anchor="middle">${xmlEscape(o.xLabel)}${logX ? ' (log scale)' : ''}</text>`);
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const xy = [...s.points].sort((a, b) => a[0] - b[0]).map(([x, y]) => [scale(xa, x, x0, x1), scale(ya, y, y0, y1), x, y] as const);
    body.push(`<g class="series" data-label="${xmlEscape(s.label)}">`);
    if (xy.length > 1) body.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${xy.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`);
    for (const [px, py, x, y] of xy) {
      body.push(`<circle class="pt" cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3.5" fill="${c}"><title>${xmlEscape(`${s.label}: ${fx(x)} → ${fy(y)}`)}</title></circle>`);
    }
    body.push(`</g>`);
  });
  body.push(...legend(series.map((s) => s.label), w));
  return [...frame(o, w, h, body, ya, fy), `</svg>`, ''].join('\n');
}

/** Grouped bars on a log value axis (default), one group per category, one colour per variant. */
export function barChart(groups: readonly BarGroup[], o: ChartOptions): string {
  const w = o.width ?? 640;
  const h = o.height ?? 420;
  const logY = o.logY ?? true;
  const fy = o.formatY ?? compact;
  const vals = groups.flatMap((g) => g.bars.map((b) => b.value));
  if (vals.length === 0) throw new RangeError(`chart "${o.title}": no bars`);
  for (const v of vals) if (!Number.isFinite(v) || (logY && v <= 0) || v < 0) throw new RangeError(`chart "${o.title}": bar value ${v} cannot be drawn`);
  const variants = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.label)))];
  const ya = makeAxis(Math.min(...vals), logY ? Math.max(...vals) * 3 : Math.max(...vals) * 1.25, logY);
  const x0 = MARGIN.left;
  const x1 = w - MARGIN.right;
  const y0 = h - MARGIN.bottom;
  const y1 = MARGIN.top;
  const gw = (x1 - x0) / groups.length;
  const bw = Math.min(40, (gw * 0.8) / Math.max(1, variants.length));
  const body: string[] = [];
  groups.forEach((g, gi) => {
    const gx = x0 + gi * gw + (gw - bw * variants.length) / 2;
    body.push(`<text x="${(x0 + gi * gw + gw / 2).toFixed(1)}" y="${y0 + 18}" text-anchor="middle">${xmlEscape(g.label)}</text>`);
    for (const b of g.bars) {
      const vi = variants.indexOf(b.label);
      const top = scale(ya, b.value, y0, y1);
      const x = gx + vi * bw;
      body.push(`<rect class="bar" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(y0 - top).toFixed(1)}" fill="${COLORS[vi % COLORS.length]}"><title>${xmlEscape(`${g.label}, ${b.label}: ${fy(b.value)}`)}</title></rect>`);
      body.push(`<text x="${(x + bw / 2 - 1).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10">${xmlEscape(fy(b.value))}</text>`);
    }
  });
  body.push(`<text x="${(x0 + x1) / 2}" y="${h - 14}" text-anchor="middle">${xmlEscape(o.xLabel)}</text>`);
  body.push(...legend(variants, w));
  return [...frame(o, w, h, body, ya, fy), `</svg>`, ''].join('\n');
}
