import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll } from "vitest";
import { type StubHandler, type StubServer, startStubServer } from "../support/stubServer.ts";

/** A Prometheus success body holding one vector sample. */
export function vectorBody(metric: Record<string, string>, value: number, extra: object = {}): object {
  return {
    status: "success",
    data: { resultType: "vector", result: [{ metric, value: [1_700_000_000, String(value)] }] },
    ...extra,
  };
}

/** Counts requests in flight across every handler it wraps; `max` is the peak. */
export class InFlight {
  now = 0;
  max = 0;
  /** Arrival times (performance.now()) per label, in order. */
  readonly arrivals: Array<{ label: string; at: number }> = [];

  /** Wraps `handler` so its requests count while open (until the response finishes or the client leaves). */
  wrap(label: string, handler: StubHandler): StubHandler {
    return (req: IncomingMessage, res: ServerResponse) => {
      this.now++;
      this.max = Math.max(this.max, this.now);
      this.arrivals.push({ label, at: performance.now() });
      let counted = true;
      const leave = (): void => {
        if (!counted) return;
        counted = false;
        this.now--;
      };
      res.once("finish", leave);
      res.once("close", leave);
      handler(req, res);
    };
  }
}

/** Starts stub servers and closes them after the file's tests. */
export function stubPool(): (handler: StubHandler) => Promise<StubServer> {
  const started: StubServer[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.close()));
  });
  return async (handler) => {
    const server = await startStubServer(handler);
    started.push(server);
    return server;
  };
}
