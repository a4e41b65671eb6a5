import type { Attributes, Span, SpanKind, SpanStatusCode, Tracer } from "@opentelemetry/api";
import { VERSION } from "../version.ts";

/** The part of @opentelemetry/api promfleet uses. */
interface OtelApi {
  trace: { getTracer(name: string, version?: string): Tracer };
  SpanKind: typeof SpanKind;
  SpanStatusCode: typeof SpanStatusCode;
}

/** undefined: not looked up yet; null: not installed. */
let otel: OtelApi | null | undefined;
let loading: Promise<void> | undefined;

/**
 * Looks @opentelemetry/api up once, lazily: it is an optional peer dependency, so promfleet
 * neither requires it nor pays for it at import time. Without an SDK registered, its tracer is
 * a no-op and spans cost next to nothing.
 */
function loadOtel(): Promise<void> {
  loading ??= import("@opentelemetry/api").then(
    (module) => {
      otel = module as unknown as OtelApi;
    },
    () => {
      otel = null;
    },
  );
  return loading;
}

/** Attributes are plain values; promfleet never puts a secret, a query string or a header in one. */
export type SpanAttributes = Attributes;

/**
 * Runs `work` inside a span named `name` — a client span (OpenTelemetry's HTTP conventions:
 * method and route) unless `internal` (a call made of several requests, the parent of theirs) —
 * when @opentelemetry/api is installed; otherwise runs it as is. Nested calls become child spans
 * through the active context. Errors set the span's status and `error.type`.
 */
export async function withSpan<T>(
  name: string,
  attributes: SpanAttributes,
  work: (span: Span | undefined) => Promise<T>,
  internal = false,
): Promise<T> {
  if (otel === undefined) await loadOtel();
  const api = otel;
  if (!api) return work(undefined);
  const tracer = api.trace.getTracer("promfleet", VERSION);
  const kind = internal ? api.SpanKind.INTERNAL : api.SpanKind.CLIENT;
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      const e = error as Error;
      span.setAttribute("error.type", e.name ?? "Error");
      // The message of a promfleet error is secret-free by construction; anything else is not trusted.
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: e.name });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Test hook: forget the lookup so a test can register a provider first. */
export function resetTracingForTests(): void {
  otel = undefined;
  loading = undefined;
}
