import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BadQueryError, PrometheusClient } from "../../src/index.ts";
import { resetTracingForTests, withSpan } from "../../src/observe/tracing.ts";
import { type FakePrometheus, startFakePrometheus } from "../../src/testing/index.ts";

const SECRET_HEADER = "X-Scope-OrgID-Secret-7f3a9";
const exporter = new InMemorySpanExporter();
let fake: FakePrometheus;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  resetTracingForTests();
  fake = await startFakePrometheus({
    series: [{ labels: { __name__: "up", job: "api" }, samples: [[1_700_000_000, 1]] }],
  });
});

afterAll(async () => {
  await fake.close();
  trace.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

describe("tracing with @opentelemetry/api installed and an SDK registered", () => {
  it("makes one client span per call with HTTP attributes and no secret", async () => {
    const client = new PrometheusClient({
      url: fake.url,
      cluster: "east",
      headers: { "x-tenant": SECRET_HEADER },
    });
    await client.query("up", { time: 1_700_000_000 });
    await client.close();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.name).toBe("prometheus api/v1/query");
    expect(span.kind).toBe(2); // SpanKind.CLIENT
    expect(span.attributes).toMatchObject({
      "url.full": `${fake.url}/api/v1/query`,
      "server.address": "127.0.0.1",
      "promfleet.cluster": "east",
      "http.response.status_code": 200,
    });
    expect(JSON.stringify(span.attributes)).not.toContain(SECRET_HEADER);
    expect(JSON.stringify(span.attributes)).not.toContain("up"); // the query is not an attribute
  });

  it("marks failed calls with the status and error type", async () => {
    const client = new PrometheusClient({ url: fake.url, retry: false });
    await expect(client.query("sum(up)")).rejects.toBeInstanceOf(BadQueryError);
    await client.close();
    const span = exporter.getFinishedSpans()[0]!;
    expect(span.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(span.attributes["error.type"]).toBe("BadQueryError");
    expect(span.attributes["http.response.status_code"]).toBe(400);
  });

  it("makes a split range one internal span, the parent of one client span a piece", async () => {
    const client = new PrometheusClient({ url: fake.url, cluster: "east" });
    await client.queryRange("up", { start: 1_700_000_040, end: 1_700_000_040 + 170, step: 15, split: "1m" });
    await client.close();
    const spans = exporter.getFinishedSpans();
    const parent = spans.find((s) => s.name === "promfleet split api/v1/query_range")!;
    const pieces = spans.filter((s) => s.name === "prometheus api/v1/query_range");
    expect(parent.kind).toBe(0); // SpanKind.INTERNAL
    expect(parent.attributes).toEqual({ "promfleet.split.pieces": 3, "promfleet.cluster": "east" });
    expect(pieces).toHaveLength(3);
    for (const piece of pieces) expect(piece.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });

  it("nests spans through the active context", async () => {
    await withSpan("outer", {}, async () => {
      const client = new PrometheusClient({ url: fake.url });
      await client.query("up", { time: 1_700_000_000 });
      await client.close();
    });
    const spans = exporter.getFinishedSpans();
    const outer = spans.find((s) => s.name === "outer")!;
    const inner = spans.find((s) => s.name === "prometheus api/v1/query")!;
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
  });
});

describe("spans end exactly once", () => {
  it("an aborted call ends its span once, with an error status", async () => {
    const slow = await startFakePrometheus({ latencyMs: 2_000 });
    const client = new PrometheusClient({ url: slow.url, retry: false });
    const ac = new AbortController();
    const p = client.query("up", { signal: ac.signal }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(new Error("user gave up")), 100);
    const error = (await p) as Error;
    await client.close();
    await slow.close();
    expect(error.name).toBe("AbortError");
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.status.code).toBe(2);
    expect(JSON.stringify(spans[0]!.attributes)).not.toContain("user gave up");
  });

  it("a call cut by close() ends its span once", async () => {
    const slow = await startFakePrometheus({ latencyMs: 5_000 });
    const client = new PrometheusClient({ url: slow.url, retry: false });
    const p = client.query("up").catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await client.close();
    await p;
    await slow.close();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
  });
});
