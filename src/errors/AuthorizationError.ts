import { PrometheusError } from "./PrometheusError.ts";

/** The credentials were accepted but not allowed to do this (403); the proxy's text is kept in the message. */
export class AuthorizationError extends PrometheusError {
  /** Always `"AuthorizationError"`: the class, also in logs, `toJSON()` and minified code. */
  override name = "AuthorizationError";
}
