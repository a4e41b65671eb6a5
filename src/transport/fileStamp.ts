import { statSync } from "node:fs";

/**
 * What tells one version of a file from the next: device, inode, size and times, following
 * symlinks — so Kubernetes' swap of a mounted Secret's or ConfigMap's `..data` symlink counts as a
 * change even when size and mtime happen to match. Throws as `statSync` does.
 */
export function fileStamp(path: string): string {
  const s = statSync(path, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}
