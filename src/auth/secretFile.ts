import { readFileSync } from "node:fs";
import { quotePath } from "../errors/quotePath.ts";
import { fileStamp } from "../transport/fileStamp.ts";

/** Describes a failed read of a secret file by its path and the system's code, never its contents. */
function unreadable(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === "ENOENT"
      ? "does not exist"
      : code === "EACCES" || code === "EPERM"
        ? "is not readable (permission denied)"
        : code === "EISDIR"
          ? "is a directory, not a file"
          : code === "ENOTDIR"
            ? "is not reachable (a parent is not a directory)"
            : "could not be read";
  return new Error(`${quotePath(path)} ${reason}${code ? ` (${code})` : ""}`);
}

/**
 * A secret kept in a file — a projected service-account token, a mounted password — re-read when
 * the file changes.
 *
 * The file is checked with one `stat` each time the secret is used (microseconds) and read again
 * only when its device, inode, size or times changed. Polling rather than `fs.watch`: the kubelet
 * rotates projected tokens by swapping a `..data` symlink to a new directory, which a watch on the
 * file misses; `stat` follows the symlink and sees the new inode at once.
 */
export class SecretFile {
  /** The path as given (shown in errors and descriptions through quotePath; the contents never are). */
  readonly path: string;
  readonly #normalize: (text: string) => string;
  #value: string | undefined;
  #stamp: string | undefined;

  /** `normalize` turns the file's text into the secret, e.g. trimming a trailing newline. */
  constructor(path: string, normalize: (text: string) => string) {
    this.path = path;
    this.#normalize = normalize;
  }

  /**
   * The current secret: cached while the file is unchanged, re-read when it changed. Throws an
   * Error naming the path when the file is missing, unreadable or empty.
   */
  read(): string {
    let stamp: string;
    try {
      stamp = fileStamp(this.path);
    } catch (error) {
      this.forget();
      throw unreadable(this.path, error);
    }
    if (stamp === this.#stamp && this.#value !== undefined) return this.#value;
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      this.forget();
      throw unreadable(this.path, error);
    }
    const value = this.#normalize(text);
    if (value.length === 0) {
      this.forget();
      throw new Error(`${quotePath(this.path)} is empty`);
    }
    this.#value = value;
    this.#stamp = stamp;
    return value;
  }

  /** Drops the cached secret, so the next {@link SecretFile.read} reads the file whatever its stamp. */
  forget(): void {
    this.#value = undefined;
    this.#stamp = undefined;
  }
}
