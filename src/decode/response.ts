/**
 * What every promfleet call returns: the decoded `data`, and the `warnings` and `infos` the
 * server sent (never dropped). `JSON.stringify` gives back Prometheus' wire shape.
 */
export class ApiResponse<T> {
  /** The decoded data of the endpoint. */
  data: T;
  /** Warnings from the server (e.g. Thanos partial responses). */
  warnings: string[];
  /** Infos from the server (Prometheus 2.54+). */
  infos: string[];
  /** True when the answer came from the cache. */
  cached: boolean;
  /** Age of the cached entry in milliseconds, when `cached`. */
  ageMs: number | undefined;

  /** Builds a response; `cache` is set when it was served from the cache. */
  constructor(data: T, warnings: string[], infos: string[], cache?: { ageMs: number }) {
    this.data = data;
    this.warnings = warnings;
    this.infos = infos;
    this.cached = cache !== undefined;
    this.ageMs = cache?.ageMs;
  }

  /** The Prometheus wire shape: `{ status: "success", data, warnings?, infos? }`. */
  toJSON(): Record<string, unknown> {
    const wire: Record<string, unknown> = { status: "success", data: this.data };
    if (this.warnings.length > 0) wire.warnings = this.warnings;
    if (this.infos.length > 0) wire.infos = this.infos;
    return wire;
  }
}
