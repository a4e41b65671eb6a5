import { PrometheusError } from "./PrometheusError.ts";

/** The server or its proxy did not accept the credentials (401), or they could not be loaded. */
export class AuthenticationError extends PrometheusError {
  /** Always `"AuthenticationError"`: the class, also in logs, `toJSON()` and minified code. */
  override name = "AuthenticationError";
}
