import type { ApiResponse } from "../decode/response.ts";
import * as api from "./endpoints.ts";
import { ServerEndpoints } from "./ServerEndpoints.ts";

/**
 * The read endpoints besides the queries, one thin method each: every one prepares a request
 * (arguments checked before anything is sent) and hands it to {@link PrometheusClient}'s single
 * run path (`run`, declared by `ServerEndpoints`, which holds the rest of them), so
 * deadlines, retries, errors and the cache work the same for all of them.
 * Kept apart from the client's core only to keep each file readable.
 */
export abstract class ReadEndpoints extends ServerEndpoints {
  /**
   * The label sets of the series matching any of `matchers` (`/api/v1/series`, form POST).
   *
   * @example
   * ```ts
   * const { data } = await client.series(['up{job="api"}'], { start: Date.now() / 1000 - 3600 });
   * ```
   */
  series(
    matchers: string | readonly string[],
    options?: api.SeriesOptions,
  ): Promise<ApiResponse<api.Labels[]>> {
    return this.run(() => api.prepareSeries(matchers, options), options);
  }

  /**
   * Label names, optionally only those of series matching `match` (`/api/v1/labels`, form POST).
   *
   * @example
   * ```ts
   * const { data: names } = await client.labelNames({ match: ['up{job="api"}'] });
   * ```
   */
  labelNames(options?: api.LabelsOptions): Promise<ApiResponse<string[]>> {
    return this.run(() => api.prepareLabelNames(options), options);
  }

  /**
   * The values of label `name` (`/api/v1/label/<name>/values`, GET). Names that are not legacy
   * identifiers (Prometheus 3) are sent `U__`-escaped.
   *
   * @example
   * ```ts
   * const { data: namespaces } = await client.labelValues("namespace", { match: ["kube_pod_info"] });
   * ```
   */
  labelValues(name: string, options?: api.LabelsOptions): Promise<ApiResponse<string[]>> {
    return this.run(() => api.prepareLabelValues(name, options), options);
  }

  /**
   * Metric metadata (TYPE, HELP, UNIT) per metric name (`/api/v1/metadata`).
   *
   * @example
   * ```ts
   * const { data } = await client.metadata({ metric: "up" }); // data.up[0].type === "gauge"
   * ```
   */
  metadata(options?: api.MetadataOptions): Promise<ApiResponse<api.MetadataData>> {
    return this.run(() => api.prepareMetadata(options), options);
  }

  /**
   * Scrape targets, active and dropped (`/api/v1/targets`).
   *
   * @example
   * ```ts
   * const down = (await client.targets({ state: "active" })).data.activeTargets.filter((t) => t.health !== "up");
   * ```
   */
  targets(options?: api.TargetsOptions): Promise<ApiResponse<api.TargetsData>> {
    return this.run(() => api.prepareTargets(options), options);
  }

  /**
   * Metric metadata as each target exposes it (`/api/v1/targets/metadata`).
   *
   * @example
   * ```ts
   * const { data } = await client.targetsMetadata({ matchTarget: '{job="api"}', metric: "http_requests_total" });
   * ```
   */
  targetsMetadata(options?: api.TargetsMetadataOptions): Promise<ApiResponse<api.TargetMetadata[]>> {
    return this.run(() => api.prepareTargetsMetadata(options), options);
  }

  /**
   * Rule groups with their alerting and recording rules (`/api/v1/rules`).
   *
   * @example
   * ```ts
   * const { data } = await client.rules({ type: "alert", ruleGroup: ["kubernetes-apps"] });
   * ```
   */
  rules(options?: api.RulesOptions): Promise<ApiResponse<api.RulesData>> {
    return this.run(() => api.prepareRules(options), options);
  }

  /**
   * Active (pending and firing) alerts (`/api/v1/alerts`).
   *
   * @example
   * ```ts
   * const firing = (await client.alerts()).data.alerts.filter((a) => a.state === "firing");
   * ```
   */
  alerts(options?: api.AlertsOptions): Promise<ApiResponse<api.AlertsData>> {
    return this.run(() => api.prepareAlerts(options), options);
  }

  /**
   * Alertmanagers the server sends alerts to (`/api/v1/alertmanagers`).
   *
   * @example
   * ```ts
   * const urls = (await client.alertmanagers()).data.activeAlertmanagers.map((a) => a.url);
   * ```
   */
  alertmanagers(options?: api.EndpointOptions): Promise<ApiResponse<api.AlertmanagersData>> {
    return this.run(() => api.prepareAlertmanagers(options), options);
  }

  /**
   * Exemplars of the series `promql` selects, in a range (`/api/v1/query_exemplars`, form POST).
   *
   * @example
   * ```ts
   * const { data } = await client.queryExemplars("http_request_duration_seconds_bucket", { start, end });
   * ```
   */
  queryExemplars(promql: string, options: api.ExemplarsOptions): Promise<ApiResponse<api.ExemplarSeries[]>> {
    return this.run(() => api.prepareExemplars(promql, options), options);
  }

  /**
   * Formats a PromQL expression as Prometheus prints it (`/api/v1/format_query`, form POST).
   *
   * @example
   * ```ts
   * (await client.formatQuery("sum(rate(x[5m]))by(job)")).data; // "sum by (job) (rate(x[5m]))"
   * ```
   */
  formatQuery(promql: string, options?: api.EndpointOptions): Promise<ApiResponse<string>> {
    return this.run(() => api.prepareFormatQuery(promql, options), options);
  }

  /**
   * The server's version and build (`/api/v1/status/buildinfo`).
   *
   * @example
   * ```ts
   * const { version } = (await client.buildInfo()).data;
   * ```
   */
  buildInfo(options?: api.EndpointOptions): Promise<ApiResponse<api.BuildInfo>> {
    return this.run(() => api.prepareBuildInfo(options), options);
  }

  /**
   * Runtime properties: start time, retention, goroutines... (`/api/v1/status/runtimeinfo`).
   *
   * @example
   * ```ts
   * const { storageRetention } = (await client.runtimeInfo()).data;
   * ```
   */
  runtimeInfo(options?: api.EndpointOptions): Promise<ApiResponse<api.RuntimeInfo>> {
    return this.run(() => api.prepareRuntimeInfo(options), options);
  }

  /**
   * The command-line flags the server runs with (`/api/v1/status/flags`).
   *
   * @example
   * ```ts
   * const lookback = (await client.flags()).data["query.lookback-delta"]; // "5m"
   * ```
   */
  flags(options?: api.EndpointOptions): Promise<ApiResponse<api.FlagsData>> {
    return this.run(() => api.prepareFlags(options), options);
  }

  /**
   * The loaded configuration as YAML (`/api/v1/status/config`).
   *
   * @example
   * ```ts
   * const { yaml } = (await client.config()).data;
   * ```
   */
  config(options?: api.EndpointOptions): Promise<ApiResponse<api.ConfigData>> {
    return this.run(() => api.prepareConfig(options), options);
  }

  /**
   * TSDB cardinality statistics (`/api/v1/status/tsdb`).
   *
   * @example
   * ```ts
   * const top = (await client.tsdbStatus({ limit: 5 })).data.seriesCountByMetricName;
   * ```
   */
  tsdbStatus(options?: api.TsdbStatusOptions): Promise<ApiResponse<api.TsdbStatus>> {
    return this.run(() => api.prepareTsdbStatus(options), options);
  }

  /**
   * WAL replay progress, readable before the server is ready (`/api/v1/status/walreplay`).
   *
   * @example
   * ```ts
   * const { current, max } = (await client.walReplay()).data;
   * ```
   */
  walReplay(options?: api.EndpointOptions): Promise<ApiResponse<api.WalReplayStatus>> {
    return this.run(() => api.prepareWalReplay(options), options);
  }
}
