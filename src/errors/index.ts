export { AbortError } from "./AbortError.ts";
export { AuthenticationError } from "./AuthenticationError.ts";
export { AuthorizationError } from "./AuthorizationError.ts";
export { BadQueryError } from "./BadQueryError.ts";
export { InvalidArgumentError } from "./InvalidArgumentError.ts";
export { PrometheusError, type PrometheusErrorOptions } from "./PrometheusError.ts";
export { ResponseError } from "./ResponseError.ts";
export { TimeoutError } from "./TimeoutError.ts";
export { UnavailableError } from "./UnavailableError.ts";
