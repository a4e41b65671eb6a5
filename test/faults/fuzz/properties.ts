import fc from "fast-check";
import { prepareQuery, prepareQueryRange } from "../../../src/client/query.ts";
import { DecodeError } from "../../../src/decode/DecodeError.ts";
import { errorFromResponse } from "../../../src/errors/fromResponse.ts";
import { PrometheusError } from "../../../src/errors/PrometheusError.ts";
import type { BodyDecoder } from "../../../src/transport/decoder.ts";
import { body } from "./bodies.ts";
import { assertNoPollution, checkMessages, checkQueryData } from "./guards.ts";

/** What one fuzz run reports back (from a worker thread). */
export interface FuzzReport {
  name: string;
  runs: number;
  /** Outcomes by kind, to show the sample covered each. */
  outcomes: Record<string, number>;
  /** The slowest single case, ms. */
  slowestMs: number;
  /** fast-check's report (seed, path, counterexample) when a property failed. */
  failure?: string;
}

/** A single case taking longer than this is a hang for the purpose of the fuzz. */
export const CASE_LIMIT_MS = 2_000;

/** Counts outcomes and times cases. */
export class Tally {
  readonly outcomes: Record<string, number> = {};
  slowestMs = 0;
  count(outcome: string): void {
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
  }
  time<T>(run: () => T): T {
    const started = performance.now();
    let result: T;
    try {
      result = run();
    } finally {
      this.#took(performance.now() - started);
    }
    if (performance.now() - started > CASE_LIMIT_MS)
      throw new Error(`one case took over ${CASE_LIMIT_MS} ms: a hang`);
    return result;
  }
  #took(ms: number): void {
    this.slowestMs = Math.max(this.slowestMs, ms);
  }
}

/**
 * Runs one decoder on a body: a decoded result of the promised shape, an error envelope that maps
 * to a PrometheusError, or a DecodeError (which the transport turns into a ResponseError). Any
 * other outcome, a hang, or a polluted prototype fails the property.
 */
function decodeOnce(
  decode: BodyDecoder<unknown>,
  bytes: Uint8Array,
  matrixOnly: boolean,
  tally: Tally,
): void {
  let outcome: ReturnType<BodyDecoder<unknown>>;
  try {
    outcome = tally.time(() => decode(bytes));
  } catch (error) {
    if (error instanceof DecodeError) {
      tally.count("DecodeError");
      assertNoPollution();
      return;
    }
    const e = error as Error;
    throw new Error(`the decoder threw ${e?.name}: ${e?.message}`);
  }
  if (outcome.ok) {
    checkQueryData(outcome.data, matrixOnly);
    checkMessages(outcome.warnings, "warnings");
    checkMessages(outcome.infos, "infos");
    tally.count(`ok ${(outcome.data as { resultType: string }).resultType}`);
  } else {
    const { envelope } = outcome;
    checkMessages(envelope.warnings, "error warnings");
    const error = errorFromResponse({
      status: 200,
      errorType: envelope.errorType,
      detail: envelope.error,
      endpoint: "http://127.0.0.1:9090/api/v1/query",
      warnings: envelope.warnings,
      infos: envelope.infos,
    });
    if (!(error instanceof PrometheusError))
      throw new Error("an error envelope did not map to a PrometheusError");
    tally.count(`error envelope → ${error.name}`);
  }
  assertNoPollution();
}

/** The decoders query() and queryRange() use (the fast scanner with its reference fallback). */
export function fuzzDecoders(seed: number, runs: number): FuzzReport {
  const instant = prepareQuery("up", undefined).decode as BodyDecoder<unknown>;
  const range = prepareQueryRange("up", { start: 0, end: 60, step: 15 }, 11_000)
    .decode as BodyDecoder<unknown>;
  const tally = new Tally();
  const details = fc.check(
    fc.property(body, (bytes) => {
      decodeOnce(instant, bytes, false, tally);
      decodeOnce(range, bytes, true, tally);
    }),
    { seed, numRuns: runs },
  );
  return report("decoders", runs, tally, details);
}

/** Packs fast-check's result for the test. */
export function report<T>(name: string, runs: number, tally: Tally, details: fc.RunDetails<T>): FuzzReport {
  const out: FuzzReport = { name, runs, outcomes: tally.outcomes, slowestMs: Math.round(tally.slowestMs) };
  if (details.failed) out.failure = fc.defaultReportMessage(details) ?? "failed";
  return out;
}
