/**
 * From a laptop or a CI job: query OpenShift monitoring through its route, as the user `oc` is
 * logged in as. Run with Node ≥ 22.18 (type stripping), after `oc login`:
 *   node examples/openshift-out-of-cluster.ts
 * The user needs `cluster-monitoring-view` (or use the tenancy port with a namespace, see
 * openshift-in-cluster.ts). Environment:
 *   OC=/path/to/oc          the oc binary (default: oc on PATH)
 *   PROMETHEUS_URL=https://...  skip the route lookup
 *   PROMETHEUS_CA=ingress-ca.crt  the router's CA, when it is not publicly trusted:
 *     oc get configmap default-ingress-cert -n openshift-config-managed \
 *       -o jsonpath='{.data.ca-bundle\.crt}' > ingress-ca.crt
 *   QUERY='...'             the PromQL (default: scrape targets up, by job)
 * (In your own code import from "promfleet"; this repository's examples import the sources.)
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { bearerAuth, PrometheusClient, PrometheusError } from "../src/index.ts";

const run = promisify(execFile);

/** Runs `oc` with `args` and returns its trimmed output (bounded: a hung `oc` cannot hang us). */
async function oc(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.env.OC ?? "oc", args, { timeout: 15_000 });
    return stdout.trim();
  } catch (error) {
    // oc's own complaint ("error: You must be logged in to the server") says what to do.
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`oc ${args.slice(0, 2).join(" ")} failed: ${stderr || (error as Error).message}`);
  }
}

// Thanos Querier's route in openshift-monitoring, unless a URL is given.
const url =
  process.env.PROMETHEUS_URL ??
  `https://${await oc("get", "route", "thanos-querier", "-n", "openshift-monitoring", "-o", "jsonpath={.spec.host}")}`;

const client = new PrometheusClient({
  url,
  // A provider, not a fixed string: it is called for the first request and again after a 401, so a
  // session that expired mid-run is picked up after the next `oc login`. Its error message (never a
  // token) becomes the AuthenticationError's message. Concurrent requests share one call.
  auth: bearerAuth({ token: () => oc("whoami", "-t") }),
  ...(process.env.PROMETHEUS_CA ? { tls: { ca: process.env.PROMETHEUS_CA } } : {}),
  timeout: 15_000,
});

try {
  const query = process.env.QUERY ?? "sum by (job) (up)";
  const { data } = await client.query(query);
  if (data.resultType !== "vector") throw new Error(`expected a vector, got ${data.resultType}`);
  console.log(`${query} at ${url}: ${data.result.length} series`);
  for (const sample of data.result) console.log(`  ${JSON.stringify(sample.metric)} ${sample.value}`);
} catch (error) {
  // Not logged in: `oc whoami -t` fails and the call is an AuthenticationError saying so.
  // Logged in without the role: an AuthorizationError with the proxy's "Forbidden (user=...)" text.
  if (!(error instanceof PrometheusError)) throw error;
  console.error(`${error.name}: ${error.message}`);
  process.exitCode = 1;
} finally {
  await client.close();
}
