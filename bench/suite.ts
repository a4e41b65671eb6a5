/** The bodies the benchmark serves and measures, with the targets for promfleet. */
import { matrixBody, vectorBody } from "./bodies.ts";

/** One benchmarked body. */
export interface BodySpec {
  /** Sent as the PromQL `query`; the server answers with this body. */
  name: string;
  /** How the table names it. */
  label: string;
  kind: "matrix" | "vector";
  /** Series and points per series of a matrix (for the range parameters). */
  points: number;
  make: () => { text: string; samples: number };
  /**
   * Untimed calls of each contestant first. A small body needs a thousand: until V8 has
   * optimised every layer of a call, the figures measure the compilers, not the code. With the
   * same code (all contestants in one thread, before timing moved to workers), promfleet's
   * 10 × 60 ratio was 1.19× after 3 warm-up rounds, 1.12× after 300, 1.07× after 1,000 and
   * 1.05× after 3,000, and every contestant's median fell by a quarter. A large body warms up
   * within one call.
   */
  warmups: number;
  /** Timed rounds (each runs every contestant once, in a random order). */
  rounds: number;
  /** promfleet's targets: median ratio to `fetch` + `res.json()`, and bytes held a sample. */
  target: { ratio: number; bytesPerSample?: number };
}

/** Range parameters every matrix request uses: within Prometheus' 11,000-points rule. */
export const RANGE = { start: 1_700_000_000, step: 15 };

/** The suite, smallest first. */
export const BODIES: BodySpec[] = [
  {
    name: "matrix_10x60",
    label: "matrix 10 × 60",
    kind: "matrix",
    points: 60,
    make: () => matrixBody({ series: 10, points: 60, seed: 1 }),
    warmups: 1000,
    rounds: 600,
    target: { ratio: 1.15 },
  },
  {
    name: "matrix_500x360",
    label: "matrix 500 × 360",
    kind: "matrix",
    points: 360,
    make: () => matrixBody({ series: 500, points: 360, seed: 2 }),
    warmups: 3,
    rounds: 20,
    target: { ratio: 0.85, bytesPerSample: 20 },
  },
  {
    name: "matrix_2000x720",
    label: "matrix 2,000 × 720",
    kind: "matrix",
    points: 720,
    make: () => matrixBody({ series: 2000, points: 720, seed: 3 }),
    warmups: 1,
    rounds: 6,
    target: { ratio: 0.6, bytesPerSample: 20 },
  },
  {
    name: "vector_5000",
    label: "vector 5,000 × 25 labels",
    kind: "vector",
    points: 1,
    make: () => vectorBody(5000, 4),
    warmups: 5,
    rounds: 80,
    target: { ratio: 1.1 },
  },
];
