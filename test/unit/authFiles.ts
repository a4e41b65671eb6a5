import {
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/**
 * Files for the auth and TLS tests: temporary directories removed after the file's tests, and a
 * projected-token directory laid out and rotated exactly as the kubelet does it.
 */

/** A temporary directory for this test file, removed in afterAll. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `promfleet-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A projected service-account volume: `dir/..<timestamp>/token` holds the data, `dir/..data` is a
 * symlink to the current timestamped directory, and `dir/token -> ..data/token` is what pods read.
 * {@link ProjectedVolume.rotate} writes a new timestamped directory and swaps `..data` with one
 * rename(2), as the kubelet's AtomicWriter does: the path `dir/token` never changes, only what it
 * resolves to — which `fs.watch` on the file does not report.
 */
export interface ProjectedVolume {
  /** The path a pod reads: `dir/token`. */
  readonly tokenFile: string;
  /** The directory, holding `..data` and `token`. */
  readonly dir: string;
  /** Publishes a new token by swapping `..data`; returns the new timestamped directory's name. */
  rotate(token: string): string;
  /** Where `..data` points now. */
  current(): string;
}

let generation = 0;

/** Creates a projected volume under `parent` holding `token`. */
export function projectedVolume(parent: string, token: string): ProjectedVolume {
  const dir = join(parent, `sa-${++generation}`);
  mkdirSync(dir);
  const rotate = (next: string): string => {
    const stamp = `..2026_11_28_20_00_${String(++generation).padStart(2, "0")}.${process.pid}`;
    mkdirSync(join(dir, stamp));
    writeFileSync(join(dir, stamp, "token"), next, { mode: 0o644 });
    symlinkSync(stamp, join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
    return stamp;
  };
  rotate(token);
  symlinkSync(join("..data", "token"), join(dir, "token"));
  return { tokenFile: join(dir, "token"), dir, rotate, current: () => readlinkSync(join(dir, "..data")) };
}
