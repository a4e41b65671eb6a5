/**
 * Measures one body: interleaved timed rounds of every contestant, retained memory, exactness.
 */
import type { ApiResponse, QueryData } from "../src/index.ts";
import { BASELINE, type Contestant, dropIdleSockets, FLOOR, PEER, PROMFLEET } from "./contestants.ts";
import { type DecodeFigures, timeDecoding } from "./decodeOnly.ts";
import { checkPromfleet, describePeer, wireResult } from "./exactness.ts";
import { collect, retainedBytes } from "./memory.ts";
import { median, quantile } from "./stats.ts";
import type { BodySpec } from "./suite.ts";

/** One contestant's figures on one body. */
export interface ContestantFigures {
  name: string;
  medianMs: number;
  p90Ms: number;
  /** Median over the baseline's median. */
  ratio: number;
  /** Bytes held by the result, per sample. */
  bytesPerSample: number;
  /** "exact", or what differs. */
  exactness: string;
}

/** Everything measured on one body. */
export interface BodyFigures {
  body: BodySpec;
  samples: number;
  bytes: number;
  rounds: number;
  contestants: ContestantFigures[];
  /** Problems found in promfleet's result (empty when every sample is bit-exact). */
  problems: string[];
  /** Decoding alone (no network), median milliseconds. */
  decoding: DecodeFigures;
  /** Wall time this body took to measure, in seconds. */
  seconds?: number;
}

function countSamples(response: ApiResponse<QueryData>): number {
  const { data } = response;
  if (data.resultType === "matrix") return data.result.reduce((n, s) => n + s.length, 0);
  return data.resultType === "vector" ? data.result.length : 1;
}

/** Garbage (in body bytes read) after which a full collection runs before the next timed call. */
const GARBAGE_BUDGET = 20e6;

/**
 * Runs `rounds` rounds; each runs every contestant once, in an order rotated by the round so no
 * one always goes first (or always right after the most garbage-heavy one). A full collection
 * runs before a timed call whenever the calls since the last one read more than 20 MB (before
 * every call on the largest body), so one contestant's garbage stays off the next one's clock
 * without collecting after every 20 kB call.
 */
async function timeRounds(
  list: Contestant[],
  body: BodySpec,
  rounds: number,
  bodyBytes: number,
): Promise<Map<string, number[]>> {
  const times = new Map(list.map((c) => [c.name, [] as number[]]));
  let garbage = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < list.length; k++) {
      const contestant = list[(k + round) % list.length]!;
      if (garbage + bodyBytes > GARBAGE_BUDGET) {
        collect();
        garbage = 0;
      }
      garbage += bodyBytes;
      const started = performance.now();
      await contestant.run(body);
      times.get(contestant.name)!.push(performance.now() - started);
    }
  }
  return times;
}

/** What the checks found; the bodies and results they used are dropped with their frame. */
interface Checks {
  bytes: number;
  decoding: DecodeFigures;
  samples: number;
  problems: string[];
  peerExactness: string;
}

/**
 * Warms every contestant up (JIT, connection pools), then checks exactness on one call each of
 * the floor (the raw bytes), promfleet and the peer. A function of its own, so none of the
 * 40 MB bodies and results it holds is still referenced when memory is measured.
 */
async function warmUpAndCheck(list: Contestant[], body: BodySpec): Promise<Checks> {
  const byName = (name: string) => list.find((c) => c.name === name)!;
  for (let i = 0; i < body.warmups; i++) for (const c of list) await c.run(body);
  const bytes = new Uint8Array((await byName(FLOOR).run(body)) as ArrayBuffer);
  const response = (await byName(PROMFLEET).run(body)) as ApiResponse<QueryData>;
  const wire = wireResult(bytes);
  return {
    bytes: bytes.byteLength,
    decoding: timeDecoding(body, bytes, Math.max(5, Math.min(300, Math.round(3e7 / bytes.byteLength)))),
    samples: countSamples(response),
    problems: checkPromfleet(bytes, wire, response),
    peerExactness: describePeer(wire, (await byName(PEER).run(body)) as { result: unknown[] }),
  };
}

/** Measures `body` with every contestant; `scale` shortens the rounds (quick runs). */
export async function measureBody(list: Contestant[], body: BodySpec, scale: number): Promise<BodyFigures> {
  const { bytes, decoding, samples, problems, peerExactness } = await warmUpAndCheck(list, body);
  const rounds = Math.max(3, Math.round(body.rounds * scale));
  const times = await timeRounds(list, body, rounds, bytes);

  const held = new Map<string, number>();
  const copies = Math.min(50, Math.ceil(5e6 / bytes));
  for (const c of list) {
    dropIdleSockets();
    held.set(c.name, await retainedBytes(() => c.run(body), copies));
  }

  const baseline = median(times.get(BASELINE)!);
  const exactness = (name: string) =>
    name === PROMFLEET ? (problems.length === 0 ? "exact" : "DIFFERS") : name === PEER ? peerExactness : "–";
  const contestants = list.map(
    (c): ContestantFigures => ({
      name: c.name,
      medianMs: median(times.get(c.name)!),
      p90Ms: quantile(times.get(c.name)!, 0.9),
      ratio: median(times.get(c.name)!) / baseline,
      bytesPerSample: held.get(c.name)! / samples,
      exactness: exactness(c.name),
    }),
  );
  return { body, samples, bytes, rounds, contestants, problems, decoding };
}
