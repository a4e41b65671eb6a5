import { PrometheusError } from "./PrometheusError.ts";

/** The server (400/422) or a local check rejected the query or its parameters. */
export class BadQueryError extends PrometheusError {
  override name = "BadQueryError";
}
