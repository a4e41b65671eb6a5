import type { Keyv } from "keyv";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { PrometheusClient, type PrometheusClientOptions } from "../../src/index.ts";
import { type CountingUpstream, startCountingUpstream } from "./cacheUpstream.ts";

/**
 * What every part of the cache contract (test/unit/cache-contract-*.ts) shares: the store under
 * test, a counting loopback upstream, a fresh namespace per test, and waiting for background writes.
 */

/** A store under test. */
export interface CacheHarness {
  /** A Keyv over the store; two calls give two instances over the SAME data (two replicas). */
  keyv(): Keyv;
  /** Every key in the store starting with `prefix`. */
  keys(prefix: string): Promise<string[]>;
  /** Releases what `keyv()` opened. */
  close(): Promise<void>;
}

/** The evaluation time of the contract's queries (the upstream answers any time the same). */
export const T = 1_700_000_000;
let counter = 0;
/**
 * The contract is about what the store keeps, not about deadlines (the fault tests are): a
 * generous cacheTimeout keeps a loaded CI machine from turning a slow write into a miss.
 */
export const CONTRACT_OPTIONS = { cluster: "east", cacheTimeout: 5_000 } as const;

/** Resolves when `client` has written its next entry (writes happen in the background); bounded. */
function nextStore(client: PrometheusClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error("no entry was written within 10 s"));
    }, 10_000);
    const off = client.on("cache", (event) => {
      if (event.type !== "store") return;
      off();
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Runs a call that misses, and waits until its entry is written. */
export async function miss<R>(client: PrometheusClient, call: () => Promise<R>): Promise<R> {
  const stored = nextStore(client);
  const result = await call();
  await stored;
  return result;
}

/** What a contract's tests read; the fixture's hooks set it before each test. */
export interface CacheContractState {
  /** The store under test. */
  h: CacheHarness;
  /** The Keyv that clients made by `client()` share. */
  keyv: Keyv;
  /** The counting upstream every client queries. */
  up: CountingUpstream;
  /** This test's cache namespace, so that no test sees another's entries. */
  ns: string;
}

/** The helpers a contract's tests call. */
export interface CacheContractFixture {
  /** A client on the upstream, over the shared Keyv in this test's namespace; closed after the block. */
  client(options?: Partial<PrometheusClientOptions>): PrometheusClient;
  /** The keys of this test's cache entries, sorted. */
  entryKeys(): Promise<string[]>;
  /** The clients to close after the block (a test that makes its own client adds it here). */
  clients: PrometheusClient[];
}

/**
 * Registers, in the calling describe block, the hooks every part of the contract needs: the store
 * (from `setup`) and an upstream for the block, a fresh namespace per test. `bind` receives the
 * state each time it changes, so that the tests read it as plain variables.
 */
export function cacheContractFixture(
  setup: () => Promise<CacheHarness>,
  bind: (state: CacheContractState) => void,
): CacheContractFixture {
  const state = {} as Partial<CacheContractState>;
  const current = () => state as CacheContractState;
  const clients: PrometheusClient[] = [];
  beforeAll(async () => {
    state.h = await setup();
    state.keyv = state.h.keyv();
    state.up = await startCountingUpstream();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await state.up?.close();
    await state.h?.close();
  });
  beforeEach(() => {
    const { up } = current();
    state.ns = `t${++counter}x${process.pid}`;
    up.reset();
    up.delayMs = 0;
    bind(current());
  });
  return {
    clients,
    client: (options = {}) => {
      const { up, keyv, ns } = current();
      const c = new PrometheusClient({
        url: up.url,
        cache: keyv,
        ...CONTRACT_OPTIONS,
        cacheNamespace: ns,
        ...options,
      });
      clients.push(c);
      return c;
    },
    entryKeys: async () => {
      const { h, ns } = current();
      return (await h.keys(`${ns}:r1:`)).sort();
    },
  };
}
