import { BadQueryError } from "./BadQueryError.ts";
import type { PrometheusErrorOptions } from "./PrometheusError.ts";

/**
 * An argument or option was wrong (an empty query, start after end, a step of zero, too many
 * points, a bad URL). Thrown before any request; `argument` names the culprit. It is a
 * {@link BadQueryError} because the server would have refused the same request with 400.
 */
export class InvalidArgumentError extends BadQueryError {
  /** Always `"InvalidArgumentError"`: the class, also in logs, `toJSON()` and minified code. */
  override name = "InvalidArgumentError";
  /** The name of the argument or option that was wrong, e.g. `"step"` or `"url"`. */
  argument: string;

  /** Builds the error for `argument`; the message should say what was expected. */
  constructor(argument: string, message: string, options: PrometheusErrorOptions = {}) {
    super(message, options);
    this.argument = argument;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), argument: this.argument };
  }
}
