import fc from "fast-check";
import { decodeEntry, encodeEntry } from "../../../src/cache/entry.ts";
import { prepareQuery } from "../../../src/client/query.ts";
import { ApiResponse } from "../../../src/decode/response.ts";
import type { QueryData } from "../../../src/decode/types.ts";
import { envelope } from "./bodies.ts";
import { assertNoPollution, checkMessages, checkQueryData } from "./guards.ts";
import { anyJson, write } from "./json.ts";
import { type FuzzReport, report, Tally } from "./properties.ts";

/**
 * Cache entries read back from a store, as a shared Redis could hold them: promfleet's own
 * (fresh, expired, under another key, from the future), damaged (edited, truncated, subtrees
 * of the wrong type or with forged `$` tags, deep nesting) or foreign (any value). Reading one
 * never throws: it is a usable result of the promised shape, or a miss.
 */

const KEY = "promfleet:r1:east:fp:g1:g2:api/v1/query:abc";
const NOW = 1_700_000_000_000;
const decodeBody = prepareQuery("up", undefined).decode;
const encoder = new TextEncoder();

/** Valid query results, decoded from generated valid bodies. */
const response = envelope(false)
  .map((e) => decodeBody(encoder.encode(write(e))))
  .filter((d) => d.ok && d.warnings.length === 0)
  .map((d) => {
    if (!d.ok) throw new Error("filtered");
    return new ApiResponse<QueryData>(d.data, [], d.infos);
  });

/** Forged or damaged tags of the entry codec. */
const forged = fc.constantFrom<unknown>(
  { $f64: "!!!!" },
  { $f64: "AAAA" },
  { $f64: 5 },
  { $n: "NaN!" },
  { $n: 1 },
  { $u: 0 },
  { $o: 5 },
  { $o: { __proto__: { polluted: "yes" } } },
  { $is: [{}, 1] },
  { $is: [{ a: 1 }, 1, 2] },
  { $rs: [{}, { $f64: "AAAAAAAAAAA=" }, { $f64: "" }] },
  {
    $rs: [
      {},
      { $f64: "AAAAAAAAAAA=" },
      { $f64: "AAAAAAAAAAA=" },
      { timestamps: { $f64: "" }, histograms: [{}] },
    ],
  },
  { $ss: ["x", 1] },
  { $zz: 1 },
  { resultType: "vector", result: [{ $is: [{ __proto__: "x" }, 1, 2] }] },
  JSON.parse('{"__proto__":{"polluted":"yes"}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}'),
);

/** Every node path of a parsed tree. */
function paths(node: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  out.push(at);
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) paths(node[i], [...at, i], out);
  } else if (node !== null && typeof node === "object") {
    for (const key of Object.keys(node)) paths((node as Record<string, unknown>)[key], [...at, key], out);
  }
  return out;
}

/** Replaces the node at `path` (own properties only, so `__proto__` stays a key). */
function replaceAt(tree: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  let parent = tree as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  Object.defineProperty(parent, path.at(-1)!, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return tree;
}

/** A generated stored value. */
export type Stored = { raw: unknown; kind: string; exact?: ApiResponse<QueryData> };

/** A value a store could hand back for an entry key, and what kind of value it is. */
export const stored: fc.Arbitrary<Stored> = fc.oneof(
  fc
    .tuple(response, fc.integer({ min: 0, max: 29_000 }))
    .map(([r, age]): Stored => ({ raw: encodeEntry(KEY, r, NOW - age, 30_000), kind: "fresh", exact: r })),
  fc.tuple(response, fc.integer({ min: 30_001, max: 10 ** 9 })).map(([r, age]) => ({
    raw: encodeEntry(KEY, r, NOW - age, 30_000),
    kind: "expired",
  })),
  response.map((r) => ({ raw: encodeEntry(`${KEY}:other`, r, NOW, 30_000), kind: "another key" })),
  response.map((r) => ({ raw: encodeEntry(KEY, r, NOW + 60_000, 30_000), kind: "future" })),
  fc.tuple(response, fc.nat()).map(([r, cut]) => {
    const text = encodeEntry(KEY, r, NOW, 30_000);
    return { raw: text.slice(0, cut % text.length), kind: "truncated" };
  }),
  fc
    .tuple(
      response,
      fc.nat(),
      fc.oneof(
        anyJson.map((j) => JSON.parse(write(j)) as unknown),
        forged,
      ),
    )
    .map(([r, at, value]) => {
      const tree = JSON.parse(encodeEntry(KEY, r, NOW, 30_000)) as unknown;
      const all = paths(tree);
      const path = all[at % all.length]!;
      return { raw: JSON.stringify(replaceAt(tree, path, value)), kind: "subtree replaced" };
    }),
  fc.tuple(fc.integer({ min: 1, max: 50_000 }), fc.boolean()).map(([depth, array]) => ({
    raw: `{"promfleet":1,"key":${JSON.stringify(KEY)},"storedAt":${NOW},"ttlMs":30000,"infos":[],"data":${(array ? "[" : '{"a":').repeat(depth)}1${(array ? "]" : "}").repeat(depth)}}`,
    kind: "deep",
  })),
  fc
    .oneof(
      anyJson.map((j) => write(j)),
      fc.string(),
      fc.constant('{"promfleet":'),
      fc.constant('{"promfleet":2}'),
    )
    .map((raw) => ({ raw, kind: "foreign text" })),
  fc
    .constantFrom<unknown>(undefined, null, 0, true, [], {}, Buffer.from("{}"), { value: "x" })
    .map((raw) => ({ raw, kind: "not a string" })),
);

/** decodeEntry on generated stored values. */
export function fuzzCacheEntries(seed: number, runs: number): FuzzReport {
  const tally = new Tally();
  const details = fc.check(
    fc.property(
      stored,
      fc.constantFrom("api/v1/query", "api/v1/query_range"),
      ({ raw, kind, exact }, path) => {
        const read = tally.time(() => decodeEntry(raw, KEY, path, NOW));
        assertNoPollution();
        if (!read.ok) {
          if (!["absent", "expired", "corrupt"].includes(read.reason))
            throw new Error(`reason ${read.reason}`);
          if (kind === "fresh" && (path === "api/v1/query" || exact?.data.resultType === "matrix")) {
            throw new Error(`a fresh entry was refused: ${read.detail}`);
          }
          tally.count(`${kind}: miss (${read.reason})`);
          return;
        }
        if (["expired", "another key", "future", "not a string"].includes(kind))
          throw new Error(`a ${kind} entry was served`);
        checkQueryData(read.response.data, path === "api/v1/query_range");
        checkMessages(read.response.infos, "infos");
        if (read.response.warnings.length > 0) throw new Error("a cached result has warnings");
        if (!(read.ageMs >= 0 && read.ageMs <= 30_000)) throw new Error(`age ${read.ageMs}`);
        if (exact && JSON.stringify(read.response) !== JSON.stringify(exact))
          throw new Error("a fresh entry did not read back exactly");
        tally.count(`${kind}: served`);
      },
    ),
    { seed, numRuns: runs },
  );
  return report("cache entries", runs, tally, details);
}
