import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { quotePath } from "../errors/quotePath.ts";
import type { TlsOptions } from "../transport/tls.ts";
import type { AuthStrategy } from "./AuthStrategy.ts";
import { bearerAuth } from "./bearerAuth.ts";

/** Where Kubernetes mounts a pod's service-account files. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** OpenShift's in-cluster Thanos Querier (all namespaces; needs `cluster-monitoring-view`). */
export const OPENSHIFT_THANOS_QUERIER_URL = "https://thanos-querier.openshift-monitoring.svc:9091";

/** Options of {@link inClusterOptions}; every path can be overridden (tests, unusual mounts). */
export interface InClusterOptions {
  /** The API's URL. Default: OpenShift's Thanos Querier when `service-ca.crt` is mounted, else none. */
  url?: string | undefined;
  /** Directory of the files below. Default {@link SERVICE_ACCOUNT_DIR}. */
  dir?: string | undefined;
  /** The projected service-account token. Default `<dir>/token`. */
  tokenFile?: string | undefined;
  /** The Kubernetes API's CA. Default `<dir>/ca.crt`. */
  caFile?: string | undefined;
  /** OpenShift's service CA, which signs in-cluster services' certificates. Default `<dir>/service-ca.crt`. */
  serviceCaFile?: string | undefined;
}

/** Client options built by {@link inClusterOptions}: spread them into `new PrometheusClient({...})`. */
export interface InClusterClientOptions {
  /** Present when given, or when OpenShift's service CA shows that Thanos Querier is the likely target. */
  url?: string;
  /** The service account's token file, re-read as the kubelet rotates it. */
  auth: AuthStrategy;
  /** The CA to trust: the service CA when mounted, else the cluster CA. Files, so rotations are seen. */
  tls: TlsOptions;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds client options from the pod's service-account files, for a collector running inside
 * the cluster it queries: the token (a `bearerAuth({ tokenFile })`, following the kubelet's
 * rotations) and a CA. On OpenShift, `service-ca.crt` — the CA that signs service certificates
 * such as Thanos Querier's — is trusted; elsewhere `ca.crt`. Both are given as paths, so a
 * rotated CA is picked up. Throws an InvalidArgumentError when the token file is missing (not in a
 * pod, or `automountServiceAccountToken: false`).
 *
 * @example
 * ```ts
 * const url = "https://thanos-querier.openshift-monitoring.svc:9091";
 * const client = new PrometheusClient({ ...inClusterOptions({ url }), cluster: "local" });
 * await client.query('sum by (namespace) (kube_pod_info)');
 * ```
 */
export function inClusterOptions(
  options: InClusterOptions & {
    /** The API's URL: the result then has it too. */
    url: string;
  },
): InClusterClientOptions & {
  /** The URL that was passed. */
  url: string;
};
export function inClusterOptions(options?: InClusterOptions): InClusterClientOptions;
export function inClusterOptions(options: InClusterOptions = {}): InClusterClientOptions {
  const dir = options.dir ?? SERVICE_ACCOUNT_DIR;
  const tokenFile = options.tokenFile ?? join(dir, "token");
  const caFile = options.caFile ?? join(dir, "ca.crt");
  const serviceCaFile = options.serviceCaFile ?? join(dir, "service-ca.crt");
  if (!readable(tokenFile)) {
    throw new InvalidArgumentError(
      "tokenFile",
      `no readable service-account token at ${quotePath(tokenFile)}: not running in a pod, or the token is not mounted (automountServiceAccountToken: false?)`,
    );
  }
  const openshift = readable(serviceCaFile);
  const ca = openshift ? serviceCaFile : readable(caFile) ? caFile : undefined;
  const url = options.url ?? (openshift ? OPENSHIFT_THANOS_QUERIER_URL : undefined);
  return {
    ...(url === undefined ? {} : { url }),
    auth: bearerAuth({ tokenFile }),
    tls: ca === undefined ? {} : { ca },
  };
}
