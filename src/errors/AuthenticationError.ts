import { PrometheusError } from "./PrometheusError.ts";

/** The server or its proxy did not accept the credentials (401), or they could not be loaded. */
export class AuthenticationError extends PrometheusError {
  override name = "AuthenticationError";
}
