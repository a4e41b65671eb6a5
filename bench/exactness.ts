/**
 * Exactness, checked inside the benchmark: promfleet's samples against `JSON.parse` of the same
 * bytes with correct special floats, bit for bit (`Object.is`), and a look at the peer's.
 */

import { scanQuery } from "../src/decode/scanQuery.ts";
import type { ApiResponse, InstantSample, QueryData, RangeSeries } from "../src/index.ts";

/** The correct float of a Prometheus value string ("+Inf" is not what `Number` or `parseFloat` think). */
function wireFloat(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** One series as `JSON.parse` gives it. */
export type WireSeries = {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
};

/** The `result` of a body through plain `JSON.parse`: the reference every check compares with. */
export function wireResult(bytes: Uint8Array): WireSeries[] {
  return (JSON.parse(new TextDecoder().decode(bytes)) as { data: { result: WireSeries[] } }).data.result;
}

/** Compares promfleet's result with the reference; returns a list of differences (empty when exact). */
export function checkPromfleet(
  bytes: Uint8Array,
  wire: WireSeries[],
  response: ApiResponse<QueryData>,
): string[] {
  const problems: string[] = [];
  // Matrices must take the scanner (else the figures measure the fallback); vectors take the
  // JSON.parse path by design (see src/decode/scanQuery.ts).
  const scanned = scanQuery(bytes);
  if (response.data.resultType === "matrix" && !scanned.ok) {
    problems.push(`the fast path gave up (${scanned.reason}): measured the fallback`);
  }
  const result = response.data.result as (RangeSeries | InstantSample)[];
  if (result.length !== wire.length) return [...problems, `${result.length} series, expected ${wire.length}`];
  let samples = 0;
  wire.forEach((w, s) => {
    const got = result[s]!;
    if (JSON.stringify(got.metric) !== JSON.stringify(w.metric)) problems.push(`series ${s}: labels differ`);
    const pairs = w.values ?? (w.value ? [w.value] : []);
    const times = "timestamps" in got ? got.timestamps : [got.timestamp];
    const values = "timestamps" in got ? got.values : [got.value];
    if (times.length !== pairs.length)
      problems.push(`series ${s}: ${times.length} samples, expected ${pairs.length}`);
    pairs.forEach(([t, v], i) => {
      samples++;
      if (!Object.is(times[i], t) || !Object.is(values[i], wireFloat(v))) {
        if (problems.length < 5)
          problems.push(`series ${s} sample ${i}: [${times[i]}, ${values[i]}] ≠ [${t}, "${v}"]`);
      }
    });
  });
  if (samples === 0) problems.push("no samples compared");
  return problems;
}

/** How the peer's samples differ from the wire: counts by kind (e.g. "+Inf → NaN"). */
export function describePeer(wire: WireSeries[], result: { result: unknown[] }): string {
  const counts = new Map<string, number>();
  const note = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
  wire.forEach((w, s) => {
    const got = result.result[s] as {
      values?: { time: Date; value: number }[];
      value?: { time: Date; value: number };
    };
    const pairs = w.values ?? (w.value ? [w.value] : []);
    const samples = got.values ?? (got.value ? [got.value] : []);
    pairs.forEach(([t, v], i) => {
      const sample = samples[i];
      if (!sample) {
        note("missing");
        return;
      }
      const want = wireFloat(v);
      if (!Object.is(sample.value, want)) {
        note(Number.isFinite(want) ? "finite value differs" : `"${v}" → ${sample.value}`);
      }
      if (sample.time.getTime() !== Math.round(t * 1000)) note("time");
    });
  });
  return counts.size === 0 ? "exact" : [...counts].map(([k, n]) => `${k} ×${n}`).join(", ");
}
