import { afterAll, beforeAll } from "vitest";
import { bearerAuth, PrometheusClient } from "../../src/index.ts";
import { FIXTURE_END, FIXTURE_T0 } from "../support/fixtures.ts";
import { type RbacProxy, startRbacProxy } from "../support/rbacProxy.ts";

/**
 * Shared set-up of the read-endpoint tests (test/integration/endpoints-*.test.ts) against the
 * shared backfilled Prometheus: the fixtures' time window, and the two routes a client can take.
 */

/** The backfilled fixtures' time window. */
export const window = { start: FIXTURE_T0, end: FIXTURE_END };

/** The clients of a read-endpoint test file, and the proxy one of them goes through. */
export interface EndpointClients {
  /** A kube-rbac-proxy-like proxy in front of Prometheus whose only role may `get`. */
  proxy: RbacProxy;
  /** Straight to Prometheus: form endpoints go by POST. */
  direct: PrometheusClient;
  /** Through a proxy that refuses POST (403, as kube-rbac-proxy with a get-only role): they fall back to GET. */
  viaGet: PrometheusClient;
  /** The method of every request `direct` sent, in order. */
  methods: string[];
}

/**
 * Starts the proxy and both clients before the calling describe block's tests (handing them to
 * `bind`, so that the tests read them as plain variables) and closes them after.
 */
export function endpointClients(url: string, bind: (clients: EndpointClients) => void): void {
  let started: Partial<EndpointClients> = {};
  beforeAll(async () => {
    const methods: string[] = [];
    const proxy = await startRbacProxy({
      upstream: url,
      tokens: { reader: { user: "reader", verbs: ["get"] } },
    });
    const direct = new PrometheusClient({ url });
    direct.on("request", (e) => methods.push(e.method));
    const viaGet = new PrometheusClient({ url: proxy.url, auth: bearerAuth({ token: "reader" }) });
    const clients: EndpointClients = { proxy, direct, viaGet, methods };
    started = clients;
    bind(clients);
  });
  afterAll(async () => {
    await started.direct?.close();
    await started.viaGet?.close();
    await started.proxy?.close();
  });
}
