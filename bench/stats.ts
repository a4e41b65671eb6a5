/** Small statistics and formatting helpers for the benchmark's tables. */

/** The q-quantile (0..1) of `xs` by nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Median (nearest rank, lower middle). */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Milliseconds with a precision that suits their size. */
export function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** A markdown table row. */
export function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(" | ")} |`;
}
