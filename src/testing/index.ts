/**
 * `promfleet/testing`: helpers for testing code that uses promfleet, without a real Prometheus.
 * @packageDocumentation
 */
export {
  type FakePrometheus,
  type FakePrometheusOptions,
  type FakeRequest,
  startFakePrometheus,
} from "./fakePrometheus.ts";
export type { FakeSeries } from "./selector.ts";
export type { FakeAnswer } from "./wire.ts";
