/**
 * Text output of the demo: a table per fan-out and a sparkline per cluster for range queries.
 * Nothing here is promfleet API; it only reads the per-cluster results a fan-out returns.
 */
import type { ClusterResult, QueryData } from "../../src/index.ts";

const BARS = "▁▂▃▄▅▆▇█";

/** Legend printed under a range table. */
export const SPARKLINE_LEGEND =
  "sparkline: ▁…█ low to high (outliers clipped to the ends), ↑ +Inf, ↓ -Inf, · NaN, blank: no sample";

/** A number for people: NaN and ±Inf as Prometheus writes them, big and tiny ones in exponent form. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e6 || magnitude < 1e-3)) return value.toExponential(2);
  return String(Number(value.toFixed(2)));
}

/** The value at quantile `q` (0..1) of sorted `values`, interpolated. */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const below = sorted[Math.floor(at)] ?? 0;
  const above = sorted[Math.ceil(at)] ?? below;
  return below + (above - below) * (at - Math.floor(at));
}

/**
 * One character per step from `start` to `end`: the sample at that step scaled to ▁…█. The scale spans
 * the finite values inside Tukey's fences (1.5 interquartile ranges beyond the quartiles), so a single
 * 6e23 among temperatures does not flatten every other bar; values beyond the fences are drawn at the
 * ends. ±Inf and NaN have their own marks, and a step without a sample stays blank.
 */
export function sparkline(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  range: { start: number; end: number; step: number },
): string {
  const width = Math.floor((range.end - range.start) / range.step) + 1;
  const finite = Array.from(values)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const q1 = quantile(finite, 0.25);
  const q3 = quantile(finite, 0.75);
  const low = Math.max(finite[0] ?? 0, q1 - 1.5 * (q3 - q1));
  const high = Math.min(finite.at(-1) ?? 0, q3 + 1.5 * (q3 - q1));
  const cells = new Array<string>(width).fill(" ");
  for (let i = 0; i < values.length; i++) {
    const slot = Math.round(((timestamps[i] ?? 0) - range.start) / range.step);
    const v = values[i] ?? Number.NaN;
    if (slot < 0 || slot >= width) continue;
    if (Number.isNaN(v)) cells[slot] = "·";
    else if (v === Number.POSITIVE_INFINITY) cells[slot] = "↑";
    else if (v === Number.NEGATIVE_INFINITY) cells[slot] = "↓";
    else if (high <= low) cells[slot] = BARS[3] ?? "";
    else {
      const level = Math.round(((Math.min(high, Math.max(low, v)) - low) / (high - low)) * (BARS.length - 1));
      cells[slot] = BARS[level] ?? "";
    }
  }
  return cells.join("");
}

/** Pads every column to its widest cell; the `right` columns are right-aligned (numbers). */
export function table(rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (right.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `  ${line}`)
    .join("\n");
}

/** The columns every fan-out table starts with: cluster, status, latency, cached. */
function head(r: ClusterResult<unknown>): string[] {
  return [r.cluster, r.status, `${Math.round(r.latencyMs)} ms`, r.cached ? "yes" : "no"];
}

/** Why a cluster has no value: its error's class and message. */
function failure(r: ClusterResult<unknown>): string {
  return r.error ? `${r.error.name}: ${r.error.message}` : r.status;
}

/** The table of an instant fan-out: the first sample's value per cluster (and how many more). */
export function instantTable(results: Iterable<ClusterResult<{ data: QueryData }>>): string {
  const rows = [["cluster", "status", "latency", "cached", "value"]];
  for (const r of results) {
    let value = failure(r);
    if (r.value) {
      const { data } = r.value;
      if (data.resultType === "vector") {
        const [first, ...rest] = data.result;
        value = first ? formatNumber(first.value) : "(no series)";
        if (rest.length > 0) value += ` (+${rest.length} series)`;
      } else if (data.resultType === "scalar") value = formatNumber(data.result.value);
      else value = `(${data.resultType})`;
    }
    rows.push([...head(r), value]);
  }
  return table(rows, new Set([2]));
}

/** The table of a range fan-out: points, last value and a sparkline of the first series per cluster. */
export function rangeTable(
  results: Iterable<ClusterResult<{ data: QueryData }>>,
  range: { start: number; end: number; step: number },
): string {
  const rows = [["cluster", "status", "latency", "cached", "points", "last", "sparkline"]];
  for (const r of results) {
    const data = r.value?.data;
    if (data?.resultType !== "matrix") {
      rows.push([...head(r), "", "", data ? `(${data.resultType})` : failure(r)]);
      continue;
    }
    const [first, ...rest] = data.result;
    if (!first) {
      rows.push([...head(r), "0", "", "(no series)"]);
      continue;
    }
    const more = rest.length > 0 ? ` (+${rest.length} series)` : "";
    const last = first.values.length > 0 ? formatNumber(first.values[first.values.length - 1] ?? 0) : "";
    const line = sparkline(first.timestamps, first.values, range);
    rows.push([...head(r), String(first.values.length), last, `${line}${more}`]);
  }
  return table(rows, new Set([2, 4]));
}
