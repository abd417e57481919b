/**
 * The benchmark's chart as a self-contained SVG (no fonts or scripts fetched): delivery latency
 * p50/p95/p99 per second on top, deliveries per second below, on one time axis.
 */
import type { SecondBucket } from './k6-samples.ts';

const WIDTH = 900;
const PANEL = 240;
const MARGIN = { left: 70, right: 20, top: 40, gap: 60, bottom: 40 };
const COLORS = { p50: '#2b8a3e', p95: '#e67700', p99: '#c92a2a', deliveries: '#1c7ed6' };

export function renderChart(buckets: SecondBucket[], title: string): string {
  const height = MARGIN.top + PANEL + MARGIN.gap + PANEL + MARGIN.bottom;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  // Bucket s covers [s, s + 1): bars fill it, line points sit in its middle.
  const span = Math.max(1, ...buckets.map((b) => b.second + 1));
  const x = (second: number) => MARGIN.left + (second / span) * plotWidth;
  const xTicks = niceTicks(span);

  const latencyTop = MARGIN.top;
  const latencyMax = niceMax(Math.max(1, ...buckets.map((b) => b.p99)));
  const yLatency = (ms: number) => latencyTop + PANEL - (ms / latencyMax) * PANEL;

  const rateTop = MARGIN.top + PANEL + MARGIN.gap;
  const rateMax = niceMax(Math.max(1, ...buckets.map((b) => b.deliveries)));
  const yRate = (n: number) => rateTop + PANEL - (n / rateMax) * PANEL;

  const line = (key: 'p50' | 'p95' | 'p99') =>
    `<polyline fill="none" stroke="${COLORS[key]}" stroke-width="1.5" points="${buckets
      .map((b) => `${x(b.second + 0.5).toFixed(1)},${yLatency(b[key]).toFixed(1)}`)
      .join(' ')}"/>`;
  const barWidth = Math.max(1, plotWidth / span - 1);
  const bars = buckets
    .map(
      (b) =>
        `<rect x="${x(b.second).toFixed(1)}" y="${yRate(b.deliveries).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(rateTop + PANEL - yRate(b.deliveries)).toFixed(1)}" fill="${COLORS.deliveries}"/>`,
    )
    .join('');

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    text(WIDTH / 2, 20, title, 'middle', 'font-size="14" font-weight="bold"'),
    axes(latencyTop, latencyMax, 'latency (ms)', yLatency, x, xTicks, false),
    line('p50'),
    line('p95'),
    line('p99'),
    legend(MARGIN.left + 10, latencyTop + 14),
    axes(rateTop, rateMax, 'deliveries / s', yRate, x, xTicks, true),
    bars,
    `</svg>`,
  ];
  return `${parts.join('\n')}\n`;
}

function axes(
  top: number,
  max: number,
  label: string,
  y: (v: number) => number,
  x: (s: number) => number,
  xTicks: number[],
  withXLabel: boolean,
): string {
  const bottom = top + PANEL;
  const out = [
    `<line x1="${MARGIN.left}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" y1="${top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#333"/>`,
    text(16, top + PANEL / 2, label, 'middle', `transform="rotate(-90 16 ${top + PANEL / 2})"`),
  ];
  for (const v of niceTicks(max)) {
    out.push(
      `<line x1="${MARGIN.left}" y1="${y(v).toFixed(1)}" x2="${WIDTH - MARGIN.right}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`,
      text(MARGIN.left - 6, y(v) + 4, formatNumber(v), 'end'),
    );
  }
  for (const s of xTicks) out.push(text(x(s), bottom + 16, `${s}s`, 'middle'));
  if (withXLabel)
    out.push(
      text(
        MARGIN.left + (WIDTH - MARGIN.left - MARGIN.right) / 2,
        bottom + 34,
        'time since the first sample',
        'middle',
      ),
    );
  return out.join('\n');
}

function legend(left: number, top: number): string {
  return (['p50', 'p95', 'p99'] as const)
    .map(
      (key, i) =>
        `<line x1="${left + i * 70}" y1="${top}" x2="${left + i * 70 + 20}" y2="${top}" stroke="${COLORS[key]}" stroke-width="3"/>` +
        text(left + i * 70 + 25, top + 4, key, 'start'),
    )
    .join('\n');
}

function text(x: number, y: number, content: string, anchor: 'start' | 'middle' | 'end', extra = ''): string {
  const escaped = content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" ${extra}>${escaped}</text>`;
}

/** The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten) >= value. */
export function niceMax(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** About five round ticks from 0 to max. */
export function niceTicks(max: number): number[] {
  const power = 10 ** Math.floor(Math.log10(max / 5));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= max / 5) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step / 1e6; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatNumber(v: number): string {
  return v >= 10_000 ? `${v / 1000}k` : String(v);
}
