import type { Socket } from "node:net";
import { PrometheusClient, type PrometheusClientOptions } from "../../src/index.ts";
import { type StubHandler, type StubServer, startStubServer } from "../support/stubServer.ts";
import { eventually, tcpSockets } from "./helpers.ts";

/**
 * A stub server and a client on it, for the tests that check a failed call lets go of its connection:
 * the stub remembers which connections carried a request, and closing compares the process's TCP
 * sockets with the count taken before the stub started.
 */

/** Pairs opened by {@link startTrackedStub} and not closed yet (a test that failed midway). */
const open: Array<{ stub: StubServer; client: PrometheusClient }> = [];

/** Closes what a test left open; register it with `afterEach`. */
export async function closeTrackedStubs(): Promise<void> {
  for (const { stub, client } of open.splice(0)) {
    await client.close();
    await stub.close();
  }
}

/** What {@link startTrackedStub} resolves to. */
export interface TrackedStub {
  /** The stub, answering with the handler given. */
  stub: StubServer;
  /** A client on the stub's URL. */
  client: PrometheusClient;
  /** Waits (default 5 s) until every server end of a connection that carried a request is closed. */
  carriedClosed(what: string, timeoutMs?: number): Promise<void>;
  /** Closes the client, then the stub, then waits until the process holds no more TCP sockets than before. */
  close(): Promise<void>;
}

/** Starts a stub answering with `handler` and a client with `options` on it. */
export async function startTrackedStub(
  handler: StubHandler,
  options: Omit<PrometheusClientOptions, "url">,
): Promise<TrackedStub> {
  const sockets = tcpSockets();
  // The server ends of the connections that carried a request (a spare idle one does not count).
  const carried = new Set<Socket>();
  const stub = await startStubServer((req, res) => {
    carried.add(req.socket);
    handler(req, res);
  });
  const client = new PrometheusClient({ url: stub.url, ...options });
  open.push({ stub, client });
  return {
    stub,
    client,
    carriedClosed: (what, timeoutMs) =>
      eventually(what, () => [...carried].every((socket) => socket.destroyed), timeoutMs),
    async close() {
      open.splice(
        open.findIndex((o) => o.stub === stub),
        1,
      );
      await client.close();
      await stub.close();
      await eventually(`no more TCP sockets than before (${sockets})`, () => tcpSockets() <= sockets);
    },
  };
}
