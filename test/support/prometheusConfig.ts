import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { toOpenMetrics } from "./fixtures.ts";
import { runTool } from "./process.ts";

/**
 * The files a test Prometheus starts from: prometheus.yml, web.yml (basic auth, TLS), rules.yml and the
 * backfilled blocks. Strings are written as JSON, which is valid YAML and needs no escaping rules of our own.
 */

/** TLS settings of a test Prometheus (file paths, as Prometheus reads them itself). */
export interface PrometheusTlsOptions {
  /** Server certificate (PEM file). */
  certFile: string;
  /** Server key (PEM file). */
  keyFile: string;
  /** CA that verifies client certificates. */
  clientCaFile?: string;
  /** Require and verify a client certificate (client_auth_type RequireAndVerifyClientCert). */
  requireClientCert?: boolean;
  /** CA that verifies the server certificate, used by our readiness probes and the self-scrape. */
  caFile?: string;
  /** Client certificate presented by our probes and the self-scrape (needed when one is required). */
  clientCertFile?: string;
  /** Key of `clientCertFile`. */
  clientKeyFile?: string;
}

/** Credentials a test Prometheus requires (basic_auth_users in its web config). */
export interface BasicAuthCredentials {
  /** User name. */
  username: string;
  /** Plain-text password; only its bcrypt hash is written to disk. */
  password: string;
}

/** What the config files are generated from. */
export interface PrometheusFilesOptions {
  /** Port Prometheus listens on (the self-scrape target). */
  port: number;
  /** Rule file content, or undefined for none. */
  rules: string | undefined;
  /** Whether a `prometheus` job scrapes the server itself. */
  scrapeSelf: boolean;
  /** Basic-auth credentials, if required. */
  basicAuth: BasicAuthCredentials | undefined;
  /** TLS settings, if served over HTTPS. */
  tls: PrometheusTlsOptions | undefined;
}

/** Paths of the generated files. */
export interface PrometheusFiles {
  /** --config.file */
  configFile: string;
  /** --web.config.file */
  webConfigFile: string;
}

const q = (value: string) => JSON.stringify(value);

/**
 * A bcrypt hash made by `htpasswd -nbBC 4`: cost 4 instead of Prometheus' documented 10 keeps every
 * wrong-password check (uncached in Prometheus) at ~1 ms instead of ~70 ms.
 */
export async function bcryptHash(username: string, password: string): Promise<string> {
  const out = await runTool("htpasswd", ["-nbBC", "4", username, password]);
  const hash = out.trim().slice(username.length + 1);
  if (!hash.startsWith("$2")) throw new Error(`htpasswd gave no bcrypt hash: ${out.slice(0, 200)}`);
  return hash;
}

/** Writes the fixture dataset as TSDB blocks into `dataDir` with promtool (blocks are in the past). */
export async function backfillFixtures(dir: string, dataDir: string): Promise<void> {
  const input = join(dir, "fixtures.om");
  await writeFile(input, toOpenMetrics());
  // promtool keeps its scratch head block in TMPDIR; a promtool killed mid-run (Ctrl-C, a failed
  // test) cannot remove it, so it goes in the server's own directory, which is always removed.
  await runTool("promtool", ["tsdb", "create-blocks-from", "openmetrics", input, dataDir], 15_000, {
    TMPDIR: dir,
  });
}

/** Writes prometheus.yml, web.yml and (when given) rules.yml into `dir`. */
export async function writePrometheusFiles(
  dir: string,
  options: PrometheusFilesOptions,
): Promise<PrometheusFiles> {
  const configFile = join(dir, "prometheus.yml");
  const webConfigFile = join(dir, "web.yml");
  const { tls, basicAuth } = options;

  const config = ["global:", "  scrape_interval: 1s", "  evaluation_interval: 1s"];
  if (options.rules !== undefined) {
    const rulesFile = join(dir, "rules.yml");
    await writeFile(rulesFile, options.rules);
    config.push("rule_files:", `  - ${q(rulesFile)}`);
  }
  config.push("scrape_configs:");
  if (options.scrapeSelf) {
    config.push("  - job_name: prometheus", `    scheme: ${tls ? "https" : "http"}`);
    if (basicAuth) {
      config.push("    basic_auth:", `      username: ${q(basicAuth.username)}`);
      config.push(`      password: ${q(basicAuth.password)}`);
    }
    if (tls) {
      config.push("    tls_config:");
      if (tls.caFile) config.push(`      ca_file: ${q(tls.caFile)}`);
      else config.push("      insecure_skip_verify: true");
      if (tls.clientCertFile) config.push(`      cert_file: ${q(tls.clientCertFile)}`);
      if (tls.clientKeyFile) config.push(`      key_file: ${q(tls.clientKeyFile)}`);
    }
    config.push("    static_configs:", `      - targets: [${q(`127.0.0.1:${options.port}`)}]`);
  } else {
    config.push("  []");
  }
  await writeFile(configFile, `${config.join("\n")}\n`);

  const web: string[] = [];
  if (tls) {
    web.push("tls_server_config:", `  cert_file: ${q(tls.certFile)}`, `  key_file: ${q(tls.keyFile)}`);
    if (tls.clientCaFile) web.push(`  client_ca_file: ${q(tls.clientCaFile)}`);
    if (tls.requireClientCert) web.push("  client_auth_type: RequireAndVerifyClientCert");
    else if (tls.clientCaFile) web.push("  client_auth_type: VerifyClientCertIfGiven");
  }
  if (basicAuth) {
    const hash = await bcryptHash(basicAuth.username, basicAuth.password);
    web.push("basic_auth_users:", `  ${q(basicAuth.username)}: ${q(hash)}`);
  }
  await writeFile(webConfigFile, web.length === 0 ? "{}\n" : `${web.join("\n")}\n`);
  return { configFile, webConfigFile };
}
