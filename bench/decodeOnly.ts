/**
 * Decoding alone, without the network: the same bytes through `JSON.parse` (what `res.json()`
 * does after reading), promfleet's reference path (valibot envelope + JSON.parse + one loop),
 * and the decoder promfleet uses. Tells the decoder's share of a ratio from the transport's.
 */
import { prepareQuery, prepareQueryRange } from "../src/client/query.ts";
import { decodeQueryData } from "../src/decode/query.ts";
import { envelopeDecoder } from "../src/transport/decoder.ts";
import { collect } from "./memory.ts";
import { median } from "./stats.ts";
import type { BodySpec } from "./suite.ts";

/** Median milliseconds of each way of decoding one body. */
export interface DecodeFigures {
  jsonParse: number;
  reference: number;
  promfleet: number;
}

const reference = envelopeDecoder(decodeQueryData);
const utf8 = new TextDecoder();

/**
 * Times the three decoders on `bytes`, interleaved, `rounds` times each, after as many untimed
 * rounds as fit in about 5 MB of input (hundreds on a small body: a cold decoder measures V8's
 * tiers, not the decoder; one on a large body, which warms up within a call).
 */
export function timeDecoding(body: BodySpec, bytes: Uint8Array, rounds: number): DecodeFigures {
  const promfleet =
    body.kind === "matrix"
      ? prepareQueryRange("q", { start: 0, end: 60, step: 15 }, 11_000).decode
      : prepareQuery("q", undefined).decode;
  const ways: Array<[keyof DecodeFigures, () => unknown]> = [
    ["jsonParse", () => JSON.parse(utf8.decode(bytes))],
    ["reference", () => reference(bytes)],
    ["promfleet", () => promfleet(bytes)],
  ];
  const warmups = Math.max(1, Math.min(300, Math.round(5e6 / bytes.byteLength)));
  for (let round = 0; round < warmups; round++) for (const [, decode] of ways) decode();
  const times: Record<keyof DecodeFigures, number[]> = { jsonParse: [], reference: [], promfleet: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [name, decode] of ways) {
      if (bytes.byteLength > 1e6 || round % 20 === 0) collect();
      const started = performance.now();
      decode();
      times[name].push(performance.now() - started);
    }
  }
  return {
    jsonParse: median(times.jsonParse),
    reference: median(times.reference),
    promfleet: median(times.promfleet),
  };
}
