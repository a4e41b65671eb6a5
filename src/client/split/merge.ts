import { ApiResponse } from "../../decode/response.ts";
import { type Labels, type MatrixData, type NativeHistogram, RangeSeries } from "../../decode/types.ts";

/** One series' parts, piece by piece, until they are joined. */
interface SeriesParts {
  metric: Labels;
  /** The labels in name order: the series' key, and what Prometheus sorts by. */
  pairs: Array<[string, string]>;
  timestamps: Float64Array[];
  values: Float64Array[];
  histogramTimes: Float64Array[];
  histograms: NativeHistogram[][];
}

/**
 * Joins the answers of a split range, given in time order, into the one matrix the whole range
 * would give: each series' columns end to end (pieces share no point), its native histograms
 * likewise; a label set sent twice in one answer stays two series. A series that only some pieces have is placed where Prometheus sorts it (by label
 * set); when every series is in the first piece the server's order is kept. Warnings and infos
 * are each piece's, once each; `stats` is per piece and dropped. `cached` only when every piece
 * came from the cache, with the oldest piece's age.
 */
export function joinPieces(answers: ReadonlyArray<ApiResponse<MatrixData>>): ApiResponse<MatrixData> {
  const byLabels = new Map<string, SeriesParts>();
  let lateSeries = false;
  answers.forEach((answer, piece) => {
    // A label set a server sends twice in one answer (a proxy merging replicas without dedup) is
    // two series: its n-th time in a piece joins its n-th time in the others.
    const seen = new Map<string, number>();
    for (const series of answer.data.result) {
      const pairs = sortedPairs(series.metric);
      const labels = JSON.stringify(pairs);
      const nth = seen.get(labels) ?? 0;
      seen.set(labels, nth + 1);
      const key = `${nth}\u0000${labels}`;
      let parts = byLabels.get(key);
      if (parts === undefined) {
        parts = {
          metric: series.metric,
          pairs,
          timestamps: [],
          values: [],
          histogramTimes: [],
          histograms: [],
        };
        byLabels.set(key, parts);
        if (piece > 0) lateSeries = true;
      }
      parts.timestamps.push(series.timestamps);
      parts.values.push(series.values);
      if (series.histograms) {
        parts.histogramTimes.push(series.histograms.timestamps);
        parts.histograms.push(series.histograms.histograms);
      }
    }
  });
  const all = [...byLabels.values()];
  if (lateSeries) all.sort((a, b) => compareLabelSets(a.pairs, b.pairs));
  const result = all.map(joinSeries);
  const cachedAll = answers.every((a) => a.cached);
  const ageMs = Math.max(...answers.map((a) => a.ageMs ?? 0));
  return new ApiResponse<MatrixData>(
    { resultType: "matrix", result },
    unique(answers.flatMap((a) => a.warnings)),
    unique(answers.flatMap((a) => a.infos)),
    cachedAll ? { ageMs } : undefined,
  );
}

function joinSeries(parts: SeriesParts): RangeSeries {
  const histograms =
    parts.histograms.length > 0
      ? { timestamps: concat(parts.histogramTimes), histograms: parts.histograms.flat() }
      : undefined;
  return new RangeSeries(parts.metric, concat(parts.timestamps), concat(parts.values), histograms);
}

/** The columns end to end; a single part is kept as it is (no copy). */
function concat(parts: Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function unique(notes: string[]): string[] {
  return [...new Set(notes)];
}

/** The labels in name order: a key that does not depend on the order they were sent in. */
function sortedPairs(metric: Labels): Array<[string, string]> {
  return Object.entries(metric).sort(([a], [b]) => compareCodePoints(a, b));
}

/**
 * Prometheus' order of label sets (Go's `labels.Compare`): label by label in name order, name
 * then value, a set that is a prefix of another first.
 */
function compareLabelSets(x: Array<[string, string]>, y: Array<[string, string]>): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [[xn, xv], [yn, yv]] = [x[i]!, y[i]!];
    const order = compareCodePoints(xn, yn) || compareCodePoints(xv, yv);
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

/**
 * Go compares strings byte by byte (UTF-8), which is code point order; JavaScript's `<`
 * compares UTF-16 units, which puts U+E000–U+FFFF after the surrogate pairs of higher planes.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Surrogates (U+D800–U+DFFF) moved above U+FFFF's units, the rest kept in order. */
function codePointRank(unit: number): number {
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit;
}
