import { PrometheusError } from "./PrometheusError.ts";

/** The answer was not what the Prometheus API promises: HTML from a proxy, truncated JSON, a wrong shape, a body over `maxResponseBytes`, an unexpected status, or a refused redirect. */
export class ResponseError extends PrometheusError {
  /** Always `"ResponseError"`: the class, also in logs, `toJSON()` and minified code. */
  override name = "ResponseError";
}
