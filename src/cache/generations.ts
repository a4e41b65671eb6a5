import { randomBytes } from "node:crypto";
import type { GuardCall, KeyvGuard, Outcome } from "./guard.ts";

/**
 * Generation tokens: invalidation without SCAN or `clear()` (which on @keyv/redis deletes the whole
 * namespace, or without one every unprefixed key of the DB — the user's own data). Each entry key
 * holds the current token of its cluster and of its query; `invalidate()` writes a new token, so
 * older entries are simply never read again and expire by their TTL.
 *
 * Tokens are random, not counters: a counter whose key was evicted would restart at 0 and bring
 * back entries written under the old 0. Tokens are memoised in-process for at most
 * {@link GENERATION_MEMO_MS} — so an invalidation made by another replica is seen within a second —
 * and concurrent reads of the same keys share one `getMany`.
 */

/** How long a generation token read from the cache is trusted in-process, ms. */
export const GENERATION_MEMO_MS = 1_000;

/** Query generation keys expire after this (entry TTLs are capped below it); cluster ones never. */
export const QUERY_GENERATION_TTL_MS = 8 * 24 * 3600_000;

/** The token of a key never invalidated. */
const INITIAL = "0";

const MAX_MEMO = 10_000;

/** A new token: time-ordered and unique enough across replicas. */
function newToken(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

/** Whether token `a` was made after `b` (tokens start with the time in base 36; "0" is the first). */
function newer(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

const all = new WeakMap<KeyvGuard, Generations>();

/** The generations of a guarded Keyv (one memo per Keyv, shared by its clients). */
export function generationsFor(guard: KeyvGuard): Generations {
  let generations = all.get(guard);
  if (!generations) {
    generations = new Generations(guard);
    all.set(guard, generations);
  }
  return generations;
}

/** Reads and bumps generation tokens through a guard, with a short in-process memo. */
export class Generations {
  readonly #guard: KeyvGuard;
  readonly #memo = new Map<string, { token: string; at: number; bumped: boolean }>();
  readonly #pending = new Map<string, Promise<Outcome<string[]>>>();
  /**
   * Tokens of bumps the cache refused: this process keeps using them (it must never serve what
   * it invalidated, also after the memo expires) and writes them again on later reads, until the
   * cache takes one or holds a newer token.
   */
  readonly #unconfirmed = new Map<string, { token: string; ttlMs: number | undefined }>();
  readonly #now: () => number;

  /** Builds the memo for `guard`; `now` is injectable for tests. */
  constructor(guard: KeyvGuard, now: () => number = Date.now) {
    this.#guard = guard;
    this.#now = now;
  }

  /** The current tokens of `keys` (memoised ≤ 1 s), or a failed outcome when the cache could not tell. */
  read(keys: readonly string[], call: GuardCall): Promise<Outcome<string[]>> {
    const now = this.#now();
    const memoised = keys.map((key) => {
      const hit = this.#memo.get(key);
      return hit !== undefined && now - hit.at < GENERATION_MEMO_MS ? hit.token : undefined;
    });
    if (memoised.every((token) => token !== undefined)) {
      return Promise.resolve({ ok: true, value: memoised as string[] });
    }
    const id = keys.join("\n");
    let pending = this.#pending.get(id);
    if (!pending) {
      pending = this.#fetch(keys, call).finally(() => this.#pending.delete(id));
      this.#pending.set(id, pending);
    }
    return pending;
  }

  /** The memoised token of `key` if still fresh (used to skip writes that an invalidation made moot). */
  current(key: string): string | undefined {
    const hit = this.#memo.get(key);
    return hit !== undefined && this.#now() - hit.at < GENERATION_MEMO_MS ? hit.token : undefined;
  }

  /**
   * Writes a new token for `key`. The in-process memo takes it at once (this process never serves
   * an invalidated entry again); the outcome says whether the cache took it too.
   */
  async bump(key: string, ttlMs: number | undefined, call: GuardCall): Promise<Outcome<boolean>> {
    const token = newToken();
    this.#remember(key, token, this.#now(), true);
    const outcome = await this.#guard.set(key, token, ttlMs, call);
    this.#settle(key, token, ttlMs, outcome.ok);
    return outcome;
  }

  /** Notes whether the cache took `token`; a refused one becomes this process' floor for `key`. */
  #settle(key: string, token: string, ttlMs: number | undefined, taken: boolean): void {
    const floor = this.#unconfirmed.get(key);
    if (taken) {
      if (floor?.token === token) this.#unconfirmed.delete(key);
      return;
    }
    if (floor !== undefined && newer(floor.token, token)) return;
    if (this.#unconfirmed.size >= MAX_MEMO) this.#unconfirmed.clear();
    this.#unconfirmed.set(key, { token, ttlMs });
  }

  async #fetch(keys: readonly string[], call: GuardCall): Promise<Outcome<string[]>> {
    const startedAt = this.#now();
    const outcome = await this.#guard.getMany([...keys], call);
    if (!outcome.ok) return outcome;
    const tokens = keys.map((key, i) => {
      const stored = outcome.value[i];
      let token = typeof stored === "string" && stored.length > 0 && stored.length <= 64 ? stored : INITIAL;
      // A bump made by this process while the read was in flight wins over what was read.
      const local = this.#memo.get(key);
      if (local?.bumped && local.at >= startedAt) return local.token;
      token = this.#atLeastFloor(key, token, call);
      this.#remember(key, token, startedAt);
      return token;
    });
    return { ok: true, value: tokens };
  }

  /**
   * `stored`, unless this process bumped `key` and the cache refused it: then that token (and a
   * new try at writing it), until the cache holds it or a newer one.
   */
  #atLeastFloor(key: string, stored: string, call: GuardCall): string {
    const floor = this.#unconfirmed.get(key);
    if (floor === undefined) return stored;
    if (stored === floor.token || newer(stored, floor.token)) {
      this.#unconfirmed.delete(key);
      return stored;
    }
    void this.#guard
      .set(key, floor.token, floor.ttlMs, call)
      .then((outcome) => this.#settle(key, floor.token, floor.ttlMs, outcome.ok));
    return floor.token;
  }

  #remember(key: string, token: string, at: number, bumped = false): void {
    if (this.#memo.size >= MAX_MEMO) {
      const now = this.#now();
      for (const [k, entry] of this.#memo) if (now - entry.at >= GENERATION_MEMO_MS) this.#memo.delete(k);
      if (this.#memo.size >= MAX_MEMO) this.#memo.clear();
    }
    this.#memo.set(key, { token, at, bumped });
  }
}
