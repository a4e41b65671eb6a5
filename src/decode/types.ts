import { formatSampleValue } from "./numbers.ts";

/** A series' labels, `__name__` included. Label names may be any UTF-8 string (Prometheus 3). */
export type Labels = Record<string, string>;

/** One bucket of a native histogram: boundary rule (0–3, see Prometheus' API docs), lower, upper, count. */
export type HistogramBucket = [boundaryRule: number, lower: number, upper: number, count: number];

/** A native histogram sample, numbers decoded from Prometheus' strings. */
export interface NativeHistogram {
  /** Number of observations. */
  count: number;
  /** Sum of the observations. */
  sum: number;
  /** The populated buckets (empty when the server sent none). */
  buckets: HistogramBucket[];
}

/** The wire form of a histogram: numbers as strings. */
function histogramToWire(h: NativeHistogram): Record<string, unknown> {
  const wire: Record<string, unknown> = { count: formatSampleValue(h.count), sum: formatSampleValue(h.sum) };
  if (h.buckets.length > 0) {
    wire.buckets = h.buckets.map(([rule, lower, upper, count]) => [
      rule,
      formatSampleValue(lower),
      formatSampleValue(upper),
      formatSampleValue(count),
    ]);
  }
  return wire;
}

/** One sample of an instant vector. `histogram` is set (and `value` NaN) for native histogram samples. */
export class InstantSample {
  /** The series' labels. */
  metric: Labels;
  /** Unix seconds, fractional (millisecond precision on Prometheus). */
  timestamp: number;
  /** The float value (NaN and ±Infinity included). */
  value: number;
  /** The native histogram, when the sample is one. */
  histogram: NativeHistogram | undefined;

  /** Builds a sample; `histogram` is given for native histogram samples. */
  constructor(metric: Labels, timestamp: number, value: number, histogram?: NativeHistogram) {
    this.metric = metric;
    this.timestamp = timestamp;
    this.value = value;
    this.histogram = histogram;
  }

  /** The Prometheus wire shape: `{ metric, value: [ts, "v"] }` or `{ metric, histogram: [ts, {...}] }`. */
  toJSON(): Record<string, unknown> {
    if (this.histogram)
      return { metric: this.metric, histogram: [this.timestamp, histogramToWire(this.histogram)] };
    return { metric: this.metric, value: [this.timestamp, formatSampleValue(this.value)] };
  }
}

/** Native histogram samples of a range series, kept beside the float samples. */
export interface HistogramSeries {
  /** Sample times in unix seconds, one per histogram. */
  timestamps: Float64Array;
  /** The histograms, `histograms[i]` at `timestamps[i]`. */
  histograms: NativeHistogram[];
}

/**
 * One series of a range query, columnar: `timestamps[i]` (unix seconds) goes with `values[i]`.
 * Typed arrays hold a sample in 16 bytes instead of two boxed numbers, a string and an array.
 */
export class RangeSeries {
  /** The series' labels. */
  metric: Labels;
  /** Sample times in unix seconds. */
  timestamps: Float64Array;
  /** Sample values (NaN and ±Infinity included), one per timestamp. */
  values: Float64Array;
  /** Native histogram samples, when the series has any. */
  histograms: HistogramSeries | undefined;

  /** Builds a series from columns of equal length. */
  constructor(metric: Labels, timestamps: Float64Array, values: Float64Array, histograms?: HistogramSeries) {
    this.metric = metric;
    this.timestamps = timestamps;
    this.values = values;
    this.histograms = histograms;
  }

  /** Number of float samples. */
  get length(): number {
    return this.values.length;
  }

  /** The Prometheus wire shape: `{ metric, values: [[ts, "v"], ...], histograms?: [...] }`. */
  toJSON(): Record<string, unknown> {
    const wire: Record<string, unknown> = { metric: this.metric };
    if (this.values.length > 0 || !this.histograms) {
      const values = new Array(this.values.length);
      for (let i = 0; i < this.values.length; i++) {
        values[i] = [this.timestamps[i], formatSampleValue(this.values[i]!)];
      }
      wire.values = values;
    }
    if (this.histograms) {
      const { timestamps, histograms } = this.histograms;
      wire.histograms = histograms.map((h, i) => [timestamps[i], histogramToWire(h)]);
    }
    return wire;
  }
}

/** A scalar or string result: one timestamped value. */
export class ScalarSample<T extends number | string = number> {
  /** Unix seconds. */
  timestamp: number;
  /** The value. */
  value: T;

  /** Builds the sample. */
  constructor(timestamp: number, value: T) {
    this.timestamp = timestamp;
    this.value = value;
  }

  /** The wire shape `[ts, "v"]`. */
  toJSON(): [number, string] {
    const v = this.value;
    return [this.timestamp, typeof v === "number" ? formatSampleValue(v) : v];
  }
}

/** An instant vector result. */
export interface VectorData {
  /** Tells the result kinds apart. */
  resultType: "vector";
  /** One sample per series. */
  result: InstantSample[];
}
/** A range (matrix) result. */
export interface MatrixData {
  /** Tells the result kinds apart. */
  resultType: "matrix";
  /** One columnar series each. */
  result: RangeSeries[];
}
/** A scalar result. */
export interface ScalarData {
  /** Tells the result kinds apart. */
  resultType: "scalar";
  /** The value and its evaluation time. */
  result: ScalarSample<number>;
}
/** A string result. */
export interface StringData {
  /** Tells the result kinds apart. */
  resultType: "string";
  /** The string and its evaluation time. */
  result: ScalarSample<string>;
}
/** Any query result, told apart by `resultType`. */
export type QueryData = (VectorData | MatrixData | ScalarData | StringData) & {
  /** Query statistics, as sent when the call asked for them (`stats`); kept undecoded. */
  stats?: unknown;
};
