import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";

/** A point in time: a Date, unix seconds (fractions allowed), or an RFC 3339 string. */
export type TimeInput = Date | number | string;

/** A duration: seconds (fractions allowed) or a Prometheus duration string such as "1m", "1h30m", "250ms". */
export type DurationInput = number | string;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const UNIX_NUMBER = /^-?\d+(\.\d+)?$/;

/** Converts a time argument to unix seconds, or throws an InvalidArgumentError naming `argument`. */
export function toUnixSeconds(value: TimeInput, argument: string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new InvalidArgumentError(argument, `${argument} is an invalid Date`);
    return ms / 1000;
  }
  if (typeof value === "number") {
    // Finite also in milliseconds, the form it is sent in (1e306 s would be sent as "Infinity").
    if (!Number.isFinite(value * 1000))
      throw new InvalidArgumentError(argument, `${argument} must be a finite number of unix seconds`);
    return value;
  }
  if (typeof value === "string") {
    // Finite only: 400 digits parse as Infinity, which would be sent as "Infinity".
    if (UNIX_NUMBER.test(value) && Number.isFinite(Number(value) * 1000)) return Number(value);
    const seconds = rfc3339Seconds(value);
    if (seconds !== undefined) return seconds;
  }
  throw new InvalidArgumentError(
    argument,
    `${argument} must be a Date, unix seconds or an RFC 3339 string (got ${describeValue(value)})`,
  );
}

/**
 * The unix seconds of an RFC 3339 text (`T`, `t` or a space between date and time) naming a
 * moment that exists, or undefined. Shared with the fake Prometheus of `promfleet/testing`.
 */
export function rfc3339Seconds(text: string): number | undefined {
  if (!RFC3339.test(text) || !isCalendarTime(text)) return undefined;
  const ms = Date.parse(text.replace(" ", "T"));
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

/**
 * Whether an RFC 3339 text names a moment that exists: V8's Date.parse moves 2023-02-30 to
 * March 2 and hour 24 to the next day, where Go's time.Parse (Prometheus) refuses both.
 */
function isCalendarTime(text: string): boolean {
  const [year, month, day, hour, minute, second] = text.match(/\d+/g)!.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour < 24 && minute < 60 && second < 60
  );
}

const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  y: 31_536_000,
};
// Prometheus' model.ParseDuration: each unit at most once, largest first.
const DURATION = /^(?=\d)(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m(?!s))?(?:\d+s)?(?:\d+ms)?$/;
const DURATION_PART = /(\d+)(ms|s|m|h|d|w|y)/g;

/**
 * The seconds of a Prometheus duration text (`1h30m`, `250ms`), or undefined when it is not one.
 * Shared with the fake Prometheus of `promfleet/testing`.
 */
export function durationSeconds(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART))
    seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  return seconds;
}

/** Converts a duration argument to seconds (> 0 unless `allowZero`), or throws naming `argument`. */
export function toSeconds(value: DurationInput, argument: string, allowZero = false): number {
  let seconds: number | undefined;
  if (typeof value === "number" && Number.isFinite(value)) seconds = value;
  else if (typeof value === "string" && UNIX_NUMBER.test(value)) seconds = Number(value);
  else if (typeof value === "string") seconds = durationSeconds(value);
  // Not finite: a number string or a duration amount too long for a float ("9999…9y").
  if (seconds === undefined || !Number.isFinite(seconds * 1000)) {
    throw new InvalidArgumentError(
      argument,
      `${argument} must be seconds or a duration such as "30s", "1m" or "1h30m" (got ${describeValue(value)})`,
    );
  }
  if (seconds < 0 || (seconds === 0 && !allowZero)) {
    throw new InvalidArgumentError(
      argument,
      `${argument} must be greater than zero (got ${describeValue(value)})`,
    );
  }
  return seconds;
}

/** Formats unix seconds for a Prometheus parameter, millisecond precision (what Prometheus keeps). */
export function formatTime(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000);
}

/** Formats seconds for a duration parameter (Prometheus accepts float seconds). */
export function formatDuration(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000);
}

/** Throws unless `promql` is a non-empty string. */
export function checkQuery(promql: unknown, argument = "query"): string {
  if (typeof promql !== "string" || promql.trim().length === 0) {
    throw new InvalidArgumentError(argument, `${argument} must be a non-empty PromQL string`);
  }
  return promql;
}

/**
 * Checks a range against the server's points limit. Prometheus refuses `(end - start) / step >
 * 11000` computed in integer division, so 11,001 points pass; VictoriaMetrics allows 30,000.
 * Computed, as Prometheus does, on the millisecond values actually sent: float seconds can be
 * off by one interval at the limit (e.g. 11,001 intervals of 9.271 s computing as 11,000.99…).
 */
export function checkRange(start: number, end: number, step: number, maxPoints: number): void {
  const [startMs, endMs, stepMs] = [toMs(start), toMs(end), toMs(step)];
  if (startMs > endMs) {
    throw new InvalidArgumentError(
      "start",
      `start (${formatTime(start)}) must not be after end (${formatTime(end)})`,
    );
  }
  if (stepMs < 1) {
    // It would be sent as "0", which Prometheus refuses.
    throw new InvalidArgumentError("step", `step must be at least 1 ms (got ${step}s)`);
  }
  const intervals = Math.floor((endMs - startMs) / stepMs);
  if (intervals > maxPoints) {
    throw new InvalidArgumentError(
      "step",
      `the range holds ${intervals + 1} points per series at step ${stepMs / 1000}s; the server allows ${maxPoints + 1}: use a larger step, a shorter range, or split (e.g. split: "1d")`,
    );
  }
}

/** Seconds to whole milliseconds, as formatTime and formatDuration send them. */
function toMs(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** A short, secret-free description of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value instanceof Date) return "an invalid Date";
  if (value === null) return "null";
  if (typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
  return String(value);
}
