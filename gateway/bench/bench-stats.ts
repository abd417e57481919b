/**
 * The arithmetic of the gateway benchmark: percentiles, medians, ratios, the rate-step verdict
 * and the comparison table. Pure, so it is tested without a stack (gateway/test/unit).
 */

/** The nearest-rank percentile of values sorted ascending; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export type LatencySummary = { p50: number; p95: number; p99: number; count: number };

export function summarizeLatencies(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    count: sorted.length,
  };
}

/** The median of the finite values (mean of the middle two for an even count); NaN if none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** a / b, NaN when either is missing or b is zero. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}

/** One step of the rate search: what was offered, what happened. */
export type RateStep = {
  /** Offered messages per second. */
  rate: number;
  /** Messages per second the load generator actually sent during the step. */
  sentRate: number;
  /** Sends acknowledged with ok. */
  accepted: number;
  /** Sends refused or never acknowledged. */
  refused: number;
  /** Deliveries expected (accepted x room size) and received before the drain deadline. */
  expected: number;
  delivered: number;
  p99: number;
};

/**
 * A step holds when the offered rate was really sent (at least 95%, else the load generator
 * was the limit, not the server), every send was accepted, every delivery arrived and the
 * send-to-receipt p99 stayed under the limit.
 */
export function stepHolds(step: RateStep, p99LimitMs: number): boolean {
  return (
    step.sentRate >= 0.95 * step.rate &&
    step.refused === 0 &&
    step.delivered >= step.expected &&
    step.p99 < p99LimitMs
  );
}

/** Why a step did not hold, for the per-run line; undefined when it held. */
export function stepFailure(step: RateStep, p99LimitMs: number): string | undefined {
  if (step.sentRate < 0.95 * step.rate) return 'load generator could not send the rate';
  if (step.refused > 0) return `${step.refused} sends refused or unanswered`;
  if (step.delivered < step.expected) return `${step.expected - step.delivered} deliveries missing`;
  if (!(step.p99 < p99LimitMs)) return `p99 ${step.p99.toFixed(0)} ms`;
  return undefined;
}

export type RateVerdict = {
  /** The highest offered rate that held, with every lower step holding too; 0 if none did. */
  rate: number;
  /** Every step held: the real limit lies above the highest step tried. */
  atLeast: boolean;
  /** The generator could not send the rate of the first failing step (so the limit is not the server's). */
  generatorBound: boolean;
};

/** The highest rate per node: steps are run in ascending order and the search stops at the first miss. */
export function highestHeldRate(steps: readonly RateStep[], p99LimitMs: number): RateVerdict {
  let rate = 0;
  for (const step of steps) {
    if (!stepHolds(step, p99LimitMs)) {
      return { rate, atLeast: false, generatorBound: step.sentRate < 0.95 * step.rate };
    }
    rate = step.rate;
  }
  return { rate, atLeast: steps.length > 0, generatorBound: false };
}

/** A figure for the table: 1,234 with `digits` decimals; "n/a" for NaN. */
export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a';
}

/** A Markdown table with padded columns (readable in a terminal, pasteable in a README). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}
