/**
 * The read endpoints besides the queries, in one namespace for PrometheusClient (one import
 * line there) and for the package's public exports.
 */

export type { Exemplar, ExemplarSeries } from "../decode/api/exemplars.ts";
export type { MetadataData, MetricMetadata, MetricType, TargetMetadata } from "../decode/api/metadata.ts";
export type { ParsedQuery } from "../decode/api/promql.ts";
export type {
  Alert,
  AlertingRule,
  AlertState,
  AlertsData,
  RecordingRule,
  Rule,
  RuleGroup,
  RulesData,
} from "../decode/api/rules.ts";
export type {
  RelabelAction,
  RelabelRule,
  RelabelStep,
  RelabelStepsData,
  ScrapePoolsData,
} from "../decode/api/scrape.ts";
export type {
  FeaturesData,
  MetricFamily,
  SelfMetric,
  SelfMetricLabel,
  SelfMetricValue,
  ServerNotification,
  TsdbBlock,
  TsdbBlockCompaction,
  TsdbBlockRef,
  TsdbBlockStats,
  TsdbBlocksData,
} from "../decode/api/server.ts";
export type {
  BuildInfo,
  ConfigData,
  FlagsData,
  HeadStats,
  RuntimeInfo,
  TsdbStat,
  TsdbStatus,
  WalReplayStatus,
} from "../decode/api/status.ts";
export type {
  ActiveTarget,
  AlertmanagersData,
  AlertmanagerTarget,
  DroppedTarget,
  TargetHealth,
  TargetsData,
} from "../decode/api/targets.ts";
export type { Labels } from "../decode/types.ts";
export type { EndpointOptions, TimeRangeOptions } from "./endpointOptions.ts";
export {
  type ExemplarsOptions,
  prepareExemplars,
  prepareFormatQuery,
  prepareParseQuery,
} from "./exemplars.ts";
export { checkHealth, type HealthIo, type HealthOptions, type HealthStatus } from "./health.ts";
export {
  type MetadataOptions,
  prepareMetadata,
  prepareTargetsMetadata,
  type TargetsMetadataOptions,
} from "./metadata.ts";
export { type AlertsOptions, prepareAlerts, prepareRules, type RulesOptions } from "./rules.ts";
export {
  type LabelsOptions,
  labelNameForPath,
  prepareLabelNames,
  prepareLabelValues,
  prepareSeries,
  type SeriesOptions,
} from "./series.ts";
export {
  prepareBuildInfo,
  prepareConfig,
  prepareFeatures,
  prepareFlags,
  prepareNotifications,
  prepareRuntimeInfo,
  prepareSelfMetrics,
  prepareTsdbBlocks,
  prepareTsdbStatus,
  prepareWalReplay,
  type SelfMetricsOptions,
  type TsdbStatusOptions,
} from "./status.ts";
export {
  prepareAlertmanagers,
  prepareRelabelSteps,
  prepareScrapePoolConfig,
  prepareScrapePools,
  prepareTargets,
  type TargetsOptions,
} from "./targets.ts";
