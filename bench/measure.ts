/**
 * Measures one body: interleaved timed rounds of every contestant (each in a worker thread of
 * its own), retained memory and exactness (in the main thread).
 */
import type { ApiResponse, QueryData } from "../src/index.ts";
import { prng } from "./bodies.ts";
import { BASELINE, type Contestant, dropIdleSockets, FLOOR, PEER, PROMFLEET } from "./contestants.ts";
import { type DecodeFigures, timeDecoding } from "./decodeOnly.ts";
import { checkPromfleet, describePeer, wireResult } from "./exactness.ts";
import { collect, retainedBytes } from "./memory.ts";
import { median, quantile, ratioInterval } from "./stats.ts";
import type { BodySpec } from "./suite.ts";
import { TimingWorkers } from "./timing.ts";

/** One contestant's figures on one body. */
export interface ContestantFigures {
  name: string;
  medianMs: number;
  p90Ms: number;
  /** Median over the baseline's median. */
  ratio: number;
  /** A 95 % interval for `ratio` (paired bootstrap over the rounds). */
  ratioInterval: [number, number];
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

/** A copy of `items` in random order (Fisher–Yates). */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Warms every contestant's worker up (`body.warmups` calls each), then runs `rounds` rounds;
 * each runs every contestant once, in a fresh random order (seeded), so no one always goes
 * first or always follows the same contestant. Each contestant runs in a worker thread of its
 * own (bench/timingWorker.ts) and the process runs with `--single-threaded-gc`: a call pays for
 * collecting its own garbage, on its own clock, and no other contestant's garbage collection
 * runs beside it. (In one heap, a call paid for the previous call's garbage: promfleet's
 * label-heavy vector measured 0.94–1.05× of `res.json()` in rotated order, where it always came
 * after the floor and the baseline after the peer, and 1.2–1.4× in random order. Forcing a full
 * collection between calls instead took each call's own garbage off its clock, favouring the
 * allocation-heavy baseline, and reset V8's heap sizing, which slowed the next few hundred calls
 * of every contestant on the 10 × 60 body by a quarter.)
 */
async function timeRounds(
  workers: TimingWorkers,
  names: readonly string[],
  body: BodySpec,
  rounds: number,
): Promise<Map<string, number[]>> {
  for (const name of names) await workers.calls(name, body.name, body.warmups);
  const times = new Map(names.map((name) => [name, [] as number[]]));
  const random = prng(rounds);
  for (let round = 0; round < rounds; round++) {
    for (const name of shuffled(names, random)) {
      times.get(name)!.push(...(await workers.calls(name, body.name, 1)));
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
 * Checks exactness on one call each of the floor (the raw bytes), promfleet and the peer. A
 * function of its own, so none of the 40 MB bodies and results it holds is still referenced
 * when the rounds start or memory is measured.
 */
async function check(list: Contestant[], body: BodySpec): Promise<Checks> {
  const byName = (name: string) => list.find((c) => c.name === name)!;
  const bytes = new Uint8Array((await byName(FLOOR).run(body)) as ArrayBuffer);
  const response = (await byName(PROMFLEET).run(body)) as ApiResponse<QueryData>;
  const wire = wireResult(bytes);
  return {
    bytes: bytes.byteLength,
    decoding: timeDecoding(body, bytes, Math.max(3, Math.min(300, Math.round(3e7 / bytes.byteLength)))),
    samples: countSamples(response),
    problems: checkPromfleet(bytes, wire, response),
    peerExactness: describePeer(wire, (await byName(PEER).run(body)) as { result: unknown[] }),
  };
}

/**
 * Measures `body` with every contestant against the server at `base`: times in fresh worker
 * threads (one per contestant), exactness and memory held with `list` in this thread. `scale`
 * shortens the rounds (quick runs).
 */
export async function measureBody(
  list: Contestant[],
  base: string,
  body: BodySpec,
  scale: number,
): Promise<BodyFigures> {
  const { bytes, decoding, samples, problems, peerExactness } = await check(list, body);
  collect(); // what the checks left in this thread, before the workers' clocks run
  const rounds = Math.max(3, Math.round(body.rounds * scale));
  const names = list.map((c) => c.name);
  // Fresh workers for each body: a heap V8 grew for the 41 MB body would collect less often on
  // the next body than a small one, and the order of the bodies would decide the figures.
  const workers = new TimingWorkers(base, names);
  let times: Map<string, number[]>;
  try {
    times = await timeRounds(workers, names, body, rounds);
  } finally {
    await workers.close();
  }

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
      ratioInterval: ratioInterval(times.get(c.name)!, times.get(BASELINE)!),
      bytesPerSample: held.get(c.name)! / samples,
      exactness: exactness(c.name),
    }),
  );
  return { body, samples, bytes, rounds, contestants, problems, decoding };
}
