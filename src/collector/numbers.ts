import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";

/** Checks an optional per-call duration in ms (positive, finite); undefined when not given. */
export function pickTimeout(value: unknown, argument: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(argument, `${argument} must be a positive number of milliseconds`);
  }
  return value;
}
