/**
 * Prometheus-shaped bodies for the benchmark, generated deterministically: the same seed gives
 * the same bytes in the server process and in the checks. Numbers are written as Prometheus
 * writes them (Go's shortest `'f'` format between 1e-6 and 1e21, `'e'` with a two-digit
 * exponent outside it, "NaN", "+Inf", "-Inf"), with the mix a real range query has: counters,
 * full-precision rates, short gauges, tiny values, special floats, series that start late.
 */

/** A small deterministic PRNG (mulberry32): benchmarks must not depend on Math.random. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A float as Prometheus writes it in JSON strings (Go's `strconv.FormatFloat(v, 'f' or 'e', -1, 64)`). */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  if (Object.is(v, -0)) return "-0";
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    // JavaScript writes 1.5e-7; Go writes 1.5e-07.
    return v.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  return String(v);
}

/** The shape of one generated series' values. */
type Kind = "counter" | "rate" | "gauge" | "tiny" | "quantile";
const KINDS: Kind[] = ["counter", "rate", "gauge", "rate", "counter", "tiny", "quantile", "gauge"];

function sampleValue(kind: Kind, i: number, base: number, rnd: () => number): number {
  switch (kind) {
    case "counter":
      return Math.floor(base + i * 37 * (1 + rnd()));
    case "rate":
      return rnd() * base;
    case "gauge":
      return Math.round(rnd() * 100000) / 100;
    case "tiny":
      return rnd() * 1e-6;
    case "quantile": {
      const r = rnd();
      return r < 0.05 ? Number.POSITIVE_INFINITY : r < 0.08 ? Number.NaN : r * 2;
    }
  }
}

/** What a generated body is made of. */
export interface MatrixSpec {
  series: number;
  points: number;
  seed: number;
  /** Unix seconds of the first point. */
  start?: number;
  /** Seconds between points. */
  step?: number;
}

function seriesLabels(s: number, rnd: () => number): Record<string, string> {
  return {
    __name__: "http_server_requests_seconds",
    job: "api-gateway",
    namespace: `team-${s % 23}`,
    pod: `api-gateway-${(s * 2654435761) % 100000}-${Math.floor(rnd() * 1e5).toString(36)}`,
    instance: `10.128.${(s >> 8) & 255}.${s & 255}:8080`,
    le: s % 5 === 0 ? "+Inf" : String((s % 7) / 10),
  };
}

/**
 * A `query_range` body of `series × points` samples. One series in 9 starts late (missing
 * leading points), one sample in 400 is NaN, +Inf or -Inf, timestamps are fractional on one
 * series in 3. Returns the JSON text and the number of samples in it.
 */
export function matrixBody(spec: MatrixSpec): { text: string; samples: number } {
  const rnd = prng(spec.seed);
  const start = spec.start ?? 1_700_000_000;
  const step = spec.step ?? 15;
  const parts: string[] = ['{"status":"success","data":{"resultType":"matrix","result":['];
  let samples = 0;
  for (let s = 0; s < spec.series; s++) {
    const kind = KINDS[s % KINDS.length]!;
    const base = 1 + rnd() * 10 ** (1 + (s % 6));
    const first = s % 9 === 4 ? Math.floor(spec.points * rnd() * 0.5) : 0;
    const offset = s % 3 === 1 ? 0.123 : 0;
    const values: string[] = [];
    for (let i = first; i < spec.points; i++) {
      const r = rnd();
      const v =
        r < 0.0025
          ? [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][Math.floor(r * 1200)]!
          : sampleValue(kind, i, base, rnd);
      values.push(`[${start + i * step + offset},"${goFloat(v)}"]`);
    }
    samples += values.length;
    parts.push(
      `${s === 0 ? "" : ","}{"metric":${JSON.stringify(seriesLabels(s, rnd))},"values":[${values.join(",")}]}`,
    );
  }
  parts.push("]}}");
  return { text: parts.join(""), samples };
}

const TEAMS = ["platform", "payments", "search", "Zürich ops", "東京", "data-eng"];

/**
 * An instant vector with many labels a sample (like `kube_pod_labels`): `samples` samples of
 * about 25 labels, some with non-ASCII and escaped values.
 */
export function vectorBody(samples: number, seed: number): { text: string; samples: number } {
  const rnd = prng(seed);
  const result: string[] = [];
  for (let i = 0; i < samples; i++) {
    const metric: Record<string, string> = {
      __name__: "kube_pod_labels",
      container: "kube-state-metrics",
      endpoint: "https-main",
      instance: `10.129.${(i >> 8) & 255}.${i & 255}:8443`,
      job: "kube-state-metrics",
      namespace: `project-${i % 97}`,
      pod: `workload-${i}-${Math.floor(rnd() * 1e8).toString(36)}`,
      prometheus: "openshift-monitoring/k8s",
      service: "kube-state-metrics",
      uid: `${Math.floor(rnd() * 1e12).toString(16)}-4c2a-9f1e-${i.toString(16).padStart(12, "0")}`,
      label_app: `app-${i % 311}`,
      label_app_kubernetes_io_component: i % 2 ? "backend" : "frontend",
      label_app_kubernetes_io_instance: `release-${i % 53}`,
      label_app_kubernetes_io_managed_by: "Helm",
      label_app_kubernetes_io_name: `service-${i % 131}`,
      label_app_kubernetes_io_part_of: "storefront",
      label_app_kubernetes_io_version: `1.${i % 40}.${i % 7}`,
      label_pod_template_hash: Math.floor(rnd() * 1e10).toString(36),
      label_team: TEAMS[i % TEAMS.length]!,
      label_tier: i % 3 ? "web" : "worker",
      label_description: i % 10 === 0 ? 'says "hi"\tand\\more' : "plain",
      label_owner: `owner-${i % 17}@example.com`,
      label_cost_center: `cc-${1000 + (i % 211)}`,
      label_region: ["eu-west-1", "us-east-1", "ap-northeast-1"][i % 3]!,
      label_zone: `zone-${i % 3}`,
    };
    const value = i % 50 === 0 ? "NaN" : goFloat(1 + (i % 5));
    result.push(`{"metric":${JSON.stringify(metric)},"value":[${1_700_000_000 + 0.5},"${value}"]}`);
  }
  return {
    text: `{"status":"success","data":{"resultType":"vector","result":[${result.join(",")}]}}`,
    samples,
  };
}
