import { MAX_TIMEOUT_MS } from "../client/callOptions.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";

/**
 * Checks an optional per-call duration in ms (positive, at most what a timer can hold: a longer
 * one would fire at once); undefined when not given.
 */
export function pickTimeout(value: unknown, argument: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(argument, `${argument} must be a positive number of milliseconds`);
  }
  if (value > MAX_TIMEOUT_MS) {
    throw new InvalidArgumentError(argument, `${argument} must be at most ${MAX_TIMEOUT_MS} ms`);
  }
  return value;
}
