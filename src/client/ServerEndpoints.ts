import type { ApiResponse } from "../decode/response.ts";
import type { BodyDecoder } from "../transport/decoder.ts";
import type { RequestSpec } from "../transport/Transport.ts";
import type { CallOptions } from "./callOptions.ts";
import * as api from "./endpoints.ts";

/**
 * The read endpoints about the server's scrape configuration and the server itself, most of them
 * added in Prometheus 3 for its web UI (several marked experimental there: their answers may change
 * shape between versions, and are decoded leniently). One thin method each, like
 * `ReadEndpoints`: arguments checked before anything is sent, then the client's single run
 * path, so deadlines, retries and errors work the same. A server too old for an endpoint answers
 * 404, which fails the call with a `ResponseError` whose `status` is 404.
 */
export abstract class ServerEndpoints {
  /** Runs a prepared request under the call's options: the client's one run path. */
  protected abstract run<T>(
    prepare: () => { spec: RequestSpec; decode: BodyDecoder<T> },
    options: CallOptions | undefined,
  ): Promise<ApiResponse<T>>;

  /**
   * Parses a PromQL expression into the syntax tree Prometheus' UI shows (`/api/v1/parse_query`,
   * form POST; experimental, Prometheus 3.0+). A syntax error is a `BadQueryError`.
   *
   * @example
   * ```ts
   * const { data: tree } = await client.parseQuery("sum(rate(x[5m])) / 2");
   * tree.type; // "binaryExpr"
   * ```
   */
  parseQuery(promql: string, options?: api.EndpointOptions): Promise<ApiResponse<api.ParsedQuery>> {
    return this.run(() => api.prepareParseQuery(promql, options), options);
  }

  /**
   * The names of the configured scrape pools (`/api/v1/scrape_pools`, Prometheus 2.42+).
   *
   * @example
   * ```ts
   * const { scrapePools } = (await client.scrapePools()).data; // ["node", "prometheus"]
   * ```
   */
  scrapePools(options?: api.EndpointOptions): Promise<ApiResponse<api.ScrapePoolsData>> {
    return this.run(() => api.prepareScrapePools(options), options);
  }

  /**
   * One scrape pool's effective configuration as YAML, secrets redacted
   * (`/api/v1/scrape_pools/config`; experimental, newer than Prometheus 3.14).
   *
   * @example
   * ```ts
   * const { yaml } = (await client.scrapePoolConfig("node")).data;
   * ```
   */
  scrapePoolConfig(scrapePool: string, options?: api.EndpointOptions): Promise<ApiResponse<api.ConfigData>> {
    return this.run(() => api.prepareScrapePoolConfig(scrapePool, options), options);
  }

  /**
   * What each relabelling rule of `scrapePool` does to a target's discovered `labels`
   * (`/api/v1/targets/relabel_steps`; experimental, Prometheus 3.8+).
   *
   * @example
   * ```ts
   * const [dropped] = (await client.targets({ state: "dropped", scrapePool: "node" })).data.droppedTargets;
   * if (dropped) {
   *   const { steps } = (await client.relabelSteps("node", dropped.discoveredLabels)).data;
   *   const droppedBy = steps.find((s) => !s.keep)?.rule; // e.g. { action: "drop", regex: "…", … }
   * }
   * ```
   */
  relabelSteps(
    scrapePool: string,
    labels: api.Labels,
    options?: api.EndpointOptions,
  ): Promise<ApiResponse<api.RelabelStepsData>> {
    return this.run(() => api.prepareRelabelSteps(scrapePool, labels, options), options);
  }

  /**
   * The loaded TSDB blocks and their metadata (`/api/v1/status/tsdb/blocks`; experimental,
   * Prometheus 3.6+).
   *
   * @example
   * ```ts
   * const { blocks } = (await client.tsdbBlocks()).data;
   * const samples = blocks.reduce((n, b) => n + b.stats.numSamples, 0);
   * ```
   */
  tsdbBlocks(options?: api.EndpointOptions): Promise<ApiResponse<api.TsdbBlocksData>> {
    return this.run(() => api.prepareTsdbBlocks(options), options);
  }

  /**
   * The server's own metrics as JSON metric families (`/api/v1/status/self_metrics`;
   * experimental, Prometheus 3.12+).
   *
   * @example
   * ```ts
   * const { data } = await client.selfMetrics({ metricNamePattern: "prometheus_tsdb_head_series" });
   * const series = data[0]?.metric[0]?.gauge?.value;
   * ```
   */
  selfMetrics(options?: api.SelfMetricsOptions): Promise<ApiResponse<api.MetricFamily[]>> {
    return this.run(() => api.prepareSelfMetrics(options), options);
  }

  /**
   * Notifications about the server itself, e.g. a failed configuration reload
   * (`/api/v1/notifications`; experimental, Prometheus 3.0+). The live stream
   * (`/api/v1/notifications/live`, server-sent events) is not offered.
   *
   * @example
   * ```ts
   * const active = (await client.notifications()).data.filter((n) => n.active).map((n) => n.text);
   * ```
   */
  notifications(options?: api.EndpointOptions): Promise<ApiResponse<api.ServerNotification[]>> {
    return this.run(() => api.prepareNotifications(options), options);
  }

  /**
   * The features the server has, by category (`/api/v1/features`, Prometheus 3.9+). A feature
   * that is absent is disabled.
   *
   * @example
   * ```ts
   * const { data } = await client.features();
   * const hasInfo = data.promql_functions?.info === true;
   * ```
   */
  features(options?: api.EndpointOptions): Promise<ApiResponse<api.FeaturesData>> {
    return this.run(() => api.prepareFeatures(options), options);
  }
}
