/** Fields every promfleet error can carry; all optional because not every failure reaches a server. */
export interface PrometheusErrorOptions {
  /** HTTP status of the answer that failed the call, when there was one. */
  status?: number | undefined;
  /** Prometheus' `errorType` (`bad_data`, `timeout`, `execution`, ...), when the body said so. */
  errorType?: string | undefined;
  /** The endpoint called, as a URL with credentials, query string and fragment removed. */
  endpoint?: string | undefined;
  /** Warnings the server sent with the failed answer. They are never dropped. */
  warnings?: readonly string[] | undefined;
  /** Infos (Prometheus 2.54+) the server sent with the failed answer. */
  infos?: readonly string[] | undefined;
  /** The cluster id, when the call was made for a cluster of a fleet. */
  cluster?: string | undefined;
  /** A cleaned cause: never a fetch error, a Request or anything else holding headers. */
  cause?: unknown;
}

/**
 * The base of every error promfleet throws. Catch this to catch them all; check the subclass
 * (or `status`/`errorType`) to tell them apart.
 *
 * @example
 * ```ts
 * try { await client.query("up"); }
 * catch (e) { if (e instanceof PrometheusError) console.error(e.endpoint, e.status, e.message); }
 * ```
 */
export class PrometheusError extends Error {
  /** Always `"PrometheusError"`: the class, also in logs, `toJSON()` and minified code. */
  override name = "PrometheusError";
  /** HTTP status, when a response was received. */
  status: number | undefined;
  /** Prometheus' `errorType` from the JSON body, when present. */
  errorType: string | undefined;
  /** The endpoint URL without credentials or query string. */
  endpoint: string | undefined;
  /** Warnings the server sent alongside the failure. */
  warnings: readonly string[];
  /** Infos the server sent alongside the failure. */
  infos: readonly string[];
  /** The cluster id, when known. */
  cluster: string | undefined;

  /** Builds an error; `options.cause` must already be cleaned of headers and secrets. */
  constructor(message: string, options: PrometheusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.errorType = options.errorType;
    this.endpoint = options.endpoint;
    this.warnings = options.warnings ?? [];
    this.infos = options.infos ?? [];
    this.cluster = options.cluster;
  }

  /** A plain, secret-free view for logs and `JSON.stringify`. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      errorType: this.errorType,
      endpoint: this.endpoint,
      cluster: this.cluster,
      warnings: this.warnings,
      infos: this.infos,
    };
  }
}
