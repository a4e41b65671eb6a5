import { PrometheusError } from "./PrometheusError.ts";

/** The server (400/422) or a local check rejected the query or its parameters. */
export class BadQueryError extends PrometheusError {
  /** Always `"BadQueryError"`: the class, also in logs, `toJSON()` and minified code. */
  override name = "BadQueryError";
}
