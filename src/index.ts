/**
 * promfleet: typed, resilient queries to Prometheus-compatible APIs across a fleet of clusters.
 * @packageDocumentation
 */
export { type AuthRequest, type AuthStrategy, noAuth } from "./auth/AuthStrategy.ts";
export { type BasicAuthOptions, basicAuth } from "./auth/basicAuth.ts";
export { type BearerAuthOptions, bearerAuth } from "./auth/bearerAuth.ts";
export { type AuthConfig, authFromConfig } from "./auth/config.ts";
export { type HeaderAuthOptions, headerAuth } from "./auth/headerAuth.ts";
export {
  type InClusterClientOptions,
  type InClusterOptions,
  inClusterOptions,
  OPENSHIFT_THANOS_QUERIER_URL,
  SERVICE_ACCOUNT_DIR,
} from "./auth/inCluster.ts";
export type { TokenGrant, TokenProvider } from "./auth/tokenProvider.ts";
export { createRedisCache, type RedisCacheOptions } from "./cache/redis.ts";
export type { CallOptions, ExtraParams, QueryParamOptions } from "./client/callOptions.ts";
export type {
  ActiveTarget,
  Alert,
  AlertingRule,
  AlertmanagersData,
  AlertmanagerTarget,
  AlertState,
  AlertsData,
  AlertsOptions,
  BuildInfo,
  ConfigData,
  DroppedTarget,
  EndpointOptions,
  Exemplar,
  ExemplarSeries,
  ExemplarsOptions,
  FeaturesData,
  FlagsData,
  HeadStats,
  HealthOptions,
  HealthStatus,
  LabelsOptions,
  MetadataData,
  MetadataOptions,
  MetricFamily,
  MetricMetadata,
  MetricType,
  ParsedQuery,
  RecordingRule,
  RelabelAction,
  RelabelRule,
  RelabelStep,
  RelabelStepsData,
  Rule,
  RuleGroup,
  RulesData,
  RulesOptions,
  RuntimeInfo,
  ScrapePoolsData,
  SelfMetric,
  SelfMetricLabel,
  SelfMetricsOptions,
  SelfMetricValue,
  SeriesOptions,
  ServerNotification,
  TargetHealth,
  TargetMetadata,
  TargetsData,
  TargetsMetadataOptions,
  TargetsOptions,
  TimeRangeOptions,
  TsdbBlock,
  TsdbBlockCompaction,
  TsdbBlockRef,
  TsdbBlockStats,
  TsdbBlocksData,
  TsdbStat,
  TsdbStatus,
  TsdbStatusOptions,
  WalReplayStatus,
} from "./client/endpoints.ts";
export {
  escapeLabelValue,
  type MatcherPattern,
  type Matchers,
  type MatcherValue,
  selector,
} from "./client/matchers.ts";
export type { PrometheusClientOptions } from "./client/options.ts";
export { PrometheusClient } from "./client/PrometheusClient.ts";
export type { DurationInput, TimeInput } from "./client/params.ts";
export type { QueryOptions, QueryRangeOptions } from "./client/query.ts";
export type { SplitOptions } from "./client/split/plan.ts";
export type { BreakerOptions } from "./collector/breaker.ts";
export type {
  ClusterCall,
  ClusterCallOptions,
  FleetAlertsOptions,
  FleetLabelsOptions,
  FleetOptions,
  FleetQueryOptions,
  FleetQueryRangeOptions,
  FleetSeriesOptions,
} from "./collector/calls.ts";
export { Cluster, type ClusterClientOptions, type ClusterConfig } from "./collector/cluster.ts";
export { FileClusterRegistry, type FileClusterRegistryOptions } from "./collector/fileRegistry.ts";
export type { ClusterHealth, FleetHealthOptions } from "./collector/health.ts";
export { MetricsCollector } from "./collector/MetricsCollector.ts";
export type { MetricsCollectorOptions, SharedClientOptions } from "./collector/options.ts";
export {
  type ClusterRegistry,
  LookupClusterRegistry,
  type LookupClusterRegistryOptions,
  type MaybePromise,
  StaticClusterRegistry,
} from "./collector/registry.ts";
export { type ClusterResult, type ClusterStatus, FleetResult } from "./collector/result.ts";
export type { ClusterSelection } from "./collector/selection.ts";
export { formatSampleValue, parseSampleValue } from "./decode/numbers.ts";
export { ApiResponse } from "./decode/response.ts";
export {
  type HistogramBucket,
  type HistogramSeries,
  InstantSample,
  type Labels,
  type MatrixData,
  type NativeHistogram,
  type QueryData,
  RangeSeries,
  type ScalarData,
  ScalarSample,
  type StringData,
  type VectorData,
} from "./decode/types.ts";
export * from "./errors/index.ts";
export type * from "./observe/events.ts";
export { type Logger, silentLogger } from "./observe/logger.ts";
export type { RetryPolicy } from "./transport/retry.ts";
export type { TlsOptions } from "./transport/tls.ts";
export { VERSION } from "./version.ts";
