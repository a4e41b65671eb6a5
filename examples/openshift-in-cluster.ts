/**
 * Inside an OpenShift pod: query cluster monitoring (Thanos Querier) with the pod's service account.
 * Run with Node ≥ 22.18 (type stripping), in a pod whose service account may read metrics:
 *   oc adm policy add-cluster-role-to-user cluster-monitoring-view -z promfleet -n my-namespace
 *   node examples/openshift-in-cluster.ts
 * One namespace only, through the tenancy port (needs just `view` in that namespace):
 *   PROMETHEUS_URL=https://thanos-querier.openshift-monitoring.svc:9092 NAMESPACE=team-a \
 *     node examples/openshift-in-cluster.ts
 * SERVICE_ACCOUNT_DIR moves the service-account files elsewhere (tests, unusual mounts); QUERY changes
 * the PromQL. (In your own code import from "promfleet"; this repository's examples import the sources.)
 */
import { inspect } from "node:util";
import { inClusterOptions, PrometheusClient, PrometheusError } from "../src/index.ts";

const namespace = process.env.NAMESPACE;
let client: PrometheusClient | undefined;

try {
  // inClusterOptions reads the service-account directory
  // (/var/run/secrets/kubernetes.io/serviceaccount by default) and returns { url, auth, tls }:
  // - auth: the projected token file, checked on every request and re-read when the kubelet rotates
  //   it (it swaps a `..data` symlink, which file watchers miss) or after a 401;
  // - tls:  service-ca.crt, the CA that signs OpenShift's service certificates (ca.crt elsewhere);
  // - url:  Thanos Querier on port 9091 when service-ca.crt is there, unless you pass one.
  // Outside a pod (no token file) it throws an InvalidArgumentError naming the missing file.
  const options = inClusterOptions({
    dir: process.env.SERVICE_ACCOUNT_DIR,
    url: process.env.PROMETHEUS_URL,
  });
  if (options.url === undefined) throw new Error("not on OpenShift (no service-ca.crt): set PROMETHEUS_URL");

  client = new PrometheusClient({ ...options, url: options.url, cluster: "local" });
  // What the client uses, without secrets: the token file's path, never the token.
  console.log(inspect(client));

  // With `namespace`, promfleet puts it in the URL (never in a body) and uses GET: the tenancy port's
  // kube-rbac-proxy requires both, and prom-label-proxy behind it restricts the query to that namespace.
  const query = process.env.QUERY ?? "sum by (namespace) (kube_pod_info)";
  const { data } = await client.query(query, namespace ? { namespace } : {});
  if (data.resultType !== "vector") throw new Error(`expected a vector, got ${data.resultType}`);
  console.log(`${query}${namespace ? ` in namespace ${namespace}` : ""}: ${data.result.length} series`);
  for (const sample of data.result) console.log(`  ${JSON.stringify(sample.metric)} ${sample.value}`);
} catch (error) {
  // Every promfleet failure is a PrometheusError. A token without permission is an
  // AuthorizationError carrying kube-rbac-proxy's own text, e.g.
  // "Forbidden (user=system:serviceaccount:team-a:promfleet, verb=get, resource=pods, subresource=)".
  if (!(error instanceof PrometheusError)) throw error;
  console.error(`${error.name}: ${error.message}`);
  process.exitCode = 1;
} finally {
  await client?.close();
}
