/** Small statistics and formatting helpers for the benchmark's tables. */
import { prng } from "./bodies.ts";

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

/**
 * A 95 % interval for `median(xs) / median(base)` by a paired bootstrap: rounds (index `i` of
 * both arrays, timed in the same round) are drawn with replacement, 1,000 times, from a seeded
 * generator. It says how far one run's ratio may be from the one many runs would give.
 */
export function ratioInterval(xs: readonly number[], base: readonly number[]): [number, number] {
  const random = prng(xs.length * 7919 + base.length);
  const n = Math.min(xs.length, base.length);
  const ratios: number[] = [];
  const a: number[] = new Array(n);
  const b: number[] = new Array(n);
  for (let draw = 0; draw < 1000; draw++) {
    for (let i = 0; i < n; i++) {
      const k = Math.floor(random() * n);
      a[i] = xs[k]!;
      b[i] = base[k]!;
    }
    ratios.push(median(a) / median(b));
  }
  return [quantile(ratios, 0.025), quantile(ratios, 0.975)];
}

/** Milliseconds with a precision that suits their size. */
export function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** A markdown table row. */
export function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(" | ")} |`;
}
