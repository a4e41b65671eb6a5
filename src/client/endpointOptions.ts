import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import type { BodyDecoder } from "../transport/decoder.ts";
import type { RequestSpec } from "../transport/Transport.ts";
import { appendExtraParams, type CallOptions, type ExtraParams } from "./callOptions.ts";
import { formatTime, type TimeInput, toUnixSeconds } from "./params.ts";
import type { PreparedRequest } from "./query.ts";

/** Options every endpoint besides the queries takes: the call's signal and deadline, and extra parameters. */
export interface EndpointOptions extends CallOptions {
  /** Extra parameters, sent as given (e.g. Thanos' `partial_response`, VictoriaMetrics' `extra_label`). */
  params?: ExtraParams | undefined;
}

/** An optional time window. */
export interface TimeRangeOptions {
  /** Start of the window; the server's oldest data when omitted. */
  start?: TimeInput | undefined;
  /** End of the window; the server's newest data when omitted. */
  end?: TimeInput | undefined;
}

/** Throws unless `options` is undefined or an object; returns it as an object. */
export function checkOptions<T extends object>(options: T | undefined): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError("options", "options must be an object");
  }
  return options;
}

/** `start` and `end` parameters, checked (start must not be after end). */
export function timeRangeParams(options: TimeRangeOptions): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  const start = options.start === undefined ? undefined : toUnixSeconds(options.start, "start");
  const end = options.end === undefined ? undefined : toUnixSeconds(options.end, "end");
  if (start !== undefined && end !== undefined && start > end) {
    throw new InvalidArgumentError(
      "start",
      `start (${formatTime(start)}) must not be after end (${formatTime(end)})`,
    );
  }
  if (start !== undefined) params.push(["start", formatTime(start)]);
  if (end !== undefined) params.push(["end", formatTime(end)]);
  return params;
}

/**
 * Checks series selectors (`match[]`): a non-empty string or a list of them. `required` means
 * at least one must be given (`/api/v1/series` refuses none).
 */
export function checkSelectors(value: unknown, argument: string, required: boolean): string[] {
  if (value === undefined && !required) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || (required && list.length === 0)) {
    throw new InvalidArgumentError(
      argument,
      `${argument} must be ${required ? "a non-empty list of" : "a list of"} series selectors such as 'up{job="api"}'`,
    );
  }
  for (const item of list) {
    if (typeof item !== "string" || item.trim().length === 0) {
      throw new InvalidArgumentError(
        argument,
        `every entry of ${argument} must be a non-empty series selector`,
      );
    }
  }
  return list as string[];
}

/** Checks a non-empty string argument. */
export function checkName(value: unknown, argument: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidArgumentError(argument, `${argument} must be a non-empty string`);
  }
  return value;
}

/** Appends `name=value` when a limit is given: a non-negative integer (0 means none, as in Prometheus). */
export function pushLimit(
  params: Array<[string, string]>,
  name: string,
  value: unknown,
  argument: string,
): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(argument, `${argument} must be a non-negative integer`);
  }
  params.push([name, String(value)]);
}

/**
 * A prepared request: `form` is a POST with GET fallback (for endpoints Prometheus accepts by
 * POST), `get` a GET. Extra parameters go last, in a stable order.
 */
export function prepare<T>(
  method: RequestSpec["method"],
  path: string,
  params: Array<[string, string]>,
  options: EndpointOptions,
  decode: BodyDecoder<T>,
  namespace?: string,
): PreparedRequest<T> {
  appendExtraParams(params, options.params);
  return { spec: { path, params, method, namespace }, decode };
}
