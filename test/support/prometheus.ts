import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type ClientTls, type HttpRequestOptions, type HttpResponse, httpRequest } from "./http.ts";
import { freePort, tempDir } from "./ports.ts";
import { type ManagedProcess, spawnManaged, waitFor } from "./process.ts";
import {
  type BasicAuthCredentials,
  backfillFixtures,
  type PrometheusTlsOptions,
  writePrometheusFiles,
} from "./prometheusConfig.ts";

/** Re-exported so a test that starts a Prometheus needs one import for its options (rules, auth, TLS). */
export { FIXTURE_RULES } from "./fixtures.ts";
export type { BasicAuthCredentials, PrometheusTlsOptions } from "./prometheusConfig.ts";

/** Options of {@link startPrometheus}. */
export interface PrometheusOptions {
  /** Backfill the fixtures.ts dataset with promtool before starting (default true). */
  backfill?: boolean;
  /** Rule file content (e.g. FIXTURE_RULES); none by default, which saves waiting for an evaluation. */
  rules?: string;
  /**
   * Scrape itself as job "prometheus" so `up` exists (default true). Costs ~5.5 s of start-up: 2.42's
   * discovery and scrape managers hand over targets on 5-second tickers. Pass false when `up` is not needed.
   */
  scrapeSelf?: boolean;
  /** Require these basic-auth credentials (bcrypt cost 4). */
  basicAuth?: BasicAuthCredentials;
  /** Serve HTTPS, optionally requiring client certificates. */
  tls?: PrometheusTlsOptions;
  /** More command-line flags, e.g. ["--enable-feature=exemplar-storage"]. */
  extraArgs?: string[];
  /** Bound on each start-up phase: readiness, first self-scrape, first rule evaluation (default 15 s each). */
  startTimeoutMs?: number;
}

/** A running test Prometheus. */
export interface PrometheusServer {
  /** Base URL, `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** Listening port (kept across restarts). */
  readonly port: number;
  /** Temporary directory holding the config files and `data/`. */
  readonly dir: string;
  /** The TSDB directory (`dir/data`), kept across restarts. */
  readonly dataDir: string;
  /** Stops the process (SIGTERM, SIGKILL after 5 s) and removes `dir`. Final; idempotent. */
  stop(): Promise<void>;
  /** Sends a signal to the current process (default SIGKILL); e.g. SIGSTOP/SIGCONT to hang it. */
  kill(signal?: NodeJS.Signals): void;
  /** Stops the current process if still running and starts a new one on the same port and data. */
  restart(): Promise<void>;
  /** A request to `path` (with query) carrying the configured basic auth and TLS client material. */
  request(path: string, options?: HttpRequestOptions): Promise<HttpResponse>;
  /** The tail of the current process's output (logs go to stderr). */
  output(): string;
}

/** Reads the PEM files the probes need, once per server. */
async function probeTls(tls: PrometheusTlsOptions | undefined): Promise<ClientTls | undefined> {
  if (!tls) return undefined;
  if (tls.requireClientCert && (!tls.clientCertFile || !tls.clientKeyFile)) {
    throw new Error("startPrometheus: tls.requireClientCert needs tls.clientCertFile and tls.clientKeyFile");
  }
  const out: ClientTls = tls.caFile
    ? { ca: await readFile(tls.caFile, "utf8") }
    : { rejectUnauthorized: false };
  if (tls.clientCertFile) out.cert = await readFile(tls.clientCertFile, "utf8");
  if (tls.clientKeyFile) out.key = await readFile(tls.clientKeyFile, "utf8");
  return out;
}

interface ApiEnvelope<T> {
  status: string;
  data: T;
}

/**
 * Starts Prometheus on a free loopback port with its own data directory, and resolves once it is ready:
 * `/-/ready` answers 200, the first self-scrape landed (`up` is 1), and every rule group was evaluated
 * once, so tests that read `up`, rules or alerts are not racy. On failure the process is stopped, the
 * directory removed, and the error carries the tail of Prometheus' log.
 */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusServer> {
  const scrapeSelf = options.scrapeSelf ?? true;
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const tmp = await tempDir("prometheus");
  const dataDir = join(tmp.path, "data");
  let proc: ManagedProcess | undefined;
  let stopped = false;
  try {
    const port = await freePort();
    await mkdir(dataDir);
    if (options.backfill ?? true) await backfillFixtures(tmp.path, dataDir);
    const files = await writePrometheusFiles(tmp.path, {
      port,
      rules: options.rules,
      scrapeSelf,
      basicAuth: options.basicAuth,
      tls: options.tls,
    });
    const args = [
      `--config.file=${files.configFile}`,
      `--web.config.file=${files.webConfigFile}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${dataDir}`,
      "--storage.tsdb.retention.time=100y",
      ...(options.extraArgs ?? []),
    ];
    const url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
    const tls = await probeTls(options.tls);
    const request = (path: string, extra: HttpRequestOptions = {}) =>
      httpRequest(new URL(path, url), {
        ...(options.basicAuth ? { basicAuth: options.basicAuth } : {}),
        ...(tls ? { tls } : {}),
        ...extra,
      });
    const getData = async <T>(path: string): Promise<T> => {
      const res = await request(path);
      if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      return (JSON.parse(res.body) as ApiEnvelope<T>).data;
    };

    const launch = async () => {
      const current = spawnManaged("prometheus", args);
      proc = current;
      // Each phase has its own bound: the first self-scrape alone takes ~5.5 s in 2.42.
      const bound = { timeoutMs: startTimeoutMs, abortIf: () => exitedMessage(current) };
      await waitFor("prometheus /-/ready", async () => (await request("/-/ready")).status === 200, bound);
      if (scrapeSelf) {
        type Up = { result: { value: [number, string] }[] };
        let up: Up["result"] = [];
        await waitFor(
          "prometheus first self-scrape",
          async () => {
            up = (await getData<Up>("/api/v1/query?query=up")).result;
            return up.length > 0;
          },
          bound,
        );
        if (up[0]?.value[1] !== "1") {
          const targets = await getData<{ activeTargets: { lastError: string }[] }>("/api/v1/targets");
          throw new Error(
            `prometheus self-scrape failed: ${targets.activeTargets[0]?.lastError ?? "no target"}`,
          );
        }
      }
      if (options.rules !== undefined) {
        type Rules = { groups: { name: string; lastEvaluation: string }[] };
        await waitFor(
          "prometheus first rule evaluation",
          async () => {
            const { groups } = await getData<Rules>("/api/v1/rules");
            // A group not yet evaluated reports Go's zero time.
            return groups.every((g) => !g.lastEvaluation.startsWith("0001-"));
          },
          bound,
        );
      }
    };

    const fail = async (error: unknown): Promise<never> => {
      const log = proc?.output().slice(-3000) ?? "";
      await proc?.stop();
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n--- prometheus log tail ---\n${log}`, { cause: error });
    };
    await launch().catch(fail);

    return {
      url,
      port,
      dir: tmp.path,
      dataDir,
      request,
      output: () => proc?.output() ?? "",
      kill(signal = "SIGKILL") {
        proc?.kill(signal);
      },
      async restart() {
        if (stopped) throw new Error("restart() after stop(): the data directory is gone");
        await proc?.stop();
        await launch().catch(fail);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await proc?.stop();
        await tmp.remove();
      },
    };
  } catch (error) {
    await proc?.stop();
    await tmp.remove();
    throw error;
  }
}

/** A message when the process has already exited, so waits end at once instead of at their bound. */
function exitedMessage(proc: ManagedProcess): string | undefined {
  if (!proc.hasExited()) return undefined;
  return "the prometheus process exited during start-up";
}
